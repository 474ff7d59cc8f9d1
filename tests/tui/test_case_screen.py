"""The case screen (办件) and the referral screen (督办) driven by Pilot on the demo register:
what a case shows, each action through its small form, refusals shown in Chinese and
nothing saved, the supervisor's keys, an issued notice reopened."""

from __future__ import annotations

import pytest

from tests.people import PEOPLE
from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text, wait_for_text
from tests.tui.test_app import demo_clerk_home, login

pytestmark = pytest.mark.timeout(120)

APPLICANT = PEOPLE[1]
#: MZ003 临时救助申请 (民政, 承诺件, 容缺 allowed): main and secondary materials.
MZ003 = (
    "居民身份证",
    "临时救助申请书",
    "户口簿",
    "遭遇困难的证明材料",
    "本人银行卡（一卡通）复印件",
)


def new_case(app, item_code: str = "MZ003", *, missing=(), kind: str = "promised", **kwargs):
    """A case accepted through the store (the acceptance screen is not the point here)."""
    from store.cases import accept_case
    from store.catalog import load_catalog
    from store.persons import upsert_person

    def run(session):
        person = upsert_person(
            session, name=APPLICANT.name, id_number=APPLICANT.id_number, phone=APPLICANT.phone
        )
        item = load_catalog(session.register).item(item_code)
        materials = {
            m.name: ("not_brought" if m.name in missing else "present") for m in item.materials
        }
        return accept_case(
            session,
            item_code=item_code,
            person_uuid=person.uuid,
            materials=materials,
            kind=kind,
            **kwargs,
        )

    return app.store.run(run, app.session)


def stored(app, number: str):
    from store.cases import case_detail

    return app.store.run(case_detail, app.session, number)


async def open_from_home(pilot, number: str) -> None:
    """F4 (the queue reloads), the row of `number`, Enter — as a clerk would (a supervisor
    lands on the board: Q there is the hall's queue)."""
    from textual.widgets import DataTable

    from tui.screens.board import BoardScreen

    app = pilot.app
    await pilot.press("f4")
    await settle(pilot)
    if isinstance(app.screen, BoardScreen):
        await pilot.press("q")
        await settle(pilot)
    table = app.screen.query_one("#queue", DataTable)
    assert number in app.screen.rows, f"{number} not in the queue"
    table.move_cursor(row=table.get_row_index(number))
    await pilot.press("enter")
    await settle(pilot)


async def open_case(pilot, info, **kwargs):
    from tui.screens.case import CaseScreen

    await demo_clerk_home(pilot, info)
    result = new_case(pilot.app, **kwargs)
    await open_from_home(pilot, result.number)
    assert isinstance(pilot.app.screen, CaseScreen)
    return result


