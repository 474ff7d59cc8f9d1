"""否定报备: every 退回 / 不予受理 / 不予核准 waits for the supervisor's review, who agrees
(同意) or overturns it (改判, with a comment); either decision is recorded on the row and in
the audit chain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from policies.masking import mask_name
from store import row_macs
from store.cases.common import clean
from store.clock import to_local
from store.errors import InvalidInput, NotFound
from store.models import Case, Refusal, Staff
from store.roles import SUPERVISOR_ROLES
from store.session import Session, operation

__all__ = [
    "REFUSAL_DECISIONS",
    "REFUSAL_KINDS",
    "RefusalView",
    "pending_refusals",
    "read_pending_refusals",
    "refusals_to_review",
    "review_refusal",
]

REFUSAL_KINDS = {"returned": "退回", "refused": "不予受理", "not_granted": "不予核准"}
#: The supervisor's decision on a 否定报备.
REFUSAL_DECISIONS = {"agreed": "同意", "overturned": "改判"}


@dataclass(frozen=True)
class RefusalView:
    """A 否定报备 waiting for review, with what the supervisor needs to decide."""

    id: int
    case_number: str
    kind: str
    kind_label: str
    at: dt.datetime  # hall time
    clerk_number: str
    clerk_name: str  # masked (王*英)
    #: The reasons the clerk gave (free text: may name people). Left out of repr.
    reason: str = field(repr=False)


def pending_refusals(session: Session) -> list[tuple[int, str, str]]:
    """否定报备 waiting for the supervisor: (id, case number, kind label)."""
    with operation(session, "refusal.list", roles=SUPERVISOR_ROLES, record_table="refusal") as ev:
        rows = [
            (r.id, r.case.number, REFUSAL_KINDS.get(r.kind, r.kind))
            for r in Refusal.select().where(Refusal.state == "pending").order_by(Refusal.at)
        ]
        ev.detail = {"count": len(rows)}
        return rows


def read_pending_refusals(session: Session, *, limit: int) -> tuple[int, list[RefusalView]]:
    """Inside an operation: (how many wait, the oldest ``limit`` with their reasons)."""
    pending = Refusal.state == "pending"
    total = Refusal.select().where(pending).count()
    rows = list(
        Refusal.select(
            Refusal.kind,
            Refusal.at,
            Refusal.by_staff,
            Case.number.alias("case_number"),
            *row_macs.fields(Refusal),
        )
        .join(Case, on=Refusal.case == Case.id)
        .where(pending)
        .order_by(Refusal.at, Refusal.id)
        .limit(limit)
        .objects()
    )
    clerks = {
        s.id: s
        for s in Staff.select(Staff.number, *row_macs.fields(Staff)).where(
            Staff.id.in_(list({r.by_staff_id for r in rows}))
        )
    }
    keys = session.keys

    def clerk_name(staff_id: int) -> str:
        return mask_name(row_macs.open_text(keys, clerks[staff_id], "name_enc") or "")

    views = [
        RefusalView(
            id=r.id,
            case_number=r.case_number,
            kind=r.kind,
            kind_label=REFUSAL_KINDS.get(r.kind, r.kind),
            at=to_local(r.at),
            clerk_number=clerks[r.by_staff_id].number,
            clerk_name=clerk_name(r.by_staff_id),
            reason=row_macs.open_text(keys, r, "reasons_enc") or "",
        )
        for r in rows
    ]
    return total, views


def refusals_to_review(session: Session, *, limit: int = 20) -> tuple[int, list[RefusalView]]:
    """否定报备 waiting for the supervisor: how many, and the oldest ``limit`` with the
    case, the kind, the clerk (masked) and the reasons given."""
    with operation(session, "refusal.list", roles=SUPERVISOR_ROLES, record_table="refusal") as ev:
        total, views = read_pending_refusals(session, limit=limit)
        ev.detail = {"count": total}
        return total, views


def review_refusal(
    session: Session, refusal_id: int, *, note: str = "", decision: str = "agreed"
) -> None:
    """The supervisor reviews a 否定报备: agrees (同意, the note optional) or overturns it
    (改判: the note, why, is required)."""
    if decision not in REFUSAL_DECISIONS:
        raise InvalidInput(f"未知的审核结论：{decision}（可选：同意、改判）")
    note = clean(note)
    if decision == "overturned" and not note:
        raise InvalidInput("改判须写明审核意见")
    with operation(
        session, "refusal.review", roles=SUPERVISOR_ROLES, record_table="refusal"
    ) as event:
        row = Refusal.get_or_none(Refusal.id == refusal_id)
        if row is None:
            raise NotFound(f"没有编号为 {refusal_id} 的否定报备")
        if row.state == "reviewed":
            raise InvalidInput("该否定报备已审核")
        keys = session.keys
        reasons = row_macs.open_bytes(keys, row, "reasons_enc")
        row.reasons_enc = keys.seal("refusal", "reasons_enc", row.uuid, reasons)
        row.review_note_enc = keys.seal("refusal", "review_note_enc", row.uuid, note or None)
        row.key_id = keys.current
        row.state, row.reviewed_by, row.reviewed_at = "reviewed", session.staff_id, session.now()
        row.decision = decision
        row_macs.save(keys, row)
        event.record_id = row.uuid
        event.detail = {"case": row.case.number, "decision": decision}
