"""The daily job at the counter (tui.app → store.daily, on a gateway of its own): while it
works through its batches the status line shows how far it is, and the counter's own keys
(F3 查询, F4 办件) answer meanwhile — the job is held mid-run by a gate."""

from __future__ import annotations

import asyncio
import threading

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, type_text
from tests.tui.test_app import login


async def settle_beside_job(pilot, rounds: int = 4) -> None:
    """tests.tui.helpers.settle, but not waiting for the daily job's worker (held here)."""
    app = pilot.app
    quiet = 0
    for done in range(rounds + 40):
        pending = [
            w for w in app.workers if w.group not in ("devices", "daily") and not w.is_finished
        ]
        if pending:
            quiet = 0
            await asyncio.gather(*(w.wait() for w in pending), return_exceptions=True)
        else:
            quiet += 1
        await pilot.pause()
        if done + 1 >= rounds and quiet >= 2:
            return


async def test_the_status_line_shows_the_job_and_the_counter_answers_meanwhile(
    demo, clock, monkeypatch
):
    import tui.app
    from store.daily import DAILY_MARK, run_daily_if_due
    from store.models import Rating
    from tui.screens.case import CaseScreen
    from tui.screens.home import HomeScreen
    from tui.screens.search import SearchScreen

    held, gate = threading.Event(), threading.Event()
    totals: list[int] = []

    def gated_job(session, progress, between_batches):
        def gated(done: int, total: int) -> None:
            progress(done, total)
            totals.append(total)
            if done and not held.is_set():  # after the first batch: hold the job here
                held.set()
                assert gate.wait(timeout=60)

        return run_daily_if_due(
            session, batch_size=5, progress=gated, between_batches=between_batches
        )

    monkeypatch.setattr(tui.app, "_daily_job", gated_job)
    url, info = demo
    clerk = next(a for a in info.accounts if a.number == "1001")
    app = make_app(url, clock, demo=info, daily_job=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle_beside_job(pilot)
        await login(pilot, clerk.number, clerk.password)
        await pilot.press("enter")  # today's post: home, and the daily job starts
        for _ in range(2000):
            if held.is_set():
                break
            await pilot.pause()
        assert held.is_set(), "the daily job never ran its first batch"
        await settle_beside_job(pilot)
        total = totals[-1]
        assert total > 5, "the demo should hold more than one batch of unrated services"
        assert f"每日任务：未评价登记 5/{total}" in screen_text(app)

        # The counter meanwhile: F3 opens a case by its number, F4 is back on the queue.
        assert isinstance(app.screen, HomeScreen)
        row = next(r for r in app.screen.queue.rows if r.section == "case")
        await pilot.press("f3")
        await settle_beside_job(pilot)
        assert isinstance(app.screen, SearchScreen)
        await type_text(pilot, row.number)
        await pilot.press("enter")
        await settle_beside_job(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert f"每日任务：未评价登记 5/{total}" in screen_text(app)
        await pilot.press("f4")
        await settle_beside_job(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert row.number in screen_text(app)
        assert not gate.is_set()  # all of it while the job was held mid-run

        gate.set()
        for _ in range(4000):
            if app.daily_progress == "":
                break
            await pilot.pause()
        await settle_beside_job(pilot)
        assert "每日任务" not in screen_text(app)
        assert app.store.run(app.register.meta, DAILY_MARK) == "2026-11-23"
        not_rated = app.store.run(lambda: Rating.select().where(~Rating.rated).count())
        assert not_rated == total


async def test_between_two_batches_the_job_waits_while_the_clerk_is_at_the_keys(
    demo, clock, monkeypatch
):
    """A key pressed a moment ago holds the job between two batches (the clerk's screen is
    drawn first), for at most a while per batch; a counter left alone lets it go on."""
    import time

    import tui.app

    handed: list = []

    def job(session, progress, between_batches):
        handed.append(between_batches)

    monkeypatch.setattr(tui.app, "_daily_job", job)
    monkeypatch.setattr(tui.app, "INPUT_QUIET", 3600.0)  # any key counts as just pressed
    monkeypatch.setattr(tui.app, "INPUT_YIELD_LIMIT", 0.5)
    url, info = demo
    clerk = next(a for a in info.accounts if a.number == "1001")
    app = make_app(url, clock, demo=info, daily_job=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle_beside_job(pilot)
        await login(pilot, clerk.number, clerk.password)
        await pilot.press("enter")  # today's post: the daily job starts
        for _ in range(2000):
            if handed:
                break
            await pilot.pause()
        between_batches = handed[0]

        started = time.monotonic()
        between_batches()  # keys were pressed (the post's Enter): held to the limit
        assert time.monotonic() - started >= 0.5

        app._last_key_at = time.monotonic() - 7200  # nobody at the keys for two hours
        started = time.monotonic()
        between_batches()
        assert time.monotonic() - started < 0.5
