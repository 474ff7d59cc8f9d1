"""A connection to the hall's PostgreSQL server that dies (store.postgres): the session is
ended from the server's side (pg_terminate_backend, as a restart does to every station)
at chosen points — while idle, inside an operation, inside a nested one, on the way to
COMMIT. The next call works on a new connection; what was not committed is not there,
not a part of it; the error is 「服务器连接中断」. The server itself is stopped and started
in tests/store/test_server_restart.py.

Runs only when CHUANGKOU_TEST_PG_URL names a test database (see .ci/postgres.sh).
"""

from __future__ import annotations

import contextlib

import peewee as pw
import psycopg2
import pytest

from store import audit
from store.database import close_database, database
from store.errors import ServerUnavailable
from store.models import AuditEvent, Person, RegisterMeta, Staff
from store.persons import upsert_person
from store.session import operation, transaction
from store.staff import add_staff
from tests.conftest import CLERK_PASSWORD
from tests.store.test_postgres import PG_URL, _wipe

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="CHUANGKOU_TEST_PG_URL is not set"),
]


@pytest.fixture(scope="module")
def hall():
    """One register for the module (made once: each test counts what it changes)."""
    import datetime as dt

    from store.clock import FixedClock
    from store.keyslots import OWASP_MINIMUM_KDF
    from store.setup import create_register
    from store.staff import add_staff
    from tests.conftest import CLERK_PASSWORD, SUPERVISOR_PASSWORD, Hall

    close_database()
    _wipe(PG_URL)
    register, supervisor, recovery = create_register(
        PG_URL,
        hall_name="示例镇便民服务中心",
        hall_code="SLZ",
        supervisor_number="0001",
        supervisor_name="林主任",
        password=SUPERVISOR_PASSWORD,
        clock=FixedClock(dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC)),
        kdf=OWASP_MINIMUM_KDF,
    )
    add_staff(supervisor, number="1001", name="王小英", role="clerk", password=CLERK_PASSWORD)
    yield Hall(register, supervisor, recovery)
    close_database()


def _kill_my_connection() -> None:
    """End this thread's server session from outside, and wait until it has ended."""
    pid = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    other = psycopg2.connect(PG_URL)
    try:
        other.autocommit = True
        with other.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
            assert cur.fetchone()[0] is True
    finally:
        other.close()


def _count(model) -> int:
    return model.select().count()


def test_a_connection_killed_while_idle_is_replaced_unseen(hall):
    clerk = hall.login()
    persons = _count(Person)
    upsert_person(clerk, name="空闲甲", phone="13911110001")
    _kill_my_connection()
    # The next operation's BEGIN finds the connection dead: a new one, nothing said.
    upsert_person(clerk, name="空闲乙", phone="13911110002")
    _kill_my_connection()
    assert _count(Person) == persons + 2  # a read on its own is sent again too
    assert audit.verify(clerk.keys.audit_key).ok


def test_a_connection_lost_inside_an_operation_leaves_nothing_of_it(hall, monkeypatch):
    clerk = hall.login()
    persons, events = _count(Person), _count(AuditEvent)
    original = audit.append

    def append(*args, **kwargs):  # the person row is written; its event is next
        _kill_my_connection()
        return original(*args, **kwargs)

    monkeypatch.setattr(audit, "append", append)
    with pytest.raises(ServerUnavailable) as lost:
        upsert_person(clerk, name="中断丙", phone="13911110003")
    assert str(lost.value).startswith("服务器连接中断") and not lost.value.in_doubt
    assert not database.in_transaction()
    monkeypatch.setattr(audit, "append", original)
    assert (_count(Person), _count(AuditEvent)) == (persons, events)  # neither half
    # Done again, it is done once.
    upsert_person(clerk, name="中断丙", phone="13911110003")
    assert (_count(Person), _count(AuditEvent)) == (persons + 1, events + 1)
    assert audit.verify(clerk.keys.audit_key).ok


def test_an_operation_nested_in_a_transaction_rolls_back_the_whole(hall):
    """The inner operation is a savepoint: its ROLLBACK TO cannot reach the server and
    must not be tried on a new connection; the outer transaction is gone as a whole."""
    clerk = hall.login()
    persons, events = _count(Person), _count(AuditEvent)
    with pytest.raises(ServerUnavailable), transaction(clerk):
        upsert_person(clerk, name="嵌套丁", phone="13911110004")
        with operation(clerk, "test.inner"):
            _kill_my_connection()
            RegisterMeta.create(key="test.inner", value="半")
    assert not database.in_transaction()
    assert (_count(Person), _count(AuditEvent)) == (persons, events)
    assert RegisterMeta.get_or_none(RegisterMeta.key == "test.inner") is None


