"""受理 (AcceptScreen) driven by Pilot on the demo register: the kind the clerk confirms
(K), the fields each kind needs, 代办, and bad input refused on screen with nothing saved.

The demo clerk 1001 works at 民政; MZ003 临时救助申请 is a township 承诺件 whose item allows
容缺受理 (main: 居民身份证, 临时救助申请书; secondary: 户口簿, 遭遇困难的证明材料, 本人银行卡).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home

pytestmark = pytest.mark.timeout(120)

TODAY = dt.date(2026, 11, 23)  # the test clock's Monday


def _count(app, model) -> int:
    return app.store.run(lambda: model.select().count())


def _cases(app) -> int:
    from store.models import Case

    return _count(app, Case)


async def _accept_screen(pilot, info, code: str = "MZ003", *, strip_materials: bool = False):
    """Log in as the demo clerk and open acceptance of ``code`` for a person of the register
    (as 首问登记's 本窗口受理 does, without an inquiry)."""
    await demo_clerk_home(pilot, info)
    return await _open(pilot, code, strip_materials=strip_materials)


async def _open(pilot, code: str = "MZ003", *, strip_materials: bool = False):
    from store.catalog import load_catalog
    from store.models import Person
    from tui.screens.accept import AcceptScreen

    app = pilot.app
    catalog = app.store.run(load_catalog, app.register)
    item = next(i for i in catalog.items if i.code == code)
    if strip_materials:  # a stale catalog entry: the register's item lists materials
        item = dataclasses.replace(item, materials=())
    person = app.store.run(lambda: Person.select().order_by(Person.id).first().uuid)
    screen = AcceptScreen(item=item, person_uuid=person, applicant="张三")
    await app.push_screen(screen)
    await settle(pilot)
    return screen


async def _press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def _type(pilot, text: str) -> None:
    await type_text(pilot, text)
    await settle(pilot)


async def _mark(pilot, screen, name: str, status: str) -> None:
    """Move the checklist cursor to ``name`` and press space until it shows ``status``."""
    from tui.screens.accept import CYCLE

    row = [m.name for m in screen.item.materials].index(name)
    table = screen.query_one("#materials")
    table.focus()
    table.move_cursor(row=row)
    await settle(pilot)
    while screen.statuses[name] != status:
        await _press(pilot, "space")
        assert status in CYCLE


def _detail(app, number: str):
    from store.cases import case_detail

    return app.store.run(case_detail, app.session, number)


async def test_tolerance_chosen_with_a_commitment_date(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _accept_screen(pilot, info)
        assert screen.chosen_kind() == "promised"
        assert "tolerance" not in screen.preview.candidates  # all present: nothing to owe
        await _mark(pilot, screen, "户口簿", "not_brought")
        assert screen.preview.candidates == ("tolerance", "supplement", "returned")
        # K cycles through what the materials allow and comes back to 容缺受理.
        await _press(pilot, "k")
        assert screen.chosen_kind() == "supplement"
        assert "【补办件】" in screen_text(app)
        await _press(pilot, "k", "k")
        assert screen.chosen_kind() == "tolerance"
        assert "【容缺受理】" in screen_text(app) and "承诺补齐日期" in screen_text(app)
        before = _cases(app)
        await _press(pilot, "enter")  # no date yet: the field is asked for
        assert "须填写申请人承诺补齐材料的日期" in screen_text(app)
        assert isinstance(screen.focused, type(screen.query_one("#tolerance_date")))
        assert _cases(app) == before
        await _type(pilot, "2026-11-27")
        await _press(pilot, "enter")  # the last field shown: accepts
        result = screen.result
        assert result is not None, screen_text(app)
        assert result.tolerance and result.kind == "promised"
        detail = _detail(app, result.number)
        assert detail.tolerance and detail.tolerance_due == dt.date(2026, 11, 27)
        assert detail.missing_materials == ("户口簿",)
        shown = screen_text(app)
        assert result.number in shown and "容缺受理" in shown
        assert "容缺受理通知书" in shown  # the notice to hand over, one key away
        from tui.screens.notice import NoticeScreen

        await _press(pilot, "n")
        assert isinstance(app.screen, NoticeScreen)
        assert (app.screen.case_number, app.screen.kind) == (result.number, "tolerance")


async def test_a_past_or_malformed_commitment_date_is_refused(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _accept_screen(pilot, info)
        await _mark(pilot, screen, "遭遇困难的证明材料", "missing")
        assert screen.chosen_kind() == "tolerance"  # the store's proposal
        before = _cases(app)
        await _press(pilot, "tab")
        await _type(pilot, "2026-11-20")
        await _press(pilot, "ctrl+s")
        assert "承诺补齐日期不能早于今天" in screen_text(app)
        assert screen.result is None and _cases(app) == before
        screen.query_one("#tolerance_date").value = ""
        await _type(pilot, "2026-11")  # 11/30 would be this year's 30 November (tui.dates)
        await _press(pilot, "ctrl+s")
        assert "承诺补齐日期格式不对" in screen_text(app)
        assert screen.result is None and _cases(app) == before


async def test_returned_with_reasons_leaves_a_refusal_for_review(demo, clock):
    from store.models import Refusal

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _accept_screen(pilot, info)
        await _mark(pilot, screen, "临时救助申请书", "missing")
        assert screen.preview.candidates == ("returned",)
        reasons = screen.query_one("#return_reasons")
        assert reasons.value == "缺少主件：临时救助申请书"  # the proposal's, editable
        reasons.value = ""
        before = _cases(app)
        await _press(pilot, "enter")
        assert "退回原因不能为空" in screen_text(app)
        assert _cases(app) == before
        await _type(pilot, "申请人无本乡镇户籍，不属于本中心受理范围")
        await _press(pilot, "enter")
        result = screen.result
        assert result is not None, screen_text(app)
        assert result.kind == "returned"
        detail = _detail(app, result.number)
        assert detail.state == "returned" and "无本乡镇户籍" in (detail.result or "")
        pending = app.store.run(
            lambda: (
                Refusal.select()
                .where((Refusal.case_id == _case_id(result.number)) & (Refusal.state == "pending"))
                .count()
            )
        )
        assert pending == 1
        assert "退回件通知书" in screen_text(app)
        from tui.screens.notice import NoticeScreen

        await _press(pilot, "enter")  # Enter again: the notice
        assert isinstance(app.screen, NoticeScreen)
        assert (app.screen.case_number, app.screen.kind) == (result.number, "return")


def _case_id(number: str) -> int:
    from store.models import Case

    return Case.get(Case.number == number).id


async def test_joint_with_a_participating_window_gets_its_subtask(demo, clock):
    from store.models import SubTask

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _accept_screen(pilot, info)
        await _press(pilot, "k", "k")  # 承诺件 → 即办件 → 联办件
        assert screen.chosen_kind() == "joint"
        shown = screen_text(app)
        assert "协办窗口" in shown and "劳动保障" in shown  # the choices are shown
        await _press(pilot, "tab")
        await _type(pilot, "劳动保障 信访")
        before = _cases(app)
        await _press(pilot, "enter")
        assert "未知的窗口：信访" in screen_text(app)
        assert _cases(app) == before
        screen.query_one("#joint_windows").value = ""
        await _type(pilot, "劳动保障,weijian")
        await _press(pilot, "enter")
        result = screen.result
        assert result is not None, screen_text(app)
        assert result.kind == "joint"
        detail = _detail(app, result.number)
        assert {s.window_code for s in detail.subtasks} == {"shebao", "weijian"}
        tasks = app.store.run(
            lambda: SubTask.select().where(SubTask.case == _case_id(result.number)).count()
        )
        assert tasks == 2


async def test_proxy_with_a_valid_id_number(demo, clock):
    from devices.idcard import samples

    url, info = demo
    app = make_app(url, clock, demo=info)
    number = samples.RESIDENT_MALE.id_number
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _accept_screen(pilot, info)
        await _press(pilot, "ctrl+g")  # 代办: its fields, the name first
        assert "代办人" in screen_text(app)
        await _type(pilot, "李四")
        await _press(pilot, "tab")
        await _type(pilot, wrong)
        assert "代办人身份证号码校验码错误" in screen_text(app)  # as typed
        before = _cases(app)
        await _press(pilot, "ctrl+s")
        assert "校验码错误" in screen_text(app)
        assert screen.result is None and _cases(app) == before
        box = screen.query_one("#proxy_id")
        box.value = ""
        await _type(pilot, number)
        assert "校验码错误" not in screen_text(app)
        await _press(pilot, "tab")
        await _type(pilot, "13900139000")
        await _press(pilot, "enter")  # the last field: accepts
        result = screen.result
        assert result is not None, screen_text(app)
        assert result.proxy and result.kind == "promised"
        detail = _detail(app, result.number)
        assert detail.proxy and detail.proxy_name == "李四"


async def test_an_empty_material_list_is_refused(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _accept_screen(pilot, info, strip_materials=True)
        before = _cases(app)
        await _press(pilot, "enter")
        shown = screen_text(app)
        assert "材料清单为空" in shown  # the screen says so
        assert "材料清单不能为空" in shown  # and the store refuses
        assert screen.result is None and _cases(app) == before


async def test_an_item_without_materials_is_accepted_with_enter(demo, clock):
    """An item published with no materials: nothing to check, Enter accepts (the hidden
    checklist takes no focus, so Enter reaches the screen)."""
    import json

    from store.models import ServiceItem

    def without_materials():
        item = ServiceItem.get(ServiceItem.code == "MZ006")
        spec = json.loads(item.spec)
        spec["materials"] = []
        item.spec = json.dumps(spec, ensure_ascii=False)
        item.save()

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        app.store.run(without_materials)
        screen = await _open(pilot, "MZ006", strip_materials=True)
        assert "本事项未列出所需材料" in screen_text(app) and app.focused is None
        before = _cases(app)
        await _press(pilot, "enter")
        assert screen.result is not None and screen.result.kind == "promised", screen_text(app)
        assert _cases(app) == before + 1


async def test_everything_absent_is_refused_for_a_kind_that_needs_it_all(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _accept_screen(pilot, info)
        await _press(pilot, "k")
        assert screen.chosen_kind() == "immediate"
        for material in screen.item.materials:
            await _mark(pilot, screen, material.name, "not_brought")
        assert screen.chosen_kind() == "immediate"  # the clerk's choice is kept …
        assert "与所核材料不符" in screen_text(app)  # … and flagged
        before = _cases(app)
        await _press(pilot, "enter")
        assert "不能按即办件受理" in screen_text(app)  # the store's word
        assert screen.result is None and _cases(app) == before
        await _press(pilot, "k")  # back to what the materials allow
        assert screen.chosen_kind() == "supplement"
        await _press(pilot, "enter")
        assert screen.result is not None and screen.result.kind == "supplement"


async def test_escalated_forwarding_date_and_the_immediate_case_screen(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _accept_screen(pilot, info, "MZ001")  # county approval: 上报件
        assert screen.chosen_kind() == "escalated"
        assert "承诺上报日期" in screen_text(app)
        await _press(pilot, "tab")
        await _type(pilot, "2026-11-25")
        await _press(pilot, "enter")
        result = screen.result
        assert result is not None, screen_text(app)
        assert _detail(app, result.number).forward_by == dt.date(2026, 11, 25)

        from tui.screens.case import CaseScreen

        app.pop_screen()
        await settle(pilot)
        screen = await _open(pilot)
        await _press(pilot, "k", "enter")  # 即办件, accepted at once
        result = screen.result
        assert result is not None and result.kind == "immediate", screen_text(app)
        assert "当场办结" in screen_text(app)
        await _press(pilot, "enter")  # no notice for a 即办件: the case, to 办结 on the spot
        assert isinstance(app.screen, CaseScreen) and app.screen.number == result.number


def test_windows_and_dates_as_typed_at_the_counter():
    from tui.screens.accept import parse_date, parse_windows

    windows = [("shebao", "劳动保障窗口"), ("weijian", "卫生健康窗口"), ("sifa", "信访司法窗口")]
    assert parse_windows("劳动保障、卫生健康窗口，SIFA shebao", windows) == [
        "shebao",
        "weijian",
        "sifa",
    ]
    assert parse_windows("  ", windows) == []
    with pytest.raises(ValueError, match="未知的窗口：信访（可选：劳动保障、卫生健康、信访司法）"):
        parse_windows("信访", windows)
    for text in ("2026-11-30", "2026/11/30", "20261130", "２０２６－１１－３０", "2026.11.30"):
        assert parse_date(text, "日期") == dt.date(2026, 11, 30), text
    for text in ("11/30", "2026-13-01", "明天", "2026-02-30"):
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            parse_date(text, "日期")
