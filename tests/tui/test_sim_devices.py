"""The demo's hands on its simulated devices, driven by Pilot on the real app and the demo
register: a demo person's card placed from the palette and with Ctrl+K fills F2 through the
reader's real protocol path; a card that cannot be read shows the reader's Chinese error;
Ctrl+L lifts; a 评价器 key from the palette rates a service (stored); none of it with a real
reader; F9 names the devices in Chinese with hall-time times."""

from __future__ import annotations

import re

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text, wait_for_text
from tests.tui.test_app import demo_clerk_home
from tests.tui.test_rating import closed_case, rating_screen, ratings, until

pytestmark = pytest.mark.timeout(180)


class DemoRig:
    """The app as `chuangkou demo` builds it (the default simulated devices and factories),
    polled by the test; device times on the test's clock."""

    def __init__(self, demo, clock) -> None:
        from devices.config import default_devices_config
        from devices.manager import DeviceManager

        url, info = demo
        self.info = info
        self.manager = DeviceManager(
            default_devices_config(),
            clock=lambda: 0.0,  # the 评价器 never times out on its own here
            wall_clock=lambda: clock.now().timestamp(),
            log_path=None,
        )
        self.app = make_app(url, clock, demo=info, devices=self.manager, poll_devices=False)

    async def home(self, pilot) -> None:
        # The devices are found (the demo reader's sample card is read) before anyone logs in.
        await settle(pilot)
        self.manager.poll_once()
        assert await until(pilot, lambda: len(self.app.device_states) == 2)
        await demo_clerk_home(pilot, self.info)

    async def poll(self, pilot, check) -> None:
        self.manager.poll_once()
        assert await until(pilot, check), "device event not handled"

    def sim_reader(self):
        # Only to check the lift: the simulator behind the watcher's open link.
        return self.manager._workers["reader"].device.transport.reader


async def palette(pilot, label: str) -> None:
    await pilot.press("ctrl+p")
    await settle(pilot)
    await type_text(pilot, label)
    await pilot.press("enter")
    await settle(pilot)


async def f2(pilot):
    from tui.screens.inquiry import InquiryScreen

    await pilot.press("f2")
    await settle(pilot)
    assert isinstance(pilot.app.screen, InquiryScreen)
    return pilot.app.screen


def test_the_offered_cards_are_the_demo_registers_persons(demo):
    from store.auth import login
    from store.persons import find_by_id_number
    from store.session import Register
    from tui.sim_devices import demo_cards

    url, _ = demo
    session = login(Register.open(url), "1001", "demo1001")
    for card in demo_cards()[:3]:
        person = find_by_id_number(session, card.id_number)
        assert person is not None and person.name == card.name


async def test_a_demo_card_from_the_palette_and_from_ctrl_k_fills_f2(demo, clock):
    from policies.masking import mask_name
    from tui.screens.sim_pick import PickDialog
    from tui.sim_devices import demo_cards

    cards = demo_cards()
    rig = DemoRig(demo, clock)
    app = rig.app
    async with app.run_test(size=(80, 24)) as pilot:
        await rig.home(pilot)
        inquiry = await f2(pilot)
        await palette(pilot, "放卡")
        assert isinstance(app.screen, PickDialog)
        shown = screen_text(app)
        assert mask_name(cards[0].name) in shown
        assert cards[0].name not in shown and cards[0].id_number not in shown  # masked
        await pilot.press("enter")  # the first demo person
        await settle(pilot)
        assert app.screen is inquiry
        await rig.poll(pilot, lambda: inquiry.card is not None)
        assert inquiry.query_one("#name").value == cards[0].name
        assert inquiry.query_one("#id_number").value == cards[0].id_number

        # The one-key path, with the form's text field focused: the third person.
        await pilot.press("escape")
        await settle(pilot)
        inquiry = await f2(pilot)
        assert inquiry.focused is not None
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert isinstance(app.screen, PickDialog)
        await pilot.press("3")
        await settle(pilot)
        await rig.poll(pilot, lambda: inquiry.card is not None)
        assert inquiry.query_one("#name").value == cards[2].name
        assert inquiry.query_one("#id_number").value == cards[2].id_number


async def test_a_card_that_cannot_be_read_and_lifting_it(demo, clock):
    from tui.sim_devices import FAULT_LINE, demo_cards

    rig = DemoRig(demo, clock)
    app = rig.app
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await rig.home(pilot)
        inquiry = await f2(pilot)
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert FAULT_LINE in screen_text(app)
        await pilot.press(str(len(demo_cards()) + 1))  # the last line: the faulty card
        await settle(pilot)
        rig.manager.poll_once()
        shown = await wait_for_text(pilot, "读卡失败")
        assert "读卡失败" in shown and "读证/卡操作失败" in shown  # the reader's own words
        assert inquiry.card is None and inquiry.query_one("#name").value == ""
        assert rig.sim_reader().has_card

        await pilot.press("ctrl+l")
        await settle(pilot)
        assert "已从模拟读卡器上取走证件" in screen_text(app)
        assert not rig.sim_reader().has_card
        rig.manager.poll_once()
        await settle(pilot)
        assert inquiry.card is None

        # Placed again, the card reads: the fault went with the lifted card.
        await pilot.press("ctrl+k")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await rig.poll(pilot, lambda: inquiry.card is not None)
        assert inquiry.query_one("#name").value == demo_cards()[0].name


