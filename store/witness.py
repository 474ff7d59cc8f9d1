"""审计见证 — the audit chain's head as it was last seen, kept where the chain's own tables
cannot take it back with them: on each station, and in each staff member's key slot.

Whoever holds the database file can cut the chain back to an older head (its two tables
from a backup) or wipe it: the chain alone cannot tell, since every older head was a valid
one. So every login that holds the audit key compares the chain with two witnesses of the
head seen before, then records the head it sees now:

- **The station's witness** — a small file in the station's state directory (0600),
  outside the database, MACed with the audit key. It catches, at the next data-key login
  on *that station* (and in `audit verify` and `doctor` there): the chain wiped, cut back,
  or replaced by another one, *including the whole database file put back to an older
  copy*, which nothing inside the file can show. It misses what happens on another
  station, a station whose file was removed (it then has no witness), and a staff member
  with shell access to the station who holds the audit key (they can MAC a new file).
- **The key slot's witness** (``key_slot.witness``) — the head seen at the slot's last
  login, MACed with a key derived from the slot's private key, which only that slot's
  password (or code) unlocks: nobody else — not another staff member holding the audit
  key, not the holder of the file — can make one, and one slot's witness does not check
  for another slot. It catches, at the next login of *that slot on any station* (a new
  one, or one whose witness file is gone): the audit tables cut back, wiped or replaced
  *alone* while the key slots were left as they are, and a chain rewritten by someone who
  holds the audit key (who can recompute every event's MAC and the station files, but not
  the other slots' witnesses). It misses the whole file put back to an older copy (the
  slots go back with it, each with the head it had then), the slot rows put back together
  with the audit tables from the same older copy, and events a slot never saw (it catches
  only what was there at its last login; a new or reset slot has no witness until its
  first login).

The whole file put back is found only by a station's witness and by the head written down
on paper (`doctor` and a supervisor's login print it: `audit verify --expect`).

A chain shorter than a witness, or a different event where the witness says one was, is
reported in the same words for both (the alarm on the login screen, the audit event
``audit.witness_mismatch``, `audit verify`, `doctor`), and that witness is left as it was,
so the evidence is not overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from pathlib import Path

import peewee as pw

from store.crypto import hkdf
from store.database import database
from store.models import AuditEvent, AuditHead, KeySlot, Staff

__all__ = [
    "check",
    "check_and_record",
    "check_and_record_slot",
    "check_slot",
    "compare_seen",
    "read_count",
    "read_seen",
    "slot_counts",
    "witness_path",
]

_STATION = "本机"
_SLOT = "此账号"


def witness_path(register_id: str) -> Path:
    override = os.environ.get("CHUANGKOU_STATE_DIR")
    if override:
        base = Path(override)
    else:
        import platformdirs

        base = Path(platformdirs.user_state_dir("chuangkou", appauthor=False))
    return base / f"audit-witness-{register_id}.json"


def _mac(audit_key: bytes, register_id: str, count: int, last_mac: str) -> str:
    text = f"witness:{register_id}:{count}:{last_mac}".encode()
    return hmac.new(audit_key, text, hashlib.sha256).hexdigest()


def _parse(raw: bytes | str | None) -> dict | None:
    """A witness as stored: None if there is none, {"damaged": True} if unreadable."""
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return {"count": int(data["count"]), "last_mac": str(data["last_mac"]), "mac": data["mac"]}
    except (ValueError, KeyError, TypeError):
        return {"damaged": True}


def _read(path: Path) -> dict | None:
    try:
        with open(path, "rb") as fh:
            return _parse(fh.read(4096))
    except FileNotFoundError:
        return None
    except OSError:
        return {"damaged": True}


def _compare(count: int, last_mac: str, who: str) -> str | None:
    """Why the chain disagrees with a head seen at ``count`` (by ``who``), or None."""
    event = AuditEvent.get_or_none(AuditEvent.seq == count)
    if event is None:
        now = AuditEvent.select().count()
        return (
            f"审计链比{who}上次所见短：{who}见过 {count} 条，现存 {now} 条"
            "（记录被删除或被旧备份替换）"
        )
    if not hmac.compare_digest(event.mac, last_mac):
        return f"第 {count} 条审计记录与{who}所见不符：记录被替换"
    return None


def _head_body(mac) -> tuple[int, str, str] | None:
    head = AuditHead.get_or_none(AuditHead.id == 1)
    if head is None:
        return None
    return head.count, head.last_mac, mac(head.count, head.last_mac)


# --- the station's witness ----------------------------------------------------------------


def read_count(register_id: str) -> int | None:
    """The count this station saw last, without the audit key (for `doctor`): None if none."""
    seen = read_seen(register_id)
    return None if seen is None else seen[0]


def read_seen(register_id: str) -> tuple[int, str] | None:
    """(count, last MAC) this station saw last, read without the audit key (for `doctor`,
    which cannot check the file's MAC: the next login does)."""
    data = _read(witness_path(register_id))
    return None if data is None or data.get("damaged") else (data["count"], data["last_mac"])


def check(audit_key: bytes, register_id: str) -> str | None:
    """Why the chain disagrees with this station's witness, in Chinese; None if it agrees
    (or the station has no witness yet)."""
    data = _read(witness_path(register_id))
    if data is None:
        return None
    if data.get("damaged") or not hmac.compare_digest(
        _mac(audit_key, register_id, data["count"], data["last_mac"]), str(data["mac"])
    ):
        return "本机的审计见证文件被改动或损坏"
    return _compare(data["count"], data["last_mac"], _STATION)


def check_and_record(audit_key: bytes, register_id: str) -> str | None:
    """Check, then record the current head as the new witness — only when the check passed,
    so a cut-back chain never overwrites the evidence of what was there."""
    problem = check(audit_key, register_id)
    if problem is not None:
        return problem
    head = _head_body(lambda count, last: _mac(audit_key, register_id, count, last))
    if head is None:
        return None
    path = witness_path(register_id)
    body = json.dumps(dict(zip(("count", "last_mac", "mac"), head, strict=True))).encode()
    with contextlib.suppress(OSError):  # a read-only home: no witness, nothing breaks
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "wb") as fh:
            fh.write(body)
        os.replace(part, path)
    return None


