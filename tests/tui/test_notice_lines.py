"""Every notice kind, with long values, broken into lines on paper and on screen: no number,
phone or date is split across lines, no line starts with closing punctuation or ends with
opening punctuation, and the PDF prints exactly the lines the line breaker made."""

from __future__ import annotations

import datetime as dt

import pytest

from policies.linebreak import CANNOT_END, CANNOT_START
from policies.notices import NOTICE_KINDS, NoticeData, chinese_date, render_notice
from tests.people import PEOPLE
from tui.printing.pdf import TEXT_WIDTH, notice_story
from tui.widgets.notice_text import NoticeText

A, B = PEOPLE[0], PEOPLE[1]
DAYS = (
    dt.date(2026, 11, 23),
    dt.date(2026, 12, 30),
    dt.date(2026, 12, 17),
    dt.date(2027, 1, 11),
    dt.date(2026, 12, 24),
)
LONG = dict(
    kind="supplement",
    hall_name="青山县青山镇人民政府便民服务中心（青山镇党群服务中心、青山镇退役军人服务站）",
    notice_number="TZ-2026-000042",
    case_number="BJ-2026-001234",
    applicant_name=f"{A.name}{B.name}（代理人：{B.name}，身份证号{B.id_number}）",
    item_name="城乡居民最低生活保障对象认定（含特困人员供养、临时救助、残疾人两项补贴联办）",
    window_name="民政、残联、退役军人事务综合窗口",
    window_phone="0571-8888 1234",
    clerk_name="诸葛明远",
    applicant_phone=A.phone,
    issued_on=DAYS[0],
    received_on=DAYS[0],
    due_on=DAYS[1],
    bring_by=DAYS[2],
    previous_due_on=DAYS[2],
    extended_to=DAYS[3],
    forward_by=DAYS[4],
    promised_limit="20个工作日",
    missing_materials=(
        f"申请人居民身份证复印件（身份证号{A.id_number}，正反面复印在同一页）",
        f"户口簿复印件（全家，户籍地址：{A.address}{B.address}）",
        f"家庭成员收入证明（联系电话{B.phone}，近六个月，由工作单位或村委会出具并加盖公章）",
    ),
    present_materials=(f"申请书（{chinese_date(DAYS[0])}签字）",),
    reasons=(f"申请人户籍不在本镇（户籍地址：{B.address}），请向户籍地提出申请。",),
    joint_windows=("国土资源和规划建设窗口", "农业农村和水利综合窗口"),
    extension_reason=f"需入户核查家庭财产状况，并于{chinese_date(DAYS[4])}前完成公示。",
    approved_by="大厅主任上官雪莲",
    result="准予",
    result_detail=f"发放低保证（证号DB-2026-330100-000123），自{chinese_date(DAYS[1])}起享受。",
    legal_basis="《社会救助暂行办法》第九条、第十一条；《浙江省最低生活保障办法》第八条",
    fee="不收费",
    procedure="受理、入户调查、民主评议、审核、公示、审批、发证（每一步均书面告知申请人）",
    escalate_to="青山县民政局社会救助科（联系电话0571-6666 5678）",
    pickup=f"青山镇便民服务中心一楼三号窗口（{A.address}），或邮寄到付",
    supervision_phone="12345",
    provisional_years=(2027,),
    corrections=(("办结期限", DAYS[2], DAYS[3]), ("补正期限", DAYS[0], DAYS[4])),
    calendar_years=(2027,),
    department="青山县民政局社会救助科",
    channel="来访",
)
#: What must never be cut across a line: numbers, phones, ID numbers, dates.
WHOLE = (
    "BJ-2026-001234",
    "0571-8888 1234",
    "0571-6666 5678",
    "DB-2026-330100-000123",
    A.id_number,
    B.id_number,
    A.phone,
    B.phone,
    *(chinese_date(day) for day in DAYS),
)


def notices():
    for kind in NOTICE_KINDS:
        yield kind, render_notice(NoticeData(**{**LONG, "kind": kind}))


def check_lines(lines: list[str], text: str, where: str) -> None:
    joined = "".join(lines)
    for piece in WHOLE:
        if piece in text:
            assert any(piece in line for line in lines), f"{where}: {piece} split"
    for line in lines[1:]:
        assert not line or line[0] not in CANNOT_START, f"{where}: a line starts with {line[0]}"
    for line in lines[:-1]:
        assert not line or line[-1] not in CANNOT_END, f"{where}: a line ends with {line[-1]}"
    assert "".join(joined.split()) == "".join(text.split()), where


def printed_paragraphs(story):
    """(source text, the lines reportlab lays out) for every paragraph of the story."""
    from reportlab.platypus import Paragraph, Table

    for flowable in story:
        if isinstance(flowable, Table):
            yield flowable._cellvalues[0][0], flowable._colWidths[0] - 12  # cell padding
        elif isinstance(flowable, Paragraph):
            yield flowable, TEXT_WIDTH


def laid_out(line) -> str:
    """The text of one line as reportlab laid it out (a tuple of words for a paragraph of
    one line, a FragLine when the paragraph has several)."""
    if isinstance(line, tuple):
        return " ".join(line[1])
    return "".join(w.text for w in line.words)


@pytest.mark.parametrize("kind", NOTICE_KINDS)
def test_printed_lines_keep_numbers_and_dates_whole(kind):
    notice = render_notice(NoticeData(**{**LONG, "kind": kind}))
    texts = [
        notice.header,
        notice.title,
        notice.subtitle,
        notice.reference,
        *(line.text for line in notice.lines),
        *notice.signature,
    ]
    assert any(piece in " ".join(texts) for piece in WHOLE)
    printed = []
    for paragraph, width in printed_paragraphs(notice_story(notice)):
        paragraph.wrap(width, 10_000)
        lines = [laid_out(line) for line in paragraph.blPara.lines]
        printed.append(lines)
    # Every paragraph is printed whole, and the lines reportlab lays out keep the rules.
    multi = [lines for lines in printed if len(lines) > 1]
    assert multi, "long values give paragraphs of several lines"
    sources = [t for t in texts if t]
    for lines in printed:
        flat = "".join("".join(lines).split())  # reportlab drops spaces at a line's ends
        source = next((t for t in sources if "".join(t.split()) == flat), None)
        assert source is not None, f"{kind}: printed {lines} matches no paragraph"
        check_lines(lines, source, f"{kind} printed")


@pytest.mark.parametrize("width", (40, 56, 72, 76, 116))
def test_the_preview_breaks_lines_by_the_same_rules(width):
    for kind, notice in notices():
        for paragraph in notice.text().split("\n"):
            lines = NoticeText(paragraph).lines(width)
            check_lines(lines, paragraph, f"{kind} preview at {width}")
