"""告知书 filled from real cases (store.case_notices): every kind, previewed without a
number, issued in one operation, stored sealed and read back identical, on paper with the
materials and the dates; refused with a Chinese message and nothing written."""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest

from store import audit
from store.case_notices import (
    IssuedNotice,
    issue_case_notice,
    issued_notice,
    notice_data,
    preview_notice,
    record_printed,
)
from store.cases import (
    approve_extension,
    case_detail,
    close_case,
    issue_notice,
    notice_text,
    request_extension,
    request_supplement,
    supplement,
)
from store.errors import InvalidInput, NotFound
from store.models import AuditEvent, Counter, Notice
from tests.people import PEOPLE
from tests.store.test_cases import (  # noqa: F401 — fixtures
    ALL,
    NO_INCOME,
    accept,
    applicant,
    desk,
    local,
)
from tui.printing import notice_pdf

NONE_BROUGHT = {"居民身份证": "not_brought", "户口簿": "not_brought", "收入证明": "not_brought"}


def pdf_text(notice) -> str:
    reader = pypdf.PdfReader(io.BytesIO(notice_pdf(notice)))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def no_personal_data_in_audit() -> None:
    text = "".join(e.detail + e.record_id for e in AuditEvent.select())
    for who in PEOPLE:
        assert who.name not in text and who.id_number not in text and who.phone not in text


# --- the 补办件 notice: every missing material at once ------------------------------------


def test_supplement_notice_lists_all_three_missing_materials(desk, applicant, clock):  # noqa: F811
    clock.set(local(2026, 9, 29, 10))
    case = accept(desk, applicant, materials=NONE_BROUGHT, kind="supplement")
    assert case_detail(desk, case.number).notice_kind == "supplement"
    assert case_detail(desk, case.number).notice_kind == "supplement"

    preview = preview_notice(desk, case.number, "supplement")
    text = preview.text()
    assert preview.reference == ""  # a preview has no number
    assert "共3项" in text
    for material in NONE_BROUGHT:
        assert material in text
    for expected in (
        PEOPLE[0].name,
        "示例镇便民服务中心",
        "临时救助申请",
        "民政窗口（电话：0000-1000001）",
        "经办人：赵民政",
        "2026年9月29日",
        case.number,
        "5个工作日",
    ):
        assert expected in text, expected
    assert Notice.select().count() == 0

    issued = issue_case_notice(desk, case.number, "supplement")
    assert isinstance(issued, IssuedNotice)
    assert issued.number == "TZ20260929-0001"
    assert issued.notice.reference == f"编号：{issued.number}"
    assert PEOPLE[0].name not in repr(issued)
    paper = pdf_text(issued.notice)
    for material in NONE_BROUGHT:
        assert squash(material) in paper
    assert "2026年9月29日" in paper and issued.number in paper

    # stored sealed, read back identical, reprinted to the same bytes
    row = Notice.get(Notice.number == issued.number)
    assert PEOPLE[0].name.encode() not in bytes(row.body_enc)
    assert (row.kind, row.case.number) == ("supplement", case.number)
    again = issued_notice(desk, issued.number)
    assert again == issued.notice
    assert notice_pdf(again) == notice_pdf(issued.notice)
    assert notice_text(desk, issued.number) == issued.notice.text()
    detail = case_detail(desk, case.number)
    assert [(n.number, n.title) for n in detail.notices] == [(issued.number, "办件通知书")]
    no_personal_data_in_audit()


def test_the_date_to_bring_them_by_can_be_added(desk, applicant, clock):  # noqa: F811
    clock.set(local(2026, 9, 29, 10))
    case = accept(desk, applicant, materials=NONE_BROUGHT, kind="supplement")
    issued = issue_case_notice(
        desk, case.number, "supplement", extra={"bring_by": dt.date(2026, 10, 9)}
    )
    paper = pdf_text(issued.notice)
    assert "请您于2026年10月9日前将上述材料补齐" in paper
    for material in NONE_BROUGHT:
        assert squash(material) in paper


