"""办件 — acceptance (六件管理), the case's actions (限时办结) and the notices issued.

Every change of state goes through policies.cases.check_transition; a forbidden move is
refused with its Chinese reason (:class:`TransitionRefused`) and nothing is written. Every
operation checks its input before it writes, and writes in one transaction with one audit
event that names the case by its number only.

Materials (Case.materials, JSON) are the item's checklist in catalog order:
``{"name", "main", "status"}`` with status a key of policies.cases.MATERIAL_STATUSES, plus
``"omitted": true`` for a material the first notice failed to list (一次性告知 missed it:
the office's fault, Case.omission). Case.supplements lists the days supplements arrived.

Deadlines (policies.deadlines, policies.calendar): the count starts the day after receipt,
or for a 补办件 the day after the materials are complete (after the first supplement when
the notice missed a material); due dates beyond the calendar's years are provisional.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from policies.cases import (
    AUTHORITIES,
    KINDS,
    MATERIAL_STATUSES,
    STATES,
    KindProposal,
    MaterialCheck,
    TransitionError,
    can_extend,
    check_extension,
    check_transition,
    initial_state,
    propose_kind,
    tolerance_allowed,
)
from policies.deadlines import case_limit_working_days, clock_start
from policies.errors import PolicyError
from policies.notices import NOTICE_KINDS as POLICY_NOTICE_KINDS
from policies.notices import Notice as NoticeDocument
from policies.notices import NoticeLine as NoticeDocumentLine
from store.clock import local_date
from store.errors import InvalidInput, NotFound
from store.inquiries import check_own_item, check_phone
from store.models import (
    Case,
    Inquiry,
    Notice,
    Person,
    Refusal,
    ServiceItem,
    SubTask,
    Window,
    new_uuid,
)
from store.numbers import CASE, NOTICE, next_number
from store.roles import DATA_ROLES, SUPERVISOR_ROLES, WORK_ROLES
from store.session import Session, operation

#: Notices the counter issues, by kind: the same keys and titles as policies.notices
#: (六件管理, 容缺受理, 延期, 办结 "done" and the 即办件 slip "immediate").
NOTICE_KINDS = dict(POLICY_NOTICE_KINDS)
#: The notice to issue on acceptance, per kind (容缺受理 issues "tolerance").
_ACCEPT_NOTICE = {
    "immediate": None,
    "promised": "acceptance",
    "supplement": "supplement",
    "returned": "return",
    "joint": "joint",
    "escalated": "escalated",
}
TOLERANCE = "tolerance"  # the kind a clerk confirms for 容缺受理 (a flag on the base kind)
EXTENSION_LABELS = {
    "": "未申请",
    "requested": "待主任批准",
    "approved": "已批准",
    "rejected": "未批准",
}
REFUSAL_KINDS = {"returned": "退回", "refused": "不予受理", "not_granted": "不予核准"}
_SAME_DAY = ("immediate",)


class TransitionRefused(InvalidInput):
    """A move the case rules forbid (policies.cases): the message says why, in Chinese."""


@dataclass(frozen=True)
class ProxyInput:
    """代办人: who handles the case for the applicant. Repr shows no field."""

    name: str
    id_number: str
    phone: str | None = None
    id_type: str = "resident"

    def __repr__(self) -> str:
        return f"ProxyInput(id_type={self.id_type})"


@dataclass(frozen=True)
class CaseResult:
    number: str
    kind: str
    state: str
    due_date: dt.date | None
    due_provisional: bool
    missing_materials: tuple[str, ...]
    notice_kind: str | None  # a key of NOTICE_KINDS, None when the result is handed over
    tolerance: bool = False
    proxy: bool = False


@dataclass(frozen=True)
class MaterialLine:
    name: str
    main: bool
    status: str
    status_label: str
    omitted: bool = False


@dataclass(frozen=True)
class SubTaskLine:
    window_code: str
    window_name: str
    state: str  # open | done
    completed_at: dt.datetime | None


@dataclass(frozen=True)
class NoticeLine:
    number: str
    kind: str
    title: str
    issued_at: dt.datetime


@dataclass(frozen=True)
class CaseDetail:
    number: str
    item_code: str
    item_name: str
    window_name: str
    applicant_name: str = field(repr=False)
    kind: str = ""
    kind_label: str = ""
    state: str = ""
    state_label: str = ""
    tolerance: bool = False
    tolerance_due: dt.date | None = None
    proxy: bool = False
    proxy_name: str | None = field(default=None, repr=False)
    materials: tuple[MaterialLine, ...] = ()
    received_on: dt.date | None = None
    clock_start: dt.date | None = None
    due_date: dt.date | None = None
    due_provisional: bool = False
    trips: int = 1
    extension_state: str = ""
    extension_label: str = ""
    extension_requested: dt.date | None = None
    extended_until: dt.date | None = None
    lead_window: str | None = None
    subtasks: tuple[SubTaskLine, ...] = ()
    notices: tuple[NoticeLine, ...] = ()
    forward_by: dt.date | None = None
    forward_reference: str = ""
    granted: bool | None = None
    result: str | None = field(default=None, repr=False)
    omission: bool = False
    proposed_action: str = ""

    @property
    def missing_materials(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.materials if m.status != "present")


# --- helpers -----------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _today(session: Session) -> dt.date:
    return local_date(session.now())


def _item(item_code: str) -> ServiceItem:
    code = _clean(item_code)
    row = ServiceItem.get_or_none(ServiceItem.code == code) if code else None
    if row is None or not row.active:
        raise InvalidInput(f"未知的服务事项：{code or '（空）'}")
    return row


def _spec(item: ServiceItem) -> dict:
    return json.loads(item.spec)


def _case(number: str) -> Case:
    text = "".join(_clean(number).split()).upper()
    row = Case.get_or_none(Case.number == text) if text else None
    if row is None:
        raise NotFound(f"没有办件号为 {text or '（空）'} 的办件")
    return row


def _checks(item: ServiceItem, materials: Mapping[str, str]) -> list[MaterialCheck]:
    """The item's checklist with the statuses given; every item material must be checked."""
    listed = _spec(item).get("materials") or []
    if listed and not materials:
        raise InvalidInput("材料清单不能为空：请逐项核对本事项所需材料")
    names = {m["name"] for m in listed}
    unknown = [n for n in materials if n not in names]
    if unknown:
        raise InvalidInput(f"材料「{'、'.join(unknown)}」不是本事项所需材料")
    unchecked = [m["name"] for m in listed if m["name"] not in materials]
    if unchecked:
        raise InvalidInput(f"材料「{'、'.join(unchecked)}」尚未核对（请选择已带来、未带来或没有）")
    for name, status in materials.items():
        if status not in MATERIAL_STATUSES:
            raise InvalidInput(f"材料「{name}」的状态无效：{status}")
    return [MaterialCheck(m["name"], bool(m["main"]), materials[m["name"]]) for m in listed]


