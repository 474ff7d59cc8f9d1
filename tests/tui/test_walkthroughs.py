"""Pilot walkthroughs of the case workflow on the demo register (issue 5 acceptance):
a 补办件 with three missing materials from F2 to 办结; a 容缺 case whose commitment date
passes; a 退回件 and its 否定报备 review; a 承诺件 extension approved by the supervisor; a
phone inquiry 转办 followed by both windows, which the receiving one cannot send back.
Each asserts on what the screen shows and on what the store holds."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home, login
from tests.tui.test_case_screen import new_case, open_from_home, stored

pytestmark = pytest.mark.timeout(180)

#: MZ003 临时救助申请 (民政): the three secondary materials.
SECONDARY = ("户口簿", "遭遇困难的证明材料", "本人银行卡（一卡通）复印件")


async def switch_to(pilot, number: str, *, post: bool | None = True) -> None:
    """Lock the counter (F10) and let another staff member log in on it (post=None: the
    same clerk unlocks, who keeps the post and is asked nothing)."""
    from tui.screens.lock import LockScreen

    app = pilot.app
    await pilot.press("f10")
    await settle(pilot)
    assert isinstance(app.screen, LockScreen)
    field = app.screen.query_one("#number")
    field.value = ""
    field.focus()
    await login(pilot, number, f"demo{number}")
    # Their post for today from the roster (Enter); the supervisor has none (Esc).
    if post is not None:
        await pilot.press("enter" if post else "escape")
    await settle(pilot)
    assert app.session.staff_number == number
    # A clerk lands on the window's queue, the supervisor on the board.
    assert type(app.screen).__name__ == ("BoardScreen" if number == "0001" else "HomeScreen")


async def test_a_supplement_case_from_f2_to_done(demo, clock):
    from devices.idcard import samples
    from tui.screens.accept import AcceptScreen
    from tui.screens.case import CaseScreen
    from tui.screens.notice import NoticeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 50)) as pilot:
        await demo_clerk_home(pilot, info)
        # 首问登记 with a card read, the item by pinyin, 本窗口受理.
        await pilot.press("f2")
        await settle(pilot)
        app.screen.card_read(samples.RESIDENT)
        await type_text(pilot, "lsjz")
        await settle(pilot)
        await pilot.press("enter")
        assert app.screen.item.code == "MZ003"
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert isinstance(app.screen, AcceptScreen)
        # The three secondary materials: 未带, 缺, 未带.
        await pilot.press("down", "down", "space", "down", "space", "space", "down", "space")
        await settle(pilot)
        assert "【容缺受理】" in screen_text(app)  # proposed; the applicant signs no commitment
        await pilot.press("k")
        await settle(pilot)
        assert "【补办件】" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        result = app.screen.result
        assert result is not None and result.kind == "supplement", screen_text(app)
        assert set(result.missing_materials) == set(SECONDARY)

        # The case from the queue; its notice lists all three at once.
        await open_from_home(pilot, result.number)
        assert isinstance(app.screen, CaseScreen)
        text = screen_text(app)
        assert samples.RESIDENT.name in text and "待补正" in text
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoticeScreen) and app.screen.kind == "supplement"
        notice = screen_text(app)
        assert all(name in notice for name in SECONDARY), notice
        await pilot.press("ctrl+s")  # issued
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert len(stored(app, result.number).notices) == 1

        # First visit: two of them.
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("space", "down", "space", "enter")
        await settle(pilot)
        detail = stored(app, result.number)
        assert detail.missing_materials == (SECONDARY[2],)
        assert detail.state == "awaiting_supplement" and detail.trips == 2
        assert f"已补交：{SECONDARY[0]}、{SECONDARY[1]}" in screen_text(app)
        # Second visit, the next day: the last one; the count starts the day after.
        clock.advance(days=1)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("space", "enter")
        await settle(pilot)
        detail = stored(app, result.number)
        assert detail.state == "in_progress" and not detail.missing_materials
        assert detail.clock_start == dt.date(2026, 11, 24) and detail.due_date is not None
        assert detail.due_date > dt.date(2026, 11, 24)
        text = screen_text(app)
        assert "办理中" in text and "跑动次数：3 次" in text
        assert f"办结期限 {detail.due_date:%Y-%m-%d}" in text

        # 办结 准予: then the applicant is asked to rate.
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("enter")  # 准予
        await type_text(pilot, "符合临时救助条件")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "RatingScreen"
        assert "请对本次服务进行评价" in screen_text(app)
        detail = stored(app, result.number)
        assert detail.state == "done" and detail.granted is True and detail.trips == 3
        assert "准予" in (detail.result or "")


async def test_a_tolerance_case_past_its_commitment_is_withdrawn(demo, clock):
    from store.daily import run_daily
    from tui.screens.case import CaseScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        await demo_clerk_home(pilot, info)
        result = new_case(
            app,
            missing=(SECONDARY[0],),
            kind="tolerance",
            tolerance_commitment_date=dt.date(2026, 11, 25),
        )
        assert result.tolerance
        await open_from_home(pilot, result.number)
        text = screen_text(app)
        assert "容缺受理" in text and "承诺补齐日期 2026-11-25" in text
        assert "建议退件" not in text
        await pilot.press("escape")
        await settle(pilot)

        # Thursday morning: the commitment date has passed, the material is still owed.
        clock.set(dt.datetime(2026, 11, 26, 1, 10, tzinfo=dt.UTC))
        daily = app.store.run(run_daily, app.session)
        assert result.number in daily.tolerance_proposed
        assert stored(app, result.number).proposed_action == "withdraw"

        await open_from_home(pilot, result.number)
        assert isinstance(app.screen, CaseScreen)
        text = screen_text(app)
        assert "建议退件" in text and "W 退件/撤回" in text
        await pilot.press("w")
        await settle(pilot)
        assert "视为放弃申请" in screen_text(app)  # the reason is proposed
        await pilot.press("enter")
        await settle(pilot)
        detail = stored(app, result.number)
        assert detail.state == "withdrawn" and detail.proposed_action == ""
        text = screen_text(app)
        assert "已退件" in text and "已撤回（退件）" in text


async def test_the_first_login_of_the_day_runs_the_daily_job(demo, clock):
    """容缺 overdue → 退件 proposed without anyone running a command: the first login of
    the day runs the daily job in the background; later logins that day do not."""
    from store.daily import DAILY_MARK
    from store.models import Rating

    url, info = demo
    app = make_app(url, clock, demo=info, daily_job=True)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await demo_clerk_home(pilot, info)
        await settle(pilot)
        assert app.store.run(app.register.meta, DAILY_MARK) == "2026-11-23"
        # the demo's services finished over a week ago and never rated: recorded as such
        not_rated = app.store.run(lambda: Rating.select().where(~Rating.rated).count())
        assert not_rated > 0
        result = new_case(
            app,
            missing=(SECONDARY[0],),
            kind="tolerance",
            tolerance_commitment_date=dt.date(2026, 11, 25),
        )
        await switch_to(pilot, "1001", post=None)  # the same day again: nothing more to do
        assert stored(app, result.number).proposed_action == ""

        clock.set(dt.datetime(2026, 11, 26, 1, 10, tzinfo=dt.UTC))  # Thursday morning
        await switch_to(pilot, "1001", post=None)
        await settle(pilot)
        assert app.store.run(app.register.meta, DAILY_MARK) == "2026-11-26"
        assert stored(app, result.number).proposed_action == "withdraw"
        assert "已建议退件" in screen_text(app)


async def test_a_returned_case_is_reviewed_by_the_supervisor(demo, clock):
    from store.models import Case, Refusal
    from tui.screens.notice import NoticeScreen
    from tui.screens.refusals import RefusalsScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        await demo_clerk_home(pilot, info)
        result = new_case(app)
        await open_from_home(pilot, result.number)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("enter")  # no reason
        await settle(pilot)
        assert "退回原因不能为空" in screen_text(app)
        assert stored(app, result.number).state == "accepted"
        await type_text(pilot, "经核查不符合临时救助条件")
        await pilot.press("enter")
        await settle(pilot)
        assert stored(app, result.number).state == "returned"
        assert "退回件通知书" in screen_text(app)  # offered at once
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoticeScreen) and app.screen.kind == "return"
        assert "经核查不符合临时救助条件" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert [n.kind for n in stored(app, result.number).notices] == ["return"]

        # The supervisor finds the 否定报备 entry and reviews it.
        await switch_to(pilot, "0001", post=False)
        await pilot.press("q")  # from the board to the hall's queue
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RefusalsScreen)
        assert result.number in screen_text(app) and "退回" in screen_text(app)
        key = next(k for k, (_, case, _) in screen.rows.items() if case == result.number)
        table = screen.query_one("#refusals")
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "同意退回")
        await pilot.press("enter")
        await settle(pilot)
        assert f"已审核：办件 {result.number}" in screen_text(app)
        assert result.number not in screen.rows.values()
        state = app.store.run(
            lambda: [
                r.state for r in Refusal.select().join(Case).where(Case.number == result.number)
            ]
        )
        assert state == ["reviewed"]


async def test_a_promised_case_extension_approved_by_the_supervisor(demo, clock):
    from tui.screens.case import CaseScreen
    from tui.screens.notice import NoticeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        await demo_clerk_home(pilot, info)
        result = new_case(app)
        assert result.kind == "promised" and result.due_date is not None
        await open_from_home(pilot, result.number)
        await pilot.press("y")
        await settle(pilot)
        await type_text(pilot, "需入户核查家庭经济状况")
        await pilot.press("enter")
        await type_text(pilot, "2026-11-20")  # before today
        await pilot.press("enter")
        await settle(pilot)
        assert "延期后的办结日期不能早于今天" in screen_text(app)
        assert stored(app, result.number).extension_state == ""
        await pilot.press("ctrl+u")
        await type_text(pilot, "2026-12-31")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        text = screen_text(app)
        assert "待主任批准" in text and "申请延至 2026-12-31" in text
        assert "P 批准延期" not in text  # the supervisor's key, not offered to the clerk
        await pilot.press("p")  # not the clerk's to approve
        await settle(pilot)
        assert "「批准延期」须由大厅主任决定" in screen_text(app)
        assert stored(app, result.number).due_date == result.due_date

        # The supervisor opens the case from the hall's queue and approves.
        await switch_to(pilot, "0001", post=False)
        await open_from_home(pilot, result.number)
        assert "P 批准延期" in screen_text(app)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = stored(app, result.number)
        assert detail.due_date == dt.date(2026, 12, 31) and detail.extension_state == "approved"
        assert "延期告知书" in screen_text(app)  # offered at once
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NoticeScreen) and app.screen.kind == "extension"
        assert "2026" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert [n.kind for n in stored(app, result.number).notices] == ["extension"]
        text = screen_text(app)
        assert "办结期限 2026-12-31" in text and "延期：已批准" in text


def _clerk_of(app, window_code: str) -> str:
    """The clerk holding the A post of a window on the demo roster."""
    from store.models import Post, Window

    return app.store.run(
        lambda: (
            Post.select()
            .join(Window)
            .where((Window.code == window_code) & (Post.post == "A"))
            .get()
            .staff.number
        )
    )


async def test_a_phone_referral_is_followed_by_both_windows(demo, clock):
    from store.models import Inquiry
    from tui.screens.referral import ReferralScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("ctrl+n")  # 电话
        await pilot.press("tab")
        await type_text(pilot, "王先生")
        await pilot.press("tab")
        await type_text(pilot, "13800138000")
        await pilot.press("tab")
        await type_text(pilot, "残疾人两项补贴怎么申请")
        await pilot.press("ctrl+t")
        await settle(pilot)
        target = app.screen._windows[0]
        assert target.code != "minzheng"
        await pilot.press("enter")
        await settle(pilot)
        number = app.store.run(lambda: Inquiry.select().order_by(Inquiry.id.desc()).get().number)
        assert number in screen_text(app)

        # 督办 in the first asker's queue.
        await pilot.press("f4")
        await settle(pilot)
        row = app.screen.rows[number]
        assert row.section == "referral" and row.kind == "follow_up"
        assert "王*" in screen_text(app) and "王先生" not in screen_text(app)
        await open_from_home(pilot, number)
        assert isinstance(app.screen, ReferralScreen)
        text = screen_text(app)
        assert f"承办窗口：{target.name}" in text and "首问责任人：1001" in text

        # The receiving window's clerk sees it too, and cannot send it back.
        clerk = _clerk_of(app, target.code)
        await switch_to(pilot, clerk)
        assert app.today_post.window_code == target.code
        row = app.screen.rows[number]
        assert row.section == "referral" and row.kind == "referred_in"
        assert "督办" in screen_text(app) and "转入" in screen_text(app)
        await open_from_home(pilot, number)
        assert isinstance(app.screen, ReferralScreen)
        assert "转入本窗口" in screen_text(app)
        await pilot.press("h")
        await settle(pilot)
        assert "接收窗口不能自行退回，需主任处理" in screen_text(app)
        inquiry = app.store.run(
            lambda: (
                Inquiry.select(Inquiry.state, Inquiry.referred_to)
                .where(Inquiry.number == number)
                .get()
            )
        )
        assert inquiry.state == "open"
        assert app.store.run(lambda: inquiry.referred_to.code) == target.code
