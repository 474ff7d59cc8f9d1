"""Operations of several counters side by side (store.isolation, store.audit.link_waiting):
the audit chain's head is held over an operation's append and COMMIT only, and a concurrent
operation's events are linked after its COMMIT; concurrent operations do not wait for each
other's work, exclusive ones still run alone, and what two
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


def test_a_transaction_undone_inside_another_leaves_no_row_and_no_event(counters):
    _, clerk, _ = counters
    before = len(_events())
    with transaction(clerk):
        _caller(clerk, 1)
        with pytest.raises(InvalidInput, match="boom"), transaction(clerk):
            _caller(clerk, 2)  # done, then undone with the transaction around it
            raise InvalidInput("boom")
        _caller(clerk, 3)
    assert Inquiry.select().count() == 2
    assert [e.action for e in _events()[before:]] == ["inquiry.register", "inquiry.register"]
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


def test_a_number_taken_by_its_rows_insert_counts_on_past_9999(counters):
    """The number is written by the row's INSERT itself on PostgreSQL (one statement while
    the number's row is held), just before it elsewhere: the same numbers either way."""
    from store.models import Counter
    from store.numbers import INQUIRY

    _, clerk, _ = counters
    first = _caller(clerk, 1).number
    day = first[:10]
    assert first == f"{day}-0001"
    Counter.update(value=9998).where(Counter.prefix == INQUIRY).execute()
    assert [_caller(clerk, i).number for i in (2, 3)] == [f"{day}-9999", f"{day}-10000"]
    assert Inquiry.get(Inquiry.number == f"{day}-10000").at is not None
    with pytest.raises(InvalidInput), transaction(clerk):
        _caller(clerk, 4)
        raise InvalidInput("undone")  # its number is given back with it
    assert _caller(clerk, 5).number == f"{day}-10001"
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
def test_while_one_counter_links_the_chain_the_others_commit_without_waiting(counters, monkeypatch):
    """A concurrent operation's event is written to be linked after its COMMIT: while one
    counter holds the chain's head (linking), another's operation commits and returns at
    once, and the one holding the head links that event too before it lets go."""
    from store.models import AuditPending

    supervisor, clerk, _ = counters
    linking, release = _pause(monkeypatch, audit._Chain, "link_pending")  # head held
    first = _in_thread(_caller, clerk, 1)
    assert linking.wait(timeout=10)
    second = _in_thread(lambda: (_caller(supervisor, 2), Inquiry.select().count())[1])
    try:
        assert _joined(*second, timeout=10) == 2  # committed while the head is held
        assert first[0].is_alive()
        # Its event waits (and the first's, whose linking is not committed yet).
        waiting = {w.actor for w in AuditPending.select()}
        assert waiting == {clerk.staff_id, supervisor.staff_id}
    finally:
        release.set()
    _joined(*first)
    assert AuditPending.select().count() == 0  # linked by the first counter, after its own
    assert [e.action for e in _events()[-2:]] == ["inquiry.register", "inquiry.register"]
    assert [e.actor for e in _events()[-2:]] == [clerk.staff_id, supervisor.staff_id]
    assert audit.verify(clerk.keys.audit_key).message.startswith("审计链完整")
    assert audit.unverified_count() == 0


@pg_only
def test_an_event_written_to_be_linked_is_checked_when_linked(counters, monkeypatch):
    """Someone with the database and not the audit key adds a row to the events waiting to
    be linked, or edits one: each is linked marked unverified, and verify says so."""
    from store.models import AuditPending
    from store.session import _station_key

    _, clerk, _ = counters
    monkeypatch.setattr(audit, "link_waiting", lambda *a, **k: 0)  # nobody links: they wait
    _caller(clerk, 1)
    _caller(clerk, 2)
    waiting = list(AuditPending.select().order_by(AuditPending.id))
    assert [w.action for w in waiting] == ["inquiry.register", "inquiry.register"]
    assert '"_amac"' in waiting[0].detail
    AuditPending.update(record_id="someone-else").where(AuditPending.id == waiting[1].id).execute()
    forged = {**waiting[0].__data__, "action": "case.close"}
    del forged["id"]
    AuditPending.insert(forged).execute()
    monkeypatch.undo()
    assert audit.link_waiting(clerk.keys.audit_key, lambda s: _station_key(clerk, s)) == 3
    linked = _events()[-3:]
    assert ['"_unverified":true' in e.detail for e in linked] == [False, True, True]
    assert audit.unverified_count() == 2
    assert "2 条离线事件来源未能验证" in audit.verify(clerk.keys.audit_key).message


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
