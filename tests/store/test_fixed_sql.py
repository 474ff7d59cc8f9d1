"""store.fixed_sql: the audit chain's statements written once give the rows peewee would
(PostgreSQL, the CI server; skipped without CHUANGKOU_TEST_PG_URL)."""

from __future__ import annotations

import datetime as dt

import pytest

from store import fixed_sql
from store.database import database
from store.models import AuditPending
from tests.store.test_concurrent_operations import pg_only, register_url  # noqa: F401 — fixture

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pg_only
@pytest.mark.usefixtures("hall")
def test_rows_written_and_read_back_by_fixed_sql_are_peewees_rows():
    at = dt.datetime(2026, 12, 31, 23, 59, 59, 123456, tzinfo=SHANGHAI)
    rows = [
        {
            "at": at,
            "actor": 7,
            "acting_for": None,
            "station": "一号窗",
            "action": "a.one",
            "record_table": "case",
            "record_id": "u1",
            "detail": '{"n":"BJ20261231-0001"}',
        },
        {"at": at, "action": "a.two"},  # the others: each field's default
    ]
    AuditPending.delete().execute()
    with database.atomic():
        database.execute_sql(
            fixed_sql.insert_sql(AuditPending, 2), fixed_sql.insert_params(AuditPending, rows)
        )
    stored = [p.__data__ for p in AuditPending.select().order_by(AuditPending.id)]
    assert stored[0]["at"] == at and stored[0]["at"].tzinfo is not None
    assert stored[0]["station"] == "一号窗" and stored[0]["acting_for"] is None
    assert (stored[1]["station"], stored[1]["detail"], stored[1]["actor"]) == ("", "{}", None)
    cursor = database.execute_sql(
        f"SELECT {fixed_sql.columns_sql(AuditPending)} FROM audit_pending ORDER BY id"
    )
    assert [fixed_sql.from_row(AuditPending, values) for values in cursor.fetchall()] == stored
