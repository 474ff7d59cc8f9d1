"""首问登记 (F2) and 受理 driven by Pilot on the demo register: a walk-in accepted in a few
keys, a phone call referred to another window, a wrong ID number, an empty matter."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home

pytestmark = pytest.mark.timeout(120)


class Keys:
    """Presses keys and counts them (the characters of free text are not counted)."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)
        await settle(self.pilot)

    async def text(self, text: str) -> None:
        await type_text(self.pilot, text)
        await settle(self.pilot)


def _inquiries(app) -> int:
    from store.models import Inquiry

    return app.store.run(lambda: Inquiry.select().count())


async def _open_inquiry(pilot, info) -> Keys:
    from tui.screens.inquiry import InquiryScreen

    await demo_clerk_home(pilot, info)
    keys = Keys(pilot)
    await keys.press("f2")
    assert isinstance(pilot.app.screen, InquiryScreen)
    return keys


async def test_a_walk_in_with_a_card_is_accepted_in_few_keys(demo, clock):
    from devices.idcard import samples
    from store.cases import case_detail
    from tui.screens.accept import AcceptScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    card = samples.RESIDENT
    async with app.run_test(size=(80, 24)) as pilot:
        keys = await _open_inquiry(pilot, info)
        app.screen.card_read(card)  # as the reader would
        await settle(pilot)
        text = screen_text(app)
        assert card.name in app.screen.query_one("#name").value
        assert "首次来访" in text or "记录" in text
        await keys.press(*"dbsq")  # pinyin initials count as keys: they are not free text
        assert "低保申请" in screen_text(app)
        await keys.press("enter")  # the first match
        assert app.screen.item.code == "MZ001"
        await keys.press("ctrl+a")  # 本窗口受理
        assert isinstance(app.screen, AcceptScreen)
        assert "户口簿" in screen_text(app)
        await keys.press("enter")  # accept the proposal (every material brought)
        result = app.screen.result
        assert result is not None, screen_text(app)
        assert keys.count == 8  # F2, d b s q, Enter, Ctrl+A, Enter: within the 10 allowed
        shown = screen_text(app)
        assert result.number in shown and "已受理" in shown
        detail = app.store.run(case_detail, app.session, result.number)
        assert detail.item_code == "MZ001"
        assert detail.applicant_name == card.name


async def test_a_phone_call_referred_shows_the_windows_phone(demo, clock):
    from tui.screens.inquiry import InquiryScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        keys = await _open_inquiry(pilot, info)
        before = _inquiries(app)
        await keys.press("ctrl+n")  # 电话
        assert "【电话】" in screen_text(app)
        await keys.press("tab")
        await keys.text("王先生")
        await keys.press("tab")
        await keys.text("13800138000")
        await keys.press("tab")
        await keys.text("养老保险怎么续缴")
        await keys.press("ctrl+t")  # 转办: the window list
        screen = app.screen
        assert isinstance(screen, InquiryScreen)
        target = screen._windows[0]
        assert target.code != "minzheng" and target.phone
        assert target.phone in screen_text(app)
        await keys.press("enter")
        shown = screen_text(app)
        assert "转办" in shown and target.phone in shown, shown
        assert _inquiries(app) == before + 1


async def test_a_wrong_check_digit_is_refused_in_chinese(demo, clock):
    from devices.idcard import samples

    url, info = demo
    app = make_app(url, clock, demo=info)
    number = samples.RESIDENT.id_number
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    async with app.run_test(size=(80, 24)) as pilot:
        keys = await _open_inquiry(pilot, info)
        before = _inquiries(app)
        await keys.text(wrong[:17])
        assert "校验码" not in screen_text(app)
        await keys.text(wrong[17])
        assert "身份证号码校验码错误" in screen_text(app)
        await keys.press("tab")
        await keys.text("张三")
        await keys.press("tab", "tab")
        await keys.text("低保怎么申请")
        await keys.press("ctrl+d")
        assert "校验码错误" in screen_text(app)
        assert _inquiries(app) == before


