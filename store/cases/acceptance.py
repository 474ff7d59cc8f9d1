"""受理 (六件管理): the kind the store proposes for the materials checked, the preview the
counter shows while the clerk ticks materials, and the case registered once the clerk
confirms a kind. The rules are policies.acceptance's; this module reads the item and the
applicant, counts the due date and writes the case in one operation."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from policies.acceptance import (
    TOLERANCE,
    acceptable_kinds,
    check_acceptance,
    choice_label,
    commitment_problem,
    counts_from_acceptance,
)
from policies.cases import (
    AUTHORITIES,
    MATERIAL_STATUSES,
    Kind,
    KindProposal,
    MaterialCheck,
    MaterialStatus,
    TransitionError,
    initial_state,
    propose_kind,
)
from policies.deadlines import case_limit_working_days
from policies.errors import PolicyError
from store import row_macs
from store.cases.common import (
    CaseResult,
    clean,
    count_due,
    register_refusal,
    result,
    seal,
    today,
)
from store.errors import InvalidInput, NotFound
from store.inquiries import check_own_item, check_phone
from store.isolation import for_update
from store.models import Case, Inquiry, Person, ServiceItem, SubTask, Window, new_uuid
from store.numbers import CASE
from store.roles import WORK_ROLES
from store.session import Session, operation

__all__ = [
    "TOLERANCE",
    "AcceptancePreview",
    "ProxyInput",
    "accept_case",
    "acceptance_preview",
    "propose",
]

#: The notice to issue on acceptance, per kind (容缺受理 issues "tolerance").
_ACCEPT_NOTICE = {
    Kind.IMMEDIATE: None,
    Kind.PROMISED: "acceptance",
    Kind.SUPPLEMENT: "supplement",
    Kind.RETURNED: "return",
    Kind.JOINT: "joint",
    Kind.ESCALATED: "escalated",
}


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
class AcceptancePreview:
    """The proposal for the checklist as it stands, and what the clerk may choose."""

    proposed: str  # a kind, or TOLERANCE for 容缺受理 on the kind ``base``
    base: str
    reasons: tuple[str, ...]
    to_bring: tuple[str, ...]
    candidates: tuple[str, ...]  # the proposal first, then the other choices allowed
    #: choice → (due date, provisional); (None, False) where the clock does not start now
    dues: Mapping[str, tuple[dt.date | None, bool]] = field(default_factory=dict)
    #: 容缺: the latest commitment date to suggest (policy days, not after the due date)
    commitment_by: dt.date | None = None
    commitment_provisional: bool = False

    @property
    def label(self) -> str:
        if self.proposed == TOLERANCE:
            return f"{choice_label(self.base)}（容缺受理）"
        return choice_label(self.proposed)


# --- reading the item and the checklist ---------------------------------------------------


def _item(item_code: str) -> ServiceItem:
    code = clean(item_code)
    row = ServiceItem.get_or_none(ServiceItem.code == code) if code else None
    if row is None or not row.active:
        raise InvalidInput(f"未知的服务事项：{code or '（空）'}")
    return row


def _spec(item: ServiceItem) -> dict:
    return json.loads(item.spec)


def _checks(item: ServiceItem, statuses: Mapping[str, str]) -> list[MaterialCheck]:
    """The item's checklist with the statuses given; every item material must be checked."""
    listed = _spec(item).get("materials") or []
    if listed and not statuses:
        raise InvalidInput("材料清单不能为空：请逐项核对本事项所需材料")
    names = {m["name"] for m in listed}
    unknown = [n for n in statuses if n not in names]
    if unknown:
        raise InvalidInput(f"材料「{'、'.join(unknown)}」不是本事项所需材料")
    unchecked = [m["name"] for m in listed if m["name"] not in statuses]
    if unchecked:
        raise InvalidInput(f"材料「{'、'.join(unchecked)}」尚未核对（请选择已带来、未带来或没有）")
    for name, status in statuses.items():
        if status not in MATERIAL_STATUSES:
            raise InvalidInput(f"材料「{name}」的状态无效：{status}")
    return [MaterialCheck(m["name"], bool(m["main"]), statuses[m["name"]]) for m in listed]


def _windows(codes: Iterable[str] | None) -> list[Window]:
    found: list[Window] = []
    for code in codes or ():
        row = Window.get_or_none(Window.code == clean(code))
        if row is None or not row.active:
            raise InvalidInput(f"未知的窗口：{clean(code) or '（空）'}")
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


def _complete_kind(session: Session, item, checks, participants) -> str:
    """The kind the proposal would be with every material present (容缺 takes it)."""
    everything = [MaterialCheck(c.name, c.main, MaterialStatus.PRESENT) for c in checks]
    return _proposal(session, item, everything, participants).kind


def _limit(session: Session, kind: str, item: ServiceItem) -> int | None:
    return case_limit_working_days(
        kind, session.register.policy, item_promised_days=item.promised_limit_days
    )


