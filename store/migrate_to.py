"""Moving a single-terminal SQLite register to a hall's PostgreSQL server (`chuangkou
migrate-to URL`): every row of every table, the key slots and the audit chain, verified.

- The source is only read: opened `immutable` when no counter has it open (no -wal file;
  SQLite then creates no -wal/-shm beside it either), else read-only through its WAL. Its
  files' size and time are compared before and after: a write during the move (a counter
  still working) refuses the move.
- The target must hold no register. Everything is written in ONE PostgreSQL transaction:
  schema, rows (COPY in batches, with progress; foreign keys and secondary indexes made
  after the load, which checks them), sequences set past the copied ids, then the
  checks — row counts and a per-table digest of every row's values read back from the
  server against those read from the source, and the audit chain verified with the audit
  key (store.audit.verify) after one event of the move is appended to it. A check that
  fails rolls everything back: the target is left as it was.
- Who moves it logs in with a password of the register (大厅主任/系统管理员): the audit key
  that verifies the chain is opened from their key slot, read from the source without
  writing to it (so no login event on the source; the move is recorded on the target).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlparse

import peewee as pw

from store import audit
from store.clock import Clock, SystemClock
from store.database import close_database, database, make_database, sqlite_path
from store.errors import (
    AuthenticationFailed,
    MigrationError,
    PermissionDenied,
    RegisterExists,
    RegisterNotFound,
)
from store.migrations import latest_version, migrate
from store.models import ALL_MODELS, KeySlot, RegisterMeta, Staff
from store.roles import ROLE_LABELS, SUPERVISOR_ROLES

#: Rows per batch: one COPY (a few MB at most) and one step of progress.
BATCH = 2_000

#: progress(phase, what, done, total): 复制/核对 a table's rows, 重建 its indexes and keys.
Progress = Callable[[str, str, int, int], None]


@dataclass(frozen=True)
class TableCheck:
    table: str
    rows: int
    digest: str  # SHA-256 over every row's values, in primary-key order


@dataclass(frozen=True)
class MigrationReport:
    tables: list[TableCheck]
    rows: int
    chain: str  # audit.verify's message on the target
    events: int  # the chain's length on the target (the move's own event included)


def _no_progress(phase: str, table: str, done: int, total: int) -> None:
    pass


# --- the source: read, never written ----------------------------------------------------


def _file_state(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def _source_state(path: Path) -> tuple:
    return tuple(_file_state(Path(f"{path}{suffix}")) for suffix in ("", "-wal"))


def open_source(path: Path) -> pw.SqliteDatabase:
    """The register file opened so that nothing can be written to it. Without a -wal file
    no counter has it open and every commit is in the file: `immutable` reads it without
    creating -wal/-shm beside it. With one, read-only through the WAL (its commits)."""
    if not path.is_file():
        raise RegisterNotFound(f"登记本不存在：{path}")
    wal = Path(f"{path}-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    db = pw.SqliteDatabase(f"file:{quote(str(path))}?{flags}", uri=True)
    try:
        db.connect()
        db.execute_sql("PRAGMA query_only = 1")
    except pw.DatabaseError as exc:
        raise MigrationError(f"无法以只读方式打开登记本（{type(exc).__name__}）") from exc
    return db


def _check_source_schema(src: pw.SqliteDatabase) -> None:
    try:
        tables = set(src.get_tables())
        row = src.execute_sql(
            "SELECT value FROM register_meta WHERE key = 'schema_version'"
        ).fetchone()
    except pw.DatabaseError as exc:
        raise MigrationError(f"登记本文件无法读取（{type(exc).__name__}）") from exc
    if row is None:
        raise RegisterNotFound("登记本尚未初始化（没有结构版本）")
    version = int(row[0])
    if version > latest_version():
        raise MigrationError(
            f"登记本结构版本为 {version}，本程序只支持到 {latest_version()}：请升级 chuangkou 后再迁移"
        )
    if version < latest_version():
        raise MigrationError(
            f"登记本结构版本为 {version}，低于本程序的 {latest_version()}：请先在本终端用本版本"
            "打开一次登记本（启动窗口应用，或运行 chuangkou audit verify --as 工号）完成升级，再迁移"
        )
    for model in ALL_MODELS:
        name = model._meta.table_name
        if name not in tables:
            raise MigrationError(f"登记本缺少数据表 {name}：文件不完整，不能迁移")
        have = {c.name for c in src.get_columns(name)}
        want = {f.column_name for f in model._meta.sorted_fields}
        if have != want:
            raise MigrationError(
                f"登记本数据表 {name} 的列与本版本的结构不符，不能迁移：请联系技术支持"
            )


def unlock_on_source(number: str, password: str):
    """(staff, slot, private key, keyring) of a 大厅主任/系统管理员, from the source (the
    proxy points at it) without writing: the slot is opened as a login opens it."""
    from store.slots import open_keyring, slot_deks, unlock_slot

    staff = Staff.get_or_none(Staff.number == number.strip())
    slot = KeySlot.get_or_none(KeySlot.staff == staff) if staff is not None else None
    if staff is None or slot is None or not staff.active:
        # The same Argon2id work as a real attempt: the answer's time says nothing.
        from store.auth import _spend_like_a_login

        _spend_like_a_login(password)
        raise AuthenticationFailed("工号或密码错误")
    private = unlock_slot(slot, password)  # AuthenticationFailed if wrong
    if staff.role not in SUPERVISOR_ROLES:
        wanted = "、".join(ROLE_LABELS[r] for r in sorted(SUPERVISOR_ROLES))
        raise PermissionDenied(f"迁移登记本需要{wanted}登录（核对审计链要用其密钥）")
    keyring = open_keyring(slot_deks(slot, private))
    if keyring is None:
        raise PermissionDenied("此账号的密钥槽中没有数据密钥，无法核对审计链")
    return staff, slot, private, keyring


# --- rows and digests -------------------------------------------------------------------
#
# Rows are read raw (sqlite3, psycopg2) and brought to one canonical form per column type —
# a UTC instant as a naive datetime, a date, a bool, bytes, int, str — which is what is
# written to the target (COPY) and what both sides' digests are taken over. Peewee's own
# row conversion and INSERT building cost minutes on 100,000 cases; this costs seconds.


def _utc_naive(value):
    if value is None or isinstance(value, dt.datetime):
        return value
    instant = dt.datetime.fromisoformat(value)
    if instant.tzinfo is not None:
        instant = instant.astimezone(dt.UTC).replace(tzinfo=None)
    return instant


def _date(value):
    return value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _bool(value):
    return value if value is None else bool(value)


def _bytes(value):
    if isinstance(value, str):  # as peewee's BlobField stores a str
        return value.encode("utf-8")
    return bytes(value) if isinstance(value, (memoryview, bytearray)) else value


def _converter(field: pw.Field):
    """Raw value (either backend) → canonical; None where the raw value already is."""
    if isinstance(field, pw.BooleanField):
        return _bool
    if isinstance(field, pw.DateTimeField):
        return _utc_naive
    if isinstance(field, pw.DateField):
        return _date
    if isinstance(field, pw.BlobField):
        return _bytes
    return None


def _canonical_rows(model, cursor) -> Iterator[tuple]:
    converters = [_converter(f) for f in model._meta.sorted_fields]
    if not any(converters):
        yield from (tuple(r) for r in cursor)
        return
    pairs = [(i, c) for i, c in enumerate(converters) if c is not None]
    for raw in cursor:
        row = list(raw)
        for i, convert in pairs:
            row[i] = convert(row[i])
        yield tuple(row)


def _pk_positions(model) -> list[int]:
    pk = model._meta.primary_key
    fields = model._meta.sorted_fields
    if isinstance(pk, pw.CompositeKey):
        return [fields.index(model._meta.fields[name]) for name in pk.field_names]
    return [fields.index(pk)]


def _ordered_in_sql(model) -> bool:
    """Tables keyed by an integer are ordered by the server; those keyed by text are
    small and sorted here: SQLite and PostgreSQL order text differently."""
    pk = model._meta.primary_key
    return not isinstance(pk, pw.CompositeKey) and isinstance(pk, pw.IntegerField)


def _select(model) -> str:
    columns = ", ".join(f'"{f.column_name}"' for f in model._meta.sorted_fields)
    sql = f'SELECT {columns} FROM "{model._meta.table_name}"'
    if _ordered_in_sql(model):
        sql += f' ORDER BY "{model._meta.primary_key.column_name}"'
    return sql


def _in_order(model, rows: Iterator[tuple]) -> Iterator[tuple]:
    if _ordered_in_sql(model):
        return rows
    positions = _pk_positions(model)
    return iter(sorted(rows, key=lambda r: tuple(r[i] for i in positions)))


def _batches(rows: Iterator[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _digest_update(sha, rows: list[tuple]) -> None:
    for row in rows:
        sha.update(repr(row).encode("utf-8", "surrogatepass"))
        sha.update(b"\n")


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    kind = type(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if kind is bytes:
        return "\\\\x" + value.hex()
    if kind is dt.datetime:
        return value.isoformat(" ")
    if kind is dt.date:
        return value.isoformat()
    raise MigrationError(f"登记本中有无法迁移的值（{kind.__name__}）：请联系技术支持")


# --- the target -----------------------------------------------------------------------


def open_target(url: str) -> pw.Database:
    if urlparse(url).scheme not in ("postgresql", "postgres"):
        raise MigrationError("迁移目标应为大厅服务器的 PostgreSQL 地址（postgresql://…）")
    db = make_database(url)
    try:
        db.connect()
    except pw.DatabaseError as exc:
        # The driver's message can carry the host and user: only the kind is shown.
        raise MigrationError(
            f"无法连接目标数据库（{type(exc).__name__}）：请检查地址、用户名、密码和服务器"
        ) from exc
    ours = {m._meta.table_name for m in ALL_MODELS}
    if ours & set(db.get_tables()):
        db.close()
        raise RegisterExists(
            "目标数据库中已有登记本（或其数据表），不会覆盖：请用一个新建的空数据库"
        )
    return db


def _set_sequences(db: pw.Database, model) -> None:
    """A serial primary key's sequence set past the largest copied id, so the next row a
    counter writes gets a new one."""
    pk = model._meta.primary_key
    if not isinstance(pk, pw.AutoField):
        return
    table = model._meta.table_name
    db.execute_sql(
        f"SELECT setval(pg_get_serial_sequence(%s, %s),"
        f' COALESCE((SELECT MAX("{pk.column_name}") FROM "{table}"), 0) + 1, false)',
        (f'"{table}"', pk.column_name),
    )


def _set_aside_keys_and_indexes(conn) -> list[str]:
    """Drop the foreign keys and secondary indexes of the new, empty tables before the
    load; the statements that make them again, to run after it. Built once over the whole
    table, each costs a fraction of keeping it up to date row by row (on 100,000 cases
    most of the load's time went to them). The primary keys stay. Made again, each is
    checked as on any write: a foreign key that does not hold fails the move."""
    ours = [m._meta.table_name for m in ALL_MODELS]
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)"
            " FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid"
            " WHERE con.contype = 'f' AND c.relnamespace = current_schema()::regnamespace"
            " AND c.relname = ANY(%s) ORDER BY c.relname, con.conname",
            (ours,),
        )
        keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE schemaname = current_schema() AND tablename = ANY(%s)"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint"
            "  WHERE connamespace = current_schema()::regnamespace)"
            " ORDER BY tablename, indexname",
            (ours,),
        )
        indexes = cursor.fetchall()
        for table, name, _ in keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in keys
    ]


def _copy_table(model, src, conn, batch: int, total: int, progress: Progress) -> TableCheck:
    """Stream a table from the source into the target (COPY, a batch at a time); the
    digest of what was written."""
    sha, done, name = hashlib.sha256(), 0, model._meta.table_name
    columns = ", ".join(f'"{f.column_name}"' for f in model._meta.sorted_fields)
    copy = f'COPY "{name}" ({columns}) FROM STDIN'
    progress("复制", name, 0, total)
    rows = _in_order(model, _canonical_rows(model, src.execute_sql(_select(model))))
    with conn.cursor() as cursor:
        for chunk in _batches(rows, batch):
            text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in chunk)
            cursor.copy_expert(copy, io.StringIO(text))
            _digest_update(sha, chunk)
            done += len(chunk)
            progress("复制", name, done, total)
    return TableCheck(name, done, sha.hexdigest())


def _fetch(conn, model, batch: int) -> Iterator[tuple]:
    """The table's rows from the server a batch at a time (a cursor declared inside the
    transaction: peewee's connections are in autocommit mode, where psycopg2's named
    cursors are refused)."""
    cursor_name = f"chuangkou_check_{model._meta.table_name}"
    with conn.cursor() as cursor:
        cursor.execute(f"DECLARE {cursor_name} NO SCROLL CURSOR FOR {_select(model)}")
        try:
            while True:
                cursor.execute(f"FETCH FORWARD {int(batch)} FROM {cursor_name}")
                rows = cursor.fetchall()
                if not rows:
                    return
                yield from rows
        finally:
            cursor.execute(f"CLOSE {cursor_name}")


def _check_table(model, conn, batch: int, expected: TableCheck, progress: Progress) -> None:
    """Read the table back from the server: the same number of rows, the same digest."""
    name = model._meta.table_name
    with conn.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM "{name}"')
        (count,) = cursor.fetchone()
    if count != expected.rows:
        raise MigrationError(
            f"核对不符：数据表 {name} 源登记本 {expected.rows} 行，目标 {count} 行；目标库未改动"
        )
    sha, done = hashlib.sha256(), 0
    for chunk in _batches(
        _in_order(model, _canonical_rows(model, _fetch(conn, model, batch))), batch
    ):
        _digest_update(sha, chunk)
        done += len(chunk)
        progress("核对", name, done, expected.rows)
    if sha.hexdigest() != expected.digest:
        raise MigrationError(f"核对不符：数据表 {name} 的内容与源登记本不同；目标库未改动")


def migrate_to(
    source_url: str,
    target_url: str,
    number: str,
    password: str,
    *,
    station: str = "",
    clock: Clock | None = None,
    progress: Progress = _no_progress,
    batch: int = BATCH,
) -> MigrationReport:
    """Copy the SQLite register at `source_url` into the empty PostgreSQL database at
    `target_url`, verify it, and record the move in the target's audit chain."""
    import psycopg2  # the PostgreSQL driver (peewee's); only a move to a server needs it

    from store.session import Register, Session, operation

    path = sqlite_path(source_url)
    if path is None:
        raise MigrationError("本登记本不是 SQLite 登记本（已在服务器上），无需迁移")
    if urlparse(target_url).scheme not in ("postgresql", "postgres"):
        raise MigrationError("迁移目标应为大厅服务器的 PostgreSQL 地址（postgresql://…）")
    before = _source_state(path)
    close_database()
    src = open_source(path)
    tgt = None
    try:
        database.initialize(src)
        _check_source_schema(src)
        staff, slot, private, keyring = unlock_on_source(number, password)
        totals = {
            m: src.execute_sql(f'SELECT COUNT(*) FROM "{m._meta.table_name}"').fetchone()[0]
            for m in ALL_MODELS
        }
        tgt = open_target(target_url)
        database.initialize(tgt)
        try:
            with tgt.atomic():
                migrate(tgt)  # the schema as this version makes it; its meta rows replaced
                RegisterMeta.delete().execute()
                models = pw.sort_models(ALL_MODELS)
                conn = tgt.connection()
                restore = _set_aside_keys_and_indexes(conn)
                checks = [_copy_table(m, src, conn, batch, totals[m], progress) for m in models]
                progress("重建", "索引和外键", 0, len(restore))
                with conn.cursor() as cursor:
                    for done, statement in enumerate(restore, 1):
                        cursor.execute(statement)
                        progress("重建", "索引和外键", done, len(restore))
                for model in models:
                    _set_sequences(tgt, model)
                for model, check in zip(models, checks, strict=True):
                    _check_table(model, conn, batch, check, progress)
                if _source_state(path) != before:
                    raise MigrationError(
                        "迁移期间登记本有新的写入（仍有窗口终端在使用）：目标库未改动，"
                        "请关闭所有窗口终端后重试"
                    )
                register = Register(target_url, tgt, clock or SystemClock(), station)
                session = Session(
                    register,
                    staff.id,
                    staff.role,
                    keyring,
                    staff_number=staff.number,
                    slot_id=slot.id,
                    slot_private=private,
                )
                rows = sum(c.rows for c in checks)
                with operation(
                    session,
                    "register.migrate",
                    roles=SUPERVISOR_ROLES,
                    record_table="register_meta",
                ) as event:
                    event.detail = {"from": "sqlite", "tables": len(checks), "rows": rows}
                result = audit.verify(keyring.audit_key)
                if not result.ok:
                    raise MigrationError(
                        f"迁移后审计链核对未通过（{result.message}）：目标库未改动；"
                        "请在本终端运行 chuangkou audit verify 检查源登记本"
                    )
        except (pw.DatabaseError, psycopg2.Error, sqlite3.Error) as exc:
            # Peewee's errors, and the drivers' own from the raw cursors used for the rows.
            raise MigrationError(
                f"迁移失败（{type(exc).__name__}）：目标库未改动，源登记本未改动"
            ) from exc
    finally:
        src.close()
        if tgt is not None:
            tgt.close()
            getattr(tgt, "close_all", lambda: None)()  # a pool (store.postgres)
        database.initialize(None)
    order = {m._meta.table_name: i for i, m in enumerate(ALL_MODELS)}
    checks.sort(key=lambda c: order[c.table])
    return MigrationReport(checks, rows, result.message, result.count)
