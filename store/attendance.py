"""考勤 — sign-in and sign-out; late and early against the policy's times (seed 000 篇6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from store.clock import local_date, to_local
from store.models import Attendance
from store.session import Session, operation


def _shift(at: dt.time, minutes: int) -> dt.time:
    """A time of day moved by some minutes of grace (within the same day)."""
    moved = dt.datetime.combine(dt.date(2000, 1, 1), at) + dt.timedelta(minutes=minutes)
    return moved.time()


@dataclass(frozen=True)
class SignIn:
    work_date: str
    signed_in_at: str  # local time HH:MM
    late: bool
    first_today: bool


def sign_in(session: Session) -> SignIn:
    """Record the first sign-in of the day; later ones change nothing but are audited."""
    now = session.now()
    today = local_date(now)
    rules = session.register.policy.attendance
    deadline = _shift(rules.sign_in, rules.late_grace_minutes)
    with operation(session, "attendance.sign_in", roles=None, record_table="attendance") as event:
        row = Attendance.get_or_none(
            (Attendance.staff == session.staff_id) & (Attendance.work_date == today)
        )
        # A row may exist without a sign-in: today's post can be taken first.
        first = row is None or row.signed_in_at is None
        if row is None:
            row = Attendance(staff=session.staff_id, work_date=today)
        if first:
            row.signed_in_at = now
            row.late = to_local(now).time() > deadline
            row.station = session.register.station
            row.save()
        event.record_id = str(row.id)
        event.detail = {"late": row.late, "first": first}
    return SignIn(today.isoformat(), to_local(row.signed_in_at).strftime("%H:%M"), row.late, first)


def sign_out(session: Session) -> bool:
    """Record leaving; returns whether it was before the policy's end of the day."""
    now = session.now()
    today = local_date(now)
    rules = session.register.policy.attendance
    end = _shift(rules.sign_out, -rules.early_leave_grace_minutes)
    with operation(session, "attendance.sign_out", record_table="attendance") as event:
        row, _ = Attendance.get_or_create(
            staff=session.staff_id, work_date=today, defaults={"station": session.register.station}
        )
        row.signed_out_at = now
        row.left_early = to_local(now).time() < end
        row.save()
        event.record_id = str(row.id)
        event.detail = {"early": row.left_early}
    return row.left_early
