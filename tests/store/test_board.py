"""The supervisor's board (store.board): every window at a glance, the queues that wait for
the supervisor with what is needed to decide, the escalation levels as due-date ranges, and
the decisions taken from it recorded (否定报备 agreed or overturned with a comment)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from policies.handover import Escalation, escalation
from policies.masking import mask_name
from store.attendance import sign_in
from store.board import LIMIT, NOBODY, board, escalation_bounds
from store.cases import approve_extension, request_extension, return_case
from store.cases.refusals import refusals_to_review, review_refusal
from store.clock import local_date
from store.errors import InvalidInput, PermissionDenied
from store.handover import register_absence, take_over
from store.inquiries import reassign_inquiry
from store.models import AuditEvent, Case, Inquiry, Refusal
from store.queue import WorkingDays, counter_queue
from store.roster import take_post
from store.staff import add_staff, assign_post
from tests.people import PEOPLE
from tests.store.test_queue import add_case, add_inquiry, add_person, local, setup_catalog

CLERK_NAME, OTHER_NAME = "王小英", "赵民政"
OTHER_PASSWORD = "minzheng-mima-1"


@pytest.fixture
def clerks(hall):
    """The small catalog; 1001 (王小英) holds A and 1002 (赵民政) B of 民政; both logged in."""
    setup_catalog(hall)
    add_staff(
        hall.supervisor,
        number="1002",
        name=OTHER_NAME,
        role="clerk",
        password=OTHER_PASSWORD,
        window="minzheng",
    )
    assign_post(hall.supervisor, "minzheng", "A", "1001")
    assign_post(hall.supervisor, "minzheng", "B", "1002")
    assign_post(hall.supervisor, "hunyin", "A", "1002")
    return hall.login(), hall.login("1002", OTHER_PASSWORD)


def _text(value) -> str:
    """Every string a board holds, and its repr."""
    out = [repr(value)]

    def walk(v):
        if dataclasses.is_dataclass(v):
            for f in dataclasses.fields(v):
                walk(getattr(v, f.name))
        elif isinstance(v, tuple | list):
            for x in v:
                walk(x)
        elif isinstance(v, str):
            out.append(v)

    walk(value)
    return "\n".join(out)


def test_only_the_supervisor_reads_the_board(hall, clerks):
    clerk, _ = clerks
    with pytest.raises(PermissionDenied):
        board(clerk)
    assert AuditEvent.select().where(AuditEvent.action == "denied").count() == 1


def test_every_window_shows_its_posts_who_is_there_and_nobody_as_an_alarm(hall, clerks, clock):
    clerk, other = clerks
    sign_in(clerk)
    take_post(clerk, "minzheng", "A", None)
    seen = board(hall.supervisor)
    windows = {w.code: w for w in seen.windows}
    assert list(windows) == ["minzheng", "hunyin", "guotu"]
    mz = windows["minzheng"]
    assert mz.alarm == "" and [p.staff.number for p in mz.present] == ["1001"]
    assert mz.present[0].staff.name == "王*英" and mz.present[0].post == "A"
    assert (mz.a.staff.number, mz.a.status_label) == ("1001", "在岗")
    assert (mz.b.staff.number, mz.b.status_label) == ("1002", "未签到")
    assert windows["hunyin"].alarm == NOBODY and windows["guotu"].alarm == NOBODY
    assert windows["guotu"].a.status == "vacant" and windows["guotu"].a.status_label == "空缺"
    assert {w.code for w in seen.nobody} == {"hunyin", "guotu"}
    # 1002 signs in at 婚姻 (their A post there): 民政 B shows where they are.
    sign_in(other)
    take_post(other, "hunyin", "A", None)
    seen = board(hall.supervisor)
    windows = {w.code: w for w in seen.windows}
    assert windows["minzheng"].b.status_label == "在婚姻登记窗口"
    assert windows["hunyin"].alarm == "" and windows["hunyin"].present[0].staff.number == "1002"
    text = _text(seen)
    assert CLERK_NAME not in text and OTHER_NAME not in text and "林主任" not in text


def test_open_and_overdue_counts_per_window_and_the_escalation_levels(hall, clerks, clock):
    clerk, _ = clerks
    today = local_date(clock.now())  # Monday 2026-11-23; warn 1 working day, head after 5
    long_ago = add_case(clerk, state="in_progress", due=dt.date(2026, 11, 13))  # 6 days over
    overdue = add_case(clerk, state="accepted", due=dt.date(2026, 11, 18))  # 3 days over
    due_today = add_case(clerk, state="accepted", due=today)
    add_case(clerk, state="forwarded", kind="escalated", due=dt.date(2026, 11, 24))  # warn
    add_case(clerk, state="accepted", due=dt.date(2026, 11, 25))  # 2 days left: no level
    add_case(clerk, item="MZ002", state="awaiting_supplement", kind="supplement")  # no clock
    add_case(clerk, state="done", due=dt.date(2026, 11, 2), closed_at=clock.now())
    # A 即办件 at 婚姻 received an hour ago and still open: overdue although due today.
    late = add_case(
        clerk, item="HY001", state="accepted", due=today, received_at=local(2026, 11, 23, 7, 0)
    )
    seen = board(hall.supervisor)
    windows = {w.code: w for w in seen.windows}
    assert (windows["minzheng"].open_cases, windows["minzheng"].overdue_cases) == (6, 2)
    assert (windows["hunyin"].open_cases, windows["hunyin"].overdue_cases) == (1, 1)
    # The same figures as each window's queue (本窗口超期).
    for code in ("minzheng", "hunyin"):
        assert windows[code].overdue_cases == counter_queue(clerk, window_code=code).counts.overdue
    assert [(c.level, c.count) for c in seen.levels] == [
        (Escalation.HEAD, 1),
        (Escalation.SUPERVISOR, 2),
        (Escalation.WARN, 2),
    ]
    assert [c.label for c in seen.levels] == [
        "严重逾期报中心领导",
        "逾期报大厅主任",
        "临期提醒经办人",
    ]
    urgent = [(u.level, u.number) for u in seen.urgent]
    assert urgent[:3] == [
        (Escalation.HEAD, long_ago.number),
        (Escalation.SUPERVISOR, late.number),
        (Escalation.SUPERVISOR, overdue.number),
    ]
    assert urgent[3] == (Escalation.WARN, due_today.number)
    first = seen.urgent[0]
    assert first.working_days_left == -6 and first.window_name == "民政窗口"
    assert first.clerk.number == "1001" and first.clerk.name == "王*英"
    assert seen.urgent[1].immediate_overdue


@pytest.mark.parametrize(("warn", "head"), [(1, 5), (0, 1), (3, 10), (2, 365)])
def test_the_levels_date_ranges_agree_with_the_policy(hall, warn, head):
    calendar = hall.register.calendar
    for today in (dt.date(2026, 11, 23), dt.date(2026, 10, 8), dt.date(2026, 2, 14)):
        head_last, warn_last = escalation_bounds(calendar, today, warn, head)
        span = range(-500, 60)
        dues = [today + dt.timedelta(days=d) for d in span]
        days = WorkingDays(calendar, today, dues)
        for due in dues:
            expected = escalation(days.left(due)[0], warn, head)
            if due <= head_last:
                got = Escalation.HEAD
            elif due < today:
                got = Escalation.SUPERVISOR
            elif due <= warn_last:
                got = Escalation.WARN
            else:
                got = None
            assert got == expected, (today, due)


def test_an_extension_request_shows_both_dates_and_the_reason_then_leaves(hall, clerks, clock):
    clerk, _ = clerks
    case = add_case(clerk, state="in_progress", due=dt.date(2026, 11, 30))
    request_extension(clerk, case.number, reason="需入户核查", new_date=dt.date(2026, 12, 14))
    seen = board(hall.supervisor).extensions
    assert seen.total == 1
    (row,) = seen.rows
    assert (row.case_number, row.due_date, row.requested) == (
        case.number,
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 14),
    )
    assert row.reason == "需入户核查" and "需入户核查" not in repr(row)
    assert (row.clerk.number, row.clerk.name, row.window_name) == ("1001", "王*英", "民政窗口")
    approve_extension(hall.supervisor, case.number)
    assert board(hall.supervisor).extensions.total == 0
    assert Case.get_by_id(case.id).due_date == dt.date(2026, 12, 14)


def test_a_refusal_shows_its_reason_and_is_overturned_with_a_comment(hall, clerks, clock):
    clerk, _ = clerks
    case = add_case(clerk, state="accepted", due=dt.date(2026, 12, 4))
    return_case(clerk, case.number, reasons="不属本镇受理范围")
    total, views = refusals_to_review(hall.supervisor)
    assert total == 1 and board(hall.supervisor).refusals.rows == tuple(views)
    (view,) = views
    assert (view.case_number, view.kind_label, view.reason) == (
        case.number,
        "退回",
        "不属本镇受理范围",
    )
    assert (view.clerk_number, view.clerk_name) == ("1001", "王*英")
    with pytest.raises(InvalidInput, match="改判须写明审核意见"):
        review_refusal(hall.supervisor, view.id, decision="overturned")
    with pytest.raises(InvalidInput, match="未知的审核结论"):
        review_refusal(hall.supervisor, view.id, decision="maybe")
    review_refusal(
        hall.supervisor, view.id, decision="overturned", note="申请人户籍已迁入，应予受理"
    )
    row = Refusal.get_by_id(view.id)
    assert (row.state, row.decision, row.reviewed_by_id) == (
        "reviewed",
        "overturned",
        hall.supervisor.staff_id,
    )
    keys = hall.supervisor.keys
    note = keys.open_text("refusal", "review_note_enc", row.uuid, row.review_note_enc)
    assert note == "申请人户籍已迁入，应予受理"
    event = AuditEvent.select().where(AuditEvent.action == "refusal.review").get()
    assert event.record_id == row.uuid
    assert json.loads(event.detail) == {"case": case.number, "decision": "overturned"}
    assert "申请人户籍" not in event.detail  # the comment is sealed, not in the chain
    assert board(hall.supervisor).refusals.total == 0


def test_agreeing_stays_the_default_decision(hall, clerks):
    clerk, _ = clerks
    case = add_case(clerk, state="accepted", due=dt.date(2026, 12, 4))
    return_case(clerk, case.number, reasons="材料不全")
    (view,) = refusals_to_review(hall.supervisor)[1]
    review_refusal(hall.supervisor, view.id)
    assert Refusal.get_by_id(view.id).decision == "agreed"


def test_escalated_inquiries_masked_and_assigned_to_a_window(hall, clerks):
    clerk, _ = clerks
    person = add_person(clerk, PEOPLE[0])
    first = add_inquiry(clerk, disposition="escalated", state="open", person=person)
    second = add_inquiry(clerk, disposition="escalated", state="open", caller_name=PEOPLE[1].name)
    seen = board(hall.supervisor).escalated
    assert seen.total == 2
    assert [r.number for r in seen.rows] == [first.number, second.number]
    assert [r.caller for r in seen.rows] == [mask_name(PEOPLE[0].name), mask_name(PEOPLE[1].name)]
    assert seen.rows[0].first_asker.name == "王*英" and seen.rows[0].window_name == "民政窗口"
    reassign_inquiry(hall.supervisor, first.number, "hunyin")
    assert Inquiry.get_by_id(first.id).referred_to.code == "hunyin"
    assert [r.number for r in board(hall.supervisor).escalated.rows] == [second.number]
    text = _text(board(hall.supervisor))
    for who in PEOPLE:
        assert who.name not in text and who.id_number not in text


def test_queues_are_short_lists_with_their_total(hall, clerks):
    clerk, _ = clerks
    for _ in range(LIMIT + 3):
        add_inquiry(clerk, disposition="escalated", state="open")
    seen = board(hall.supervisor).escalated
    assert seen.total == LIMIT + 3 and len(seen.rows) == LIMIT


def test_absences_to_approve_covers_to_review_and_the_window_of_the_absent(hall, clerks, clock):
    clerk, other = clerks
    # 1001 away three days from tomorrow: waits for approval; shown as coming at 民政.
    view = register_absence(
        clerk, absence="vacation", starts_on=dt.date(2026, 11, 24), ends_on=dt.date(2026, 11, 26)
    )
    seen = board(hall.supervisor)
    assert [a.number for a in seen.approvals.rows] == [view.number]
    assert seen.approvals.rows[0].approver == "中心主任"
    mz = next(w for w in seen.windows if w.code == "minzheng")
    assert [v.number for v in mz.coming] == [view.number] and mz.absent_today == ()
    # 1002 takes over 1001's work today without a handover (1001 has not signed in).
    add_case(clerk, state="accepted", due=dt.date(2026, 11, 30))
    cover = take_over(other, "1001", reason="A岗未到岗，电话未接通")
    seen = board(hall.supervisor)
    assert [c.number for c in seen.covers.rows] == [cover.number]
    assert seen.covers.rows[0].reason == "A岗未到岗，电话未接通"
    mz = next(w for w in seen.windows if w.code == "minzheng")
    assert [v.number for v in mz.absent_today] == [cover.number]
    assert mz.a.status == "away" and mz.a.status_label.startswith("其他至")
    assert all(o.staff_number != "1001" for o in seen.orphans)  # covered now


def test_the_halls_figures_of_today_count_everyone(hall, clerks, clock):
    from store.board import hall_figures

    clerk, other = clerks
    add_case(clerk, state="accepted", due=dt.date(2026, 11, 30))
    add_case(other, state="in_progress", due=dt.date(2026, 11, 18))  # overdue
    add_case(clerk, state="done", due=dt.date(2026, 11, 2), closed_at=clock.now())
    add_case(  # received last week: not today's
        clerk, state="accepted", due=dt.date(2026, 12, 4), received_at=local(2026, 11, 16)
    )
    add_inquiry(clerk)
    add_inquiry(other)
    figures = hall_figures(hall.supervisor)
    assert (figures.inquiries, figures.accepted, figures.closed) == (2, 3, 1)
    assert (figures.overdue, figures.open_cases, figures.ratings) == (1, 3, 0)
    mine = counter_queue(clerk, window_code="minzheng").counts
    assert (mine.inquiries, mine.accepted) == (1, 2)  # a clerk's F8 counts the clerk
    with pytest.raises(PermissionDenied):
        hall_figures(clerk)
