"""AB岗 at the counter (F5): A registers leave, B reviews and confirms at B's login and closes
one of A's cases, A comes back and sees it in the summary, and confirms 收岗."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home, login
from tests.tui.test_case_screen import new_case, open_from_home

pytestmark = pytest.mark.timeout(180)


async def relogin(pilot, number: str):
    """Lock (F10), log in as another clerk, take the roster's post (Enter)."""
    from tui.screens.lock import LockScreen

    app = pilot.app
    await pilot.press("f10")
    await settle(pilot)
    assert isinstance(app.screen, LockScreen)
    field = app.screen.query_one("#number")
    field.value = ""
    field.focus()
    await login(pilot, number, f"demo{number}")
    await pilot.press("enter")
    await settle(pilot)
    assert app.session.staff_number == number


def handover_row(app, number: str):
    from store.models import Handover

    return app.store.run(lambda: Handover.get(Handover.number == number))


async def test_leave_confirm_close_and_return(demo, clock):
    from store.models import AuditEvent, Case, Staff
    from tui.screens.case import CaseScreen
    from tui.screens.handover import HandoverDetailScreen, HandoverScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)  # 1001, A of the first window (B: 1002)
        case = new_case(app)

        # A: F5, N — 休假 tomorrow (the form's default), handed to the B post.
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("enter")  # 休假
        for _ in range(3):  # start (tomorrow), end (blank: the same day), B (blank)
            await pilot.press("enter")
        await type_text(pilot, "年休假")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        text = screen_text(app)
        assert "1002" in text and "待B岗确认" in text
        number = next(iter(app.screen.rows))

        # B logs in: the handover opens at once with A's items to review.
        await relogin(pilot, "1002")
        assert isinstance(app.screen, HandoverDetailScreen)
        text = screen_text(app)
        assert case.number in text and "Y 确认接岗" in text
        assert "H 收岗交回" not in text  # not before it is active
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert handover_row(app, number).state == "active"
        assert "H 收岗交回" in screen_text(app)

        # B's queue shows A's case as 代岗; B closes it.
        await pilot.press("escape")
        await settle(pilot)
        await open_from_home(pilot, case.number)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert "代岗" in screen_text(app)
        await open_from_home(pilot, case.number)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("enter")  # 准予
        await type_text(pilot, "准予临时救助")
        await pilot.press("enter")
        await settle(pilot)
        closed = app.store.run(lambda: Case.get(Case.number == case.number))
        assert closed.state not in ("accepted", "in_review")
        a_id = app.store.run(lambda: Staff.get(Staff.number == "1001").id)
        last = app.store.run(
            lambda: (
                AuditEvent.select()
                .where((AuditEvent.record_id == closed.uuid) & (AuditEvent.action == "case.close"))
                .get()
            )
        )
        assert last.acting_for == a_id  # B for A

        # Two days later A is back: the period is over, A's work comes back to A, and the
        # summary shows what B did.
        clock.advance(days=2)
        await relogin(pilot, "1001")
        assert isinstance(app.screen, HandoverDetailScreen)
        text = screen_text(app)
        assert "代岗期间办理" in text and "办结" in text and case.number in text
        assert "C 确认收岗" in text
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert handover_row(app, number).state == "ended"
