"""查询 and 一人一档 (store.lookup): classification, blind-index lookups, history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from policies.idnumber import InvalidIdNumber
from store import row_macs
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.lookup import classify, person_history, search
from store.models import AuditEvent
from store.staff import add_staff
from tests.people import PEOPLE, id_number
from tests.store.test_cases import desk  # noqa: F401 — fixture
from tests.store.test_complaints import office  # noqa: F401 — fixture
from tests.store.test_queue import (
    add_case,
    add_inquiry,
    add_person,
    add_rating,
    local,
    setup_catalog,
)

TODAY = dt.date(2026, 11, 23)
GOOD = PEOPLE[0].id_number
WITH_X = next(
    n for n in (id_number("110105", "19850412", f"{s:03d}") for s in range(1000)) if n[-1] == "X"
)


def bad_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize(
    ("query", "kind", "value"),
    [
        (GOOD, "id_number", GOOD),
        (f" {GOOD[:6]} {GOOD[6:14]} {GOOD[14:]} ", "id_number", GOOD),
        (WITH_X.lower(), "id_number", WITH_X),  # a lower-case x check digit
        ("13912345678", "phone", "13912345678"),
        ("139 1234 5678", "phone", "13912345678"),
        ("139-1234-5678", "phone", "13912345678"),
        ("+86 139 1234 5678", "phone", "13912345678"),
        ("0086-13912345678", "phone", "13912345678"),
        ("0000-68120101", "phone", "000068120101"),
        ("bj20261123-0007", "case", "BJ20261123-0007"),
        ("SW20261123-0012", "inquiry", "SW20261123-0012"),
        ("XF20261123-0001", "petition", "XF20261123-0001"),
        ("TZ20261123-0001", "notice", "TZ20261123-0001"),
        ("欧阳春晓", "name", "欧阳春晓"),
        (" 阿依古丽·买买提 ", "name", "阿依古丽·买买提"),
    ],
)
def test_classify(query, kind, value):
    result = classify(query, today=TODAY)
    assert (result.kind, result.value) == (kind, value)
    assert value not in repr(result) or kind in ("case", "inquiry", "petition", "notice")


def test_a_wrong_check_digit_is_an_error_not_a_miss():
    with pytest.raises(InvalidIdNumber, match="校验码错误") as caught:
        classify(bad_check_digit(GOOD), today=TODAY)
    assert caught.value.reason == "check_digit"
    assert GOOD[:17] not in str(caught.value)  # the number is masked in the message


@pytest.mark.parametrize(
    ("query", "error", "match"),
    [
        ("", InvalidInput, "请输入"),
        (GOOD[:17], InvalidIdNumber, "长度不是18位"),
        (GOOD + "1", InvalidIdNumber, "长度不是18位"),
        ("12345", InvalidInput, "无法识别"),
        ("王5", InvalidInput, "无法识别"),
        ("TS20261123-0001", InvalidInput, "投诉"),
    ],
)
def test_classify_refuses(query, error, match):
    with pytest.raises(error, match=match):
        classify(query, today=TODAY)


@pytest.fixture
def people(hall):
    setup_catalog(hall)
    clerk = hall.login()
    persons = [add_person(clerk, who) for who in PEOPLE]
    return clerk, persons


def test_search_by_id_phone_and_name(people):
    clerk, persons = people
    found = search(clerk, PEOPLE[1].id_number)
    assert found.kind == "id_number" and found.kind_label == "证件号码"
    assert [p.uuid for p in found.persons] == [persons[1].uuid]
    assert found.persons[0].name == PEOPLE[1].name
    assert [p.uuid for p in search(clerk, "+86 158-8765-4321").persons] == [persons[1].uuid]
    assert [p.uuid for p in search(clerk, PEOPLE[2].name).persons] == [persons[2].uuid]
    assert search(clerk, "查无此人").persons == ()
    assert search(clerk, id_number("110105", "19900101", "123")).persons == ()
    with pytest.raises(InvalidIdNumber):
        search(clerk, bad_check_digit(PEOPLE[1].id_number))
    # Audited, without the query.
    events = list(AuditEvent.select().where(AuditEvent.action == "person.search"))
    assert [json.loads(e.detail)["kind"] for e in events] == [
        "id_number",
        "phone",
        "name",
        "name",
        "id_number",
    ]
    for event in events:
        for who in PEOPLE:
            assert who.name not in event.detail and who.id_number not in event.detail
            assert who.phone not in event.detail
    for result in (found, search(clerk, PEOPLE[2].name)):
        assert all(w.name not in repr(result) and w.id_number not in repr(result) for w in PEOPLE)


def test_search_by_case_and_inquiry_number(people):
    clerk, persons = people
    case = add_case(clerk, state="accepted", person=persons[3], due=dt.date(2026, 12, 1))
    inquiry = add_inquiry(clerk, person=persons[2])
    caller_only = add_inquiry(clerk, caller_name="某来电人")
    result = search(clerk, case.number.lower())
    assert (result.kind, result.record_number, result.record_found) == ("case", case.number, True)
    assert [p.uuid for p in result.persons] == [persons[3].uuid]
    assert [p.uuid for p in search(clerk, inquiry.number).persons] == [persons[2].uuid]
    only = search(clerk, caller_only.number)
    assert only.record_found and only.persons == ()
    missing = search(clerk, "BJ20200101-0001")
    assert not missing.record_found and missing.persons == ()


def test_person_history_newest_first(people, clock):
    clerk, persons = people
    who = persons[0]
    older = add_case(
        clerk,
        state="done",
        person=who,
        received_at=local(2026, 9, 1, 9, 5),
        closed_at=local(2026, 9, 3),
        due=dt.date(2026, 9, 29),
    )
    newer = add_case(clerk, item="HY001", state="accepted", person=who, due=dt.date(2026, 11, 23))
    add_case(clerk, state="accepted", person=persons[1])  # someone else's
    asked = add_inquiry(
        clerk, person=who, at=local(2026, 8, 31, 16, 40), case=older, disposition="accepted"
    )
    referred = add_inquiry(
        clerk, person=who, disposition="referred", referred_to="guotu", item=None
    )
    add_rating(clerk, older, 4, at=local(2026, 9, 3, 10))
    rated_inquiry = add_inquiry(clerk, person=who, at=local(2026, 10, 1))
    from store.database import database
    from store.models import Rating, new_uuid

    with database.atomic():
        row_macs.create(
            clerk.keys,
            Rating,
            uuid=new_uuid(),
            key_id=1,
            inquiry=rated_inquiry,
            staff=clerk.staff_id,
            window=rated_inquiry.window_id,
            channel="sms",
            level=1,
            at=local(2026, 10, 1, 11),
        )

    history = person_history(clerk, who.uuid)
    assert history.person.uuid == who.uuid and history.person.name == PEOPLE[0].name
    assert [c.number for c in history.cases] == [newer.number, older.number]
    old = history.cases[1]
    assert old.at == "2026-09-01 09:05"  # shown in Asia/Shanghai
    assert old.received_at.utcoffset() == dt.timedelta(hours=8)
    assert (old.item_name, old.window_name) == ("低保申请", "民政窗口")
    assert (old.kind_label, old.state_label, old.due_date) == (
        "承诺件",
        "已办结",
        dt.date(2026, 9, 29),
    )
    assert history.cases[0].kind_label == "即办件"
    assert [i.number for i in history.inquiries] == [
        referred.number,
        rated_inquiry.number,
        asked.number,
    ]
    assert history.inquiries[0].disposition_label == "已转办"
    assert history.inquiries[0].item_name == "（未指定事项）"
    assert history.inquiries[2].case_number == older.number
    assert history.inquiries[2].at == "2026-08-31 16:40"
    assert [(r.number, r.level_label) for r in history.ratings] == [
        (rated_inquiry.number, "非常满意"),
        (older.number, "不满意"),
    ]
    assert history.ratings[1].case_number == older.number
    # Nothing personal in the repr but the PersonView's uuid and type.
    text = repr(history)
    for who_ in PEOPLE:
        assert who_.name not in text and who_.id_number not in text and who_.phone not in text
    # Every string in the records is about the matter, not the person.
    strings = [
        str(v)
        for rows in (history.cases, history.inquiries, history.ratings)
        for r in rows
        for v in dataclasses.asdict(r).values()
    ]
    assert not any(w.name in s for w in PEOPLE for s in strings)
    event = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    assert (event.action, event.record_id) == ("person.history", who.uuid)


def test_history_refusals(people, hall):
    clerk, _ = people
    with pytest.raises(NotFound):
        person_history(clerk, "0" * 32)
    add_staff(
        hall.supervisor, number="9001", name="技术员", role="technician", password="jishu-mima-1"
    )
    technician = hall.login("9001", "jishu-mima-1")
    with pytest.raises(PermissionDenied):
        search(technician, PEOPLE[0].name)


# --- callers without an ID number, record numbers, inquiry view ---------------------------


def test_a_phone_referral_just_made_is_found_by_phone_name_and_number(desk):  # noqa: F811
    from store.inquiries import register_inquiry

    caller = PEOPLE[2]
    made = register_inquiry(
        desk,
        channel="phone",
        caller_name=caller.name,
        caller_phone=caller.phone,
        topic="问社保卡挂失",
        disposition="referred",
        referred_to="shebao",
    )
    for query in (caller.phone, "186-1111-2222", caller.name):
        found = search(desk, query)
        assert found.persons == ()
        assert [c.number for c in found.callers] == [made.number]
        hit = found.callers[0]
        assert (hit.name, hit.phone) == (caller.name, caller.phone)
        assert (hit.channel_label, hit.disposition_label) == ("电话", "已转办")
        assert caller.name not in repr(found) and caller.phone not in repr(found)
    by_number = search(desk, made.number)
    assert (by_number.kind, by_number.record_found) == ("inquiry", True)
    assert by_number.record_number == made.number
    # Another caller's name finds nothing; the audit holds counts, never the query.
    assert search(desk, PEOPLE[3].name).callers == ()
    events = list(AuditEvent.select().where(AuditEvent.action == "person.search"))
    assert [json.loads(e.detail).get("callers", 0) for e in events] == [1, 1, 1, 0, 0]
    for event in events:
        assert caller.name not in event.detail and caller.phone not in event.detail


def test_a_callers_index_copied_from_another_inquiry_is_refused(desk):  # noqa: F811
    from store.errors import TamperedRecord
    from store.inquiries import register_inquiry
    from store.models import Inquiry
    from tests.store.insider import raw_update

    one, other = PEOPLE[2], PEOPLE[3]
    for caller in (one, other):
        register_inquiry(
            desk,
            channel="phone",
            caller_name=caller.name,
            caller_phone=caller.phone,
            topic="问社保卡挂失",
            disposition="referred",
            referred_to="shebao",
        )
    first, second = Inquiry.select().order_by(Inquiry.id)
    # The insider points the second caller's phone index at the first one's number.
    raw_update(Inquiry, Inquiry.id == second.id, caller_phone_bidx=first.caller_phone_bidx)
    with pytest.raises(TamperedRecord, match="登记本记录被改动"):
        search(desk, one.phone)


def test_callers_written_before_the_index_are_indexed_on_search(people):
    clerk, _ = people
    old = add_inquiry(clerk, caller_name="某来电人")  # sealed directly, no blind index
    assert search(clerk, "某来电人").callers[0].number == old.number
    from store.models import Inquiry

    assert Inquiry.get_by_id(old.id).caller_name_bidx is not None
    assert search(clerk, "某来电人").callers[0].number == old.number  # indexed once


def test_a_shared_name_lists_both_persons(people):
    clerk, persons = people
    twin = PEOPLE[3]
    other = add_person(clerk, dataclasses.replace(twin, name=PEOPLE[0].name))
    found = search(clerk, PEOPLE[0].name)
    assert [p.uuid for p in found.persons] == [persons[0].uuid, other.uuid]


def test_nothing_found(people):
    clerk, _ = people
    for query in ("查无此人", "13000000000", "SW20261123-0099", "BJ20270101-0001"):
        result = search(clerk, query)
        assert result.persons == () and result.callers == () and not result.record_found


def test_a_number_of_next_year_is_found(people):
    clerk, persons = people
    case = add_case(clerk, person=persons[1], received_at=local(2027, 1, 2, 10))
    inquiry = add_inquiry(clerk, caller_name="某来电人", at=local(2027, 1, 2, 10))
    assert case.number == "BJ20270102-0001" and inquiry.number == "SW20270102-0001"
    result = search(clerk, case.number)
    assert result.record_found and [p.uuid for p in result.persons] == [persons[1].uuid]
    assert search(clerk, inquiry.number.lower()).record_found


def test_inquiry_view_shows_the_full_name_and_masks_the_rest(people, hall):
    from store.inquiry_view import inquiry_view

    clerk, persons = people
    referred = add_inquiry(
        clerk, person=persons[0], disposition="referred", state="open", referred_to="guotu"
    )
    view = inquiry_view(clerk, referred.number.lower())
    assert (view.number, view.name, view.is_caller) == (referred.number, PEOPLE[0].name, False)
    assert PEOPLE[0].phone not in view.phone and view.phone.endswith(PEOPLE[0].phone[-4:])
    assert PEOPLE[0].id_number not in view.id_number
    assert (view.disposition_label, view.state_label) == ("转办", "未办结")
    assert view.referred_to_name == "国土村建窗口"
    assert view.item_name == "低保申请"
    assert PEOPLE[0].name not in repr(view)
    event = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    assert (event.action, event.record_id) == ("inquiry.view", referred.uuid)
    assert PEOPLE[0].name not in event.detail
    caller = inquiry_view(clerk, add_inquiry(clerk, caller_name="某来电人").number)
    assert (caller.name, caller.is_caller, caller.id_number) == ("某来电人", True, "")
    with pytest.raises(NotFound):
        inquiry_view(clerk, "SW20200101-0001")
    add_staff(
        hall.supervisor, number="9001", name="技术员", role="technician", password="jishu-mima-1"
    )
    with pytest.raises(PermissionDenied):
        inquiry_view(hall.login("9001", "jishu-mima-1"), referred.number)


def test_inquiry_view_of_an_answered_call_shows_the_answer(desk):  # noqa: F811
    from store.inquiries import register_inquiry
    from store.inquiry_view import inquiry_view

    made = register_inquiry(
        desk,
        channel="phone",
        caller_name=PEOPLE[1].name,
        caller_phone=PEOPLE[1].phone,
        topic="问低保政策",
        disposition="answered",
        answer="已告知申请条件",
    )
    view = inquiry_view(desk, made.number)
    assert (view.topic, view.answer) == ("问低保政策", "已告知申请条件")
    assert (view.disposition_label, view.state_label, view.is_caller) == (
        "当场答复",
        "已办结",
        True,
    )
    assert view.closed_at == view.at and view.referred_to_name == ""
    assert "已告知" not in repr(view)


def test_a_complainant_is_found_neither_as_a_person_nor_as_a_caller(hall, office, clock):  # noqa: F811
    from tests.store.test_complaints import NAME, PHONE, at, log

    clock.set(at(2026, 9, 30))
    clerk = hall.login()
    log(clerk, channel="phone")  # the clerk asked first takes the complaint down
    for query in (NAME, PHONE):
        found = search(clerk, query)
        assert found.persons == () and found.callers == ()
