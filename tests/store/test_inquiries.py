"""首问登记 (store.inquiries): dispositions, 转办 with the window's phone, 督办 on the
queue, the supervisor's decisions, bad input refused with nothing saved."""

from __future__ import annotations

import pytest

from store.errors import InvalidInput, PermissionDenied
from store.inquiries import (
    PersonInput,
    answer_instead,
    finish_inquiry,
    reassign_inquiry,
    register_inquiry,
)
from store.models import AuditEvent, Counter, Inquiry, Person
from store.queue import counter_queue
from store.staff import add_staff
from tests.people import PEOPLE
from tests.store.test_cases import applicant, desk  # noqa: F401 — fixtures

WHO = PEOPLE[0]


def person(who=WHO) -> PersonInput:
    return PersonInput(who.name, who.id_number, who.phone)


def test_answered_visit_is_closed_and_counts_the_persons_history(desk):  # noqa: F811
    first = register_inquiry(
        desk, channel="visit", person=person(), item_code="P001", disposition="answered"
    )
    assert first.number == "SW20261123-0001"
    assert first.person_history_count == 0
    assert first.referred_window_phone is None
    row = Inquiry.get(Inquiry.number == first.number)
    assert (row.state, row.disposition, row.channel) == ("closed", "answered", "visit")
    assert row.window.code == "minzheng"  # the clerk's window
    second = register_inquiry(
        desk, channel="来访", person=person(), topic="问低保政策", disposition="answered"
    )
    assert second.person_history_count == 1
    assert Person.select().count() == 1
    assert WHO.name not in repr(first) and WHO.name not in repr(person())
    assert (
        desk.keys.open_text(
            "inquiry",
            "topic_enc",
            second.uuid,
            Inquiry.get(Inquiry.number == second.number).topic_enc,
        )
        == "问低保政策"
    )


def test_phone_referral_gives_the_windows_phone_and_is_followed_up(hall, desk):  # noqa: F811
    result = register_inquiry(
        desk,
        channel="phone",
        caller_name=PEOPLE[2].name,
        caller_phone=PEOPLE[2].phone,
        topic="问社保卡挂失",
        disposition="referred",
        referred_to="shebao",
    )
    assert result.referred_window_phone == "0000-1000002"
    assert result.person_history_count == 0
    assert Person.select().count() == 0  # a caller without ID is not registered as a person
    mine = {r.number: r for r in counter_queue(desk, window_code="minzheng").rows}
    assert mine[result.number].kind_label == "督办"
    assert mine[result.number].applicant == "诸**远"

    add_staff(
        hall.supervisor,
        number="1003",
        name="钱社保",
        role="clerk",
        password="shebao-mima-1",
        window="shebao",
    )
    receiver = hall.login("1003", "shebao-mima-1")
    theirs = {r.number: r for r in counter_queue(receiver, window_code="shebao").rows}
    assert theirs[result.number].kind_label == "转入"
    # the receiving window cannot push it back; only the supervisor reassigns
    with pytest.raises(PermissionDenied, match="不得推回"):
        reassign_inquiry(receiver, result.number, "minzheng")
    reassign_inquiry(hall.supervisor, result.number, "guotu")
    assert Inquiry.get(Inquiry.number == result.number).referred_to.code == "guotu"
    finish_inquiry(desk, result.number)
    assert result.number not in {r.number for r in counter_queue(desk, window_code="minzheng").rows}
    with pytest.raises(InvalidInput, match="已办结"):
        finish_inquiry(desk, result.number)


def test_a_visit_referral_reads_no_phone(desk):  # noqa: F811
    result = register_inquiry(
        desk,
        channel="visit",
        person=person(),
        topic="宅基地",
        disposition="referred",
        referred_to="shebao",
    )
    assert result.referred_window_phone is None


def test_escalated_goes_to_the_supervisor(hall, desk):  # noqa: F811
    result = register_inquiry(
        desk, channel="online", person=person(), topic="归属不明的事项", disposition="escalated"
    )
    numbers = {r.number: r for r in counter_queue(hall.supervisor, window_code=None).rows}
    assert numbers[result.number].kind_label == "报主任"
    with pytest.raises(PermissionDenied, match="大厅主任"):
        finish_inquiry(desk, result.number)
    reassign_inquiry(hall.supervisor, result.number, "minzheng")
    row = Inquiry.get(Inquiry.number == result.number)
    assert (row.disposition, row.referred_to.code, row.state) == ("referred", "minzheng", "open")


def test_accepted_stays_open_until_the_case_is_accepted(desk):  # noqa: F811
    result = register_inquiry(
        desk, channel="visit", person=person(), item_code="P001", disposition="accepted"
    )
    assert Inquiry.get(Inquiry.number == result.number).state == "open"


def test_an_acceptance_given_up_is_closed_as_answered(desk, applicant):  # noqa: F811
    from tests.store.test_cases import accept

    given_up = register_inquiry(
        desk, channel="visit", person=person(), item_code="P001", disposition="accepted"
    )
    answer_instead(desk, given_up.number)
    row = Inquiry.get(Inquiry.number == given_up.number)
    assert (row.disposition, row.state, row.case_id) == ("answered", "closed", None)
    with pytest.raises(InvalidInput, match="不是待受理的事项"):
        answer_instead(desk, given_up.number)  # once
    taken = register_inquiry(
        desk, channel="visit", person=person(), item_code="P001", disposition="accepted"
    )
    accept(desk, applicant, inquiry_number=taken.number)
    with pytest.raises(InvalidInput, match="不是待受理的事项"):
        answer_instead(desk, taken.number)  # it has its case


