"""投诉: logging, deadlines on the 2026 calendar (and provisional 2027), the flow, the
extension and its notice, and the role rule — nobody but the complaint officer ever sees
a complainant (store.complaints, policies.complaints)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from policies.complaints import (
    ComplaintAction,
    allowed_steps,
    check_grounds,
    limit_category,
)
from store.complaints import (
    HIDDEN,
    ComplaintRefused,
    close_complaint,
    complaint_detail,
    complaint_notice,
    complaints_waiting,
    decide_complaint,
    extend_complaint,
    investigate_complaint,
    issue_extension_notice,
    list_complaints,
    log_complaint,
    overdue_complaints,
    preview_extension_notice,
    record_complaint_printed,
    reply_complaint,
    substantiated_counts,
)
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.lookup import search
from store.models import AuditEvent, Complaint, Notice
from store.staff import add_staff

PW = "chuangkou-mima-2"
NAME, PHONE = "欧阳投诉", "13912345678"


def at(y: int, m: int, d: int, hh: int = 10) -> dt.datetime:
    """Hall time (Asia/Shanghai) as the UTC the clock holds."""
    return dt.datetime(y, m, d, hh - 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def office(hall):
    """The supervisor 0001, the clerk 1001 and the complaint officer 2001."""
    add_staff(hall.supervisor, number="2001", name="纪委员", role="complaint_officer", password=PW)
    return hall.login("2001", PW)


@pytest.fixture
def clerk(hall):
    return hall.login()


def log(session, **kw):
    args = {
        "channel": "oral",
        "grounds": ["attitude"],
        "description": f"{NAME}反映窗口人员态度生硬",
        "complainant_name": NAME,
        "complainant_contact": PHONE,
        "against_staff": "1001",
    }
    args.update(kw)
    return log_complaint(session, **args)


# --- policies -----------------------------------------------------------------------------


def test_limit_category_and_grounds():
    assert limit_category("oral", False) == "general"
    assert limit_category("phone", False) == "general"
    assert limit_category("written", False) == "written"
    assert limit_category("online", False) == "written"
    assert limit_category("oral", True) == "complex"
    assert check_grounds(["other", "attitude", "attitude"]) == ("attitude", "other")
    with pytest.raises(Exception, match="至少"):
        check_grounds([])
    steps = allowed_steps("received", {"officer"}, complex_=True)
    assert set(steps) == {ComplaintAction.INVESTIGATE, ComplaintAction.EXTEND}
    assert allowed_steps("received", set(), complex_=True) == ()
    assert allowed_steps("received", {"officer"}, complex_=True, extended=True) == (
        ComplaintAction.INVESTIGATE,
    )


# --- deadlines on real dates --------------------------------------------------------------


def test_oral_complaint_on_mid_autumn_friday_is_due_the_next_working_day(office, clock):
    clock.set(at(2026, 9, 25))  # 中秋节, Friday
    result = log(office)
    assert result.due_date == dt.date(2026, 9, 28)  # Monday
    assert not result.due_provisional


def test_oral_complaint_before_national_day_is_due_after_the_holiday(office, clock):
    clock.set(at(2026, 9, 30))  # Wednesday; 国庆 1–7 October
    result = log(office, channel="phone")
    assert result.due_date == dt.date(2026, 10, 8)


def test_written_complaint_within_five_working_days_counting_the_makeup_saturday(office, clock):
    clock.set(at(2026, 9, 30))
    result = log(office, channel="written")
    # 8, 9, 10 (调休 Saturday), 12, 13 October
    assert result.due_date == dt.date(2026, 10, 13)


def test_complex_complaint_extended_to_fifteen_working_days(office, clock):
    clock.set(at(2026, 9, 30))
    result = log(office, channel="written", complex_=True, grounds=["handling", "refusal"])
    assert result.due_date == dt.date(2026, 10, 13)  # 15 − 10 = 5 before the extension
    extended = extend_complaint(office, result.number, "涉及民政、社保两个部门，需联合调查")
    # 8, 9, 10 (调休), 12–16, 19–23, 26, 27 October: 15 working days from receipt
    assert extended.due_date == dt.date(2026, 10, 27)
    row = Complaint.get(Complaint.number == result.number)
    assert row.extended_from == dt.date(2026, 10, 13)
    with pytest.raises(ComplaintRefused, match="已延期"):
        extend_complaint(office, result.number, "再延")


def test_a_general_complaint_cannot_be_extended(office, clock):
    clock.set(at(2026, 9, 30))
    result = log(office, channel="written")
    with pytest.raises(ComplaintRefused, match="较复杂"):
        extend_complaint(office, result.number, "理由")


def test_extension_into_2027_is_provisional_and_the_notice_says_so(office, clock):
    clock.set(at(2026, 12, 21))  # Monday
    result = log(office, channel="written", complex_=True)
    assert result.due_date == dt.date(2026, 12, 28)
    assert not result.due_provisional
    extended = extend_complaint(office, result.number, "涉及多个单位")
    # 元旦 2027-01-01 off (statutory); 2027 has no notice yet: provisional
    assert extended.due_date == dt.date(2027, 1, 12)
    assert extended.due_provisional
    notice = preview_extension_notice(office, result.number)
    text = notice.text()
    assert "投诉办理延期告知书" in notice.title
    assert NAME in text and "2027年1月12日" in text and "2027年节假日安排尚未公布" in text


def test_oral_complaint_on_new_years_eve_is_due_in_provisional_2027(office, clock):
    clock.set(at(2026, 12, 31))
    result = log(office)
    assert result.due_date == dt.date(2027, 1, 4)
    assert result.due_provisional


# --- the flow -----------------------------------------------------------------------------


def test_oral_complaint_answered_the_next_working_day(office, clock):
    clock.set(at(2026, 9, 30, 15))
    result = log(office)
    assert result.state == "received"
    assert [r.number for r in complaints_waiting(office)] == [result.number]
    clock.set(at(2026, 10, 8, 9))
    assert investigate_complaint(office, result.number, "调取监控，属实") == "investigated"
    decided = decide_complaint(
        office, result.number, substantiated=True, measures="批评教育，扣减考核分"
    )
    assert decided == "decided"
    assert reply_complaint(office, result.number, how="phone", note="电话告知") == "replied"
    assert close_complaint(office, result.number, satisfaction="satisfied") == "closed"
    view = complaint_detail(office, result.number)
    assert view.state_label == "已办结"
    assert view.replied_on == dt.date(2026, 10, 8) <= view.due_date
    assert view.substantiated is True and view.satisfaction_label == "满意"
    assert view.complainant_name == NAME and view.findings == "调取监控，属实"
    assert complaints_waiting(office) == ()
    counts = substantiated_counts(at(2026, 10, 1), at(2026, 10, 31))
    assert counts["staff"] == {"1001": 1}


def test_steps_in_order_only(office, clock):
    clock.set(at(2026, 9, 30))
    number = log(office).number
    with pytest.raises(ComplaintRefused, match="待调查"):
        reply_complaint(office, number, how="phone")
    with pytest.raises(InvalidInput):
        investigate_complaint(office, number, " ")


def test_overdue_complaints_on_the_board(office, clock):
    clock.set(at(2026, 9, 30))
    number = log(office, channel="written").number
    assert overdue_complaints(dt.date(2026, 10, 13)) == (0, ())
    count, rows = overdue_complaints(dt.date(2026, 10, 14))
    assert count == 1 and rows[0].number == number and rows[0].overdue
    assert NAME not in repr(rows)


def test_anonymous_complaint(office, clock):
    clock.set(at(2026, 9, 30))
    with pytest.raises(InvalidInput, match="匿名"):
        log(office, anonymous=True)
    number = log(office, anonymous=True, complainant_name="", complainant_contact="").number
    assert complaint_detail(office, number).complainant_name == "匿名"
    with pytest.raises(InvalidInput, match="姓名"):
        log(office, complainant_name="")


# --- the role rule ------------------------------------------------------------------------


def test_a_clerk_never_sees_a_complainant(hall, office, clerk, clock):
    clock.set(at(2026, 9, 30))
    # the clerk 1001 is first asked and logs the complaint (about themselves, even)
    number = log(clerk, channel="phone").number
    theirs = complaint_detail(clerk, number)
    assert not theirs.identity_shown
    assert theirs.complainant_name == HIDDEN and theirs.complainant_contact == HIDDEN
    assert theirs.description == HIDDEN and theirs.steps == ()
    assert NAME not in repr(list_complaints(clerk)) and PHONE not in repr(list_complaints(clerk))
    with pytest.raises(PermissionDenied):
        investigate_complaint(clerk, number, "自查")
    # the search by the complainant's name or phone finds nothing
    for query in (NAME, PHONE):
        assert search(clerk, query).persons == ()
    with pytest.raises(InvalidInput, match="保密"):
        search(clerk, number)
    # the supervisor neither
    sup = hall.supervisor
    with pytest.raises(NotFound):
        complaint_detail(sup, number)
    assert list_complaints(sup) == ()
    # the complaint officer sees it all, and takes it (unassigned → in the queue)
    assert [r.number for r in complaints_waiting(office)] == [number]
    assert complaints_waiting(clerk) == ()
    mine = complaint_detail(office, number)
    assert mine.complainant_name == NAME and mine.complainant_contact == PHONE


def test_the_complaint_notice_is_the_officers_only(hall, office, clerk, clock):
    clock.set(at(2026, 9, 30))
    number = log(office, channel="written", complex_=True).number
    extend_complaint(office, number, "涉及多个单位")
    with pytest.raises(PermissionDenied):
        preview_extension_notice(clerk, number)
    issued = issue_extension_notice(office, number)
    assert issued.number.startswith("TZ") and NAME in issued.notice.text()
    assert complaint_notice(office, issued.number).text() == issued.notice.text()
    assert record_complaint_printed(office, issued.number) == 1
    assert Notice.get(Notice.number == issued.number).complaint.number == number
    assert complaint_detail(office, number).notices == (issued.number,)
    with pytest.raises(PermissionDenied):
        complaint_notice(clerk, issued.number)
    from store.case_notices import issued_notice
    from store.cases.notices import notice_text

    for read in (issued_notice, notice_text):
        with pytest.raises(NotFound):
            read(clerk, issued.number)
    assert search(clerk, issued.number).persons == ()


def test_the_audit_holds_no_complainant(hall, office, clerk, clock):
    clock.set(at(2026, 9, 30))
    number = log(clerk, channel="written", complex_=True).number
    extend_complaint(office, number, f"需向{NAME}核实")
    issue_extension_notice(office, number)
    investigate_complaint(office, number, f"{NAME}所述属实")
    decide_complaint(office, number, substantiated=False, measures="说明情况")
    reply_complaint(office, number, how="written", note=PHONE)
    close_complaint(office, number, satisfaction="basic")
    complaint_detail(clerk, number)
    events = list(AuditEvent.select())
    assert any(e.action == "complaint.log" for e in events)
    for event in events:
        dumped = json.dumps([str(v) for v in event.__data__.values()], ensure_ascii=False)
        assert NAME not in dumped and PHONE not in dumped
    # nor the database in clear
    row = Complaint.get(Complaint.number == number)
    assert NAME.encode() not in bytes(row.complainant_name_enc)


# --- the queue, the board, AB岗 -----------------------------------------------------------


def test_the_officers_queue_and_the_supervisors_board(hall, office, clerk, clock):
    from store.board import board
    from store.handover import open_items
    from store.queue import counter_queue

    clock.set(at(2026, 9, 30))
    written = log(clerk, channel="written").number  # nobody's yet
    oral = log(office).number  # the officer's own
    queue = counter_queue(office, window_code=None)
    rows = {r.number: r for r in queue.rows if r.section == "complaint"}
    assert set(rows) == {written, oral}
    assert rows[oral].due_date == dt.date(2026, 10, 8) and rows[oral].applicant == ""
    assert rows[oral].kind_label == "投诉" and rows[oral].state_label == "待调查"
    assert not [r for r in counter_queue(clerk, window_code=None).rows if r.section == "complaint"]
    # AB岗: the officer's open complaints are in their handover snapshot
    items = open_items([office.staff_id])
    assert [i["number"] for i in items if i["type"] == "complaint"] == [oral]

    clock.set(at(2026, 10, 9))  # the oral one is overdue, the written one not yet
    seen = board(hall.supervisor)
    assert seen.complaints.total == 1 and seen.complaints.rows[0].number == oral
    assert NAME not in repr(seen.complaints)
    rows = {r.number: r for r in counter_queue(office, window_code=None).rows}
    assert rows[oral].urgency == "overdue"
