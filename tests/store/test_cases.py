"""办件 (store.cases): every kind, every action, the deadline rules on real 2026 dates,
forbidden transitions refused, bad input refused with nothing saved half-way."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from store import audit
from store.cases import (
    ProxyInput,
    TransitionRefused,
    accept_case,
    approve_extension,
    case_detail,
    close_case,
    complete_subtask,
    expire_tolerance,
    forward_progress,
    issue_notice,
    notice_text,
    pending_refusals,
    propose,
    record_visit,
    refuse_case,
    reject_extension,
    request_extension,
    request_supplement,
    return_case,
    review_refusal,
    supplement,
    withdraw_case,
)
from store.catalog import import_catalog
from store.clock import HALL_TZ
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.models import AuditEvent, Case, Counter, Notice, Person, Refusal, SubTask
from store.persons import upsert_person
from store.queue import counter_queue
from store.staff import add_staff, assign_post
from tests.people import PEOPLE

CATALOG = """
version = 1

[[windows]]
code = "minzheng"
name = "民政窗口"
phone = "0000-1000001"

[[windows]]
code = "shebao"
name = "社保窗口"
phone = "0000-1000002"

[[windows]]
code = "guotu"
name = "国土村建窗口"

[[items]]
code = "P001"
name = "临时救助申请"
window = "minzheng"
basis = ["《社会救助暂行办法》"]
procedure = ["申请", "审核", "审批"]
legal_limit_days = 10
promised_limit_days = 5
fee = "不收费"
default_kind = "promised"
authority = "township"
tolerance_allowed = true

[[items.materials]]
name = "居民身份证"
main = true

[[items.materials]]
name = "户口簿"
main = true

[[items.materials]]
name = "收入证明"
main = false

[[items]]
code = "I001"
name = "社保卡挂失"
window = "shebao"
basis = ["示例"]
procedure = ["办理"]
legal_limit_days = 0
promised_limit_days = 0
fee = "不收费"
default_kind = "immediate"
authority = "township"

[[items.materials]]
name = "居民身份证"
main = true

[[items]]
code = "J001"
name = "农村宅基地审批"
window = "guotu"
basis = ["《土地管理法》"]
procedure = ["申请", "联合审查", "审批"]
legal_limit_days = 20
promised_limit_days = 15
fee = "不收费"
default_kind = "joint"
authority = "township"
windows_involved = ["guotu", "minzheng"]

[[items.materials]]
name = "申请书"
main = true

[[items]]
code = "E001"
name = "残疾人证办理"
window = "minzheng"
basis = ["《残疾人证管理办法》"]
procedure = ["申请", "评定", "上报审批"]
legal_limit_days = 30
promised_limit_days = 10
fee = "不收费"
default_kind = "escalated"
authority = "county"

