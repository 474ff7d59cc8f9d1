"""信访 at the counter, driven by Pilot on the demo register at 80×24: X opens the petitions,
N registers a collective one, J hands it to a department with its 交办单, G gives the
visitor the 告知书; the supervisor's board raises the alarm at once and A acknowledges it."""

from __future__ import annotations

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home
from tests.tui.test_board import section, switch_to

pytestmark = pytest.mark.timeout(120)

SIZE = (80, 24)


async def register_collective(pilot) -> str:
    from textual.widgets import Checkbox, Input

    from tui.screens.petition import PetitionDetailScreen, PetitionForm, PetitionScreen

    app = pilot.app
    await pilot.press("x")
    await settle(pilot)
    assert isinstance(app.screen, PetitionScreen)
    assert "N 登记信访" in screen_text(app)
    await pilot.press("n")
    await settle(pilot)
    form = app.screen
    assert isinstance(form, PetitionForm)
    from devices.idcard import samples

    form.card_read(samples.RESIDENT)  # as the reader would: name, gender, age, address
    assert form.query_one("#name", Input).value == "陈晓雨"
    assert form.query_one("#age", Input).value == "38"
    assert form.query_one("#gender", Input).value == "女"
    for field in ("#name", "#gender", "#age", "#address", "#id_number"):
        form.query_one(field, Input).value = ""
    form.query_one("#name", Input).focus()
    await type_text(pilot, "欧阳春燕")
    for field, text in (("#occupation", "农民"), ("#issue", "村道被占无法通行")):
        form.query_one(field, Input).focus()
        await type_text(pilot, text)
    form.query_one("#visitors", Input).value = "12"
    form.query_one("#flag-collective", Checkbox).focus()
    await pilot.press("space")
    assert form.query_one("#flag-collective", Checkbox).value
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(app.screen, PetitionDetailScreen)
    text = screen_text(app)
    assert "集体" in text and "村道被占无法通行" in text and "尚未交办" in text
    return app.screen.number


async def test_register_hand_and_tell_then_the_board_alarms(demo, clock):
    from store.models import Notice
    from tui.screens.board import BoardScreen
    from tui.screens.petition import PetitionDetailScreen, PetitionNoticeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        number = await register_collective(pilot)
        assert number.startswith("XF20261123-")
        # The hint offers what this petition and this clerk allow: no 知悉警报 for a clerk.
        hint = str(app.screen.query_one("#petition-hint").render())
        assert "J 交办" in hint and "G 告知书" in hint and "A 知悉警报" not in hint

        # 交办: the department, then the 交办单 previewed and issued.
        await pilot.press("j")
        await settle(pilot)
        await type_text(pilot, "镇国土所")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PetitionNoticeScreen)
        assert "信访事项交办单" in screen_text(app) and "镇国土所" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已出具" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PetitionDetailScreen)
        assert "镇国土所" in screen_text(app)

        # 告知书 to the visitor.
        await pilot.press("g")
        await settle(pilot)
        assert "信访告知书" in screen_text(app) and "已交镇国土所办理" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已出具" in screen_text(app)
        kinds = sorted(n.kind for n in Notice.select().where(Notice.petition.is_null(False)))
        assert kinds == ["petition_handover", "petition_notice"]
        await pilot.press("escape")
        await settle(pilot)

        # The supervisor's board: the alarm at once, red, until acknowledged.
        await switch_to(pilot, "0001")
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        alarms = app.screen.board.petitions.alarm_total  # the demo has one of its own
        assert alarms >= 1 and f"信访警报 {alarms} 件（集体）" in screen_text(app)
        await pilot.press("8")
        await settle(pilot)
        assert f"petition:{number}" in app.screen.rows
        assert "8信访·" in screen_text(app) and "欧**燕" in screen_text(app)
        await section(pilot, "8", f"petition:{number}")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "已知悉" in screen_text(app)
        assert app.screen.board.petitions.alarm_total == alarms - 1
        assert f"petition:{number}" not in app.screen.rows
