"""好差评 driven by Pilot on the demo register with a simulated 评价器 (and reader) in a
DeviceManager the test polls itself: a walk-in accepted as 即办件, closed and rated 非常满意
on the device; a second rating refused; 窗口代录; a timeout from the device's injected
clock; 当场答复 opening the rating; F7 asking for the number; reader garbage on screen."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home
from tests.tui.test_layout import check_layout

pytestmark = pytest.mark.timeout(120)


class Rig:
    """The app with a simulated reader and 评价器 whose timeout runs on `now`."""

    def __init__(self, demo, clock) -> None:
        from devices.config import default_devices_config
        from devices.evaluator.sim import SimulatedEvaluator
        from devices.idcard import CardWatcher
        from devices.idcard.simulator import SimulatedReader
        from devices.idcard.transports.sim import SimTransport
        from devices.manager import DeviceManager

        url, info = demo
        self.info = info
        self.now = [0.0]
        self.evaluator = SimulatedEvaluator("evaluator", clock=lambda: self.now[0])
        self.reader = SimulatedReader(None)
        self.manager = DeviceManager(
            default_devices_config(),
            reader_factory=lambda cfg: CardWatcher(cfg.name, lambda: SimTransport(self.reader)),
            evaluator_factory=lambda cfg: self.evaluator,
            log_path=None,
        )
        self.app = make_app(url, clock, demo=info, devices=self.manager, poll_devices=False)

    async def home(self, pilot) -> None:
        await demo_clerk_home(pilot, self.info)
        self.manager.poll_once()  # both devices are found
        await until(pilot, lambda: len(self.app.device_states) == 2)

    async def armed_on_a_closed_case(self, pilot):
        """Home, a 即办件 done, its rating screen with the 评价器 armed: (number, screen)."""
        await self.home(pilot)
        number = closed_case(self.app)
        screen = await rating_screen(pilot, self, case_number=number)
        assert await until(pilot, lambda: self.evaluator.armed)
        return number, screen

    async def poll(self, pilot, check) -> None:
        """One step of the devices, then wait until the app has handled their events."""
        self.manager.poll_once()
        assert await until(pilot, check), screen_text(self.app)


async def until(pilot, check, rounds: int = 400) -> bool:
    """Let the device listener hand its events over (a thread) until `check()` holds."""
    for _ in range(rounds):
        if check():
            return True
        await settle(pilot, rounds=1)
    return check()


def ratings(app, **service) -> list[tuple[int, str, bool]]:
    """(level, channel, rated) of the service's ratings in the store."""
    from store.models import Case, Inquiry, Rating

    def read():
        if "case_number" in service:
            where = Rating.case == Case.get(Case.number == service["case_number"])
        else:
            where = Rating.inquiry == Inquiry.get(Inquiry.number == service["inquiry_number"])
        return [(r.level, r.channel, r.rated) for r in Rating.select().where(where)]

    return app.store.run(read)


def closed_case(app) -> str:
    """A 即办件 accepted and 办结 through the store (what the case screen will do)."""
    from devices.idcard import samples
    from store.cases import accept_case, close_case
    from store.catalog import load_catalog
    from store.persons import upsert_person

    card = samples.RESIDENT

    def run(session):
        # 退役军人信息采集: a 即办件 of 退役军人窗口, where the demo clerk 1001 holds the B post
        item = next(i for i in load_catalog(session.register).items if i.code == "TY001")
        person = upsert_person(session, name=card.name, id_number=card.id_number)
        case = accept_case(
            session,
            item_code=item.code,
            person_uuid=person.uuid,
            materials={m.name: "present" for m in item.materials},
            kind="immediate",
        )
        close_case(session, case.number, granted=True, reasons="准予登记")
        return case.number

    return app.store.run(run, app.session)


async def rating_screen(pilot, rig: Rig, **service):
    """open_rating as the case screen calls it after 办结; waits for the 评价器 to be armed."""
    from tui.screens.rating import RatingScreen, open_rating

    app = rig.app
    open_rating(app, **service)
    await settle(pilot)
    assert isinstance(app.screen, RatingScreen)
    return app.screen


