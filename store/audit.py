"""The audit chain (审计链): every operation appends one event; each event carries
HMAC(audit key, previous MAC ‖ event), and the head (count and last MAC) is kept sealed
outside the event table, so an edited, removed, reordered or cut-off event is found.

Events written by someone without the audit key (a failed login, a technician) wait in
AuditPending and are linked into the chain by the next operation that holds the key.

Counters share one chain: an append locks its head (FOR UPDATE on PostgreSQL; SQLite's
write transactions are one at a time anyway) until COMMIT, so appends are one after
another. Operations therefore append last (store.session queues their events until the
end of the outermost one): the head is held over the append and the COMMIT only.

On PostgreSQL, operations that run side by side (store.isolation, concurrent) do not take
the head at all: their events are written to AuditPending with a MAC under a key derived
from the audit key, in their own transaction, and linked into the chain right after their
COMMIT (`link_waiting`) — by the counter that wrote them, or, when another counter is
linking at that moment, by that one: many events under one short hold of the head. Until
then (milliseconds; until the next operation if the server was lost in between) an event
can be deleted unseen by someone with the database, as a failed login's can.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from store import fixed_sql, isolation, pending_keys
from store.database import database
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


def _postgres() -> bool:
    return AuditHead._meta.database.obj.__class__.__name__.startswith("Postgres")


def _head() -> AuditHead | None:
    # FOR UPDATE on PostgreSQL: two counters appending at once take turns here, until the
    # first one's COMMIT. SQLite write transactions are IMMEDIATE, which serialises them.
    query = AuditHead.select().where(AuditHead.id == 1)
    if _postgres():
        query = query.for_update()
    return query.first()


_TAKE_PENDING = (
    f'DELETE FROM "{AuditPending._meta.table_name}" RETURNING {fixed_sql.columns_sql(AuditPending)}'
)
_SET_HEAD = (
    f'UPDATE "{AuditHead._meta.table_name}" SET "count" = %s, "last_mac" = %s, "head_mac" = %s '
    'WHERE "id" = 1'
)
_ANY_PENDING = f'SELECT EXISTS (SELECT 1 FROM "{AuditPending._meta.table_name}")'


class _Chain:
    """The head as this thread's transaction locked it, and the events appended to it since
    that are not written yet (`append(..., write=False)`)."""

    def __init__(
        self, txn: object | None, pending: bool, head: AuditHead | _LockedHead | None
    ) -> None:
        self.txn, self.exists = txn, head is not None
        self.count = head.count if head else 0
        self.last_mac = head.last_mac if head else GENESIS_MAC
        #: AuditPending had rows when looked at, before the head was locked: they are read
        #: again under the lock (what another linked meanwhile is gone); a row that came
        #: after the look waits for the next transaction.
        self.pending = pending
        self.linked = False
        self.rows: list[dict] = []
        self.audit_key = b""

    def add(self, audit_key: bytes, entry: Entry) -> None:
        seq, prev = self.count + 1, self.last_mac
        mac = event_mac(audit_key, prev, seq, entry)
        self.rows.append({"seq": seq, "prev_mac": prev, "mac": mac, **entry._asdict()})
        self.count, self.last_mac, self.audit_key = seq, mac, audit_key

    def link_pending(
        self,
        audit_key: bytes,
        station_keys: Callable[[str], bytes | None] | None,
        taken: list[dict] | None = None,
    ) -> int:
        """Add the events waiting in AuditPending (read under the head's lock) and delete
        them — or those `taken` already (deleted with the head's lock); returns how many."""
        if taken is not None:
            waiting = sorted(taken, key=lambda row: row["id"])
        elif _postgres():  # read and delete in one round trip: the head is held meanwhile
            cursor = database.execute_sql(_TAKE_PENDING)
            rows = [fixed_sql.from_row(AuditPending, values) for values in cursor.fetchall()]
            waiting = sorted(rows, key=lambda row: row["id"])
        else:
            waiting = [p.__data__ for p in AuditPending.select().order_by(AuditPending.id)]
        for pending in waiting:
            linked = Entry(*(pending[name] for name in Entry._fields))
            key = None
            if station_keys is not None and pending_keys.AUDIT_MAC_FIELD not in linked.detail:
                key = station_keys(linked.station)
            detail = pending_keys.verified_detail(
                key, _pending_fields(linked), linked.detail, audit_key=audit_key
            )
            self.add(audit_key, linked._replace(detail=detail))
        if waiting and taken is None and not _postgres():
            AuditPending.delete().where(AuditPending.id.in_([p["id"] for p in waiting])).execute()
        self.linked = self.txn is not None
        return len(waiting)

    def write(self, *, last: bool = False) -> None:
        """The events added and the head after them, in one statement however many (two
        on SQLite): the head is held until COMMIT, each round trip more is waited for.
        `last`: the COMMIT follows at once, and may go with them (PostgreSQL)."""
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        events = AuditEvent.insert_many(rows)
        values = {
            "count": self.count,
            "last_mac": self.last_mac,
            "head_mac": head_mac(self.audit_key, self.count, self.last_mac),
        }
        if not self.exists:
            events.execute()
            AuditHead.insert(id=1, **values).execute()
            self.exists = True
        elif _postgres():
            execute = database.execute_sql
            if last:
                execute = getattr(database.obj, "execute_and_commit", execute)
            execute(
                f"WITH appended AS ({fixed_sql.insert_sql(AuditEvent, len(rows))}) {_SET_HEAD}",
                [
                    *fixed_sql.insert_params(AuditEvent, rows),
                    values["count"],
                    values["last_mac"],
                    values["head_mac"],
                ],
            )
        else:
            events.execute()
            AuditHead.update(values).where(AuditHead.id == 1).execute()


_held = threading.local()


def _transaction() -> object | None:
    """This thread's outermost transaction (peewee keeps them per thread), or None."""
    transactions = database.obj._state.transactions
    return transactions[0] if transactions else None


def _chain() -> _Chain:
    txn = _transaction()
    chain = getattr(_held, "chain", None)
    if txn is None or chain is None or chain.txn is not txn:
        pending = AuditPending.select(AuditPending.id).exists()  # before the lock: see _Chain
        chain = _held.chain = _Chain(txn, pending, _head())
    return chain


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
    write: bool = True,
    later: bool = False,
) -> None:
    """Append one event inside the caller's transaction. Without the audit key it waits in
    AuditPending, MACed with this station's `pending_key`; the next append with the key
    links every pending event, checking each MAC with `station_keys(station)`
    (store.pending_keys: one that does not check is linked marked unverified).

    `write=False`: computed and kept for `write_appended` (several events in one INSERT).
    `later` (with the audit key): written to AuditPending, MACed under its linking key, for
    `link_waiting` after COMMIT — the head is not taken."""
    entry = Entry(
        at, actor, acting_for, station, draft.action, draft.record_table, draft.record_id, ""
    )
    if audit_key is None:
        detail = pending_keys.mac_detail(pending_key, _pending_fields(entry), draft.detail)
        AuditPending.create(**entry._replace(detail=detail)._asdict())
        return
    if later:
        detail = pending_keys.mac_detail(
            pending_keys.linking_key(audit_key),
            _pending_fields(entry),
            draft.detail,
            field=pending_keys.AUDIT_MAC_FIELD,
        )
        row = entry._replace(detail=detail)._asdict()
        if write:
            AuditPending.insert(row).execute()
        else:
            _waiting().append(row)
        return
    entry = entry._replace(
        detail=json.dumps(draft.detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    )
    chain = _chain()
    if not chain.linked and chain.pending:  # once per transaction: the head is ours now
        chain.link_pending(audit_key, station_keys)
    chain.add(audit_key, entry)
    if write:
        chain.write()


def _waiting() -> list[dict]:
    """This transaction's events for AuditPending, not written yet."""
    txn = _transaction()
    if getattr(_held, "waiting_txn", None) is not txn:
        _held.waiting_txn, _held.waiting = txn, []
    return _held.waiting


def write_appended(*, last: bool = False) -> None:
    """Write the events appended with `write=False` in this transaction. `last`: nothing
    follows but the COMMIT, which may go with the events (one round trip: a number's row,
    store.numbers, is held for one less)."""
    chain = getattr(_held, "chain", None)
    if chain is not None and chain.txn is _transaction():
        chain.write()
    waiting = _waiting()
    if waiting:  # PostgreSQL only (`later`)
        sql = fixed_sql.insert_sql(AuditPending, len(waiting))
        params = fixed_sql.insert_params(AuditPending, waiting)
        waiting.clear()
        with_commit = getattr(database.obj, "execute_and_commit", None)
        if last and with_commit is not None:
            with_commit(sql, params)
        else:
            database.execute_sql(sql, params)


#: The head, if no other counter is linking and no exclusive operation runs (it would wait
#: for neither: whoever holds it links what this counter wrote too — see link_waiting), and
#: then the waiting events, deleted: one row per event (a row of NULLs for none), the
#: head's fields first; no row when the head is not had.
_TRY_HEAD_AND_TAKE = (
    'WITH head AS (SELECT "count", "last_mac" FROM "audit_head" '
    'WHERE "id" = 1 AND pg_try_advisory_xact_lock_shared(%s) FOR UPDATE SKIP LOCKED), '
    f'taken AS (DELETE FROM "{AuditPending._meta.table_name}" WHERE EXISTS (SELECT 1 FROM head) '
    f"RETURNING {fixed_sql.columns_sql(AuditPending)}) "
    "SELECT head.*, taken.* FROM head LEFT JOIN taken ON true"
)


class _LockedHead(NamedTuple):
    count: int
    last_mac: str


def link_waiting(
    audit_key: bytes, station_keys: Callable[[str], bytes | None] | None = None
) -> int:
    """Link the events waiting in AuditPending into the chain (PostgreSQL), in short
    transactions of their own; returns how many. Never waits: when another counter holds
    the head, it returns at once — that counter looks again after its COMMIT and links
    whatever was committed before (an event committed before this call was, so one of
    the two links it). Events another counter linked meanwhile are gone from the table."""
    linked = 0
    while True:
        with database.atomic():
            rows = database.execute_sql(_TRY_HEAD_AND_TAKE, (isolation.GATE,)).fetchall()
            if not rows:
                return linked
            head = _LockedHead(*rows[0][:2])
            taken = [fixed_sql.from_row(AuditPending, r[2:]) for r in rows if r[2] is not None]
            chain = _held.chain = _Chain(_transaction(), True, head)
            linked += chain.link_pending(audit_key, station_keys, taken)
            chain.write(last=True)
        if not database.execute_sql(_ANY_PENDING).fetchone()[0]:
            return linked


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
