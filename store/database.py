"""Opening the register's database from a URL, behind Peewee's DatabaseProxy.

SQLite is the embedded default (one counter); PostgreSQL is for a hall whose counters share
one register. Nothing here may work on one by accident and fail on the other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import peewee as pw

from store.errors import RegisterNotFound, StoreError

#: Every model binds to this proxy; `open_database` points it at a real database.
database = pw.DatabaseProxy()

#: A counter terminal may lose power at any moment: a committed record must survive
#: (synchronous=FULL), and two counters must wait for each other, not fail (busy timeout).
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    # Deleted rows (a sealed value replaced, a key slot destroyed) are overwritten with
    # zeros, not left in free pages for whoever copies the file: not left to the build.
    "secure_delete": 1,
}


def default_url() -> str:
    """SQLite in the platform's data directory (created on first use)."""
    import platformdirs

    data_dir = Path(platformdirs.user_data_dir("chuangkou", appauthor=False))
    return f"sqlite:///{data_dir / 'register.db'}"


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:/// URL, or None for other URLs."""
    if url.startswith("sqlite:///"):
        return Path(unquote(url[len("sqlite:///") :]))
    return None


def make_database(url: str, *, must_exist: bool = True) -> pw.Database:
    """Build (not yet connect) the Peewee database for a URL."""
    path = sqlite_path(url)
    if path is not None:
        if must_exist and not path.exists():
            raise RegisterNotFound(f"登记本不存在：{path}（请先运行 chuangkou init）")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            # Created for its owner only; SQLite gives its -wal and -shm the same mode.
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        # IMMEDIATE: a write transaction takes the lock when it begins, so two counters
        # never both read the audit chain's head and then collide on writing.
        return pw.SqliteDatabase(
            str(path), pragmas=SQLITE_PRAGMAS, timeout=10, lock_type="IMMEDIATE"
        )
    parsed = urlparse(url)
    if parsed.scheme in ("postgresql", "postgres"):
        # A hall's server: pooled, and a lost connection is one clear error (store.postgres).
        from store.postgres import PostgresHallDatabase

        return PostgresHallDatabase(
            unquote(parsed.path.lstrip("/")),
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname,
            port=parsed.port,
            # Timestamps are stored as UTC; the session must not shift them.
            options="-c timezone=UTC",
        )
    raise StoreError(
        f"不支持的登记本地址：{parsed.scheme or url}（应为 sqlite:/// 或 postgresql://）"
    )


def open_database(url: str, *, must_exist: bool = True) -> pw.Database:
    """Point the proxy at the database of `url` and connect."""
    from store.textguard import refuse_unstorable_text

    db = refuse_unstorable_text(make_database(url, must_exist=must_exist))
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
    except pw.OperationalError as exc:
        raise StoreError(f"无法打开登记本（{type(exc).__name__}）") from exc
    return db


def read_snapshot():
    """A read-only transaction: one consistent view for several reads (a report's batch)
    that takes no write lock — SQLite's default transactions here are IMMEDIATE, which
    would hold the other counters' writes for as long as the reads take."""
    if isinstance(database.obj, pw.SqliteDatabase):
        return database.atomic(lock_type="DEFERRED")
    return database.atomic()


def close_database() -> None:
    """Close this thread's connection; a pool (PostgreSQL) closes its idle ones too."""
    db = database.obj
    if db is None:
        return
    if not db.is_closed():
        db.close()
    close_idle = getattr(db, "close_idle", None)
    if close_idle is not None:
        close_idle()


def ping() -> None:
    """One round trip to the register: is a hall's server answering again?"""
    database.execute_sql("SELECT 1")


def release_connection() -> None:
    """Between two calls of a long-lived thread: its PostgreSQL connection goes back to the
    pool (checked when taken again), so idle threads hold no server connection. SQLite
    keeps its connection (opening one runs its pragmas again)."""
    release = getattr(database.obj, "release", None)  # store.postgres.PostgresHallDatabase
    if release is not None:
        release()


class UtcDateTimeField(pw.DateTimeField):
    """A timezone-aware UTC instant, stored as a naive UTC timestamp on every backend."""

    def db_value(self, value: dt.datetime | None):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTimeField needs an aware datetime")
        return super().db_value(value.astimezone(dt.UTC).replace(tzinfo=None))

    def python_value(self, value):  # type: ignore[override]
        value = super().python_value(value)
        if isinstance(value, dt.datetime):
            return (
                value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
            )
        return value


def upsert(model: type[pw.Model], **values) -> None:
    """Insert a row, or overwrite the given columns of the row with the same primary key.

    Portable stand-in for `Model.replace` (SQLite's INSERT OR REPLACE, which PostgreSQL
    lacks): INSERT … ON CONFLICT (primary key) DO UPDATE, on SQLite ≥ 3.24 and PostgreSQL."""
    pk = model._meta.primary_key
    model.insert(**values).on_conflict(
        conflict_target=[pk],
        preserve=[model._meta.fields[name] for name in values if name != pk.name],
    ).execute()
