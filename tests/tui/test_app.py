"""The counter application driven by Pilot: first run, demo login, lockout, idle lock,
a card read on the home screen, every F-key and palette command."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text

pytestmark = pytest.mark.timeout(120)


async def login(pilot, number: str, password: str) -> None:
    await type_text(pilot, number)
    await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await settle(pilot)


async def demo_clerk_home(pilot, info) -> None:
    clerk = next(a for a in info.accounts if a.number == "1001")
    await settle(pilot)
    await login(pilot, clerk.number, clerk.password)
    from tui.screens.post import PostScreen

    assert isinstance(pilot.app.screen, PostScreen)
    await pilot.press("enter")  # today's post from the roster
    await settle(pilot)


async def test_first_run_wizard_reaches_a_logged_in_home(tmp_path, clock):
    from tui.screens.board import BoardScreen
    from tui.screens.first_run import FirstRunScreen, RecoveryCodeScreen

    url = f"sqlite:///{tmp_path / 'new' / 'register.db'}"
    app = make_app(url, clock)
    async with app.run_test() as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        for text in ("示例镇便民服务中心", "SLZ"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await pilot.press("tab")  # the window list keeps every sample window
        for text in ("0001", "林主任", "zhuren-mima-1", "zhuren-mima-2"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await settle(pilot)
        assert "两次输入的密码不一致" in screen_text(app)
        await type_text(pilot, "zhuren-mima-1")
        await pilot.press("tab")
        await type_text(pilot, "zhuren-mima-1")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RecoveryCodeScreen)
        shown = screen_text(app)
        assert app.screen.code in shown
        await type_text(pilot, "WRONG")
        await pilot.press("enter")
        assert "不对" in screen_text(app)
        await type_text(pilot, app.screen.groups[app.screen.ask])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)  # the supervisor's home: the board
        assert app.session.staff_number == "0001"
        assert "示例镇便民服务中心" in screen_text(app)


async def test_demo_login_screen_lists_accounts_and_logs_in(demo, clock):
    from tui.screens.home import HomeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test() as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "演示" in text
        for account in info.accounts[:3]:
            assert account.number in text and account.password in text
        await demo_clerk_home(pilot, info)
        assert isinstance(app.screen, HomeScreen)
        home = screen_text(app)
        assert "【演示】" in home and "民政窗口A岗" in home
        assert "项待办" in home


async def test_lockout_after_wrong_passwords_says_how_long(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test() as pilot:
        await settle(pilot)
        await type_text(pilot, "1001")
        await pilot.press("enter")
        for _ in range(5):
            await type_text(pilot, "not-the-password")
            await pilot.press("enter")
            await settle(pilot)
        text = screen_text(app)
        assert "账号已锁定 15 分钟" in text
        # Even the right password is refused now, with the minutes left.
        await type_text(pilot, "demo1001")
        await pilot.press("enter")
        await settle(pilot)
        assert "15 分钟后再试" in screen_text(app)
        assert app.session is None


def _register_names(url: str) -> list[str]:
    """Every person's full name in the register (opened with a supervisor's keys)."""
    from store.auth import login as store_login
    from store.models import Person
    from store.session import Register

    register = Register.open(url)
    session = store_login(register, "0001", "demo0001")
    keys = session.keys
    return [keys.open_text("person", "name_enc", p.uuid, p.name_enc) for p in Person.select()]


async def test_home_and_queue_show_no_unmasked_personal_field(demo, clock):
    from policies.masking import mask_name

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(120, 40)) as pilot:
        await demo_clerk_home(pilot, info)
        text = screen_text(app)
        names = _register_names(url)
        rows = app.screen.queue.rows
        assert rows, "the demo clerk has a queue"
        shown = [r.applicant for r in rows if r.applicant]
        assert shown
        masked_forms = {mask_name(n) for n in names}
        for applicant in shown:
            assert applicant in masked_forms
            assert applicant in text and "*" in applicant
        for name in names:
            if len(name) >= 2:
                assert name not in text, "a full name on the home screen"
        for row in rows:
            assert all(name not in repr(row) and name != row.applicant for name in names)


async def test_idle_lock_takes_personal_data_off_the_screen(demo, clock):
    from tui.screens.case import CaseScreen
    from tui.screens.lock import LockScreen

    url, info = demo
    now = [1000.0]
    app = make_app(url, clock, demo=info, idle_clock=lambda: now[0])
    async with app.run_test(size=(100, 30)) as pilot:
        await demo_clerk_home(pilot, info)
        queue_row = next(r for r in app.screen.queue.rows if r.section == "case")
        await pilot.press("f3")
        await type_text(pilot, queue_row.number)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)  # F3 with a case number opens the case
        name = app.screen.detail.applicant_name
        assert name in screen_text(app)
        masked = queue_row.applicant
        now[0] += app.register.policy.login.idle_lock_seconds - 1
        app.lock_if_idle()
        assert isinstance(app.screen, CaseScreen), "not idle long enough yet"
        now[0] += 2
        app.lock_if_idle()
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        assert len(app.screen_stack) == 2  # nothing with personal data is kept beneath
        text = screen_text(app)
        assert name not in text and masked not in text
        assert "屏幕已锁定" in text
        # The clerk's password unlocks; the queue comes back.
        await type_text(pilot, "demo1001")
        await pilot.press("enter")
        await settle(pilot)
        from tui.screens.home import HomeScreen

        assert isinstance(app.screen, HomeScreen)


async def test_another_clerk_unlocking_switches_the_session(demo, clock):
    from tui.screens.lock import LockScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test() as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        number = app.screen.query_one("#number")
        number.value = ""
        number.focus()
        await type_text(pilot, "1002")
        await pilot.press("enter")
        await type_text(pilot, "demo1002")
        await pilot.press("enter")
        await settle(pilot)
        from tui.screens.home import HomeScreen
        from tui.screens.post import PostScreen

        assert isinstance(app.screen, PostScreen)  # their own post for today
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.session.staff_number == "1002"
        assert app.today_post.window_code != "minzheng"


async def test_a_card_read_on_the_home_screen_opens_that_persons_history(demo, clock):
    from devices.config import default_devices_config
    from devices.idcard import CardWatcher, samples
    from devices.idcard.simulator import SimulatedReader
    from devices.idcard.transports.sim import SimTransport
    from devices.manager import DeviceManager
    from store.auth import login as store_login
    from store.persons import upsert_person
    from store.session import Register
    from tui.screens.history import HistoryScreen

    url, info = demo
    card = samples.RESIDENT
    # The card's holder has been to the hall before.
    register = Register.open(url)
    upsert_person(
        store_login(register, "1001", "demo1001"), name=card.name, id_number=card.id_number
    )
    reader = SimulatedReader(None)
    manager = DeviceManager(
        default_devices_config(),
        reader_factory=lambda cfg: CardWatcher(cfg.name, lambda: SimTransport(reader)),
        log_path=None,
    )
    app = make_app(url, clock, demo=info, devices=manager, poll_devices=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await demo_clerk_home(pilot, info)
        manager.poll_once()  # the reader is found
        reader.place(card)
        manager.poll_once()  # the card is read
        for _ in range(200):
            await settle(pilot, rounds=1)
            if isinstance(app.screen, HistoryScreen):
                break
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.history.person.name == card.name
        assert card.name in screen_text(app)


F_KEY_SCREENS = {
    "f1": "HelpScreen",
    "f2": "InquiryScreen",
    "f3": "SearchScreen",
    "f5": "HandoverScreen",
    "f6": "ComplaintScreen",
    "f7": "RatingScreen",
    "f8": "ReportScreen",
    "f9": "DevicesScreen",
    "f4": "HomeScreen",
    "f10": "LockScreen",
}


async def test_every_f_key_reaches_its_screen(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test() as pilot:
        await demo_clerk_home(pilot, info)
        for key, screen in F_KEY_SCREENS.items():
            await pilot.press(key)
            await settle(pilot)
            assert type(app.screen).__name__ == screen, key
            if screen == "HelpScreen":
                assert "F2" in screen_text(app) and "首问登记" in screen_text(app)
                await pilot.press("escape")


async def test_palette_offers_every_action_in_chinese(demo, clock):
    from tui.keys import ACTIONS

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test() as pilot:
        await demo_clerk_home(pilot, info)
        for action in ACTIONS:
            screen = F_KEY_SCREENS.get(action.key)
            if screen in (None, "LockScreen", "HomeScreen"):
                continue
            await pilot.press("ctrl+p")
            await settle(pilot)
            await type_text(pilot, action.label)
            await pilot.press("enter")
            await settle(pilot)
            assert type(app.screen).__name__ == screen, action.label
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "高对比")
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "chuangkou-contrast"


async def test_ctrl_c_does_not_quit_and_nothing_saves_a_screenshot(
    demo, clock, tmp_path, monkeypatch
):
    url, info = demo
    monkeypatch.chdir(tmp_path)
    app = make_app(url, clock, demo=info)
    async with app.run_test() as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("ctrl+c", "ctrl+q", "ctrl+s")
        await settle(pilot)
        assert app.is_running
        app.action_screenshot()
        with pytest.raises(PermissionError):
            app.save_screenshot()
        assert not list(tmp_path.glob("*.svg"))
        # Leaving needs the lock screen and a password.
        await pilot.press("f10")
        await pilot.press("ctrl+q")
        await settle(pilot)
        # The exit dialog's hint says what Enter does there: it does not unlock.
        hint = str(app.screen.query_one("#lock-hint").render())
        assert "解锁" not in hint and "回车 确认退出" in hint
        await pilot.press("escape")  # Esc takes the 退出 back
        await settle(pilot)
        assert "回车 解锁" in str(app.screen.query_one("#lock-hint").render())
        await pilot.press("ctrl+q")
        await type_text(pilot, "demo1001")
        await pilot.press("enter")
        await settle(pilot)
    assert app.return_code == 0


async def test_a_halls_keymap_moves_an_action_to_another_key(demo, clock, tmp_path, monkeypatch):
    station = tmp_path / "keymap-station.toml"
    station.write_text('[station]\nid = "k"\n[keymap]\nsearch = "f12"\n', encoding="utf-8")
    monkeypatch.setenv("CHUANGKOU_CONFIG", str(station))
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test() as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("f3")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"  # F3 no longer searches
        await pilot.press("f12")
        await settle(pilot)
        assert type(app.screen).__name__ == "SearchScreen"


async def test_help_and_palette_speak_chinese_only(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("f2", "f1")
        await settle(pilot)
        text = screen_text(app)
        assert "下一项" in text and "首问登记" in text
        for english in ("Focus Next", "Focus Previous", "Copy selected text"):
            assert english not in text
        await pilot.press("escape", "ctrl+p")
        await settle(pilot)
        assert "输入功能或主题名称" in screen_text(app)
        await type_text(pilot, "qqqq")
        for _ in range(20):  # the palette searches in the background
            await settle(pilot)
            if "没有匹配的功能" in screen_text(app):
                break
        text = screen_text(app)
        assert "没有匹配的功能" in text and "No matches found" not in text
