"""每日任务 — what the register does once a day, by itself (``chuangkou daily``).

(a) 好差评: a service not rated within the policy's window is recorded as not rated —
    or as the hall's default level when ratings.auto_rate_enabled — through
    store.ratings.record_not_rated (channel "default"). The services: cases done
    (state "done", with closed_at) and inquiries closed by 当场答复.
    The window is ratings.auto_rate_after_days **natural** days (DOMAIN.md: Guangdong
    treats a service not rated "within 7 natural days" as 基本满意; the policy file says
    自然日): they count from the day after the service, so a service on Monday 23 Nov 2026
    with 7 days may still be rated until Monday 30 Nov and is recorded on Tuesday 1 Dec.
(b) 容缺: cases past the applicant's commitment date with the material still missing get
    退件 proposed (store.cases.expire_tolerance).

Idempotent: a service that has a rating (or a not-rated record) is never picked again, and
expire_tolerance is called only when a case is due for it, so a second run the same day
writes nothing at all — not even an audit event.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

import peewee as pw

from policies.cases import STATES
from store.cases import expire_tolerance
from store.clock import HALL_TZ, local_date
from store.database import upsert
from store.errors import InvalidInput, NotFound
from store.models import Case, Inquiry, Rating, RegisterMeta
from store.ratings import AlreadyRated, record_not_rated
from store.roles import WORK_ROLES
from store.session import Session, require_role

__all__ = ["DAILY_MARK", "DailyResult", "run_daily", "run_daily_if_due", "unrated_cutoff"]

#: RegisterMeta key: the hall date the daily job last ran for (any counter, or the CLI).
DAILY_MARK = "daily_run_on"

log = logging.getLogger("chuangkou.store")


@dataclass(frozen=True)
class DailyResult:
    not_rated: tuple[str, ...]  # case and inquiry numbers recorded as not rated / default
    tolerance_proposed: tuple[str, ...]  # 容缺 cases for which 退件 was proposed
    default_level: bool = False  # the not-rated ones got the policy's default level
    skipped: tuple[str, ...] = ()  # services that could not be recorded (no window …)


def unrated_cutoff(session: Session, today: dt.date) -> dt.datetime:
    """Services finished before this instant (UTC) are past the rating window: local
    midnight of ``today`` minus ratings.auto_rate_after_days natural days."""
    days = session.register.policy.ratings.auto_rate_after_days
    day = today - dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(0), tzinfo=HALL_TZ).astimezone(dt.UTC)


def _unrated_cases(cutoff: dt.datetime) -> list[str]:
    query = (
        Case.select(Case.number)
        .join(Rating, pw.JOIN.LEFT_OUTER, on=(Rating.case == Case.id))
        .where(
            (Case.state == "done")
            & Case.closed_at.is_null(False)
            & (Case.closed_at < cutoff)
            & Rating.id.is_null()
        )
        .order_by(Case.closed_at)
    )
    return [number for (number,) in query.tuples()]


def _unrated_inquiries(cutoff: dt.datetime) -> list[str]:
    query = (
        Inquiry.select(Inquiry.number)
        .join(Rating, pw.JOIN.LEFT_OUTER, on=(Rating.inquiry == Inquiry.id))
        .where(
            (Inquiry.disposition == "answered")
            & (Inquiry.state == "closed")
            & Inquiry.closed_at.is_null(False)
            & (Inquiry.closed_at < cutoff)
            & Rating.id.is_null()
        )
        .order_by(Inquiry.closed_at)
    )
    return [number for (number,) in query.tuples()]


def _tolerance_due(today: dt.date) -> bool:
    """Whether expire_tolerance would propose anything (its own criteria): calling it only
    then keeps a run with nothing to do free of writes."""
    open_states = [s for s, st in STATES.items() if not st.terminal]
    for (materials,) in (
        Case.select(Case.materials)
        .where(
            Case.tolerance
            & Case.state.in_(open_states)
            & (Case.tolerance_due < today)
            & (Case.proposed_action == "")
        )
        .tuples()
    ):
        if any(m.get("status") != "present" for m in json.loads(materials or "[]")):
            return True
    return False


def run_daily(session: Session, today: dt.date | None = None) -> DailyResult:
    """Run the daily job for ``today`` (default: the hall's date now). Each service is
    recorded in its own operation (one audit event each, numbers only)."""
    require_role(session, "daily.run", WORK_ROLES)
    today = today or local_date(session.now())
    cutoff = unrated_cutoff(session, today)
    done: list[str] = []
    skipped: list[str] = []
    services = [("case", n) for n in _unrated_cases(cutoff)]
    services += [("inquiry", n) for n in _unrated_inquiries(cutoff)]
    for what, number in services:
        try:
            if what == "case":
                record_not_rated(session, case_number=number)
            else:
                record_not_rated(session, inquiry_number=number)
        except AlreadyRated:
            continue  # rated on the device in the meantime
        except (InvalidInput, NotFound):
            log.warning("daily: %s %s could not be recorded as not rated", what, number)
            skipped.append(number)
            continue
        done.append(number)
    proposed = expire_tolerance(session, today) if _tolerance_due(today) else ()
    upsert(RegisterMeta, key=DAILY_MARK, value=today.isoformat())
    return DailyResult(
        not_rated=tuple(done),
        tolerance_proposed=tuple(proposed),
        default_level=session.register.policy.ratings.auto_rate_enabled,
        skipped=tuple(skipped),
    )


def run_daily_if_due(session: Session) -> DailyResult | None:
    """The daily job, when no counter has run it yet today (the counter application calls
    this after each login; the first of the day does the work). None: nothing to do, or
    the one logged in does not work at the counter."""
    if session.role not in WORK_ROLES:
        return None
    today = local_date(session.now())
    if session.register.meta(DAILY_MARK) == today.isoformat():
        return None
    return run_daily(session, today)
