"""大厅看板 — the supervisor's home screen, read in one call (:func:`board`): every window at
a glance (who holds A and B, who is at the window now and for whom, absences today and
coming, open and overdue cases, 无人在岗 as an alarm) and the queues that wait for the
supervisor — extension requests, 否定报备 to review, 报主任 inquiries to assign, absences
to approve, covers taken without a handover, covers past their end, work nobody covers,
and open cases by escalation level (policies.handover.escalation: warn the clerk, overdue
to the supervisor, long overdue to the head).

Fast on a register of millions of cases: the counts are grouped counts over index ranges
(Case (window, state, due_date) and (state, due_date), read as covering indexes), the
escalation levels are due-date ranges worked out once from the calendar, every list is an
index range read with a limit, and only the rows shown have a sealed field opened. Names
are masked (王*英): the full name of a citizen or a clerk never leaves this module.
The decisions themselves are the store's operations (store.cases, store.inquiries,
store.handover): each one key on the board, each audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import peewee as pw

from policies.handover import ESCALATION_LABELS, Escalation, HandoverState, escalation
from policies.masking import mask_name
from store import row_macs
from store.cases.refusals import RefusalView, read_pending_refusals
from store.clock import HALL_TZ, local_date, to_local
from store.complaints import overdue_complaints
from store.followup import FollowupRow, appeals_waiting, overdue_followups
from store.handover import HandoverView, Orphan, board_feeds
from store.inquiries import CHANNELS
from store.models import (
    Attendance,
    Case,
    Inquiry,
    Person,
    Post,
    Rating,
    ServiceItem,
    Staff,
    Window,
)
from store.petitions import PetitionFeed
from store.petitions import board_feed as petition_feed
from store.queue import OPEN_STATES, RUNNING_STATES, WorkingDays, calendar_warning
from store.roles import SUPERVISOR_ROLES
from store.session import Session, operation

__all__ = [
    "LEVELS",
    "LIMIT",
    "NOBODY",
    "AtWindow",
    "Board",
    "EscalatedInquiry",
    "ExtensionRequest",
    "HallFigures",
    "LevelCount",
    "PostHolder",
    "Queue",
    "StaffRef",
    "UrgentCase",
    "WindowRow",
    "board",
    "escalation_bounds",
    "hall_figures",
]

#: Rows of each queue the board lists (its total is counted apart).
LIMIT = 20
#: The most urgent open cases listed per escalation level.
URGENT_PER_LEVEL = 8
#: The alarm of a window with nobody signed in at it now.
NOBODY = "无人在岗"
#: The escalation levels, most serious first.
LEVELS = (Escalation.HEAD, Escalation.SUPERVISOR, Escalation.WARN)
#: How far back and ahead the calendar is walked for the levels' date bounds (the
#: policy allows up to 365 working days of 'long overdue').
_SPAN_DAYS = 3 * 366
NO_ITEM = "（未指定事项）"

T = TypeVar("T")


@dataclass(frozen=True)
class Queue(Generic[T]):
    """A short list: how many there are, and the first of them."""

    total: int
    rows: tuple[T, ...]


@dataclass(frozen=True)
class StaffRef:
    number: str
    name: str  # masked (王*英); the number where there is no name


@dataclass(frozen=True)
class PostHolder:
    """The A or B post of a window and how its holder stands today."""

    post: str  # "A" | "B"
    staff: StaffRef | None  # None: the post is vacant
    status: str  # here | elsewhere | away | signed_out | not_in | vacant
    status_label: str  # 在岗 / 在社保窗口 / 休假至12-01 / 已签退 / 未签到 / 空缺


@dataclass(frozen=True)
class AtWindow:
    """Someone signed in at the window now (today's post), and for whom they cover (代岗)."""

    staff: StaffRef
    post: str
    acting_for: StaffRef | None
    since: dt.datetime | None  # hall time of the sign-in


@dataclass(frozen=True)
class WindowRow:
    code: str
    name: str
    a: PostHolder
    b: PostHolder
    present: tuple[AtWindow, ...]
    #: Absences of this window's clerks today (and covers in force), and those to come.
    absent_today: tuple[HandoverView, ...]
    coming: tuple[HandoverView, ...]
    open_cases: int
    overdue_cases: int
    alarm: str  # NOBODY, or "" when someone is at the window


@dataclass(frozen=True)
class ExtensionRequest:
    """申请延期 waiting for the supervisor: the old and the new date, and why."""

    case_number: str
    item_name: str
    window_name: str
    clerk: StaffRef
    due_date: dt.date | None  # the date now
    requested: dt.date | None  # the date asked for
    reason: str = field(repr=False)  # the clerk's reason (free text)


@dataclass(frozen=True)
class EscalatedInquiry:
    """报主任: a matter whose window is unclear, for the supervisor to assign."""

    number: str
    at: dt.datetime  # hall time
    channel_label: str
    item_name: str
    first_asker: StaffRef
    window_name: str  # where it was asked ("" when not at a window)
    caller: str = field(repr=False)  # masked
    topic: str = field(repr=False)  # what it is about (free text)


@dataclass(frozen=True)
class LevelCount:
    level: str  # a value of policies.handover.Escalation
    label: str
    count: int


@dataclass(frozen=True)
class UrgentCase:
    """One of the most urgent open cases of a level, with its window and clerk."""

    number: str
    level: str
    level_label: str
    item_name: str
    window_name: str
    clerk: StaffRef
    due_date: dt.date | None
    working_days_left: int | None  # negative: overdue by that many
    immediate_overdue: bool  # a 即办件 open past the policy's minutes


@dataclass(frozen=True)
class Board:
    today: dt.date
    at: dt.datetime  # hall time it was read
    windows: tuple[WindowRow, ...]
    extensions: Queue[ExtensionRequest]
    refusals: Queue[RefusalView]
    escalated: Queue[EscalatedInquiry]
    approvals: Queue[HandoverView]  # absences waiting for approval (or a stand-in)
    covers: Queue[HandoverView]  # covers taken without a handover, not yet seen
    overdue_returns: Queue[HandoverView]  # covers past their end, A not back
    orphans: tuple[Orphan, ...]  # open work nobody covers
    levels: tuple[LevelCount, ...]  # in LEVELS order
    urgent: tuple[UrgentCase, ...]  # by level (LEVELS order), most urgent first
    calendar_warning: str | None
    #: 信访: serious / urgent / collective petitions not yet acknowledged, and overdue ones.
    petitions: PetitionFeed = field(default_factory=lambda: PetitionFeed(0, (), 0, ()))
    #: 差评: appeals (申诉) waiting for the supervisor, follow-ups past their limit.
    appeals: Queue[FollowupRow] = field(default_factory=lambda: Queue(0, ()))
    late_followups: Queue[FollowupRow] = field(default_factory=lambda: Queue(0, ()))
    #: 投诉 not answered by their due date (store.complaints.ComplaintRow: no complainant).
    complaints: Queue = field(default_factory=lambda: Queue(0, ()))

    @property
    def nobody(self) -> tuple[WindowRow, ...]:
        """The windows with nobody at them now (the alarm)."""
        return tuple(w for w in self.windows if w.alarm)

    def level(self, level: str) -> int:
        return next((c.count for c in self.levels if c.level == level), 0)


# --- names ----------------------------------------------------------------------------


class _Staff:
    """The hall's staff (a few dozen rows), each name opened and masked only when asked."""

    def __init__(self, session: Session) -> None:
        self._keys = session.keys
        self._rows = {row.id: row for row in Staff.select(Staff.number, *row_macs.fields(Staff))}
        self._refs: dict[int, StaffRef] = {}

    def ref(self, staff_id: int | None) -> StaffRef | None:
        if staff_id is None or staff_id not in self._rows:
            return None
        if staff_id not in self._refs:
            row = self._rows[staff_id]
            name = row_macs.open_text(self._keys, row, "name_enc") or ""
            self._refs[staff_id] = StaffRef(row.number, mask_name(name) or row.number)
        return self._refs[staff_id]

    def ids(self) -> list[int]:
        return list(self._rows)


# --- escalation levels as due-date ranges -----------------------------------------------


def escalation_bounds(
    calendar, today: dt.date, warn_before: int, head_after: int
) -> tuple[dt.date, dt.date]:
    """(head_last, warn_last) of policies.handover.escalation as due dates, counted with
    working days as the queue counts them (store.queue.WorkingDays): an open case due on
    or before ``head_last`` is long overdue (to the head); one due after it and before
    today is overdue (to the supervisor); one due from today to ``warn_last`` is near its
    date (remind the clerk). Working days left only fall as the due date moves earlier, so
    each level is one range of dates."""

    def workday(day: dt.date) -> bool:
        return calendar.is_workday(day, allow_provisional=True)

    head_last = dt.date.min
    between = 0  # working days in (day, today]
    day = today
    for _ in range(_SPAN_DAYS):
        between += workday(day)
        day -= dt.timedelta(days=1)
        if escalation(-max(1, between), warn_before, head_after) == Escalation.HEAD:
            head_last = day
            break
    warn_last = today - dt.timedelta(days=1)
    left = 0  # working days in (today, day]
    day = today
    for _ in range(_SPAN_DAYS):
        if escalation(left, warn_before, head_after) != Escalation.WARN:
            break
        warn_last = day
        day += dt.timedelta(days=1)
        left += workday(day)
    return head_last, warn_last


# --- reading --------------------------------------------------------------------------


def _count_by_window(where) -> dict[int, int]:
    return dict(
        Case.select(Case.window, pw.fn.COUNT(pw.SQL("*")))
        .where(where)
        .group_by(Case.window)
        .tuples()
    )


def _immediate_late(session: Session, today: dt.date, window_ids: list[int] | None):
    """The condition of a 即办件 still open after the policy's minutes (overdue although
    due today), as store.queue counts it. On a working day such a case is due today (its
    due date is the working day it was received, or the next one), so the index range
    is today's; on a day off it may be due on the next working day."""
    minutes = session.register.policy.deadlines.immediate_minutes
    late = session.now() - dt.timedelta(minutes=minutes)
    due = (
        Case.due_date == today
        if session.register.calendar.is_workday(today, allow_provisional=True)
        else Case.due_date >= today
    )
    where = (
        Case.state.in_(RUNNING_STATES)
        & due
        # kind as an expression, so the planner keeps to (state, due_date) (store.queue)
        & (Case.kind.concat("") == "immediate")
        & (Case.received_at < late)
    )
    if window_ids is not None:
        where &= Case.window.in_(window_ids)
    return where


def _windows(
    session: Session,
    today: dt.date,
    staff: _Staff,
    away: list[HandoverView],
) -> tuple[WindowRow, ...]:
    windows = list(
        Window.select(Window.id, Window.code, Window.name)
        .where(Window.active)
        .order_by(Window.id)
        .tuples()
    )
    window_ids = [w for w, _, _ in windows]
    names = {w: name for w, _, name in windows}
    held = {
        (window, post): sid
        for window, post, sid in Post.select(Post.window, Post.post, Post.staff)
        .join(Staff)
        .where(Staff.active & Post.window.in_(window_ids))
        .tuples()
    }
    # Today's attendance through the (staff, work_date) index: one seek per staff member.
    today_rows = list(
        Attendance.select(
            Attendance.staff,
            Attendance.window,
            Attendance.post,
            Attendance.acting_for,
            Attendance.signed_in_at,
            Attendance.signed_out_at,
        )
        .where(Attendance.staff.in_(staff.ids()) & (Attendance.work_date == today))
        .tuples()
    )
    here = {
        sid: (window, post, acting_for, signed_in)
        for sid, window, post, acting_for, signed_in, signed_out in today_rows
        if signed_in is not None and signed_out is None
    }
    signed_out = {sid for sid, *_, signed_in, out in today_rows if out is not None}
    # Away today (an active cover past its end included); a cover handed back is over.
    away = [v for v in away if v.state != HandoverState.RETURNED]
    away_today = {v.from_number: v for v in away if v.from_number and v.starts_on <= today}

    open_counts = _count_by_window(Case.window.in_(window_ids) & Case.state.in_(OPEN_STATES))
    overdue = _count_by_window(
        Case.window.in_(window_ids) & Case.state.in_(RUNNING_STATES) & (Case.due_date < today)
    )
    for window, count in _count_by_window(_immediate_late(session, today, window_ids)).items():
        overdue[window] = overdue.get(window, 0) + count

    def holder(window: int, post: str) -> PostHolder:
        sid = held.get((window, post))
        ref = staff.ref(sid)
        if ref is None:
            return PostHolder(post, None, "vacant", "空缺")
        view = away_today.get(ref.number)
        if sid in here:
            at = here[sid][0]
            if at == window:
                return PostHolder(post, ref, "here", "在岗")
            if at is not None:
                return PostHolder(post, ref, "elsewhere", f"在{names.get(at, '其他窗口')}")
        if view is not None:
            return PostHolder(post, ref, "away", f"{view.absence_label}至{view.ends_on:%m-%d}")
        if sid in here:
            return PostHolder(post, ref, "here", "已签到")
        if sid in signed_out:
            return PostHolder(post, ref, "signed_out", "已签退")
        return PostHolder(post, ref, "not_in", "未签到")

    rows = []
    for window, code, name in windows:
        present = tuple(
            AtWindow(
                staff.ref(sid),
                post,
                staff.ref(acting_for),
                to_local(signed_in) if signed_in else None,
            )
            for sid, (at, post, acting_for, signed_in) in sorted(
                here.items(), key=lambda item: (item[1][1], item[0])
            )
            if at == window and staff.ref(sid) is not None
        )
        mine = [v for v in away if v.window_code == code]
        rows.append(
            WindowRow(
                code=code,
                name=name,
                a=holder(window, "A"),
                b=holder(window, "B"),
                present=present,
                absent_today=tuple(v for v in mine if v.starts_on <= today),
                coming=tuple(v for v in mine if v.starts_on > today),
                open_cases=open_counts.get(window, 0),
                overdue_cases=overdue.get(window, 0),
                alarm="" if present else NOBODY,
            )
        )
    return tuple(rows)


def _extensions(session: Session, staff: _Staff, items, windows) -> Queue[ExtensionRequest]:
    """Every open case with an extension asked for (a handful), most urgent first; the
    reasons of the shown ones opened. Read one open state at a time, each through the
    (state, due_date) index: with the states in one IN list, SQLite's statistics (a state
    holds an eighth of a million cases) make it scan the whole table."""
    rows = []
    for state in OPEN_STATES:
        rows.extend(
            Case.select(
                Case.number,
                Case.item,
                Case.window,
                Case.accepted_by,
                Case.due_date,
                Case.extension_requested,
                *row_macs.fields(Case),
            ).where((Case.state == state) & (Case.extension_state == "requested"))
        )
    rows.sort(key=lambda r: (r.due_date or dt.date.max, r.number))
    keys = session.keys
    shown = tuple(
        ExtensionRequest(
            case_number=r.number,
            item_name=items.get(r.item_id, NO_ITEM),
            window_name=windows.get(r.window_id, ""),
            clerk=staff.ref(r.accepted_by_id) or StaffRef("", ""),
            due_date=r.due_date,
            requested=r.extension_requested,
            reason=row_macs.open_text(keys, r, "extension_reason_enc") or "",
        )
        for r in rows[:LIMIT]
    )
    return Queue(len(rows), shown)


def _escalated(session: Session, staff: _Staff, items, windows) -> Queue[EscalatedInquiry]:
    """报主任 inquiries still open, oldest first (Inquiry (disposition, state, at))."""
    where = (Inquiry.disposition == "escalated") & (Inquiry.state == "open")
    total = Inquiry.select().where(where).count()
    rows = list(
        Inquiry.select(
            Inquiry.number,
            Inquiry.at,
            Inquiry.channel,
            Inquiry.item,
            Inquiry.first_asker,
            Inquiry.window,
            Inquiry.person,
            *row_macs.fields(Inquiry),
        )
        .where(where)
        .order_by(Inquiry.at, Inquiry.id)
        .limit(LIMIT)
    )
    keys = session.keys
    people = {r.person_id for r in rows if r.person_id is not None}
    names = (
        {
            p.id: mask_name(row_macs.open_text(keys, p, "name_enc") or "")
            for p in Person.select(*row_macs.fields(Person)).where(Person.id.in_(list(people)))
        }
        if people
        else {}
    )
    shown = []
    for r in rows:
        if r.person_id is not None:
            who = names.get(r.person_id, "")
        else:
            who = mask_name(row_macs.open_text(keys, r, "caller_name_enc") or "")
        shown.append(
            EscalatedInquiry(
                number=r.number,
                at=to_local(r.at),
                channel_label=CHANNELS.get(r.channel, r.channel),
                item_name=items.get(r.item_id, NO_ITEM) if r.item_id else NO_ITEM,
                first_asker=staff.ref(r.first_asker_id) or StaffRef("", ""),
                window_name=windows.get(r.window_id, "") if r.window_id else "",
                caller=who,
                topic=row_macs.open_text(keys, r, "topic_enc") or "",
            )
        )
    return Queue(total, tuple(shown))


_URGENT_COLUMNS = (
    Case.id,
    Case.number,
    Case.item,
    Case.window,
    Case.accepted_by,
    Case.due_date,
)


def _first_due(where, limit: int) -> list[tuple]:
    """The ``limit`` cases matching ``where`` due first, one running state at a time (each
    an ordered index range read of (state, due_date)), merged."""
    found: list[tuple] = []
    for state in RUNNING_STATES:
        found.extend(
            Case.select(*_URGENT_COLUMNS)
            .where((Case.state == state) & where)
            .order_by(Case.due_date, Case.id)
            .limit(limit)
            .tuples()
        )
    return sorted(found, key=lambda r: (r[5], r[0]))[:limit]


def _levels(
    session: Session, today: dt.date, staff: _Staff, items, windows
) -> tuple[tuple[LevelCount, ...], tuple[UrgentCase, ...]]:
    policy = session.register.policy.deadlines
    calendar = session.register.calendar
    head_last, warn_last = escalation_bounds(
        calendar, today, policy.warn_before_working_days, policy.head_after_working_days
    )
    running = Case.state.in_(RUNNING_STATES)
    ranges = {
        Escalation.HEAD: Case.due_date <= head_last,
        Escalation.SUPERVISOR: (Case.due_date > head_last) & (Case.due_date < today),
        Escalation.WARN: (Case.due_date >= today) & (Case.due_date <= warn_last),
    }
    counts = {
        level: Case.select().where(running & where).count() for level, where in ranges.items()
    }
    # A 即办件 open past its minutes is overdue although due today: to the supervisor.
    late_where = _immediate_late(session, today, None)
    late_count = Case.select().where(late_where).count()
    counts[Escalation.SUPERVISOR] += late_count
    counts[Escalation.WARN] -= min(late_count, counts[Escalation.WARN])

    picked: list[tuple[str, tuple, bool]] = []
    late_rows = (
        list(
            Case.select(*_URGENT_COLUMNS)
            .where(late_where)
            .order_by(Case.received_at, Case.id)
            .limit(URGENT_PER_LEVEL)
            .tuples()
        )
        if late_count
        else []
    )
    late_numbers = {r[1] for r in late_rows}
    for level in LEVELS:
        if not counts[level]:
            continue
        rows = _first_due(ranges[level], URGENT_PER_LEVEL + len(late_numbers))
        rows = [r for r in rows if r[1] not in late_numbers]
        if level == Escalation.SUPERVISOR:
            picked += [(level, r, True) for r in late_rows]
        picked += [(level, r, False) for r in rows]
    per_level: dict[str, int] = {}
    kept = []
    for level, row, late in picked:
        if per_level.get(level, 0) < URGENT_PER_LEVEL:
            per_level[level] = per_level.get(level, 0) + 1
            kept.append((level, row, late))
    dates = sorted({row[5] for _, row, _ in kept if row[5] is not None})
    days = WorkingDays(calendar, today, dates) if dates else None
    urgent = tuple(
        UrgentCase(
            number=number,
            level=level,
            level_label=ESCALATION_LABELS[level],
            item_name=items.get(item, NO_ITEM),
            window_name=windows.get(window, ""),
            clerk=staff.ref(clerk) or StaffRef("", ""),
            due_date=due,
            working_days_left=days.left(due)[0] if days is not None and due else None,
            immediate_overdue=late,
        )
        for level, (_id, number, item, window, clerk, due), late in kept
    )
    levels = tuple(LevelCount(level, ESCALATION_LABELS[level], counts[level]) for level in LEVELS)
    return levels, urgent


def _queue(views: list) -> Queue:
    return Queue(len(views), tuple(views[:LIMIT]))


def board(session: Session) -> Board:
    """Everything the supervisor's board shows, in one call (see the module doc)."""
    now = session.now()
    today = local_date(now)
    with operation(session, "board.view", roles=SUPERVISOR_ROLES, record_table="board") as event:
        # The handover feeds (store.handover), one audited read; covers whose period is
        # over are settled first.
        feeds = board_feeds(session)
        late_back, away, approvals = feeds.overdue_returns, feeds.absences, feeds.approvals
        covers, nobody_covers = feeds.covers, feeds.orphans

        staff = _Staff(session)
        items = dict(ServiceItem.select(ServiceItem.id, ServiceItem.name).tuples())
        windows = dict(Window.select(Window.id, Window.name).tuples())
        window_rows = _windows(session, today, staff, away)
        refusal_total, refusal_rows = read_pending_refusals(session, limit=LIMIT)
        levels, urgent = _levels(session, today, staff, items, windows)
        result = Board(
            today=today,
            at=to_local(now),
            windows=window_rows,
            extensions=_extensions(session, staff, items, windows),
            refusals=Queue(refusal_total, tuple(refusal_rows)),
            escalated=_escalated(session, staff, items, windows),
            approvals=_queue(approvals),
            covers=_queue(covers),
            overdue_returns=_queue(late_back),
            orphans=tuple(nobody_covers),
            levels=levels,
            urgent=urgent,
            calendar_warning=calendar_warning(session.register.calendar, today),
            petitions=petition_feed(session, today),
            appeals=_queue(appeals_waiting(session)),
            late_followups=_queue(overdue_followups(session)),
            complaints=Queue(*overdue_complaints(today, limit=LIMIT)),
        )
        event.detail = {
            "nobody": len(result.nobody),
            "extensions": result.extensions.total,
            "refusals": result.refusals.total,
            "escalated": result.escalated.total,
            "approvals": result.approvals.total,
            "covers": result.covers.total,
            "overdue": result.level(Escalation.SUPERVISOR) + result.level(Escalation.HEAD),
            "petition_alarms": result.petitions.alarm_total,
            "complaints_overdue": result.complaints.total,
        }
    return result


@dataclass(frozen=True)
class HallFigures:
    """Today's figures of the whole hall (the supervisor's F8): range reads of the day on
    the time indexes, and the hall's open and overdue cases."""

    today: dt.date
    inquiries: int  # 首问登记 registered today, by anyone
    accepted: int  # cases received today
    closed: int  # cases closed today
    ratings: int  # ratings given today (a 未评价 record is none)
    overdue: int  # open cases past their due date (and 即办件 past their minutes)
    open_cases: int


def hall_figures(session: Session) -> HallFigures:
    """全大厅今日统计 (supervisors)."""
    today = local_date(session.now())
    start = dt.datetime.combine(today, dt.time(0), HALL_TZ).astimezone(dt.UTC)
    end = start + dt.timedelta(days=1)
    with operation(session, "board.figures", roles=SUPERVISOR_ROLES, record_table="board"):
        overdue = (
            Case.select().where(Case.state.in_(RUNNING_STATES) & (Case.due_date < today)).count()
            + Case.select().where(_immediate_late(session, today, None)).count()
        )
        return HallFigures(
            today=today,
            inquiries=Inquiry.select().where((Inquiry.at >= start) & (Inquiry.at < end)).count(),
            accepted=Case.select()
            .where((Case.received_at >= start) & (Case.received_at < end))
            .count(),
            closed=Case.select().where((Case.closed_at >= start) & (Case.closed_at < end)).count(),
            ratings=Rating.select()
            .where((Rating.at >= start) & (Rating.at < end) & Rating.rated)
            .count(),
            overdue=overdue,
            open_cases=Case.select().where(Case.state.in_(OPEN_STATES)).count(),
        )
