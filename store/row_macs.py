"""行校验 — every row with sealed fields or blind indexes carries a MAC over them as stored.

Each sealed field is bound to its table, column and row (the AEAD's associated data), but
not to the row's other fields or to time: someone with the database file could put back an
older ciphertext of the same field (a former phone number), clear a field to NULL, or swap
two rows' blind indexes, and each value alone would still open. So every such row carries
a MAC (HMAC-SHA256 under a key derived per table from the index key: only a logged-in
session can make one) over its uuid, its key id and the columns of its table in
store.models.MAC_COLUMNS — every sealed column, every blind index (and a person's id type)
— as stored. One registry, one mechanism, for every table:

- written on every write: ``stamp`` (or ``save``/``create`` here) before the row is saved;
  the model refuses a save, UPDATE or INSERT of those columns without it
  (store.models.SealedModel), and ``stamp`` first checks the row as it is stored, so a
  write never blesses a row changed behind the register's back;
- checked on every read that decrypts: ``open_text``/``open_bytes`` (or ``check``) refuse a
  row whose MAC does not match with TamperedRecord, in Chinese, before anything is shown.

What it cannot find: a whole row put back as it was at an earlier time, MAC and all (from a
backup of the same register); plain columns (states, dates, which person a case belongs
to) are not covered — the audit chain records who wrote what.

Rows written before their table had a MAC (version 8 for person, 9 for the others) get it
from the daily job in batches (``backfill``); once a table has none left, its completion is
recorded as an audit event (``row_macs.complete``), and from then on a row of that table
without a MAC is refused too. The completion lives in the MACed, witnessed audit chain and
not in a plain flag, so that removing it to make MAC-less rows acceptable again breaks the
chain (`audit verify`). A new register records every table complete at its creation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import peewee as pw

from store.crypto import Keyring, hkdf
from store.database import database
from store.errors import TamperedRecord
from store.models import MAC_COLUMNS, AuditEvent, RegisterMeta, SealedModel, mac_bound, mac_stamp

__all__ = [
    "COMPLETE_ACTION",
    "backfill",
    "backfill_done",
    "check",
    "complete",
    "create",
    "fields",
    "mac",
    "open_bytes",
    "open_text",
    "save",
    "stamp",
]

#: The audit event that records a table's rows all have their MAC (record_id: the table,
#: or "*" for every table, at a register's creation).
COMPLETE_ACTION = "row_macs.complete"
_RECORD_TABLE = "row_macs"
ALL_TABLES = "*"
#: Person rows completed before version 9 were marked here (a plain flag).
_LEGACY_FLAGS = {"person": "person_row_macs"}

#: What the refusal calls a row of each table.
LABELS = {
    "staff": "工作人员",
    "person": "来访人",
    "case": "办件",
    "inquiry": "首问登记",
    "handover": "交接",
    "complaint": "投诉",
    "rating": "评价",
    "rating_callback": "回访",
    "petition": "信访",
    "notice": "告知书",
    "refusal": "否定报备",
}

Row = Any  # a SealedModel instance, or a row of a partial select with the same attributes


def fields(model: type[SealedModel]) -> list[pw.Field]:
    """The columns a partial SELECT needs for its rows to be opened (``check``)."""
    return [model.id, model.uuid, model.key_id, model.row_mac] + [
        model._meta.fields[name] for name in MAC_COLUMNS[model]
    ]


def _key(keys: Keyring, table: str) -> bytes:
    name = f"row:{table}"
    key = keys._blind_keys.get(name)
    if key is None:
        key = keys._blind_keys[name] = hkdf(keys.index_key, f"chuangkou/row/v1/{table}")
    return key


def _mac_of(keys: Keyring, model: type[SealedModel], value: Callable[[str], Any]) -> str:
    table = model._meta.table_name
    body: list = [value("uuid"), int(value("key_id"))]
    for column in MAC_COLUMNS[model]:
        v = value(column)
        body.append(bytes(v).hex() if isinstance(v, bytes | bytearray | memoryview) else v)
    data = json.dumps(body, separators=(",", ":")).encode()
    return hmac.new(_key(keys, table), data, hashlib.sha256).hexdigest()


def mac(keys: Keyring, row: Row, model: type[SealedModel] | None = None) -> str:
    """The MAC of a row as it stands (a model instance, or a row of ``fields(model)``)."""
    model = model or type(row)
    return _mac_of(keys, model, lambda column: getattr(row, column))


def _values(row: Row, model: type[SealedModel]) -> tuple:
    if isinstance(row, pw.Model):
        data = row.__data__
        missing = [c for c in ("uuid", "key_id", *MAC_COLUMNS[model]) if c not in data]
        if missing:  # a partial SELECT without fields(model): a programming error
            raise TamperedRecord(
                f"内部错误：读取 {model._meta.table_name} 时缺少行校验所需的列（{missing[0]}）"
            )
        return (data.get("row_mac"), *(data[c] for c in ("uuid", "key_id", *MAC_COLUMNS[model])))
    return (row.row_mac, *(getattr(row, c) for c in ("uuid", "key_id", *MAC_COLUMNS[model])))


def check(keys: Keyring, row: Row, model: type[SealedModel] | None = None) -> None:
    """Refuse (TamperedRecord) a row whose sealed fields or indexes are not as last written
    by the register: an older ciphertext put back, a field cleared, an index swapped, or
    a MAC removed once its table is complete. A model instance that passed is remembered
    until its values change."""
    model = model or type(row)
    if isinstance(row, pw.Model) and any(c in row._dirty for c in (*mac_bound(model), "row_mac")):
        # Values set in memory by an operation about to write them: the row as stored is
        # what must be as last written (stamp checks it again before the save).
        _check_stored(keys, row)
        return
    values = _values(row, model)
    cache = row.__dict__ if isinstance(row, pw.Model) else None
    if cache is not None and cache.get("_row_mac_checked") == values:
        return
    table = model._meta.table_name
    label = LABELS.get(table, table)
    if values[0] is None:
        if complete(keys, table):
            raise TamperedRecord(
                f"登记本记录被改动：{label}记录 {values[1][:8]} 缺少行校验，已拒绝使用；"
                "请联系技术员用 audit verify 与备份核对"
            )
    elif not hmac.compare_digest(mac(keys, row, model), values[0]):
        raise TamperedRecord(
            f"登记本记录被改动：{label}记录 {values[1][:8]} 的加密字段或索引被替换、清空，"
            "已拒绝使用；请联系技术员用 audit verify 与备份核对"
        )
    if cache is not None:
        cache["_row_mac_checked"] = values


def _check_stored(keys: Keyring, row: SealedModel) -> None:
    """Check ``row`` as it is stored (not as changed in memory since): once per instance,
    and not at all when it was checked as loaded or is not stored yet."""
    cache = row.__dict__
    if row._pk is None or "_row_mac_checked" in cache or cache.get("_row_mac_stored_ok"):
        return
    model = type(row)
    stored = model.select(*fields(model)).where(model.id == row._pk).first()
    if stored is not None:
        check(keys, stored)
    cache["_row_mac_stored_ok"] = True


def open_bytes(
    keys: Keyring, row: Row, column: str, model: type[SealedModel] | None = None
) -> bytes | None:
    """A sealed field of a row, opened — after its place (the AEAD) and the row as a whole
    (its MAC) are checked."""
    model = model or type(row)
    value = keys.open(model._meta.table_name, column, row.uuid, getattr(row, column))
    check(keys, row, model)
    return value


def open_text(
    keys: Keyring, row: Row, column: str, model: type[SealedModel] | None = None
) -> str | None:
    data = open_bytes(keys, row, column, model)
    return None if data is None else data.decode("utf-8")


# --- writing ------------------------------------------------------------------------------


def stamp(keys: Keyring, row: SealedModel, *, checked: bool = False) -> None:
    """Give ``row`` the MAC of the values it holds now, to be saved with them. A row already
    in the register is checked as stored first (``checked``: the caller has just checked
    it as it was loaded), so a write never blesses a row changed outside the register."""
    model = type(row)
    if not checked:
        _check_stored(keys, row)
    for column in MAC_COLUMNS[model]:  # an unset column is stored NULL: say so
        if column not in row.__data__:
            setattr(row, column, None)
    row.row_mac = mac(keys, row)
    row.__dict__["_row_mac_stamped"] = mac_stamp(row)


def save(keys, row: SealedModel, *, force_insert: bool = False, only=None) -> None:
    """Save a row (``only``: those fields), stamped first when it is new or its covered
    columns changed — then its MAC is saved with them. ``keys``: a Keyring, or a session
    (its keys are needed only then: a session without data access may save other columns)."""
    model = type(row)
    if only is None and row._pk is not None and not force_insert and row._dirty:
        # An UPDATE of what changed, not of every column: a case row has thirty of them.
        only = [model._meta.fields[name] for name in row._dirty]
    if row._pk is None or force_insert or any(c in row._dirty for c in mac_bound(model)):
        stamp(keys if isinstance(keys, Keyring) else keys.keys, row)
        if only is not None:
            only = [*only, model.row_mac]
    row.save(force_insert=force_insert, only=only)


def create(
    keys: Keyring,
    model: type[SealedModel],
    *,
    numbered: tuple[str, dt.date] | None = None,
    **values,
) -> SealedModel:
    """``model.create(**values)`` with the row's MAC; `numbered` (prefix, day): its
    `number` the next one, taken by the INSERT itself (store.numbers.insert_numbered)."""
    row = model(**values)
    stamp(keys, row)
    if numbered is None:
        row.save(force_insert=True)
    else:
        from store.numbers import insert_numbered

        insert_numbered(row, *numbered)
    return row


def macs_for_insert(keys: Keyring, model: type[SealedModel], rows: list[dict]) -> list[str]:
    """The MACs of rows about to be inserted in bulk (dicts of field name → value as given
    to insert_many, with the uuid and key id; a covered column not given gets its field's
    default, as insert_many writes it)."""
    defaults = {f.name: d for f, d in model._meta.defaults.items() if f.name in MAC_COLUMNS[model]}
    return [_mac_of(keys, model, lambda c, r=r: r[c] if c in r else defaults.get(c)) for r in rows]


def with_macs(keys: Keyring, model: type[SealedModel], rows: list, fields: list) -> list[tuple]:
    """Rows for a bulk insert of ``fields`` (tuples, or dicts by field name) with their
    MAC appended: insert them with ``[*fields, model.row_mac]``."""
    names = [f if isinstance(f, str) else f.name for f in fields]
    dicts = [r if isinstance(r, dict) else dict(zip(names, r, strict=True)) for r in rows]
    macs = macs_for_insert(keys, model, dicts)
    return [(*(d[n] for n in names), mac) for d, mac in zip(dicts, macs, strict=True)]


# --- completion and backfill ------------------------------------------------------------------


def _completed(keys: Keyring) -> set[str]:
    return keys._facts.setdefault("row_macs_complete", set())


def complete(keys: Keyring, table: str) -> bool:
    """Whether every row of ``table`` has its MAC: a ``row_macs.complete`` event of the
    audit chain whose own MAC checks says so (looked up by its record id, remembered by
    the session)."""
    done = _completed(keys)
    if table in done or ALL_TABLES in done:
        return True
    from store.audit import Entry, event_mac

    for event in AuditEvent.select().where(
        AuditEvent.record_id.in_([table, ALL_TABLES])
        & (AuditEvent.record_table == _RECORD_TABLE)
        & (AuditEvent.action == COMPLETE_ACTION)
    ):
        expected = event_mac(keys.audit_key, event.prev_mac, event.seq, Entry.of(event))
        if hmac.compare_digest(expected, event.mac):
            done.add(event.record_id)
            return True
    legacy = _LEGACY_FLAGS.get(table)
    if legacy is not None:  # until the daily job records the event (a plain flag, weaker)
        row = RegisterMeta.get_or_none(RegisterMeta.key == legacy)
        return row is not None and row.value == "complete"
    return False


def creation_events() -> list:
    """The audit events of a new register's creation (store.setup): every table complete,
    since it has no row yet."""
    from store.audit import EventDraft

    return [EventDraft(COMPLETE_ACTION, _RECORD_TABLE, ALL_TABLES, {"tables": _tables()})]


def _tables() -> list[str]:
    return [model._meta.table_name for model in MAC_COLUMNS]


def backfill_done(keys: Keyring) -> bool:
    return all(complete(keys, table) for table in _tables())


def backfill(
    session,
    *,
    batch_size: int = 2000,
    max_batches: int | None = None,
    between_batches: Callable[[], None] | None = None,
) -> int:
    """Give rows written before their table had a MAC theirs, table by table, one short
    audited transaction per batch (in id order, so a large table is read once); returns
    how many rows were done. A table with none left is recorded complete. A table already
    complete is never touched: a row without a MAC there has had it removed, and giving it
    one would bless whatever was changed with it."""
    from store.roles import DATA_ROLES
    from store.session import operation

    keys = session.keys
    done = batches = 0
    for model in MAC_COLUMNS:
        table = model._meta.table_name
        if complete(keys, table):
            continue
        columns = ("id", "uuid", "key_id", *MAC_COLUMNS[model])
        update = f'UPDATE "{table}" SET "row_mac" = ? WHERE "id" = ? AND "row_mac" IS NULL'
        if isinstance(database.obj, pw.PostgresqlDatabase):
            update = update.replace("?", "%s")
        where = {c: i for i, c in enumerate(columns)}
        after = 0
        while True:
            if max_batches is not None and batches >= max_batches:
                return done
            query = (
                model.select(*(model._meta.fields[c] for c in columns))
                .where(model.row_mac.is_null() & (model.id > after))
                .order_by(model.id)
                .limit(batch_size)
            )
            rows = list(database.execute_sql(*query.sql()).fetchall())
            if not rows:
                with operation(
                    session,
                    COMPLETE_ACTION,
                    roles=DATA_ROLES,
                    record_table=_RECORD_TABLE,
                    record_id=table,
                ):
                    pass
                _completed(keys).add(table)
                break
            macs = [(_mac_of(keys, model, lambda c, r=r, at=where: r[at[c]]), r[0]) for r in rows]
            with operation(
                session, "row_macs.backfill", roles=DATA_ROLES, record_table=table
            ) as event:
                database.cursor().executemany(update, macs)
                event.detail = {"rows": len(rows), "from_id": rows[0][0], "to_id": rows[-1][0]}
            done += len(rows)
            after = rows[-1][0]
            batches += 1
            if between_batches is not None:
                between_batches()  # a counter's waiting call goes first (store.daily)
    return done
