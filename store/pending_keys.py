"""Station keys for events written without the audit key (待链入事件).

A failed login or a technician's command is recorded in AuditPending and linked into the
chain by the next operation that holds the audit key. Without more, a row anyone inserts
into that table would be linked in with a valid MAC. So each station holds a random key of
its own — a file in its state directory (0600), outside the database — and MACs every
pending event with it when it writes one; a copy of the key is sealed in the register
(RegisterSecret, under the data key) by the first login on that station that holds the
data key, so whichever counter links the event can check it. An event whose MAC does not
check (forged, or from a station never registered) is still linked — nothing is dropped —
but marked ``"_unverified": true`` inside the chain, where `audit verify` counts it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from store.models import RegisterSecret
from store.textguard import utf8

__all__ = [
    "AUDIT_MAC_FIELD",
    "MAC_FIELD",
    "UNVERIFIED_FIELD",
    "ensure_file",
    "ensure_registered",
    "keyed_hash",
    "linking_key",
    "mac_detail",
    "secret_name",
    "station_key",
    "verified_detail",
]

MAC_FIELD = "_pmac"
#: The MAC of an event that had the audit key but is linked after its COMMIT (store.audit
#: `link_waiting`): keyed from the audit key itself, so only a holder of it can make one.
AUDIT_MAC_FIELD = "_amac"
UNVERIFIED_FIELD = "_unverified"


def secret_name(station: str) -> str:
    """RegisterSecret name of a station's key (names are at most 32 characters)."""
    return "pending:" + hashlib.sha256(station.encode()).hexdigest()[:16]


def _path(register_id: str) -> Path:
    from store.witness import witness_path

    return witness_path(register_id).with_name(f"audit-pending-{register_id}.key")


def station_key(register_id: str) -> bytes | None:
    """This station's key, or None before its first data-key login."""
    try:
        with open(_path(register_id), "rb") as fh:
            key = fh.read(64)
    except OSError:
        return None
    return key if len(key) == 32 else None


def ensure_file(register_id: str) -> bytes | None:
    """This station's key, made now if it has none (None if it cannot be written)."""
    key = station_key(register_id)
    if key is not None:
        return key
    key = secrets.token_bytes(32)
    path = _path(register_id)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "wb") as fh:
            fh.write(key)
    except FileExistsError:
        return station_key(register_id)  # another process of this station made it first
    except OSError:
        return None
    return key


def ensure_registered(session) -> None:
    """At a login that holds the data key: this station has a key file, and the register a
    sealed copy of it (a new station, or a register restored from a backup)."""
    from store.slots import seal_secret

    register = session.register
    key = ensure_file(register.meta("register_id"))
    if key is None:
        return  # a read-only home: this station's pending events stay unverified
    name = secret_name(register.station)
    row = RegisterSecret.get_or_none(RegisterSecret.name == name)
    with contextlib.suppress(Exception):
        if (
            row is not None
            and session.keys.open("register_secret", "sealed", name, row.sealed) == key
        ):
            return
    seal_secret(session.keys, name, key)


def keyed_hash(register_id: str, text: str) -> str | None:
    """A short hash of `text` under this station's key (None without one): the same text
    gives the same hash here, and nobody without the key can test guesses against it."""
    key = station_key(register_id)
    if key is None:
        return None
    return hmac.new(key, b"typed\x00" + utf8(text), hashlib.sha256).hexdigest()[:16]


def _canonical(detail: dict) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _mac(key: bytes, fields: list) -> str:
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str)
    return hmac.new(key, b"pending\x00" + body.encode(), hashlib.sha256).hexdigest()


def linking_key(audit_key: bytes) -> bytes:
    """The key, derived from the audit key, of events waiting to be linked after COMMIT."""
    return hmac.new(audit_key, b"chuangkou audit: waiting to be linked", hashlib.sha256).digest()


def mac_detail(key: bytes | None, head: list, detail: dict, *, field: str = MAC_FIELD) -> str:
    """The detail JSON of a pending event, with its MAC over `head` (the other fields)
    and the detail itself when this station has a key (`field`: AUDIT_MAC_FIELD when `key`
    is the `linking_key`)."""
    if key is None:
        return _canonical(detail)
    return _canonical({**detail, field: _mac(key, [*head, _canonical(detail)])})


def verified_detail(
    key: bytes | None, head: list, detail_json: str, *, audit_key: bytes | None = None
) -> str:
    """The detail to link into the chain: without the MAC, and marked unverified when the
    MAC is missing or wrong (the station's `key`, or the `linking_key` of `audit_key`)."""
    try:
        detail = json.loads(detail_json)
    except ValueError:
        detail = {"raw": detail_json}
    if not isinstance(detail, dict):
        detail = {"raw": detail}
    station_mac = detail.pop(MAC_FIELD, None)
    audit_mac = detail.pop(AUDIT_MAC_FIELD, None)
    if isinstance(audit_mac, str):
        key = linking_key(audit_key) if audit_key is not None else None
        mac = audit_mac
    else:
        mac = station_mac
    ok = (
        key is not None
        and isinstance(mac, str)
        and hmac.compare_digest(mac, _mac(key, [*head, _canonical(detail)]))
    )
    if not ok:
        detail[UNVERIFIED_FIELD] = True
    return _canonical(detail)