# --- the counter's preview ----------------------------------------------------------------


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


def acceptance_preview(
    session: Session, item_code: str, materials: Mapping[str, str]
) -> AcceptancePreview:
    """What the counter shows while the clerk checks materials: the proposal, the choices
    the store will accept, the due date each would give today, and the latest 容缺
    commitment date to suggest. Nothing is written."""
    item = _item(item_code)
    checks = _checks(item, materials)
    participants = _participants(item, None)
    proposal = _proposal(session, item, checks, participants)
    day = today(session)
    calendar, policy = session.register.calendar, session.register.policy
    dues: dict[str, tuple[dt.date | None, bool]] = {}
    for choice in acceptable_kinds(proposal):
        kind = proposal.kind if choice == TOLERANCE else choice
        limit = _limit(session, kind, item) if counts_from_acceptance(kind) else None
        dues[choice] = count_due(session, day, limit)
    commitment_by, commitment_provisional = None, False
    if proposal.tolerance:
        latest = calendar.due(day, policy.tolerance.commitment_working_days, allow_provisional=True)
        due, due_provisional = dues[TOLERANCE]
        if due is not None and due < latest.date:
            commitment_by, commitment_provisional = due, due_provisional
        else:
            commitment_by, commitment_provisional = latest.date, latest.provisional
    return AcceptancePreview(
        TOLERANCE if proposal.tolerance else proposal.kind,
        proposal.kind,
        tuple(r for r in proposal.reasons if r),
        proposal.to_bring,
        acceptable_kinds(proposal),
        dues,
        commitment_by,
        commitment_provisional,
    )


# --- accepting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What the case will be, decided before anything is written."""

    kind: Kind
    tolerance: bool
    limit: int | None
    due: dt.date | None
    provisional: bool
    commitment: dt.date | None
    return_reasons: str | None
    forward_by: dt.date | None
    proposed: str


def _plan(
    session: Session,
    item: ServiceItem,
    checks: list[MaterialCheck],
    participants: list[Window],
    *,
    choice: str,
    commitment: dt.date | None,
    joint_windows: Iterable[str] | None,
    return_reasons: str | None,
    forward_by: dt.date | None,
) -> _Plan:
    day = today(session)
    spec = _spec(item)
    try:
        accepted = check_acceptance(
            choice,
            checks,
            complete_kind=_complete_kind(session, item, checks, participants),
            authority=spec.get("authority", "township"),
            item_tolerance_allowed=bool(spec.get("tolerance_allowed")),
            participants=len(participants),
            policy=session.register.policy,
        )
    except TransitionError as exc:
        raise InvalidInput(str(exc)) from None
    kind = accepted.kind
    if kind != Kind.JOINT and joint_windows:
        raise InvalidInput("只有联办件才指定协办窗口")
    limit = _limit(session, kind, item)
    due, provisional = count_due(session, day, limit if counts_from_acceptance(kind) else None)
    if accepted.tolerance:
        if commitment is None:
            raise InvalidInput("容缺受理须填写申请人承诺补齐材料的日期")
        problem = commitment_problem(
            commitment, today=day, due=due, calendar=session.register.calendar
        )
        if problem:
            raise InvalidInput(problem)
    elif commitment is not None:
        raise InvalidInput("只有容缺受理才填写承诺补齐日期")
    if kind == Kind.RETURNED:
        text = clean(return_reasons)
        if not text:
            raise InvalidInput("退回原因不能为空")
        return_reasons = text
    if forward_by is not None:
        if kind != Kind.ESCALATED:
            raise InvalidInput("只有上报件才填写上报时间")
        if forward_by < day:
            raise InvalidInput("承诺的上报日期不能早于今天")
    return _Plan(
        kind,
        accepted.tolerance,
        limit,
        due,
        provisional,
        commitment if accepted.tolerance else None,
        return_reasons if kind == Kind.RETURNED else None,
        (forward_by or due) if kind == Kind.ESCALATED else None,
        _proposal(session, item, checks, participants).kind,
    )


def _proxy_id(proxy: ProxyInput | None, day: dt.date) -> str | None:
    """The 代办人's ID number, checked (a resident ID is validated and normalised)."""
    if proxy is None:
        return None
    if not clean(proxy.name):
        raise InvalidInput("代办人姓名不能为空")
    number = clean(proxy.id_number)
    if not number:
        raise InvalidInput("代办须登记代办人的证件号码")
    if proxy.id_type == "resident":
        from policies.idnumber import validate_resident_id

        try:
            number = validate_resident_id(number, today=day).number
        except PolicyError as exc:
            raise InvalidInput(f"代办人证件有误：{exc}") from None
    check_phone(proxy.phone, "代办人")
    return number