# --- the key slot's witness -----------------------------------------------------------------


def _slot_mac(private, slot_uuid: str, register_id: str, count: int, last_mac: str) -> str:
    """The MAC of a slot's witness, under a key only the slot's unlocked private key gives."""
    key = hkdf(private.private_bytes_raw(), f"chuangkou/slot-witness/v1/{slot_uuid}")
    text = f"slot-witness:{register_id}:{slot_uuid}:{count}:{last_mac}".encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def check_slot(slot: KeySlot, private, register_id: str) -> str | None:
    """Why the chain disagrees with the head this slot saw at its last login; None if it
    agrees (or the slot has no witness yet)."""
    data = _parse(slot.witness)
    if data is None:
        return None
    if data.get("damaged") or not hmac.compare_digest(
        _slot_mac(private, slot.uuid, register_id, data["count"], data["last_mac"]),
        str(data["mac"]),
    ):
        return "此账号密钥槽中的审计见证被改动或损坏"
    return _compare(data["count"], data["last_mac"], _SLOT)


def check_and_record_slot(slot_id: int, private, register_id: str) -> str | None:
    """At a login: check the slot's witness, then record the head seen now in it — only
    when the check passed (the evidence stays otherwise)."""
    slot = KeySlot.get_or_none(KeySlot.id == slot_id)
    if slot is None:
        return None
    problem = check_slot(slot, private, register_id)
    if problem is not None:
        return problem
    with database.atomic():
        head = _head_body(
            lambda count, last: _slot_mac(private, slot.uuid, register_id, count, last)
        )
        if head is not None:
            body = json.dumps(dict(zip(("count", "last_mac", "mac"), head, strict=True)))
            KeySlot.update(witness=body).where(KeySlot.id == slot.id).execute()
    return None


def slot_counts() -> list[tuple[str, int, str]]:
    """(who, count, last MAC) of every slot's witness, read without any key (for `doctor`,
    which cannot check their MACs: the next login of each slot does)."""
    seen = []
    query = KeySlot.select(KeySlot.witness, Staff.number).join(
        Staff, pw.JOIN.LEFT_OUTER, on=(KeySlot.staff == Staff.id)
    )
    for raw, number in query.where(KeySlot.witness.is_null(False)).tuples():
        data = _parse(raw)
        if data is not None and not data.get("damaged"):
            who = f"工号 {number} 的账号" if number else "恢复码"
            seen.append((who, data["count"], data["last_mac"]))
    return seen


def compare_seen(count: int, last_mac: str, who: str) -> str | None:
    """`doctor`: the chain against a head someone saw, in the words of the login's alarm."""
    return _compare(count, last_mac, who)
