"""The clerk's queue (F4) at 80×24: Home/End/PgUp/PgDn move through it, and back from a
case (Esc) the same row is selected at the same scroll offset."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import settle
from tests.tui.test_app import demo_clerk_home

pytestmark = pytest.mark.timeout(120)


async def _longer_queue(pilot, count: int = 12) -> None:
    """The demo clerk's queue fits 80×24: phone calls referred to other windows (督办, at
    the end of the queue) make it longer than the screen."""
    from store.inquiries import register_inquiry
    from tests.people import PEOPLE

    app = pilot.app
    for i in range(count):
        caller = PEOPLE[i % len(PEOPLE)]
        app.store.run(
            register_inquiry,
            app.session,
            channel="phone",
            caller_name=caller.name,
            caller_phone=caller.phone,
            topic=f"咨询事项{i}",
            disposition="referred",
            referred_to="shebao",
        )
    await pilot.press("f4")
    await settle(pilot)


def _key(table) -> str:
    return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)


async def test_home_end_and_page_keys_move_through_the_queue(demo, clock):
    from textual.widgets import DataTable

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        await _longer_queue(pilot)
        table = app.screen.query_one("#queue", DataTable)
        assert table.has_focus
        rows = table.row_count
        assert rows > table.scrollable_content_region.height, "the queue must not fit"
        await pilot.press("pagedown")
        await settle(pilot)
        page = table.cursor_row
        assert page > 1
        await pilot.press("pagedown")
        await settle(pilot)
        assert table.cursor_row > page and table.scroll_y > 0
        await pilot.press("pageup")
        await settle(pilot)
        assert table.cursor_row < rows - 1 and table.cursor_row <= page + 1
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor_row == rows - 1 and table.scroll_y == table.max_scroll_y
        await pilot.press("home")
        await settle(pilot)
        assert table.cursor_row == 0 and table.scroll_y == 0


async def test_back_from_a_case_the_queue_keeps_its_row_and_scroll(demo, clock):
    from textual.widgets import DataTable

    from tui.screens.home import HomeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        await _longer_queue(pilot)
        table = app.screen.query_one("#queue", DataTable)
        sections = [r.section for r in app.screen.queue.rows]
        target = max(i for i, s in enumerate(sections) if s == "case")
        await pilot.press("end")  # scrolled to the bottom, then up to the last case
        for _ in range(len(sections) - 1 - target):
            await pilot.press("up")
        await settle(pilot)
        key, scroll = _key(table), table.scroll_y
        assert table.cursor_row == target and scroll > 0, sections
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, HomeScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#queue", DataTable)
        assert _key(table) == key
        assert table.cursor_row == target
        assert table.scroll_y == scroll


async def test_a_referral_from_another_counter_shows_on_the_queue_without_a_key(
    demo, clock, monkeypatch
):
    """Another counter (a second session on the same register) refers a phone caller to
    this clerk's window: the queue's next poll shows it, with a toast — not while the clerk
    is at the keys; a poll that finds nothing new redraws nothing and says nothing; and no
    poll runs under another screen."""
    from textual.widgets import DataTable

    import store.queue
    import tui.screens.home
    from store.auth import login as store_login
    from store.inquiries import register_inquiry, staff_window_id
    from tui.screens.home import QUEUE_POLL_SECONDS, HomeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 30)) as pilot:
        await demo_clerk_home(pilot, info)
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert home.queue_poll._interval == QUEUE_POLL_SECONDS
        window = app.today_post.window_code
        mine = app.store.run(staff_window_id, app.session)

        def other_counter():
            for account in info.accounts:
                if account.number.startswith("10") and account.number != "1001":
                    other = store_login(app.session.register, account.number, account.password)
                    if staff_window_id(other) != mine:
                        return other
            raise AssertionError("no demo clerk at another window")

        other = app.store.run(other_counter)
        sent = app.store.run(
            register_inquiry,
            other,
            channel="phone",
            caller_name="韩来电",
            caller_phone="13812345678",
            topic="咨询办理条件",
            disposition="referred",
            referred_to=window,
        ).number
        table = home.query_one("#queue", DataTable)
        assert sent not in {str(k.value) for k in table.rows}  # not before the poll
        home.poll_queue()  # the clerk pressed keys just now (logging in): no poll yet
        await settle(pilot)
        assert sent not in {str(k.value) for k in table.rows}
        monkeypatch.setattr(tui.screens.home, "POLL_QUIET_SECONDS", 0)  # keys long ago
        home.poll_queue()
        await settle(pilot)
        assert sent in {str(k.value) for k in table.rows}
        assert any(sent in str(n.message) for n in app._notifications)
        shown = len(app._notifications)
        filled = home._filled
        home.poll_queue()  # nothing new
        await settle(pilot)
        assert home._filled is filled and len(app._notifications) == shown
        await pilot.press("f3")  # another screen on top: the queue is not read under it
        await settle(pilot)
        assert app.screen is not home
        reads = []
        original = store.queue.counter_queue
        monkeypatch.setattr(
            store.queue, "counter_queue", lambda *a, **k: reads.append(1) or original(*a, **k)
        )
        home.poll_queue()
        await settle(pilot)
        assert reads == []
        await pilot.press("escape")  # back: read again on the way in, and polled again
        await settle(pilot)
        assert app.screen is home and len(reads) == 1
        home.poll_queue()
        await settle(pilot)
        assert len(reads) == 2
