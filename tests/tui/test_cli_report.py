"""`chuangkou report`: the files F8 exports, written from the command line (for cron); a
wrong period or scope is one Chinese line and a non-zero exit."""

from __future__ import annotations

import csv

import openpyxl
from pypdf import PdfReader

from tests.tui.test_cli import SUPERVISOR_PW, cli, db  # noqa: F401 (fixtures)


def test_report_writes_csv_xlsx_and_pdf(cli, db, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    for fmt in ("csv", "xlsx", "pdf"):
        target = out / f"q4.{fmt}"
        code, stdout, err = cli(
            "--db", db, "report", "--period", "2026Q4", "--scope", "hall",
            "--format", fmt, "--out", str(target), "--as", "0001",
            stdin=SUPERVISOR_PW + "\n",
        )  # fmt: skip
        assert code == 0, err
        assert "报表已导出" in stdout and "2026年第4季度" in stdout
        assert target.exists()
    rows = list(csv.reader((out / "q4.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert ["统计范围", "全大厅"] in rows
    assert ["办件", "受理", "0"] in rows
    assert openpyxl.load_workbook(out / "q4.xlsx").sheetnames[0] == "统计"
    assert "按时办结率" in PdfReader(out / "q4.pdf").pages[0].extract_text()
    # the format from the file's name
    code, _, err = cli(
        "--db", db, "report", "--period", "2026-10-01..2027-01-31",
        "--out", str(out / "range.xlsx"), "--as", "0001", stdin=SUPERVISOR_PW + "\n",
    )  # fmt: skip
    assert code == 0, err
    assert openpyxl.load_workbook(out / "range.xlsx")["每日办件"].max_row == 1 + 123


def test_report_refuses_a_wrong_period_or_scope_in_one_line(cli, db, tmp_path):  # noqa: F811
    for args, wanted in (
        (("--period", "2026Q5"), "统计期间"),
        (("--period", "2026Q4", "--scope", "window"), "统计范围"),
        (("--period", "2026Q4", "--scope", "window", "nowhere"), "未知的窗口"),
        (("--period", "2026Q4", "--out", str(tmp_path / "x.doc")), "导出格式"),
    ):
        code, _out, err = cli(
            "--db", db, "report", *args, "--as", "0001", stdin=SUPERVISOR_PW + "\n"
        )
        assert code != 0
        assert wanted in err, err
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
