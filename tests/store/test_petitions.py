"""信访: registration with sealed particulars, the answer's limit from the policy, 交办 with
its 交办单, the visitor's 告知书, the answer, and the board's alarms (store.petitions)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from store.board import board
from store.case_notices import issued_notice
from store.errors import InvalidInput, PermissionDenied
from store.models import AuditEvent, Notice, Petition
from store.petitions import (
    PetitionInput,
    PetitionRefused,
    acknowledge_alarm,
    answer_petition,
    board_feed,
    hand_petition,
    issue_petition_notice,
    open_petitions,
    petition_detail,
    preview_petition_notice,
    register_petition,
)
from store.staff import add_staff

MON = dt.date(2026, 11, 23)  # the fixture clock's day

VISITOR = PetitionInput(
    name="欧阳春燕",
    gender="女",
    age="47",
    occupation="个体经营者",
    political_status="群众",
    address="青石村三组十七号",
    phone="13912345678",
    issue="邻居扩建房屋占用我家宅基地通道",
    materials="宅基地使用证复印件一份",
)


def _audit_text() -> str:
    return " ".join(f"{e.action} {e.detail}" for e in AuditEvent.select().order_by(AuditEvent.seq))


def test_registration_seals_every_particular(hall, tmp_path):
    clerk = hall.login()
    row = register_petition(clerk, VISITOR)
    assert row.number.startswith("XF20261123-")
    assert row.state == "open" and row.state_label == "待交办"
    assert row.visitor == "欧**燕"
    view = petition_detail(clerk, row.number)
    assert (view.name, view.gender, view.age) == ("欧阳春燕", "女", "47")
    assert (view.occupation, view.political_status) == ("个体经营者", "群众")
    assert view.address == "青石村三组十七号" and view.phone == "13912345678"
    assert view.issue == VISITOR.issue and view.materials == VISITOR.materials
    assert view.received_by == "1001"
    assert "欧阳春燕" not in repr(VISITOR) and "欧阳春燕" not in repr(view)
    # Nothing personal in clear: not in the register's file, not in the audit.
    hall.register.db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    data = Path(hall.register.sqlite_file).read_bytes()
    for secret in ("欧阳春燕", "青石村三组十七号", "13912345678", "宅基地", "个体经营者"):
        assert secret.encode() not in data
        assert secret not in _audit_text()


def test_name_and_issue_are_required(hall):
    clerk = hall.login()
    with pytest.raises(InvalidInput, match="姓名"):
        register_petition(clerk, PetitionInput(name=" ", issue="问题"))
    with pytest.raises(InvalidInput, match="主要问题"):
        register_petition(clerk, PetitionInput(name="张三", issue=""))
    with pytest.raises(InvalidInput, match="人数"):
        register_petition(clerk, PetitionInput(name="张三", issue="问题", collective=True))
    assert Petition.select().count() == 0


def test_due_dates_from_the_policy(hall, clock):
    clerk = hall.login()
    ordinary = register_petition(clerk, VISITOR)
    leader = register_petition(
        clerk, PetitionInput(name="张三", issue="问题", leader_reception=True)
    )
    assert ordinary.due_date == MON + dt.timedelta(days=3)  # natural days: Thursday
    assert leader.due_date == MON + dt.timedelta(days=7)
    # Across the year end: received 30 December 2026.
    clock.set(dt.datetime(2026, 12, 30, 2, 0, tzinfo=dt.UTC))
    assert register_petition(clerk, VISITOR).due_date == dt.date(2027, 1, 2)
    leader = register_petition(
        clerk, PetitionInput(name="张三", issue="问题", leader_reception=True)
    )
    assert leader.due_date == dt.date(2027, 1, 6)


def test_answered_on_the_spot_is_closed_at_once(hall):
    clerk = hall.login()
    row = register_petition(
        clerk, PetitionInput(name="张三", issue="低保政策咨询", answer_now="已当场解释政策")
    )
    assert row.state == "closed"
    assert petition_detail(clerk, row.number).reply == "已当场解释政策"
    assert open_petitions(clerk) == []


def test_hand_notices_and_answer(hall, clock):
    clerk = hall.login()
    number = register_petition(clerk, VISITOR).number
    with pytest.raises(InvalidInput, match="尚未交办"):
        preview_petition_notice(clerk, number, "petition_handover")
    with pytest.raises(InvalidInput, match="承办单位"):
        hand_petition(clerk, number, " ")
    row = hand_petition(clerk, number, "镇国土所")
    assert (row.state_label, row.handed_to) == ("已交办", "镇国土所")
    slip = issue_petition_notice(clerk, number, "petition_handover")
    text = slip.notice.text()
    assert slip.notice.title == "信访事项交办单"
    assert "镇国土所：" in text and "2026年11月26日" in text and VISITOR.issue in text
    told = issue_petition_notice(clerk, number, "petition_notice")
    text = told.notice.text()
    assert "欧阳春燕：" in text and "已交镇国土所办理" in text and "2026年11月26日" in text
    # Stored sealed with the petition, reprinted as issued.
    stored = Notice.get(Notice.number == told.number)
    assert stored.petition.number == number and stored.case_id is None
    assert issued_notice(clerk, told.number).text() == told.notice.text()
    assert petition_detail(clerk, number).notices == (
        (slip.number, "petition_handover"),
        (told.number, "petition_notice"),
    )
    # 改交 to another department; then the answer closes it.
    assert hand_petition(clerk, number, "镇司法所").handed_to == "镇司法所"
    clock.advance(days=2)
    closed = answer_petition(clerk, number, "已协调拆除占道部分", department_reply="已现场处理")
    assert closed.state == "closed" and not closed.overdue
    view = petition_detail(clerk, number)
    assert view.reply == "已协调拆除占道部分" and view.department_reply == "已现场处理"
    assert view.steps == ()
    with pytest.raises(PetitionRefused, match="已答复"):
        hand_petition(clerk, number, "镇国土所")
    with pytest.raises(PetitionRefused):
        issue_petition_notice(clerk, number, "petition_notice")
    events = [e.action for e in AuditEvent.select().order_by(AuditEvent.seq)]
    assert events.count("petition.hand") == 2 and "petition.answer" in events
    assert "已协调" not in _audit_text()


def test_answer_after_the_limit_is_recorded_late(hall, clock):
    clerk = hall.login()
    number = register_petition(clerk, VISITOR).number
    clock.advance(days=5)
    (row,) = open_petitions(clerk)
    assert row.overdue
    answer_petition(clerk, number, "答复")
    event = AuditEvent.select().where(AuditEvent.action == "petition.answer").get()
    assert json.loads(event.detail)["late"] is True


@pytest.mark.parametrize(
    "flags, reasons",
    [
        ({"serious": True}, ("重大",)),
        ({"urgent": True}, ("紧急",)),
        ({"collective": True, "visitors": 12}, ("集体",)),
        ({"serious": True, "urgent": True}, ("重大", "紧急")),
    ],
)
def test_serious_urgent_collective_raise_the_alarm(hall, flags, reasons):
    clerk = hall.login()
    register_petition(clerk, PetitionInput(name="张三", issue="普通问题"))
    alarmed = register_petition(clerk, PetitionInput(name="李四", issue="问题", **flags))
    assert alarmed.alarm == reasons
    seen = board(hall.supervisor)
    assert seen.petitions.alarm_total == 1
    assert [r.number for r in seen.petitions.alarms] == [alarmed.number]
    assert seen.petitions.alarms[0].visitor == "李*"
    # The alarm comes first in the clerk's list too.
    assert open_petitions(clerk)[0].number == alarmed.number


def test_an_ordinary_petition_raises_no_alarm(hall):
    clerk = hall.login()
    register_petition(clerk, VISITOR)
    seen = board(hall.supervisor)
    assert seen.petitions.alarm_total == 0 and seen.petitions.alarms == ()


def test_acknowledging_the_alarm(hall):
    clerk = hall.login()
    number = register_petition(
        clerk, PetitionInput(name="张三", issue="问题", collective=True, visitors=30)
    ).number
    plain = register_petition(clerk, VISITOR).number
    with pytest.raises(PermissionDenied):
        acknowledge_alarm(clerk, number)
    with pytest.raises(PetitionRefused, match="没有警报"):
        acknowledge_alarm(hall.supervisor, plain)
    row = acknowledge_alarm(hall.supervisor, number)
    assert row.alarm_seen
    assert board(hall.supervisor).petitions.alarm_total == 0
    with pytest.raises(PetitionRefused, match="已知悉"):
        acknowledge_alarm(hall.supervisor, number)
    event = AuditEvent.select().where(AuditEvent.action == "petition.alarm_seen").get()
    assert json.loads(event.detail) == {"number": number, "alarm": ["集体"]}


def test_overdue_petitions_on_the_board(hall, clock):
    clerk = hall.login()
    late = register_petition(clerk, VISITOR).number
    register_petition(clerk, PetitionInput(name="张三", issue="问题", leader_reception=True))
    clock.advance(days=4)
    feed = board(hall.supervisor).petitions
    assert feed.overdue_total == 1 and feed.overdue[0].number == late
    answer_petition(clerk, late, "答复")
    assert board(hall.supervisor).petitions.overdue_total == 0


def test_board_feed_counts_past_its_limit(hall):
    clerk = hall.login()
    for _ in range(4):
        register_petition(clerk, PetitionInput(name="张三", issue="问题", urgent=True))
    with hall.register.db.atomic():
        feed = board_feed(hall.supervisor, MON, limit=3)
    assert feed.alarm_total == 4 and len(feed.alarms) == 3


def test_who_may_see_and_act(hall):
    sup = hall.supervisor
    add_staff(sup, number="9001", name="技术员", role="technician", password="jishu-mima-2026")
    add_staff(
        sup, number="8001", name="投诉员", role="complaint_officer", password="tousu-mima-2026"
    )
    number = register_petition(hall.login(), VISITOR).number
    tech = hall.login("9001", "jishu-mima-2026")
    officer = hall.login("8001", "tousu-mima-2026")
    for call in (
        lambda s: register_petition(s, VISITOR),
        lambda s: petition_detail(s, number),
        lambda s: open_petitions(s),
    ):
        with pytest.raises(PermissionDenied):
            call(tech)
    # The complaint officer may read, not handle.
    assert petition_detail(officer, number).name == "欧阳春燕"
    assert petition_detail(officer, number).steps == ()
    with pytest.raises(PermissionDenied):
        hand_petition(officer, number, "镇国土所")
    with pytest.raises(PermissionDenied):
        register_petition(officer, VISITOR)
    assert petition_detail(sup, number).steps == ("hand", "answer")


def test_an_id_number_links_the_person(hall):
    from store.lookup import search
    from tests.people import PEOPLE

    clerk = hall.login()
    p = PEOPLE[0]
    number = register_petition(
        clerk, PetitionInput(name=p.name, issue="问题", id_number=p.id_number, address=p.address)
    ).number
    row = Petition.get(Petition.number == number)
    assert row.person_id is not None
    found = search(clerk, number)
    assert found.record_found and [v.name for v in found.persons] == [p.name]
    with pytest.raises(InvalidInput):
        register_petition(clerk, PetitionInput(name="张三", issue="问题", id_number="110105"))
    assert "petition.register" not in [
        e.action for e in AuditEvent.select().order_by(AuditEvent.seq.desc()).limit(1)
    ]