def _windows(codes: Iterable[str] | None) -> list[Window]:
    found: list[Window] = []
    for code in codes or ():
        row = Window.get_or_none(Window.code == _clean(code))
        if row is None or not row.active:
            raise InvalidInput(f"未知的窗口：{_clean(code) or '（空）'}")
        if row not in found:
            found.append(row)
    return found


def _participants(item: ServiceItem, joint_windows: Iterable[str] | None) -> list[Window]:
    codes = joint_windows if joint_windows is not None else _spec(item).get("windows_involved")
    return [w for w in _windows(codes) if w.id != item.window_id]


def _proposal(session: Session, item: ServiceItem, checks, participants) -> KindProposal:
    spec = _spec(item)
    return propose_kind(
        item.default_kind,
        checks,
        session.register.policy,
        windows_involved=1 + len(participants),
        authority=spec.get("authority", "township"),
        item_tolerance_allowed=bool(spec.get("tolerance_allowed")),
    )


def propose(
    session: Session,
    item_code: str,
    materials: Mapping[str, str],
    joint_windows: Iterable[str] | None = None,
) -> KindProposal:
    """The kind the store proposes for these materials (the clerk confirms it)."""
    item = _item(item_code)
    checks = _checks(item, materials)
    return _proposal(session, item, checks, _participants(item, joint_windows))


def _due(session: Session, kind: str, item: ServiceItem, start: dt.date):
    limit = case_limit_working_days(
        kind, session.register.policy, item_promised_days=item.promised_limit_days
    )
    if limit is None:
        return None, False
    due = session.register.calendar.due(start, limit, allow_provisional=True)
    return due.date, due.provisional


def _move(session: Session, case: Case, to_state: str) -> None:
    try:
        check_transition(
            case.kind, case.state, to_state, by_supervisor=session.role in SUPERVISOR_ROLES
        )
    except TransitionError as exc:
        raise TransitionRefused(f"办件 {case.number}：{exc}") from None
    case.state = to_state
    if STATES[to_state].terminal and case.extension_state == "requested":
        # A case that has ended needs no more time: the request lapses (the audit keeps it).
        case.extension_state, case.extension_requested = "", None


def _materials(case: Case) -> list[dict]:
    return json.loads(case.materials or "[]")


def _outstanding(case: Case) -> list[str]:
    return [m["name"] for m in _materials(case) if m.get("status") != "present"]


def _seal(session: Session, table: str, column: str, row_uuid: str, text: str | None):
    return session.keys.seal(table, column, row_uuid, text)


def _refusal(session: Session, case: Case, kind: str, reasons: str, *, reviewed: bool) -> None:
    row_uuid = new_uuid()
    now = session.now()
    Refusal.create(
        uuid=row_uuid,
        key_id=session.keys.current,
        case=case,
        kind=kind,
        reasons_enc=_seal(session, "refusal", "reasons_enc", row_uuid, reasons),
        at=now,
        by_staff=session.staff_id,
        state="reviewed" if reviewed else "pending",
        reviewed_by=session.staff_id if reviewed else None,
        reviewed_at=now if reviewed else None,
    )


def _result(case: Case) -> CaseResult:
    return CaseResult(
        number=case.number,
        kind=case.kind,
        state=case.state,
        due_date=case.due_date,
        due_provisional=bool(case.due_provisional),
        missing_materials=tuple(_outstanding(case)),
        notice_kind=None,
        tolerance=bool(case.tolerance),
        proxy=bool(case.proxy),
    )


def _reasons(text: str | None, what: str) -> str:
    text = _clean(text)
    if not text:
        raise InvalidInput(f"{what}不能为空")
    return text


# --- acceptance --------------------------------------------------------------------------


