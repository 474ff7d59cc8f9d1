"""Nothing is cut off or overlaps at 80×24 and at 200×50, in every theme; the console theme
draws only ASCII-safe borders. Each screen is driven to and checked on the real app."""

from __future__ import annotations

import itertools

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home, login

SIZES = ((80, 24), (200, 50))
THEMES = ("chuangkou", "chuangkou-contrast", "chuangkou-console")
#: The box-drawing characters of the Linux console's default font (its CP437 heritage):
#: single and double lines and their joins. No rounded corners, heavy lines, blocks,
#: half blocks, triangles or emoji.
CONSOLE_BOX = frozenset("─│┌┐└┘├┤┬┴┼═║╔╗╚╝╠╣╦╩╬╒╓╕╖╘╙╛╜╞╟╡╢╤╥╧╨╪╫")
#: Chinese punctuation outside the CJK blocks that the deployment's CJK font draws
#: (GB 2312 row 1): dashes, ellipsis, quotes, middle dot, arrows of the key hints.
CJK_PUNCTUATION = frozenset("·—…‘’“”←↑→↓×")


def console_can_draw(ch: str) -> bool:
    """ASCII, CJK (ideographs, CJK punctuation, fullwidth forms) or the console's boxes."""
    code = ord(ch)
    return (
        0x20 <= code < 0x7F
        or ch == "\n"
        or 0x3000 <= code <= 0x303F  # CJK symbols and punctuation
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF  # CJK ideographs
        or 0xFF00 <= code <= 0xFFEF  # fullwidth forms
        or ch in CJK_PUNCTUATION
        or ch in CONSOLE_BOX
    )


pytestmark = pytest.mark.timeout(240)


def check_layout(app, where: str) -> None:
    width, height = app.size
    leaves = []
    for widget, (region, _clip) in app.screen._compositor.visible_widgets.items():
        if not widget.display or region.area == 0 or (widget.is_container and widget.children):
            continue
        assert region.x >= 0 and region.y >= 0, f"{where}: {widget!r} starts off screen"
        assert region.right <= width and region.bottom <= height, f"{where}: {widget!r} is cut off"
        leaves.append((widget, region))
    for (a, ra), (b, rb) in itertools.combinations(leaves, 2):
        if a in b.ancestors or b in a.ancestors:
            continue
        assert not ra.overlaps(rb), f"{where}: {a!r} overlaps {b!r}"


def check_text(app, where: str, *wanted: str) -> str:
    text = screen_text(app)
    for piece in wanted:
        assert piece in text, f"{where}: {piece!r} not shown (cut off?)"
    if app.theme == "chuangkou-console":
        bad = sorted({ch for ch in text if not console_can_draw(ch)})
        assert not bad, f"{where}: console theme draws {bad}"
    return text


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_screen_fits(demo, clock, size, theme):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=size) as pilot:
        app.theme = theme
        await settle(pilot)
        check_layout(app, "login")
        check_text(app, "login", "登录", "演示账号")
        await demo_clerk_home(pilot, info)
        check_layout(app, "home")
        home = check_text(app, "home", "民政窗口A岗", "剩余", "今日：", "F1", "F10", "锁屏")
        assert "陈思雨" in home
        row = next(r for r in app.screen.queue.rows if r.section == "case")
        for key, wanted in (
            ("f8", "今日统计"),
            ("f5", "AB岗"),
            ("f9", "设备状态"),
            ("f1", "按键说明"),
        ):
            await pilot.press(key)
            await settle(pilot)
            check_layout(app, key)
            check_text(app, key, wanted)
            await pilot.press("escape")
            await settle(pilot)
        await check_inquiry_and_accept(pilot)
        await pilot.press("f3")
        await type_text(pilot, row.number)
        await pilot.press("enter")
        await settle(pilot)
        check_layout(app, "history")
        check_text(app, "history", row.number, "办件")
        await pilot.press("f10")
        await settle(pilot)
        check_layout(app, "lock")
        # The prefilled 工号 must be readable inside its field (a border would hide it).
        check_text(app, "lock", "屏幕已锁定", app.session.staff_number)