async def test_a_walk_in_is_accepted_closed_and_rated_very_satisfied(demo, clock):
    from devices.idcard import samples
    from store.cases import case_detail
    from tui.screens.accept import AcceptScreen
    from tui.screens.case import CaseScreen
    from tui.screens.inquiry import InquiryScreen
    from tui.screens.rating import RATED, WAITING, RatingScreen

    rig = Rig(demo, clock)
    app = rig.app
    async with app.run_test(size=(80, 24)) as pilot:
        await rig.home(pilot)
        await pilot.press("f2")
        await settle(pilot)
        inquiry = app.screen
        assert isinstance(inquiry, InquiryScreen)
        # The card laid on the simulated reader: the real protocol through the watcher.
        rig.reader.place(samples.RESIDENT)
        await rig.poll(pilot, lambda: inquiry.card is not None)
        assert inquiry.query_one("#name").value == samples.RESIDENT.name
        # 退役军人信息采集: a 即办件 of 退役军人窗口, where 1001 holds the B post (AB岗)
        await type_text(pilot, "tyjrxxcj")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.item.default_kind == "immediate", app.screen.item
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert isinstance(app.screen, AcceptScreen)
        await pilot.press("enter")
        await settle(pilot)
        accepted = app.screen.result
        assert accepted is not None and accepted.kind == "immediate", screen_text(app)
        # Enter opens the case (nothing to notify for a 即办件); B 办结, 准予 with the result.
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("enter")  # 准予
        await type_text(pilot, "已采集退役军人信息")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RatingScreen), screen_text(app)
        screen = app.screen
        detail = app.store.run(case_detail, app.session, accepted.number)
        assert detail.state == "done" and detail.granted is True
        assert await until(pilot, lambda: rig.evaluator.armed)
        assert app.last_service == ("case", accepted.number)
        text = screen_text(app)
        assert "请对本次服务进行评价" in text and accepted.number in text
        assert "非常满意" in text and "非常不满意" in text and "剩余" in text
        check_layout(app, "rating")
        context = rig.evaluator.shown[-1]
        assert context.service_ref == accepted.number and context.clerk_number == "1001"

        # Garbage from the device (an unknown key code) is dropped: nothing wrong is shown
        # and the next valid key still counts.
        rig.evaluator.press("?")
        rig.evaluator.press(99)
        rig.manager.poll_once()
        await settle(pilot)
        assert screen.state == WAITING and rig.evaluator.armed
        assert not screen.query_one("#rating-error").display
        rig.evaluator.press(1)  # vendor A: key 1 = 非常满意
        await rig.poll(pilot, lambda: screen.state == RATED)
        assert "已评价：非常满意" in screen_text(app)
        assert ratings(app, case_number=accepted.number) == [(1, "device", True)]
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, RatingScreen)


async def test_a_second_rating_is_refused_and_the_store_keeps_one(demo, clock):
    from store.ratings import record_rating
    from tui.screens.rating import REFUSED

    rig = Rig(demo, clock)
    app = rig.app
    async with app.run_test() as pilot:
        await rig.home(pilot)
        number = closed_case(app)
        app.store.run(record_rating, app.session, case_number=number, level=1, channel="device")
        # Opened again: refused before the device is armed; no key changes that.
        screen = await rating_screen(pilot, rig, case_number=number)
        assert await until(pilot, lambda: screen.state == REFUSED)
        assert not rig.evaluator.armed
        await pilot.press("3")  # a clerk key
        rig.evaluator.press(5)  # and a device key
        rig.manager.poll_once()
        await settle(pilot)
        assert "已评价过" in screen_text(app)
        assert ratings(app, case_number=number) == [(1, "device", True)]
        await pilot.press("escape")
        await settle(pilot)

        # Two counters race: the rating arrives from elsewhere while this one is armed;
        # the store's unique constraint refuses the device's key, nothing is written.
        other = closed_case(app)
        screen = await rating_screen(pilot, rig, case_number=other)
        assert await until(pilot, lambda: rig.evaluator.armed)
        app.store.run(record_rating, app.session, case_number=other, level=2, channel="clerk")
        rig.evaluator.press(4)
        await rig.poll(pilot, lambda: screen.state == REFUSED)
        assert "已评价过：每次服务只能评价一次" in screen_text(app)
        assert ratings(app, case_number=other) == [(2, "clerk", True)]


