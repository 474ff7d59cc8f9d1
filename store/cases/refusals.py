"""否定报备: every 退回 / 不予受理 / 不予核准 waits for the supervisor's review."""

from __future__ import annotations

from store.cases.common import clean
from store.errors import InvalidInput, NotFound
from store.models import Refusal
from store.roles import SUPERVISOR_ROLES
from store.session import Session, operation

__all__ = ["REFUSAL_KINDS", "pending_refusals", "review_refusal"]

REFUSAL_KINDS = {"returned": "退回", "refused": "不予受理", "not_granted": "不予核准"}


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
        row.review_note_enc = keys.seal("refusal", "review_note_enc", row.uuid, clean(note) or None)
        row.key_id = keys.current
        row.state, row.reviewed_by, row.reviewed_at = "reviewed", session.staff_id, session.now()
        row.save()
        event.record_id, event.detail = row.uuid, {"case": row.case.number}
