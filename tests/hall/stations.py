"""A hall of counter stations against one register: the harness of the load test
(tests/hall/test_load.py), of bench/hall.py, and of a test that restarts the server in the
middle of the load.

    plan = prepare_hall(url, stations=20)              # an empty PostgreSQL (or SQLite) register
    stations = start_stations(plan, ops=24, out_dir=tmp_path, retry_seconds=0)
    go(stations)                                       # all start together
    wait_all(stations, timeout=120)                    # raises if one failed or hung
    problems = check_hall(plan, stations)              # [] when all holds

Each station is a process (tests/hall/station_worker.py) with its own connection and clerk;
what it reports committed is in its result file (Station.results). ``go`` is separate from
``start_stations`` so a caller can do something at a known point (e.g. stop the server
once some calls have committed: `Station.results` can be read while they run).
"""

from __future__ import annotations

import json
import math
import os
import selectors
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SUPERVISOR, SUPERVISOR_PASSWORD = "0001", "zhuren-mima-2026"
CLERK_PASSWORD = "chuangkou-mima-1"
#: Two stations (A and B) per window, as a hall of ten counters.
WINDOWS = 10
MATERIALS = ("居民身份证", "申请表")


def catalog(windows: int = WINDOWS) -> str:
    """Windows w01… with one 承诺件 item each (two materials)."""
    parts = ["version = 1\n"]
    for w in range(1, windows + 1):
        parts.append(
            f'[[windows]]\ncode = "w{w:02d}"\nname = "负载窗口{w}"\nphone = "0000-10000{w:02d}"\n'
        )
    for w in range(1, windows + 1):
        parts.append(
            f'[[items]]\ncode = "FZ{w:03d}"\nname = "负载事项{w}"\nwindow = "w{w:02d}"\n'
            'basis = ["示例"]\nprocedure = ["申请", "审核"]\nlegal_limit_days = 20\n'
            'promised_limit_days = 10\nfee = "不收费"\ndefault_kind = "promised"\n'
            'authority = "township"\n'
        )
        for m in MATERIALS:
            parts.append(f'[[items.materials]]\nname = "{m}"\nmain = true\n')
    return "\n".join(parts)


@dataclass(frozen=True)
class StationPlan:
    index: int
    staff: str
    window: str
    item: str
    refer_to: str


@dataclass(frozen=True)
class HallPlan:
    url: str
    stations: tuple[StationPlan, ...]


def prepare_hall(url: str, stations: int, *, windows: int = WINDOWS) -> HallPlan:
    """Create the register at `url` (it must hold none yet): the catalog, and one clerk per
    station (2001…), two stations to a window; each refers to the next window."""
    from store.catalog import import_catalog
    from store.database import close_database
    from store.keyslots import OWASP_MINIMUM_KDF
    from store.setup import create_register
    from store.staff import add_staff

    windows = max(2, min(windows, stations))
    _, supervisor, _ = create_register(
        url,
        hall_name="负载测试便民服务中心",
        hall_code="FZ",
        supervisor_number=SUPERVISOR,
        supervisor_name="负载主任",
        password=SUPERVISOR_PASSWORD,
        kdf=OWASP_MINIMUM_KDF,
    )
    import_catalog(supervisor, catalog(windows))
    plans = []
    for i in range(stations):
        w = i % windows + 1
        number = f"{2001 + i}"
        add_staff(
            supervisor,
            number=number,
            name=f"负载窗口员{i}",
            role="clerk",
            password=CLERK_PASSWORD,
            window=f"w{w:02d}",
        )
        plans.append(StationPlan(i, number, f"w{w:02d}", f"FZ{w:03d}", f"w{w % windows + 1:02d}"))
    close_database()
    return HallPlan(url, tuple(plans))


@dataclass
class Station:
    plan: StationPlan
    proc: subprocess.Popen
    out: Path
    log: Path
    lines: list[str] = field(default_factory=list)
    _buffer: bytes = b""

    def results(self) -> list[dict[str, Any]]:
        """What the station reported committed so far (complete lines only)."""
        if not self.out.exists():
            return []
        text = self.out.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


