"""Who covers whom now (AB岗代岗): read from the active handovers, a handful of rows.

A's work is with the end of A's chain: A→B, and B away with B→C, so C covers A and B
(a helpdesk that follows only one link loses A's items when B goes away in turn). An
operation on an item of someone the session covers is audited as done for them.
"""

from __future__ import annotations

import datetime as dt

from store.models import Handover

ACTIVE = "active"

#: What an audited operation did, in the words of a handover's summary and a case's 代岗记录.
ACTION_WORDS = {
    "case.close": "办结",
    "case.supplement": "收到补正材料",
    "case.supplement.request": "要求补正",
    "case.extension.request": "申请延期",
    "case.forward": "上报进度",
    "case.subtask.complete": "联办分工完成",
    "case.visit": "登记来访",
    "case.return": "退回",
    "case.withdraw": "撤回",
    "notice.issue": "出具告知书",
    "inquiry.finish": "督办办结",
    "rating.record": "评价",
}


def active_covers() -> dict[int, int]:
    """Absent staff id → the staff id covering them (one link each)."""
    return {
        a: b
        for a, b in Handover.select(Handover.from_staff, Handover.to_staff)
        .where(
            (Handover.state == ACTIVE)
            & Handover.from_staff.is_null(False)
            & Handover.to_staff.is_null(False)
        )
        .order_by(Handover.confirmed_at)
        .tuples()
        if a != b
    }


def _root(links: dict[int, int], staff_id: int) -> int:
    return _chain(links, staff_id)[-1]


def cover_root(staff_id: int) -> int:
    """Who finally covers ``staff_id`` (``staff_id`` itself when nobody does)."""
    return _root(active_covers(), staff_id)


def covered_by(staff_id: int | None) -> dict[int, int]:
    """The staff whose work ``staff_id`` covers now, at the end of their chain → the next
    link (whom they handed to). Empty for nobody."""
    if staff_id is None:
        return {}
    links = active_covers()
    return {a: b for a, b in links.items() if _root(links, a) == staff_id}


def acting_for(staff_id: int | None, owner_id: int | None) -> int | None:
    """The owner's id when ``staff_id`` acts on the owner's item as their cover, else None."""
    if staff_id is None or owner_id is None or owner_id == staff_id:
        return None
    return owner_id if owner_id in covered_by(staff_id) else None


def _chain(links: dict[int, int], staff_id: int) -> list[int]:
    chain, current = [staff_id], staff_id
    while current in links and links[current] not in chain:
        current = links[current]
        chain.append(current)
    return chain


def covered_through(staff_id: int | None) -> list[int]:
    """Those whose work passes through ``staff_id`` on its way to whoever covers it: A for
    B when A→B (whether B covers A or B is away in turn with B→C)."""
    if staff_id is None:
        return []
    links = active_covers()
    return [a for a in links if a != staff_id and staff_id in _chain(links, a)[1:]]


def covered_actions(record_uuid: str) -> list[tuple[dt.datetime, str, int, int]]:
    """The audited operations on one record done by a cover for its owner (B for A):
    (when, what in words, actor id, for whom id), oldest first."""
    from store.models import AuditEvent

    return [
        (at, ACTION_WORDS.get(action, action), actor, acting_for)
        for at, action, actor, acting_for in AuditEvent.select(
            AuditEvent.at, AuditEvent.action, AuditEvent.actor, AuditEvent.acting_for
        )
        .where((AuditEvent.record_id == record_uuid) & AuditEvent.acting_for.is_null(False))
        .where(
            AuditEvent.action.not_in(("refused", "denied")) & ~AuditEvent.action.endswith(".view")
        )
        .order_by(AuditEvent.seq)
        .tuples()
    ]
