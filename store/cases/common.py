"""What every case operation shares: finding the case, its materials, the facts the rules
look at, asking policies.lifecycle before acting, moving between states, sealing."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from policies.cases import STATES, MaterialStatus, TransitionError, check_transition
from policies.lifecycle import Action, CaseFacts, check_action
from store import row_macs
from store.clock import local_date
from store.cover import acting_for
from store.errors import InvalidInput, NotFound, Refused
from store.isolation import for_update
from store.models import Case, Inquiry, Refusal, SubTask, new_uuid
from store.roles import SUPERVISOR_ROLES
from store.session import Session


class TransitionRefused(Refused):
    """A move the case rules forbid (policies.lifecycle): the message says why, in Chinese."""


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


def count_due(session: Session, start: dt.date, limit: int | None):
    """(due date, provisional) of ``limit`` working days counted after ``start``; (None,
    False) without a limit. Provisional: counted through a year the calendar lacks."""
    if limit is None:
        return None, False
    due = session.register.calendar.due(start, limit, allow_provisional=True)
    return due.date, due.provisional


def find_by_number(model, number: str, label: str, what: str, *, lock: bool = False):
    """The row of ``model`` with this number (typed with spaces or in lower case too), or
    NotFound: 「没有{label}为 … 的{what}」. ``lock``: locked until COMMIT, for an operation
    that changes it beside others (store.isolation)."""
    text = "".join(clean(number).split()).upper()
    query = model.select().where(model.number == text)
    row = (for_update(query) if lock else query).first() if text else None
    if row is None:
        raise NotFound(f"没有{label}为 {text or '（空）'} 的{what}")
    return row


def clean(text: str | None) -> str:
    return (text or "").strip()


def today(session: Session) -> dt.date:
    return local_date(session.now())


def find_case(number: str, *, lock: bool = False) -> Case:
    return find_by_number(Case, number, "办件号", "办件", lock=lock)


def materials(case: Case) -> list[dict]:
    return json.loads(case.materials or "[]")


def outstanding(case: Case) -> list[str]:
    return [m["name"] for m in materials(case) if m.get("status") != MaterialStatus.PRESENT]


def open_subtasks(case: Case) -> tuple[str, ...]:
    """The windows whose part of a 联办件 is still open (names)."""
    if case.kind != "joint":
        return ()
    return tuple(
        s.window.name
        for s in SubTask.select()
        .where((SubTask.case == case) & (SubTask.state == "open"))
        .order_by(SubTask.id)
    )


def facts(case: Case) -> CaseFacts:
    """What policies.lifecycle looks at, read from the register."""
    return CaseFacts(
        kind=case.kind,
        state=case.state,
        tolerance=bool(case.tolerance),
        owed=tuple(outstanding(case)),
        extension_state=case.extension_state,
        due_date=case.due_date,
        extended_until=case.extended_until,
        open_subtasks=open_subtasks(case),
        renotify=bool(case.renotify),
    )


def check(session: Session, case: Case, action: Action, event: Any = None) -> None:
    """Refuse (TransitionRefused, audited as a refused attempt) unless the rules allow
    ``action`` on the case for this session's role now."""
    if event is not None:
        event.record_id = case.uuid  # the refusal's audit event names the case
        # AB岗: on the case of someone this clerk covers, the event says "B for A".
        event.acting_for = acting_for(session.staff_id, case.accepted_by_id)
    try:
        check_action(facts(case), action, session.role)
    except TransitionError as exc:
        raise TransitionRefused(f"办件 {case.number}：{exc}") from None


def move(session: Session, case: Case, to_state: str) -> None:
    """Change the case's state along the table of policies.cases."""
    try:
        check_transition(
            case.kind, case.state, to_state, by_supervisor=session.role in SUPERVISOR_ROLES
        )
    except TransitionError as exc:
        raise TransitionRefused(f"办件 {case.number}：{exc}") from None
    case.state = to_state
    if STATES[to_state].terminal:
        ended(session, case)


def ended(session: Session, case: Case) -> None:
    """A case has ended: a pending extension lapses (the audit keeps it), and whoever was
    asked first stops following it (督办 lasts until the case ends, seed 000 篇7)."""
    if case.extension_state == "requested":
        case.extension_state, case.extension_requested = "", None
    Inquiry.update(state="closed", closed_at=session.now()).where(
        (Inquiry.case == case.id) & (Inquiry.state == "open")
    ).execute()


def seal(session: Session, table: str, column: str, row_uuid: str, text: str | None):
    return session.keys.seal(table, column, row_uuid, text)


SEALED_CASE_COLUMNS = (
    "notes_enc",
    "result_enc",
    "extension_reason_enc",
    "proxy_name_enc",
    "proxy_id_enc",
    "proxy_phone_enc",
)


def reseal(session: Session, case: Case) -> None:
    """Keep one key id per row: re-seal every sealed column under the current key."""
    keys = session.keys
    for column in SEALED_CASE_COLUMNS:
        sealed = getattr(case, column)
        if sealed is not None:  # (the row as stored is checked when it is saved: row_macs)
            opened = keys.open("case", column, case.uuid, sealed)
            setattr(case, column, keys.seal("case", column, case.uuid, opened))
    case.key_id = keys.current


def register_refusal(
    session: Session, case: Case, kind: str, reasons: str, *, reviewed: bool
) -> None:
    """否定报备: every 退回 / 不予 is registered for the supervisor's review."""
    row_uuid = new_uuid()
    now = session.now()
    row_macs.create(
        session.keys,
        Refusal,
        uuid=row_uuid,
        key_id=session.keys.current,
        case=case,
        kind=kind,
        reasons_enc=seal(session, "refusal", "reasons_enc", row_uuid, reasons),
        at=now,
        by_staff=session.staff_id,
        state="reviewed" if reviewed else "pending",
        reviewed_by=session.staff_id if reviewed else None,
        reviewed_at=now if reviewed else None,
    )


def result(case: Case, notice_kind: str | None = None) -> CaseResult:
    return CaseResult(
        number=case.number,
        kind=case.kind,
        state=case.state,
        due_date=case.due_date,
        due_provisional=bool(case.due_provisional),
        missing_materials=tuple(outstanding(case)),
        notice_kind=notice_kind,
        tolerance=bool(case.tolerance),
        proxy=bool(case.proxy),
    )


def required(text: str | None, what: str) -> str:
    text = clean(text)
    if not text:
        raise InvalidInput(f"{what}不能为空")
    return text
