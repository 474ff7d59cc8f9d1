"""The status line and the calendar's warning at 80×24: nothing cut — the hall's name is
shortened to fit (never cut off with "…"), the warning is shown whole, a year or the
command to run never split across lines."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle
from tests.tui.test_app import demo_clerk_home
from tui.widgets.status_bar import StatusBar, hall_names

pytestmark = pytest.mark.timeout(120)

LONG_HALL = "青山县青山镇人民政府便民服务中心（党群服务中心）"


def squeeze(text: str) -> str:
    return "".join(text.split())


class NoCalendar:
    """A work calendar that covers no year at all."""

    def is_covered(self, year: int) -> bool:
        return False


def test_hall_names_get_shorter():
    names = hall_names("示例镇便民服务中心（演示）")
    assert names == [
        "示例镇便民服务中心（演示）",
        "示例镇便民服务中心",
        "示例镇便民中心",
        "示例镇中心",
    ]
    assert hall_names(LONG_HALL)[-2:] == ["青山镇便民中心", "青山镇中心"]
    for hall in (LONG_HALL, "示例镇便民服务中心（演示）"):
        names = hall_names(hall)
        assert all(len(b) < len(a) for a, b in itertools.pairwise(names))


async def test_the_status_line_and_the_calendar_warning_are_whole_at_80x24(demo, clock):
    from policies.calendar import coverage

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        text = screen_text(app)
        status = text.splitlines()[0]
        assert "…" not in status
        assert any(name in status for name in hall_names(info.hall_name))
        assert app.staff_name in status and "民政窗口A岗" in status

        # The longest name and both devices offline: shortened, still whole, time shown.
        app.hall_name = LONG_HALL
        app.device_states = {"reader": "离线", "evaluator": "离线"}
        bar = app.screen.query_one(StatusBar)
        bar.refresh_status()
        await settle(pilot)
        text = screen_text(app)
        status = text.splitlines()[0]
        assert "…" not in status, text[:300]
        assert "评价器、读卡器离线" in status
        assert any(name in status for name in hall_names(LONG_HALL)), status
        assert "09:10" in status or ":" in status

        # A year without its calendar (this year's missing): the warning, whole.
        today = dt.date(2026, 11, 23)
        message = coverage(NoCalendar(), today).message
        assert coverage(NoCalendar(), today).level == "fail"
        bar.refresh_status(message)
        await settle(pilot)
        text = screen_text(app)
        assert squeeze(message) in squeeze(text), text
        lines = text.splitlines()
        for piece in ("2026", "2027", "chuangkou calendar import"):
            assert any(piece in line for line in lines), piece
