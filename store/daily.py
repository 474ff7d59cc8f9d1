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
(c) 行校验: rows written before their table had a row MAC (a register upgraded from before
    schema version 9) get theirs, in batches, until every table is recorded complete
    (store.row_macs.backfill); a job run by someone without the data key skips it.

The 未评价 are written in batches (run_daily: one short write transaction and one audit
event listing the records per batch), so that the counters' own writes, on their own
connections, wait for one batch at most while a large register is worked through; the
counter application runs the job off its store thread and shows its progress.

Idempotent: a service that has a rating (or a not-rated record) is never picked again, and
expire_tolerance is called only when a case is due for it, so a second run the same day
writes nothing at all — not even an audit event.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from array import array
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import peewee as pw

from policies.cases import STATES
from policies.settings import RATING_LEVELS
from store import row_macs
from store.cases import expire_tolerance
from store.clock import HALL_TZ, local_date
from store.database import database, read_snapshot, upsert
from store.errors import InvalidInput
from store.models import Case, Inquiry, Rating, RegisterMeta, ServiceItem, Staff, new_uuid
from store.ratings import DEFAULT_CHANNEL
from store.roles import WORK_ROLES
from store.session import Session, operation, require_role

__all__ = [
    "BATCH_SIZE",
    "DAILY_MARK",
    "DailyResult",
    "run_daily",
    "run_daily_if_due",
    "unrated_cutoff",
]

#: RegisterMeta key: the hall date the daily job last ran for (any counter, or the CLI).
DAILY_MARK = "daily_run_on"

#: Services recorded per batch: one write transaction and one audit event each. Small
#: enough that the transaction is short (a counter's write waits for it), large enough
#: that a million services take a couple of minutes, not half an hour.
BATCH_SIZE = 1000
#: SQLite only: the pause after each batch, longer than the busy handler's retry interval
#: while a counter has waited less than a quarter of a second (1, 2, 5 … 25, 50, 50 ms),
#: so that a counter that began waiting during a batch gets in right after it.
_PAUSE = 0.06

Progress = Callable[[int, int], None]

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


def _unrated_ids(cutoff: dt.datetime) -> tuple[array, array]:
    """The ids of the cases and of the inquiries past the window and not rated, in id
    order: read once, in a read-only snapshot (no write lock while a large register is
    scanned); each batch checks its own again inside its write transaction."""
    cases = (
        Case.select(Case.id)
        .join(Rating, pw.JOIN.LEFT_OUTER, on=(Rating.case == Case.id))
        .where(
            (Case.state == "done")
            & Case.closed_at.is_null(False)
            & (Case.closed_at < cutoff)
            & Rating.id.is_null()
        )
        .order_by(Case.id)
    )
    inquiries = (
        Inquiry.select(Inquiry.id)
        .join(Rating, pw.JOIN.LEFT_OUTER, on=(Rating.inquiry == Inquiry.id))
        .where(
            (Inquiry.disposition == "answered")
            & (Inquiry.state == "closed")
            & Inquiry.closed_at.is_null(False)
            & (Inquiry.closed_at < cutoff)
            & Rating.id.is_null()
        )
        .order_by(Inquiry.id)
    )
    with read_snapshot():
        return (
            array("q", (i for (i,) in database.execute_sql(*cases.sql()))),
            array("q", (i for (i,) in database.execute_sql(*inquiries.sql()))),
        )


def _ids_in(field: pw.Field, ids: list[int]) -> pw.Expression:
    """``field IN (ids)`` with the ids written into the SQL: they are the register's own
    integers, and peewee building a parameter for each of a thousand would take longer
    than the query."""
    return field.in_(pw.SQL("(" + ",".join(str(int(i)) for i in ids) + ")"))


def _raw(query: pw.Query) -> list[tuple]:
    """The rows as the driver returns them (ints and text here: no conversion needed)."""
    return list(database.execute_sql(*query.sql()).fetchall())


def _case_rows(ids: list[int]) -> list[tuple[int, str, int, int | None]]:
    """(id, number, staff, window) of the cases among ``ids`` still without a rating; the
    staff is who handled the case (store.ratings._served_by)."""
    query = (
        Case.select(Case.id, Case.number, Case.handler, Case.accepted_by, Case.window)
        .join(Rating, pw.JOIN.LEFT_OUTER, on=(Rating.case == Case.id))
        .where(_ids_in(Case.id, ids) & Rating.id.is_null())
        .order_by(Case.id)
    )
    return [(i, n, handler or accepted, w) for i, n, handler, accepted, w in _raw(query)]


