"""首问登记 (F2) as a form at 80×24: Tab and Shift+Tab in screen order without touching the
text, a refused action focuses the field to fix, a known ID number fills the name and phone
left empty, the result line stays with its screen, and 当场答复 keeps the answer given."""

from __future__ import annotations

import pytest

from tests.people import PEOPLE
from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_inquiry import _inquiries, _open_inquiry

pytestmark = pytest.mark.timeout(120)

ORDER = ("id_number", "name", "phone", "matter", "answer")


def _values(app) -> dict[str, str]:
    return {field: app.screen.query_one(f"#{field}").value for field in ORDER}


def _focused(app) -> str | None:
    return app.focused.id if app.focused is not None else None


async def test_tab_and_shift_tab_go_through_the_fields_in_order_keeping_the_text(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_inquiry(pilot, info)
        assert _focused(app) == "id_number"
        for field, text in (("name", "王先生"), ("phone", "13800138000"), ("matter", "dbsq")):
            await pilot.press("tab")
            assert _focused(app) == field
            await type_text(pilot, text)
        await pilot.press("escape")  # no catalog pick: the matter stays free text
        await pilot.press("tab")
        assert _focused(app) == "answer"
        await type_text(pilot, "daihukoubu")
        await settle(pilot)
        typed = _values(app)
        for field in reversed(ORDER[:-1]):
            await pilot.press("shift+tab")
            await settle(pilot)
            assert _focused(app) == field
            assert _values(app) == typed
        # Forward again, and typing on a field adds to its text (nothing was selected).
        await pilot.press("tab")
        await type_text(pilot, "x")
        await settle(pilot)
        assert app.screen.query_one("#name").value == "王先生x"


async def test_a_refused_save_puts_the_focus_on_the_field_to_fix(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_inquiry(pilot, info)
        before = _inquiries(app)
        screen = app.screen
        screen.query_one("#name").value = "王先生"
        screen.query_one("#matter").value = "办事时间"
        screen.query_one("#answer").focus()
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert "请填写来访人联系电话" in screen_text(app)
        assert _focused(app) == "phone"
        await type_text(pilot, "1380013")  # not a phone number yet
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert _focused(app) == "phone"
        await type_text(pilot, "8000")
        screen.query_one("#matter").value = ""
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert "所问事项不能为空" in screen_text(app) and _focused(app) == "matter"
        await type_text(pilot, "办事时间")
        await pilot.press("ctrl+a")  # 本窗口受理 needs a catalog item: back to the matter
        await settle(pilot)
        assert _focused(app) == "matter"
        screen.query_one("#name").value = ""
        screen.query_one("#id_number").value = PEOPLE[2].id_number
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert "请填写来访人姓名" in screen_text(app) and _focused(app) == "name"
        assert _inquiries(app) == before


async def test_a_known_id_number_fills_the_name_and_phone_left_empty(demo, clock):
    from store.persons import upsert_person

    url, info = demo
    app = make_app(url, clock, demo=info)
    known, other = PEOPLE[0], PEOPLE[3]
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_inquiry(pilot, info)
        for who in (known, other):
            app.store.run(
                upsert_person, app.session, name=who.name, id_number=who.id_number, phone=who.phone
            )
        await type_text(pilot, known.id_number)
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#name").value == known.name
        assert screen.query_one("#phone").value == known.phone
        assert "已按身份证号填入登记过的姓名和电话" in screen_text(app)
        # What the clerk typed first stays; only the empty field is filled.
        for field in ("#id_number", "#name", "#phone"):
            screen.query_one(field).value = ""
        screen.query_one("#name").value = "另一个名字"
        screen.query_one("#id_number").focus()
        await type_text(pilot, other.id_number)
        await settle(pilot)
        assert screen.query_one("#name").value == "另一个名字"
        assert screen.query_one("#phone").value == other.phone
        text = screen_text(app)
        assert "已按身份证号填入登记过的电话" in text and "姓名和电话" not in text


async def test_the_result_line_is_gone_at_the_next_f2_and_the_answer_is_kept(demo, clock):
    from store.models import Inquiry

    url, info = demo
    app = make_app(url, clock, demo=info)
    caller = PEOPLE[1]
    answer = "qing dai hukoubu he shouruzhengming"
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _open_inquiry(pilot, info)
        await pilot.press("ctrl+n")  # 电话: a caller is not asked for a rating
        screen = app.screen
        screen.query_one("#name").value = caller.name
        screen.query_one("#phone").value = caller.phone
        screen.query_one("#matter").value = "低保怎么申请"
        screen.query_one("#answer").focus()
        await type_text(pilot, answer)
        await pilot.press("ctrl+d")
        await settle(pilot)
        row = app.store.run(lambda: Inquiry.select().order_by(Inquiry.id.desc()).first())
        assert row.disposition == "answered"
        assert f"已登记：登记号 {row.number}" in screen_text(app)
        sealed = bytes(row.answer_enc)
        assert answer.encode() not in sealed
        opened = app.store.run(
            app.session.keys.open_text, "inquiry", "answer_enc", row.uuid, row.answer_enc
        )
        assert opened == answer
        assert screen.query_one("#answer").value == ""  # cleared for the next caller
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen is not screen
        assert row.number not in screen_text(app)
        # On the same screen, the next caller's first key takes the result line away too.
        await pilot.press("ctrl+n")
        new = app.screen
        new.query_one("#name").value = caller.name
        new.query_one("#phone").value = caller.phone
        new.query_one("#matter").value = "办事时间"
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert "已登记：登记号" in screen_text(app)
        new.query_one("#id_number").focus()
        await type_text(pilot, "1")
        await settle(pilot)
        assert "已登记：登记号" not in screen_text(app)
    raw = b"".join(p.read_bytes() for p in app.register.sqlite_file.parent.glob("register.db*"))
    assert answer.encode() not in raw


async def test_an_acceptances_result_is_not_shown_over_the_next_f2(demo, clock):
    from devices.idcard import samples
    from tui.screens.accept import AcceptScreen
    from tui.screens.inquiry import InquiryScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await _open_inquiry(pilot, info)
        app.screen.card_read(samples.RESIDENT)
        await settle(pilot)
        await pilot.press(*"dbsq", "enter")
        await settle(pilot)
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert isinstance(app.screen, AcceptScreen)
        await pilot.press("enter")  # every material brought: accepted
        await settle(pilot)
        result = app.screen.result
        assert result is not None and result.number in screen_text(app)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, InquiryScreen)
        text = screen_text(app)
        assert result.number not in text and "已受理" not in text
