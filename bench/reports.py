"""Reports (store.reports) on a register of 1,000,000 cases over five years: the quarterly
report of the whole hall (target ≤ 2 s) and a clerk's monthly report (target ≤ 0.5 s),
each against a baseline measured in the same run — a bare ``COUNT(*)`` of the cases
received in the same range (the least any report of that range must read).

    .venv/bin/python bench/reports.py                            # 1,000,000 cases
    .venv/bin/python bench/reports.py --cases 20000              # a quick run
    .venv/bin/python bench/reports.py --keep /var/tmp/reports.db # build once, then reuse

Prints figures; it never passes or fails on a wall clock (the targets are noted beside).
Each report is measured on the register as built (after ANALYZE, as the other benches)
and on a copy without the planner's statistics (the application never runs ANALYZE).

The register: the hall on Monday 2026-11-23 at 09:10, the catalog's windows, two clerks
on each, cases received on every day of the last five years (ids in time order): done
mostly (closed 0–12 days later, due 10 days after receipt, so some are late; 1–3 trips),
some returned or withdrawn, the last 40 days' half still open; a quarter as many 首问登记
(three channels, four dispositions), a rating for three in five cases done (one in ten of
them 未评价, 差评 with follow-up states), a complaint per 2,000 cases and a petition per
5,000. Rows carry filler where a sealed field is required: reports open none. Built with
insert_rows (bench/calendar_import.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/reports.py` would put bench/ first on sys.path, where bench/store.py
# shadows the `store` package: put the repository root there instead.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402

from bench.calendar_import import (  # noqa: E402
    _copy,
    _pad,
    _sqlite_file,
    _without_statistics,
    insert_rows,
)

NOW = dt.datetime(2026, 11, 23, 9, 10)  # hall time, a Monday
SUPERVISOR, SUPERVISOR_PASSWORD = "0001", "zhuren-mima-2026"
CLERK_PASSWORD = "chuangkou-mima-1"
DAYS = 5 * 365
RECENT_DAYS = 40
TX = 50_000
RUNS = 5
QUARTER = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))  # the last whole quarter
MONTH = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))  # the last whole month


def _now() -> dt.datetime:
    from store.clock import HALL_TZ

    return NOW.replace(tzinfo=HALL_TZ)


def build(url: str, cases: int) -> None:
    from importlib import resources

    from store.catalog import import_catalog
    from store.clock import FixedClock
    from store.database import close_database, database
    from store.keyslots import OWASP_MINIMUM_KDF
    from store.models import Case, Complaint, Inquiry, Petition, Rating, ServiceItem, Staff, Window
    from store.setup import create_register
    from store.staff import add_staff, assign_post

    now = _now()
    today = now.date()
    rng = random.Random(12)
    _register, sup, _ = create_register(
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
    windows = list(Window.select().order_by(Window.id))
    clerks: dict[int, list[int]] = {}
    n = 0
    for w in windows:
        for post in ("A", "B"):
            n += 1
            number = f"1{n:03d}"
            add_staff(
                sup, number=number, name=f"职员{n:02d}号", role="clerk",
                password=CLERK_PASSWORD, window=w.code,
            )  # fmt: skip
            assign_post(sup, w.code, post, number)
            clerks.setdefault(w.id, []).append(Staff.get(Staff.number == number).id)
    database.execute_sql("PRAGMA synchronous=OFF")
    database.execute_sql("PRAGMA cache_size=-262144")
    filler = b"\x01\x00\x01" + os.urandom(52)
    items = list(ServiceItem.select())
    span = dt.timedelta(days=DAYS)
    per_day: dict[dt.date, int] = {}
    open_states = ("accepted", "in_progress", "forwarded", "awaiting_supplement")
    case_fields = [
        Case._meta.fields[f]
        for f in (
            *("uuid", "key_id", "number", "item", "window", "kind", "state", "received_at"),
            *("due_date", "accepted_by", "closed_at", "trips", "updated_at"),
        )
    ]
    rating_fields = [
        Rating._meta.fields[f]
        for f in (
            *("uuid", "key_id", "case", "staff", "window", "channel", "level", "at", "rated"),
            "followup_state",
        )
    ]
    rows, ratings = [], []
    for i in range(cases):
        received = now - span * ((cases - i) / cases)
        day = received.date()
        per_day[day] = per_day.get(day, 0) + 1
        item = items[rng.randrange(len(items))]
        window = windows[rng.randrange(len(windows))]
        clerk = rng.choice(clerks[window.id])
        due = day + dt.timedelta(days=10)
        closed = None
        if day > today - dt.timedelta(days=RECENT_DAYS) and rng.random() < 0.5:
            state = rng.choice(open_states)
        else:
            state = rng.choices(["done", "returned", "withdrawn"], [92, 5, 3])[0]
            closed = received + dt.timedelta(days=rng.randint(0, 12), hours=rng.randint(0, 6))
        trips = rng.choices([1, 2, 3], [80, 15, 5])[0]
        at = received.astimezone(dt.UTC)
        rows.append(
            (
                uuid.uuid4().hex, 1, f"BJ{day:%Y%m%d}-{per_day[day]:04d}", item.id, window.id,
                item.default_kind, state, at, due, clerk,
                closed.astimezone(dt.UTC) if closed else None, trips, at,
            )
        )  # fmt: skip
        if state == "done" and rng.random() < 0.6:
            rated = rng.random() >= 0.1
            level = rng.choices([1, 2, 3, 4, 5], [60, 25, 10, 3, 2])[0] if rated else 0
            followup = rng.choice(["open", "verified", "rectified", "closed"]) if level >= 4 else ""
            ratings.append(
                (
                    uuid.uuid4().hex, 1, i + 1, clerk, window.id, "device", level,
                    closed.astimezone(dt.UTC), rated, followup,
                )
            )  # fmt: skip
        if len(rows) == TX:
            insert_rows(Case, rows, case_fields, keys=sup.keys)
            insert_rows(Rating, ratings, rating_fields, keys=sup.keys)
            rows, ratings = [], []
    insert_rows(Case, rows, case_fields, keys=sup.keys)
    insert_rows(Rating, ratings, rating_fields, keys=sup.keys)

    staff_ids = [s for pair in clerks.values() for s in pair]
    inquiries = []
    count = cases // 4
    channels, dispositions = ("visit", "phone", "online"), ("answered", "accepted", "referred")
    for j in range(count):
        at = (now - span * ((count - j) / count)).astimezone(dt.UTC)
        inquiries.append(
            dict(
                uuid=uuid.uuid4().hex, key_id=1, number=f"SW{j:012d}", at=at,
                channel=rng.choice(channels), first_asker=rng.choice(staff_ids),
                window=windows[rng.randrange(len(windows))].id,
                disposition=rng.choice(dispositions), state="closed",
            )
        )  # fmt: skip
        if len(inquiries) == TX:
            insert_rows(Inquiry, inquiries, keys=sup.keys)
            inquiries = []
    insert_rows(Inquiry, inquiries, keys=sup.keys)

    grounds = ("attitude", "overdue", "not_once", "handling", "other")
    complaint_fields = set(Complaint._meta.fields)
    complaints = []
    for j in range(cases // 2000):
        at = (now - span * rng.random()).astimezone(dt.UTC)
        closed = at + dt.timedelta(days=rng.randint(1, 15)) if rng.random() < 0.9 else None
        w = windows[rng.randrange(len(windows))]
        row = dict(
            uuid=uuid.uuid4().hex, key_id=1, number=f"TS{j:08d}", received_at=at,
            channel="oral", ground=rng.choice(grounds),
            grounds=json.dumps(rng.sample(grounds, rng.randint(1, 2))),
            against_window=w.id, against_staff=rng.choice(clerks[w.id]),
            description_enc=filler, state="closed" if closed else "received",
            received_by=staff_ids[0], confirmed=rng.random() < 0.4,
            substantiated=rng.random() < 0.4, closed_at=closed, replied_at=closed,
        )  # fmt: skip
        complaints.append({k: v for k, v in row.items() if k in complaint_fields})
    insert_rows(Complaint, complaints, keys=sup.keys)
    petitions = []
    for j in range(cases // 5000):
        at = (now - span * rng.random()).astimezone(dt.UTC)
        closed = at + dt.timedelta(days=rng.randint(0, 6))
        petitions.append(
            dict(
                uuid=uuid.uuid4().hex, key_id=1, number=f"XF{j:08d}", received_at=at,
                name_enc=filler, issue_enc=filler, serious=rng.random() < 0.1,
                collective=rng.random() < 0.1, state="closed",
                due_date=(at + dt.timedelta(days=3)).date(), received_by=staff_ids[0],
                closed_at=closed,
            )
        )  # fmt: skip
    insert_rows(Petition, petitions, keys=sup.keys)
    database.execute_sql("ANALYZE")
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    close_database()


def _open(url: str):
    from store.auth import login
    from store.clock import FixedClock
    from store.session import Register

    register = Register.open(url, clock=FixedClock(_now()))
    return register, login(register, SUPERVISOR, SUPERVISOR_PASSWORD)


def _median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times)


def _bounds(first: dt.date, last: dt.date):
    from store.clock import HALL_TZ

    start = dt.datetime.combine(first, dt.time(0), HALL_TZ).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), HALL_TZ)
    return start, end.astimezone(dt.UTC)


def measure(url: str, runs: int, label: str) -> list[str]:
    from store.database import close_database
    from store.models import Case
    from store.reports import report

    register, session = _open(url)
    q_start, q_end = _bounds(*QUARTER)
    m_start, m_end = _bounds(*MONTH)
    clerk = "1001"
    from store.models import Staff

    clerk_id = Staff.get(Staff.number == clerk).id

    def count_quarter():
        return (
            Case.select().where((Case.received_at >= q_start) & (Case.received_at < q_end)).count()
        )

    def count_month():
        return (
            Case.select()
            .where(
                (Case.accepted_by == clerk_id)
                & (Case.received_at >= m_start)
                & (Case.received_at < m_end)
            )
            .count()
        )

    def hall_quarter():
        return report(session, start=QUARTER[0], end=QUARTER[1], scope="hall")

    def clerk_month():
        return report(session, start=MONTH[0], end=MONTH[1], scope="clerk", key=clerk)

    base_q, _ = _median_ms(count_quarter, runs)
    hall, hall_max = _median_ms(hall_quarter, runs)
    base_m, _ = _median_ms(count_month, runs)
    mine, mine_max = _median_ms(clerk_month, runs)
    r = hall_quarter()
    m = clerk_month()
    lines = [
        f"{label}（{runs} 次中位数 / 最大）：",
        f"  {_pad('基线：季度受理 COUNT(*)', 44)}{base_q:8.1f} ms（{count_quarter():,} 件）",
        f"  {_pad('全大厅季度报表 report(hall)', 44)}{hall:8.1f} / {hall_max:8.1f} ms"
        f"  倍数 {hall / base_q:5.1f}  目标 ≤ 2000 ms",
        f"  {_pad('基线：本人当月受理 COUNT(*)', 44)}{base_m:8.1f} ms（{count_month():,} 件）",
        f"  {_pad('工作人员月报 report(clerk)', 44)}{mine:8.1f} / {mine_max:8.1f} ms"
        f"  倍数 {mine / base_m:5.1f}  目标 ≤ 500 ms",
        f"  季度：受理 {r.totals.received:,}、办结 {r.totals.done:,}、评价 {r.totals.rated:,}、"
        f"首问 {r.totals.inquiries:,}、投诉 {r.totals.complaints}、信访 {r.totals.petitions}；"
        f"月报：受理 {m.totals.received:,}、办结 {m.totals.done:,}",
    ]
    register.close()
    close_database()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--keep", metavar="FILE", help="build here once, then reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "reports.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            t0 = time.perf_counter()
            build(url, args.cases)
            print(f"登记本：{args.cases:,} 件，五年；构建 {time.perf_counter() - t0:.0f} 秒")
        size = path.stat().st_size
        print(f"文件 {_sqlite_file(url)}（{size / 1e6:,.0f} MB）")
        work = Path(tmp) / "work.db"
        _copy(path, work)
        for line in measure(f"sqlite:///{work}", args.runs, "有统计信息（ANALYZE 之后）"):
            print(line)
        bare = Path(tmp) / "bare.db"
        _copy(path, bare)
        _without_statistics(bare)
        for line in measure(f"sqlite:///{bare}", args.runs, "无统计信息（应用从不 ANALYZE）"):
            print(line)


if __name__ == "__main__":
    main()
