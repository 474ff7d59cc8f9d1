"""The counter's queue (窗口首页): open cases of the window, referrals to follow (督办, until
the case they became ends), items waiting for supplements, and cases whose applicant must
be told a changed date again (需重新告知), most urgent first, with today's figures.

Fast on a register of millions of cases: every query is an index range read with a limit
(Case (window, state, due_date) and (state, due_date); Inquiry (referred_to, state, at),
(first_asker, state, at), (disposition, state, at)), and only the rows shown have their
applicant's name opened — and then masked: the full name never leaves this module.
Measured on 1,000,000 cases (SQLite, warm): about 15 ms per call.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass, field
from functools import reduce
from itertools import accumulate

from peewee import JOIN

from policies.calendar import WorkCalendar, coverage
from policies.cases import KINDS, STATES
from policies.deadlines import immediate_overdue
from policies.lifecycle import clock_runs
from policies.masking import mask_name
from store import row_macs
from store.clock import HALL_TZ, local_date
from store.cover import covered_by
from store.errors import InvalidInput
from store.models import Case, Inquiry, Person, Rating, ServiceItem, Staff, Window
from store.roles import DATA_ROLES, SUPERVISOR_ROLES
from store.session import Session, operation

SECTIONS = ("renotify", "case", "referral", "supplement", "followup", "complaint")
URGENCIES = ("overdue", "due_soon", "ok", "none")
SUPPLEMENT_STATE = "awaiting_supplement"
#: Open states whose clock runs (the 待补正 ones have their own section).
RUNNING_STATES = tuple(s for s in STATES if clock_runs(s))
OPEN_STATES = tuple(s for s, state in STATES.items() if not state.terminal)
#: Due within this many working days (0 = today, 1 = the next working day): 临近到期.
DUE_SOON_WORKING_DAYS = 1
#: How far ahead the calendar must reach (the longest promised limits run about this long).
CALENDAR_HORIZON_DAYS = 60

REFERRAL_KINDS = {
    "referred_in": "转入",  # referred to this window by another's first asker
    "follow_up": "督办",  # I was asked first and referred it elsewhere: follow it up
    "escalated": "报主任",  # unclear whose it is: for the supervisor to decide
}
REFERRAL_STATE_LABEL = "待办结"
NO_ITEM = "（未指定事项）"


@dataclass(frozen=True)
class QueueRow:
    section: str  # case | referral | supplement | renotify | followup (差评整改回访)
    number: str
    item_name: str
    kind: str  # a case kind of policies.cases, or a key of REFERRAL_KINDS
    kind_label: str
    state: str
    state_label: str
    #: The applicant's name, masked (王*英); never the full name. Left out of repr too.
    applicant: str = field(repr=False)
    due_date: dt.date | None
    working_days_left: int | None
    provisional: bool  # the calendar did not cover the days counted: 暂定
    urgency: str  # overdue | due_soon | ok | none
    #: A 即办件 still open after the policy's minutes: overdue although due today.
    immediate_overdue: bool = False
    #: AB岗代岗: the staff number of the absent clerk whose item this is ("" when one's own).
    covering_for: str = ""


@dataclass(frozen=True)
class TodayCounts:
    inquiries: int  # 首问登记 registered today by this clerk
    accepted: int  # cases accepted today by this clerk
    closed: int  # cases of the window (of the hall when no window) closed today
    ratings: int  # ratings of this clerk's services today
    overdue: int  # open cases of the window (hall) past their due date


@dataclass(frozen=True)
class CounterQueue:
    today: dt.date
    window_code: str | None  # None: the whole hall
    window_name: str
    rows: tuple[QueueRow, ...]
    counts: TodayCounts
    calendar_warning: str | None


class WorkingDays:
    """Working days left for many due dates seen from one day, in one pass over the span:
    the same answers as WorkCalendar.working_days_left(allow_provisional=True), counting
    weekends and statutory holidays in a year the calendar lacks (then `provisional`)."""

    def __init__(self, calendar: WorkCalendar, today: dt.date, dates: list[dt.date]) -> None:
        self.today = today
        self.low = min([today, *dates])
        high = max([today, *dates])
        self._missing = set(calendar.missing_years(self.low, high))
        flags = [
            calendar.is_workday(self.low + dt.timedelta(days=offset), allow_provisional=True)
            for offset in range((high - self.low).days + 1)
        ]
        self._prefix = list(accumulate(int(f) for f in flags))  # workdays in [low, day]

    def _upto(self, day: dt.date) -> int:
        return self._prefix[(day - self.low).days]

    def left(self, due: dt.date) -> tuple[int, bool]:
        """(working days left, provisional); negative when overdue (see WorkCalendar)."""
        first, last = sorted((self.today, due))
        provisional = any(first.year <= y <= last.year for y in self._missing)
        between = self._upto(last) - self._upto(first)
        return (between if due >= self.today else -max(1, between)), provisional


def urgency(days_left: int | None) -> str:
    if days_left is None:
        return "none"
    if days_left < 0:
        return "overdue"
    if days_left <= DUE_SOON_WORKING_DAYS:
        return "due_soon"
    return "ok"


def calendar_warning(calendar: WorkCalendar, today: dt.date) -> str | None:
    """What the home screen says when the calendar lacks a year ahead (the same words as
    ``chuangkou calendar status`` and ``doctor``: policies.calendar.coverage)."""
    found = coverage(calendar, today)
    return None if found.level == "ok" else found.message


@dataclass
class _Candidate:
    """A row before its applicant's name is opened (only the shown rows' names are)."""

    section: str
    number: str
    item_id: int | None
    kind: str
    kind_label: str
    state: str
    state_label: str
    due_date: dt.date | None
    due_provisional: bool
    received_at: dt.datetime
    person_id: int | None
    caller: int | None = None  # the inquiry whose caller (no ID number) is shown
    owner: int | None = None  # who accepted the case / asked first
    days_left: int | None = None
    provisional: bool = False
    urgency: str = "none"
    immediate_overdue: bool = False


_CASE_COLUMNS = (
    Case.number,
    Case.item,
    Case.kind,
    Case.state,
    Case.due_date,
    Case.due_provisional,
    Case.received_at,
    Case.person,
    Case.accepted_by,
)


def _cases(section: str, where, limit: int) -> list[_Candidate]:
    """The most urgent `limit` cases matching `where` (one state): dated ones in due-date
    order straight from the index, then undated ones (NULL sorts differently per backend,
    so the two are read apart)."""
    base = Case.select(*_CASE_COLUMNS)
    rows = list(
        base.where(where & Case.due_date.is_null(False))
        .order_by(Case.due_date, Case.id)
        .limit(limit)
        .tuples()
    )
    if len(rows) < limit:
        rows += list(
            base.where(where & Case.due_date.is_null())
            .order_by(Case.id)
            .limit(limit - len(rows))
            .tuples()
        )
    return [_candidate(section, *row) for row in rows]


def _candidate(
    section, number, item_id, kind, state, due, due_provisional, received_at, person_id, owner
) -> _Candidate:
    return _Candidate(
        section,
        number,
        item_id,
        kind,
        KINDS[kind].label if kind in KINDS else kind,
        state,
        STATES[state].label if state in STATES else state,
        due,
        bool(due_provisional),
        received_at,
        person_id,
        owner=owner,
    )


def _referrals(
    session: Session, window: Window | None, limit: int, covered: list[int]
) -> list[_Candidate]:
    open_ = Inquiry.state == "open"
    referred = Inquiry.disposition == "referred"
    # 督办: what I (or one I cover) was asked first and referred, until its case ends.
    askers = [session.staff_id, *covered]
    wheres = [referred & Inquiry.first_asker.in_(askers) & open_]
    if window is not None:  # 转入: referred here (not yet accepted as a case: see below)
        wheres.append(referred & (Inquiry.referred_to == window.id) & open_)
    if session.role in SUPERVISOR_ROLES:
        wheres.append((Inquiry.disposition == "escalated") & open_)
    seen: dict[str, _Candidate] = {}
    cases: dict[str, int] = {}
    for where in wheres:
        query = (
            Inquiry.select(
                Inquiry.id,
                Inquiry.number,
                Inquiry.item,
                Inquiry.disposition,
                Inquiry.referred_to,
                Inquiry.at,
                Inquiry.person,
                Inquiry.caller_name_enc.is_null(False),
                Inquiry.case,
                Inquiry.first_asker,
            )
            .where(where)
            .order_by(Inquiry.at)
            .limit(limit)
            .tuples()
        )
        for (
            inquiry_id,
            number,
            item_id,
            disposition,
            referred_to,
            at,
            person_id,
            caller,
            case,
            asker,
        ) in query:
            here = window is not None and referred_to == window.id
            if disposition == "escalated":
                kind = "escalated"
            elif here and case is None:
                kind = "referred_in"
            elif here and case is not None:
                continue  # accepted here: it is a case of this window's queue now
            else:
                kind = "follow_up"
            if case is not None:
                cases[number] = case
            seen.setdefault(
                number,
                _Candidate(
                    "referral",
                    number,
                    item_id,
                    kind,
                    REFERRAL_KINDS[kind],
                    "open",
                    REFERRAL_STATE_LABEL,
                    None,
                    False,
                    at,
                    person_id,
                    inquiry_id if caller else None,
                    owner=asker,
                ),
            )
    # A referral accepted as a case shows the case's state and deadline (督办 goes on).
    if cases:
        found = {
            case_id: (state, due, provisional)
            for case_id, state, due, provisional in Case.select(
                Case.id, Case.state, Case.due_date, Case.due_provisional
            )
            .where(Case.id.in_(list(cases.values())))
            .tuples()
        }
        for number, case_id in cases.items():
            state, due, provisional = found[case_id]
            row = seen[number]
            row.state, row.state_label = state, STATES[state].label if state in STATES else state
            row.due_date, row.due_provisional = due, bool(provisional)
    return list(seen.values())


def _renotify(window: Window | None, limit: int) -> list[_Candidate]:
    """Open cases whose applicant must be told a changed date again (需重新告知): read
    through the partial index of just them (Case.renotify), unordered, then sorted here."""
    where = Case.renotify & Case.state.in_(OPEN_STATES)
    if window is not None:
        where &= Case.window == window.id
    rows = list(Case.select(*_CASE_COLUMNS).where(where).limit(limit).tuples())
    return [_candidate("renotify", *row) for row in rows]


def _followups(session: Session, covered: list[int], limit: int) -> list[_Candidate]:
    """差评 to follow up (整改回访) of this clerk and of those they cover: only open ones are
    read, through the index (followup_state, followup_due)."""
    from policies.followup import OPEN_STATES as FOLLOWUP_OPEN
    from policies.followup import STATE_LABELS as FOLLOWUP_LABELS
    from policies.followup import next_due
    from policies.settings import RATING_LEVELS

    rows = (
        Rating.select(
            Rating.level,
            Rating.followup_state,
            Rating.followup_due,
            Rating.fix_due,
            Rating.rectify_due,
            Rating.contacted_at,
            Rating.at,
            Rating.staff,
            Case.number,
            Case.item,
            Case.person,
            Inquiry.number,
            Inquiry.item,
            Inquiry.person,
            Inquiry.id,
            Inquiry.caller_name_enc.is_null(False),
        )
        .join(Case, on=(Rating.case == Case.id), join_type=JOIN.LEFT_OUTER)
        .switch(Rating)
        .join(Inquiry, on=(Rating.inquiry == Inquiry.id), join_type=JOIN.LEFT_OUTER)
        .where(
            Rating.followup_state.in_(FOLLOWUP_OPEN)
            & Rating.staff.in_([session.staff_id, *covered])
        )
        .order_by(Rating.followup_due)
        .limit(limit)
        .tuples()
    )
    out = []
    for (
        level,
        state,
        contact_due,
        fix_due,
        rectify_due,
        contacted_at,
        at,
        owner,
        case_number,
        case_item,
        case_person,
        inquiry_number,
        inquiry_item,
        inquiry_person,
        inquiry_id,
        caller,
    ) in rows:
        person = case_person if case_number else inquiry_person
        out.append(
            _Candidate(
                "followup",
                case_number or inquiry_number,
                case_item if case_number else inquiry_item,
                "followup",
                RATING_LEVELS[level - 1] if 1 <= level <= 5 else "",
                state,
                FOLLOWUP_LABELS.get(state, state),
                next_due(state, contact_due, fix_due, rectify_due, contacted_at is not None),
                False,
                at,
                person,
                inquiry_id if not case_number and person is None and caller else None,
                owner=owner,
            )
        )
    return out


def _complaints(session: Session, covered: list[int], limit: int) -> list[_Candidate]:
    """投诉 awaiting the logged-in complaint officer (theirs, those of whom they cover, and
    those nobody has taken yet): open ones only, through the index (state, due_date). No
    complainant: the row's applicant stays empty. Nothing for anyone else."""
    from policies.complaints import IDENTITY_ROLES
    from policies.complaints import OPEN_STATES as COMPLAINT_OPEN
    from policies.complaints import STATE_LABELS as COMPLAINT_LABELS
    from store.models import Complaint

    if session.role not in IDENTITY_ROLES or session.staff_id is None:
        return []
    handlers = [session.staff_id, *covered]
    rows = (
        Complaint.select(
            Complaint.number,
            Complaint.state,
            Complaint.due_date,
            Complaint.due_provisional,
            Complaint.received_at,
            Complaint.handler,
        )
        .where(
            Complaint.state.in_(COMPLAINT_OPEN)
            & (Complaint.handler.in_(handlers) | Complaint.handler.is_null())
        )
        .order_by(Complaint.due_date, Complaint.id)
        .limit(limit)
        .tuples()
    )
    return [
        _Candidate(
            "complaint",
            number,
            None,
            "complaint",
            "投诉",
            state,
            COMPLAINT_LABELS.get(state, state),
            due,
            bool(provisional),
            received_at,
            None,
            owner=handler,
        )
        for number, state, due, provisional, received_at, handler in rows
    ]


