"""Operations of several counters side by side (store.isolation, store.audit.lock_head):
the audit chain's head is held over an operation's append and COMMIT only, concurrent
operations do not wait for each other's work, exclusive ones still run alone, and what two
counters decide at the same moment (one inquiry accepted, one case closed, one person, one
number) is decided once. The first tests run on SQLite and PostgreSQL, the rest on
PostgreSQL (the CI server; skipped without CHUANGKOU_TEST_PG_URL)."""

from __future__ import annotations

import threading
import time

import pytest

from store import audit
from store.cases import accept_case, close_case
from store.catalog import import_catalog
from store.database import close_database, database
from store.errors import InvalidInput
from store.inquiries import PersonInput, register_inquiry
from store.models import AuditEvent, Case, Inquiry, Person
from store.persons import upsert_person
from store.queue import counter_queue
from store.session import operation, transaction
from store.staff import add_staff
from tests.conftest import CLERK_PASSWORD
from tests.hall.stations import MATERIALS, catalog
from tests.people import PEOPLE
from tests.store.test_postgres import PG_URL, _in_thread, _wipe

needs_pg = pytest.mark.skipif(
    not PG_URL,
    reason="CHUANGKOU_TEST_PG_URL is not set: no PostgreSQL server to test against "
    '(start one with: eval "$(bash .ci/postgres.sh)")',
)
ITEM = "FZ001"
ALL = dict.fromkeys(MATERIALS, "present")


POSTGRES = pytest.param("postgres", marks=[pytest.mark.postgres, needs_pg])
#: A test of PostgreSQL only (SQLite runs one write transaction at a time).
pg_only = pytest.mark.parametrize("register_url", [POSTGRES], indirect=True)


@pytest.fixture(params=["sqlite", POSTGRES])
def register_url(request, tmp_path):
    """Both backends (overrides the SQLite one of conftest)."""
    close_database()
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'register.db'}"
    else:
        _wipe(PG_URL)
        yield PG_URL
    close_database()


@pytest.fixture
def counters(hall):
    """The supervisor and two clerks, each a counter of its own (one session per thread)."""
    import_catalog(hall.supervisor, catalog(2))
    add_staff(hall.supervisor, number="1002", name="赵窗口", role="clerk", password=CLERK_PASSWORD)
    return hall.supervisor, hall.login(), hall.login("1002")


def _events() -> list[AuditEvent]:
    return list(AuditEvent.select().order_by(AuditEvent.seq))


def _joined(thread: threading.Thread, result: dict, timeout: float = 15):
    thread.join(timeout=timeout)
    assert not thread.is_alive(), "a counter hung"
    if "error" in result:
        raise result["error"]
    return result.get("value")