# --- every other kind, from a real case ---------------------------------------------------


def test_acceptance_notice_with_the_due_date(desk, applicant, clock):  # noqa: F811
    """Received Friday 13 Feb 2026, before the Spring Festival: due Friday 27 Feb."""
    clock.set(local(2026, 2, 13, 16))
    case = accept(desk, applicant)
    kind = case_detail(desk, case.number).notice_kind
    assert kind == "acceptance"
    data = notice_data(desk, case.number, kind)
    assert (data.due_on, data.received_on, data.promised_limit) == (
        dt.date(2026, 2, 27),
        dt.date(2026, 2, 13),
        "5个工作日",
    )
    assert data.present_materials == tuple(ALL)
    issued = issue_case_notice(desk, case.number, kind)
    paper = pdf_text(issued.notice)
    assert "承诺于2026年2月27日前办结" in paper
    assert "承诺件受理通知" in paper and PEOPLE[0].name in paper


def test_supplements_in_then_acceptance_is_the_default(desk, applicant, clock):  # noqa: F811
    clock.set(local(2026, 9, 29, 10))
    case = accept(desk, applicant, materials=NONE_BROUGHT, kind="supplement")
    clock.set(local(2026, 9, 30, 10))
    supplement(desk, case.number, list(NONE_BROUGHT))
    detail = case_detail(desk, case.number)
    assert detail.notice_kind == "acceptance"
    with pytest.raises(
        InvalidInput, match="不适用《办件通知书》，现在应出具的是《承诺件受理通知》"
    ):
        preview_notice(desk, case.number, "supplement")
    text = preview_notice(desk, case.number, "acceptance").text()
    assert f"承诺于{detail.due_date.year}年{detail.due_date.month}月{detail.due_date.day}日" in text


def test_return_notice_lists_the_reasons(desk, applicant):  # noqa: F811
    case = accept(
        desk,
        applicant,
        materials={**ALL, "户口簿": "missing"},
        kind="returned",
        return_reasons="缺少主件户口簿；申请人户籍不在本镇",
    )
    assert case_detail(desk, case.number).notice_kind == "return"
    notice = issue_case_notice(desk, case.number, "return").notice
    assert "1. 缺少主件户口簿" in notice.paragraphs
    assert "2. 申请人户籍不在本镇" in notice.paragraphs
    assert "户口簿" in notice.text()  # also under 缺少的材料


def test_joint_notice_names_the_lead_and_the_other_windows(desk, applicant):  # noqa: F811
    case = accept(desk, applicant, item_code="J001", materials={"申请书": "present"}, kind="joint")
    assert case_detail(desk, case.number).notice_kind == "joint"
    data = notice_data(desk, case.number, "joint")
    assert (data.lead_window, data.joint_windows) == ("国土村建窗口", ("民政窗口",))
    text = issue_case_notice(desk, case.number, "joint").notice.text()
    assert "需由国土村建窗口与民政窗口共同审核办理" in text
    assert "承诺于2026年12月14日前办结" in text  # 15 working days from Mon 23 Nov


def test_escalated_notice_with_the_forwarding_date(desk, applicant):  # noqa: F811
    case = accept(
        desk,
        applicant,
        item_code="E001",
        materials={"申请表": "present"},
        kind="escalated",
        forward_by=dt.date(2026, 11, 27),
    )
    assert case_detail(desk, case.number).notice_kind == "escalated"
    text = issue_case_notice(desk, case.number, "escalated").notice.text()
    assert "审批权限在县（区）主管部门" in text
    assert "承诺于2026年11月27日前上报" in text


