"""本机见证 — the audit chain's head as this station last saw it, kept outside the database.

Whoever holds the database file can cut the chain back to an older head (from a backup)
or wipe it: the file alone cannot tell. Every login that holds the audit key compares the
chain with the head this station saw last — a small file in the user's state directory,
MACed with the audit key so it cannot be forged — and then records the head it sees now.
A chain shorter than the witness, or a different event where the witness says one was, is
reported (`audit verify`, `doctor`, and the login itself) and the witness is left as it was,
so the evidence is not overwritten. As journald's sealing does, the head is also printed
for writing down (`doctor`, the supervisor's login): a witness a person holds on paper.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from pathlib import Path

from store.models import AuditEvent, AuditHead

__all__ = ["check", "check_and_record", "read_count", "witness_path"]


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


def _read(path: Path) -> dict | None:
    try:
        with open(path, "rb") as fh:
            data = json.loads(fh.read(4096))
        return {"count": int(data["count"]), "last_mac": str(data["last_mac"]), "mac": data["mac"]}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return {"damaged": True}


def read_count(register_id: str) -> int | None:
    """The count this station saw last, without the audit key (for `doctor`): None if none."""
    data = _read(witness_path(register_id))
    return None if data is None or data.get("damaged") else data["count"]


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
    count = data["count"]
    event = AuditEvent.get_or_none(AuditEvent.seq == count)
    if event is None:
        now = AuditEvent.select().count()
        return f"审计链比本机上次所见短：本机见过 {count} 条，现存 {now} 条（记录被删除或被旧备份替换）"
    if not hmac.compare_digest(event.mac, data["last_mac"]):
        return f"第 {count} 条审计记录与本机所见不符：记录被替换"
    return None


def check_and_record(audit_key: bytes, register_id: str) -> str | None:
    """Check, then record the current head as the new witness — only when the check passed,
    so a cut-back chain never overwrites the evidence of what was there."""
    problem = check(audit_key, register_id)
    if problem is not None:
        return problem
    head = AuditHead.get_or_none(AuditHead.id == 1)
    if head is None:
        return None
    path = witness_path(register_id)
    body = json.dumps(
        {
            "count": head.count,
            "last_mac": head.last_mac,
            "mac": _mac(audit_key, register_id, head.count, head.last_mac),
        }
    ).encode()
    with contextlib.suppress(OSError):  # a read-only home: no witness, nothing breaks
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "wb") as fh:
            fh.write(body)
        os.replace(part, path)
    return None
