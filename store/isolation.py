"""How operations of several counters run side by side on one PostgreSQL register.

SQLite needs none of this: its write transactions are IMMEDIATE, one at a time.

On PostgreSQL (READ COMMITTED) an operation (store.session.operation) is either

- *exclusive*, the default: it runs alone, as on SQLite — for every operation whose checks
  read rows another could change meanwhile (key rotation, handovers, imports, staff …); or
- *concurrent*: written to be correct beside any other — it locks the rows it decides on
  (`for_update`) and a value two counters could register at once (`lock_value`), takes
  numbers (store.numbers) only just before writing their rows, and writes its audit events
  to be linked after its COMMIT (store.audit.link_waiting), never waiting for the chain's
  head: counters wait for each other only over one number's last statements.

The two kinds exclude each other through one transaction-scoped advisory lock: shared by
concurrent operations, exclusive for the others (PostgreSQL queues a new shared request
behind a waiting exclusive one, so an exclusive operation is not starved).
"""

from __future__ import annotations

import logging
import zlib

import peewee as pw

from store.database import database

log = logging.getLogger("chuangkou.store")

SHARED, EXCLUSIVE = "shared", "exclusive"

#: The register's one gate (any bigint; advisory locks are per database).
GATE = 0x63686B_0001


def is_postgres() -> bool:
    return isinstance(database.obj, pw.PostgresqlDatabase)


def enter(held: str | None, concurrent: bool) -> str:
    """Take the gate for an operation, inside its transaction; `held`: what this transaction
    holds already (None at its first operation). Returns what it holds now."""
    want = SHARED if concurrent else EXCLUSIVE
    if held in (EXCLUSIVE, want):
        return held
    if not is_postgres():
        return want
    if held == SHARED:
        # An exclusive operation inside a concurrent one's transaction: it waits for every
        # other concurrent one to end (two such at once: PostgreSQL ends one as a deadlock).
        log.warning("an exclusive operation inside a concurrent one's transaction")
    function = "pg_advisory_xact_lock_shared" if want == SHARED else "pg_advisory_xact_lock"
    database.execute_sql(f"SELECT {function}(%s)", (GATE,))
    return want


def for_update(query: pw.SelectQuery) -> pw.SelectQuery:
    """The query locking the rows it reads until COMMIT (PostgreSQL; SQLite locks all)."""
    return query.for_update() if is_postgres() else query


def lock_value(kind: str, value: str) -> None:
    """Until COMMIT, one transaction at a time for this value of `kind` (e.g. a person's blind
    index while one counter registers them): what is not a row yet cannot be row-locked."""
    if is_postgres():
        database.execute_sql(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            (zlib.crc32(kind.encode()) & 0x7FFF_FFFF, value),
        )
