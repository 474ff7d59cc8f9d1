"""报表导出 — a report (policies.reports.Report) written as CSV, XLSX or PDF.

Only the report's figures go out: counts and rates, windows by name, clerks by staff
number. A report holds no personal field, so no export can carry one.

* CSV in UTF-8 with a byte-order mark (``utf-8-sig``): Excel and WPS open the Chinese as is.
* XLSX (openpyxl): sheets 统计, 窗口季度考核 and 每日办件.
* PDF (reportlab) for printing, A4, in the built-in CID font STSong-Light (as the printed
  notices, tui.printing.pdf): no font file shipped.

openpyxl and reportlab are imported on the first export, not with the counter.
"""

from __future__ import annotations

import csv
from pathlib import Path

from policies.reports import ASSESSMENT_COLUMNS, Report, assessment_rows, report_rows
from store.clock import to_local

__all__ = ["FORMATS", "default_dir", "default_name", "export_report"]

FORMATS = {"csv": "CSV", "xlsx": "Excel（XLSX）", "pdf": "PDF（打印）"}
DAILY_COLUMNS = ("日期", "受理", "办结")


def default_dir() -> Path:
    """Where the counter saves reports: the user's documents folder, 窗口报表."""
    import platformdirs

    return Path(platformdirs.user_documents_dir()) / "窗口报表"


def default_name(report: Report, fmt: str) -> str:
    """report-hall-2026-10-01_2026-12-31.csv (a window's code or a staff number after the
    scope)."""
    key = f"-{report.key}" if report.key else ""
    p = report.period
    return f"report-{report.scope}{key}-{p.first:%Y-%m-%d}_{p.last:%Y-%m-%d}.{fmt}"


def export_report(report: Report, fmt: str, path: Path | str | None = None) -> Path:
    """Write ``report`` as ``fmt`` (csv | xlsx | pdf) to ``path`` (default: the documents
    folder and :func:`default_name`); returns the path written."""
    fmt = fmt.lower().strip()
    if fmt not in FORMATS:
        raise ValueError(f"未知的导出格式：{fmt}（csv / xlsx / pdf）")
    target = Path(path) if path else default_dir() / default_name(report, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    {"csv": _csv, "xlsx": _xlsx, "pdf": _pdf}[fmt](report, target)
    return target


def _heading(report: Report) -> list[list[str]]:
    return [
        [report.title],
        ["统计期间", f"{report.period.first:%Y-%m-%d}", f"{report.period.last:%Y-%m-%d}"],
        ["统计范围", report.scope_label],
        ["生成时间", f"{to_local(report.generated_at):%Y-%m-%d %H:%M}"],
    ]


def _assessment(report: Report) -> bool:
    return report.scope == "hall" and bool(report.windows)


def _csv(report: Report, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        w = csv.writer(out)
        w.writerows(_heading(report))
        w.writerow([])
        w.writerow(["类别", "项目", "数值"])
        w.writerows([r.section, r.label, r.value] for r in report_rows(report))
        if _assessment(report):
            w.writerow([])
            w.writerow(["窗口季度考核"])
            w.writerow(ASSESSMENT_COLUMNS)
            w.writerows(assessment_rows(report))
        w.writerow([])
        w.writerow(DAILY_COLUMNS)
        w.writerows([f"{d:%Y-%m-%d}", rec, done] for d, rec, done in report.daily())


def _xlsx(report: Report, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "统计"
    for row in _heading(report):
        sheet.append(row)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(["类别", "项目", "数值"])
    for r in report_rows(report):
        sheet.append([r.section, r.label, r.value])
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 14

    table = book.create_sheet("窗口季度考核")
    table.append([f"{report.title} — 窗口季度考核"])
    table.append(list(ASSESSMENT_COLUMNS))
    if _assessment(report):
        for row in assessment_rows(report):
            table.append(list(row))
    table.column_dimensions["A"].width = 18

    daily = book.create_sheet("每日办件")
    daily.append(list(DAILY_COLUMNS))
    for d, rec, done in report.daily():
        daily.append([d, rec, done])
    daily.column_dimensions["A"].width = 12
    book.save(path)


def _pdf(report: Report, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from tui.printing.pdf import FONT

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=24, alignment=1)
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=15)

    def grid(rows, widths, size=9):
        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, size),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                    ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
                ]
            )
        )
        return t

    story = [Paragraph(report.title, title)]
    for row in _heading(report)[1:]:
        story.append(Paragraph("：".join([row[0], " 至 ".join(row[1:])]), body))
    story.append(Spacer(1, 4 * mm))
    rows = [["类别", "项目", "数值"]] + [[r.section, r.label, r.value] for r in report_rows(report)]
    story.append(grid(rows, [30 * mm, 60 * mm, 30 * mm]))
    if _assessment(report):
        story += [PageBreak(), Paragraph(f"{report.period.label} 窗口季度考核", title)]
        story.append(Spacer(1, 4 * mm))
        rows = [list(ASSESSMENT_COLUMNS)] + [list(r) for r in assessment_rows(report)]
        story.append(grid(rows, [34 * mm] + [14.5 * mm] * (len(ASSESSMENT_COLUMNS) - 1), 7.5))
        story.append(Spacer(1, 3 * mm))
        story.append(
            Paragraph(
                "注：附件9规定“好差评”情况纳入窗口季度考核，未规定权重与分值；本表列出各项指标，不计算总分。",
                body,
            )
        )
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=report.title,
        author="chuangkou",
    )
    doc.build(story)