async def test_the_case_screen_shows_the_case(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        result = await open_case(pilot, info, missing=("户口簿",), kind="supplement")
        text = await wait_for_text(pilot, "跑动次数")
        # The materials, from the table the screen draws (its rows are drawn on idle, which
        # a loaded CI machine reached after the screenshot: read them from the table).
        from textual.widgets import DataTable

        table = app.screen.query_one("#case-materials", DataTable)
        rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert ("辅件", "有但未带来", "户口簿") in rows, rows
        for piece in (
            result.number,
            "临时救助申请",
            APPLICANT.name,  # full name: the clerk opened this case on purpose
            "补办件",
            "待补正",
            "跑动次数：1 次",
            "延期：未申请",
            "S 补齐材料",
            "N 告知书",
            "Esc 返回",
        ):
            assert piece in text, piece
        assert "P 批准延期" not in text  # nothing to approve, and not the supervisor's screen
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert APPLICANT.name not in screen_text(app)  # the list shows it masked


async def test_a_case_is_read_before_its_screen_shows_and_a_failed_read_stays_home(
    demo, clock, monkeypatch
):
    """Enter on the queue: the case screen is built with the case already read (drawn
    once, whole: never 「正在读取」); a case that cannot be read says why on the queue."""
    from textual.widgets import DataTable, Static

    import store.cases
    from store.errors import StoreError
    from tui.screens.case import CaseScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await demo_clerk_home(pilot, info)
        result = new_case(app)
        await pilot.press("f4")
        await settle(pilot)
        home = app.screen
        table = home.query_one("#queue", DataTable)
        table.move_cursor(row=table.get_row_index(result.number))
        await pilot.press("enter")
        while not isinstance(app.screen, CaseScreen):
            await pilot.pause()
        while not app.screen.query("#case-title"):
            await pilot.pause()
        first = str(app.screen.query_one("#case-title", Static).render())
        assert result.number in first and "临时救助申请" in first and "正在读取" not in first
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is home

        def unreadable(session, number):
            raise StoreError(f"办件 {number} 无法读取")

        monkeypatch.setattr(store.cases, "case_detail", unreadable)
        table.move_cursor(row=table.get_row_index(result.number))
        await pilot.press("enter")
        text = await wait_for_text(pilot, "无法读取")
        assert app.screen is home and f"办件 {result.number} 无法读取" in text


async def test_an_empty_supplement_is_refused_and_nothing_changes(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        result = await open_case(
            pilot, info, missing=("户口簿", "遭遇困难的证明材料"), kind="supplement"
        )
        await pilot.press("s")
        await settle(pilot)
        assert "补齐材料" in screen_text(app)
        await pilot.press("enter")  # nothing ticked
        await settle(pilot)
        assert "请选择本次补交的材料" in screen_text(app)
        assert stored(app, result.number).trips == 1
        # A material the first notice missed is recorded against the office.
        await pilot.press("space", "tab")
        await type_text(pilot, "村委会证明")
        await pilot.press("enter")
        await settle(pilot)
        detail = stored(app, result.number)
        assert detail.omission and "村委会证明" in detail.missing_materials
        assert "户口簿" not in detail.missing_materials
        text = screen_text(app)
        assert "已补交：户口簿" in text and "村委会证明（告知遗漏）" in text
        assert "一次性告知有遗漏" in text


async def test_a_clerk_cannot_approve_and_a_past_date_is_refused(demo, clock):
    from tui.screens.case import CaseScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        result = await open_case(pilot, info)
        assert "P 批准延期" not in screen_text(app)
        await pilot.press("p")  # not offered: the reason, and no dialog opens
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "没有待批准的延期申请（须先「申请延期」）" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        await type_text(pilot, "需实地核查")
        await pilot.press("enter")
        await type_text(pilot, "12月31日")
        await pilot.press("enter")
        await settle(pilot)
        assert "新的办结日期格式不对：请按 YYYY-MM-DD 填写" in screen_text(app)
        assert stored(app, result.number).extension_state == ""
        field = app.screen.query_one("#date")
        field.value = ""
        await type_text(pilot, "2026-12-31")
        await pilot.press("enter")
        await settle(pilot)
        assert stored(app, result.number).extension_state == "requested"
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("p")  # a request now, but a clerk does not decide it
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "「批准延期」须由大厅主任决定" in screen_text(app)
        await pilot.press("x")
        await settle(pilot)
        assert "「驳回延期」须由大厅主任决定" in screen_text(app)
        assert stored(app, result.number).extension_state == "requested"


async def test_a_forbidden_move_shows_the_reason_and_opens_nothing(demo, clock):
    from tui.screens.case import CaseScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        result = await open_case(pilot, info)
        # A clerk may not refuse (不予受理) alone.
        assert "D 不予受理" not in screen_text(app)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "「不予受理」须报大厅主任决定" in screen_text(app)
        await pilot.press("w")
        await settle(pilot)
        await type_text(pilot, "申请人要求撤回")
        await pilot.press("enter")
        await settle(pilot)
        assert stored(app, result.number).state == "withdrawn"
        assert "已撤回" in screen_text(app)
        assert "B 办结" not in screen_text(app)
        await pilot.press("b")  # closing a withdrawn case: said, nothing opens
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "承诺件已是「已撤回（退件）」，不能再办结" in screen_text(app)
        assert stored(app, result.number).state == "withdrawn"


async def test_visits_forwarding_and_a_joint_part(demo, clock):
    from tui.screens.case import CaseScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        escalated = await open_case(pilot, info, item_code="MZ001", kind="escalated")
        # A 上报件 still 已受理 is closed by its 上报进度, not by 办结 (issue 10).
        text = screen_text(app)
        assert "F 上报进度" in text and "B 办结" not in text
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "上报件处于「已受理」，不能直接办结：须先「上报进度」登记上报" in screen_text(app)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "已记来访：跑动 2 次" in screen_text(app)
        assert stored(app, escalated.number).trips == 2
        await pilot.press("f")
        await settle(pilot)
        await type_text(pilot, "县民政字2026-118号")
        await pilot.press("ctrl+s")
        await settle(pilot)
        detail = stored(app, escalated.number)
        assert detail.state == "forwarded" and detail.forward_reference == "县民政字2026-118号"
        assert "县民政字2026-118号" in screen_text(app)

        joint = new_case(app, kind="joint", joint_windows=["canlian"])
        app.push_screen(CaseScreen(joint.number))
        await settle(pilot)
        assert "残联窗口 未完成" in screen_text(app)
        assert "B 办结" not in screen_text(app)
        await pilot.press("b")  # the part at 残联 is still open: its step comes first
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "尚有协办窗口未完成：残联窗口，须先「联办完成」" in screen_text(app)
        await pilot.press("j")
        await settle(pilot)
        await pilot.press("enter")  # 残联窗口
        await settle(pilot)
        assert "残联窗口 已完成" in screen_text(app)
        assert all(s.state == "done" for s in stored(app, joint.number).subtasks)


async def test_a_notice_issued_reopens_as_it_was(demo, clock):
    from tui.screens.notice import IssuedNoticeScreen, NoticeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        result = await open_case(pilot, info, missing=("户口簿",), kind="supplement")
        assert "尚未出具" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoticeScreen) and app.screen.kind == "supplement"
        await pilot.press("ctrl+s")  # issue
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        notices = stored(app, result.number).notices
        assert len(notices) == 1
        text = screen_text(app)
        assert notices[0].number in text and "办件通知书" in text
        await pilot.press("enter")  # the notice row has the focus
        await settle(pilot)
        assert isinstance(app.screen, IssuedNoticeScreen)
        assert app.screen.number == notices[0].number
        assert "户口簿" in screen_text(app)


async def test_the_first_asker_follows_a_referral_and_finishes_it(demo, clock):
    from store.models import Inquiry
    from tui.screens.referral import ReferralScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        await demo_clerk_home(pilot, info)
        row = next(
            r for r in app.screen.queue.rows if r.section == "referral" and r.kind == "follow_up"
        )
        table = app.screen.query_one("#queue")
        table.move_cursor(row=table.get_row_index(row.number))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReferralScreen)
        text = screen_text(app)
        assert row.number in text and "首问责任人：1001" in text and "督办" in text
        assert "*" in text  # the caller masked
        await pilot.press("a")  # not the receiving window
        await settle(pilot)
        assert "受理；本窗口督办至办结" in screen_text(app)
        await pilot.press("h")
        await settle(pilot)
        assert "接收窗口不能自行退回，需主任处理" in screen_text(app)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "已办结" in screen_text(app)
        state = app.store.run(lambda: Inquiry.get(Inquiry.number == row.number).state)
        assert state == "closed"
        await pilot.press("f4")
        await settle(pilot)
        assert row.number not in app.screen.rows