[[items.materials]]
name = "申请表"
main = true
"""

ALL = {"居民身份证": "present", "户口簿": "present", "收入证明": "present"}
NO_INCOME = {**ALL, "收入证明": "not_brought"}


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=HALL_TZ)


@pytest.fixture
def desk(hall):
    """The test catalog, a clerk at 民政 (1002) logged in, who also holds the B posts of
    社保 and 国土村建 (AB岗), so every item of the catalog is theirs to accept."""
    import_catalog(hall.supervisor, CATALOG)
    add_staff(
        hall.supervisor,
        number="1002",
        name="赵民政",
        role="clerk",
        password="minzheng-mima-1",
        window="minzheng",
    )
    for window in ("shebao", "guotu"):
        assign_post(hall.supervisor, window, "B", "1002")
    return hall.login("1002", "minzheng-mima-1")


@pytest.fixture
def applicant(desk) -> str:
    who = PEOPLE[0]
    return upsert_person(desk, name=who.name, id_number=who.id_number, phone=who.phone).uuid


def accept(session, person, **kw):
    kw.setdefault("item_code", "P001")
    kw.setdefault("materials", ALL)
    kw.setdefault("kind", "promised")
    return accept_case(session, person_uuid=person, **kw)


# --- proposing a kind --------------------------------------------------------------------


def test_propose_each_kind(desk):
    assert propose(desk, "P001", ALL).kind == "promised"
    p = propose(desk, "P001", NO_INCOME)
    assert (p.kind, p.tolerance, p.to_bring) == ("promised", True, ("收入证明",))
    assert propose(desk, "P001", {**ALL, "户口簿": "not_brought"}).kind == "supplement"
    assert propose(desk, "P001", {**ALL, "户口簿": "missing"}).kind == "returned"
    assert propose(desk, "I001", {"居民身份证": "present"}).kind == "immediate"
    assert propose(desk, "J001", {"申请书": "present"}).kind == "joint"
    assert propose(desk, "E001", {"申请表": "present"}).kind == "escalated"
    # two windows reach the 联办 threshold (seed 001: two or more)
    assert propose(desk, "P001", ALL, ["shebao"]).kind == "joint"
    with pytest.raises(InvalidInput, match="材料清单不能为空"):
        propose(desk, "P001", {})
    with pytest.raises(InvalidInput, match="不是本事项所需材料"):
        propose(desk, "P001", {**ALL, "结婚证": "present"})


# --- deadlines on real 2026 dates --------------------------------------------------------


def test_promised_received_friday_before_spring_festival(desk, applicant, clock):
    """Fri 13 Feb 2026: Sat 14 Feb is a make-up working day (1), 15–23 Feb are the
    holidays, then 24, 25, 26, 27 Feb: due Friday 27 Feb."""
    clock.set(local(2026, 2, 13, 16))
    result = accept(desk, applicant)
    assert result.number == "BJ20260213-0001"
    assert (result.kind, result.state) == ("promised", "accepted")
    assert result.due_date == dt.date(2026, 2, 27)
    assert not result.due_provisional
    assert result.notice_kind == "acceptance"
    assert result.missing_materials == ()
    detail = case_detail(desk, result.number)
    assert detail.applicant_name == PEOPLE[0].name
    assert (detail.kind_label, detail.state_label) == ("承诺件", "已受理")
    assert detail.clock_start == dt.date(2026, 2, 13)
    assert detail.trips == 1
    assert [m.status_label for m in detail.materials] == ["已带来"] * 3
    assert PEOPLE[0].name not in repr(detail)


def test_immediate_is_due_the_same_day_and_closed_on_the_spot(desk, applicant, clock):
    clock.set(local(2026, 2, 13, 10))
    result = accept(
        desk, applicant, item_code="I001", materials={"居民身份证": "present"}, kind="immediate"
    )
    assert result.due_date == dt.date(2026, 2, 13)
    assert result.notice_kind is None
    done = close_case(desk, result.number, granted=True, reasons="已当场补办社保卡")
    assert done.state == "done"
    detail = case_detail(desk, result.number)
    assert detail.granted is True and detail.result == "准予：已当场补办社保卡"


def test_supplements_during_national_day_week(desk, applicant, clock):
    """Received Tue 29 Sep; part brought Wed 30 Sep; the rest on Tue 6 Oct (holiday duty).
    The clock starts after the last supplement: 8, 9, 10 (Sat, make-up), 12, 13 Oct."""
    clock.set(local(2026, 9, 29))
    missing = {"居民身份证": "present", "户口簿": "not_brought", "收入证明": "not_brought"}
    result = accept(desk, applicant, materials=missing, kind="supplement")
    assert (result.kind, result.state) == ("supplement", "awaiting_supplement")
    assert result.due_date is None
    assert result.missing_materials == ("户口簿", "收入证明")
    assert result.notice_kind == "supplement"

    clock.set(local(2026, 9, 30))
    partial = supplement(desk, result.number, ["户口簿"])
    assert partial.state == "awaiting_supplement" and partial.due_date is None
    assert partial.missing_materials == ("收入证明",)

    clock.set(local(2026, 10, 6, 10))
    complete = supplement(desk, result.number, ["收入证明"])
    assert complete.state == "in_progress"
    assert complete.due_date == dt.date(2026, 10, 13)
    detail = case_detail(desk, result.number)
    assert detail.clock_start == dt.date(2026, 10, 6)
    assert detail.trips == 3  # receipt and two supplements
    assert not detail.omission


def test_an_omission_in_the_first_notice_counts_from_the_first_supplement(desk, applicant, clock):
    """Notice of Mon 2 Nov lists 收入证明 only; on Wed 4 Nov it is brought and the clerk
    finds the notice missed 村委会证明. The limit counts from 4 Nov (due 11 Nov), not from
    the day everything is in (16 Nov → 23 Nov)."""
    clock.set(local(2026, 11, 2))
    first = accept(desk, applicant, materials=NO_INCOME, kind="supplement")
    twin = accept(desk, applicant, materials=NO_INCOME, kind="supplement")

    clock.set(local(2026, 11, 4))
    step = supplement(desk, first.number, ["收入证明"], omitted=["村委会证明"])
    assert step.state == "awaiting_supplement"  # still owed, but the clock runs (office's fault)
    assert step.due_date == dt.date(2026, 11, 11)
    assert step.missing_materials == ("村委会证明",)
    supplement(desk, twin.number, ["收入证明"])  # twin: complete, no omission

    clock.set(local(2026, 11, 16))
    done = supplement(desk, first.number, ["村委会证明"])
    assert (done.state, done.due_date) == ("in_progress", dt.date(2026, 11, 11))
    detail = case_detail(desk, first.number)
    assert detail.omission
    assert [m.name for m in detail.materials if m.omitted] == ["村委会证明"]
    assert case_detail(desk, twin.number).due_date == dt.date(2026, 11, 11)

    # Without the omission the rule is "from the complete materials": 16 Nov → 23 Nov.
    third = accept(desk, applicant, materials=NO_INCOME, kind="supplement")
    assert supplement(desk, third.number, ["收入证明"]).due_date == dt.date(2026, 11, 23)

    with pytest.raises(InvalidInput, match="已在告知清单中"):
        fourth = accept(desk, applicant, materials=NO_INCOME, kind="supplement")
        supplement(desk, fourth.number, [], omitted=["收入证明"])


# --- 容缺受理 ----------------------------------------------------------------------------


def test_tolerance_accept_expire_and_withdraw(desk, applicant, clock):
    clock.set(local(2026, 11, 23))
    result = accept(
        desk,
        applicant,
        materials=NO_INCOME,
        kind="tolerance",
        tolerance_commitment_date=dt.date(2026, 11, 27),
    )
    assert (result.kind, result.state, result.tolerance) == ("promised", "accepted", True)
    assert result.notice_kind == "tolerance"
    assert result.due_date == dt.date(2026, 11, 30)  # review runs from receipt: 5 working days
    with pytest.raises(TransitionRefused, match="容缺材料「收入证明」尚未补齐"):
        close_case(desk, result.number, granted=True, reasons="准予救助")

    assert expire_tolerance(desk, dt.date(2026, 11, 27)) == ()  # the promised day itself
    assert expire_tolerance(desk, dt.date(2026, 11, 30)) == (result.number,)
    assert expire_tolerance(desk, dt.date(2026, 11, 30)) == ()  # proposed once
    assert case_detail(desk, result.number).proposed_action == "withdraw"
    gone = withdraw_case(desk, result.number, reasons="逾期未补齐容缺材料，视为放弃申请")
    assert gone.state == "withdrawn"

    kept = accept(
        desk,
        applicant,
        materials=NO_INCOME,
        kind="tolerance",
        tolerance_commitment_date=dt.date(2026, 11, 27),
    )
    clock.set(local(2026, 11, 26))
    assert supplement(desk, kept.number, ["收入证明"]).state == "accepted"
    assert close_case(desk, kept.number, granted=True, reasons="准予救助").state == "done"
    assert expire_tolerance(desk, dt.date(2026, 12, 1)) == ()


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"materials": NO_INCOME, "kind": "tolerance"}, "须填写申请人承诺补齐材料的日期"),
        (
            {
                "materials": NO_INCOME,
                "kind": "tolerance",
                "tolerance_commitment_date": dt.date(2026, 11, 20),
            },
            "承诺补齐日期不能早于今天",
        ),
        (
            {
                "materials": {**NO_INCOME, "户口簿": "not_brought"},
                "kind": "tolerance",
                "tolerance_commitment_date": dt.date(2026, 11, 27),
            },
            "主件「户口簿」未齐",
        ),
        (
            {
                "materials": ALL,
                "kind": "tolerance",
                "tolerance_commitment_date": dt.date(2026, 11, 27),
            },
            "无需容缺受理",
        ),
        (
            {
                "item_code": "E001",
                "materials": {"申请表": "present"},
                "kind": "tolerance",
                "tolerance_commitment_date": dt.date(2026, 11, 27),
            },
            "不适用容缺受理",
        ),
        ({"materials": NO_INCOME, "kind": "promised"}, "材料不齐（收入证明），不能按承诺件受理"),
        ({"materials": {**ALL, "户口簿": "missing"}, "kind": "supplement"}, "应按退回件处理"),
        ({"materials": ALL, "kind": "supplement"}, "不是补办件"),
        ({"materials": {}, "kind": "promised"}, "材料清单不能为空"),
        ({"materials": {"居民身份证": "present"}, "kind": "promised"}, "尚未核对"),
        ({"materials": {**ALL, "收入证明": "lost"}, "kind": "promised"}, "状态无效"),
        ({"kind": "returned"}, "退回原因不能为空"),
        ({"kind": "returned", "return_reasons": "   "}, "退回原因不能为空"),
        ({"kind": "urgent"}, "未知的办件类型"),
        ({"item_code": "NOPE"}, "未知的服务事项"),
        (
            {
                "item_code": "J001",
                "materials": {"申请书": "present"},
                "kind": "joint",
                "joint_windows": [],
            },
            "至少一个协办窗口",
        ),
        ({"joint_windows": ["shebao"]}, "只有联办件"),
        ({"forward_by": dt.date(2026, 12, 1)}, "只有上报件"),
        (
            {
                "item_code": "E001",
                "materials": {"申请表": "present"},
                "kind": "escalated",
                "forward_by": dt.date(2026, 11, 1),
            },
            "上报日期不能早于今天",
        ),
        (
            {
                "proxy": ProxyInput(
                    "代办人",
                    PEOPLE[1].id_number[:17] + ("0" if PEOPLE[1].id_number[17] != "0" else "1"),
                )
            },
            "代办人证件有误：身份证号码校验码错误",
        ),
        ({"proxy": ProxyInput(" ", PEOPLE[1].id_number)}, "代办人姓名不能为空"),
        ({"inquiry_number": "SW20261123-0099"}, "没有登记号"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(desk, applicant, kw, message):
    events = AuditEvent.select().count()
    with pytest.raises((InvalidInput, NotFound), match=message):
        accept(desk, applicant, **kw)
    assert Case.select().count() == 0
    assert Counter.select().where(Counter.prefix == "BJ").count() == 0
    assert Refusal.select().count() == SubTask.select().count() == 0
    assert AuditEvent.select().count() == events
    # the messages carry no personal data
    assert PEOPLE[1].id_number[:17] not in message


def test_applicant_is_required(desk):
    with pytest.raises(InvalidInput, match="登记申请人"):
        accept_case(desk, item_code="P001", person_uuid=None, materials=ALL, kind="promised")


# --- 退回 and 否定报备 -------------------------------------------------------------------------


def test_returned_registers_a_refusal_for_the_supervisor(hall, desk, applicant):
    result = accept(
        desk,
        applicant,
        materials={**ALL, "户口簿": "missing"},
        kind="returned",
        return_reasons="申请人无本地户籍，不属本镇受理范围",
    )
    assert (result.kind, result.state, result.due_date) == ("returned", "returned", None)
    assert result.notice_kind == "return"
    assert Case.get(Case.number == result.number).closed_at is not None
    pending = pending_refusals(hall.supervisor)
    assert [(n, k) for _, n, k in pending] == [(result.number, "退回")]
    with pytest.raises(PermissionDenied):
        pending_refusals(desk)
    review_refusal(hall.supervisor, pending[0][0], note="理由充分")
    assert pending_refusals(hall.supervisor) == []
    with pytest.raises(InvalidInput, match="已审核"):
        review_refusal(hall.supervisor, pending[0][0])
    assert case_detail(desk, result.number).result == "申请人无本地户籍，不属本镇受理范围"


def test_return_after_acceptance_and_refusal_by_the_supervisor_only(hall, desk, applicant):
    a = accept(desk, applicant)
    returned = return_case(desk, a.number, reasons="经审查不符合救助条件")
    assert returned.state == "returned"
    b = accept(desk, applicant)
    with pytest.raises(TransitionRefused, match=r"须报大厅主任决定.*否定报备"):
        refuse_case(desk, b.number, reasons="不符合条件")
    assert Case.get(Case.number == b.number).state == "accepted"
    assert refuse_case(hall.supervisor, b.number, reasons="不符合条件").state == "refused"
    kinds = sorted(r.kind for r in Refusal.select())
    assert kinds == ["refused", "returned"]
    assert Refusal.get(Refusal.kind == "refused").state == "reviewed"  # the supervisor decided
    c = accept(desk, applicant)
    assert close_case(desk, c.number, granted=False, reasons="家庭收入超过标准").state == "done"
    assert Refusal.get(Refusal.kind == "not_granted").state == "pending"
    assert case_detail(desk, c.number).granted is False


# --- 联办 and 上报 ---------------------------------------------------------------------------


def test_joint_case_closes_when_every_window_has_finished(desk, applicant, clock):
    clock.set(local(2026, 11, 23))
    result = accept(
        desk, applicant, item_code="J001", materials={"申请书": "present"}, kind="joint"
    )
    assert result.notice_kind == "joint"
    assert result.due_date == dt.date(2026, 12, 14)  # 15 working days
    detail = case_detail(desk, result.number)
    assert detail.lead_window == "guotu"
    assert [(s.window_code, s.state) for s in detail.subtasks] == [("minzheng", "open")]
    with pytest.raises(TransitionRefused, match="尚有协办窗口未完成：民政窗口"):
        close_case(desk, result.number, granted=True, reasons="准予")
    with pytest.raises(InvalidInput, match="不是办件"):
        complete_subtask(desk, result.number, "shebao")
    assert complete_subtask(desk, result.number, "minzheng") == 0
    with pytest.raises(InvalidInput, match="已完成"):
        complete_subtask(desk, result.number, "minzheng")
    assert close_case(desk, result.number, granted=True, reasons="准予建房").state == "done"
    # a joint case chosen at the counter for an ordinary item, with the windows named
    other = accept(desk, applicant, kind="joint", joint_windows=["minzheng", "shebao"])
    assert [s.window_code for s in case_detail(desk, other.number).subtasks] == ["shebao"]


def test_escalated_is_forwarded_then_closed_with_the_result(desk, applicant, clock):
    clock.set(local(2026, 11, 23))
    result = accept(
        desk,
        applicant,
        item_code="E001",
        materials={"申请表": "present"},
        kind="escalated",
        forward_by=dt.date(2026, 11, 25),
    )
    assert (result.state, result.notice_kind) == ("accepted", "escalated")
    assert case_detail(desk, result.number).forward_by == dt.date(2026, 11, 25)
    with pytest.raises(InvalidInput, match="文号"):
        forward_progress(desk, result.number, reference="")
    assert (
        forward_progress(desk, result.number, reference="县残联〔2026〕88号").state == "forwarded"
    )
    with pytest.raises(InvalidInput, match="须列明需补正的全部材料"):
        request_supplement(desk, result.number, [])
    with pytest.raises(InvalidInput, match="请填写上级受理文号或上级办理结果"):
        forward_progress(desk, result.number, reference=" ")
    with pytest.raises(InvalidInput, match="须写明准予或不予"):
        forward_progress(desk, result.number, reference="", result="县残联已核发残疾人证")
    assert case_detail(desk, result.number).state == "forwarded"
    done = forward_progress(
        desk, result.number, reference="", result="县残联已核发残疾人证", granted=True
    )
    assert done.state == "done"
    detail = case_detail(desk, result.number)
    assert detail.forward_reference == "县残联〔2026〕88号"
    assert (detail.granted, detail.result) == (True, "准予：县残联已核发残疾人证")
    with pytest.raises(TransitionRefused, match="不是上报件"):
        forward_progress(desk, accept(desk, applicant).number, reference="x")

    # 不予核准 by the county: the case is done, not granted, and a 否定报备 waits for review.
    other = accept(
        desk, applicant, item_code="E001", materials={"申请表": "present"}, kind="escalated"
    )
    forward_progress(desk, other.number, reference="县残联〔2026〕89号")
    forward_progress(desk, other.number, reference="", result="不符合评残标准", granted=False)
    assert case_detail(desk, other.number).granted is False
    refusals = [
        (r.kind, r.state) for r in Refusal.select().join(Case).where(Case.number == other.number)
    ]
    assert refusals == [("not_granted", "pending")]


def test_approval_above_the_township_is_escalated_whatever_the_clerk_picks(desk, applicant):
    for kind in ("promised", "immediate", "joint"):
        with pytest.raises(InvalidInput, match="审批权限在县（区），须按上报件受理"):
            accept(desk, applicant, item_code="E001", materials={"申请表": "present"}, kind=kind)
    assert Case.select().count() == 0


# --- extension ---------------------------------------------------------------------------


def test_extension_needs_the_supervisor(hall, desk, applicant, clock):
    clock.set(local(2026, 11, 23))
    case = accept(desk, applicant)
    assert case.due_date == dt.date(2026, 11, 30)
    with pytest.raises(InvalidInput, match="延期理由不能为空"):
        request_extension(desk, case.number, reason=" ", new_date=dt.date(2026, 12, 4))
    with pytest.raises(InvalidInput, match="不能早于今天"):
        request_extension(desk, case.number, reason="需入户调查", new_date=dt.date(2026, 11, 20))
    with pytest.raises(InvalidInput, match="须晚于原期限 2026-11-30"):
        request_extension(desk, case.number, reason="需入户调查", new_date=dt.date(2026, 11, 30))
    request_extension(desk, case.number, reason="需入户调查", new_date=dt.date(2026, 12, 4))
    assert case_detail(desk, case.number).extension_label == "待主任批准"
    assert case_detail(desk, case.number).due_date == dt.date(2026, 11, 30)
    with pytest.raises(InvalidInput, match="已有待批准"):
        request_extension(desk, case.number, reason="再延", new_date=dt.date(2026, 12, 8))
    with pytest.raises(PermissionDenied):
        approve_extension(desk, case.number)
    assert approve_extension(hall.supervisor, case.number) == dt.date(2026, 12, 4)
    detail = case_detail(desk, case.number)
    assert (detail.due_date, detail.extended_until, detail.extension_state) == (
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 4),
        "approved",
    )
    with pytest.raises(InvalidInput, match="没有待批准"):
        approve_extension(hall.supervisor, case.number)
    request_extension(desk, case.number, reason="仍需公示", new_date=dt.date(2026, 12, 11))
    reject_extension(hall.supervisor, case.number)
    assert case_detail(desk, case.number).due_date == dt.date(2026, 12, 4)

    immediate = accept(
        desk, applicant, item_code="I001", materials={"居民身份证": "present"}, kind="immediate"
    )
    with pytest.raises(TransitionRefused, match="即办件处于「已受理」，不能申请延期"):
        request_extension(desk, immediate.number, reason="x", new_date=dt.date(2026, 12, 4))


# --- forbidden transitions ---------------------------------------------------------------


def test_forbidden_transitions_are_refused_in_chinese(desk, applicant):
    case = accept(desk, applicant)
    close_case(desk, case.number, granted=True, reasons="准予")
    with pytest.raises(TransitionRefused, match="承诺件已是「已办结」，不能再转退回"):
        return_case(desk, case.number, reasons="x")
    with pytest.raises(TransitionRefused, match="已是「已办结」"):
        close_case(desk, case.number, granted=True, reasons="again")
    with pytest.raises(TransitionRefused, match="已是「已办结」，不能再补齐材料"):
        supplement(desk, case.number, ["收入证明"])
    waiting = accept(desk, applicant, materials=NO_INCOME, kind="supplement")
    with pytest.raises(TransitionRefused, match="处于「待补正」，材料未齐，须先「补齐材料」"):
        close_case(desk, waiting.number, granted=True, reasons="准予")
    with pytest.raises(InvalidInput, match="不在待补材料中"):
        supplement(desk, waiting.number, ["户口簿"])
    with pytest.raises(InvalidInput, match="请选择本次补交的材料"):
        supplement(desk, waiting.number, [])
    fresh = accept(desk, applicant)
    with pytest.raises(TransitionRefused, match="没有待补交的材料"):
        supplement(desk, fresh.number, ["收入证明"])
    with pytest.raises(TransitionRefused, match="不是联办件"):
        complete_subtask(desk, fresh.number, "minzheng")
    with pytest.raises(NotFound, match="没有办件号"):
        close_case(desk, "BJ20260101-0001", granted=True, reasons="x")
    with pytest.raises(InvalidInput, match="办理结果和理由不能为空"):
        close_case(desk, fresh.number, granted=True, reasons="")
    assert Case.get(Case.number == fresh.number).state == "accepted"


def test_request_supplement_stops_the_clock_until_complete(desk, applicant, clock):
    clock.set(local(2026, 11, 23))
    case = accept(desk, applicant)
    stopped = request_supplement(desk, case.number, ["收入证明", "银行流水"])
    assert (stopped.state, stopped.due_date) == ("awaiting_supplement", None)
    assert stopped.missing_materials == ("收入证明", "银行流水")
    clock.set(local(2026, 11, 25))
    back = supplement(desk, case.number, ["收入证明", "银行流水"])
    assert (back.state, back.due_date) == ("in_progress", dt.date(2026, 12, 2))


# --- proxy, trips, numbers, notices ------------------------------------------------------


def test_proxy_is_sealed_and_shown_only_in_the_detail(desk, applicant):
    proxy = ProxyInput(PEOPLE[1].name, PEOPLE[1].id_number, PEOPLE[1].phone)
    result = accept(desk, applicant, proxy=proxy)
    assert result.proxy
    row = Case.get(Case.number == result.number)
    assert PEOPLE[1].name.encode() not in bytes(row.proxy_name_enc)
    detail = case_detail(desk, result.number)
    assert detail.proxy and detail.proxy_name == PEOPLE[1].name
    for text in (repr(detail), repr(proxy), repr(result)):
        assert PEOPLE[1].name not in text and PEOPLE[1].id_number not in text


def test_trips_numbers_and_the_audit_hold_no_personal_data(hall, desk, applicant):
    numbers = [accept(desk, applicant).number for _ in range(12)]
    assert len(set(numbers)) == 12
    assert numbers[0] == "BJ20261123-0001" and numbers[-1] == "BJ20261123-0012"
    assert record_visit(desk, numbers[0]) == 2
    assert record_visit(desk, numbers[0]) == 3
    assert case_detail(desk, numbers[0]).trips == 3
    text = "".join(e.detail + e.record_id for e in AuditEvent.select())
    for who in PEOPLE:
        assert who.name not in text and who.id_number not in text and who.phone not in text
    assert audit.verify(hall.supervisor.audit_key).ok


def test_notices_are_stored_sealed_and_unchanged(desk, applicant):
    case = accept(desk, applicant, materials=NO_INCOME, kind="supplement")
    body = f"{PEOPLE[0].name}：请补齐收入证明。"
    number = issue_notice(desk, case.number, "supplement", body)
    assert number.startswith("TZ20261123-")
    assert notice_text(desk, number) == body
    row = Notice.get(Notice.number == number)
    assert PEOPLE[0].name.encode() not in bytes(row.body_enc)
    detail = case_detail(desk, case.number)
    assert [(n.number, n.title) for n in detail.notices] == [(number, "办件通知书")]
    with pytest.raises(InvalidInput, match="通知书内容不能为空"):
        issue_notice(desk, case.number, "supplement", "  ")
    with pytest.raises(InvalidInput, match="未知的通知书类别"):
        issue_notice(desk, case.number, "memo", "x")
    with pytest.raises(NotFound):
        notice_text(desk, "TZ20261123-0099")
    assert Notice.select().count() == 1


def test_inquiry_is_linked_and_closed_on_acceptance(desk, applicant):
    from store.inquiries import PersonInput, register_inquiry

    who = PEOPLE[0]
    inquiry = register_inquiry(
        desk,
        channel="visit",
        person=PersonInput(who.name, who.id_number, who.phone),
        item_code="P001",
        disposition="accepted",
    )
    case = accept(desk, inquiry.person_uuid, inquiry_number=inquiry.number)
    from store.models import Inquiry

    row = Inquiry.get(Inquiry.number == inquiry.number)
    assert (row.state, row.case.number) == ("closed", case.number)
    with pytest.raises(InvalidInput, match="已办结"):
        accept(desk, applicant, inquiry_number=inquiry.number)


def test_only_this_windows_items_are_accepted_here(hall, desk, applicant):
    """本窗口受理 is for the counter's own items (首问负责制: others are 转办); the
    supervisor may accept any, and a hall with 一窗受理 turns the rule off in its policy."""
    from store.inquiries import PersonInput, register_inquiry
    from store.models import Inquiry, Setting

    add_staff(
        hall.supervisor,
        number="1003",
        name="钱社保",
        role="clerk",
        password="shebao-mima-1",
        window="shebao",
    )
    other = hall.login("1003", "shebao-mima-1")
    who = PEOPLE[0]
    person = PersonInput(who.name, who.id_number, who.phone)
    refused = "「临时救助申请」属民政窗口，不是本窗口的事项：请转办给民政窗口"
    with pytest.raises(InvalidInput, match=refused):
        register_inquiry(
            other, channel="visit", person=person, item_code="P001", disposition="accepted"
        )
    with pytest.raises(InvalidInput, match=refused):
        accept(other, applicant)
    assert (Inquiry.select().count(), Case.select().count()) == (0, 0)
    # 转办 to 民政 is what the rule asks for; 社保's own item is accepted.
    register_inquiry(
        other,
        channel="visit",
        person=person,
        item_code="P001",
        disposition="referred",
        referred_to="minzheng",
    )
    accept(
        other, applicant, item_code="I001", materials={"居民身份证": "present"}, kind="immediate"
    )
    accept(hall.supervisor, applicant)  # the supervisor decides whose it is
    Setting.create(
        key="policy",
        value="[first_inquiry]\naccept_other_windows = true\n",
        updated_at=hall.register.clock.now(),
    )
    other.register.forget_cached()
    assert accept(other, applicant).kind == "promised"


def test_two_counters_cannot_accept_one_inquiry(desk, applicant, monkeypatch):
    """The inquiry is read inside the writing transaction: another counter accepting it
    between this counter's checks and its write leaves one case, and a Chinese refusal."""
    import store.cases.acceptance as cases
    from store.inquiries import PersonInput, register_inquiry

    who = PEOPLE[0]
    inquiry = register_inquiry(
        desk,
        channel="visit",
        person=PersonInput(who.name, who.id_number, who.phone),
        item_code="P001",
        disposition="accepted",
    )
    real, raced = cases.operation, []

    def other_counter_first(session, action, **kw):
        if action == "case.accept" and not raced:
            raced.append("…")  # the other counter's own operation runs unpatched
            raced[0] = accept(desk, applicant, inquiry_number=inquiry.number).number
        return real(session, action, **kw)

    monkeypatch.setattr(cases, "operation", other_counter_first)
    with pytest.raises(InvalidInput, match="已办结，不能再受理"):
        accept(desk, applicant, inquiry_number=inquiry.number)
    assert [c.number for c in Case.select()] == raced


