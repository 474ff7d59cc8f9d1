"""A hall of counters on one PostgreSQL register: throughput and the time of each store call
with 1, 5 and 20 station processes working at once (tests/hall/stations.py, the load
test's harness), and the ratio of each throughput to the 1-station one of the same run.

    .venv/bin/python bench/hall.py                       # CHUANGKOU_TEST_PG_URL, 1/5/20 stations
    .venv/bin/python bench/hall.py --stations 1,10,20 --ops 200
    .venv/bin/python bench/hall.py --pace-ms 500         # each station: a call per 0.5 s
    .venv/bin/python bench/hall.py --pace-ms 500 --lockstep   # … all stations at once

Every station is a process with its own connection and clerk, logged in and warmed up
before the clock starts (one cycle of the four calls, not counted: the first call of a
process costs several times the next — at 20 stations all at once it was the p99); then
all start together and each makes ``--ops`` calls in the load test's cycle — 首问登记 of a
visitor read from an ID card (本窗口受理), the case accepted from it, that case closed
(办结), and a phone caller (name and phone only) 转办 to the next window — each call
waiting for the one before (``--pace-ms`` 0), or started on a clerk's pace: at random, one
call per pace on average (a Poisson stream per station; with ``--lockstep`` every
station's n-th call at n paces from the common start, all at once — no hall works so, but
it is the worst burst). Throughput: calls / seconds from the start to the last station's
end; a call's time: from the call to its COMMIT returned. Each count of stations starts
from an empty register (the schema of the database is dropped: it must be a test
database), and afterwards the load test's checks run on it (every call's record there, no
number given twice, the audit chain verifies, every referral on its window's queue).

Prints figures; it never passes or fails on a wall clock (the targets of issue 15 are
printed beside the figures: at 20 stations p50 ≤ 100 ms and p99 ≤ 300 ms a call, and a
throughput that does not fall as stations are added). With each run: the CPU time of a
station's own process per call (not the server's), the machine's CPU time per call (all
of it: stations, server, anything else), and how busy the machine's CPUs were (/proc/stat).
With calls back to back, a station's call waits for the others' CPU: once the CPUs are
busy, a call's time is about stations ÷ throughput, whatever the locks (Little's law), and
here the stations share the server's CPUs — in a hall each runs on its own terminal, and
20 processes on a few CPUs cost each call more CPU than 5 do. ``--pace-ms`` measures a
hall at a pace.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/hall.py` would put bench/ first on sys.path, where bench/store.py shadows
# the `store` package: put the repository root there instead.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

import argparse  # noqa: E402
import itertools  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
from collections import defaultdict  # noqa: E402
from urllib.parse import urlparse  # noqa: E402

from store.database import close_database, make_database  # noqa: E402
from tests.hall.stations import (  # noqa: E402
    check_hall,
    percentile,
    prepare_hall,
    run_hall,
)

OP_LABELS = {"inquiry": "首问登记", "case": "受理", "close": "办结", "referral": "转办来电"}
TARGET_P50_MS, TARGET_P99_MS = 100, 300


def _empty(url: str) -> None:
    """Drop and recreate the schema `public` (refused unless the database is a test's)."""
    name = urlparse(url).path.lstrip("/")
    if not any(word in name for word in ("test", "bench")):
        raise SystemExit(f"{name!r} 不是测试或基准数据库（名称须含 test 或 bench）：不会清空它")
    db = make_database(url)
    db.connect()
    try:
        db.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
        db.execute_sql("CREATE SCHEMA public")
    finally:
        db.close()


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) CPU ticks of the machine since boot, or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
    except OSError:
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _waiting_events(url: str) -> int:
    """Audit events not linked into the chain yet (store.audit.link_waiting)."""
    db = make_database(url)
    db.connect()
    try:
        return db.execute_sql("SELECT count(*) FROM audit_pending").fetchone()[0]
    finally:
        db.close()


