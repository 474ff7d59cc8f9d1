"""办结 and the other ends of a case: 办结 with its result, 转退回, 不予受理 (the
supervisor's), 撤回/退件, and the 退件 the daily job proposes for an overdue 容缺 material.
Each asks policies.lifecycle first; every refusal is registered for review (否定报备)."""

from __future__ import annotations

import datetime as dt

from policies.cases import STATES
from policies.lifecycle import Action
from store import row_macs
from store.cases.common import (
    CaseResult,
    check,
    find_case,
    move,
    outstanding,
    register_refusal,
    required,
    reseal,
    result,
    seal,
    today,
)
from store.models import Case
from store.roles import SUPERVISOR_ROLES, WORK_ROLES
from store.session import Session, operation

__all__ = ["close_case", "expire_tolerance", "refuse_case", "return_case", "withdraw_case"]


def close_case(session: Session, number: str, *, granted: bool, reasons: str) -> CaseResult:
    """办结 with the result: 准予 (granted) or 不予 (a 否定报备 record for the supervisor).
    A case still 已受理 passes through 办理中 (it was reviewed); a 上报件 ends through
    forward_progress (the higher authority's result)."""
    reasons = required(reasons, "办理结果和理由")
    with operation(
        session, "case.close", roles=WORK_ROLES, record_table="case", concurrent=True
    ) as event:
        case = find_case(number, lock=True)  # a second 办结 at once waits, then is refused
        check(session, case, Action.CLOSE, event)
        if case.state == "accepted" and case.kind != "immediate":
            move(session, case, "in_progress")
        move(session, case, "done")
        now = session.now()
        case.granted = bool(granted)
        text = f"{'准予' if granted else '不予'}：{reasons}"
        case.result_enc = seal(session, "case", "result_enc", case.uuid, text)
        case.closed_at = case.updated_at = now
        reseal(session, case)
        row_macs.save(session, case)
        if not granted:
            register_refusal(session, case, "not_granted", reasons, reviewed=False)
        event.detail = {"number": case.number, "granted": bool(granted)}
        return result(case)


def _terminate(
    session: Session, number: str, action: Action, to_state: str, reasons: str, audit: str
) -> CaseResult:
    with operation(session, audit, roles=WORK_ROLES, record_table="case") as event:
        case = find_case(number)
        check(session, case, action, event)
        move(session, case, to_state)
        now = session.now()
        case.result_enc = seal(session, "case", "result_enc", case.uuid, reasons)
        reseal(session, case)
        case.closed_at = case.updated_at = now
        case.proposed_action = ""
        row_macs.save(session, case)
        if to_state in ("returned", "refused"):
            register_refusal(
                session, case, to_state, reasons, reviewed=session.role in SUPERVISOR_ROLES
            )
        event.detail = {"number": case.number, "state": to_state}
        return result(case)


def return_case(session: Session, number: str, *, reasons: str) -> CaseResult:
    """转退回: written reasons; registered for the supervisor's review (否定报备)."""
    reasons = required(reasons, "退回原因")
    return _terminate(session, number, Action.RETURN, "returned", reasons, "case.return")


def refuse_case(session: Session, number: str, *, reasons: str) -> CaseResult:
    """不予受理: only the supervisor (a clerk may not refuse alone, seed 003 篇5)."""
    reasons = required(reasons, "不予受理理由")
    return _terminate(session, number, Action.REFUSE, "refused", reasons, "case.refuse")


def withdraw_case(session: Session, number: str, *, reasons: str) -> CaseResult:
    """撤回 / 退件: the applicant withdraws, or a promised material was not brought."""
    reasons = required(reasons, "撤回原因")
    return _terminate(session, number, Action.WITHDRAW, "withdrawn", reasons, "case.withdraw")


def expire_tolerance(session: Session, day: dt.date | None = None) -> tuple[str, ...]:
    """容缺 cases past their commitment date with the material still missing: 退件 is
    proposed (视为放弃申请, seed 002 附件8); the clerk confirms with withdraw_case."""
    day = day or today(session)
    open_states = [s for s, st in STATES.items() if not st.terminal]
    with operation(session, "case.tolerance.expire", roles=WORK_ROLES, record_table="case") as ev:
        found = []
        for case in Case.select().where(
            Case.tolerance
            & Case.state.in_(open_states)
            & (Case.tolerance_due < day)
            & (Case.proposed_action == "")
        ):
            if outstanding(case):
                case.proposed_action = "withdraw"
                case.updated_at = session.now()
                row_macs.save(session, case)
                found.append(case.number)
        ev.detail = {"proposed": len(found)}
        return tuple(found)