def _inquiry_rows(ids: list[int]) -> list[tuple[int, str, int, int | None]]:
    """(id, number, staff, window) of the inquiries among ``ids`` still without a rating:
    the window of the inquiry, else of its item, else the first asker's (_served_by)."""
    asker = Staff.alias()
    query = (
        Inquiry.select(
            Inquiry.id, Inquiry.number, Inquiry.first_asker, Inquiry.window, ServiceItem.window
        )
        .join(Rating, pw.JOIN.LEFT_OUTER, on=(Rating.inquiry == Inquiry.id))
        .switch(Inquiry)
        .join(ServiceItem, pw.JOIN.LEFT_OUTER, on=(Inquiry.item == ServiceItem.id))
        .switch(Inquiry)
        .join(asker, on=(Inquiry.first_asker == asker.id))
        .select_extend(asker.window)
        .where(_ids_in(Inquiry.id, ids) & Rating.id.is_null())
        .order_by(Inquiry.id)
    )
    return [
        (i, n, staff, own or item_window or staff_window)
        for i, n, staff, own, item_window, staff_window in _raw(query)
    ]


#: The columns of a 未评价 record that differ from one service to the next.
_VARYING = ("uuid", "case", "inquiry", "staff", "window", "row_mac")


def _insert_ratings(common: dict, varying: list[tuple]) -> None:
    """What ``Rating.insert_many`` writes for ``varying`` rows (values of _VARYING, as
    stored) sharing the values of ``common``, with the statement peewee builds for one row
    run by executemany over all of them: peewee building the SQL of every row would take
    most of the batch's time, inside its write transaction."""
    fields = [Rating._meta.fields[name] for name in (*common, *_VARYING)]
    given = {f.name for f in fields}
    defaults = {f: d for f, d in Rating._meta.defaults.items() if f.name not in given}
    fields += list(defaults)
    tail = [d() if callable(d) else d for d in defaults.values()]
    sql, _ = Rating.insert_many([(*common.values(), *varying[0], *tail)], fields=fields).sql()
    same = [f.db_value(v) for f, v in zip(fields, common.values(), strict=False)]
    same_tail = [f.db_value(v) for f, v in zip(defaults, tail, strict=True)]
    database.cursor().executemany(sql, [(*same, *row, *same_tail) for row in varying])


class _NothingToWrite(Exception):
    """A batch whose services were all rated meanwhile or cannot be recorded: rolled back,
    so that no audit event says nothing happened (a second run writes nothing)."""


def _record_batch(
    session: Session, what: str, ids: list[int], level: int, skipped: list[str]
) -> list[str]:
    """One batch: one write transaction, the ratings inserted at once, one audit event
    listing the services and the records. Returns the numbers recorded."""
    try:
        with operation(
            session, "rating.not_rated_batch", roles=WORK_ROLES, record_table="rating"
        ) as event:
            rows = _case_rows(ids) if what == "case" else _inquiry_rows(ids)
            keys = session.keys
            common = dict(
                key_id=session.keys.current,
                channel=DEFAULT_CHANNEL,
                level=level,
                reason_code=None,
                at=session.now(),
                rated=False,
                followup_state="",
            )
            records, numbers = [], []
            for service_id, number, staff, window in rows:
                if window is None:
                    log.warning("daily: %s %s could not be recorded as not rated", what, number)
                    skipped.append(number)
                    continue
                case, inquiry = (service_id, None) if what == "case" else (None, service_id)
                uuid = new_uuid()
                # Nothing sealed yet: the MAC binds the uuid, the key id and every NULL.
                (mac,) = row_macs.macs_for_insert(keys, Rating, [{"uuid": uuid, **common}])
                records.append((uuid, case, inquiry, staff, window, mac))
                numbers.append(number)
            if not records:
                raise _NothingToWrite
            _insert_ratings(common, records)
            event.detail = {
                "services": numbers,
                "records": [r[0] for r in records],
                "count": len(records),
                "level": level,
                "channel": DEFAULT_CHANNEL,
                "rated": False,
            }
    except _NothingToWrite:
        return []
    return numbers


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


