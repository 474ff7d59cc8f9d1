"""办理中: what happens to a case between acceptance and its end — supplements brought or
asked for, an extension asked for and decided, a 上报件's forwarding and its result, a
联办件's parts, the applicant's visits. Each operation asks policies.lifecycle first."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from policies.cases import MaterialStatus
from policies.deadlines import case_limit_working_days, clock_start
from policies.lifecycle import Action
from store import row_macs
from store.cases.common import (
    CaseResult,
    check,
    clean,
    count_due,
    find_case,
    materials,
    move,
    register_refusal,
    reseal,
    seal,
    today,
)
from store.cases.common import result as case_result
from store.clock import local_date
from store.errors import InvalidInput
from store.models import Case, SubTask, Window
from store.roles import SUPERVISOR_ROLES, WORK_ROLES
from store.session import Session, operation
from store.textguard import fitting

__all__ = [
    "approve_extension",
    "complete_subtask",
    "forward_progress",
    "record_visit",
    "reject_extension",
    "request_extension",
    "request_supplement",
    "supplement",
]


def _due_after(session: Session, case: Case, start: dt.date) -> tuple[dt.date | None, bool]:
    """The case's due date counted from ``start`` with its own limit."""
    limit = case.limit_days
    if limit is None:  # a case registered before limits were stored with it
        limit = case_limit_working_days(
            case.kind, session.register.policy, item_promised_days=case.item.promised_limit_days
        )
    return count_due(session, start, limit)


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
    brought = [clean(n) for n in materials_now_present if clean(n)]
    omitted = [clean(n) for n in omitted if clean(n)]
    if not brought and not omitted:
        raise InvalidInput("请选择本次补交的材料")
    day = today(session)
    with operation(session, "case.supplement", roles=WORK_ROLES, record_table="case") as event:
        case = find_case(number)
        check(session, case, Action.SUPPLEMENT, event)
        listed = materials(case)
        names = {m["name"] for m in listed}
        again = [n for n in omitted if n in names]
        if again:
            raise InvalidInput(f"材料「{'、'.join(again)}」已在告知清单中，不是遗漏")
        for name in dict.fromkeys(omitted):
            listed.append(
                {"name": name, "main": False, "status": MaterialStatus.MISSING, "omitted": True}
            )
        owed = {m["name"] for m in listed if m["status"] != MaterialStatus.PRESENT}
        wrong = [n for n in brought if n not in owed]
        if wrong:
            raise InvalidInput(f"材料「{'、'.join(wrong)}」不在待补材料中")
        for m in listed:
            if m["name"] in brought:
                m["status"] = MaterialStatus.PRESENT
        case.materials = json.dumps(listed, ensure_ascii=False)
        if omitted:
            case.omission = True
        days = json.loads(case.supplements or "[]")
        if brought:
            # Materials entered twice on one day are one visit (跑动次数 counts visits).
            if day.isoformat() not in days:
                case.trips += 1
            days.append(day.isoformat())
        case.supplements = json.dumps(days)
        complete = all(m["status"] == MaterialStatus.PRESENT for m in listed)
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
                case.due_date, case.due_provisional = _due_after(session, case, start)
            if complete:
                move(session, case, "in_progress")
        elif complete and case.proposed_action == "withdraw":
            case.proposed_action = ""
        case.updated_at = session.now()
        row_macs.save(session, case)
        event.detail = {
            "number": case.number,
            "brought": len(brought),
            "omitted": len(omitted),
            "complete": complete,
            "state": case.state,
        }
        return case_result(case)


def request_supplement(session: Session, number: str, missing: Iterable[str]) -> CaseResult:
    """通知补正 after acceptance (also 上级要求补正 for a forwarded case): the named materials
    are owed again, the clock stops until they are in."""
    names = [clean(n) for n in missing if clean(n)]
    if not names:
        raise InvalidInput("须列明需补正的全部材料")
    with operation(
        session, "case.request_supplement", roles=WORK_ROLES, record_table="case"
    ) as event:
        case = find_case(number)
        check(session, case, Action.REQUEST_SUPPLEMENT, event)
        move(session, case, "awaiting_supplement")
        listed = materials(case)
        known = {m["name"] for m in listed}
        for m in listed:
            if m["name"] in names:
                m["status"] = MaterialStatus.NOT_BROUGHT
        for name in dict.fromkeys(n for n in names if n not in known):
            listed.append({"name": name, "main": False, "status": MaterialStatus.NOT_BROUGHT})
        case.materials = json.dumps(listed, ensure_ascii=False)
        case.clock_start, case.due_date, case.due_provisional = None, None, False
        case.updated_at = session.now()
        row_macs.save(session, case)
        event.detail = {"number": case.number, "missing": len(names)}
        return case_result(case)