def test_a_lost_statement_whose_error_is_swallowed_is_never_committed(hall):
    """Code that catches the error and carries on does not commit the part before it: the
    transaction stays failed until it ends, and its COMMIT says so."""
    with pytest.raises(ServerUnavailable), database.atomic():
        RegisterMeta.create(key="test.first", value="前半")
        _kill_my_connection()
        with contextlib.suppress(ServerUnavailable):  # swallowed
            RegisterMeta.create(key="test.second", value="后半")
        with pytest.raises(ServerUnavailable):  # no statement runs on a new connection
            RegisterMeta.create(key="test.third", value="又一个")
    assert RegisterMeta.select().where(RegisterMeta.key.startswith("test.")).count() == 0


def test_a_commit_lost_on_its_way_is_said_to_be_in_doubt(hall, monkeypatch):
    """An exclusive operation's COMMIT goes alone: the connection killed just before it."""
    supervisor = hall.supervisor
    staff = _count(Staff)
    original = pw.Database.commit

    def commit(db):
        _kill_my_connection()
        return original(db)

    monkeypatch.setattr(pw.Database, "commit", commit)
    with pytest.raises(ServerUnavailable) as lost:
        add_staff(supervisor, number="1009", name="提交戊", role="clerk", password=CLERK_PASSWORD)
    monkeypatch.setattr(pw.Database, "commit", original)
    assert lost.value.in_doubt and "无法确认" in str(lost.value)
    assert _count(Staff) == staff  # killed before COMMIT arrived: not done, and whole
    assert audit.verify(supervisor.keys.audit_key).ok


def test_a_last_statement_sent_with_its_commit_and_lost_is_in_doubt(hall, monkeypatch):
    """A concurrent operation's last statement (its audit events) goes with its COMMIT in
    one round trip (store.postgres.execute_and_commit): the session ended by the server
    while it is on its way leaves the counter unable to know — in doubt; found dead before
    it was sent, it is known not done."""
    from store.postgres import PostgresHallDatabase

    clerk = hall.login()
    persons = _count(Person)
    original = PostgresHallDatabase._execute_cursor

    def execute(db, sql, params, **options):
        if sql.endswith("; COMMIT"):  # the server ends the session as the statement arrives
            sql = "SELECT pg_terminate_backend(pg_backend_pid()); " + sql
        return original(db, sql, params, **options)

    monkeypatch.setattr(PostgresHallDatabase, "_execute_cursor", execute)
    with pytest.raises(ServerUnavailable) as lost:
        upsert_person(clerk, name="提交己", phone="13911110006")
    monkeypatch.setattr(PostgresHallDatabase, "_execute_cursor", original)
    assert lost.value.in_doubt and "无法确认" in str(lost.value)
    assert _count(Person) == persons  # ended before its COMMIT: not done, and whole
    upsert_person(clerk, name="提交己", phone="13911110006")  # done again: once
    assert _count(Person) == persons + 1
    assert audit.verify(clerk.keys.audit_key).ok


def test_a_refusal_recorded_while_the_server_is_lost_waits_on_the_session(hall, monkeypatch):
    """A refused attempt's audit event is written after the transaction; with the server
    away it stays on the session and is written by the next transaction."""
    from store.errors import PermissionDenied
    from store.session import require_role

    clerk = hall.login()

    def refused_then_lost():
        with transaction(clerk):
            with pytest.raises(PermissionDenied):
                require_role(clerk, "test.denied", ["supervisor"])
            _kill_my_connection()
            RegisterMeta.create(key="test.lost", value="x")

    before = AuditEvent.select().where(AuditEvent.action == "denied").count()
    connect = type(database.obj).connect

    def refuse_to_connect(db, reuse_if_open=False):
        if db.is_closed():
            raise ServerUnavailable()
        return connect(db, reuse_if_open)

    monkeypatch.setattr(type(database.obj), "connect", refuse_to_connect)
    with pytest.raises(ServerUnavailable):
        refused_then_lost()
    assert len(clerk.refusals) == 1  # kept, not lost with the write that failed
    monkeypatch.setattr(type(database.obj), "connect", connect)
    upsert_person(clerk, name="拒绝己", phone="13911110006")
    assert clerk.refusals == []
    assert AuditEvent.select().where(AuditEvent.action == "denied").count() == before + 1
    assert audit.verify(clerk.keys.audit_key).ok


def test_many_short_threads_share_a_few_pooled_connections(hall):
    """Threads that each do one call and give their connection back reuse the pool's."""
    import threading

    from store.database import release_connection

    clerk = hall.login()
    pool = database.obj
    release_connection()  # this thread's too

    def one_call(i: int) -> None:
        try:
            upsert_person(clerk, name=f"池{i}", phone=f"1390000{i:04d}")
        finally:
            release_connection()

    persons = _count(Person)
    release_connection()
    for i in range(6):  # one after another: one connection is enough
        thread = threading.Thread(target=one_call, args=(i,))
        thread.start()
        thread.join(timeout=30)
    assert len(pool._in_use) == 0 and len(pool._connections) == 1
    assert _count(Person) == persons + 6