async def test_the_clerk_keys_a_rating_stated_aloud(demo, clock):
    from tui.screens.rating import RATED

    rig = Rig(demo, clock)
    app = rig.app
    async with app.run_test() as pilot:
        number, screen = await rig.armed_on_a_closed_case(pilot)
        await pilot.press("2")  # 满意, keyed by the clerk: the arming is cancelled
        assert await until(pilot, lambda: screen.state == RATED)
        assert not rig.evaluator.armed
        assert "已评价：满意（窗口代录）" in screen_text(app)
        rig.evaluator.press(5)  # too late: the device is no longer armed
        rig.manager.poll_once()
        await settle(pilot)
        assert ratings(app, case_number=number) == [(2, "clerk", True)]
        assert "已评价：满意（窗口代录）" in screen_text(app)


async def test_without_an_evaluator_the_clerk_still_keys_it(demo, clock):
    from tui.screens.rating import RATED

    url, info = demo
    app = make_app(url, clock, demo=info)  # no devices at all
    async with app.run_test() as pilot:
        await demo_clerk_home(pilot, info)
        number = closed_case(app)
        from tui.screens.rating import open_rating

        open_rating(app, case_number=number)
        await settle(pilot)
        assert "未连接评价器" in screen_text(app)
        await pilot.press("5")
        assert await until(pilot, lambda: app.screen.state == RATED)
        text = screen_text(app)
        assert "已评价：非常不满意（窗口代录）" in text and "回访" in text  # 差评: follow-up
        assert ratings(app, case_number=number) == [(5, "clerk", True)]


async def test_no_key_before_the_timeout_is_not_rated_and_can_be_asked_again(demo, clock):
    from tui.screens.rating import ENDED, RATED

    rig = Rig(demo, clock)
    app = rig.app
    async with app.run_test() as pilot:
        number, screen = await rig.armed_on_a_closed_case(pilot)
        rig.now[0] += app.register.policy.evaluator.timeout_seconds  # the device's clock
        await rig.poll(pilot, lambda: screen.state == ENDED)
        text = screen_text(app)
        assert "评价超时：本次服务未评价" in text and "r 重新评价" in text
        assert ratings(app, case_number=number) == []
        await pilot.press("r")  # 重新评价
        await settle(pilot)
        assert rig.evaluator.armed and "请对本次服务进行评价" in screen_text(app)
        rig.evaluator.press(3)
        await rig.poll(pilot, lambda: screen.state == RATED)
        assert "已评价：基本满意" in screen_text(app)
        assert ratings(app, case_number=number) == [(3, "device", True)]


async def test_esc_cancels_the_arming_and_a_late_key_is_ignored(demo, clock):
    from tui.screens.rating import RatingScreen

    rig = Rig(demo, clock)
    app = rig.app
    async with app.run_test() as pilot:
        number, _screen = await rig.armed_on_a_closed_case(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, RatingScreen)
        assert not rig.evaluator.armed
        rig.evaluator.press(1)
        rig.manager.poll_once()
        await settle(pilot)
        assert ratings(app, case_number=number) == []