def _open_inquiry(number: str) -> Inquiry:
    """The 首问登记 a case is accepted from: open, without a case, meant for acceptance."""
    inquiry = Inquiry.get_or_none(Inquiry.number == _clean(number).upper())
    if inquiry is None:
        raise NotFound(f"没有登记号为 {_clean(number)} 的首问登记")
    if inquiry.state != "open" or inquiry.case_id is not None:
        raise InvalidInput(f"首问登记 {inquiry.number} 已办结，不能再受理")
    if inquiry.disposition not in ("accepted", "referred"):
        raise InvalidInput(f"首问登记 {inquiry.number} 不是待受理的事项")
    return inquiry


def accept_case(
    session: Session,
    *,
    inquiry_number: str | None = None,
    item_code: str,
    person_uuid: str | None,
    materials: Mapping[str, str],
    kind: str,
    proxy: ProxyInput | None = None,
    tolerance_commitment_date: dt.date | None = None,
    joint_windows: Iterable[str] | None = None,
    return_reasons: str | None = None,
    forward_by: dt.date | None = None,
) -> CaseResult:
    """Register a case of the kind the clerk confirmed (六件管理) and give it its number.

    ``kind``: immediate | promised | supplement | returned | joint | escalated, or
    ``"tolerance"`` for 容缺受理 (the item's kind with the tolerance flag; a commitment date
    is required). Refused, with nothing written, when the materials do not allow the kind.
    """
    today = _today(session)
    policy = session.register.policy
    item = _item(item_code)
    check_own_item(session, item)
    person = Person.get_or_none(Person.uuid == _clean(person_uuid)) if person_uuid else None
    if person is None:
        raise InvalidInput("请先读取身份证或登记申请人")
    checks = _checks(item, materials)
    participants = _participants(item, joint_windows)
    proposal = _proposal(session, item, checks, participants)
    main_missing = [c.name for c in checks if c.main and c.status == "missing"]
    not_present = [c.name for c in checks if c.status != "present"]
    secondary_out = [c.name for c in checks if not c.main and c.status != "present"]
    main_out = [c.name for c in checks if c.main and c.status != "present"]

    tolerance = kind == TOLERANCE or tolerance_commitment_date is not None
    if kind == TOLERANCE:
        everything = [MaterialCheck(c.name, c.main, "present") for c in checks]
        kind = _proposal(session, item, everything, participants).kind
    if kind not in KINDS:
        known = "、".join(f"{k.label}" for k in KINDS.values())
        raise InvalidInput(f"未知的办件类型：{kind}（可选：{known}、容缺受理）")
    label = KINDS[kind].label

    if tolerance:
        if not (_spec(item).get("tolerance_allowed") and tolerance_allowed(kind, policy)):
            raise InvalidInput(f"本事项（{label}）不适用容缺受理")
        if main_out:
            raise InvalidInput(f"主件「{'、'.join(main_out)}」未齐，不能容缺受理")
        if not secondary_out:
            raise InvalidInput("材料已齐全，无需容缺受理")
        if tolerance_commitment_date is None:
            raise InvalidInput("容缺受理须填写申请人承诺补齐材料的日期")
        if tolerance_commitment_date < today:
            raise InvalidInput("承诺补齐日期不能早于今天")
    elif kind == "returned":
        return_reasons = _reasons(return_reasons, "退回原因")
    elif kind == "supplement":
        if main_missing:
            raise InvalidInput(
                f"主件「{'、'.join(main_missing)}」申请人没有，应按退回件处理，不能按补办件受理"
            )
        if not not_present:
            raise InvalidInput("材料已齐全，不是补办件")
    elif not_present:
        raise InvalidInput(
            f"材料不齐（{'、'.join(not_present)}），不能按{label}受理：请选择补办件、退回件"
            "或（事项允许时）容缺受理"
        )
    authority = _spec(item).get("authority", "township")
    if authority != "township" and kind not in ("escalated", "supplement", "returned"):
        raise InvalidInput(
            f"本事项审批权限在{AUTHORITIES.get(authority, '上级')}，须按上报件受理（不能按{label}）"
        )
    if kind == "joint" and not participants:
        raise InvalidInput("联办件须指定至少一个协办窗口")
    if kind != "joint" and joint_windows:
        raise InvalidInput("只有联办件才指定协办窗口")
    if forward_by is not None:
        if kind != "escalated":
            raise InvalidInput("只有上报件才填写上报时间")
        if forward_by < today:
            raise InvalidInput("承诺的上报日期不能早于今天")
    proxy_id = None
    if proxy is not None:
        if not _clean(proxy.name):
            raise InvalidInput("代办人姓名不能为空")
        proxy_id = _clean(proxy.id_number)
        if not proxy_id:
            raise InvalidInput("代办须登记代办人的证件号码")
        if proxy.id_type == "resident":
            from policies.idnumber import validate_resident_id

            try:
                proxy_id = validate_resident_id(proxy_id, today=today).number
            except PolicyError as exc:
                raise InvalidInput(f"代办人证件有误：{exc}") from None
        check_phone(proxy.phone, "代办人")
    with operation(session, "case.accept", roles=WORK_ROLES, record_table="case") as event:
        # Read inside the writing transaction: two counters cannot both accept one inquiry.
        inquiry = _open_inquiry(inquiry_number) if inquiry_number else None
        keys = session.keys
        now = session.now()
        state = initial_state(kind)
        start = due = None
        provisional = False
        if state != "awaiting_supplement" and kind != "returned":
            start = today
            due, provisional = _due(session, kind, item, today)
        row_uuid = new_uuid()
        lead = item.window_id
        case = Case.create(
            uuid=row_uuid,
            key_id=keys.current,
            number=next_number(CASE, today),
            item=item,
            window=lead,
            person=person,
            kind=kind,
            state=state,
            proxy=proxy is not None,
            tolerance=tolerance,
            received_at=now,
            clock_start=start,
            due_date=due,
            due_provisional=provisional,
            tolerance_due=tolerance_commitment_date if tolerance else None,
            accepted_by=session.staff_id,
            handler=session.staff_id,
            acting_for=session.acting_for,
            lead_window=lead if kind == "joint" else None,
            windows_involved=json.dumps(
                [item.window.code, *(w.code for w in participants)] if kind == "joint" else []
            ),
            materials=json.dumps(
                [{"name": c.name, "main": c.main, "status": c.status} for c in checks],
                ensure_ascii=False,
            ),
            forwarded_to=(
                f"{AUTHORITIES.get(_spec(item).get('authority'), '上级')}主管部门"
                if kind == "escalated"
                else ""
            ),
            forward_by=(forward_by or due) if kind == "escalated" else None,
            result_enc=_seal(session, "case", "result_enc", row_uuid, return_reasons),
            proxy_name_enc=_seal(
                session, "case", "proxy_name_enc", row_uuid, _clean(proxy.name) if proxy else None
            ),
            proxy_id_enc=_seal(session, "case", "proxy_id_enc", row_uuid, proxy_id),
            proxy_phone_enc=_seal(
                session,
                "case",
                "proxy_phone_enc",
                row_uuid,
                (_clean(proxy.phone) or None) if proxy else None,
            ),
            closed_at=now if kind == "returned" else None,
            updated_at=now,
        )
        for window in participants if kind == "joint" else ():
            SubTask.create(case=case, window=window)
        if kind == "returned":
            _refusal(session, case, "returned", return_reasons, reviewed=False)
        if inquiry is not None:
            inquiry.case, inquiry.state, inquiry.closed_at = case, "closed", now
            inquiry.save()
        event.record_id = case.uuid
        event.detail = {
            "number": case.number,
            "kind": kind,
            "state": state,
            "tolerance": tolerance,
            "proxy": proxy is not None,
            "proposed": proposal.kind,
        }
    result = _result(case)
    notice = "tolerance" if tolerance else _ACCEPT_NOTICE[kind]
    return CaseResult(**{**result.__dict__, "notice_kind": notice})