def _pause(monkeypatch, owner, name: str):
    """Make the first call of `owner.name` from a thread other than the main one wait
    (after doing its work) until released. Returns (reached, release)."""
    reached, release = threading.Event(), threading.Event()
    original = getattr(owner, name)

    def paused(*args, **kwargs):
        value = original(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread() and not reached.is_set():
            reached.set()
            release.wait(timeout=15)
        return value

    monkeypatch.setattr(owner, name, paused)
    return reached, release


def _until_waiting(count: int, timeout: float = 10) -> None:
    """Until `count` lock requests wait in this database (pg_locks), or fail."""
    deadline = time.monotonic() + timeout
    while True:
        waiting = database.execute_sql(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE NOT l.granted AND a.datname = current_database()"
        ).fetchone()[0]
        if waiting >= count:
            return
        assert time.monotonic() < deadline, f"{waiting} lock requests wait, not {count}"
        time.sleep(0.02)


def _caller(session, i: int):
    return register_inquiry(
        session,
        channel="phone",
        caller_name=f"并发来电{i}",
        caller_phone=f"1370000{i:04d}",
        topic="咨询",
        disposition="answered",
    )


# --- both backends ----------------------------------------------------------------------


def test_the_events_of_a_transaction_are_appended_at_its_end_in_order(counters):
    _, clerk, _ = counters
    before = len(_events())
    p = PEOPLE[0]
    with transaction(clerk):
        upsert_person(clerk, name=p.name, id_number=p.id_number, phone=p.phone)
        # Written, but its event waits for the end: the chain's head is not taken yet.
        assert Person.select().count() == 1 and len(_events()) == before
        _caller(clerk, 1)
        assert len(_events()) == before
    actions = [e.action for e in _events()[before:]]
    assert actions == ["person.upsert", "inquiry.register"]
    assert audit.verify(clerk.keys.audit_key).ok


def test_an_operation_undone_inside_a_transaction_leaves_no_event(counters):
    _, clerk, _ = counters
    before = len(_events())
    with transaction(clerk):
        _caller(clerk, 1)
        with (
            pytest.raises(InvalidInput, match="boom"),
            operation(clerk, "test.inner", record_table="inquiry", concurrent=True),
        ):
            _caller(clerk, 2)  # inside the undone one: undone with it
            raise InvalidInput("boom")
        _caller(clerk, 3)
    assert [e.action for e in _events()[before:]] == ["inquiry.register", "inquiry.register"]
    assert Inquiry.select().count() == 2
    assert audit.verify(clerk.keys.audit_key).ok


def test_numbers_taken_at_once_are_unique_and_without_gaps(counters):
    supervisor, clerk, other = counters
    start = threading.Barrier(3)

    def register(session, base):
        start.wait(timeout=10)
        return [_caller(session, base + i).number for i in range(6)]

    runs = [_in_thread(register, s, 100 * k) for k, s in enumerate((supervisor, clerk, other))]
    numbers = [n for thread, result in runs for n in _joined(thread, result, timeout=60)]
    day = numbers[0][:10]
    assert sorted(numbers) == [f"{day}-{i:04d}" for i in range(1, 19)]
    assert audit.verify(clerk.keys.audit_key).ok


# --- PostgreSQL: who waits for whom -----------------------------------------------------


@pg_only
def test_a_concurrent_operation_does_not_wait_for_anothers_work(counters, monkeypatch):
    """One counter is in the middle of registering a person (its row written, its event
    not yet appended); another registers an inquiry and reads its queue meanwhile."""
    import store.persons

    supervisor, clerk, _ = counters
    reached, release = _pause(monkeypatch, store.persons, "lock_value")
    p = PEOPLE[1]
    first = _in_thread(upsert_person, clerk, name=p.name, id_number=p.id_number, phone=p.phone)
    assert reached.wait(timeout=10)
    second = _in_thread(
        lambda: (_caller(supervisor, 1), counter_queue(supervisor, window_code="w01"))
    )
    try:
        _joined(*second, timeout=10)  # done while the first is still in its body
    finally:
        release.set()
    _joined(*first)
    assert [e.action for e in _events()[-3:]] == ["inquiry.register", "queue.view", "person.upsert"]
    assert audit.verify(clerk.keys.audit_key).ok


@pg_only
def test_while_one_counter_appends_the_others_work_runs_and_waits_only_to_append(
    counters, monkeypatch
):
    supervisor, clerk, _ = counters
    appended, release = _pause(monkeypatch, audit, "append")  # holds the head until released
    first = _in_thread(_caller, clerk, 1)
    assert appended.wait(timeout=10)
    # The second counter does its work (reads), then waits to append its event.
    read = threading.Event()

    def queue_then_mark():
        with operation(supervisor, "test.read", concurrent=True):
            Inquiry.select().count()
            read.set()

    second = _in_thread(queue_then_mark)
    assert read.wait(timeout=10), "the second counter's work waited for the first's append"
    _until_waiting(1)  # … and now it waits for the head
    assert second[0].is_alive()
    release.set()
    _joined(*first)
    _joined(*second)
    assert [e.action for e in _events()[-2:]] == ["inquiry.register", "test.read"]
    assert audit.verify(clerk.keys.audit_key).ok


@pg_only
def test_an_exclusive_operation_runs_alone(counters, monkeypatch):
    """Adding staff (exclusive) waits for a concurrent operation in its body, and a
    concurrent one begun after it waits for it: nothing runs beside an exclusive one."""
    import store.persons

    supervisor, clerk, other = counters
    reached, release = _pause(monkeypatch, store.persons, "lock_value")
    p = PEOPLE[2]
    first = _in_thread(upsert_person, clerk, name=p.name, id_number=p.id_number, phone=p.phone)
    assert reached.wait(timeout=10)
    exclusive = _in_thread(
        add_staff, supervisor, number="1003", name="钱窗口", role="clerk", password=CLERK_PASSWORD
    )
    _until_waiting(1)
    later = _in_thread(_caller, other, 1)
    _until_waiting(2)  # queued behind the exclusive one, not beside it
    assert exclusive[0].is_alive() and later[0].is_alive()
    release.set()
    _joined(*first)
    _joined(*exclusive)
    _joined(*later)
    actions = [e.action for e in _events()[-3:]]
    assert actions == ["person.upsert", "staff.add", "inquiry.register"]
    assert audit.verify(clerk.keys.audit_key).ok


# --- PostgreSQL: what two counters decide at once, decided once --------------------------


@pg_only
def test_two_counters_accepting_one_inquiry_at_once_make_one_case(counters, monkeypatch):
    import store.cases.acceptance as acceptance

    _, clerk, other = counters
    p = PEOPLE[0]
    inquiry = register_inquiry(
        clerk,
        channel="visit",
        person=PersonInput(p.name, p.id_number, p.phone),
        item_code=ITEM,
        disposition="accepted",
    )
    reached, release = _pause(monkeypatch, acceptance, "_create")

    def accept(session):
        return accept_case(
            session,
            inquiry_number=inquiry.number,
            item_code=ITEM,
            person_uuid=inquiry.person_uuid,
            materials=ALL,
            kind="promised",
        )

    first = _in_thread(accept, clerk)
    assert reached.wait(timeout=10)
    second = _in_thread(accept, other)
    _until_waiting(1)  # on the inquiry's row
    release.set()
    case = _joined(*first)
    with pytest.raises(InvalidInput, match="已办结，不能再受理"):
        _joined(*second)
    assert [c.number for c in Case.select()] == [case.number]
    assert Inquiry.get(Inquiry.number == inquiry.number).case_id is not None
    assert audit.verify(clerk.keys.audit_key).ok


@pg_only
def test_two_counters_closing_one_case_at_once_close_it_once(counters, monkeypatch):
    import store.cases.ending as ending
    from store.cases import TransitionRefused

    _, clerk, other = counters
    p = PEOPLE[3]
    person = upsert_person(clerk, name=p.name, id_number=p.id_number, phone=p.phone)
    case = accept_case(
        clerk, item_code=ITEM, person_uuid=person.uuid, materials=ALL, kind="promised"
    )
    reached, release = _pause(monkeypatch, ending, "check")
    first = _in_thread(close_case, clerk, case.number, granted=True, reasons="准予")
    assert reached.wait(timeout=10)
    second = _in_thread(close_case, other, case.number, granted=False, reasons="不予")
    _until_waiting(1)  # on the case's row
    release.set()
    assert _joined(*first).state == "done"
    with pytest.raises(TransitionRefused):
        _joined(*second)
    assert Case.get(Case.number == case.number).granted is True
    closes = [e for e in _events() if e.action == "case.close"]
    assert len(closes) == 1
    assert _events()[-1].action == "refused"  # the second counter's attempt, audited
    assert audit.verify(clerk.keys.audit_key).ok


@pg_only
def test_a_caller_without_id_at_two_counters_at_once_is_one_person(counters, monkeypatch):
    """Without an ID number a person is found by name and phone: two counters registering
    the same name and phone at once register one person."""
    import store.persons

    _, clerk, other = counters
    reached, release = _pause(monkeypatch, store.persons, "lock_value")
    first = _in_thread(upsert_person, clerk, name="同时来访", phone="13800001111")
    assert reached.wait(timeout=10)
    second = _in_thread(upsert_person, other, name="同时来访", phone="13800001111", address="某村")
    _until_waiting(1)  # on the value (name and phone), before reading
    release.set()
    _joined(*first)
    assert _joined(*second).address == "某村"
    assert Person.select().count() == 1
    assert audit.verify(clerk.keys.audit_key).ok
