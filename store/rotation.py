"""Key rotation (密钥轮换): a new data key version; rows are re-sealed in batches that can be
interrupted and resumed; every slot is re-wrapped; the old key is then destroyed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from store import row_macs
from store.crypto import Keyring
from store.database import database
from store.errors import StoreError
from store.keyslots import wrap_dek
from store.models import (
    SEALED_MODELS,
    DataKey,
    KeySlot,
    RegisterSecret,
    SlotKey,
    sealed_columns,
)
from store.roles import RECOVERY, SUPERVISOR_ROLES
from store.session import Session, operation, require_role
from store.slots import seal_secret

ROTATORS = SUPERVISOR_ROLES | {RECOVERY}


@dataclass(frozen=True)
class RotationStatus:
    current: int
    retiring: tuple[int, ...]
    rows_left: int
    finished: bool


def _retiring() -> list[int]:
    return [k.key_id for k in DataKey.select().where(DataKey.state == "retiring")]


def _rows_left(current: int) -> int:
    return sum(m.select().where(m.key_id != current).count() for m in SEALED_MODELS)


def _begin(session: Session) -> None:
    keys = session.keys
    with operation(session, "keys.rotate.begin", roles=ROTATORS, record_table="data_key") as event:
        new_id = max(k.key_id for k in DataKey.select()) + 1
        dek = secrets.token_bytes(32)
        DataKey.update(state="retiring").where(DataKey.state == "active").execute()
        DataKey.create(key_id=new_id, state="active", created_at=session.now())
        # Every slot that holds a data key gets the new one: no password needed (public key).
        holders = KeySlot.select().join(SlotKey).distinct()
        for slot in holders:
            SlotKey.create(
                slot=slot, key_id=new_id, wrapped=wrap_dek(slot.public_key, slot.uuid, new_id, dek)
            )
        keyring = Keyring(
            deks={**keys.deks, new_id: dek},
            current=new_id,
            index_key=keys.index_key,
            audit_key=keys.audit_key,
        )
        seal_secret(keyring, "index", keys.index_key)
        seal_secret(keyring, "audit", keys.audit_key)
        # The stations' pending-event keys (store.pending_keys) move to the new key too.
        for row in RegisterSecret.select().where(RegisterSecret.name.startswith("pending:")):
            seal_secret(
                keyring, row.name, keys.open("register_secret", "sealed", row.name, row.sealed)
            )
        session.keyring = keyring
        event.record_id = str(new_id)


def _reseal_batch(session: Session, batch_size: int) -> int:
    """Re-seal up to `batch_size` rows under the current key; returns how many."""
    keys = session.keys
    done = 0
    with operation(session, "keys.rotate.batch", roles=ROTATORS, record_table="data_key") as event:
        for model in SEALED_MODELS:
            if done >= batch_size:
                break
            table = model._meta.table_name
            columns = sealed_columns(model)
            rows = model.select().where(model.key_id != keys.current).limit(batch_size - done)
            for row in rows:
                row_macs.check(keys, row)  # never re-seal (and bless) a row changed outside
                for col in columns:
                    opened = keys.open(table, col, row.uuid, getattr(row, col))
                    setattr(row, col, keys.seal(table, col, row.uuid, opened))
                row.key_id = keys.current
                row_macs.stamp(keys, row, checked=True)  # its MAC covers the new ciphertexts
                row.save(only=[model.key_id, model.row_mac, *(getattr(model, c) for c in columns)])
                done += 1
        event.detail = {"rows": done, "key": keys.current}
    return done


def _finish(session: Session) -> None:
    keys = session.keys
    with operation(session, "keys.rotate.finish", roles=ROTATORS, record_table="data_key") as event:
        if _rows_left(keys.current):
            raise StoreError("仍有记录未换用新密钥，不能结束轮换")
        old = _retiring()
        SlotKey.delete().where(SlotKey.key_id.in_(old)).execute()
        DataKey.update(state="retired", retired_at=session.now()).where(
            DataKey.key_id.in_(old)
        ).execute()
        event.detail = {"retired": old}
    session.keyring = Keyring(
        deks={keys.current: keys.deks[keys.current]},
        current=keys.current,
        index_key=keys.index_key,
        audit_key=keys.audit_key,
    )


def rotate_keys(
    session: Session, *, batch_size: int = 500, max_batches: int | None = None
) -> RotationStatus:
    """Begin a rotation (or resume one left unfinished) and re-seal rows batch by batch.

    With `max_batches` it stops early and can be called again later, from any counter:
    each batch is its own transaction, so an interruption loses at most one batch's work.
    """
    require_role(session, "keys.rotate", ROTATORS)
    session.refresh_keys()
    if not _retiring():
        _begin(session)
    batches = 0
    while max_batches is None or batches < max_batches:
        if _reseal_batch(session, batch_size) == 0:
            _finish(session)
            break
        batches += 1
    with database.atomic():
        current = session.keys.current
        return RotationStatus(current, tuple(_retiring()), _rows_left(current), not _retiring())
