"""重算: the dates counted in working days, counted again when a year's holiday notice is
imported (store.calendar_years.import_year, inside its one audited operation).

A date counted through a year the calendar lacked was provisional (暂定: weekends and the
statutory holidays, without that year's 调休 swaps). With the year imported:

- a case's due date is counted again from its clock start with its own limit
  (Case.limit_days); an approved extension's end, a date chosen by the supervisor, moves
  to the next working day if the notice made it a day off (a period ending on a day off
  ends on the next working day);
- a 容缺 commitment date and a promised forwarding date likewise move off a day off (a
  forwarding date that was the due date follows the due date);
- a 差评's contact-by date is counted again from the rating's day;
- and the 暂定 mark goes where nothing uncovered is left.

An open case whose notice told the applicant a date that has now changed is marked 需重新告知
(Case.renotify): the counter issues a 期限更正告知书; a sealed notice is never rewritten.
Rows are read in batches by id (keyset), so a register of millions is walked without
holding them all, and ``progress(done, total)`` is told after each batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from policies.calendar import WorkCalendar
from policies.cases import STATES
from store.cases.notices import changed_dates
from store.clock import local_date
from store.models import Case, Rating
from store.session import Session

__all__ = ["Recount", "recount_year"]

BATCH = 1000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Recount:
    year: int
    cases: int  # cases whose dates were counted again
    changed: tuple[str, ...]  # case numbers with a date that moved
    renotify: tuple[str, ...]  # open cases whose applicant must be told again (需重新告知)
    ratings: int  # 差评 contact-by dates counted again
    ratings_changed: int


def _workday_on_or_after(calendar: WorkCalendar, day: dt.date) -> dt.date:
    while not calendar.is_workday(day, allow_provisional=True):
        day += dt.timedelta(days=1)
    return day


def _recount_case(calendar: WorkCalendar, case: Case) -> tuple[bool, bool]:
    """Count the case's dates again: (whether a date moved, whether anything changed)."""
    before = (case.due_date, case.tolerance_due, case.forward_by)
    was_provisional = case.due_provisional
    old_due = case.due_date
    if case.extension_state == "approved" and case.extended_until == case.due_date:
        due = _workday_on_or_after(calendar, case.extended_until)
        case.due_date = case.extended_until = due
        case.due_provisional = not calendar.is_covered(due.year)
    elif case.clock_start is not None and case.limit_days is not None:
        counted = calendar.due(case.clock_start, case.limit_days, allow_provisional=True)
        case.due_date, case.due_provisional = counted.date, counted.provisional
    if case.tolerance_due is not None:
        case.tolerance_due = _workday_on_or_after(calendar, case.tolerance_due)
    if case.forward_by is not None:
        if case.forward_by == old_due:
            case.forward_by = case.due_date
        else:
            case.forward_by = _workday_on_or_after(calendar, case.forward_by)
    moved = (case.due_date, case.tolerance_due, case.forward_by) != before
    return moved, moved or case.due_provisional != was_provisional


def _batches(query, progress: Progress | None, total: int):
    """Rows of ``query`` (a Model select) in batches of BATCH by id."""
    model = query.model
    last, done = 0, 0
    while True:
        rows = list(query.where(model.id > last).order_by(model.id).limit(BATCH))
        if not rows:
            return
        yield rows
        last = rows[-1].id
        done += len(rows)
        if progress is not None:
            progress(done, total)


def recount_year(session: Session, year: int, *, progress: Progress | None = None) -> Recount:
    """Count again every stored date that was counted through ``year`` (run inside the
    import's operation, after the year is stored)."""
    calendar = session.register.calendar
    first = dt.date(year, 1, 1)
    now = session.now()
    cases = Case.select().where(Case.due_provisional & (Case.due_date >= first))
    ratings = Rating.select().where(
        (Rating.followup_state == "open") & (Rating.followup_due >= first)
    )
    total = cases.count() + ratings.count()
    counted = 0
    changed: list[str] = []
    renotify: list[str] = []
    for rows in _batches(cases, progress, total):
        for case in rows:
            counted += 1
            moved, touched = _recount_case(calendar, case)
            if not touched:
                continue
            if moved:
                changed.append(case.number)
                if not STATES[case.state].terminal and changed_dates(case):
                    case.renotify = True
                    renotify.append(case.number)
            case.updated_at = now
            case.save()
    days = session.register.policy.ratings.contact_working_days
    rated, rating_changed = 0, 0
    done_cases = counted

    def told(done: int, _total: int) -> None:
        if progress is not None:
            progress(done_cases + done, total)

    for rows in _batches(ratings, told, total):
        for rating in rows:
            rated += 1
            due = calendar.due(local_date(rating.at), days, allow_provisional=True).date
            if due != rating.followup_due:
                rating.followup_due = due
                rating.save()
                rating_changed += 1
    return Recount(year, counted, tuple(changed), tuple(renotify), rated, rating_changed)
