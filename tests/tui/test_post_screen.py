"""今日岗位 at login: Enter confirms the dialog (it does not open the window list), and a
supervisor without a window is told to press Esc — no internal name on the screen."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle
from tests.tui.test_app import login

pytestmark = pytest.mark.timeout(120)


def _account(info, number: str):
    return next(a for a in info.accounts if a.number == number)


async def test_enter_on_the_window_choice_confirms_the_post(demo, clock):
    from textual.widgets import Select

    from tui.screens.home import HomeScreen
    from tui.screens.post import PostScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        clerk = _account(info, "1001")
        await login(pilot, clerk.number, clerk.password)
        assert isinstance(app.screen, PostScreen)
        window = app.screen.query_one("#window", Select)
        chosen = window.value
        window.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not window.expanded
        assert isinstance(app.screen, HomeScreen), screen_text(app)
        assert app.today_post.window_code == chosen


async def test_the_window_list_still_opens_with_the_arrows(demo, clock):
    from textual.widgets import Select

    from tui.screens.post import PostScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        clerk = _account(info, "1001")
        await login(pilot, clerk.number, clerk.password)
        window = app.screen.query_one("#window", Select)
        window.focus()
        await pilot.press("down")
        await settle(pilot)
        assert window.expanded
        # The open list stays inside the dialog's border at 80×24.
        overlay = app.screen.query_one("SelectOverlay").region
        form = app.screen.query_one("#post-form").region
        assert form.contains_region(overlay), (overlay, form)
        assert overlay.bottom < form.bottom, "the list covers the dialog's bottom border"
        await pilot.press("enter")  # Enter in the open list picks the window
        await settle(pilot)
        assert not window.expanded and isinstance(app.screen, PostScreen)


async def test_a_supervisor_without_a_window_is_told_to_press_esc(demo, clock):
    from textual.widgets import Select

    from tui.screens.board import BoardScreen
    from tui.screens.post import PostScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        chief = _account(info, "0001")
        await login(pilot, chief.number, chief.password)
        assert isinstance(app.screen, PostScreen)
        window = app.screen.query_one("#window", Select)
        window.clear()  # no window chosen
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert isinstance(app.screen, PostScreen)
        assert "主任可不选窗口，按 Esc 进入" in text
        assert "Select" not in text and "NULL" not in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
