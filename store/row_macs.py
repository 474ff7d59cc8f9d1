"""行校验 — each person row's sealed fields and blind indexes bound together by a MAC.

Each sealed field is bound to its table, column and row (the AEAD's associated data), but
not to the row's other fields or to time: an insider could put back an older ciphertext of
the same field (a former phone number), clear a field to NULL, or swap blind indexes, and
each value alone would still open. The row MAC, under a key derived from the index key
(so only a logged-in session can make one), covers every sealed column and index of the
row as stored: any such change is found on read (store.persons) and refused in Chinese.

What it cannot find: the whole row put back as it was at an earlier time (row and MAC
together, from a backup). The audit chain records that the row was written since.

Rows written before version 8 get their MAC in batches (`backfill`), after which a row
without one is refused too (RegisterMeta ``person_row_macs`` = "complete").
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable

import peewee as pw

from store.crypto import hkdf
from store.database import database, upsert
from store.models import Person, RegisterMeta

__all__ = ["COMPLETE", "backfill", "backfill_done", "person_row_mac"]

COMPLETE = "person_row_macs"
_SEALED = (
    "id_number_enc",
    "name_enc",
    "phone_enc",
    "gender_enc",
    "birth_date_enc",
    "ethnicity_enc",
    "address_enc",
    "photo_enc",
)
_PLAIN = ("id_type", "id_number_bidx", "name_bidx", "phone_bidx")


def person_row_mac(keys, person) -> str:
    """The MAC of a person row (a Person, or anything with its columns as attributes)."""
    return _row_mac(keys, lambda column: getattr(person, column))


def _row_mac(keys, value) -> str:
    key = keys._blind_keys.get("row:person")
    if key is None:
        key = keys._blind_keys["row:person"] = hkdf(keys.index_key, "chuangkou/row/v1/person")
    fields = [value("uuid"), int(value("key_id"))]
    fields += [bytes(v).hex() if (v := value(c)) is not None else None for c in _SEALED]
    fields += [value(c) for c in _PLAIN]
    body = json.dumps(fields, separators=(",", ":")).encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def backfill_done() -> bool:
    row = RegisterMeta.get_or_none(RegisterMeta.key == COMPLETE)
    return row is not None and row.value == "complete"


def backfill(
    session,
    *,
    batch_size: int = 2000,
    max_batches: int | None = None,
    between_batches: Callable[[], None] | None = None,
) -> int:
    """Give rows written before version 8 their MAC, one short transaction per batch;
    returns how many rows were done. Once none is left the register is marked complete."""
    from store.roles import DATA_ROLES
    from store.session import operation

    keys = session.keys
    columns = ("id", "uuid", "key_id", *_SEALED, *_PLAIN)
    select = Person.select(*(getattr(Person, c) for c in columns)).where(Person.row_mac.is_null())
    update = 'UPDATE "person" SET "row_mac" = ? WHERE "id" = ? AND "row_mac" IS NULL'
    done = batches = 0
    while max_batches is None or batches < max_batches:
        rows = list(select.limit(batch_size).tuples())
        if not rows:  # nothing (left) to do: no audit event for an empty batch
            upsert(RegisterMeta, key=COMPLETE, value="complete")
            return done
        macs = [(_row_mac(keys, lambda c, row=row: row[columns.index(c)]), row[0]) for row in rows]
        with operation(session, "person.row_macs", roles=DATA_ROLES, record_table="person") as ev:
            if isinstance(database.obj, pw.PostgresqlDatabase):
                update_sql = update.replace("?", "%s")
            else:
                update_sql = update
            database.cursor().executemany(update_sql, macs)
            ev.detail = {"rows": len(rows)}
        done += len(rows)
        batches += 1
        if between_batches is not None:
            between_batches()  # a counter's waiting call goes first (store.daily)
    return done