# --- case actions ------------------------------------------------------------------------


def supplement(
    session: Session,
    number: str,
    materials_now_present: Iterable[str],
    *,
    omitted: Iterable[str] = (),
) -> CaseResult:
    """补齐材料: the applicant brings materials (a visit). ``omitted`` names materials the
    first notice failed to list (the office's fault): they are added as still to bring, and
    the limit then counts from the first supplement (policy supplement.clock_start_on_omission).
    When everything is in, a 待补正 case goes on (办理中) and its clock restarts the next day.
    """
    brought = [_clean(n) for n in materials_now_present if _clean(n)]
    omitted = [_clean(n) for n in omitted if _clean(n)]
    if not brought and not omitted:
        raise InvalidInput("请选择本次补交的材料")
    today = _today(session)
    with operation(session, "case.supplement", roles=WORK_ROLES, record_table="case") as event:
        case = _case(number)
        if STATES[case.state].terminal:
            raise TransitionRefused(
                f"办件 {case.number} 已{STATES[case.state].label}，不能补交材料"
            )
        materials = _materials(case)
        names = {m["name"] for m in materials}
        tolerance_open = bool(case.tolerance and _outstanding(case))
        if case.state != "awaiting_supplement" and not tolerance_open:
            raise TransitionRefused(f"办件 {case.number} 没有待补交的材料")
        again = [n for n in omitted if n in names]
        if again:
            raise InvalidInput(f"材料「{'、'.join(again)}」已在告知清单中，不是遗漏")
        for name in dict.fromkeys(omitted):
            materials.append({"name": name, "main": False, "status": "missing", "omitted": True})
        names |= set(omitted)
        owed = {m["name"] for m in materials if m["status"] != "present"}
        wrong = [n for n in brought if n not in owed]
        if wrong:
            raise InvalidInput(f"材料「{'、'.join(wrong)}」不在待补材料中")
        for m in materials:
            if m["name"] in brought:
                m["status"] = "present"
        case.materials = json.dumps(materials, ensure_ascii=False)
        if omitted:
            case.omission = True
        days = json.loads(case.supplements or "[]")
        if brought:
            # Materials entered twice on one day are one visit (跑动次数 counts visits).
            if today.isoformat() not in days:
                case.trips += 1
            days.append(today.isoformat())
        case.supplements = json.dumps(days)
        complete = all(m["status"] == "present" for m in materials)
        if case.state == "awaiting_supplement":
            start = clock_start(
                local_date(case.received_at),
                [dt.date.fromisoformat(d) for d in days],
                complete=complete,
                omission=bool(case.omission),
                policy=session.register.policy,
            )
            if start is not None:
                case.clock_start = start
                case.due_date, case.due_provisional = _due(session, case.kind, case.item, start)
            if complete:
                _move(session, case, "in_progress")
        elif complete and case.proposed_action == "withdraw":
            case.proposed_action = ""
        case.updated_at = session.now()
        case.save()
        event.record_id = case.uuid
        event.detail = {
            "number": case.number,
            "brought": len(brought),
            "omitted": len(omitted),
            "complete": complete,
            "state": case.state,
        }
        return _result(case)


