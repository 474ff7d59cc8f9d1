"""The hall's PostgreSQL server stopped and started again (pg_ctlcluster) while the
register is in use: in the middle of an operation, and in the middle of a hall's load of
station processes (tests/hall). Stations carry on by themselves once it is back; nothing
reported committed is lost; nothing is half-written (each record with its audit event, or
neither); the chain verifies.

Stops the server of CHUANGKOU_TEST_PG_URL: marked ``pgfault`` (see tests/store/pg_server.py).
"""

from __future__ import annotations

import os

import pytest

from store import audit
from store.database import close_database
from store.errors import ServerUnavailable
from store.models import AuditEvent, Person
from store.persons import find_by_phone, upsert_person
from tests.store.pg_server import pg_server, wait_for  # noqa: F401 — a fixture
from tests.store.test_postgres import PG_URL, _wipe

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.pgfault,
    pytest.mark.skipif(not PG_URL, reason="CHUANGKOU_TEST_PG_URL is not set"),
]

#: The hall of the load under a restart: stations and calls per station (CI's cost).
STATIONS = int(os.environ.get("CHUANGKOU_FAULT_STATIONS", "8"))
OPS = int(os.environ.get("CHUANGKOU_FAULT_OPS", "12"))


@pytest.fixture
def register_url():
    close_database()
    _wipe(PG_URL)
    yield PG_URL
    close_database()


def test_the_server_stopped_in_an_operation_and_started_again(
    hall,
    pg_server,  # noqa: F811 — the fixture
    monkeypatch,
):
    clerk = hall.login()
    phones = [f"1391234000{i}" for i in range(3)]
    for i, phone in enumerate(phones):
        upsert_person(clerk, name=f"停机前{i}", phone=phone)
    persons, events = Person.select().count(), AuditEvent.select().count()
    original = audit.append

    def append(*args, **kwargs):  # the person row is written, its event not yet
        pg_server.stop()
        return original(*args, **kwargs)

    monkeypatch.setattr(audit, "append", append)
    with pytest.raises(ServerUnavailable, match=r"^服务器连接中断"):
        upsert_person(clerk, name="停机时", phone="13912340009")
    monkeypatch.setattr(audit, "append", original)

    # While it is down, every call says so at once — the same session, a login, a read.
    for call in (
        lambda: upsert_person(clerk, name="停机时", phone="13912340009"),
        lambda: hall.login(),
        lambda: Person.select().count(),
    ):
        with pytest.raises(ServerUnavailable, match=r"^服务器连接中断"):
            call()

    pg_server.start()
    # The same session carries on: no new login, no restart of anything.
    upsert_person(clerk, name="停机时", phone="13912340009")
    assert (Person.select().count(), AuditEvent.select().count()) == (persons + 1, events + 1)
    for phone in [*phones, "13912340009"]:
        assert len(find_by_phone(clerk, phone)) == 1  # each committed once, none lost
    assert audit.verify(clerk.keys.audit_key).ok
    assert hall.login().staff_number == "1001"


def test_stations_under_load_carry_on_after_a_restart_by_themselves(
    pg_server,  # noqa: F811 — the fixture
    tmp_path,
):
    from store.auth import login
    from store.models import Case, Inquiry
    from store.session import Register

    harness = pytest.importorskip("tests.hall.stations", reason="the hall load harness")

    close_database()
    _wipe(PG_URL)
    plan = harness.prepare_hall(PG_URL, stations=STATIONS)
    # Each station retries a call that met the lost server (a clerk pressing the key
    # again); the server is back within seconds, so the budget is generous.
    stations = harness.start_stations(plan, ops=OPS, out_dir=tmp_path, retry_seconds=60)
    try:
        harness.go(stations)
        wait_for(
            lambda: all(len(s.results()) >= 2 for s in stations),
            timeout=120,
            what="every station committed two calls",
        )
        pg_server.stop()
        during = sum(len(s.results()) for s in stations)
        pg_server.start()
        harness.wait_all(stations, timeout=180)
    finally:
        for s in stations:
            s.stop()

    reported = [r for s in stations for r in s.results()]
    assert len(reported) == STATIONS * OPS  # every station did all its calls
    assert during < len(reported), "the restart was not in the middle of the load"
    assert sum(max(0, r["retries"]) for r in reported) > 0, "no call met the stopped server"
    assert harness.check_hall(plan, stations) == []

    # Nothing half-written: every record with the event of the call that wrote it, no
    # event without its record.
    register = Register.open(PG_URL)
    try:
        supervisor = login(register, harness.SUPERVISOR, harness.SUPERVISOR_PASSWORD)

        def records(action: str) -> set[str]:
            rows = AuditEvent.select(AuditEvent.record_id).where(AuditEvent.action == action)
            return {r.record_id for r in rows}

        assert records("inquiry.register") == {r.uuid for r in Inquiry.select(Inquiry.uuid)}
        assert records("case.accept") == {r.uuid for r in Case.select(Case.uuid)}
        done = Case.select(Case.uuid).where(Case.state == "done")
        assert records("case.close") == {r.uuid for r in done}
        assert audit.verify(supervisor.keys.audit_key).ok
    finally:
        close_database()