async def test_only_the_supervisor_reviews_refusals_from_home(demo, clock):
    from tui.screens.refusals import RefusalsScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("r")
        await settle(pilot)
        assert not isinstance(app.screen, RefusalsScreen)
        await pilot.press("f10")
        await settle(pilot)
        number = app.screen.query_one("#number")
        number.value = ""
        number.focus()
        await login(pilot, "0001", "demo0001")
        await pilot.press("escape")  # the supervisor is not at a window today
        await settle(pilot)
        await pilot.press("q")  # from the board to the hall's queue
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RefusalsScreen)
        assert "否定报备" in screen_text(app)


async def test_the_receiving_window_accepts_a_referral_after_a_card_read(demo, clock):
    from devices.idcard import samples
    from store.inquiries import register_inquiry
    from store.models import Inquiry
    from tui.screens.accept import AcceptScreen
    from tui.screens.referral import ReferralScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        await demo_clerk_home(pilot, info)
        # 1001 (民政) refers a phone caller's 残疾人证 question to 残联 (1002's window).
        referred = app.store.run(
            register_inquiry,
            app.session,
            channel="phone",
            caller_name="王先生",
            caller_phone="13800138000",
            item_code="CL001",
            disposition="referred",
            referred_to="canlian",
        )
        await pilot.press("f10")
        await settle(pilot)
        field = app.screen.query_one("#number")
        field.value = ""
        field.focus()
        await login(pilot, "1002", "demo1002")
        await pilot.press("enter")
        await settle(pilot)
        assert app.today_post.window_code == "canlian"
        await open_from_home(pilot, referred.number)
        assert isinstance(app.screen, ReferralScreen)
        assert "A 受理" in screen_text(app)
        await pilot.press("a")  # the caller gave no ID number
        await settle(pilot)
        assert "请申请人刷身份证" in screen_text(app)
        app.screen.card_read(samples.RESIDENT)  # the applicant came in person
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AcceptScreen)
        assert app.screen.inquiry_number == referred.number
        await pilot.press("enter")
        await settle(pilot)
        case = app.screen.result
        assert case is not None, screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ReferralScreen)
        text = screen_text(app)
        assert f"已受理为办件 {case.number}" in text
        assert "A 受理" not in text  # accepted: nothing more to do here but the case
        assert stored(app, case.number).applicant_name == samples.RESIDENT.name
        # 督办: the first asker follows it until the case ends
        state = app.store.run(lambda: Inquiry.get(Inquiry.number == referred.number).state)
        assert state == "open"