def request_supplement(session: Session, number: str, missing: Iterable[str]) -> CaseResult:
    """通知补正 after acceptance (also 上级要求补正 for a forwarded case): the named materials
    are owed again, the clock stops until they are in."""
    names = [_clean(n) for n in missing if _clean(n)]
    if not names:
        raise InvalidInput("须列明需补正的全部材料")
    with operation(
        session, "case.request_supplement", roles=WORK_ROLES, record_table="case"
    ) as event:
        case = _case(number)
        _move(session, case, "awaiting_supplement")
        materials = _materials(case)
        known = {m["name"] for m in materials}
        for m in materials:
            if m["name"] in names:
                m["status"] = "not_brought"
        for name in dict.fromkeys(n for n in names if n not in known):
            materials.append({"name": name, "main": False, "status": "not_brought"})
        case.materials = json.dumps(materials, ensure_ascii=False)
        case.clock_start, case.due_date, case.due_provisional = None, None, False
        case.updated_at = session.now()
        case.save()
        event.record_id, event.detail = case.uuid, {"number": case.number, "missing": len(names)}
        return _result(case)


def close_case(session: Session, number: str, *, granted: bool, reasons: str) -> CaseResult:
    """办结 with the result: 准予 (granted) or 不予 (a 否定报备 record for the supervisor)."""
    reasons = _reasons(reasons, "办理结果和理由")
    with operation(session, "case.close", roles=WORK_ROLES, record_table="case") as event:
        case = _case(number)
        if not STATES[case.state].terminal:
            if case.kind == "joint":
                open_ = [
                    s.window.name
                    for s in SubTask.select().where(
                        (SubTask.case == case) & (SubTask.state == "open")
                    )
                ]
                if open_:
                    raise TransitionRefused(
                        f"联办件 {case.number} 尚有协办窗口未完成：{'、'.join(open_)}"
                    )
            if case.tolerance and _outstanding(case):
                raise TransitionRefused(
                    f"办件 {case.number} 的容缺材料「{'、'.join(_outstanding(case))}」尚未补齐，"
                    "不能办结"
                )
            if case.state == "accepted" and case.kind not in _SAME_DAY:
                _move(session, case, "in_progress")
        _move(session, case, "done")
        now = session.now()
        case.granted = bool(granted)
        text = f"{'准予' if granted else '不予'}：{reasons}"
        case.result_enc = _seal(session, "case", "result_enc", case.uuid, text)
        case.closed_at = case.updated_at = now
        case.key_id = session.keys.current
        _reseal(session, case)
        case.save()
        if not granted:
            _refusal(session, case, "not_granted", reasons, reviewed=False)
        event.record_id = case.uuid
        event.detail = {"number": case.number, "granted": bool(granted)}
        return _result(case)


def _reseal(session: Session, case: Case) -> None:
    """Keep one key id per row: re-seal every sealed column under the current key."""
    keys = session.keys
    for column in (
        "notes_enc",
        "result_enc",
        "extension_reason_enc",
        "proxy_name_enc",
        "proxy_id_enc",
        "proxy_phone_enc",
    ):
        sealed = getattr(case, column)
        if sealed is not None:
            setattr(
                case,
                column,
                keys.seal("case", column, case.uuid, keys.open("case", column, case.uuid, sealed)),
            )
    case.key_id = keys.current


def request_extension(session: Session, number: str, *, reason: str, new_date: dt.date) -> None:
    """申请延期: a reason and the new date; waits for the supervisor (approve_extension)."""
    reason = _reasons(reason, "延期理由")
    today = _today(session)
    with operation(
        session, "case.extension.request", roles=WORK_ROLES, record_table="case"
    ) as event:
        case = _case(number)
        if not can_extend(case.kind, case.state):
            raise TransitionRefused(
                f"办件 {case.number}：{KINDS[case.kind].label}在「{STATES[case.state].label}」时不能延期"
            )
        if case.extension_state == "requested":
            raise InvalidInput(f"办件 {case.number} 已有待批准的延期申请")
        if new_date < today:
            raise InvalidInput("延期后的办结日期不能早于今天")
        if case.due_date is not None and new_date <= case.due_date:
            raise InvalidInput(f"延期后的办结日期须晚于原期限 {case.due_date:%Y-%m-%d}")
        calendar = session.register.calendar
        if not calendar.missing_years(new_date, new_date) and not calendar.is_workday(new_date):
            name = calendar.holiday_name(new_date)
            why = f"{name}假期" if name else "休息日"
            raise InvalidInput(f"延期后的办结日期 {new_date:%Y-%m-%d} 是{why}，须为工作日")
        case.extension_state = "requested"
        case.extension_requested = new_date
        case.extension_reason_enc = _seal(
            session, "case", "extension_reason_enc", case.uuid, reason
        )
        _reseal(session, case)
        case.updated_at = session.now()
        case.save()
        event.record_id, event.detail = case.uuid, {"number": case.number, "until": str(new_date)}


def _pending_extension(session: Session, number: str) -> tuple[Case, str]:
    case = _case(number)
    if case.extension_state != "requested":
        raise InvalidInput(f"办件 {case.number} 没有待批准的延期申请")
    reason = session.keys.open_text(
        "case", "extension_reason_enc", case.uuid, case.extension_reason_enc
    )
    return case, reason or ""


