"""Making key slots and opening the keyring from one (the store side of store.keyslots)."""

from __future__ import annotations

import datetime as dt

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from store.crypto import Keyring
from store.database import database, upsert
from store.errors import DecryptionFailed
from store.keyslots import KdfParams, create_slot, open_slot, unwrap_dek, wrap_dek
from store.models import DataKey, KeySlot, RegisterSecret, SlotKey, Staff, new_uuid


def kdf_of(slot: KeySlot) -> KdfParams:
    return KdfParams(slot.kdf_memory_kib, slot.kdf_iterations, slot.kdf_lanes)


def make_slot(
    *,
    kind: str,
    staff: Staff | None,
    secret: str,
    deks: dict[int, bytes],
    kdf: KdfParams,
    now: dt.datetime,
) -> KeySlot:
    """A new slot for `secret`, holding every DEK in `deks` (none for a technician)."""
    slot_uuid = new_uuid()
    made = create_slot(secret, slot_uuid, kdf)
    slot = KeySlot.create(
        uuid=slot_uuid,
        kind=kind,
        staff=staff,
        kdf_memory_kib=kdf.memory_cost,
        kdf_iterations=kdf.iterations,
        kdf_lanes=kdf.lanes,
        salt=made.salt,
        public_key=made.public_key,
        sealed_private=made.sealed_private,
        created_at=now,
    )
    for key_id, dek in deks.items():
        SlotKey.create(
            slot=slot, key_id=key_id, wrapped=wrap_dek(made.public_key, slot_uuid, key_id, dek)
        )
    return slot


def unlock_slot(slot: KeySlot, secret: str) -> X25519PrivateKey:
    """The slot's private key (Argon2id; slow on purpose). AuthenticationFailed if wrong."""
    return open_slot(secret, slot.uuid, slot.salt, kdf_of(slot), slot.sealed_private)


def slot_deks(slot: KeySlot, private: X25519PrivateKey) -> dict[int, bytes]:
    return {
        sk.key_id: unwrap_dek(private, slot.uuid, sk.key_id, sk.wrapped)
        for sk in SlotKey.select().where(SlotKey.slot == slot)
    }


#: Read at every transaction's first operation (Session.refresh_keys): SQL written once.
_CURRENT_KEY = (
    f'SELECT "key_id" FROM "{DataKey._meta.table_name}" WHERE "state" = \'active\' '
    'ORDER BY "key_id" DESC LIMIT 1'
)


def current_key_id() -> int:
    row = database.execute_sql(_CURRENT_KEY).fetchone()
    if row is None:
        raise DecryptionFailed("登记本没有可用的数据密钥")
    return row[0]


def seal_secret(keyring: Keyring, name: str, value: bytes) -> None:
    sealed = keyring.seal("register_secret", "sealed", name, value)
    upsert(RegisterSecret, name=name, key_id=keyring.current, sealed=sealed)


def open_keyring(deks: dict[int, bytes]) -> Keyring | None:
    """The keyring from unwrapped DEKs, with the index and audit keys opened; None if no DEK."""
    if not deks:
        return None
    current = current_key_id()
    if current not in deks:
        raise DecryptionFailed("密钥槽中没有当前的数据密钥：请用恢复码或主任账号重新设置密码")
    bootstrap = Keyring(deks=deks, current=current, index_key=b"", audit_key=b"")
    secrets = {
        row.name: bootstrap.open("register_secret", "sealed", row.name, row.sealed)
        for row in RegisterSecret.select()
    }
    return Keyring(
        deks=deks, current=current, index_key=secrets["index"], audit_key=secrets["audit"]
    )


def register_kdf() -> KdfParams:
    """The Argon2id parameters this register gives new slots (chosen at init)."""
    from store.keyslots import DEFAULT_KDF
    from store.models import RegisterMeta

    row = RegisterMeta.get_or_none(RegisterMeta.key == "kdf")
    if row is None:
        return DEFAULT_KDF
    memory, iterations, lanes = (int(x) for x in row.value.split(","))
    return KdfParams(memory, iterations, lanes)
