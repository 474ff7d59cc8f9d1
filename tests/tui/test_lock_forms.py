"""The idle lock keeps a half-typed 首问登记 or 受理: sealed in memory while locked (no
cleartext in what the lock holds, nothing in the register, no field left filled), given
back to the same clerk with 「已恢复锁屏前未保存的内容」, wiped when another clerk unlocks."""

from __future__ import annotations

import pytest

from tests.people import PEOPLE
from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_inquiry import _open_inquiry

pytestmark = pytest.mark.timeout(120)

CALLER = PEOPLE[2]
MATTER = "woxiangwenyixia diba bangongshijian"  # typed: ASCII keys, one per character


def _idle_app(demo, clock):
    url, info = demo
    now = [1000.0]
    app = make_app(url, clock, demo=info, idle_clock=lambda: now[0])
    return app, info, now


async def _idle_lock(pilot, now) -> None:
    from tui.screens.lock import LockScreen

    app = pilot.app
    now[0] += app.register.policy.login.idle_lock_seconds + 1
    app.lock_if_idle()
    await settle(pilot)
    assert isinstance(app.screen, LockScreen)


def _assert_nothing_in_clear(app, held, texts) -> None:
    from textual.widgets import Input

    assert len(held) >= 1
    for blob in held.sealed:
        for text in texts:
            for encoding in ("utf-8", "utf-16-le"):
                assert text.encode(encoding) not in blob
    for text in texts:
        assert text not in repr(held) and text not in screen_text(app)
    for screen in app.screen_stack:
        for box in screen.query(Input):
            assert box.value not in texts
    # Nothing of the form was written to the register.
    db = app.register.sqlite_file
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    for text in texts:
        assert text.encode() not in raw


async def _half_typed_inquiry(pilot, info) -> None:
    await _open_inquiry(pilot, info)
    screen = pilot.app.screen
    await pilot.press("ctrl+n")  # 电话
    screen.query_one("#name").value = CALLER.name
    screen.query_one("#phone").value = CALLER.phone
    screen.query_one("#matter").focus()
    await type_text(pilot, MATTER)
    await settle(pilot)


async def test_the_same_clerk_unlocking_gets_the_half_typed_inquiry_back(demo, clock):
    from tui.screens.inquiry import InquiryScreen

    app, info, now = _idle_app(demo, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _half_typed_inquiry(pilot, info)
        await _idle_lock(pilot, now)
        held = app.screen.held
        _assert_nothing_in_clear(app, held, [CALLER.name, CALLER.phone, MATTER])
        await type_text(pilot, "demo1001")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InquiryScreen), type(screen).__name__
        assert screen.query_one("#name").value == CALLER.name
        assert screen.query_one("#phone").value == CALLER.phone
        assert screen.query_one("#matter").value == MATTER
        assert screen.channel == 1  # 电话
        assert app.focused is screen.query_one("#matter")
        assert "已恢复锁屏前未保存的内容" in screen_text(app)
        assert len(held) == 0  # given back: nothing sealed is kept
        # The form goes on as before: saving it registers the call.
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert "已登记：登记号" in screen_text(app)


async def test_another_clerk_unlocking_wipes_the_half_typed_inquiry(demo, clock):
    from tui.screens.home import HomeScreen
    from tui.screens.inquiry import InquiryScreen
    from tui.screens.post import PostScreen

    app, info, now = _idle_app(demo, clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _half_typed_inquiry(pilot, info)
        await _idle_lock(pilot, now)
        held = app.screen.held
        assert len(held) == 1
        number = app.screen.query_one("#number")
        number.value = ""
        number.focus()
        await type_text(pilot, "1002")
        await pilot.press("enter")
        await type_text(pilot, "demo1002")
        await pilot.press("enter")
        await settle(pilot)
        assert len(held) == 0  # wiped before the other clerk's post is even chosen
        assert isinstance(app.screen, PostScreen)
        assert "换人接班：上一位工作人员锁屏前未保存" in screen_text(app)  # a toast, wrapped
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert not any(isinstance(s, InquiryScreen) for s in app.screen_stack)
        text = screen_text(app)
        assert MATTER not in text and "已恢复锁屏前未保存的内容" not in text
        await pilot.press("f2")
        await settle(pilot)
        assert all(app.screen.query_one(f).value == "" for f in ("#name", "#phone", "#matter"))


async def test_a_half_done_acceptance_is_kept_over_the_lock(demo, clock):
    from devices.idcard import samples
    from tui.screens.accept import AcceptScreen

    app, info, now = _idle_app(demo, clock)
    card = samples.RESIDENT
    proxy = PEOPLE[3]
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_inquiry(pilot, info)
        app.screen.card_read(card)
        await settle(pilot)
        await pilot.press(*"dbsq", "enter")
        await settle(pilot)
        await pilot.press("ctrl+a")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AcceptScreen)
        inquiry = screen.inquiry_number
        await pilot.press("space")  # the first material: 未带
        await settle(pilot)
        first = screen.item.materials[0].name
        assert screen.statuses[first] == "not_brought"
        await pilot.press("ctrl+g")  # 代办
        await settle(pilot)
        screen.query_one("#proxy_name").value = proxy.name
        screen.query_one("#proxy_phone").value = proxy.phone
        await _idle_lock(pilot, now)
        held = app.screen.held
        _assert_nothing_in_clear(app, held, [proxy.name, proxy.phone, card.name])
        await type_text(pilot, "demo1001")
        await pilot.press("enter")
        await settle(pilot)
        back = app.screen
        assert isinstance(back, AcceptScreen) and back is not screen
        assert back.inquiry_number == inquiry and back.applicant == card.name
        assert back.statuses[first] == "not_brought" and back.proxy
        assert back.query_one("#proxy_name").value == proxy.name
        assert back.query_one("#proxy_phone").value == proxy.phone
        assert "已恢复锁屏前未保存的内容" in screen_text(app)
