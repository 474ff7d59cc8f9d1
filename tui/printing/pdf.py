"""Lay a notice out as an A4 PDF, entirely in memory.

The Chinese text uses reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1,
UniGB-UCS2-H): no font file is shipped or read. The font is referenced, not embedded, so
the viewer or the printer's filter supplies the glyphs (on a CUPS host: a Chinese font
such as fonts-noto-cjk or fonts-arphic-uming plus poppler-data / ghostscript's CJK maps).

reportlab is imported on the first call, not at import time: the counter's start-up stays
fast.
"""

from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from tui.printing.lp import PrintError

if TYPE_CHECKING:
    from policies.notices import Notice

__all__ = ["FONT", "notice_pdf", "notice_story"]

FONT = "STSong-Light"
BODY_SIZE = 12  # 小四
LEADING = 21
#: The page (A4, in points) and its margins, in millimetres.
PAGE_WIDTH = 595.2756
MARGINS_MM = (28, 26)  # left, right
FRAME_PADDING = 6  # reportlab's Frame pads each side by 6 points
BOX_WIDTH_MM = 90
MM = 72 / 25.4
#: The printed width of a line (points): the lines are broken here, by policies.linebreak.
TEXT_WIDTH = PAGE_WIDTH - sum(MARGINS_MM) * MM - 2 * FRAME_PADDING


@functools.cache
def _styles() -> dict:
    try:
        from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    except ImportError as exc:  # pragma: no cover - reportlab is a dependency
        raise PrintError("无法生成 PDF：未安装 reportlab，请联系技术员。") from exc

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle(
        "notice-body",
        fontName=FONT,
        fontSize=BODY_SIZE,
        leading=LEADING,
        wordWrap="CJK",  # break between any two Chinese characters
        alignment=TA_LEFT,
        firstLineIndent=2 * BODY_SIZE,  # 首行缩进两字
        spaceAfter=2,
    )

    def style(name: str, **kw) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "header": style("header", alignment=TA_CENTER, firstLineIndent=0, fontSize=14),
        "title": style(
            "title", alignment=TA_CENTER, firstLineIndent=0, fontSize=22, leading=32, spaceAfter=0
        ),
        "subtitle": style("subtitle", alignment=TA_CENTER, firstLineIndent=0, fontSize=14),
        "reference": style("reference", alignment=TA_RIGHT, firstLineIndent=0, fontSize=10.5),
        "salutation": style("salutation", firstLineIndent=0, spaceBefore=6),
        "body": base,
        "item": style("item", firstLineIndent=0, leftIndent=3 * BODY_SIZE),
        "field": style("field", firstLineIndent=0),
        "box": style("box", firstLineIndent=0, alignment=TA_CENTER, fontSize=10.5),
        "sign": style("sign", firstLineIndent=0, spaceBefore=18),
        "signature": style("signature", alignment=TA_RIGHT, firstLineIndent=0),
    }


def printed_lines(text: str, style, width: float = TEXT_WIDTH) -> list[str]:
    """``text`` broken into the lines it prints as (避头尾; numbers and dates whole)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from policies.linebreak import break_lines

    def measure(piece: str) -> float:
        return stringWidth(piece, style.fontName, style.fontSize)

    # Half a point of slack: reportlab must never find a line too long and break it again.
    avail = width - style.leftIndent - style.rightIndent - 0.5
    return break_lines(text, avail, first_width=avail - style.firstLineIndent, measure=measure)


def _para(text: str, style, width: float = TEXT_WIDTH):
    from reportlab.platypus import Paragraph

    # Paragraph parses a small XML markup: escape, so "<" or "&" in a name prints as is.
    return Paragraph(
        "<br/>".join(escape(line) for line in printed_lines(text, style, width)), style
    )


def _box(caption: str, style):
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Table, TableStyle

    caption_width = BOX_WIDTH_MM * MM - 2 * FRAME_PADDING  # a cell pads like a frame
    table = Table(
        [[_para(caption, style, caption_width)]],
        colWidths=[BOX_WIDTH_MM * mm],
        rowHeights=[55 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    table.hAlign = "CENTER"
    return table


def notice_story(notice: Notice) -> list:
    """The notice's flowables, each paragraph already broken into its printed lines."""
    styles = _styles()
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    story: list = []
    if notice.header:
        story.append(_para(notice.header, styles["header"]))
    story.append(_para(notice.title, styles["title"]))
    if notice.subtitle:
        story.append(_para(notice.subtitle, styles["subtitle"]))
    if notice.reference:
        story.append(_para(notice.reference, styles["reference"]))
    story.append(Spacer(1, 4 * mm))
    for line in notice.lines:
        style = styles.get(line.style, styles["body"])
        if line.style == "box":
            story.append(Spacer(1, 2 * mm))
            story.append(_box(line.text, style))
            story.append(Spacer(1, 2 * mm))
        else:
            story.append(_para(line.text, style))
    story.append(Spacer(1, 12 * mm))
    story.extend(_para(text, styles["signature"]) for text in notice.signature)
    return story


def notice_pdf(notice: Notice) -> bytes:
    """The notice as PDF bytes (A4). Nothing touches the disk."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    story = notice_story(notice)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGINS_MM[0] * mm,
        rightMargin=MARGINS_MM[1] * mm,
        topMargin=30 * mm,
        bottomMargin=25 * mm,
        title=notice.title,  # document metadata: the notice's name only, no personal data
        author="",
        subject="",
        creator="chuangkou",
        invariant=1,  # no timestamp or random ID: the same notice gives the same bytes
    )
    doc.build(story)
    return buffer.getvalue()