async def test_a_case_to_tell_again_issues_its_corrected_notice_from_home(demo, clock):
    """A date told on paper changes when the year's calendar is imported: the case's
    window sees it first on its queue (需告知), and G issues the 期限更正告知书."""
    import datetime as dt
    from pathlib import Path

    from store.auth import login as store_login
    from store.calendar_years import import_year
    from store.case_notices import issue_case_notice
    from store.clock import HALL_TZ
    from tui.screens.notice import NoticeScreen

    year_file = Path(__file__).resolve().parents[1] / "policies/data/calendar-2027.toml"
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        clock.set(dt.datetime(2027, 2, 1, 9, 0, tzinfo=HALL_TZ))
        case = new_case(app)  # counted through 2027's Spring Festival: provisional
        assert case.due_provisional and case.due_date > dt.date(2027, 2, 8)
        app.store.run(issue_case_notice, app.session, case.number, "acceptance")

        def supervisor_imports(register):
            return import_year(store_login(register, "0001", "demo0001"), year_file.read_text())

        done = app.store.run(supervisor_imports, app.register)
        assert case.number in done.renotify
        moved = stored(app, case.number).due_date  # the file's 春节 runs to 2-13
        assert moved != case.due_date and not stored(app, case.number).due_provisional

        await pilot.press("f4")
        await settle(pilot)
        row = app.screen.rows[case.number]
        assert row.section == "renotify"
        text = screen_text(app)
        assert "需告知" in text and "选中后按 G 出具期限更正告知书" in text
        table = app.screen.query_one("#queue")
        table.move_cursor(row=table.get_row_index(case.number))
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, NoticeScreen) and app.screen.kind == "correction"
        text = screen_text(app)
        told, now = (f"{d.year}年{d.month}月{d.day}日" for d in (case.due_date, moved))
        assert "期限更正告知书" in text and f"原告知{told}，更正为{now}" in text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已出具" in screen_text(app)
        detail = stored(app, case.number)
        assert not detail.renotify and [n.kind for n in detail.notices] == [
            "acceptance",
            "correction",
        ]
        await pilot.press("escape")
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.rows[case.number].section != "renotify"