def approve_extension(session: Session, number: str) -> dt.date:
    """The supervisor approves the extension: the due date moves (an event, not a state)."""
    with operation(
        session, "case.extension.approve", roles=SUPERVISOR_ROLES, record_table="case"
    ) as event:
        case, reason = _pending_extension(session, number)
        try:
            check_extension(case.kind, case.state, by_supervisor=True, reason=reason)
        except TransitionError as exc:
            raise TransitionRefused(f"办件 {case.number}：{exc}") from None
        case.extended_from = case.due_date
        case.due_date = case.extended_until = case.extension_requested
        case.due_provisional = bool(
            session.register.calendar.missing_years(case.due_date, case.due_date)
        )
        case.extension_requested = None
        case.extension_state = "approved"
        case.extension_approved_by = session.staff_id
        case.updated_at = session.now()
        case.save()
        event.record_id, event.detail = (
            case.uuid,
            {"number": case.number, "until": str(case.due_date)},
        )
        return case.due_date


def reject_extension(session: Session, number: str) -> None:
    """The supervisor refuses the extension: the due date stays."""
    with operation(
        session, "case.extension.reject", roles=SUPERVISOR_ROLES, record_table="case"
    ) as event:
        case, _ = _pending_extension(session, number)
        case.extension_state, case.extension_requested = "rejected", None
        case.updated_at = session.now()
        case.save()
        event.record_id, event.detail = case.uuid, {"number": case.number}


def _terminate(
    session: Session, number: str, to_state: str, reasons: str, action: str
) -> CaseResult:
    with operation(session, action, roles=WORK_ROLES, record_table="case") as event:
        case = _case(number)
        _move(session, case, to_state)
        now = session.now()
        case.result_enc = _seal(session, "case", "result_enc", case.uuid, reasons)
        _reseal(session, case)
        case.closed_at = case.updated_at = now
        case.proposed_action = ""
        case.save()
        if to_state in ("returned", "refused"):
            _refusal(session, case, to_state, reasons, reviewed=session.role in SUPERVISOR_ROLES)
        event.record_id, event.detail = case.uuid, {"number": case.number, "state": to_state}
        return _result(case)


def return_case(session: Session, number: str, *, reasons: str) -> CaseResult:
    """转退回: written reasons; registered for the supervisor's review (否定报备)."""
    return _terminate(session, number, "returned", _reasons(reasons, "退回原因"), "case.return")


def refuse_case(session: Session, number: str, *, reasons: str) -> CaseResult:
    """不予受理: only the supervisor (a clerk may not refuse alone, seed 003 篇5)."""
    return _terminate(session, number, "refused", _reasons(reasons, "不予受理理由"), "case.refuse")


def withdraw_case(session: Session, number: str, *, reasons: str) -> CaseResult:
    """撤回 / 退件: the applicant withdraws, or a promised material was not brought."""
    return _terminate(session, number, "withdrawn", _reasons(reasons, "撤回原因"), "case.withdraw")


def forward_progress(
    session: Session,
    number: str,
    *,
    reference: str,
    result: str | None = None,
    granted: bool | None = None,
) -> CaseResult:
    """上报件: record the forwarding (the authority's reference) and, later, its result."""
    reference = _clean(reference)
    result = _clean(result) or None
    if result is not None and granted is None:
        raise InvalidInput("登记上级办理结果须写明准予或不予")
    with operation(session, "case.forward", roles=WORK_ROLES, record_table="case") as event:
        case = _case(number)
        if case.kind != "escalated":
            raise TransitionRefused(f"办件 {case.number} 不是上报件")
        now = session.now()
        if case.state in ("accepted", "in_progress"):
            if not reference:
                raise InvalidInput("上报须登记上级受理的文号或编号")
            _move(session, case, "forwarded")
            case.forwarded_at = now
        elif case.state != "forwarded" and not STATES[case.state].terminal:
            raise TransitionRefused(
                f"办件 {case.number} 处于「{STATES[case.state].label}」，不能登记上报进度"
            )
        elif not reference and result is None:
            raise InvalidInput("请填写上级受理文号或上级办理结果")
        if reference:
            case.forward_reference = reference[:64]
        if result is not None:
            _move(session, case, "done")
            case.granted = bool(granted)
            text = f"{'准予' if granted else '不予'}：{result}"
            case.result_enc = _seal(session, "case", "result_enc", case.uuid, text)
            _reseal(session, case)
            case.closed_at = now
            if not granted:  # 不予核准 by the higher authority: registered too (否定报备)
                _refusal(session, case, "not_granted", result, reviewed=False)
        elif STATES[case.state].terminal:
            raise TransitionRefused(f"办件 {case.number} 已{STATES[case.state].label}")
        case.updated_at = now
        case.save()
        event.record_id, event.detail = case.uuid, {"number": case.number, "state": case.state}
        return _result(case)


