"""AB岗交接: absence, approval, B's confirmation, acting for A, cover chains, 主动顶岗, 收岗
and its summary, periods that end on their own (store.handover, store.cover)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from store.attendance import sign_in
from store.cases import case_detail, close_case, record_visit
from store.catalog import import_catalog
from store.errors import InvalidInput, PermissionDenied
from store.handover import (
    HandoverRefused,
    accept_return,
    approvals_waiting,
    approve_absence,
    assign_cover,
    confirm_handover,
    covers_to_review,
    hand_back,
    handover_detail,
    login_notices,
    orphans,
    overdue_returns,
    refuse_absence,
    register_absence,
    return_summary,
    review_cover,
    settle_handovers,
    take_over,
)
from store.inquiries import register_inquiry
from store.models import AuditEvent, Case, Handover, Staff
from store.persons import upsert_person
from store.queue import counter_queue
from store.staff import add_staff, assign_post
from tests.people import PEOPLE
from tests.store.test_cases import ALL, CATALOG, local

PW = "chuangkou-mima-2"
MON = dt.date(2026, 11, 23)  # the fixture clock's day (08:30 at the hall)


@pytest.fixture
def posts(hall):
    """民政: A 1002, B 1003; 社保: A 1004, B 1003; 国土村建: A 1005, no B."""
    sup = hall.supervisor
    import_catalog(sup, CATALOG)
    for number, name, window in (
        ("1002", "赵民政", "minzheng"),
        ("1003", "钱备岗", "minzheng"),
        ("1004", "孙社保", "shebao"),
        ("1005", "李国土", "guotu"),
    ):
        add_staff(sup, number=number, name=name, role="clerk", password=PW, window=window)
    assign_post(sup, "minzheng", "A", "1002")
    assign_post(sup, "minzheng", "B", "1003")
    assign_post(sup, "shebao", "A", "1004")
    assign_post(sup, "shebao", "B", "1003")
    assign_post(sup, "guotu", "A", "1005")
    return hall


def login(hall, number):
    return hall.login(number, PW)


def sid(number: str) -> int:
    return Staff.get(Staff.number == number).id


def a_case(session) -> str:
    who = PEOPLE[0]
    person = upsert_person(session, name=who.name, id_number=who.id_number, phone=who.phone)
    from store.cases import accept_case

    return accept_case(
        session, person_uuid=person.uuid, item_code="P001", materials=ALL, kind="promised"
    ).number


def events_on(number: str) -> list[AuditEvent]:
    uuid = Case.get(Case.number == number).uuid
    return list(AuditEvent.select().where(AuditEvent.record_id == uuid).order_by(AuditEvent.seq))


def test_planned_handover_b_confirms_acts_for_a_and_hands_back(posts, clock):
    a, b = login(posts, "1002"), login(posts, "1003")
    number = a_case(a)
    view = register_absence(
        a, absence="休假", starts_on=MON + dt.timedelta(days=2), ends_on=MON + dt.timedelta(days=2)
    )
    assert (view.state, view.to_number, view.late, view.approval) == (
        "registered",
        "1003",
        False,
        "",
    )
    assert [i.number for i in handover_detail(b, view.number).items] == [number]

    # Before B confirms, B's action on A's case is B's own.
    record_visit(b, number)
    assert events_on(number)[-1].acting_for is None
    notices = login_notices(b)
    assert [(n.kind, n.handover) for n in notices] == [("confirm", view.number)]

    confirmed = confirm_handover(b, view.number)
    assert confirmed.state == "active"
    record_visit(b, number)
    close_case(b, number, granted=True, reasons="准予救助")
    period = events_on(number)[-2:]
    assert [(e.actor, e.acting_for) for e in period] == [(sid("1003"), sid("1002"))] * 2
    # …and on the case itself, as its 代岗记录.
    lines = case_detail(b, number).covered
    assert [line.split(" ", 2)[2] for line in lines] == ["1003代1002 登记来访", "1003代1002 办结"]
    # B's queue shows A's items marked 代岗 (A had none other than this, now closed).
    assert all(r.covering_for in ("", "1002") for r in counter_queue(b, window_code="shebao").rows)

    # A back and signed in: B hands back; A sees what B did and confirms.
    clock.advance(days=3)
    sign_in(a)
    summary = hand_back(b, view.number)
    assert summary.handover.state == "returned"
    assert [(d.action_label, d.record) for d in summary.done] == [
        ("登记来访", number),
        ("办结", number),
    ]
    assert [i.number for i in summary.closed] == [number] and summary.still_open == ()
    assert [n.kind for n in login_notices(a)] == ["returned"]
    assert accept_return(a, view.number).state == "ended"
    # Rights ended at 收岗: nothing B does later is for A.
    other = a_case(a)
    record_visit(b, other)
    assert events_on(other)[-1].acting_for is None


def test_acting_for_shows_on_b_queue_with_a_number(posts):
    a, b = login(posts, "1002"), login(posts, "1003")
    number = a_case(a)
    view = register_absence(
        a, absence="公出", starts_on=MON + dt.timedelta(days=1), ends_on=MON + dt.timedelta(days=1)
    )
    assert not [r for r in counter_queue(b, window_code="shebao").rows if r.number == number]
    confirm_handover(b, view.number)
    rows = [r for r in counter_queue(b, window_code="shebao").rows if r.number == number]
    assert [(r.covering_for, r.section) for r in rows] == [("1002", "case")]


def test_late_registration_is_flagged(posts):
    a = login(posts, "1002")
    today = register_absence(a, absence="事假", starts_on=MON, ends_on=MON)
    assert today.late is True
    b = login(posts, "1004")
    tomorrow = register_absence(
        b, absence="学习", starts_on=MON + dt.timedelta(days=1), ends_on=MON + dt.timedelta(days=1)
    )
    assert tomorrow.late is False


def test_long_absence_needs_approval_first(posts):
    a, b = login(posts, "1002"), login(posts, "1003")
    view = register_absence(
        a,
        absence="vacation",
        starts_on=MON + dt.timedelta(days=2),
        ends_on=MON + dt.timedelta(days=4),
    )
    assert (view.state, view.approval, view.approver) == ("requested", "pending", "中心主任")
    with pytest.raises(HandoverRefused, match="待批准"):
        confirm_handover(b, view.number)
    with pytest.raises(PermissionDenied):
        approve_absence(b, view.number)
    assert [v.number for v in approvals_waiting(posts.supervisor)] == [view.number]
    assert approve_absence(posts.supervisor, view.number).state == "registered"
    assert confirm_handover(b, view.number).state == "active"
    assert approvals_waiting(posts.supervisor) == []


def test_refused_absence_hands_nothing_over(posts):
    a = login(posts, "1002")
    view = register_absence(
        a, absence="休假", starts_on=MON + dt.timedelta(days=2), ends_on=MON + dt.timedelta(days=9)
    )
    refused = refuse_absence(posts.supervisor, view.number, note="年底工作任务重")
    assert refused.state == "refused" and refused.approval == "refused"
    with pytest.raises(HandoverRefused):
        confirm_handover(login(posts, "1003"), view.number)


def test_post_without_b_waits_for_a_stand_in(posts):
    a = login(posts, "1005")
    view = register_absence(
        a, absence="病假", starts_on=MON + dt.timedelta(days=1), ends_on=MON + dt.timedelta(days=1)
    )
    assert (view.state, view.to_number) == ("requested", None)
    with pytest.raises(InvalidInput, match="指定顶岗人"):
        approve_absence(posts.supervisor, view.number)
    named = approve_absence(posts.supervisor, view.number, to_number="1004")
    assert (named.state, named.to_number) == ("registered", "1004")


def test_cover_chain_keeps_a_items_with_c(posts):
    a, b, c = login(posts, "1002"), login(posts, "1003"), login(posts, "1004")
    number = a_case(a)
    first = register_absence(
        a, absence="休假", starts_on=MON + dt.timedelta(days=1), ends_on=MON + dt.timedelta(days=3)
    )
    approve_absence(posts.supervisor, first.number)
    confirm_handover(b, first.number)
    # B, covering A, is away in turn: B's handover to C carries A's case.
    second = register_absence(
        b,
        absence="公出",
        starts_on=MON + dt.timedelta(days=1),
        ends_on=MON + dt.timedelta(days=1),
        to_number="1004",
    )
    assert [(i.number, i.owner) for i in handover_detail(c, second.number).items] == [
        (number, "1002")
    ]
    confirm_handover(c, second.number)
    rows = [r for r in counter_queue(c, window_code="shebao").rows if r.number == number]
    assert [r.covering_for for r in rows] == ["1002"]
    record_visit(c, number)
    assert (events_on(number)[-1].actor, events_on(number)[-1].acting_for) == (
        sid("1004"),
        sid("1002"),
    )
    # B's link cannot end while B is away: A's and B's work would have nobody.
    with pytest.raises(HandoverRefused, match="无人接手"):
        hand_back(c, second.number)
    assert orphans(posts.supervisor) == []


def test_handover_that_would_orphan_items_is_refused(posts):
    a, b = login(posts, "1002"), login(posts, "1003")
    a_case(a)
    view = register_absence(
        a, absence="休假", starts_on=MON + dt.timedelta(days=1), ends_on=MON + dt.timedelta(days=1)
    )
    confirm_handover(b, view.number)
    with pytest.raises(HandoverRefused, match="1 项未办结事项无人接手"):
        hand_back(b, view.number)
    assert handover_detail(b, view.number).state == "active"


def test_initiative_cover_without_handover(posts, clock):
    a, b = login(posts, "1002"), login(posts, "1003")
    number = a_case(a)
    clock.set(local(2026, 11, 24, 8, 0))
    with pytest.raises(HandoverRefused, match="未到 08:30"):
        take_over(b, "1002", reason="病了，未请假")
    clock.set(local(2026, 11, 24, 8, 45))
    with pytest.raises(InvalidInput, match="原因"):
        take_over(b, "1002", reason=" ")
    view = take_over(b, "1002", reason="电话告知生病，未能交接")
    assert (view.mode, view.state, view.needs_review) == ("initiative", "active", True)
    assert [i.number for i in view.items] == [number]
    record_visit(b, number)
    assert events_on(number)[-1].acting_for == sid("1002")
    # The supervisor sees it on the board; A is told at the next login.
    assert [v.number for v in covers_to_review(posts.supervisor)] == [view.number]
    review_cover(posts.supervisor, view.number)
    assert covers_to_review(posts.supervisor) == []
    told = login_notices(a)
    assert [n.kind for n in told] == ["unannounced"] and "主动顶岗" in told[0].text
    assert [n.kind for n in login_notices(a)] == ["covered"]  # said once


def test_initiative_refused_when_a_signed_in(posts, clock):
    a, b = login(posts, "1002"), login(posts, "1003")
    clock.set(local(2026, 11, 24, 9, 0))
    sign_in(a)
    with pytest.raises(HandoverRefused, match="已签到"):
        take_over(b, "1002", reason="x")


def test_second_cover_for_the_same_absence_is_refused(posts, clock):
    b, c = login(posts, "1003"), login(posts, "1004")
    clock.set(local(2026, 11, 24, 9, 0))
    take_over(b, "1002", reason="未到岗")
    with pytest.raises(InvalidInput, match="已由 1003 代岗"):
        take_over(c, "1002", reason="未到岗")


def test_supervisor_names_a_cover_for_an_absent_clerk(posts, clock):
    a = login(posts, "1005")
    a_case_number = None  # 1005 has no case: the cover still records who stands in
    clock.set(local(2026, 11, 24, 9, 0))
    view = assign_cover(posts.supervisor, "1005", "1004", reason="国土窗口无B岗，临时指定")
    assert (view.mode, view.state, view.needs_review, view.to_number) == (
        "assigned",
        "active",
        False,
        "1004",
    )
    assert a_case_number is None and [n.kind for n in login_notices(a)] == ["unannounced"]


def test_period_ends_on_its_own(posts, clock):
    a, b = login(posts, "1002"), login(posts, "1003")
    a_case(a)
    view = register_absence(
        a, absence="学习", starts_on=MON + dt.timedelta(days=1), ends_on=MON + dt.timedelta(days=1)
    )
    confirm_handover(b, view.number)
    # The day after the period, A has not come back: it stays with B, an overdue return.
    clock.set(local(2026, 11, 25, 9, 0))
    assert settle_handovers(posts.supervisor) == []
    assert [v.number for v in overdue_returns(posts.supervisor)] == [view.number]
    # A signs in: A's work goes back to A, who is asked to confirm.
    sign_in(a)
    assert [n.kind for n in login_notices(a)] == ["returned"]
    assert handover_detail(a, view.number).state == "returned"
    assert overdue_returns(posts.supervisor) == []
    assert return_summary(a, view.number).still_open  # the case is A's again, still open


def test_absence_across_a_year_the_calendar_lacks(posts, clock):
    """2027 has no calendar yet: an absence and a case due in it are still handed over."""
    clock.set(local(2026, 12, 28, 9, 0))
    a, b = login(posts, "1002"), login(posts, "1003")
    number = a_case(a)
    assert Case.get(Case.number == number).due_provisional
    view = register_absence(
        a, absence="休假", starts_on=dt.date(2026, 12, 31), ends_on=dt.date(2027, 1, 4)
    )
    assert view.approval == "pending"
    approve_absence(posts.supervisor, view.number)
    items = confirm_handover(b, view.number).items
    assert [(i.number, i.due.year) for i in items] == [(number, 2027)]


def test_caller_with_only_a_name_and_phone_is_handed_over(posts):
    """A 督办 referral of a phone caller who gave no ID number is in the snapshot."""
    a, b = login(posts, "1002"), login(posts, "1003")
    referred = register_inquiry(
        a,
        channel="phone",
        caller_name="周来电",
        caller_phone="13800138000",
        topic="社保卡补办",
        disposition="referred",
        referred_to="shebao",
    ).number
    view = register_absence(
        a, absence="公出", starts_on=MON + dt.timedelta(days=1), ends_on=MON + dt.timedelta(days=1)
    )
    assert [(i.type, i.number) for i in confirm_handover(b, view.number).items] == [
        ("referral", referred)
    ]
    rows = [r for r in counter_queue(b, window_code="minzheng").rows if r.number == referred]
    assert [(r.covering_for, r.applicant) for r in rows] == [("1002", "周*电")]


def test_overlapping_absence_and_bad_input_refused(posts):
    a = login(posts, "1002")
    register_absence(
        a, absence="休假", starts_on=MON + dt.timedelta(days=1), ends_on=MON + dt.timedelta(days=1)
    )
    with pytest.raises(InvalidInput, match="已有离岗登记"):
        register_absence(
            a,
            absence="休假",
            starts_on=MON + dt.timedelta(days=1),
            ends_on=MON + dt.timedelta(days=1),
        )
    with pytest.raises(InvalidInput, match="未知的离岗原因"):
        register_absence(
            a,
            absence="旅游",
            starts_on=MON + dt.timedelta(days=5),
            ends_on=MON + dt.timedelta(days=5),
        )
    with pytest.raises(InvalidInput, match="结束日期不能早于开始日期"):
        register_absence(
            a,
            absence="休假",
            starts_on=MON + dt.timedelta(days=5),
            ends_on=MON + dt.timedelta(days=4),
        )
    with pytest.raises(InvalidInput, match="不能把工作交接给自己"):
        register_absence(
            a,
            absence="休假",
            starts_on=MON + dt.timedelta(days=7),
            ends_on=MON + dt.timedelta(days=7),
            to_number="1002",
        )


def test_reason_and_note_are_sealed(posts, clock, register_url):
    a, b = login(posts, "1002"), login(posts, "1003")
    register_absence(
        a,
        absence="病假",
        starts_on=MON + dt.timedelta(days=1),
        ends_on=MON + dt.timedelta(days=1),
        note="住院手术复查",
    )
    clock.set(local(2026, 11, 24, 9, 0))
    take_over(b, "1005", reason="李国土家中有急事")
    raw = Path(register_url.removeprefix("sqlite:///")).read_bytes()
    for text in ("住院手术复查", "李国土家中有急事"):
        assert text.encode() not in raw
    with sqlite3.connect(register_url.removeprefix("sqlite:///")) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM handover WHERE COALESCE(notes_enc, reason_enc) IS NOT NULL"
        ).fetchone()
    assert count == 2


def test_a_key_rotation_reseals_the_handover(posts):
    from store.rotation import rotate_keys

    a = login(posts, "1002")
    view = register_absence(
        a,
        absence="病假",
        starts_on=MON + dt.timedelta(days=1),
        ends_on=MON + dt.timedelta(days=1),
        note="复查",
    )
    before = Handover.get(Handover.number == view.number).key_id
    rotate_keys(posts.supervisor)
    row = Handover.get(Handover.number == view.number)
    assert row.key_id != before
    assert handover_detail(login(posts, "1003"), view.number).note == "复查"