def start_stations(
    plan: HallPlan,
    *,
    ops: int,
    out_dir: Path,
    retry_seconds: float = 0,
    pace_ms: float = 0,
    lockstep: bool = False,
    warm_up: bool = False,
    ready_timeout: float = 120,
) -> list[Station]:
    """Start one process per station of `plan`; returns once every one has logged in and
    waits for `go` (or raises, with the stations stopped, if one fails or hangs)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    stations = []
    try:
        for p in plan.stations:
            out, log = (
                out_dir / f"station-{p.index:02d}.jsonl",
                out_dir / f"station-{p.index:02d}.log",
            )
            out.unlink(missing_ok=True)
            spec = {
                "url": plan.url,
                "index": p.index,
                "staff": p.staff,
                "password": CLERK_PASSWORD,
                "item": p.item,
                "materials": list(MATERIALS),
                "refer_to": p.refer_to,
                "ops": ops,
                "out": str(out),
                "retry_seconds": retry_seconds,
                "pace_ms": pace_ms,
                "lockstep": lockstep,
                "warm_up": warm_up,
            }
            # Each station keeps its audit witness in its own state directory.
            station_env = {**env, "CHUANGKOU_STATE_DIR": str(out_dir / f"state-{p.index:02d}")}
            with open(log, "wb") as err:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "tests.hall.station_worker", json.dumps(spec)],
                    cwd=ROOT,
                    env=station_env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=err,
                    bufsize=0,
                )
            stations.append(Station(p, proc, out, log))
        _until_all_said(stations, "ready", ready_timeout)
    except BaseException:
        for s in stations:
            s.stop()
        raise
    return stations


def go(stations: list[Station]) -> None:
    for s in stations:
        s.proc.stdin.write(b"go\n")
        s.proc.stdin.flush()


def wait_all(stations: list[Station], timeout: float) -> None:
    """Until every station has said `done`; raises (stations stopped) if one failed or hung."""
    try:
        _until_all_said(stations, "done", timeout)
    finally:
        for s in stations:
            s.stop()


def _until_all_said(stations: list[Station], word: str, timeout: float) -> None:
    """Read the stations' stdout lines until each has said `word`."""
    waiting = {s.proc.stdout.fileno(): s for s in stations if word not in s.lines}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        for s in waiting.values():
            sel.register(s.proc.stdout, selectors.EVENT_READ, s)
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"stations {sorted(s.plan.index for s in waiting.values())} did not say "
                    f"{word!r} within {timeout:.0f} s"
                )
            for key, _ in sel.select(timeout=left):
                s: Station = key.data
                chunk = os.read(s.proc.stdout.fileno(), 4096)
                if not chunk:  # the process ended without saying it
                    detail = s.log.read_text(errors="replace")[-2000:]
                    raise AssertionError(
                        f"station {s.plan.index} ended ({s.proc.wait()}) before {word!r}: "
                        f"{s.lines[-1:]} {detail}"
                    )
                *lines, s._buffer = (s._buffer + chunk).split(b"\n")
                for raw in lines:
                    line = raw.decode(errors="replace").strip()
                    s.lines.append(line)
                    if line.startswith("failed"):
                        raise AssertionError(f"station {s.plan.index}: {line}")
                if word in s.lines:
                    sel.unregister(s.proc.stdout)
                    del waiting[s.proc.stdout.fileno()]


def run_hall(plan: HallPlan, *, ops: int, out_dir: Path, timeout: float = 300, **kw):
    """start_stations, go and wait_all; returns (stations, seconds from go to the last done)."""
    stations = start_stations(plan, ops=ops, out_dir=out_dir, **kw)
    began = time.monotonic()
    go(stations)
    wait_all(stations, timeout)
    return stations, time.monotonic() - began


# --- checking what the hall did ------------------------------------------------------


def check_hall(plan: HallPlan, stations: list[Station]) -> list[str]:
    """Everything the stations reported committed is in the register, once; the audit
    chain verifies; every referral is on its receiving window's queue. Returns the problems
    (in English, for the test report; [] when all holds)."""
    from store import audit
    from store.auth import login
    from store.database import close_database
    from store.models import AuditEvent, Case, Inquiry
    from store.queue import counter_queue
    from store.session import Register

    reported = [r for s in stations for r in s.results()]
    problems: list[str] = []
    inquiries = [r["number"] for r in reported if r["op"] in ("inquiry", "referral")]
    cases = [r["number"] for r in reported if r["op"] == "case"]
    closed = {r["number"] for r in reported if r["op"] == "close"}
    for what, numbers in (("inquiry", inquiries), ("case", cases)):
        twice = [n for n, c in Counter(numbers).items() if c > 1]
        if twice:
            problems.append(f"{what} numbers reported by two calls: {twice[:5]}")

    register = Register.open(plan.url)
    try:
        supervisor = login(register, SUPERVISOR, SUPERVISOR_PASSWORD)
        stored_inquiries = {n for (n,) in Inquiry.select(Inquiry.number).tuples()}
        stored_cases = dict(Case.select(Case.number, Case.state).tuples())
        missing = sorted(set(inquiries) - stored_inquiries)
        if missing:
            problems.append(
                f"{len(missing)} inquiries reported committed are missing: {missing[:5]}"
            )
        missing = sorted(set(cases) - set(stored_cases))
        if missing:
            problems.append(f"{len(missing)} cases reported committed are missing: {missing[:5]}")
        not_done = sorted(n for n in closed if stored_cases.get(n) != "done")
        if not_done:
            problems.append(f"{len(not_done)} cases reported closed are not done: {not_done[:5]}")
        result = audit.verify(supervisor.keys.audit_key)
        if not result.ok:
            problems.append(f"audit verify: {result.message} (first bad {result.first_bad_seq})")
        # One event per call at least (plus logins): none was lost from the chain.
        events = AuditEvent.select().count()
        if events < len(reported):
            problems.append(f"{events} audit events for {len(reported)} calls")
        by_window: dict[str, set[str]] = {}
        for r in reported:
            if r["op"] == "referral":
                by_window.setdefault(r["to"], set()).add(r["number"])
        for window, numbers in sorted(by_window.items()):
            queue = counter_queue(supervisor, window_code=window, limit=100_000)
            shown = {
                row.number
                for row in queue.rows
                if row.section == "referral" and row.kind == "referred_in"
            }
            unseen = sorted(numbers - shown)
            if unseen:
                problems.append(f"{len(unseen)} referrals not on {window}'s queue: {unseen[:5]}")
    finally:
        close_database()
    return problems


def latencies(stations: list[Station]) -> list[float]:
    """Every call's time (ms), across the stations."""
    return [r["ms"] for s in stations for r in s.results()]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]