async def test_a_simulated_evaluator_key_rates_the_service(demo, clock):
    from tui.screens.rating import RATED
    from tui.screens.sim_pick import PickDialog

    rig = DemoRig(demo, clock)
    app = rig.app
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await rig.home(pilot)
        # Not armed: the key says what to do first and opens nothing.
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert not isinstance(app.screen, PickDialog)
        assert "评价器未在等待评价" in screen_text(app)

        number = closed_case(app)
        screen = await rating_screen(pilot, rig, case_number=number)
        assert rig.manager.evaluator_armed()
        await palette(pilot, "评价器按键")
        assert isinstance(app.screen, PickDialog)
        assert "非常满意" in screen_text(app)
        await pilot.press("2")  # 满意, on the device
        await settle(pilot)
        assert app.screen is screen
        await rig.poll(pilot, lambda: screen.state == RATED)
        assert "已评价：满意" in screen_text(app)
        assert ratings(app, case_number=number) == [(2, "device", True)]

        # The next service, with Ctrl+R.
        await pilot.press("enter")
        await settle(pilot)
        number = closed_case(app)
        screen = await rating_screen(pilot, rig, case_number=number)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        await rig.poll(pilot, lambda: screen.state == RATED)
        assert ratings(app, case_number=number) == [(1, "device", True)]


async def test_no_demo_keys_with_a_real_reader(demo, clock):
    from devices.config import DeviceConfig, DevicesConfig
    from devices.evaluator.sim import SimulatedEvaluator
    from devices.idcard import CardWatcher
    from devices.idcard.simulator import SimulatedReader
    from devices.idcard.transports.sim import SimTransport
    from devices.manager import DeviceManager
    from tui.screens.help import HelpScreen
    from tui.screens.sim_pick import PickDialog

    url, info = demo
    # Configured as a USB reader and a keypad 评价器 (simulators stand in for the hardware).
    config = DevicesConfig(
        devices=(
            DeviceConfig("reader", "reader", "usb", 0.5),
            DeviceConfig("evaluator", "evaluator", "evdev", 0.05),
        )
    )
    reader = SimulatedReader(None)
    manager = DeviceManager(
        config,
        reader_factory=lambda cfg: CardWatcher(cfg.name, lambda: SimTransport(reader)),
        evaluator_factory=lambda cfg: SimulatedEvaluator(cfg.name),
        log_path=None,
    )
    assert not manager.place_card(object()) and not manager.press_evaluator_key(1)
    app = make_app(url, clock, demo=info, devices=manager, poll_devices=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        manager.poll_once()
        inquiry = await f2(pilot)
        await type_text(pilot, "王小")
        await pilot.press("home", "ctrl+k")  # the input's own Ctrl+K: delete to the end
        await settle(pilot)
        assert app.screen is inquiry
        assert inquiry.focused.value == ""
        for key in ("ctrl+l", "ctrl+r"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is inquiry and not isinstance(app.screen, PickDialog)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await type_text(pilot, "放卡")
        await settle(pilot)
        assert "没有匹配的功能" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = screen_text(app)
        assert "Ctrl+K" not in shown and "放卡" not in shown
        await pilot.press("escape")
        await pilot.press("f9")
        await settle(pilot)
        assert "演示：" not in screen_text(app)


async def test_help_and_f9_show_the_demo_keys_and_chinese_devices(demo, clock):
    from tui.screens.devices import DevicesScreen
    from tui.screens.help import HelpScreen
    from tui.screens.rating import RATED

    rig = DemoRig(demo, clock)
    app = rig.app
    async with app.run_test(size=(100, 30)) as pilot:
        await rig.home(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = screen_text(app)
        for text in ("Ctrl+K", "放卡", "Ctrl+L", "取卡", "Ctrl+R", "评价器按键"):
            assert text in shown, text
        await pilot.press("escape")
        await settle(pilot)

        number = closed_case(app)
        screen = await rating_screen(pilot, rig, case_number=number)
        rig.manager.press_evaluator_key(5)
        await rig.poll(pilot, lambda: screen.state == RATED)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, DevicesScreen)
        shown = screen_text(app)
        assert "身份证阅读器" in shown and "评价器" in shown
        assert "模拟" in shown  # state: simulated
        assert "演示：Ctrl+K 放卡　Ctrl+L 取卡　Ctrl+R 评价器按键" in shown
        # Times in the hall's time, as the status bar shows it (09:10 in Beijing, 01:10 UTC).
        events = app.screen.query_one("#events")
        times = {str(events.get_row_at(i)[0]) for i in range(events.row_count)}
        assert times == {"11-23 09:10"}
        assert "01:10" not in shown
        assert "连接" in shown and "读卡成功 居民身份证" in shown and "评价 非常不满意" in shown
        words = set(re.findall(r"[A-Za-z]{3,}", shown))
        english = {"reader", "evaluator", "online", "offline", "Armed", "RatingGiven", "CardRead"}
        assert not words & english, words & english
        assert "CardWatcher" not in shown and "SimulatedEvaluator" not in shown