def complete_subtask(session: Session, number: str, window_code: str) -> int:
    """A participating window finishes its part of a 联办件; returns the parts still open."""
    with operation(session, "case.subtask", roles=WORK_ROLES, record_table="case") as event:
        case = _case(number)
        if case.kind != "joint":
            raise TransitionRefused(f"办件 {case.number} 不是联办件")
        if STATES[case.state].terminal:
            raise TransitionRefused(f"办件 {case.number} 已{STATES[case.state].label}")
        window = Window.get_or_none(Window.code == _clean(window_code))
        task = (
            SubTask.get_or_none((SubTask.case == case) & (SubTask.window == window))
            if window
            else None
        )
        if task is None:
            raise InvalidInput(f"窗口 {_clean(window_code)} 不是办件 {case.number} 的协办窗口")
        if task.state == "done":
            raise InvalidInput(f"{window.name}的协办部分已完成")
        task.state, task.completed_at, task.completed_by = "done", session.now(), session.staff_id
        task.save()
        left = SubTask.select().where((SubTask.case == case) & (SubTask.state == "open")).count()
        event.record_id = case.uuid
        event.detail = {"number": case.number, "window": window.code, "open": left}
        return left


def expire_tolerance(session: Session, today: dt.date | None = None) -> tuple[str, ...]:
    """容缺 cases past their commitment date with the material still missing: 退件 is
    proposed (视为放弃申请, seed 002 附件8); the clerk confirms with withdraw_case."""
    today = today or _today(session)
    open_states = [s for s, st in STATES.items() if not st.terminal]
    with operation(session, "case.tolerance.expire", roles=WORK_ROLES, record_table="case") as ev:
        found = []
        for case in Case.select().where(
            Case.tolerance
            & Case.state.in_(open_states)
            & (Case.tolerance_due < today)
            & (Case.proposed_action == "")
        ):
            if _outstanding(case):
                case.proposed_action = "withdraw"
                case.updated_at = session.now()
                case.save()
                found.append(case.number)
        ev.detail = {"proposed": len(found)}
        return tuple(found)


def record_visit(session: Session, number: str) -> int:
    """One more visit of the applicant on this case (跑动次数); returns the count."""
    with operation(session, "case.visit", roles=WORK_ROLES, record_table="case") as event:
        case = _case(number)
        case.trips += 1
        case.updated_at = session.now()
        case.save()
        event.record_id, event.detail = case.uuid, {"number": case.number, "trips": case.trips}
        return case.trips


def case_detail(session: Session, number: str) -> CaseDetail:
    """A case opened for the counter (applicant's name, materials, deadline, notices …)."""
    with operation(session, "case.view", roles=DATA_ROLES, record_table="case") as event:
        case = _case(number)
        keys = session.keys
        name = ""
        if case.person_id is not None:
            person = Person.get_by_id(case.person_id)
            name = keys.open_text("person", "name_enc", person.uuid, person.name_enc) or ""
        subtasks = tuple(
            SubTaskLine(s.window.code, s.window.name, s.state, s.completed_at)
            for s in SubTask.select().where(SubTask.case == case).order_by(SubTask.id)
        )
        notices = tuple(
            NoticeLine(n.number, n.kind, NOTICE_KINDS.get(n.kind, n.kind), n.issued_at)
            for n in Notice.select(Notice.number, Notice.kind, Notice.issued_at)
            .where(Notice.case == case)
            .order_by(Notice.id)
        )
        lead = Window.get_by_id(case.lead_window_id).code if case.lead_window_id else None
        event.record_id, event.detail = case.uuid, {"number": case.number}
        return CaseDetail(
            number=case.number,
            item_code=case.item.code,
            item_name=case.item.name,
            window_name=case.window.name,
            applicant_name=name,
            kind=case.kind,
            kind_label=KINDS[case.kind].label if case.kind in KINDS else case.kind,
            state=case.state,
            state_label=STATES[case.state].label if case.state in STATES else case.state,
            tolerance=bool(case.tolerance),
            tolerance_due=case.tolerance_due,
            proxy=bool(case.proxy),
            proxy_name=keys.open_text("case", "proxy_name_enc", case.uuid, case.proxy_name_enc),
            materials=tuple(
                MaterialLine(
                    m["name"],
                    bool(m.get("main")),
                    m.get("status", "present"),
                    MATERIAL_STATUSES.get(m.get("status", "present"), ""),
                    bool(m.get("omitted")),
                )
                for m in _materials(case)
            ),
            received_on=local_date(case.received_at),
            clock_start=case.clock_start,
            due_date=case.due_date,
            due_provisional=bool(case.due_provisional),
            trips=case.trips,
            extension_state=case.extension_state,
            extension_label=EXTENSION_LABELS.get(case.extension_state, case.extension_state),
            extension_requested=case.extension_requested,
            extended_until=case.extended_until,
            lead_window=lead,
            subtasks=subtasks,
            notices=notices,
            forward_by=case.forward_by,
            forward_reference=case.forward_reference,
            granted=case.granted,
            result=keys.open_text("case", "result_enc", case.uuid, case.result_enc),
            omission=bool(case.omission),
            proposed_action=case.proposed_action,
        )


# --- notices -----------------------------------------------------------------------------

#: Marks a notice stored structured (title, lines with their styles, signature …), so a
#: reprint lays it out exactly as issued. A body without it is plain text (issue_notice).
NOTICE_FORMAT = "chuangkou.notice/1"


def notice_body(notice: NoticeDocument) -> str:
    """The stored form of a rendered notice (JSON; sealed by the caller)."""
    return json.dumps(
        {
            "format": NOTICE_FORMAT,
            "kind": notice.kind,
            "title": notice.title,
            "subtitle": notice.subtitle,
            "header": notice.header,
            "reference": notice.reference,
            "lines": [[line.text, line.style] for line in notice.lines],
            "signature": list(notice.signature),
        },
        ensure_ascii=False,
    )


