"""What a fast typist (or a keyboard-wedge reader) types right after 回车 in the 工号 field
goes to the password field: the login form never submits a 工号 with a password appended
(it was stored as 「1001demo1001」 in the audit detail)."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle

pytestmark = pytest.mark.timeout(120)


async def test_keys_sent_faster_than_the_screen_reacts_land_in_their_own_fields(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        # All keys queued at once, as a terminal delivers a burst: no wait between them.
        for key in ["1", "0", "0", "1", "enter", *"demo1001"]:
            app.post_message(events.Key(key, None if key == "enter" else key))
        await pilot.pause()
        assert app.screen.query_one("#number", Input).value == "1001"
        assert app.screen.query_one("#password", Input).value == "demo1001"


async def test_a_whole_login_typed_in_one_burst_logs_in(demo, clock):
    """工号, 回车, password, 回车 all delivered before the screen has handled any of them
    (tmux send-keys, a paste): the login waits for both fields to take in their keys."""
    from tui.screens.post import PostScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for key in ["1", "0", "0", "1", "enter", *"demo1001", "enter"]:
            app.post_message(events.Key(key, None if key == "enter" else key))
        await settle(pilot)
        assert isinstance(app.screen, PostScreen), screen_text(app)


async def test_a_supervisor_is_shown_the_audit_head_to_write_down(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    messages: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        original = app.notify
        app.notify = lambda message, **kw: (messages.append(str(message)), original(message, **kw))
        await settle(pilot)
        await pilot.press(*"0001", "enter", *"demo0001", "enter")
        await settle(pilot)
    assert any(m.startswith("审计链头：") and "请抄录" in m for m in messages), messages
    assert not any("审计链异常" in m for m in messages)


async def test_an_id_number_typed_as_the_number_is_in_no_file(demo, clock, tmp_path):
    """A keyboard-wedge reader types an ID number into the 工号 field: the refusal is
    audited, but the number is in no file afterwards — register, its WAL, logs, station
    state — and the same for the password typed after it."""
    from pathlib import Path

    from store.database import close_database
    from tests.people import PEOPLE

    url, info = demo
    typed = PEOPLE[3].id_number
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*typed, "enter", *"demo1001", "enter")
        await settle(pilot)
        assert "工号或密码错误" in screen_text(app)
        await pilot.press(*"1001", "enter", *"demo1001", "enter")  # the next login links it
        await settle(pilot)
    close_database()
    root = Path(url.removeprefix("sqlite:///")).parent
    files = [p for base in (root, tmp_path) for p in base.rglob("*") if p.is_file()]
    assert any(p.name == "register.db" for p in files)
    for path in files:
        data = path.read_bytes()
        assert typed.encode() not in data, path
        assert typed.encode("utf-16-le") not in data, path