def test_supplements_entered_twice_in_one_visit_are_one_trip(desk, applicant, clock):
    clock.set(local(2026, 9, 29))
    both = {"居民身份证": "present", "户口簿": "not_brought", "收入证明": "not_brought"}
    case = accept(desk, applicant, materials=both, kind="supplement")
    clock.set(local(2026, 9, 30, 10, 0))
    supplement(desk, case.number, ["户口簿"])
    clock.set(local(2026, 9, 30, 10, 2))
    supplement(desk, case.number, ["收入证明"])
    assert case_detail(desk, case.number).trips == 2  # the acceptance, and 30 September
    assert record_visit(desk, case.number) == 3  # a visit the clerk records is one more


def test_a_pending_extension_lapses_when_the_case_ends(desk, applicant, clock):
    clock.set(local(2026, 11, 23))
    case = accept(desk, applicant)
    request_extension(desk, case.number, reason="需入户核查", new_date=dt.date(2026, 12, 4))
    close_case(desk, case.number, granted=True, reasons="准予")
    detail = case_detail(desk, case.number)
    assert (detail.state, detail.extension_state, detail.extension_requested) == ("done", "", None)
    assert detail.due_date == dt.date(2026, 11, 30)


def test_an_extension_ends_on_a_working_day(hall, desk, applicant, clock):
    clock.set(local(2026, 9, 21))
    case = accept(desk, applicant)
    assert case.due_date == dt.date(2026, 9, 29)  # 25 September is 中秋节
    for day, why in ((dt.date(2026, 10, 3), "国庆节假期"), (dt.date(2026, 11, 28), "休息日")):
        with pytest.raises(InvalidInput, match=f"{day:%Y-%m-%d} 是{why}，须为工作日"):
            request_extension(desk, case.number, reason="需公示", new_date=day)
    assert case_detail(desk, case.number).extension_state == ""
    # 10 October 2026 is a Saturday worked for National Day (调休): a working day.
    request_extension(desk, case.number, reason="需公示", new_date=dt.date(2026, 10, 10))
    assert approve_extension(hall.supervisor, case.number) == dt.date(2026, 10, 10)


def test_the_queue_shows_cases_in_every_state_of_this_module(desk, applicant, clock):
    clock.set(local(2026, 11, 23))
    a = accept(desk, applicant)
    b = accept(desk, applicant, materials=NO_INCOME, kind="supplement")
    c = accept(desk, applicant, item_code="E001", materials={"申请表": "present"}, kind="escalated")
    forward_progress(desk, c.number, reference="县〔2026〕1号")
    d = accept(desk, applicant)
    close_case(desk, d.number, granted=True, reasons="准予")
    rows = {r.number: r for r in counter_queue(desk, window_code="minzheng").rows}
    assert set(rows) == {a.number, b.number, c.number}
    assert rows[b.number].section == "supplement"
    assert rows[c.number].state_label == "已上报"
    assert counter_queue(desk, window_code="minzheng").counts.closed == 1
    assert Person.select().count() == 1
    assert json.loads(Case.get(Case.number == b.number).materials)[2] == {
        "name": "收入证明",
        "main": False,
        "status": "not_brought",
    }
    assert dataclasses.is_dataclass(a)
