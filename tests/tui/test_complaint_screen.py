"""投诉 (F6) at the counter, driven by Pilot on the demo register at 80×24: the complaint
officer logs an oral complaint and answers it the next working day; a written complex one
is extended and the complainant's 投诉办理延期告知书 issued; a clerk who logs one never sees
the complainant again."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import login

pytestmark = pytest.mark.timeout(120)

SIZE = (80, 24)
NAME = "欧阳投诉"


async def officer_home(pilot, info) -> None:
    officer = next(a for a in info.accounts if a.number == "2001")
    await settle(pilot)
    await login(pilot, officer.number, officer.password)
    from tui.screens.post import PostScreen

    if isinstance(pilot.app.screen, PostScreen):
        await pilot.press("escape")  # 今天不在窗口: the officer holds no post
        await settle(pilot)


async def log_complaint(pilot, *, channel: str, complex_: bool, grounds: str) -> str:
    from textual.widgets import Checkbox, Input

    from tui.screens.complaint import ComplaintDetailScreen, ComplaintForm, ComplaintScreen

    app = pilot.app
    await pilot.press("f6")
    await settle(pilot)
    assert isinstance(app.screen, ComplaintScreen)
    assert "N 登记投诉" in screen_text(app)
    await pilot.press("n")
    await settle(pilot)
    form = app.screen
    assert isinstance(form, ComplaintForm)
    text = screen_text(app)
    assert "投诉登记" in text and "9.其他违规违纪行为" in text
    form.query_one("#channel", Input).value = ""
    await type_text(pilot, channel)
    if complex_:
        form.query_one("#complex", Checkbox).focus()
        await pilot.press("space")
        assert form.query_one("#complex", Checkbox).value
    for field, value in (
        ("#name", NAME),
        ("#contact", "13912345678"),
        ("#window", "minzheng"),
        ("#grounds", grounds),
        ("#description", "窗口人员态度生硬，材料一次没说全"),
    ):
        form.query_one(field, Input).focus()
        await type_text(pilot, value)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(app.screen, ComplaintDetailScreen), form.query_one("#form-error").render()
    assert NAME in screen_text(app)
    return app.screen.number


async def test_oral_complaint_logged_and_answered_the_next_working_day(demo, clock):
    from store.models import Complaint
    from tui.screens.complaint import ComplaintDetailScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await officer_home(pilot, info)
        number = await log_complaint(pilot, channel="口头", complex_=False, grounds="4 7")
        text = screen_text(app)
        # Monday 23 November 2026: answered on the spot, at the latest the next working day
        assert "答复期限：2026-11-24" in text and "待调查" in text
        assert "服务质量差、态度不好、未一次性告知致多次往返" in text
        assert "D 调查" in text and "Y 延期" not in text  # a general complaint

        clock.set(dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.UTC))  # Tuesday 09:30
        await pilot.press("d")
        await settle(pilot)
        await type_text(pilot, "调取窗口录像，情况属实")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintDetailScreen)
        assert "待处理决定" in screen_text(app) and "J 处理决定" in screen_text(app)

        await pilot.press("j")
        await settle(pilot)
        await pilot.press("enter")  # 投诉属实
        await type_text(pilot, "批评教育，按规定扣减考核分")
        await pilot.press("enter")
        await settle(pilot)
        assert "待答复" in screen_text(app)

        await pilot.press("r")
        await settle(pilot)
        await pilot.press("down", "enter")  # 电话; the date is today
        await pilot.press("enter")
        await type_text(pilot, "电话告知处理结果")
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "答复：2026-11-24 电话答复" in text and "B 办结" in text

        await pilot.press("b")
        await settle(pilot)
        await pilot.press("enter")  # 满意
        await settle(pilot)
        text = screen_text(app)
        assert "已办结" in text and "满意度：满意" in text

    row = Complaint.get(Complaint.number == number)
    assert row.state == "closed" and row.confirmed is True
    assert row.replied_at.date() <= row.due_date == dt.date(2026, 11, 24)


async def test_written_complex_complaint_extended_with_its_notice(demo, clock):
    from store.models import Notice
    from tui.screens.complaint import ComplaintDetailScreen, ComplaintNoticeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await officer_home(pilot, info)
        number = await log_complaint(pilot, channel="书面", complex_=True, grounds="2 6")
        text = screen_text(app)
        # Monday 23 November: 5 working days → Monday 30 November
        assert "答复期限：2026-11-30" in text and "书面·较复杂" in text
        assert "Y 延期" in text

        await pilot.press("y")
        await settle(pilot)
        await type_text(pilot, "涉及民政、社保两个部门，需联合调查")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintNoticeScreen)
        text = screen_text(app)
        assert "投诉办理延期告知书" in text and NAME in text
        assert "2026年12月14日" in text  # 15 working days from receipt
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已出具" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintDetailScreen)
        text = screen_text(app)
        assert "2026-12-14" in text and "已延期" in text and "已出具延期告知书：TZ" in text
        assert "Y 延期" not in text  # once only

    notice = Notice.get(Notice.kind == "complaint_extension")
    assert notice.complaint.number == number


async def test_a_clerk_logs_a_complaint_and_never_sees_the_complainant(demo, clock):
    from tests.tui.test_app import demo_clerk_home
    from tui.screens.complaint import ComplaintScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        from textual.widgets import Input

        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        for field, value in (("#name", NAME), ("#grounds", "4"), ("#description", "态度差")):
            form.query_one(field, Input).focus()
            await type_text(pilot, value)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)
        text = screen_text(app)
        assert "待调查" in text and NAME not in text
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "（保密）" in text and NAME not in text and "态度差" not in text
        assert "D 调查" not in text


async def test_a_caller_at_f2_goes_straight_to_a_complaint(demo, clock):
    from textual.widgets import Input

    from store.models import Inquiry
    from tests.tui.test_app import demo_clerk_home
    from tui.screens.complaint import ComplaintForm, ComplaintScreen
    from tui.screens.inquiry import InquiryScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, InquiryScreen)
        await pilot.press("ctrl+n")  # 电话
        for field, value in (("#name", NAME), ("#phone", "13912345678"), ("#matter", "投诉窗口")):
            app.screen.query_one(field, Input).focus()
            await type_text(pilot, value)
        before = Inquiry.select().count()
        await pilot.press("ctrl+o")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ComplaintForm)
        assert form.query_one("#channel", Input).value == "电话"
        assert form.query_one("#name", Input).value == NAME
        assert form.query_one("#contact", Input).value == "13912345678"
        assert form.query_one("#description", Input).value == "投诉窗口"
        form.query_one("#grounds", Input).focus()
        await type_text(pilot, "5")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)
        assert "超过承诺时限" in screen_text(app) and NAME not in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, (ComplaintScreen, InquiryScreen))
    assert Inquiry.select().count() == before