def _open_inquiry(number: str) -> Inquiry:
    """The 首问登记 a case is accepted from: open, without a case, meant for acceptance."""
    inquiry = for_update(Inquiry.select().where(Inquiry.number == clean(number).upper())).first()
    if inquiry is None:
        raise NotFound(f"没有登记号为 {clean(number)} 的首问登记")
    if inquiry.state != "open" or inquiry.case_id is not None:
        raise InvalidInput(f"首问登记 {inquiry.number} 已办结，不能再受理")
    if inquiry.disposition not in ("accepted", "referred"):
        raise InvalidInput(f"首问登记 {inquiry.number} 不是待受理的事项")
    return inquiry


def _applicant(person_uuid: str | None) -> Person:
    person = Person.get_or_none(Person.uuid == clean(person_uuid)) if person_uuid else None
    if person is None:
        raise InvalidInput("请先读取身份证或登记申请人")
    return person


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
    A referred matter (转办) stays followed by whoever was asked first until the case ends.
    """
    item = _item(item_code)
    check_own_item(session, item)
    person = _applicant(person_uuid)
    checks = _checks(item, materials)
    participants = _participants(item, joint_windows)
    plan = _plan(
        session,
        item,
        checks,
        participants,
        choice=kind,
        commitment=tolerance_commitment_date,
        joint_windows=joint_windows,
        return_reasons=return_reasons,
        forward_by=forward_by,
    )
    proxy_id = _proxy_id(proxy, today(session))
    with operation(
        session, "case.accept", roles=WORK_ROLES, record_table="case", concurrent=True
    ) as event:
        # Read and locked inside the writing transaction: two counters cannot both accept
        # one inquiry (the second reads it again once the first has committed).
        inquiry = _open_inquiry(inquiry_number) if inquiry_number else None
        case = _create(session, item, person, checks, participants, plan, proxy, proxy_id)
        if inquiry is not None:
            inquiry.case = case
            # 转办: whoever was asked first follows it (督办) until the case ends.
            if inquiry.disposition != "referred" or case.closed_at is not None:
                inquiry.state, inquiry.closed_at = "closed", case.received_at
            row_macs.save(session, inquiry)  # what changed only
        event.record_id = case.uuid
        event.detail = {
            "number": case.number,
            "kind": plan.kind,
            "state": case.state,
            "tolerance": plan.tolerance,
            "proxy": proxy is not None,
            "proposed": plan.proposed,
        }
    return result(case, "tolerance" if plan.tolerance else _ACCEPT_NOTICE[plan.kind])


def _create(
    session: Session,
    item: ServiceItem,
    person: Person,
    checks: list[MaterialCheck],
    participants: list[Window],
    plan: _Plan,
    proxy: ProxyInput | None,
    proxy_id: str | None,
) -> Case:
    keys = session.keys
    now = session.now()
    day = today(session)
    row_uuid = new_uuid()
    joint = plan.kind == Kind.JOINT
    case = row_macs.create(
        keys,
        Case,
        uuid=row_uuid,
        key_id=keys.current,
        numbered=(CASE, day),
        item=item,
        window=item.window_id,
        person=person,
        kind=plan.kind,
        state=initial_state(plan.kind),
        proxy=proxy is not None,
        tolerance=plan.tolerance,
        received_at=now,
        clock_start=day if counts_from_acceptance(plan.kind) else None,
        limit_days=plan.limit,
        due_date=plan.due,
        due_provisional=plan.provisional,
        tolerance_due=plan.commitment,
        accepted_by=session.staff_id,
        handler=session.staff_id,
        acting_for=session.acting_for,
        lead_window=item.window_id if joint else None,
        windows_involved=json.dumps(
            [item.window.code, *(w.code for w in participants)] if joint else []
        ),
        materials=json.dumps(
            [{"name": c.name, "main": c.main, "status": c.status} for c in checks],
            ensure_ascii=False,
        ),
        forwarded_to=(
            f"{AUTHORITIES.get(_spec(item).get('authority'), '上级')}主管部门"
            if plan.kind == Kind.ESCALATED
            else ""
        ),
        forward_by=plan.forward_by,
        result_enc=seal(session, "case", "result_enc", row_uuid, plan.return_reasons),
        proxy_name_enc=seal(
            session, "case", "proxy_name_enc", row_uuid, clean(proxy.name) if proxy else None
        ),
        proxy_id_enc=seal(session, "case", "proxy_id_enc", row_uuid, proxy_id),
        proxy_phone_enc=seal(
            session,
            "case",
            "proxy_phone_enc",
            row_uuid,
            (clean(proxy.phone) or None) if proxy else None,
        ),
        closed_at=now if plan.kind == Kind.RETURNED else None,
        updated_at=now,
    )
    for window in participants if joint else ():
        SubTask.create(case=case, window=window)
    if plan.kind == Kind.RETURNED:
        register_refusal(session, case, "returned", plan.return_reasons or "", reviewed=False)
    return case
