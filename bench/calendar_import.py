"""What grows with the register in issue 10, measured at 1,000,000 cases: importing a calendar
year (store.calendar_years.import_year: the year stored, the calendar stamp changed, every
provisional date counted again by store.recount), migration 3 (store.migrations), and the
counter's queue with cases to tell again (需重新告知) on it.

    .venv/bin/python bench/calendar_import.py                        # 1,000,000 cases
    .venv/bin/python bench/calendar_import.py --cases 20000          # a quick run
    .venv/bin/python bench/calendar_import.py --keep /var/tmp/ck.db  # build once, then reuse
    .venv/bin/python bench/calendar_import.py --keep /var/tmp/ck.db --no-stats --plans

Prints figures and ratios against baselines measured in the same run; it never passes or
fails on a wall clock. The register is SQLite with the production pragmas (WAL,
synchronous=FULL) while measured; only the build turns synchronous off. The build ends
with ANALYZE, as bench/large_register.py does; the application never runs it, so
``--no-stats`` measures the planner without those statistics (``--plans`` prints its plans
for the recount's reads and the queue's 需重新告知 read). The kept register (``--keep``) is
never changed: every run works on copies. About 3 minutes to build 1,000,000 cases here
(insert_many's statement run by executemany, see insert_rows), 2 to measure.

The register is the hall on 2027-02-04 (the day of tests/store/test_year_end.py): cases
received on every working day since 2023 (ids in time order), each with its item's limit
stored (Case.limit_days) and its due date counted as acceptance counts it — through 2027,
which chinese-calendar does not cover, provisionally (暂定: weekends and the statutory
holidays). About 2% of the cases are then open with a provisional due date; some have an
approved extension (延期), a 容缺 commitment date or a promised forwarding date (上报) in 2027;
most non-immediate cases have an acceptance notice whose ``stated`` JSON names the dates
it told; done cases have a rating (差评 followed up; the last week's still open). The year
file is the fictitious tests/policies/data/calendar-2027.toml (春节 2-5..2-13, Sunday 2-14
worked), so dates after 春节 move and the cases told them are marked 需重新告知. People
are bench/large_register.add_people (20,000 sealed for real, the rest sealed-looking
filler); cases, notices, ratings and inquiries carry filler bytes in their sealed columns:
neither the recount nor the migration opens a sealed column.

Measured in one run, each against its baseline:

- import_year on the register (progress shown every ~10%), against the same import on a
  copy where no date is provisional (the recount finds nothing);
- migration 3 (_m0003_lifecycle, in a transaction rolled back) on a copy cut back to
  version 2 as tests/store/test_migrations.py does, against one statement touching every
  case (UPDATE "case" SET trips = trips, rolled back too); then Register.open migrating it
  for real, with its automatic backup (timed apart) and the process's peak memory;
- counter_queue (median of 20 calls) after the import, with the cases to tell again listed
  first, against before it.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/calendar_import.py` would put bench/ first on sys.path, where bench/store.py
# shadows the `store` package: put the repository root there instead.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import unicodedata  # noqa: E402
import uuid  # noqa: E402

from bench.large_register import SEALED_PEOPLE, TX, add_people  # noqa: E402

ROOT = _HERE.parent
YEAR_FILE = ROOT / "tests/policies/data/calendar-2027.toml"
NOW = dt.datetime(2027, 2, 4, 15, 0)  # before 春节; 2027's notice not yet imported
FIRST_DAY = dt.date(2023, 1, 3)
SUPERVISOR = "0001"
SUPERVISOR_PASSWORD = "zhuren-mima-2026"
QUEUE_RUNS = 20
WINDOW = "minzheng"

# Shares of the cases (the rest follow from the dates: a case is open while its work runs).
RETURNED, SUPPLEMENT = 0.04, 0.03  # 退回件, 补办件 (of items not immediate)
TOLERANCE, EXTENDED = 0.08, 0.03  # 容缺受理, approved 延期
NOTICED = 0.6  # non-immediate cases with an acceptance notice on file
UNRATED = 0.15  # done cases with a 未评价 record instead of a rating
LEVELS = ((1, 70.0), (2, 20.0), (3, 8.0), (4, 1.2), (5, 0.8))

CASE_FIELDS = (
    *("uuid", "key_id", "number", "item", "window", "person", "kind", "state", "proxy"),
    *("tolerance", "received_at", "clock_start", "due_date", "due_provisional"),
    *("tolerance_due", "accepted_by", "handler", "windows_involved", "materials"),
    *("forwarded_to", "extended_until", "extension_approved_by", "notes_enc", "closed_at"),
    *("updated_at", "trips", "supplements", "omission", "granted", "extension_state"),
    *("forward_by", "forwarded_at", "forward_reference", "proposed_action", "extended_from"),
    *("limit_days", "renotify"),
)
NOTICE_FIELDS = (
    *("uuid", "key_id", "number", "kind", "case", "issued_at", "issued_by", "body_enc"),
    *("printed_count", "stated"),
)
RATING_FIELDS = (
    *("uuid", "key_id", "case", "staff", "window", "channel", "level", "at", "rated"),
    *("followup_due", "followup_state"),
)
INQUIRY_FIELDS = (
    *("uuid", "key_id", "number", "at", "channel", "person", "topic_enc", "first_asker"),
    *("window", "disposition", "referred_to", "case", "state", "closed_at"),
)


def _now() -> dt.datetime:
    from store.clock import HALL_TZ

    return NOW.replace(tzinfo=HALL_TZ)


def _at(day: dt.date, seconds: int) -> dt.datetime:
    """A moment of a working day (08:30 + seconds, hall time) in UTC."""
    from store.clock import HALL_TZ

    start = dt.datetime.combine(day, dt.time(8, 30), HALL_TZ)
    return (start + dt.timedelta(seconds=seconds)).astimezone(dt.UTC)


def insert_rows(model, rows, fields=None, *, keys=None) -> None:
    """What ``model.insert_many(rows, fields=fields)`` writes, in one transaction, with
    the statement peewee generates for one row run by executemany over all of them (each
    value through its field's db_value): peewee building the SQL of every chunk would
    take most of the build. ``rows``: tuples of ``fields``, or dicts. A table with sealed
    fields needs ``keys``: each row gets its MAC (store.row_macs), as the store writes it."""
    from store import row_macs
    from store.database import database
    from store.models import MAC_COLUMNS

    if not rows:
        return
    fields = list(fields) if fields is not None else [model._meta.fields[n] for n in rows[0]]
    if model in MAC_COLUMNS:
        rows = row_macs.with_macs(keys, model, rows, fields)
        fields.append(model.row_mac)
    # What insert_many adds: the default of every field not given.
    given = {f.name for f in fields}  # (a Field's == builds an expression: compare names)
    defaults = [(f, d) for f, d in model._meta.defaults.items() if f.name not in given]
    if isinstance(rows[0], dict) or defaults:
        names = [f.name for f in fields]
        rows = [
            (
                *((row[n] for n in names) if isinstance(row, dict) else row),
                *(d() if callable(d) else d for _, d in defaults),
            )
            for row in rows
        ]
        fields += [f for f, _ in defaults]
    sql, _ = model.insert_many(rows[:1], fields=fields).sql()
    assert sql.count("?") == len(fields), sql
    convert = [field.db_value for field in fields]
    with database.atomic():
        database.cursor().executemany(
            sql, ([to_db(v) for to_db, v in zip(convert, row, strict=True)] for row in rows)
        )


def build(url: str, cases: int, persons: int) -> None:
    """A register of ``cases`` cases as the hall has it on NOW (see the module docstring)."""
    from importlib import resources

    from policies.deadlines import case_limit_working_days
    from store.catalog import import_catalog
    from store.clock import FixedClock
    from store.database import close_database, database
    from store.keyslots import OWASP_MINIMUM_KDF
    from store.models import Case, Inquiry, Notice, Rating, ServiceItem, Staff, Window
    from store.setup import create_register
    from store.staff import add_staff

    now = _now()
    today = now.date()
    rng = random.Random(1)
    register, sup, _ = create_register(
        url,
        hall_name="压测镇便民服务中心",
        hall_code="YC",
        supervisor_number=SUPERVISOR,
        supervisor_name="林主任",
        password=SUPERVISOR_PASSWORD,
        clock=FixedClock(now),
        kdf=OWASP_MINIMUM_KDF,
    )
    import_catalog(
        sup, resources.files("policies").joinpath("data/catalog.toml").read_text(encoding="utf-8")
    )
    for n in range(1, 11):
        add_staff(sup, number=f"1{n:03d}", name=f"职员{n}", role="clerk", password="x" * 12)
    # Bulk load: nothing here needs to survive a power cut.
    database.execute_sql("PRAGMA synchronous=OFF")
    database.execute_sql("PRAGMA cache_size=-262144")
    filler = b"\x01\x00\x01" + os.urandom(52)
    add_people(sup.keys, now, persons, filler, insert_rows)

    calendar, policy = register.calendar, register.policy
    assert not calendar.is_covered(2027), "the bench needs 2027 uncovered before the import"
    commit_days = policy.tolerance.commitment_working_days
    contact_days = policy.ratings.contact_working_days
    items = list(ServiceItem.select())
    windows = [w.id for w in Window.select()]
    staff = [s.id for s in Staff.select()]
    sealed = min(SEALED_PEOPLE, persons)
    counted: dict[tuple[dt.date, int], tuple[dt.date, bool]] = {}

    def count(day: dt.date, days: int) -> tuple[dt.date, bool]:
        """The due date of ``days`` working days after ``day`` as acceptance counts it."""
        key = (day, days)
        if key not in counted:
            due = calendar.due(day, days, allow_provisional=True)
            counted[key] = (due.date, due.provisional)
        return counted[key]

    days_open = [
        FIRST_DAY + dt.timedelta(days=d)
        for d in range((today - FIRST_DAY).days + 1)
        if calendar.is_workday(FIRST_DAY + dt.timedelta(days=d), allow_provisional=True)
    ]

    def when(i: int, n: int) -> tuple[dt.date, dt.datetime]:
        """The i-th of n rows in time order: 08:30–14:30 of every working day, the hall's
        volume tripled since 2023 (density 0.5 → 1.5 of the mean), so the last weeks hold
        the open cases they do."""
        slot = int((math.sqrt(0.25 + 2 * i / n) - 0.5) * len(days_open) * 21_600)
        day = days_open[slot // 21_600]
        return day, _at(day, slot % 21_600)

    per_day: dict[dt.date, int] = {}
    still_open = bytearray(cases + 1)  # by case id: for the 督办 of referrals
    case_rows: list[tuple] = []
    notice_rows: list[tuple] = []
    rating_rows: list[tuple] = []

    def flush() -> None:
        insert_rows(Case, case_rows, [getattr(Case, f) for f in CASE_FIELDS], keys=sup.keys)
        insert_rows(Notice, notice_rows, [getattr(Notice, f) for f in NOTICE_FIELDS], keys=sup.keys)
        insert_rows(Rating, rating_rows, [getattr(Rating, f) for f in RATING_FIELDS], keys=sup.keys)
        case_rows.clear()
        notice_rows.clear()
        rating_rows.clear()

    notices = 0
    for i in range(cases):
        case_id = i + 1
        day, received = when(i, cases)
        per_day[day] = per_day.get(day, 0) + 1
        item = items[rng.randrange(len(items))]
        r = rng.random()
        if item.default_kind == "immediate":
            kind = "immediate"
        elif r < RETURNED:
            kind = "returned"
        elif r < RETURNED + SUPPLEMENT:
            kind = "supplement"
        else:
            kind = item.default_kind
        limit = case_limit_working_days(kind, policy, item_promised_days=item.promised_limit_days)
        clock_start = None
        if kind == "supplement":  # the clock starts once the materials are complete
            completed = count(day, 2)[0]
            clock_start = completed if completed <= today else None
        elif kind != "returned":
            clock_start = day
        due, provisional = (
            count(clock_start, limit) if clock_start and limit is not None else (None, False)
        )
        tolerance_due = forward_by = extended_from = None
        extension = ""
        tolerant = kind in ("promised", "escalated", "joint") and rng.random() < TOLERANCE
        if tolerant and due is not None:
            tolerance_due = min(due, count(day, commit_days)[0])
        if kind == "escalated" and due is not None:
            forward_by = due if rng.random() < 0.7 else count(day, max(1, limit // 3))[0]
        told = due
        if due is not None and limit and rng.random() < EXTENDED:
            extension, extended_from = "approved", due
            due, provisional = count(due, 10)
        # When the work ends: within the limit mostly, a few late.
        if kind == "returned":
            finished: dt.date | None = day
        elif clock_start is None:
            finished = None  # 待补正
        elif kind == "immediate" or limit == 0:
            finished = day if (day < today or rng.random() < 0.9) else None
        else:
            # Most work ends in the second half of the limit; one case in ten is late.
            late = rng.random() < 0.1
            ends = rng.randint((limit + 1) // 2, limit) + (rng.randint(1, 15) if late else 0)
            finished = count(clock_start, ends)[0]
            finished = finished if finished < today else None
        if finished is not None:
            state = (
                "returned" if kind == "returned" else rng.choices(["done", "withdrawn"], [96, 4])[0]
            )
            if finished == day:
                closed = received + dt.timedelta(minutes=rng.randint(10, 90))
            else:
                closed = _at(finished, 3600 + rng.randrange(18_000))
            closed = min(closed, now.astimezone(dt.UTC))
            person = rng.randint(1, persons)
        else:
            closed = None
            if clock_start is None:
                state = "awaiting_supplement"
            elif kind == "escalated" and rng.random() < 0.5:
                state = "forwarded"
            else:
                state = rng.choice(["accepted", "in_progress"])
            person = rng.randint(1, sealed)
            still_open[case_id] = 1
        clerk = staff[rng.randrange(len(staff))]
        case_rows.append(
            (
                uuid.uuid4().hex,
                1,
                f"BJ{day:%Y%m%d}-{per_day[day]:04d}",
                item.id,
                item.window_id,
                person,
                kind,
                state,
                False,
                tolerance_due is not None,
                received,
                clock_start,
                due,
                provisional,
                tolerance_due,
                clerk,
                clerk,
                "[]",
                "[]",
                "县级主管部门" if kind == "escalated" else "",
                due if extension else None,
                staff[0] if extension else None,
                filler,
                closed,
                closed or received,
                1,
                "[]",
                False,
                True if state == "done" else None,
                extension,
                forward_by,
                (received + dt.timedelta(days=1)) if state == "forwarded" else None,
                "",
                "",
                extended_from,
                limit,
                False,
            )
        )
        if told is not None and kind != "immediate" and rng.random() < NOTICED:
            stated = {"due_date": told}
            if tolerance_due is not None:
                stated["tolerance_due"] = tolerance_due
            if forward_by is not None:
                stated["forward_by"] = forward_by
            papers = [("tolerance" if tolerance_due else "acceptance", received, stated)]
            if extension:
                papers.append(("extension", received + dt.timedelta(days=2), {"due_date": due}))
            for paper, issued, dates in papers:
                notices += 1
                notice_rows.append(
                    (
                        uuid.uuid4().hex,
                        1,
                        f"TZ{notices:010d}",
                        paper,
                        case_id,
                        issued,
                        clerk,
                        filler,
                        1,
                        json.dumps({k: v.isoformat() for k, v in dates.items()}),
                    )
                )
        if state == "done":
            level, rated, channel = 0, False, "default"
            if rng.random() >= UNRATED:
                level = rng.choices([lv for lv, _ in LEVELS], [w for _, w in LEVELS])[0]
                rated, channel = True, "device"
            followup_due, followup = None, ""
            if level >= 4:
                followup_due = count(finished, contact_days)[0]
                followup = "open" if finished >= today - dt.timedelta(days=7) else "rectified"
            rating_rows.append(
                (
                    uuid.uuid4().hex,
                    1,
                    case_id,
                    clerk,
                    item.window_id,
                    channel,
                    level,
                    closed,
                    rated,
                    followup_due,
                    followup,
                )
            )
        if len(case_rows) == TX:
            flush()
    flush()

    # 首问登记: a quarter as many as cases; a referred one is followed (督办, open) until the
    # case it became ends.
    rows = []
    inquiries = cases // 4
    for j in range(inquiries):
        _, at = when(j, inquiries)
        r = rng.random()
        disposition = "answered" if r < 0.92 else "referred" if r < 0.97 else "accepted"
        case = j * cases // inquiries + 1 if disposition != "answered" else None
        followed = disposition == "referred" and still_open[case]
        rows.append(
            (
                uuid.uuid4().hex,
                1,
                f"SW{j:012d}",
                at,
                "visit",
                rng.randint(1, sealed),
                filler,
                staff[rng.randrange(len(staff))],
                windows[rng.randrange(len(windows))],
                disposition,
                windows[rng.randrange(len(windows))] if disposition == "referred" else None,
                case,
                "open" if followed else "closed",
                None if followed else at + dt.timedelta(minutes=5),
            )
        )
        if len(rows) == TX:
            insert_rows(Inquiry, rows, [getattr(Inquiry, f) for f in INQUIRY_FIELDS], keys=sup.keys)
            rows = []
    insert_rows(Inquiry, rows, [getattr(Inquiry, f) for f in INQUIRY_FIELDS], keys=sup.keys)
    database.execute_sql("ANALYZE")
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    close_database()


def _sqlite_file(url: str) -> Path:
    return Path(url[len("sqlite:///") :])


def _copy(src: Path, dst: Path) -> None:
    """A closed register file (and its WAL, if one was left) to a new place."""
    with sqlite3.connect(src) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    shutil.copyfile(src, dst)
    for suffix in ("-wal", "-shm"):
        extra = src.with_name(src.name + suffix)
        if extra.exists():
            shutil.copyfile(extra, dst.with_name(dst.name + suffix))


def _without_statistics(path: Path) -> None:
    """As a register that never ran ANALYZE (the application never does): the planner
    without sqlite_stat1."""
    db = sqlite3.connect(path)
    with db:
        db.execute("DELETE FROM sqlite_stat1")
    db.close()


def _without_provisional_dates(path: Path) -> None:
    """The baseline register: the same rows, nothing counted provisionally."""
    db = sqlite3.connect(path)
    with db:
        db.execute('UPDATE "case" SET due_provisional = 0 WHERE due_provisional')
        db.execute(
            "UPDATE rating SET followup_state = 'contacted'"
            " WHERE followup_state = 'open' AND followup_due >= '2027-01-01'"
        )
    db.close()


def _open(url: str):
    from store.auth import login
    from store.clock import FixedClock
    from store.session import Register

    register = Register.open(url, clock=FixedClock(_now()))
    return register, login(register, SUPERVISOR, SUPERVISOR_PASSWORD)


def describe(url: str) -> dict[str, int]:
    """What the register holds that the import and the queue care about."""
    db = sqlite3.connect(_sqlite_file(url))
    open_states = "('accepted', 'in_progress', 'awaiting_supplement', 'forwarded')"
    provisional = "due_provisional AND due_date >= '2027-01-01'"
    figures = {
        "cases": 'SELECT count(*) FROM "case"',
        "persons": "SELECT count(*) FROM person",
        "notices": "SELECT count(*) FROM notice",
        "ratings": "SELECT count(*) FROM rating",
        "inquiries": "SELECT count(*) FROM inquiry",
        "open": f'SELECT count(*) FROM "case" WHERE state IN {open_states}',
        "provisional": f'SELECT count(*) FROM "case" WHERE {provisional}',
        "open_provisional": (
            f'SELECT count(*) FROM "case" WHERE {provisional} AND state IN {open_states}'
        ),
        "extended": (
            f'SELECT count(*) FROM "case" WHERE {provisional} AND state IN {open_states}'
            " AND extension_state = 'approved'"
        ),
        "tolerance": (
            f'SELECT count(*) FROM "case" WHERE {provisional} AND state IN {open_states}'
            " AND tolerance_due >= '2027-01-01'"
        ),
        "forward": (
            f'SELECT count(*) FROM "case" WHERE {provisional} AND state IN {open_states}'
            " AND forward_by >= '2027-01-01'"
        ),
        "noticed": (
            f'SELECT count(DISTINCT case_id) FROM notice JOIN "case" ON "case".id = case_id'
            f" WHERE {provisional} AND state IN {open_states}"
        ),
        "bad_open": (
            "SELECT count(*) FROM rating WHERE followup_state = 'open'"
            " AND followup_due >= '2027-01-01'"
        ),
        "bytes": "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size",
    }
    found = {k: db.execute(sql).fetchone()[0] for k, sql in figures.items()}
    db.close()
    return found


def plans(url: str) -> list[str]:
    """SQLite's plans for the recount's batch reads and the queue's 需重新告知 read."""
    from store.models import Case, Rating, Window
    from store.queue import OPEN_STATES

    register, _ = _open(url)
    first = dt.date(2027, 1, 1)
    window = Window.get(Window.code == WINDOW).id
    queries = {
        "recount 办件": Case.select()
        .where(Case.due_provisional & (Case.due_date >= first) & (Case.id > 0))
        .order_by(Case.id)
        .limit(1000),
        "recount 差评": Rating.select()
        .where((Rating.followup_state == "open") & (Rating.followup_due >= first) & (Rating.id > 0))
        .order_by(Rating.id)
        .limit(1000),
        "queue 需重新告知": Case.select(Case.number)
        .where(
            (Case.window == window)
            & Case.state.in_(OPEN_STATES)
            & Case.renotify
            & Case.due_date.is_null(False)
        )
        .order_by(Case.due_date, Case.id)
        .limit(200),
    }
    out = []
    for name, query in queries.items():
        sql, params = query.sql()
        steps = register.db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        out.append(f"{name}: " + " / ".join(str(step[-1]) for step in steps))
    register.close()
    return out


def queue_median(session, window: str | None) -> float:
    from store.queue import counter_queue

    times = []
    for _ in range(QUEUE_RUNS):
        t0 = time.perf_counter()
        counter_queue(session, window_code=window)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_import(url: str, *, show: bool):
    """(seconds, Recount, queue medians before, queue medians after) on one register."""
    from store.calendar_years import import_year

    text = YEAR_FILE.read_text(encoding="utf-8")
    register, session = _open(url)
    before = {w: queue_median(session, w) for w in (WINDOW, None)}
    marks = iter(range(10, 101, 10))
    mark = [next(marks)]
    t0 = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if not show or not total:
            return
        if mark[0] is None or done * 100 < mark[0] * total:
            return
        print(
            f"    进度 {done * 100 // total:3d}%  {done:>9,} / {total:,}"
            f"  {time.perf_counter() - t0:6.2f} s",
            flush=True,
        )
        while mark[0] is not None and done * 100 >= mark[0] * total:
            mark[0] = next(marks, None)

    t0 = time.perf_counter()
    done = import_year(session, text, progress=progress)
    seconds = time.perf_counter() - t0
    after = {w: queue_median(session, w) for w in (WINDOW, None)}
    from store.queue import counter_queue

    listed = sum(r.section == "renotify" for r in counter_queue(session, window_code=WINDOW).rows)
    register.close()
    return seconds, done, before, after, listed


def cut_to_version_2(url: str) -> None:
    """The register as version 2 left it (tests/store/test_migrations.py _as_before_issue_10)."""
    from store import migrations
    from store.database import close_database, open_database
    from store.models import RegisterMeta

    db = open_database(url)
    db.execute_sql('DROP INDEX IF EXISTS "case_renotify"')
    db.execute_sql('DROP INDEX IF EXISTS "rating_followup_state_followup_due"')
    for table, column, _field in migrations._V3_COLUMNS:
        db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    # Version 2 closed a referral once it became a case (migration 3 opens them again).
    db.execute_sql(
        "UPDATE inquiry SET state = 'closed', closed_at = at"
        " WHERE disposition = 'referred' AND state = 'open' AND case_id IS NOT NULL"
    )
    RegisterMeta.update(value="2").where(RegisterMeta.key == "schema_version").execute()
    close_database()


def _reset_peak() -> None:
    """Linux: start the process's peak resident size (VmHWM) again from now."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak() -> float:
    """The process's peak resident size in bytes (0 where /proc is not there)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_migration(url: str) -> dict[str, float]:
    """Migration 3 and its baseline, each in a transaction rolled back; then Register.open
    migrating for real (its automatic backup timed apart)."""
    import store.backup
    from store import migrations
    from store.database import SQLITE_PRAGMAS, close_database, open_database

    assert SQLITE_PRAGMAS["synchronous"] == 2
    figures: dict[str, float] = {}
    db = open_database(url)
    db.execute_sql('SELECT count(*) FROM "case"')  # the same warm start for both
    for name, work in (
        ("baseline", lambda: db.execute_sql('UPDATE "case" SET trips = trips')),
        ("m0003", lambda: migrations._m0003_lifecycle(db)),
    ):
        with db.atomic() as tx:
            t0 = time.perf_counter()
            work()
            figures[name] = time.perf_counter() - t0
            tx.rollback()
    close_database()

    original = store.backup.automatic_backup

    def timed_backup(register, label):
        t0 = time.perf_counter()
        path = original(register, label)
        figures["backup"] = time.perf_counter() - t0
        figures["backup_bytes"] = path.stat().st_size if path else 0
        return path

    store.backup.automatic_backup = timed_backup
    try:
        _reset_peak()
        t0 = time.perf_counter()
        register, _ = _open(url)
        figures["open"] = time.perf_counter() - t0
        figures["peak"] = _peak()
    finally:
        store.backup.automatic_backup = original
    figures["limits"] = register.db.execute_sql(
        'SELECT count(*) FROM "case" WHERE limit_days IS NOT NULL'
    ).fetchone()[0]
    assert register.meta("schema_version") == str(migrations.latest_version())
    register.close()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, help="people in the register (default: --cases)")
    parser.add_argument(
        "--keep",
        type=Path,
        help="a register file built here once and reused on later runs (never changed)",
    )
    parser.add_argument("--dir", help="where the working copies go (default: the temp dir)")
    parser.add_argument("--plans", action="store_true", help="print SQLite's query plans")
    parser.add_argument(
        "--no-stats",
        action="store_true",
        help="measure without the planner statistics of the build's ANALYZE (as a register"
        " that never ran it)",
    )
    args = parser.parse_args(argv)
    persons = args.persons or args.cases

    with tempfile.TemporaryDirectory(prefix="chuangkou-calendar-", dir=args.dir) as tmp:
        work = Path(tmp)
        subject, baseline = work / "import" / "register.db", work / "baseline" / "register.db"
        subject.parent.mkdir()
        baseline.parent.mkdir()
        started = time.perf_counter()
        if args.keep is not None and args.keep.exists():
            built = f"复用 {args.keep}"
            _copy(args.keep, subject)
        else:
            target = args.keep or subject
            target.parent.mkdir(parents=True, exist_ok=True)
            build(f"sqlite:///{target}", args.cases, persons)
            built = f"建立用时 {time.perf_counter() - started:.0f} 秒"
            if args.keep is not None:
                _copy(args.keep, subject)
        _copy(subject, baseline)
        prepared = time.perf_counter() - started
        if args.no_stats:
            _without_statistics(subject)
            _without_statistics(baseline)
        _without_provisional_dates(baseline)
        url, base_url = f"sqlite:///{subject}", f"sqlite:///{baseline}"
        r = describe(url)

        print(
            f"\n登记本：{r['cases']:,} 件办件、{r['persons']:,} 位来访人、{r['notices']:,} 份告知书、"
            f"{r['ratings']:,} 条评价、{r['inquiries']:,} 条首问登记；"
            f"{r['bytes'] / 2**20:,.0f} MB（{built}，连同复制共 {prepared:.0f} 秒）"
            f"{'；无 ANALYZE 统计' if args.no_stats else '；ANALYZE 统计在'}"
        )
        print(
            f"  2027 年暂定日期：{r['provisional']:,} 件（在办 {r['open_provisional']:,} 件 = "
            f"{r['open_provisional'] / r['cases']:.1%}；其中延期 {r['extended']:,}、"
            f"容缺 {r['tolerance']:,}、上报 {r['forward']:,}、已出告知书 {r['noticed']:,}）；"
            f"待回访差评 {r['bad_open']:,} 条"
        )
        if args.plans:
            for line in plans(url):
                print(f"  查询计划 {line}")

        base_s, base_done, _, _, _ = run_import(base_url, show=False)
        print("\n年历导入 import_year(2027)：")
        s, done, before, after, listed = run_import(url, show=True)
        rows = done.cases + done.ratings
        print(f"  {_pad('', 44)} {_pad('', 7)}用时 {_pad('', 5)}行/秒 {_pad('', 3)}倍数")
        _row(f"基线：无暂定日期（重算 {base_done.cases + base_done.ratings} 行）", base_s, 0, 1.0)
        _row(f"导入：重算 {rows:,} 行", s, rows, s / base_s)
        print(
            f"  办件重算 {done.cases:,}、日期变动 {len(done.changed):,}、需重新告知 "
            f"{len(done.renotify):,}；差评回访 {done.ratings:,}（变动 {done.ratings_changed:,}）"
        )

        t0 = time.perf_counter()
        cut_to_version_2(base_url)
        cut = time.perf_counter() - t0
        m = run_migration(base_url)
        n = r["cases"]
        print("\n结构迁移 3（_m0003_lifecycle；登记本先截回版本 2；行/秒按办件数）：")
        _row('基线：UPDATE "case" SET trips = trips（回滚）', m["baseline"], n, 1.0)
        _row("迁移 3 本身（事务内，回滚）", m["m0003"], n, m["m0003"] / m["baseline"])
        _row("Register.open：自动备份 + 迁移（提交）", m["open"], n, m["open"] / m["baseline"])
        _row(f"  其中自动备份（{m['backup_bytes'] / 2**20:,.0f} MB）", m["backup"], 0, None)
        print(
            f"  Register.open 峰值内存 {m['peak'] / 2**20:,.0f} MB；迁移后有办件时限的办件 "
            f"{m['limits']:,} 件；截回版本 2 的准备（DROP COLUMN ×4）{cut:.1f} s"
        )

        print(
            f"\n待办列表 counter_queue（{QUEUE_RUNS} 次中位数；主任会话；倍数：导入后 / 导入前）："
        )
        for window, label in ((WINDOW, f"窗口 {WINDOW}"), (None, "全大厅")):
            _row(f"{label} 导入前", before[window], 0, None)
            _row(f"{label} 导入后", after[window], 0, after[window] / before[window])
        print(f"  导入后窗口 {WINDOW} 的待办列表最前面是需重新告知：{listed} 件")


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a CJK character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def _row(label: str, seconds: float, rows: int, ratio: float | None) -> None:
    rate = f"{rows / seconds:10,.0f}" if rows else f"{'':10}"
    times = "" if ratio is None else f"{ratio:6.2f}×" if ratio < 10 else f"{ratio:6.1f}×"
    print(f"  {_pad(label, 44)} {seconds * 1000:8,.1f} ms {rate} {times}".rstrip())


if __name__ == "__main__":
    main()