BAD_ID = WHO.id_number[:17] + ("0" if WHO.id_number[17] != "0" else "1")


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"item_code": None, "topic": "  "}, "所问事项不能为空"),
        ({"item_code": "NOPE"}, "未知的服务事项"),
        ({"person": PersonInput(WHO.name, BAD_ID, WHO.phone)}, "校验码错误"),
        ({"person": PersonInput(" ", WHO.id_number)}, "姓名不能为空"),
        ({"person": PersonInput(WHO.name)}, "须留联系电话"),
        ({"person": None, "caller_name": WHO.name}, "姓名和联系电话"),
        ({"channel": "微信"}, "未知的登记渠道"),
        ({"disposition": "lost"}, "未知的处理方式"),
        ({"disposition": "referred"}, "转办须选择承办窗口"),
        ({"disposition": "referred", "referred_to": "minzheng"}, "不能转办给本窗口"),
        ({"disposition": "referred", "referred_to": "nowhere"}, "未知的窗口"),
        ({"referred_to": "shebao"}, "只有转办"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(desk, kw, message):  # noqa: F811
    events = AuditEvent.select().count()
    args = {
        "channel": "visit",
        "person": person(),
        "item_code": "P001",
        "disposition": "answered",
        **kw,
    }
    with pytest.raises(InvalidInput, match=message) as info:
        register_inquiry(desk, **args)
    assert Inquiry.select().count() == 0
    assert Person.select().count() == 0
    assert Counter.select().where(Counter.prefix == "SW").count() == 0
    assert AuditEvent.select().count() == events
    assert WHO.id_number not in str(info.value) and BAD_ID not in str(info.value)
    assert WHO.name not in str(info.value)


def test_numbers_are_unique_and_the_audit_holds_no_personal_data(desk):  # noqa: F811
    numbers = [
        register_inquiry(
            desk,
            channel="phone",
            caller_name=WHO.name,
            caller_phone=WHO.phone,
            topic="问政策",
            disposition="answered",
        ).number
        for _ in range(10)
    ]
    assert len(set(numbers)) == 10
    text = "".join(e.detail + e.record_id for e in AuditEvent.select())
    assert WHO.name not in text and WHO.phone not in text and "问政策" not in text


def test_a_technician_cannot_register(hall, desk):  # noqa: F811
    from store.errors import LockedRegister

    add_staff(
        hall.supervisor, number="9001", name="技术员甲", role="technician", password="jishu-mima-1"
    )
    technician = hall.login("9001", "jishu-mima-1")
    with pytest.raises((PermissionDenied, LockedRegister)):
        register_inquiry(
            technician,
            channel="visit",
            caller_name="甲",
            caller_phone="13800000000",
            topic="x",
            disposition="answered",
        )
    assert Inquiry.select().count() == 0


def test_a_referral_accepted_as_a_case_is_followed_until_the_case_ends(hall, desk):  # noqa: F811
    """督办 (seed 000 篇7 首问5「直到事情办理结束」): the first asker follows a referral not
    only until the receiving window accepts it, but until the case it became ends."""
    from store.cases import accept_case, case_detail, close_case
    from store.persons import upsert_person
    from tests.store.test_cases import ALL

    add_staff(
        hall.supervisor,
        number="1004",
        name="孙民政",
        role="clerk",
        password="minzheng-mima-2",
        window="minzheng",
    )
    asked_first = hall.login("1004", "minzheng-mima-2")  # not 1002: 社保 is not theirs
    referred = register_inquiry(
        asked_first, channel="visit", person=person(), item_code="I001", disposition="referred",
        referred_to="shebao",
    )  # fmt: skip
    receiver = desk  # 1002 holds the B post of 社保
    who = upsert_person(receiver, name=WHO.name, id_number=WHO.id_number).uuid
    case = accept_case(
        receiver,
        inquiry_number=referred.number,
        item_code="P001",
        person_uuid=who,
        materials=ALL,
        kind="promised",
    )
    mine = {r.number: r for r in counter_queue(asked_first, window_code="minzheng").rows}
    assert mine[referred.number].kind_label == "督办"
    assert mine[referred.number].state_label == "已受理"  # the case's state, with its date
    assert mine[referred.number].due_date == case.due_date
    shebao = {r.number for r in counter_queue(receiver, window_code="shebao").rows}
    assert referred.number not in shebao  # accepted: now a case in their queue, not 转入
    with pytest.raises(InvalidInput, match="督办至办件办结为止"):
        finish_inquiry(asked_first, referred.number)

    close_case(receiver, case.number, granted=True, reasons="准予")
    assert case_detail(receiver, case.number).state == "done"
    after = {r.number for r in counter_queue(asked_first, window_code="minzheng").rows}
    assert referred.number not in after
    assert Inquiry.get(Inquiry.number == referred.number).state == "closed"


def test_a_refused_registration_is_audited_although_it_rolls_back(hall, desk):  # noqa: F811
    """The person and the inquiry are written in one outer transaction: a role refused
    inside it rolls both back, and the refusal's audit event still stays."""
    from store.models import AuditPending

    add_staff(
        hall.supervisor,
        number="3001",
        name="纪投诉",
        role="complaint_officer",
        password="tousu-mima-2026",
    )
    officer = hall.login("3001", "tousu-mima-2026")
    with pytest.raises(PermissionDenied):
        register_inquiry(officer, channel="visit", person=person(), disposition="answered",
                         topic="x")  # fmt: skip
    assert Person.select().count() == 0 and Inquiry.select().count() == 0
    denied = [
        e
        for model in (AuditEvent, AuditPending)
        for e in model.select().where(model.action == "denied")
    ]
    assert len(denied) == 1 and '"attempted":"inquiry.register"' in denied[0].detail