def measure(
    url: str, stations: int, ops: int, pace_ms: float, work: Path, lockstep: bool = False
) -> dict:
    close_database()
    _empty(url)
    plan = prepare_hall(url, stations)
    load = os.getloadavg()[0]
    ticks_before = _cpu_ticks()
    hall, seconds = run_hall(
        plan,
        ops=ops,
        out_dir=work / f"s{stations}",
        pace_ms=pace_ms,
        lockstep=lockstep,
        warm_up=True,
        timeout=3600,
    )
    waiting = _waiting_events(url)
    ticks_after = _cpu_ticks()
    busy = (
        (ticks_after[0] - ticks_before[0]) / max(1, ticks_after[1] - ticks_before[1])
        if ticks_before and ticks_after
        else float("nan")
    )
    cpus = os.cpu_count() or 1
    calls = [r for s in hall for r in s.results()]
    ms = [r["ms"] for r in calls]
    by_op: dict[str, list[float]] = defaultdict(list)
    for r in calls:
        by_op[r["op"]].append(r["ms"])
    return {
        "stations": stations,
        "calls": len(calls),
        "seconds": seconds,
        "throughput": len(calls) / seconds,
        "p50": percentile(ms, 50),
        "p99": percentile(ms, 99),
        "max": max(ms),
        "by_op": {op: (percentile(v, 50), percentile(v, 99)) for op, v in by_op.items()},
        "waiting": waiting,
        "problems": check_hall(plan, hall),
        "load": load,
        "cpu_ms": sum(r["cpu_ms"] for r in calls) / max(1, len(calls)),
        "busy": busy,
        # The machine's CPU time per call: the stations', the server's, and anything else.
        "machine_cpu_ms": busy * cpus * seconds * 1000 / max(1, len(calls)),
        "cpus": cpus,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("CHUANGKOU_BENCH_PG_URL") or os.environ.get("CHUANGKOU_TEST_PG_URL"),
        help="a PostgreSQL test database (emptied!); default $CHUANGKOU_BENCH_PG_URL, "
        "else $CHUANGKOU_TEST_PG_URL",
    )
    parser.add_argument("--stations", default="1,5,20", help="counts of stations, in order")
    parser.add_argument("--ops", type=int, default=100, help="calls per station")
    parser.add_argument(
        "--pace-ms", type=float, default=0, help="a station's call every this many ms (0: at once)"
    )
    parser.add_argument(
        "--lockstep", action="store_true", help="with --pace-ms: every station's calls at once"
    )
    args = parser.parse_args(argv)
    if not args.url:
        raise SystemExit("需要 PostgreSQL：--url 或 CHUANGKOU_TEST_PG_URL（见 .ci/postgres.sh）")
    counts = [int(n) for n in args.stations.split(",")]
    pace = (
        f"每站每 {args.pace_ms:.0f} ms 一次调用"
        + ("，各站同时" if args.lockstep else "（随机到达，平均间隔）")
        if args.pace_ms
        else "每站连续调用（上一次返回即下一次）"
    )
    print(f"\n大厅负载：每站 {args.ops} 次调用，{pace}；PostgreSQL {urlparse(args.url).hostname}")

    results = []
    with tempfile.TemporaryDirectory(prefix="chuangkou-hall-") as tmp:
        for n in counts:
            r = measure(args.url, n, args.ops, args.pace_ms, Path(tmp), args.lockstep)
            results.append(r)
            base = results[0]["throughput"]
            print(
                f"\n{n:>3} 站：{r['calls']} 次调用 {r['seconds']:.1f} 秒，"
                f"吞吐 {r['throughput']:.1f} 次/秒（{r['throughput'] / base:.2f} × {counts[0]} 站），"
                f"p50 {r['p50']:.0f} ms，p99 {r['p99']:.0f} ms，最长 {r['max']:.0f} ms"
            )
            print(
                f"      站进程自身 CPU 每次调用 {r['cpu_ms']:.1f} ms（不含服务器），"
                f"本机 {r['cpus']} 个 CPU 合计每次调用 {r['machine_cpu_ms']:.1f} ms；"
                f"运行期间本机 CPU 忙 {r['busy']:.0%}（含其他工作；开始时负载均值 {r['load']:.1f}）"
            )
            print(
                "      "
                + "；".join(
                    f"{OP_LABELS.get(op, op)} p50 {p50:.0f} / p99 {p99:.0f} ms"
                    for op, (p50, p99) in r["by_op"].items()
                )
            )
            print(
                f"      最后一站结束时待链入审计链的事件 {r['waiting']} 条；检查："
                + ("通过" if not r["problems"] else "；".join(r["problems"]))
            )

    last = results[-1]
    falls = [
        f"{r['stations']} 站 {r['throughput']:.1f}"
        for before, r in itertools.pairwise(results)
        if r["throughput"] < 0.9 * before["throughput"]
    ]
    ok = last["p50"] <= TARGET_P50_MS and last["p99"] <= TARGET_P99_MS
    print(
        f"\n目标 {last['stations']} 站 p50 ≤ {TARGET_P50_MS} ms、p99 ≤ {TARGET_P99_MS} ms — "
        f"p50 {last['p50']:.0f} ms、p99 {last['p99']:.0f} ms — {'达到' if ok else '未达到'}"
    )
    print(
        "目标 吞吐不随站数增加而下降（比上一档低 10% 以上即算下降）— "
        + ("达到" if not falls else f"未达到（{'、'.join(falls)} 次/秒）")
    )


if __name__ == "__main__":
    main()
