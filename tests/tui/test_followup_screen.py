"""差评整改回访 driven by Pilot on the demo register: a 非常不满意 rating appears in the
clerk's queue, opens the follow-up screen, and is followed up — a first callback with no
answer, 核实, 整改, a second callback that reaches the person and closes it; a clerk's
申诉 and the supervisor's keys; everything on 80×24."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home
from tests.tui.test_layout import check_layout
from tests.tui.test_rating import closed_case

pytestmark = pytest.mark.timeout(120)


def rate_badly(app, number: str) -> None:
    from store.ratings import record_rating

    app.store.run(
        lambda session: record_rating(
            session, case_number=number, level=5, channel="device", reason_code=209
        ),
        app.session,
    )


async def open_followup(pilot, number: str):
    from textual.widgets import DataTable

    from tui.screens.followup import FollowupScreen

    app = pilot.app
    app.screen.reload()
    await settle(pilot)
    table = app.screen.query_one("#queue", DataTable)
    table.move_cursor(row=table.get_row_index(number))
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, FollowupScreen), screen_text(app)
    return app.screen


async def submit_callback(pilot, outcome_downs: int) -> None:
    await pilot.press("h")
    await settle(pilot)
    check_layout(pilot.app, "callback form")
    await pilot.press("enter")  # 电话
    await pilot.press(*["down"] * outcome_downs, "enter")
    await pilot.press("enter")  # no reason code
    await pilot.press("enter")  # no note: saves
    await settle(pilot)


async def test_a_very_bad_rating_followed_up_with_two_callbacks(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        number = closed_case(app)
        rate_badly(app, number)
        screen = await open_followup(pilot, number)
        text = screen_text(app)
        assert "非常不满意" in text and "待核实" in text and "原因代码 209" in text
        assert "V 核实" in text and "H 回访" in text and "S 申诉" in text
        assert "Y 申诉成立" not in text  # the supervisor's
        check_layout(app, "followup")

        await submit_callback(pilot, outcome_downs=1)  # 无人接听
        assert screen.view.callbacks[-1].outcome == "no_answer"
        assert "1. " in screen_text(app) and "无人接听" in screen_text(app)

        await pilot.press("z")  # 整改 before 核实: not offered
        await settle(pilot)
        assert "现在不能「整改」" in screen_text(app)

        await pilot.press("v")
        await settle(pilot)
        await pilot.press("enter")  # 简单问题
        await type_text(pilot, "等候过久未说明")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.view.state == "verified"

        await pilot.press("z")
        await settle(pilot)
        await type_text(pilot, "公示进度")
        await pilot.press("enter")
        await type_text(pilot, "ZG17")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.view.state == "rectified" and "待回访" in screen_text(app)

        await submit_callback(pilot, outcome_downs=0)  # 已联系上：满意
        view = screen.view
        assert (view.state, view.satisfaction) == ("closed", "满意")
        assert [c.outcome for c in view.callbacks] == ["no_answer", "reached"]
        text = screen_text(app)
        assert "已回访办结" in text and "回访记录（共 2 次）" in text
        check_layout(app, "followup closed")

        await pilot.press("escape")
        await settle(pilot)
        app.screen.reload()
        await settle(pilot)
        assert number not in app.screen.rows  # no longer in the queue


async def test_a_clerk_appeals_a_rating(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        number = closed_case(app)
        rate_badly(app, number)
        screen = await open_followup(pilot, number)
        await pilot.press("s")
        await settle(pilot)
        await type_text(pilot, "误按评价键")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.view.appeal_state == "pending"
        assert "申诉待复核" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert "现在不能「申诉成立」" in screen_text(app)