def _sort_key(row: _Candidate):
    return (
        row.section != "renotify",  # telling the applicant again comes first
        URGENCIES.index(row.urgency),
        row.due_date or dt.date.max,
        SECTIONS.index(row.section),
        row.received_at,
        row.number,
    )


def _masked_applicants(session: Session, rows: list[_Candidate]) -> list[str]:
    keys = session.keys
    person_ids = {r.person_id for r in rows if r.person_id is not None}
    names: dict[int, str] = {}
    if person_ids:
        for person in (
            Person.select(*row_macs.fields(Person))
            .where(Person.id.in_(list(person_ids)))
            .namedtuples()  # (a list of a few hundred: no model instances to build)
        ):
            name = row_macs.open_text(keys, person, "name_enc", Person)
            names[person.id] = mask_name(name or "")
    callers: dict[int, str] = {}
    inquiry_ids = {r.caller for r in rows if r.person_id is None and r.caller is not None}
    if inquiry_ids:
        for inquiry in (
            Inquiry.select(*row_macs.fields(Inquiry))
            .where(Inquiry.id.in_(list(inquiry_ids)))
            .namedtuples()
        ):
            name = row_macs.open_text(keys, inquiry, "caller_name_enc", Inquiry)
            callers[inquiry.id] = mask_name(name or "")
    masked = []
    for row in rows:
        if row.person_id is not None:
            masked.append(names.get(row.person_id, ""))
        elif row.caller is not None:
            masked.append(callers.get(row.caller, ""))
        else:
            masked.append("")
    return masked