def request_extension(session: Session, number: str, *, reason: str, new_date: dt.date) -> None:
    """申请延期: a reason and the new date, a working day (provisionally in a year the
    calendar lacks); waits for the supervisor (approve_extension)."""
    reason = clean(reason)
    if not reason:
        raise InvalidInput("延期理由不能为空")
    day = today(session)
    with operation(
        session, "case.extension.request", roles=WORK_ROLES, record_table="case"
    ) as event:
        case = find_case(number)
        check(session, case, Action.EXTEND, event)
        if new_date < day:
            raise InvalidInput("延期后的办结日期不能早于今天")
        if case.due_date is not None and new_date <= case.due_date:
            raise InvalidInput(f"延期后的办结日期须晚于原期限 {case.due_date:%Y-%m-%d}")
        problem = session.register.calendar.workday_problem(new_date, "延期后的办结日期")
        if problem:
            raise InvalidInput(problem)
        case.extension_state = "requested"
        case.extension_requested = new_date
        case.extension_reason_enc = seal(session, "case", "extension_reason_enc", case.uuid, reason)
        reseal(session, case)
        case.updated_at = session.now()
        row_macs.save(session, case)
        event.detail = {"number": case.number, "until": str(new_date)}


def approve_extension(session: Session, number: str) -> dt.date:
    """The supervisor approves the extension: the due date moves (an event, not a state)."""
    with operation(
        session, "case.extension.approve", roles=SUPERVISOR_ROLES, record_table="case"
    ) as event:
        case = find_case(number)
        check(session, case, Action.APPROVE_EXTENSION, event)
        reason = row_macs.open_text(session.keys, case, "extension_reason_enc")
        if not clean(reason):
            raise InvalidInput("延期须写明理由，并书面告知申请人原因和新的办结日期")
        case.extended_from = case.due_date
        case.due_date = case.extended_until = case.extension_requested
        case.due_provisional = not session.register.calendar.is_covered(case.due_date.year)
        case.extension_requested = None
        case.extension_state = "approved"
        case.extension_approved_by = session.staff_id
        case.updated_at = session.now()
        row_macs.save(session, case)
        event.detail = {"number": case.number, "until": str(case.due_date)}
        return case.due_date


def reject_extension(session: Session, number: str) -> None:
    """The supervisor refuses the extension: the due date stays."""
    with operation(
        session, "case.extension.reject", roles=SUPERVISOR_ROLES, record_table="case"
    ) as event:
        case = find_case(number)
        check(session, case, Action.REJECT_EXTENSION, event)
        case.extension_state, case.extension_requested = "rejected", None
        case.updated_at = session.now()
        row_macs.save(session, case)
        event.detail = {"number": case.number}


def forward_progress(
    session: Session,
    number: str,
    *,
    reference: str,
    result: str | None = None,
    granted: bool | None = None,
) -> CaseResult:
    """上报件: record the forwarding (the authority's reference) and, later, its result —
    the only way a 上报件 ends done (准予, or 不予: registered for review, 否定报备)."""
    reference = fitting(clean(reference), 64, "上级受理文号")
    outcome = clean(result) or None
    if outcome is not None and granted is None:
        raise InvalidInput("登记上级办理结果须写明准予或不予")
    with operation(session, "case.forward", roles=WORK_ROLES, record_table="case") as event:
        case = find_case(number)
        check(session, case, Action.FORWARD, event)
        now = session.now()
        if case.state in ("accepted", "in_progress"):
            if not reference:
                raise InvalidInput("上报须登记上级受理的文号或编号")
            move(session, case, "forwarded")
            case.forwarded_at = now
        elif not reference and outcome is None:
            raise InvalidInput("请填写上级受理文号或上级办理结果")
        if reference:
            case.forward_reference = reference
        if outcome is not None:
            move(session, case, "done")
            case.granted = bool(granted)
            text = f"{'准予' if granted else '不予'}：{outcome}"
            case.result_enc = seal(session, "case", "result_enc", case.uuid, text)
            reseal(session, case)
            case.closed_at = now
            if not granted:  # 不予核准 by the higher authority: registered too (否定报备)
                register_refusal(session, case, "not_granted", outcome, reviewed=False)
        case.updated_at = now
        row_macs.save(session, case)
        event.detail = {"number": case.number, "state": case.state}
        return case_result(case)


def complete_subtask(session: Session, number: str, window_code: str) -> int:
    """A participating window finishes its part of a 联办件; returns the parts still open."""
    with operation(session, "case.subtask", roles=WORK_ROLES, record_table="case") as event:
        case = find_case(number)
        check(session, case, Action.SUBTASK, event)
        window = Window.get_or_none(Window.code == clean(window_code))
        task = (
            SubTask.get_or_none((SubTask.case == case) & (SubTask.window == window))
            if window
            else None
        )
        if task is None:
            raise InvalidInput(f"窗口 {clean(window_code)} 不是办件 {case.number} 的协办窗口")
        if task.state == "done":
            raise InvalidInput(f"{window.name}的协办部分已完成")
        task.state, task.completed_at, task.completed_by = "done", session.now(), session.staff_id
        task.save()
        left = SubTask.select().where((SubTask.case == case) & (SubTask.state == "open")).count()
        event.detail = {"number": case.number, "window": window.code, "open": left}
        return left


def record_visit(session: Session, number: str) -> int:
    """One more visit of the applicant on this case (跑动次数); returns the count."""
    with operation(session, "case.visit", roles=WORK_ROLES, record_table="case") as event:
        case = find_case(number)
        check(session, case, Action.VISIT, event)
        case.trips += 1
        case.updated_at = session.now()
        row_macs.save(session, case)
        event.detail = {"number": case.number, "trips": case.trips}
        return case.trips