def test_tolerance_notice_with_the_commitment(desk, applicant):  # noqa: F811
    case = accept(
        desk,
        applicant,
        materials=NO_INCOME,
        kind="tolerance",
        tolerance_commitment_date=dt.date(2026, 11, 30),
    )
    assert case_detail(desk, case.number).notice_kind == "tolerance"
    issued = issue_case_notice(desk, case.number, "tolerance")
    paper = pdf_text(issued.notice)
    assert "收入证明" in paper
    assert "本人将于2026年11月30日前，将所缺申报材料送达受理窗口，逾期自愿作退件处理" in paper
    assert PEOPLE[0].phone in paper  # prefilled on the commitment line
    # once the material is in, the notice of its kind fits
    supplement(desk, case.number, ["收入证明"])
    assert case_detail(desk, case.number).notice_kind == "acceptance"


def test_extension_notice_only_once_approved(hall, desk, applicant, clock):  # noqa: F811
    clock.set(local(2026, 2, 13, 16))
    case = accept(desk, applicant)  # due 27 Feb
    request_extension(
        desk, case.number, reason="需入户核查家庭财产状况", new_date=dt.date(2026, 3, 6)
    )
    with pytest.raises(InvalidInput, match="尚未经大厅主任批准"):
        preview_notice(desk, case.number, "extension")
    assert case_detail(desk, case.number).notice_kind == "acceptance"
    approve_extension(hall.supervisor, case.number)
    assert case_detail(desk, case.number).notice_kind == "extension"
    data = notice_data(desk, case.number, "extension")
    assert (data.previous_due_on, data.extended_to) == (dt.date(2026, 2, 27), dt.date(2026, 3, 6))
    paper = pdf_text(issue_case_notice(desk, case.number, "extension").notice)
    assert "原承诺于2026年2月27日前办结" in paper
    assert "因需入户核查家庭财产状况" in paper
    assert "经大厅主任批准，办结期限延长至2026年3月6日" in paper

    # A second extension names the date the first one gave, not the original one.
    request_extension(desk, case.number, reason="需公示", new_date=dt.date(2026, 3, 13))
    approve_extension(hall.supervisor, case.number)
    data = notice_data(desk, case.number, "extension")
    assert (data.previous_due_on, data.extended_to) == (dt.date(2026, 3, 6), dt.date(2026, 3, 13))

    # 通知补正 stops the clock: the extended date no longer runs, the 补办 notice fits.
    request_supplement(desk, case.number, ["收入证明"])
    assert case_detail(desk, case.number).notice_kind == "supplement"
    with pytest.raises(InvalidInput, match="不适用《延期告知书》"):
        preview_notice(desk, case.number, "extension")


def test_done_notices_granted_and_not_granted(desk, applicant, clock):  # noqa: F811
    clock.set(local(2026, 11, 23, 9))
    granted = accept(desk, applicant)
    refused = accept(desk, applicant)
    clock.set(local(2026, 11, 25, 15))
    done = close_case(desk, granted.number, granted=True, reasons="发放临时救助金800元")
    assert case_detail(desk, done.number).notice_kind == "done"
    text = issue_case_notice(desk, granted.number, "done").notice.text()
    assert "办理结果：准予办理：发放临时救助金800元。" in text
    assert "2026年11月25日" in text

    close_case(desk, refused.number, granted=False, reasons="家庭人均收入高于标准；未遭遇急难")
    notice = issue_case_notice(desk, refused.number, "done").notice
    assert "办理结果：不予办理。理由如下：" in notice.paragraphs
    assert "1. 家庭人均收入高于标准" in notice.paragraphs
    assert "2. 未遭遇急难" in notice.paragraphs


def test_immediate_slip(desk, applicant):  # noqa: F811
    case = accept(
        desk, applicant, item_code="I001", materials={"居民身份证": "present"}, kind="immediate"
    )
    assert case_detail(desk, case.number).notice_kind is None  # not done yet: no slip
    with pytest.raises(InvalidInput, match="不适用《办理结果告知单》"):
        preview_notice(desk, case.number, "immediate")
    done = close_case(desk, case.number, granted=True, reasons="已当场补办社保卡")
    assert case_detail(desk, done.number).notice_kind == "immediate"
    notice = issue_case_notice(desk, case.number, "immediate").notice
    assert "属即办件，已于2026年11月23日当场办结" in notice.text()
    assert "办理结果：已当场补办社保卡。" in notice.paragraphs


