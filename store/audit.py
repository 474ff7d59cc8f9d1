"""The audit chain (审计链): every operation appends one event; each event carries
HMAC(audit key, previous MAC ‖ event), and the head (count and last MAC) is kept sealed
outside the event table, so an edited, removed, reordered or cut-off event is found.

Events written by someone without the audit key (a failed login, a technician) wait in
AuditPending and are linked into the chain by the next operation that holds the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from store import pending_keys
from store.models import AuditEvent, AuditHead, AuditPending

GENESIS_MAC = "0" * 64
#: The first event of every register's chain (store.setup.create_register).
GENESIS_ACTION = "register.create"


@dataclass
class EventDraft:
    """What an operation fills in before its event is appended."""

    action: str
    record_table: str = ""
    record_id: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    #: Whom the actor acted for (AB岗: B for A), when the operation decides it per record;
    #: None falls back to the session's 代岗 of the day.
    acting_for: int | None = None


class Entry(NamedTuple):
    """The fields of an event that its MAC covers (the columns of AuditEvent/AuditPending)."""

    at: dt.datetime
    actor: int | None
    acting_for: int | None
    station: str
    action: str
    record_table: str
    record_id: str
    detail: str  # canonical JSON

    @classmethod
    def of(cls, row: AuditEvent | AuditPending) -> Entry:
        return cls(*(getattr(row, name) for name in cls._fields))


def event_mac(audit_key: bytes, prev_mac: str, seq: int, entry: Entry) -> str:
    fields = [seq, entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"), *entry[1:]]
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(audit_key, prev_mac.encode() + b"\x00" + body, hashlib.sha256).hexdigest()


def head_mac(audit_key: bytes, count: int, last_mac: str) -> str:
    return hmac.new(audit_key, f"head:{count}:{last_mac}".encode(), hashlib.sha256).hexdigest()


def _head() -> AuditHead | None:
    # FOR UPDATE on PostgreSQL: two counters appending at once take turns here.
    # SQLite write transactions are IMMEDIATE, which serialises them already.
    query = AuditHead.select().where(AuditHead.id == 1)
    if AuditHead._meta.database.obj.__class__.__name__.startswith("Postgres"):
        query = query.for_update()
    return query.first()


def lock_head() -> None:
    """At the start of a write transaction: on PostgreSQL, wait for the chain's head (FOR
    UPDATE) so that operations run one after another, as SQLite's IMMEDIATE ones do."""
    _head()


def _append_linked(audit_key: bytes, head: AuditHead | None, entry: Entry) -> AuditHead:
    seq = (head.count if head else 0) + 1
    prev = head.last_mac if head else GENESIS_MAC
    mac = event_mac(audit_key, prev, seq, entry)
    AuditEvent.create(seq=seq, prev_mac=prev, mac=mac, **entry._asdict())
    if head is None:
        head = AuditHead(id=1, count=seq, last_mac=mac, head_mac=head_mac(audit_key, seq, mac))
        head.save(force_insert=True)
    else:
        head.count, head.last_mac, head.head_mac = seq, mac, head_mac(audit_key, seq, mac)
        head.save()
    return head