async def check_inquiry_and_accept(pilot) -> None:
    """F2 首问登记 with a card and a picked item, its window list, then the 受理 screen."""
    from devices.idcard import samples

    app = pilot.app
    await pilot.press("f2")
    await settle(pilot)
    app.screen.card_read(samples.RESIDENT)
    await type_text(pilot, "dbsq")
    await settle(pilot)
    check_layout(app, "inquiry")
    check_text(app, "inquiry", "首问登记", "渠道", "Ctrl+D", "低保申请", samples.RESIDENT.id_number)
    await pilot.press("enter", "ctrl+n", "ctrl+t")
    await settle(pilot)
    check_layout(app, "referral")
    check_text(app, "referral", "残联窗口", "电话")
    await pilot.press("escape", "ctrl+n", "ctrl+n", "ctrl+a")
    await settle(pilot)
    check_layout(app, "accept")
    check_text(app, "accept", "受理：低保申请", "户口簿", "建议：")
    await pilot.press("enter")
    await settle(pilot)
    check_layout(app, "accepted")
    check_text(app, "accepted", "已受理：办件号", "Esc 返回")
    await pilot.press("escape", "escape")
    await settle(pilot)


async def test_the_console_theme_draws_only_what_the_console_font_has(demo, clock):
    """Login, home, F2, F3, F4, a case, F8, F9 (and F1, F5, F6, F7, toasts, lock) under the
    console theme: every character drawn is ASCII, CJK or one of the console font's boxes."""
    from textual.widgets import Checkbox

    from tests.tui.test_case_screen import open_from_home
    from tui.screens.notice import NoticeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.theme = "chuangkou-console"
        await settle(pilot)
        check_text(app, "login", "登录")
        await login(pilot, "1001", "demo1001")
        check_text(app, "post", "今日岗位")  # its window and post lists
        app.screen.query_one("Select").expanded = True  # the window list open
        await settle(pilot)
        check_text(app, "post list")
        app.screen.query_one("Select").expanded = False
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        check_text(app, "home", "F1")
        row = next(r for r in app.screen.queue.rows if r.section == "case")
        for key in ("f2", "f3", "f5", "f6", "f7", "f8", "f9", "f1"):
            await pilot.press(key)
            await settle(pilot)
            check_text(app, key)
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("f3")
        await type_text(pilot, "zz")  # a field with text in it, and its result line
        await settle(pilot)
        check_text(app, "f3 typed")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f6", "n")  # the complaint form: its checkboxes, one focused
        await settle(pilot)
        for _ in range(12):
            if isinstance(app.focused, Checkbox):
                break
            await pilot.press("tab")
        await settle(pilot)
        assert isinstance(app.focused, Checkbox)
        check_text(app, "complaint form", "匿名")
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("ctrl+p")  # the command palette
        await settle(pilot)
        check_text(app, "palette")
        await pilot.press("escape")
        await settle(pilot)
        await open_from_home(pilot, row.number)
        check_text(app, "case", row.number)
        app.push_screen(NoticeScreen(row.number, "acceptance"))  # its frame, its text
        await settle(pilot)
        check_text(app, "notice", "告知书")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        check_text(app, "f4 queue")
        # Toasts (a refusal, a warning, a note): their frame too.
        app.notify("提示：已保存", timeout=30)
        app.notify("警告：读卡器离线", severity="warning", timeout=30)
        app.notify("错误：服务器连接中断", severity="error", timeout=30)
        await settle(pilot)
        check_text(app, "toasts", "服务器连接中断")
        app.clear_notifications()
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        check_text(app, "lock", "屏幕已锁定")


@pytest.mark.parametrize("theme", THEMES)
async def test_a_focused_field_looks_different_without_colour(demo, clock, theme):
    """The login form's two fields, one focused: their drawn styles differ in more than
    colour (bold, reverse …), so a monochrome console shows where the cursor is."""
    from textual.widgets import Input

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await settle(pilot)
        fields = list(app.screen.query(Input))
        assert len(fields) >= 2
        focused = app.focused
        assert focused in fields
        other = next(f for f in fields if f is not focused)

        def looks(field) -> set:
            line = field.render_line(0)
            return {seg.style.without_color for seg in line if seg.style is not None}

        assert looks(focused) != looks(other), f"{theme}: focus shows only in colour"