def _structured(body: str) -> dict | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("format") == NOTICE_FORMAT else None


def notice_from_body(kind: str, body: str) -> NoticeDocument:
    """The notice as it was issued; a plain-text body becomes one field line per line."""
    data = _structured(body)
    if data is not None:
        return NoticeDocument(
            kind=data["kind"],
            title=data["title"],
            subtitle=data["subtitle"],
            header=data["header"],
            reference=data["reference"],
            lines=tuple(NoticeDocumentLine(text, style) for text, style in data["lines"]),
            signature=tuple(data["signature"]),
        )
    return NoticeDocument(
        kind=kind,
        title=NOTICE_KINDS.get(kind, kind),
        subtitle="",
        header="",
        reference="",
        lines=tuple(NoticeDocumentLine(line, "field") for line in body.splitlines()),
        signature=(),
    )


def create_notice(
    session: Session, case: Case, kind: str, body_for: Callable[[str], str]
) -> Notice:
    """Write a notice row inside the caller's operation: the number is taken here and
    ``body_for(number)`` gives the text to seal, so number and body are written together."""
    now = session.now()
    row_uuid = new_uuid()
    number = next_number(NOTICE, local_date(now))
    body = body_for(number)
    if not _clean(body):
        raise InvalidInput("通知书内容不能为空")
    return Notice.create(
        uuid=row_uuid,
        key_id=session.keys.current,
        number=number,
        kind=kind,
        case=case,
        issued_at=now,
        issued_by=session.staff_id,
        body_enc=_seal(session, "notice", "body_enc", row_uuid, body),
    )


def find_notice(notice_number: str) -> Notice:
    text = "".join(_clean(notice_number).split()).upper()
    notice = Notice.get_or_none(Notice.number == text) if text else None
    if notice is None:
        raise NotFound(f"没有编号为 {text or '（空）'} 的通知书")
    return notice


def issue_notice(session: Session, case_number: str, kind: str, body_text: str) -> str:
    """Record a notice given as plain text, sealed and never changed afterwards; returns
    its number. Notices filled from the case go through store.case_notices instead."""
    if kind not in NOTICE_KINDS:
        raise InvalidInput(f"未知的通知书类别：{kind}")
    if not _clean(body_text):
        raise InvalidInput("通知书内容不能为空")
    with operation(session, "notice.issue", roles=WORK_ROLES, record_table="notice") as event:
        case = _case(case_number)
        notice = create_notice(session, case, kind, lambda _number: body_text)
        event.record_id = notice.uuid
        event.detail = {"number": notice.number, "case": case.number, "kind": kind}
        return notice.number


def notice_text(session: Session, notice_number: str) -> str:
    """The text of an issued notice, exactly as it was issued (plain text)."""
    with operation(session, "notice.view", roles=DATA_ROLES, record_table="notice") as event:
        notice = find_notice(notice_number)
        event.record_id, event.detail = notice.uuid, {"number": notice.number}
        body = session.keys.open_text("notice", "body_enc", notice.uuid, notice.body_enc) or ""
    return notice_from_body(notice.kind, body).text() if _structured(body) else body


def pending_refusals(session: Session) -> list[tuple[int, str, str]]:
    """否定报备 waiting for the supervisor: (id, case number, kind label)."""
    with operation(session, "refusal.list", roles=SUPERVISOR_ROLES, record_table="refusal") as ev:
        rows = [
            (r.id, r.case.number, REFUSAL_KINDS.get(r.kind, r.kind))
            for r in Refusal.select().where(Refusal.state == "pending").order_by(Refusal.at)
        ]
        ev.detail = {"count": len(rows)}
        return rows


def review_refusal(session: Session, refusal_id: int, *, note: str = "") -> None:
    """The supervisor reviews a 否定报备 record."""
    with operation(
        session, "refusal.review", roles=SUPERVISOR_ROLES, record_table="refusal"
    ) as event:
        row = Refusal.get_or_none(Refusal.id == refusal_id)
        if row is None:
            raise NotFound(f"没有编号为 {refusal_id} 的否定报备")
        if row.state == "reviewed":
            raise InvalidInput("该否定报备已审核")
        keys = session.keys
        reasons = keys.open("refusal", "reasons_enc", row.uuid, row.reasons_enc)
        row.reasons_enc = keys.seal("refusal", "reasons_enc", row.uuid, reasons)
        row.review_note_enc = keys.seal(
            "refusal", "review_note_enc", row.uuid, _clean(note) or None
        )
        row.key_id = keys.current
        row.state, row.reviewed_by, row.reviewed_at = "reviewed", session.staff_id, session.now()
        row.save()
        event.record_id, event.detail = row.uuid, {"case": row.case.number}


__all__ = [
    "NOTICE_FORMAT",
    "NOTICE_KINDS",
    "TOLERANCE",
    "CaseDetail",
    "CaseResult",
    "ProxyInput",
    "TransitionRefused",
    "accept_case",
    "approve_extension",
    "case_detail",
    "close_case",
    "complete_subtask",
    "create_notice",
    "expire_tolerance",
    "find_notice",
    "forward_progress",
    "issue_notice",
    "notice_body",
    "notice_from_body",
    "notice_text",
    "pending_refusals",
    "propose",
    "record_visit",
    "refuse_case",
    "reject_extension",
    "request_extension",
    "request_supplement",
    "return_case",
    "review_refusal",
    "supplement",
    "withdraw_case",
]