async def test_answered_on_the_spot_opens_the_rating_of_the_inquiry(demo, clock):
    from devices.idcard import samples
    from tui.screens.rating import RATED, RatingScreen

    rig = Rig(demo, clock)
    app = rig.app
    async with app.run_test() as pilot:
        await rig.home(pilot)
        await pilot.press("f2")
        await settle(pilot)
        app.screen.card_read(samples.RESIDENT)
        await type_text(pilot, "办事时间")
        await pilot.press("ctrl+d")  # 当场答复
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RatingScreen), screen_text(app)
        number = screen.inquiry_number
        assert number and number.startswith("SW") and screen.case_number is None
        assert app.last_service == ("inquiry", number)
        assert await until(pilot, lambda: rig.evaluator.armed)
        assert f"登记号 {number}" in screen_text(app)
        rig.evaluator.press(2)
        await rig.poll(pilot, lambda: screen.state == RATED)
        assert "已评价：满意" in screen_text(app)
        assert ratings(app, inquiry_number=number) == [(2, "device", True)]


async def test_f7_asks_for_the_number_prefilled_with_the_last_service(demo, clock):
    from tui.screens.rating import ASK, RATED, RatingScreen

    rig = Rig(demo, clock)
    app = rig.app
    async with app.run_test() as pilot:
        await rig.home(pilot)
        number = closed_case(app)
        await pilot.press("f7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RatingScreen) and screen.state == ASK
        assert "请输入办件号或登记号" in screen_text(app)
        field = screen.query_one("#service")
        assert field.value == ""
        await type_text(pilot, "12345")
        await pilot.press("enter")
        await settle(pilot)
        assert "请输入办件号（BJ开头）或登记号（SW开头）" in screen_text(app)
        field.value = ""
        await type_text(pilot, "BJ20261123-9999")
        await pilot.press("enter")
        await settle(pilot)
        assert "没有办件号为 BJ20261123-9999 的办件" in screen_text(app)
        assert screen.state == ASK and not rig.evaluator.armed
        await pilot.press("escape")
        await settle(pilot)

        app.last_service = ("case", number)  # as the case screen sets it after 办结
        await pilot.press("f7")
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#service").value == number
        await pilot.press("enter")
        assert await until(pilot, lambda: rig.evaluator.armed)
        assert screen.case_number == number
        rig.evaluator.press(1)
        await rig.poll(pilot, lambda: screen.state == RATED)
        assert ratings(app, case_number=number) == [(1, "device", True)]


async def test_reader_garbage_is_shown_in_chinese_and_nothing_is_filled(demo, clock):
    from devices.idcard import commands, samples
    from devices.idcard.simulator import Fault
    from store.models import Inquiry
    from tui.screens.inquiry import InquiryScreen

    rig = Rig(demo, clock)
    app = rig.app
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await rig.home(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, InquiryScreen)
        before = app.store.run(lambda: Inquiry.select().count())
        # Every read of the card's data comes back with a broken checksum (1 + 2 retries).
        rig.reader.inject(Fault.CHECKSUM, on=commands.READ_BASE, times=3)
        rig.reader.place(samples.RESIDENT)
        await rig.poll(pilot, lambda: "读卡失败" in screen_text(app))
        assert "重新放置" in screen_text(app)
        screen = app.screen
        assert isinstance(screen, InquiryScreen) and screen.card is None
        assert screen.query_one("#id_number").value == ""
        assert screen.query_one("#name").value == ""
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert app.store.run(lambda: Inquiry.select().count()) == before


async def test_a_service_recorded_not_rated_takes_the_rating_of_the_callback(demo, clock):
    """The daily job's 未评价 does not block the rating given on the callback (电话回访):
    F7 on that service keys it, and it replaces the record (still one per service)."""
    from store.ratings import record_not_rated

    rig = Rig(demo, clock)
    app = rig.app
    async with app.run_test(size=(80, 24)) as pilot:
        await rig.home(pilot)
        number = closed_case(app)
        app.store.run(record_not_rated, app.session, case_number=number)
        await rating_screen(pilot, rig, case_number=number)
        await settle(pilot)
        assert "已记为未评价：电话回访时请申请人评价" in screen_text(app)
        assert not rig.evaluator.armed  # nobody at the counter to press a key
        await pilot.press("4")
        await settle(pilot)
        assert ratings(app, case_number=number) == [(4, "phone", True)]
        text = screen_text(app)
        assert "已评价：不满意（电话回访，替换未评价记录）" in text and "差评：请于" in text
