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
Rows are read in batches from the date's index (keyset on date and id), so only the rows
from that year on are read and a register of millions is never held at once; only the
changed columns are written back; ``progress(done, total)`` is told after each batch.
Measured with bench/calendar_import.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from policies.calendar import WorkCalendar
from policies.cases import STATES
from store.cases.notices import changed_dates, told_dates
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


def _batches(query, date_field, progress: Progress | None, done: int, total: int):
    """Rows of ``query`` in batches of BATCH, walked by (date, id) from the date's index,
    so only the rows from the year on are read; ``progress(done, total)`` after each. The
    caller moves the dates of the rows it is given: a row moved past the walk's key comes
    round again and is skipped."""
    model = query.model
    last: tuple[dt.date, int] | None = None
    seen: set[int] = set()
    while True:
        page = query
        if last is not None:
            day, row_id = last
            page = page.where((date_field > day) | ((date_field == day) & (model.id > row_id)))
        rows = list(page.order_by(date_field, model.id).limit(BATCH))
        if not rows:
            return
        last = (getattr(rows[-1], date_field.name), rows[-1].id)  # the key as read
        rows = [row for row in rows if row.id not in seen]
        seen.update(row.id for row in rows)
        yield rows
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
    for rows in _batches(cases, Case.due_date, progress, 0, total):
        told = told_dates([case.id for case in rows])
        for case in rows:
            counted += 1
            moved, touched = _recount_case(calendar, case)
            if not touched:
                continue
            if moved:
                changed.append(case.number)
                if not STATES[case.state].terminal and changed_dates(case, told[case.id]):
                    case.renotify = True
                    renotify.append(case.number)
            case.updated_at = now
            case.save(only=case.dirty_fields)  # the dates, not every sealed column again
    days = session.register.policy.ratings.contact_working_days
    rated, rating_changed = 0, 0
    for rows in _batches(ratings, Rating.followup_due, progress, counted, total):
        for rating in rows:
            rated += 1
            due = calendar.due(local_date(rating.at), days, allow_provisional=True).date
            if due != rating.followup_due:
                rating.followup_due = due
                rating.save(only=rating.dirty_fields)
                rating_changed += 1
    return Recount(year, counted, tuple(changed), tuple(renotify), rated, rating_changed)