def append(
    draft: EventDraft,
    *,
    audit_key: bytes | None,
    at: dt.datetime,
    actor: int | None,
    acting_for: int | None,
    station: str,
    pending_key: bytes | None = None,
    station_keys: Callable[[str], bytes | None] | None = None,
) -> None:
    """Append one event inside the caller's transaction. Without the audit key it waits in
    AuditPending, MACed with this station's `pending_key`; the next append with the key
    links every pending event, checking each MAC with `station_keys(station)`
    (store.pending_keys: one that does not check is linked marked unverified)."""
    entry = Entry(
        at, actor, acting_for, station, draft.action, draft.record_table, draft.record_id, ""
    )
    if audit_key is None:
        detail = pending_keys.mac_detail(pending_key, _pending_fields(entry), draft.detail)
        AuditPending.create(**entry._replace(detail=detail)._asdict())
        return
    entry = entry._replace(
        detail=json.dumps(draft.detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    )
    head = _head()
    for pending in AuditPending.select().order_by(AuditPending.id):
        waiting = Entry.of(pending)
        key = station_keys(waiting.station) if station_keys else None
        detail = pending_keys.verified_detail(key, _pending_fields(waiting), waiting.detail)
        head = _append_linked(audit_key, head, waiting._replace(detail=detail))
        pending.delete_instance()
    _append_linked(audit_key, head, entry)


def _pending_fields(entry: Entry) -> list:
    """What a pending event's MAC covers besides its detail."""
    at = entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return [at, *entry[1:7]]


def unverified_count() -> int:
    """Linked events that came from AuditPending without a valid station MAC."""
    marker = f'"{pending_keys.UNVERIFIED_FIELD}":true'
    return AuditEvent.select().where(AuditEvent.detail.contains(marker)).count()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    pending: int
    message: str
    first_bad_seq: int | None = None


def verify(audit_key: bytes) -> VerifyResult:
    """Walk the chain from the start; report the first broken link in Chinese."""
    prev = GENESIS_MAC
    expected_seq = 1
    pending = AuditPending.select().count()

    def broken(seq: int, why: str) -> VerifyResult:
        return VerifyResult(
            False, expected_seq - 1, pending, f"审计链在第 {seq} 条处断开：{why}", seq
        )

    for ev in AuditEvent.select().order_by(AuditEvent.seq).iterator():
        if ev.seq != expected_seq:
            return broken(expected_seq, f"第 {expected_seq} 条缺失（下一条为第 {ev.seq} 条）")
        if ev.prev_mac != prev:
            return broken(ev.seq, "与前一条的链接不符（记录被删除、插入或调换顺序）")
        if ev.seq == 1 and ev.action != GENESIS_ACTION:
            # A chain wiped and begun again by the next login verifies link by link:
            # only its first event shows it is not the register's own beginning.
            return broken(1, "第 1 条不是登记本的创建记录（此前的审计记录已被清除）")
        mac = event_mac(audit_key, prev, ev.seq, Entry.of(ev))
        if not hmac.compare_digest(mac, ev.mac):
            return broken(ev.seq, "内容与校验码不符（记录被修改或调换顺序）")
        prev = ev.mac
        expected_seq += 1
    count = expected_seq - 1
    head = AuditHead.get_or_none(AuditHead.id == 1)
    if head is None:
        if count:
            return VerifyResult(
                False, count, pending, "审计链头缺失：无法确认最新记录是否被删除", count
            )
        return VerifyResult(True, 0, pending, "审计链为空")
    if not hmac.compare_digest(head_mac(audit_key, head.count, head.last_mac), head.head_mac):
        return VerifyResult(False, count, pending, "审计链头被篡改（校验码不符）", head.count)
    if head.count > count:
        return VerifyResult(
            False,
            count,
            pending,
            f"最新的 {head.count - count} 条审计记录被删除（链头记录 {head.count} 条，现存 {count} 条）",
            count + 1,
        )
    if head.count < count or head.last_mac != prev:
        return VerifyResult(False, count, pending, f"审计链头与第 {count} 条记录不符", head.count)
    unverified = unverified_count()
    return VerifyResult(
        True,
        count,
        pending,
        f"审计链完整：{count} 条记录"
        + (f"，另有 {pending} 条待链入" if pending else "")
        + (f"；其中 {unverified} 条离线事件来源未能验证（可能是伪造的插入）" if unverified else ""),
    )


def head_summary() -> tuple[int, str] | None:
    """The head as a person can write it down: count and a fingerprint of the last MAC."""
    head = AuditHead.get_or_none(AuditHead.id == 1)
    if head is None:
        return None
    return head.count, head.last_mac[:16]


def matches_written_head(count: int, fingerprint: str) -> str | None:
    """Compare with a head written down earlier (from `doctor`); None if it matches, else why.

    The chain may have grown since: then the event at that position must carry the MAC
    whose fingerprint was written down."""
    event = AuditEvent.get_or_none(AuditEvent.seq == count)
    if event is None:
        return f"审计链比抄录时短：抄录时 {count} 条"
    if not event.mac.startswith(fingerprint.strip().lower()) or len(fingerprint.strip()) < 8:
        return f"第 {count} 条记录与抄录的指纹不符：记录被替换"
    return None