def _where(*conditions):
    """AND of the conditions that are not None (a window filter is optional)."""
    return reduce(operator.and_, [c for c in conditions if c is not None])


def _day_bounds(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(today, dt.time(0), HALL_TZ).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


def _counts(session: Session, window: Window | None, today: dt.date) -> TodayCounts:
    start, end = _day_bounds(today)
    me = session.staff_id
    at_window = (Case.window == window.id) if window is not None else None
    # A 即办件 due today is overdue once the policy's minutes have passed.
    minutes = session.register.policy.deadlines.immediate_minutes
    late = session.now() - dt.timedelta(minutes=minutes)
    immediate_late = (
        Case.select()
        .where(
            _where(
                at_window,
                Case.state.in_(RUNNING_STATES),
                Case.due_date >= today,
                # kind compared as an expression, so the planner walks (state, due_date)
                # instead of the index on kind (every 即办件 ever registered)
                Case.kind.concat("") == "immediate",
                Case.received_at < late,
            )
        )
        .count()
    )
    return TodayCounts(
        inquiries=Inquiry.select()
        .where((Inquiry.first_asker == me) & (Inquiry.at >= start) & (Inquiry.at < end))
        .count(),
        accepted=Case.select()
        .where((Case.accepted_by == me) & (Case.received_at >= start) & (Case.received_at < end))
        .count(),
        closed=Case.select()
        .where(_where(at_window, Case.closed_at >= start, Case.closed_at < end))
        .count(),
        ratings=Rating.select()
        # A service recorded as not rated is no rating.
        .where((Rating.staff == me) & (Rating.at >= start) & (Rating.at < end) & Rating.rated)
        .count(),
        overdue=Case.select()
        .where(_where(at_window, Case.state.in_(RUNNING_STATES), Case.due_date < today))
        .count()
        + immediate_late,
    )


def counter_queue(session: Session, *, window_code: str | None, limit: int = 200) -> CounterQueue:
    """The queue of `window_code` (None: the whole hall, e.g. for the supervisor)."""
    if limit < 1:
        raise InvalidInput("条数至少为 1")
    register = session.register
    today = local_date(session.now())
    with operation(
        session, "queue.view", roles=DATA_ROLES, record_table="window", concurrent=True
    ) as event:
        window = None
        if window_code:
            window = Window.get_or_none(Window.code == window_code.strip())
            if window is None:
                raise InvalidInput(f"未知的窗口：{window_code.strip()}")
        at_window = (Case.window == window.id) if window is not None else None
        candidates: list[_Candidate] = []
        for state in RUNNING_STATES:
            candidates += _cases("case", _where(at_window, Case.state == state), limit)
        candidates += _cases("supplement", _where(at_window, Case.state == SUPPLEMENT_STATE), limit)
        told_again = _renotify(window, limit)
        again = {c.number for c in told_again}
        candidates = told_again + [c for c in candidates if c.number not in again]
        # AB岗: the open work of those this clerk covers (A's items, marked 代岗), wherever
        # their window; read through the index (accepted_by, state).
        covered = list(covered_by(session.staff_id))
        if covered:
            seen = {c.number for c in candidates}
            for state in OPEN_STATES:
                section = "supplement" if state == SUPPLEMENT_STATE else "case"
                where = Case.accepted_by.in_(covered) & (Case.state == state)
                candidates += [c for c in _cases(section, where, limit) if c.number not in seen]
        candidates += _referrals(session, window, limit, covered)
        if session.staff_id is not None:
            candidates += _followups(session, covered, limit)
            candidates += _complaints(session, covered, limit)

        calendar = register.calendar
        now = session.now()
        dates = sorted({c.due_date for c in candidates if c.due_date is not None})
        days = WorkingDays(calendar, today, dates) if dates else None
        for c in candidates:
            runs = clock_runs(c.state) or c.section in ("followup", "complaint")
            if c.due_date is not None and days is not None and runs:
                c.days_left, provisional = days.left(c.due_date)
                c.provisional = provisional or c.due_provisional
            c.immediate_overdue = (
                c.section != "referral"
                and c.kind == "immediate"
                and clock_runs(c.state)
                and immediate_overdue(c.received_at, now, register.policy)
            )
            c.urgency = "overdue" if c.immediate_overdue else urgency(c.days_left)
        candidates.sort(key=_sort_key)
        shown = candidates[:limit]
        items = dict(ServiceItem.select(ServiceItem.id, ServiceItem.name).tuples())
        numbers = (
            dict(Staff.select(Staff.id, Staff.number).where(Staff.id.in_(covered)).tuples())
            if covered
            else {}
        )
        rows = tuple(
            QueueRow(
                section=c.section,
                number=c.number,
                item_name=items.get(c.item_id, NO_ITEM) if c.item_id else NO_ITEM,
                kind=c.kind,
                kind_label=c.kind_label,
                state=c.state,
                state_label=c.state_label,
                applicant=applicant,
                due_date=c.due_date,
                working_days_left=c.days_left,
                provisional=c.provisional,
                urgency=c.urgency,
                immediate_overdue=c.immediate_overdue,
                covering_for=numbers.get(c.owner, "") if c.owner in covered else "",
            )
            for c, applicant in zip(shown, _masked_applicants(session, shown), strict=True)
        )
        counts = _counts(session, window, today)
        event.record_id = window.code if window is not None else ""
        event.detail = {"rows": len(rows), "overdue": counts.overdue}
    return CounterQueue(
        today=today,
        window_code=window.code if window is not None else None,
        window_name=window.name if window is not None else "全大厅",
        rows=rows,
        counts=counts,
        calendar_warning=calendar_warning(calendar, today),
    )
