"""AB岗 on the counter: the supervisor edits the roster (E on a post, a 工号 or nothing,
Enter; Esc cancels), a clerk only reads it; at login a 代岗 for someone signed in asks
for a reason, with the focus on the reason field, and reaches the supervisor's board."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home, login

pytestmark = pytest.mark.timeout(120)


async def open_roster(pilot):
    """F5 (AB岗交接), then P (岗位安排)."""
    from tui.screens.roster import RosterScreen

    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    assert isinstance(pilot.app.screen, RosterScreen)
    return pilot.app.screen


async def supervisor_home(pilot) -> None:
    await settle(pilot)
    await login(pilot, "0001", "demo0001")
    await pilot.press("escape")  # no post of their own today
    await settle(pilot)
    assert pilot.app.session.staff_number == "0001"


def stored_roster(app) -> dict[tuple[str, str], str | None]:
    from store.roster import roster

    return {(v.window_code, v.post): v.staff_number for v in app.store.run(roster, app.session)}


async def go_to_row(pilot, screen, index: int) -> None:
    await pilot.press("home")
    for _ in range(index):
        await pilot.press("down")
    assert screen.query_one("#roster").cursor_row == index


async def test_the_supervisor_fills_a_vacant_b_post_and_vacates_it(demo, clock):
    from tui.screens.roster import AssignPostForm

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await supervisor_home(pilot)
        screen = await open_roster(pilot)
        text = screen_text(app)
        assert "E 调整" in text and "交接登记将在后续版本提供" not in text
        # The demo leaves one window without a B: flagged on the screen.
        index, vacant = next(
            (i, p) for i, p in enumerate(screen.posts) if p.post == "B" and p.staff_number is None
        )
        window = vacant.window_code
        await go_to_row(pilot, screen, index)
        assert "无B岗" in vacant.flags and "无B岗" in screen_text(app)

        # Esc cancels: nothing changes.
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, AssignPostForm)
        await type_text(pilot, "1004")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert stored_roster(app)[(window, "B")] is None

        # An unknown 工号: the form says so and stays open.
        await pilot.press("e")
        await settle(pilot)
        await type_text(pilot, "7777")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AssignPostForm)
        assert "没有工号为 7777" in screen_text(app)
        await pilot.press("ctrl+u")
        await type_text(pilot, "1004")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert stored_roster(app)[(window, "B")] == "1004"
        assert screen.query_one("#roster").cursor_row == index  # the cursor stays put
        row = next(p for p in screen.posts if (p.window_code, p.post) == (window, "B"))
        assert row.staff_number == "1004" and "无B岗" not in row.flags
        assert "已调整" in screen_text(app)

        # An empty 工号 vacates the post again.
        await pilot.press("e")
        await settle(pilot)
        assert app.screen.query_one("#staff-number").value == "1004"
        await pilot.press("ctrl+u", "enter")
        await settle(pilot)
        assert stored_roster(app)[(window, "B")] is None
        assert "无B岗" in next(p for p in screen.posts if p.window_code == window).flags


async def test_a_clerk_reads_the_roster_and_cannot_edit_it(demo, clock):
    from tui.screens.roster import AssignPostForm

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        before = stored_roster(app)
        screen = await open_roster(pilot)
        assert "只读" in screen_text(app) and "E 调整" not in screen_text(app)
        assert screen.posts
        await pilot.press("e")
        await settle(pilot)
        assert not isinstance(app.screen, AssignPostForm)
        assert app.screen is screen
        assert "岗位安排由大厅主任调整" in screen_text(app)
        assert stored_roster(app) == before
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "HandoverScreen"  # back where P was pressed


async def test_a_cover_at_login_for_a_signed_in_clerk_asks_for_a_reason(demo, clock):
    from store.attendance import sign_in
    from store.auth import login as store_login
    from store.handover import covers_to_review
    from tui.screens.post import PostScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # 1003 holds A of the window where 1004 is B; 1004 has signed in this morning.
        await login(pilot, "1003", "demo1003")
        app.store.run(lambda: sign_in(store_login(app.register, "1004", "demo1004")))
        assert isinstance(app.screen, PostScreen)
        post_screen = app.screen
        text = screen_text(app)
        assert "代岗原因" in text and "回车 确认" in text  # the whole form fits 80×24
        # Tab goes in screen order: window, post, 代岗, 原因.
        assert [w.id for w in post_screen.focus_chain] == ["window", "post", "acting-for", "reason"]
        assert app.focused.id == "acting-for"

        await type_text(pilot, "1004")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is post_screen
        assert "被代岗人今天已签到在岗：代岗须写明原因" in screen_text(app)
        assert app.focused.id == "reason"  # the focus goes where the fix is needed
        await type_text(pilot, "1004在后台整理档案")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert app.today_post.acting_for_number == "1004"
        assert app.today_post.handover_number

        supervisor = app.store.run(store_login, app.register, "0001", "demo0001")
        board = app.store.run(covers_to_review, supervisor)
        (cover,) = [h for h in board if h.number == app.today_post.handover_number]
        assert (cover.mode, cover.from_number, cover.to_number) == ("login", "1004", "1003")
        assert cover.reason == "1004在后台整理档案"
