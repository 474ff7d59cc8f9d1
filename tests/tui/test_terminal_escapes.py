"""A hall name written into the register by an insider with ESC sequences (retitle, clear
the screen) is drawn with visible escapes: no control character reaches the terminal."""

from __future__ import annotations

import sqlite3

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text
from tests.tui.test_app import demo_clerk_home
from tui.safe_text import visible

pytestmark = pytest.mark.timeout(120)

HOSTILE = "示例镇\x1b]0;pwned\x07\x1b[2J中心"


def test_the_sanitiser_shows_every_control_character_and_keeps_text():
    assert visible("陈思雨\t13800138000\n") == "陈思雨\t13800138000\n"
    assert visible(HOSTILE) == "示例镇\\x1b]0;pwned\\x07\\x1b[2J中心"
    assert visible("\x9b2J\u202e") == "\\x9b2J\\u202e"  # C1 CSI, a bidi override


async def test_a_hostile_hall_name_is_drawn_as_escapes(demo, clock):
    url, info = demo
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:  # the insider, straight into the file
        conn.execute("UPDATE register_meta SET value = ? WHERE key = 'hall_name'", (HOSTILE,))
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(120, 30)) as pilot:
        await demo_clerk_home(pilot, info)  # the status line names the hall
        shown = screen_text(app)
        assert "\x1b" not in shown and "\x07" not in shown
        assert "\\x1b]0;pwned" in shown
