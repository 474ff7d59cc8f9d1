"""What the row MACs (store.row_macs) cost: a counter's writes and reads, timed through the
store's public operations on a small register, and the daily job's backfill rate.

    .venv/bin/python -m bench.row_macs                 # writes and reads, 300 of each
    .venv/bin/python -m bench.row_macs --backfill 100000

Writes: a person registered (upsert_person), an inquiry of a phone caller
(register_inquiry), a case accepted (accept_case). Reads: a person found by ID number, a
search by the caller's phone, a case opened (case_detail), the counter's queue. Each is the
median of its runs: wall time and this process's CPU time (ms). ``--backfill N``: N cases
without a MAC (as in a register upgraded from before version 9) given theirs by
row_macs.backfill; rows per second. Prints figures only; never fails on a wall clock.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from stdnum.cn import ric  # noqa: E402

CATALOG = """
version = 1

[[windows]]
code = "minzheng"
name = "民政窗口"

[[items]]
code = "P001"
name = "临时救助申请"
window = "minzheng"
basis = ["《社会救助暂行办法》"]
procedure = ["申请", "审核", "审批"]
legal_limit_days = 10
promised_limit_days = 5
fee = "不收费"
default_kind = "promised"
authority = "township"

[[items.materials]]
name = "居民身份证"
main = true
"""


def _id_number(i: int) -> str:
    birth = dt.date(1980, 1, 1) + dt.timedelta(days=i % 9000)
    first17 = f"410302{birth:%Y%m%d}{i // 9000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def _median_ms(fn: Callable[[int], object], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time of this process (ms): on a shared machine the
    wall time is mostly the fsync and the other processes; the CPU time is what the
    operation itself costs, MACs included."""
    wall, cpu = [], []
    for i in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn(i)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def _register(work: Path):
    from store.catalog import import_catalog
    from store.clock import HALL_TZ, FixedClock
    from store.keyslots import OWASP_MINIMUM_KDF
    from store.setup import create_register
    from store.staff import add_staff

    clock = FixedClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=HALL_TZ))
    register, sup, _ = create_register(
        f"sqlite:///{work / 'register.db'}",
        hall_name="基准测试镇便民服务中心",
        hall_code="BM",
        supervisor_number="0001",
        supervisor_name="林主任",
        password="zhuren-mima-2026",
        clock=clock,
        kdf=OWASP_MINIMUM_KDF,
    )
    import_catalog(sup, CATALOG)
    add_staff(sup, number="1001", name="王小英", role="clerk", password="chuangkou-mima-1")
    from store.staff import assign_post

    assign_post(sup, "minzheng", "A", "1001")
    from store.auth import login

    return register, login(register, "1001", "chuangkou-mima-1")


def operations(runs: int) -> None:
    from store.cases import accept_case, case_detail
    from store.inquiries import register_inquiry
    from store.lookup import search
    from store.persons import find_by_id_number, upsert_person
    from store.queue import counter_queue

    with tempfile.TemporaryDirectory() as tmp:
        register, clerk = _register(Path(tmp))
        people: list[str] = []
        cases: list[str] = []

        def person(i: int) -> None:
            view = upsert_person(
                clerk, name=f"测试{i:05d}", id_number=_id_number(i), phone=f"139{i:08d}"
            )
            people.append(view.uuid)

        def inquiry(i: int) -> None:
            register_inquiry(
                clerk,
                channel="phone",
                caller_name=f"来电{i:05d}",
                caller_phone=f"137{i:08d}",
                topic="问临时救助",
                disposition="answered",
            )

        def case(i: int) -> None:
            done = accept_case(
                clerk,
                item_code="P001",
                person_uuid=people[i],
                materials={"居民身份证": "present"},
                kind="promised",
            )
            cases.append(done.number)

        figures = {
            "写：登记来访人": _median_ms(person, runs),
            "写：首问登记（来电人）": _median_ms(inquiry, runs),
            "写：受理办件": _median_ms(case, runs),
            "读：按证件号码查找来访人": _median_ms(
                lambda i: find_by_id_number(clerk, _id_number(i)), runs
            ),
            "读：按电话查找来电人": _median_ms(lambda i: search(clerk, f"137{i:08d}"), runs),
            "读：打开办件": _median_ms(lambda i: case_detail(clerk, cases[i]), runs),
            "读：窗口队列（首页）": _median_ms(
                lambda i: counter_queue(clerk, window_code="minzheng"), max(10, runs // 10)
            ),
        }
        register.close()
    width = max(len(k) for k in figures) + 2
    print(f"{'':<{width}}{'墙钟':>8}{'CPU':>10}")
    for name, (wall, cpu) in figures.items():
        print(f"{name:<{width}}{wall:8.2f}{cpu:10.2f} ms")


def backfill(n: int) -> None:
    from store import row_macs
    from store.database import database
    from store.models import Case

    with tempfile.TemporaryDirectory() as tmp:
        # As a register from before version 9: no table recorded complete at creation.
        row_macs.creation_events = lambda: []
        register, clerk = _register(Path(tmp))
        from store.cases import accept_case
        from store.persons import upsert_person

        applicant = upsert_person(clerk, name="测试", id_number=_id_number(1), phone="13900000001")
        accept_case(
            clerk,
            item_code="P001",
            person_uuid=applicant.uuid,
            materials={"居民身份证": "present"},
            kind="promised",
        )
        template = Case.get()
        columns = [c for c in Case._meta.sorted_field_names if c not in ("id", "uuid", "number")]
        names = ", ".join(f'"{Case._meta.fields[c].column_name}"' for c in columns)
        sql = (
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})"
            f' INSERT INTO "case" ("uuid", "number", {names}) SELECT'
            f" lower(hex(randomblob(16))), 'BJ' || i, {names}"
            f' FROM "case", n WHERE "case".id = {template.id}'
        )
        t0 = time.perf_counter()
        with database.atomic():
            database.execute_sql(sql)
            database.execute_sql('UPDATE "case" SET "row_mac" = NULL')
        print(f"造 {n:,} 条无行校验的办件：{time.perf_counter() - t0:.1f} s", file=sys.stderr)
        t0 = time.perf_counter()
        done = row_macs.backfill(clerk)
        took = time.perf_counter() - t0
        print(f"补写行校验：{done:,} 条，{took:.1f} s，{done / took:,.0f} 条/秒")
        register.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="行校验的开销：写、读与补写速度")
    parser.add_argument("--runs", type=int, default=300, help="每项操作的次数")
    parser.add_argument("--backfill", type=int, default=0, help="补写行校验的办件条数")
    args = parser.parse_args(argv)
    if args.backfill:
        backfill(args.backfill)
    else:
        operations(args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