def _pause_if(sqlite: bool) -> Callable[[], None] | None:
    return (lambda: time.sleep(_PAUSE)) if sqlite else None


@contextmanager
def _batches_synced_lightly(sqlite: bool):
    """SQLite: the job's commits without their own fsync (synchronous=NORMAL in WAL mode:
    never corrupt; a power cut may lose the last batches, which the next run does again —
    the job is resumable and each batch carries its own audit event). A counter's next
    commit, FULL as always, syncs them anyway. Back to FULL afterwards."""
    if not sqlite:
        yield
        return
    database.execute_sql("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        database.execute_sql("PRAGMA synchronous = FULL")


def run_daily(
    session: Session,
    today: dt.date | None = None,
    *,
    batch_size: int | None = None,
    progress: Progress | None = None,
    between_batches: Callable[[], None] | None = None,
) -> DailyResult:
    """Run the daily job for ``today`` (default: the hall's date now). The services are
    recorded in batches of ``batch_size`` (default BATCH_SIZE): one short write
    transaction and one audit event (the services' numbers and the records' ids) each, so
    a counter's write waits for one batch at most. A batch committed stays: a run stopped
    half way is carried on by the next one, which finds only what is left.
    ``progress(done, total)`` is called before the first batch and after each one (on the
    calling thread); an exception it raises stops the job between two batches.
    ``between_batches()`` is called after each batch: the counter application lets its
    own waiting call go first there (tui.gateway.StoreGateway.wait_idle); without it, on
    SQLite, the job pauses _PAUSE instead, for a counter in another process."""
    require_role(session, "daily.run", WORK_ROLES)
    today = today or local_date(session.now())
    batch_size = batch_size or BATCH_SIZE
    if batch_size < 1:
        raise InvalidInput("每批条数应为正整数")
    policy = session.register.policy.ratings
    level = RATING_LEVELS.index(policy.auto_rate_level) + 1 if policy.auto_rate_enabled else 0
    cases, inquiries = _unrated_ids(unrated_cutoff(session, today))
    total, seen = len(cases) + len(inquiries), 0
    done: list[str] = []
    skipped: list[str] = []
    if progress is not None:
        progress(0, total)
    sqlite = isinstance(database.obj, pw.SqliteDatabase)
    with _batches_synced_lightly(sqlite):
        for what, ids in (("case", cases), ("inquiry", inquiries)):
            for start in range(0, len(ids), batch_size):
                batch = ids[start : start + batch_size].tolist()
                done += _record_batch(session, what, batch, level, skipped)
                seen += len(batch)
                # SQLite's busy handler retries now and then, and nothing makes a waiting
                # counter next in line: the counter's call goes first (between_batches), or
                # a pause lets another process's write in (PostgreSQL queues the waiters on
                # the audit chain's head itself).
                yield_now = between_batches or _pause_if(sqlite)
                if yield_now is not None:
                    yield_now()
                if progress is not None:
                    progress(seen, total)
    proposed = expire_tolerance(session, today) if _tolerance_due(today) else ()
    if session.has_data_key and not row_macs.backfill_done(session.keys):
        # Rows written before their table had a row MAC (schema version 8 for persons, 9
        # for the others), once; yielding to the counter between batches as above.
        row_macs.backfill(session, between_batches=between_batches or _pause_if(sqlite))
    upsert(RegisterMeta, key=DAILY_MARK, value=today.isoformat())
    return DailyResult(
        not_rated=tuple(done),
        tolerance_proposed=tuple(proposed),
        default_level=policy.auto_rate_enabled,
        skipped=tuple(skipped),
    )


def run_daily_if_due(
    session: Session,
    *,
    batch_size: int | None = None,
    progress: Progress | None = None,
    between_batches: Callable[[], None] | None = None,
) -> DailyResult | None:
    """The daily job, when no counter has run it yet today (the counter application calls
    this after each login; the first of the day does the work). None: nothing to do, or
    the one logged in does not work at the counter."""
    if session.role not in WORK_ROLES:
        return None
    today = local_date(session.now())
    if session.register.meta(DAILY_MARK) == today.isoformat():
        return None
    return run_daily(
        session, today, batch_size=batch_size, progress=progress, between_batches=between_batches
    )
