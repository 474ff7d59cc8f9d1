"""The counter while the daily job runs, on a register of 1,000,000 cases (bench/board.py's
hall: four years of cases, most of them done and never rated). From the key press to the
screen drawn, in the real application at 80×24, driven by Pilot as a clerk would:

- Enter on a case of the queue → the case drawn;
- Esc on the case → the queue drawn again;
- F3, a phone number, Enter → the person's history drawn;
- F2, a known person's ID number: its last digit → the name filled in from the register.

Measured once on a quiet register and once while the daily job (store.daily, started by
the clerk's login, the first of the day) records its 未评价 over the register — each with
the ratio against the quiet figure of the same run — and the job's own total time.

    .venv/bin/python bench/counter.py                  # 1,000,000 cases
    .venv/bin/python bench/counter.py --cases 20000    # a quick run

The register is built once and kept under /tmp (``--keep`` names another file); each run
works on copies of it, so the job always finds the whole backlog. Prints figures; it never
passes or fails on a wall clock (the target is printed beside the figure).
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/counter.py` would put bench/ first on sys.path, where bench/store.py
# shadows the `store` package: put the repository root there instead.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from bench.board import CLERK_PASSWORD, _now, build, describe  # noqa: E402
from bench.calendar_import import _copy  # noqa: E402
from bench.large_register import SEALED_PEOPLE, _id_number  # noqa: E402

#: A clerk at a window staffed today (bench/board.py: the 4th window's A post).
CLERK = "1007"
ROUNDS = 10
ACTIONS = (
    ("case", "队列 Enter → 办件画出"),
    ("queue", "办件 Esc → 队列画出"),
    ("phone", "F3 按电话查询 Enter → 档案画出"),
    ("idcard", "F2 输入已登记的身份证号 → 姓名带出"),
)
TARGET_MS = 100
#: Queue rows that open the case screen (tui.screens.home: 督办, 差评 and 投诉 open others).
CASE_SECTIONS = ("case", "supplement", "renotify")
#: A screen that has not drawn after this long never will: say which, rather than hang.
GIVE_UP = 60.0


_MARKS: dict[str, float] = {}
_WRAPPED: list[bool] = []


def _instrument() -> dict[str, float]:
    """Record when a screen has drawn what the clerk waits for (after its refresh), in the
    dict returned (once per process: the screens' methods are wrapped once)."""
    marks = _MARKS
    if _WRAPPED:
        return marks
    _WRAPPED.append(True)
    from tui.screens.case import CaseScreen
    from tui.screens.history import HistoryScreen
    from tui.screens.home import HomeScreen

    def after(cls, name: str, key: str) -> None:
        original = getattr(cls, name)

        def wrapped(self, *args):
            # Textual passes an event only to handlers that take one: on_mount takes none.
            result = original(self, *args[: original.__code__.co_argcount - 1])
            self.call_after_refresh(lambda: marks.setdefault(key, time.perf_counter()))
            return result

        setattr(cls, name, wrapped)

    after(CaseScreen, "_facts", "case")  # plain methods: @on handlers are not looked up
    after(HomeScreen, "_fill", "queue")
    after(HistoryScreen, "on_mount", "phone")
    return marks


def _job_running(app) -> bool:
    """The daily job's worker (tui.app, group "daily") has not ended yet."""
    return any(w.group == "daily" and not w.is_finished for w in app.workers)


async def _until(pilot, marks: dict[str, float], key: str) -> float:
    limit = time.perf_counter() + GIVE_UP
    while time.perf_counter() < limit:
        if key in marks:
            return marks.pop(key)
        # The mark is taken when the screen is drawn, not here: polling every few ms costs
        # the figure nothing, and leaves the GIL to the store and daily threads (spinning
        # here would slow the job as no real counter does).
        await pilot.pause(0.005)
    raise RuntimeError(f"{type(pilot.app.screen).__name__} never showed {key}")


def _field(app, selector: str):
    from textual.widgets import Input

    return app.screen.query_one(selector, Input)


def _mark_when_filled(app, marks: dict[str, float]) -> None:
    """Mark "idcard" when the inquiry screen's name field is filled (the autofill) and
    drawn: the moment itself, not when Pilot's key press returns (see _round)."""
    marks.pop("idcard", None)
    screen = app.screen

    def filled(value: str) -> None:
        if value:
            screen.call_after_refresh(lambda: marks.setdefault("idcard", time.perf_counter()))

    screen.watch(_field(app, "#name"), "value", filled, init=False)


async def _round(pilot, marks: dict[str, float], rng: random.Random, sealed: int) -> dict:
    """Each of the four actions once, from the queue back to the queue: {action: seconds}."""
    from textual.widgets import DataTable

    app = pilot.app
    took = {}
    home = app.screen
    table = home.query_one("#queue", DataTable)
    cases = [n for n, r in home.rows.items() if r.section in CASE_SECTIONS]
    table.focus()
    table.move_cursor(row=table.get_row_index(rng.choice(cases)))
    await pilot.pause()
    marks.clear()
    t = time.perf_counter()
    await pilot.press("enter")
    took["case"] = await _until(pilot, marks, "case") - t
    await pilot.pause()
    t = time.perf_counter()
    await pilot.press("escape")
    took["queue"] = await _until(pilot, marks, "queue") - t

    i = rng.randrange(sealed)
    await pilot.press("f3")
    await pilot.pause()
    # The number is put in the field, not typed: while the job works, Pilot waits up to a
    # second after each key for the process to go idle (textual._wait), which it never
    # does; what is measured starts at Enter, with the screen's own mark.
    _field(app, "#query").value = f"139{i:08d}"
    await pilot.pause()
    t = time.perf_counter()
    await pilot.press("enter")
    took["phone"] = await _until(pilot, marks, "phone") - t
    await pilot.press("escape", "escape")
    await _until(pilot, marks, "queue")

    number = _id_number(rng.randrange(sealed))
    await pilot.press("f2")
    await pilot.pause()
    _field(app, "#id_number").value = number[:-1]
    await pilot.pause()
    _mark_when_filled(app, marks)
    t = time.perf_counter()
    await pilot.press(number[-1])
    took["idcard"] = await _until(pilot, marks, "idcard") - t
    await pilot.press("escape", "escape")  # the first Esc says the form is not saved
    await _until(pilot, marks, "queue")
    return took


async def _session(url: str, *, daily: bool, rounds: int, sealed: int) -> tuple[list, float, float]:
    """Log in as the clerk and run the rounds; with ``daily`` the login starts the daily
    job and only the rounds run wholly while it works count. Returns (rounds, the job's
    time from the post confirmed to its end, or 0, and how long of it the job waited
    between batches for the clerk's keys)."""
    from store.clock import FixedClock
    from tui.app import ChuangkouApp
    from tui.station import load_station

    marks = _instrument()
    rng = random.Random(7)
    app = ChuangkouApp(
        station=load_station(),
        register_url=url,
        clock=FixedClock(_now()),
        poll_devices=False,
        daily_job=daily,
    )
    done, job = [], 0.0
    async with app.run_test(size=(80, 24)) as pilot:
        while app.register is None:
            await pilot.pause()
        await pilot.press(*CLERK, "enter", *CLERK_PASSWORD, "enter")
        while type(app.screen).__name__ != "PostScreen":
            await pilot.pause()
        started = time.perf_counter()
        await pilot.press("enter")
        await _until(pilot, marks, "queue")
        if daily:  # the job under way: its ids read, its first batch written
            while not app.daily_progress and _job_running(app):
                await pilot.pause()
        for _ in range(rounds):
            running = daily and _job_running(app)
            took = await _round(pilot, marks, rng, sealed)
            if not daily or (running and _job_running(app)):
                done.append(took)
            else:
                break
        if daily:  # as an idle counter: not spinning on the job's end (the GIL is shared)
            while _job_running(app):
                await pilot.pause(0.05)
            job = time.perf_counter() - started
    return done, job, app.daily_yielded


def _med(rounds: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rounds) * 1000


def measure(source: Path, work: Path, rounds: int, sealed: int, services: int) -> list[str]:
    from rich.cells import cell_len

    from store.database import close_database

    quiet_copy, busy_copy = work / "quiet" / "register.db", work / "busy" / "register.db"
    for copy in (quiet_copy, busy_copy):
        copy.parent.mkdir()
        _copy(source, copy)
    quiet, _, _ = asyncio.run(
        _session(f"sqlite:///{quiet_copy}", daily=False, rounds=rounds, sealed=sealed)
    )
    close_database()
    busy, job, yielded = asyncio.run(
        _session(f"sqlite:///{busy_copy}", daily=True, rounds=rounds, sealed=sealed)
    )
    close_database()
    lines = [
        f"按键到画出（真实应用，80×24；中位数 / 最大，安静 {len(quiet)} 轮，任务中 {len(busy)} 轮）："
    ]
    for key, label in ACTIONS:
        q = _med(quiet, key)
        line = f"  {label}{' ' * (36 - cell_len(label))}安静 {q:6.1f} ms（最大 {max(r[key] for r in quiet) * 1000:6.1f}）"
        if busy:
            b = _med(busy, key)
            line += f"  ｜ 每日任务进行中 {b:6.1f} ms（最大 {max(r[key] for r in busy) * 1000:6.1f}）× {b / q:.2f}"
        lines.append(line + f"  目标 ≤ {TARGET_MS} ms")
    lines.append(
        f"  每日任务：{services:,} 件服务记为未评价，确认岗位到任务结束 {job:.1f} 秒，"
        f"其中批间为柜员按键让行 {yielded:.1f} 秒（目标 100 万件 ≤ 120 秒）"
    )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="the register file, built once and reused")
    parser.add_argument("--dir", help="where the working copies go (default: the temp dir)")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args(argv)
    persons = max(SEALED_PEOPLE, args.cases // 10)
    keep = args.keep or Path(tempfile.gettempdir()) / f"chuangkou-counter-{args.cases}.db"
    started = time.perf_counter()
    if keep.exists():
        built = f"复用 {keep}"
    else:
        building = keep.with_name(keep.name + ".building")
        build(f"sqlite:///{building}", args.cases, persons)
        building.replace(keep)
        built = f"建立用时 {time.perf_counter() - started:.0f} 秒"
    r = describe(f"sqlite:///{keep}")
    services = _unrated(keep)
    print(
        f"\n登记本：{r['cases']:,} 件办件、{r['inquiries']:,} 条首问登记、超过评价期未评价的服务 "
        f"{services:,} 件；{r['bytes'] / 2**20:,.0f} MB（{built}）"
    )
    with tempfile.TemporaryDirectory(prefix="chuangkou-counter-", dir=args.dir) as tmp:
        for line in measure(keep, Path(tmp), args.rounds, min(SEALED_PEOPLE, persons), services):
            print(line)


def _unrated(path: Path) -> int:
    """What the daily job will record on a copy of the register (store.daily's query),
    read without writing anything to the kept register."""
    from store.clock import FixedClock
    from store.daily import _unrated_ids, unrated_cutoff
    from store.database import close_database
    from store.session import Register

    register = Register.open(f"sqlite:///{path}", clock=FixedClock(_now()), upgrade=False)
    cases, inquiries = _unrated_ids(unrated_cutoff(register.anonymous(), _now().date()))
    close_database()
    return len(cases) + len(inquiries)


if __name__ == "__main__":
    main()
