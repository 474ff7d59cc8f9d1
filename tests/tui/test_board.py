"""The supervisor's board (大厅看板) driven by Pilot on the demo register at 80×24: the
supervisor lands on it, a window with nobody shows as an alarm, and each decision — one key
on the selected row, one confirmation — reaches the store: a 报主任 inquiry assigned to a
window, an extension approved that the clerk then finds on the case, a 否定报备 overturned
with its comment. F8 says what it counts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home, login
from tests.tui.test_case_screen import new_case, open_from_home, stored

pytestmark = pytest.mark.timeout(120)

SIZE = (80, 24)


async def supervisor_board(pilot) -> None:
    """Log in as the supervisor (no window today): the board."""
    from tui.screens.board import BoardScreen

    await settle(pilot)
    await login(pilot, "0001", "demo0001")
    await pilot.press("escape")  # not at a window today
    await settle(pilot)
    assert isinstance(pilot.app.screen, BoardScreen)


async def switch_to(pilot, number: str) -> None:
    """F10, and another staff member unlocks the counter (a clerk confirms their post, the
    supervisor has none)."""
    app = pilot.app
    await pilot.press("f10")
    await settle(pilot)
    field = app.screen.query_one("#number")
    field.value = ""
    field.focus()
    await login(pilot, number, f"demo{number}")
    await pilot.press("escape" if number == "0001" else "enter")
    await settle(pilot)
    assert app.session.staff_number == number


async def section(pilot, digit: str, key: str) -> None:
    """Show a section of the board and put the cursor on the row ``key``."""
    await pilot.press(digit)
    await settle(pilot)
    screen = pilot.app.screen
    assert key in screen.rows, f"{key} not on the board"
    table = screen.query_one("#board-table")
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()


def cells(app, key: str) -> list[str]:
    table = app.screen.query_one("#board-table")
    return [str(cell) for cell in table.get_row(key)]


async def test_the_supervisor_lands_on_the_board_and_the_hall_queue_is_one_key_away(demo, clock):
    from tui.screens.board import BoardScreen
    from tui.screens.home import HomeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await supervisor_board(pilot)
        text = screen_text(app)
        for piece in ("大厅看板", "1窗口", "7逾期", "在办", "Q 大厅办件", "F10 锁屏"):
            assert piece in text, piece
        await pilot.press("tab")  # the sections in turn; 1–7 straight to one
        assert app.screen.section == "extensions" and "A 批准　X 驳回" in screen_text(app)
        await pilot.press("shift+tab")
        assert app.screen.section == "windows"
        await pilot.press("7")
        assert app.screen.section == "overdue" and "级别" in screen_text(app)
        await pilot.press("1")
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.queue.window_name == "全大厅"
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen) and len(app.screen_stack) == 2


async def test_a_window_with_nobody_is_an_alarm_until_someone_takes_the_post(demo, clock):
    from store.attendance import sign_in
    from store.auth import login as store_login
    from store.clock import local_date
    from store.models import Attendance, Window
    from store.roster import take_post

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await supervisor_board(pilot)

        def nobody_at_hunyin() -> None:
            window = Window.get(Window.code == "hunyin")
            Attendance.update(signed_out_at=clock.now()).where(
                (Attendance.window == window) & (Attendance.work_date == local_date(clock.now()))
            ).execute()

        app.store.run(nobody_at_hunyin)
        await pilot.press("f4")  # the board again
        await settle(pilot)
        row = cells(app, "hunyin")
        assert row[0] == "婚姻登记" and "无人在岗" in row[-1]
        assert "无人在岗" in screen_text(app)
        assert "hunyin" in {w.code for w in app.screen.board.nobody}

        def clerk_takes_hunyin() -> None:
            session = store_login(app.register, "1003", "demo1003")
            sign_in(session)
            take_post(session, "hunyin", "A", None)

        app.store.run(clerk_takes_hunyin)
        await pilot.press("f4")
        await settle(pilot)
        row = cells(app, "hunyin")
        assert "无人在岗" not in row[-1]
        assert row[3] == "张*燕"  # who is at the window now, masked
        table = app.screen.query_one("#board-table")
        table.move_cursor(row=table.get_row_index("hunyin"))
        await pilot.pause()
        assert "在岗 张*燕A岗" in screen_text(app)


async def test_an_escalated_inquiry_is_assigned_to_a_window_from_the_board(demo, clock):
    from store.models import AuditEvent, Inquiry

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await supervisor_board(pilot)
        number = app.screen.board.escalated.rows[0].number
        await section(pilot, "4", number)
        assert "A 指派窗口" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        assert f"指派承办窗口：{number}" in screen_text(app)
        codes = [code for code, _ in app.windows]
        for _ in range(codes.index("hunyin")):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert f"已指派：{number} 转婚姻登记窗口办理" in screen_text(app)
        row = app.store.run(lambda: Inquiry.get(Inquiry.number == number))
        assert (row.disposition, row.referred_to.code) == ("referred", "hunyin")
        assert number not in app.screen.rows
        event = app.store.run(
            lambda: (
                AuditEvent.select()
                .where(
                    (AuditEvent.action == "inquiry.reassign") & (AuditEvent.record_id == row.uuid)
                )
                .get()
            )
        )
        assert json.loads(event.detail)["to"] == "hunyin"


async def test_an_extension_approved_from_the_board_reaches_the_clerks_case(demo, clock):
    from store.cases import request_extension
    from tui.screens.board import BoardScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        case = new_case(app)
        app.store.run(
            request_extension,
            app.session,
            case.number,
            reason="需入户核查家庭经济状况",
            new_date=dt.date(2026, 12, 31),
        )
        await switch_to(pilot, "0001")
        await section(pilot, "2", case.number)
        text = screen_text(app)
        assert "需入户核查家庭经济状况" in text and "12-31" in text
        await pilot.press("a")
        await settle(pilot)
        assert f"批准延期：办件 {case.number}" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        detail = stored(app, case.number)
        assert detail.due_date == dt.date(2026, 12, 31) and detail.extension_state == "approved"
        # The applicant is told in writing: the notice is offered at once; Esc leaves it for
        # later (N on the case).
        assert "延期告知书" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert f"已批准延期：办件 {case.number} 办结期限改为 2026-12-31" in screen_text(app)
        assert case.number not in app.screen.rows

        # The clerk finds it on the case.
        await switch_to(pilot, "1001")
        await open_from_home(pilot, case.number)
        text = screen_text(app)
        assert "延期：已批准" in text and "2026-12-31" in text


async def test_a_refusal_overturned_from_the_board_is_recorded_with_the_comment(demo, clock):
    from store.cases import return_case
    from store.models import AuditEvent, Case, Refusal

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        case = new_case(app)
        app.store.run(return_case, app.session, case.number, reasons="经核查不符合临时救助条件")
        refusal = app.store.run(
            lambda: Refusal.select().join(Case).where(Case.number == case.number).get()
        )
        await switch_to(pilot, "0001")
        await section(pilot, "3", str(refusal.id))
        assert "经核查不符合临时救助条件" in screen_text(app)
        await pilot.press("o")
        await settle(pilot)
        assert "改判否定报备" in screen_text(app)
        await pilot.press("enter")  # no comment: refused by the form, nothing saved
        await settle(pilot)
        assert "请填写改判意见" in screen_text(app)
        assert app.store.run(lambda: Refusal.get_by_id(refusal.id).state) == "pending"
        await type_text(pilot, "申请人已补交低保证明应予受理")
        await pilot.press("enter")
        await settle(pilot)
        assert f"已改判：办件 {case.number} 的否定报备" in screen_text(app)
        assert str(refusal.id) not in app.screen.rows
        row = app.store.run(lambda: Refusal.get_by_id(refusal.id))
        assert (row.state, row.decision) == ("reviewed", "overturned")
        keys = app.session.keys
        note = keys.open_text("refusal", "review_note_enc", row.uuid, row.review_note_enc)
        assert note == "申请人已补交低保证明应予受理"
        event = app.store.run(
            lambda: (
                AuditEvent.select()
                .where((AuditEvent.action == "refusal.review") & (AuditEvent.record_id == row.uuid))
                .get()
            )
        )
        assert json.loads(event.detail) == {"case": case.number, "decision": "overturned"}
        assert event.actor == app.session.staff_id


async def test_f8_says_what_it_counts(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("f8")
        await settle(pilot)
        text = screen_text(app)
        assert "本人及本窗口（民政窗口）今日统计" in text
        assert "本人今日受理" in text and "本窗口今日办结" in text
        await switch_to(pilot, "0001")
        await pilot.press("f8")
        await settle(pilot)
        text = screen_text(app)
        assert "全大厅今日统计" in text and "本人" not in text
        assert "全大厅今日办结" in text and "全大厅超期未办结" in text


async def test_the_demo_board_shows_a_handover_in_progress_and_a_window_with_nobody(demo, clock):
    """At the first login as 0001: 村镇建设's A (1007) on leave covered by 1008, and 自然资源
    with nobody (its A not in, its B the one on leave)."""
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await supervisor_board(pilot)
        assert "无人在岗" in cells(app, "guotu")[-1]
        assert "A离岗" in cells(app, "chengjian")[-1]
        table = app.screen.query_one("#board-table")
        table.move_cursor(row=table.get_row_index("chengjian"))
        await pilot.pause()
        assert "周*梅休假" in screen_text(app) and "由吴*平代岗" in screen_text(app)


async def test_a_clerks_appeal_of_a_bad_rating_is_decided_from_the_board(demo, clock):
    """申诉复核: the demo's appealed 差评 waits in section 3; A and Enter uphold it."""
    from store.models import AuditEvent, Rating

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await supervisor_board(pilot)
        appeal = app.screen.board.appeals.rows[0]
        await section(pilot, "3", f"appeal:{appeal.service_number}")
        assert "差评申诉" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        await type_text(pilot, "当场误按")
        await pilot.press("enter")
        await settle(pilot)
        state = app.store.run(
            lambda: Rating.get(Rating.appeal_state.in_(("upheld", "pending"))).appeal_state
        )
        assert state == "upheld"
        assert app.screen.board.appeals.total == 0
        assert app.store.run(
            lambda: AuditEvent.select().where(AuditEvent.action.contains("appeal")).exists()
        )
