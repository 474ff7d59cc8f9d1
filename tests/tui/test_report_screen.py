"""F8 driven by Pilot on the demo register at 80×24: the supervisor's quarterly report of
the hall shown (figures, sparkline, a bar per window) and exported to the documents
folder; the console theme draws no block characters; a clerk asking for the hall is told
no."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from pypdf import PdfReader

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home, login

pytestmark = pytest.mark.timeout(120)

SIZE = (80, 24)


@pytest.fixture
def documents(tmp_path, monkeypatch):
    folder = tmp_path / "documents"
    monkeypatch.setattr("platformdirs.user_documents_dir", lambda: str(folder))
    return folder / "窗口报表"


async def supervisor_report(pilot) -> None:
    await settle(pilot)
    await login(pilot, "0001", "demo0001")
    await pilot.press("escape")  # not at a window today: the board
    await settle(pilot)
    await pilot.press("f8")
    await settle(pilot)


async def wait_report(pilot) -> None:
    for _ in range(10):  # one store call per month of the period
        await settle(pilot)
        if pilot.app.screen.report is not None:
            return
    raise AssertionError("the report never came")


async def test_the_demo_quarter_shown_and_exported(demo, clock, documents):
    from tui.screens.report import ReportScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await supervisor_report(pilot)
        assert isinstance(app.screen, ReportScreen)
        assert "全大厅今日统计" in screen_text(app)
        await pilot.press("q")
        await wait_report(pilot)
        report = app.screen.report
        assert report.scope == "hall" and report.period.label.endswith("季度")
        assert report.totals.received > 0  # the demo register has cases this quarter
        text = screen_text(app)
        assert "全大厅 统计报表" in text and "季度" in text
        assert "首问登记" in text and "受理" in text
        assert "各窗口受理" in text and "█" in text
        assert "统计完成" in text
        await pilot.press("e")
        await settle(pilot)
        assert "1 CSV" in screen_text(app)
        await pilot.press("1")
        await settle(pilot)
        files = list(documents.glob("report-hall-*.csv"))
        assert len(files) == 1
        assert "已导出" in screen_text(app)
        rows = list(csv.reader(files[0].read_text(encoding="utf-8-sig").splitlines()))
        assert ["办件", "受理", str(report.totals.received)] in rows
        await pilot.press("e", "2")
        await settle(pilot)
        book = openpyxl.load_workbook(next(documents.glob("report-hall-*.xlsx")))
        assert "窗口季度考核" in book.sheetnames
        await pilot.press("e", "3")
        await settle(pilot)
        pdf = next(documents.glob("report-hall-*.pdf"))
        assert "窗口季度考核" in "".join(p.extract_text() for p in PdfReader(pdf).pages)
        # no personal field: not one demo account's name in the file
        body = files[0].read_text(encoding="utf-8-sig")
        for account in info.accounts:
            if getattr(account, "name", ""):
                assert account.name not in body


async def test_a_custom_range_and_a_window_then_the_console_theme(demo, clock, documents):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await supervisor_report(pilot)
        app.theme = "chuangkou-console"
        await pilot.press("r")
        await type_text(pilot, "2026-10-01..2026-12-31")
        await pilot.press("enter")
        await wait_report(pilot)
        assert app.screen.report.period.days == 92
        await pilot.press("w")
        await type_text(pilot, "minzheng")
        await pilot.press("enter")
        await wait_report(pilot)
        assert app.screen.report.scope == "window"
        text = screen_text(app)
        assert "民政" in text and "评价等级" in text
        assert not any(0x2500 <= ord(ch) < 0x25A0 for ch in text)


async def test_a_clerk_cannot_see_the_hall(demo, clock, documents):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("f8")
        await settle(pilot)
        assert "本人及本窗口（民政窗口）今日统计" in screen_text(app)
        await pilot.press("c")  # their own quarter: allowed
        await wait_report(pilot)
        assert app.screen.report.scope_label == "工号 1001"
        await pilot.press("h")
        for _ in range(4):
            await settle(pilot)
        assert "只有大厅主任可以查看全大厅报表" in screen_text(app)


def test_bars_and_the_ascii_sparkline():
    from tui.screens.report import ascii_sparkline, bar_lines

    # 40 cells: the labels take 8 (four characters), the count 8, the longest bar 24
    assert bar_lines([("民政", 4), ("婚姻登记", 2)], 40, ascii_only=True).splitlines() == [
        "民政     " + "#" * 24 + " 4",
        "婚姻登记 " + "#" * 12 + " 2",
    ]
    assert "█" in bar_lines([("民政", 1)], 30, ascii_only=False)
    assert bar_lines([], 30, ascii_only=True) == "（无数据）"
    assert ascii_sparkline([0, 7, 0, 7], 10) == " # #"
    assert len(ascii_sparkline(list(range(92)), 40)) == 40
