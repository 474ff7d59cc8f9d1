"""The wording of the notices: each kind says what the rules require it to say."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from policies.cases import FLAGS, KINDS
from policies.errors import PolicyError
from policies.notices import (
    NOTICE_FOR_CASE_KIND,
    NOTICE_KINDS,
    NoticeData,
    NoticeError,
    chinese_date,
    render_notice,
)

ISSUED = dt.date(2026, 11, 23)
DUE = dt.date(2026, 11, 30)
MISSING = ("户口簿复印件（全家）", "家庭成员收入证明", "村委会出具的家庭情况证明")


def data(kind: str, **extra) -> NoticeData:
    values = dict(
        kind=kind,
        hall_name="青山镇便民服务中心",
        notice_number="TZ-2026-000042",
        case_number="BJ-2026-001234",
        applicant_name="王秀兰",
        item_name="城乡居民最低生活保障申请",
        window_name="民政窗口",
        window_phone="0571-8888 1234",
        clerk_name="李明",
        issued_on=ISSUED,
    )
    values.update(extra)
    return NoticeData(**values)


def test_chinese_date():
    assert chinese_date(dt.date(2026, 11, 23)) == "2026年11月23日"
    assert chinese_date(dt.date(2027, 1, 5)) == "2027年1月5日"


def test_titles_match_the_case_kinds():
    assert NOTICE_KINDS["supplement"] == KINDS["supplement"].notice == "办件通知书"
    assert NOTICE_KINDS["acceptance"] == KINDS["promised"].notice == "承诺件受理通知"
    assert NOTICE_KINDS["return"] == KINDS["returned"].notice == "退回件通知书"
    assert NOTICE_KINDS["joint"] == KINDS["joint"].notice == "联办件通知书"
    assert NOTICE_KINDS["tolerance"] == FLAGS["tolerance"].notice == "容缺受理通知书"
    assert set(NOTICE_FOR_CASE_KIND) == set(KINDS)
    assert set(NOTICE_FOR_CASE_KIND.values()) <= set(NOTICE_KINDS)


def test_supplement_lists_every_missing_material_numbered():
    notice = render_notice(data("supplement", missing_materials=list(MISSING)))
    assert notice.title == "办件通知书"
    assert notice.subtitle == "（一次性告知）"
    text = notice.text()
    for i, material in enumerate(MISSING, 1):
        assert f"{i}. {material}" in notice.paragraphs
    assert "一次性" in text
    assert f"共{len(MISSING)}项" in text
    # seed 002 附件5 三.9: the clock, and the office's fault when the list missed something
    assert "自收到全部补正材料的次日起计算" in text
    assert "自第一次收到补正材料的次日起计算" in text
    assert notice.reference == "编号：TZ-2026-000042"
    assert notice.signature[-1] == "2026年11月23日"
    assert "经办人：李明" in notice.signature
    assert any(line.style == "sign" and "申请人签收" in line.text for line in notice.lines)


def test_supplement_with_a_deadline_and_received_materials():
    notice = render_notice(
        data(
            "supplement",
            missing_materials=MISSING,
            present_materials=("居民身份证",),
            bring_by=DUE,
            promised_limit="10个工作日",
            legal_basis="《社会救助暂行办法》",
        )
    )
    text = notice.text()
    assert "请您于2026年11月30日前将上述材料补齐" in text
    assert "已收取的材料：居民身份证" in text
    assert "承诺期限为10个工作日" in text
    assert "办事依据：《社会救助暂行办法》" in text


def test_supplement_without_missing_material_is_refused():
    with pytest.raises(NoticeError, match="补办的全部材料"):
        render_notice(data("supplement"))
    with pytest.raises(PolicyError, match="空白"):
        render_notice(data("supplement", missing_materials=("户口簿", "  ")))


def test_a_single_string_is_one_material_not_many_characters():
    notice = render_notice(data("supplement", missing_materials="户口簿"))
    assert "1. 户口簿" in notice.paragraphs
    assert "2. 口" not in notice.text()


def test_acceptance_states_the_due_date():
    notice = render_notice(data("acceptance", due_on=DUE, promised_limit="5个工作日"))
    text = notice.text()
    assert notice.title == "承诺件受理通知"
    assert "承诺于2026年11月30日前办结" in text
    assert "承诺期限为5个工作日" in text
    assert "随时" in text and "查询办理进度" in text  # seed 000 篇7
    assert "0571-8888 1234" in text


def test_acceptance_without_due_date_is_refused():
    with pytest.raises(NoticeError, match="承诺办结日期"):
        render_notice(data("acceptance"))
    with pytest.raises(NoticeError, match="早于出具日期"):
        render_notice(data("acceptance", due_on=ISSUED - dt.timedelta(days=1)))


def test_return_gives_reasons_in_writing():
    reasons = ("缺少主件：居民身份证", "申请人户籍不在本镇")
    notice = render_notice(data("return", reasons=reasons, missing_materials=("居民身份证",)))
    assert notice.title == "退回件通知书"
    for i, reason in enumerate(reasons, 1):
        assert f"{i}. {reason}" in notice.paragraphs
    assert "缺少的材料：" in notice.paragraphs
    assert "重新提出申请" in notice.text()
    with pytest.raises(NoticeError, match="退回原因"):
        render_notice(data("return"))


def test_joint_names_lead_and_joining_windows():
    notice = render_notice(
        data(
            "joint",
            lead_window="村镇建设窗口",
            joint_windows=("国土窗口", "农业窗口"),
            due_on=dt.date(2026, 12, 21),
        )
    )
    text = notice.text()
    assert notice.title == "联办件通知书"
    assert "由村镇建设窗口牵头受理" in text
    assert "国土窗口、农业窗口" in text
    assert "承诺于2026年12月21日前办结" in text
    with pytest.raises(NoticeError, match="参与联合办理"):
        render_notice(data("joint", due_on=DUE))
    with pytest.raises(NoticeError, match="承诺办结日期"):
        render_notice(data("joint", joint_windows=("国土窗口",)))


def test_tolerance_has_the_commitment_lines_of_seed_002_annex_8():
    notice = render_notice(
        data(
            "tolerance",
            missing_materials=("婚姻状况证明",),
            bring_by=DUE,
            due_on=dt.date(2026, 12, 7),
        )
    )
    text = notice.text()
    assert notice.title == "容缺受理通知书"
    assert "受理窗口：民政窗口" in text
    assert "申请人：王秀兰" in text
    assert "审批服务事项：城乡居民最低生活保障申请" in text
    assert "缺少材料：" in text and "1. 婚姻状况证明" in notice.paragraphs
    assert (
        "申请人承诺：本人将于2026年11月30日前，将所缺申报材料送达受理窗口，逾期自愿作退件处理。"
        in notice.paragraphs
    )
    sign = [line.text for line in notice.lines if line.style == "sign"]
    assert len(sign) == 1 and "申请人签名：" in sign[0] and "联系电话：" in sign[0]
    assert any(line.style == "box" and "身份证复印件" in line.text for line in notice.lines)
    assert "视为放弃申请" in text
    assert "承诺于2026年12月7日前办结" in text


def test_tolerance_prefills_a_known_phone():
    notice = render_notice(
        data(
            "tolerance",
            missing_materials=("婚姻状况证明",),
            bring_by=DUE,
            applicant_phone="13800001111",
        )
    )
    assert "联系电话：13800001111" in notice.text()


def test_tolerance_needs_material_and_commitment_date():
    with pytest.raises(NoticeError, match="所缺的材料"):
        render_notice(data("tolerance", bring_by=DUE))
    with pytest.raises(NoticeError, match="承诺补齐材料的日期"):
        render_notice(data("tolerance", missing_materials=("婚姻状况证明",)))


def test_extension_says_why_and_until_when():
    notice = render_notice(
        data(
            "extension",
            due_on=DUE,
            extended_to=dt.date(2026, 12, 7),
            extension_reason="需入户核查家庭财产状况",
            approved_by="大厅主任",
        )
    )
    text = notice.text()
    assert notice.title == "延期告知书"
    assert "原承诺于2026年11月30日前办结" in text
    assert "因需入户核查家庭财产状况" in text
    assert "经大厅主任批准" in text
    assert "延长至2026年12月7日" in text


def test_extension_bad_input():
    with pytest.raises(NoticeError, match="理由"):
        render_notice(data("extension", extended_to=DUE))
    with pytest.raises(NoticeError, match="延长后的办结日期"):
        render_notice(data("extension", extension_reason="需公示"))
    with pytest.raises(NoticeError, match="必须晚于原承诺办结日期"):
        render_notice(
            data("extension", extension_reason="需公示", previous_due_on=DUE, extended_to=DUE)
        )


def test_done_granted_and_refused():
    granted = render_notice(data("done", result="准予", result_detail="发放低保证", fee="不收费"))
    assert granted.title == "办结通知书"
    assert "办理结果：准予办理：发放低保证。" in granted.paragraphs
    assert "领取办理结果" in granted.text()
    assert "收费标准：不收费" in granted.text()
    refused = render_notice(data("done", result="不予", reasons=("家庭人均收入高于低保标准",)))
    assert "办理结果：不予办理。理由如下：" in refused.paragraphs
    assert "1. 家庭人均收入高于低保标准" in refused.paragraphs
    with pytest.raises(NoticeError, match="不予办理的理由"):
        render_notice(data("done", result="不予"))
    with pytest.raises(NoticeError, match="准予或不予"):
        render_notice(data("done"))


def test_immediate_and_escalated():
    slip = render_notice(data("immediate", result_detail="已出具婚姻登记证", fee="每对9元"))
    assert "当场办结" in slip.text() and "已出具婚姻登记证" in slip.text()
    up = render_notice(data("escalated", escalate_to="县民政局", forward_by=dt.date(2026, 11, 25)))
    assert "审批权限在县民政局" in up.text()
    assert "承诺于2026年11月25日前上报" in up.text()
    with pytest.raises(NoticeError, match="上报时间"):
        render_notice(data("escalated"))


@pytest.mark.parametrize("name", ["applicant_name", "item_name", "case_number", "hall_name"])
def test_missing_identity_fields_are_refused(name):
    with pytest.raises(NoticeError, match="缺少"):
        render_notice(data("acceptance", due_on=DUE, **{name: " "}))


def test_unknown_kind_and_late_receipt_are_refused():
    with pytest.raises(NoticeError, match="未知的告知书类型"):
        render_notice(data("certificate"))
    with pytest.raises(NoticeError, match="收件日期"):
        render_notice(data("acceptance", due_on=DUE, received_on=ISSUED + dt.timedelta(days=1)))


def test_received_date_is_the_application_date():
    notice = render_notice(data("acceptance", due_on=DUE, received_on=dt.date(2026, 11, 20)))
    assert "您于2026年11月20日申请办理" in notice.text()


def test_data_is_immutable_and_lists_become_tuples():
    d = data("supplement", missing_materials=["户口簿"])
    assert d.missing_materials == ("户口簿",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.kind = "return"  # type: ignore[misc]
    hash(render_notice(d))  # a Notice is a value too


#: Every value some notice kind requires.
COMPLETE = dict(
    missing_materials=MISSING,
    reasons=("不符合条件",),
    due_on=DUE,
    bring_by=DUE,
    joint_windows=("国土窗口",),
    extended_to=dt.date(2026, 12, 7),
    extension_reason="需公示",
    result="准予",
    forward_by=DUE,
    corrections=(("办结期限", dt.date(2026, 12, 4), dt.date(2026, 12, 7)),),
)


def test_every_kind_renders_with_complete_data():
    for kind in NOTICE_KINDS:
        notice = render_notice(data(kind, **COMPLETE))
        assert notice.title == NOTICE_KINDS[kind]
        assert notice.header == "青山镇便民服务中心"
        assert "王秀兰" in notice.text()
        assert all(
            line.style in {"salutation", "body", "item", "field", "box", "sign"}
            for line in notice.lines
        )


# --- dates counted through a year without its holiday notice ------------------------------


def test_a_provisional_date_is_said_so_on_every_dated_notice():
    from policies.notices import DATED_NOTICES

    for kind in NOTICE_KINDS:
        text = render_notice(data(kind, **COMPLETE, provisional_years=(2027,))).text()
        said = "以国务院办公厅公布的2027年节假日安排为准" in text
        assert said == (kind in DATED_NOTICES), kind
    firm = render_notice(data("acceptance", due_on=DUE)).text()
    assert "暂按法定节假日推算" not in firm


def test_the_correction_notice_names_each_date_told_and_the_new_one():
    notice = render_notice(
        data(
            "correction",
            corrections=(
                ("办结期限", dt.date(2027, 1, 4), dt.date(2027, 1, 5)),
                ("承诺补齐日期", dt.date(2027, 2, 12), dt.date(2027, 2, 18)),
            ),
            calendar_years=(2027,),
        )
    )
    text = notice.text()
    assert notice.title == "期限更正告知书"
    assert "国务院办公厅公布了2027年部分节假日安排" in text
    assert "1. 办结期限：原告知2027年1月4日，更正为2027年1月5日" in text
    assert "2. 承诺补齐日期：原告知2027年2月12日，更正为2027年2月18日" in text
    with pytest.raises(NoticeError, match="必须列明更正的日期"):
        render_notice(data("correction"))
    with pytest.raises(NoticeError, match="没有变化"):
        render_notice(data("correction", corrections=(("办结期限", DUE, DUE),)))