# --- refused, with nothing written --------------------------------------------------------


def test_bad_requests_are_refused_and_nothing_is_written(desk, applicant):  # noqa: F811
    case = accept(desk, applicant)  # 承诺件, every material present
    events = AuditEvent.select().count()
    with pytest.raises(InvalidInput, match="不适用《办件通知书》"):
        issue_case_notice(desk, case.number, "supplement")  # only the notice that fits now
    with pytest.raises(InvalidInput, match="未知的告知书类别"):
        issue_case_notice(desk, case.number, "result")
    with pytest.raises(InvalidInput, match="不适用《办结通知书》"):
        issue_case_notice(desk, case.number, "done")
    with pytest.raises(InvalidInput, match="不适用《联办件通知书》"):
        issue_case_notice(desk, case.number, "joint")
    with pytest.raises(InvalidInput, match="没有可填写的项目「applicant_id」"):
        issue_case_notice(desk, case.number, "acceptance", extra={"applicant_id": "x"})
    with pytest.raises(InvalidInput, match="「bring_by」的值类型不对"):
        issue_case_notice(desk, case.number, "supplement", extra={"bring_by": "2026-12-01"})
    # What the register says is not the caller's to change: the due date, the applicant,
    # the materials still owed.
    for field, value in (
        ("due_on", dt.date(2027, 6, 1)),
        ("applicant_name", "某某"),
        ("missing_materials", ("户口簿",)),
    ):
        with pytest.raises(InvalidInput, match=f"「{field}」取自登记本"):
            issue_case_notice(desk, case.number, "acceptance", extra={field: value})
    with pytest.raises(InvalidInput, match="只有《办件通知书》可另填补正期限"):
        issue_case_notice(desk, case.number, "acceptance", extra={"bring_by": dt.date(2026, 12, 1)})
    with pytest.raises(NotFound):
        issue_case_notice(desk, "BJ20261123-0099", "acceptance")
    with pytest.raises(NotFound):
        issued_notice(desk, "TZ20261123-0099")
    assert Notice.select().count() == 0
    assert Counter.select().where(Counter.prefix == "TZ").count() == 0
    # refused operations write no audit event either (only a role refusal would)
    assert AuditEvent.select().count() == events
    # the number is not burnt: the first notice issued is -0001
    assert issue_case_notice(desk, case.number, "acceptance").number == "TZ20261123-0001"


def test_preview_writes_nothing_but_its_audit_event(desk, applicant):  # noqa: F811
    case = accept(desk, applicant)
    before = AuditEvent.select().count()
    preview_notice(desk, case.number, "acceptance")
    assert Notice.select().count() == 0
    assert AuditEvent.select().count() == before + 1
    assert AuditEvent.select().order_by(AuditEvent.seq.desc()).get().action == "notice.preview"


def test_prints_are_counted_and_audited(hall, desk, applicant):  # noqa: F811
    case = accept(desk, applicant)
    number = issue_case_notice(desk, case.number, "acceptance").number
    assert record_printed(desk, number) == 1
    assert record_printed(desk, number) == 2
    assert Notice.get(Notice.number == number).printed_count == 2
    no_personal_data_in_audit()
    assert audit.verify(hall.supervisor.audit_key).ok


def test_a_plain_text_notice_still_reads_back(desk, applicant):  # noqa: F811
    case = accept(desk, applicant, materials=NO_INCOME, kind="supplement")
    number = issue_notice(desk, case.number, "supplement", "请补齐收入证明。\n谢谢。")
    assert notice_text(desk, number) == "请补齐收入证明。\n谢谢。"
    stored = issued_notice(desk, number)
    assert (stored.title, stored.paragraphs) == ("办件通知书", ["请补齐收入证明。", "谢谢。"])