async def test_an_empty_matter_is_refused_in_chinese(demo, clock):
    from devices.idcard import samples

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        keys = await _open_inquiry(pilot, info)
        before = _inquiries(app)
        app.screen.card_read(samples.RESIDENT)
        await settle(pilot)
        await keys.press("ctrl+d")
        assert "所问事项不能为空" in screen_text(app)
        assert _inquiries(app) == before
        # Free text is enough for 当场答复 (a 咨询).
        await keys.text("办事时间")
        await keys.press("ctrl+d")
        assert "登记号" in screen_text(app)
        assert _inquiries(app) == before + 1
        await keys.press("escape")  # 当场答复 asked for the rating: left unrated
        # The next time the card is read, the register knows the person.
        app.screen.card_read(samples.RESIDENT)
        await settle(pilot)
        assert "登记本中有此人 1 条记录" in screen_text(app)


async def test_another_windows_item_is_referred_to_it_and_a_call_is_not_rated(demo, clock):
    from devices.idcard import samples
    from store.models import Inquiry
    from tui.screens.inquiry import InquiryScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 30)) as pilot:
        keys = await _open_inquiry(pilot, info)
        app.screen.card_read(samples.RESIDENT)
        await settle(pilot)
        before = _inquiries(app)
        await keys.press(*"cjrz", "enter")  # 残疾人证办理: 残联窗口's, not 民政's
        assert app.screen.item.code == "CL001"
        await keys.press("ctrl+a")  # not this window's to accept
        assert isinstance(app.screen, InquiryScreen)
        assert "属残联窗口，不是本窗口的事项：请转办给残联窗口" in screen_text(app)
        assert _inquiries(app) == before
        await keys.press("ctrl+t")
        screen = app.screen
        picked = screen._windows[screen.query_one("#windows").highlighted]
        assert picked.code == "canlian"
        await keys.press("enter")  # one Enter sends it where it belongs
        row = app.store.run(lambda: Inquiry.select().order_by(Inquiry.id.desc()).get())
        assert (row.disposition, app.store.run(lambda: row.referred_to.code)) == (
            "referred",
            "canlian",
        )

        # 当场答复 on the phone: the caller cannot press the 评价器, so none is asked for.
        await keys.press("ctrl+n")  # 电话
        await keys.press("tab")
        await keys.text("王先生")
        await keys.press("tab")
        await keys.text("13800138000")
        await keys.press("tab")
        await keys.text("办事时间")
        await keys.press("ctrl+d")
        assert isinstance(app.screen, InquiryScreen)
        assert "当场答复" in screen_text(app)
        row = app.store.run(lambda: Inquiry.select().order_by(Inquiry.id.desc()).get())
        assert (row.channel, row.disposition, row.state) == ("phone", "answered", "closed")


async def test_leaving_acceptance_closes_the_inquiry_as_answered(demo, clock):
    from devices.idcard import samples
    from store.models import Case, Inquiry
    from tui.screens.accept import AcceptScreen
    from tui.screens.inquiry import InquiryScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 30)) as pilot:
        keys = await _open_inquiry(pilot, info)
        app.screen.card_read(samples.RESIDENT)
        await settle(pilot)
        await keys.press(*"dbsq", "enter", "ctrl+a")
        screen = app.screen
        assert isinstance(screen, AcceptScreen)
        number, cases = screen.inquiry_number, app.store.run(lambda: Case.select().count())
        await keys.press("escape")
        assert f"登记号 {number} 尚未受理" in screen_text(app)
        await keys.press("escape")  # 继续受理
        assert app.screen is screen
        await keys.press("escape", "enter")  # 改为当场答复
        assert isinstance(app.screen, InquiryScreen)
        assert f"登记号 {number}（当场答复，未受理）" in screen_text(app)
        row = app.store.run(lambda: Inquiry.get(Inquiry.number == number))
        assert (row.disposition, row.state, row.case_id) == ("answered", "closed", None)
        assert app.store.run(lambda: Case.select().count()) == cases


async def test_one_stray_esc_does_not_lose_what_was_typed(demo, clock):
    from tui.screens.inquiry import InquiryScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 30)) as pilot:
        keys = await _open_inquiry(pilot, info)
        await keys.press("tab")
        await keys.text("王先生")
        await keys.press("f3")  # an F-key opening another screen asks first
        assert isinstance(app.screen, InquiryScreen)
        assert "本次登记尚未保存：再按一次该键放弃并离开" in screen_text(app)
        assert app.screen.query_one("#name").value == "王先生"
        await keys.text("x")  # typing on: the next key asks again
        await keys.press("escape")
        assert isinstance(app.screen, InquiryScreen)
        assert "本次登记尚未保存：再按 Esc 放弃并离开" in screen_text(app)
        await keys.press("escape")
        assert type(app.screen).__name__ == "HomeScreen"
