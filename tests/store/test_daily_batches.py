"""每日任务 in batches (store.daily.run_daily): one write transaction and one audit event
per batch listing its records; a run stopped between two batches is carried on by the next;
a counter writing on its own connection meanwhile waits for one batch at most; natural days
across a year end need no calendar of the new year. Again on PostgreSQL in
tests/store/test_daily_batches_postgres.py."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

import store.daily as daily
from store import audit
from store.cases import close_case
from store.daily import DAILY_MARK, run_daily
from store.database import database
from store.models import AuditEvent, Case, Inquiry, Rating
from store.persons import upsert_person
from tests.people import PEOPLE
from tests.store.test_cases import (  # noqa: F401 — fixtures
    accept,
    applicant,
    desk,
    local,
)
from tests.store.test_daily import answered_inquiry, writes

BATCH = "rating.not_rated_batch"


def served(session, person, clock, count: int, when: dt.datetime) -> list[str]:
    """``count`` 即办件 done at ``when`` (one minute apart): their numbers."""
    numbers = []
    for i in range(count):
        clock.set(when + dt.timedelta(minutes=i))
        case = accept(
            session, person, item_code="I001", materials={"居民身份证": "present"}, kind="immediate"
        )
        close_case(session, case.number, granted=True, reasons="当场办结")
        numbers.append(case.number)
    return numbers


def batch_events() -> list[dict]:
    query = AuditEvent.select().where(AuditEvent.action == BATCH).order_by(AuditEvent.seq)
    return [json.loads(e.detail) for e in query]


def service_of(row: Rating) -> str:
    return (
        Case.get_by_id(row.case_id).number
        if row.case_id
        else Inquiry.get_by_id(row.inquiry_id).number
    )


def test_one_transaction_and_one_audit_event_per_batch(desk, applicant, clock):  # noqa: F811
    cases = served(desk, applicant, clock, 5, local(2026, 11, 2, 9))
    clock.set(local(2026, 11, 2, 11))
    inquiries = [answered_inquiry(desk), answered_inquiry(desk)]
    clock.set(local(2026, 11, 23, 8))
    seen = []
    result = run_daily(desk, batch_size=2, progress=lambda done, total: seen.append((done, total)))

    assert result.not_rated == (*cases, *inquiries)
    assert seen == [(0, 7), (2, 7), (4, 7), (5, 7), (7, 7)]
    events = batch_events()
    assert [e["services"] for e in events] == [cases[:2], cases[2:4], cases[4:], inquiries]
    rows = {r.uuid: service_of(r) for r in Rating.select()}
    for event in events:  # the record ids of each batch: its own ratings, nothing else
        assert event["count"] == len(event["records"]) <= 2
        assert [rows[u] for u in event["records"]] == event["services"]
        assert (event["level"], event["rated"], event["channel"]) == (0, False, "default")
    assert sorted(u for e in events for u in e["records"]) == sorted(rows)
    assert all((r.level, r.rated, r.channel) == (0, False, "default") for r in Rating.select())
    check = audit.verify(desk.keys.audit_key)
    assert check.ok, check.message
    assert desk.register.meta(DAILY_MARK) == "2026-11-23"

    before = writes()  # idempotent: a second run finds nothing and writes nothing
    again = run_daily(desk, batch_size=2)
    assert (again.not_rated, again.skipped) == ((), ())
    assert writes() == before


def test_a_run_stopped_between_batches_is_carried_on(desk, applicant, clock):  # noqa: F811
    cases = served(desk, applicant, clock, 7, local(2026, 11, 2, 9))
    clock.set(local(2026, 11, 23, 8))

    def stop_after_second_batch(done: int, total: int) -> None:
        if done == 4:
            raise KeyboardInterrupt  # the counter closed half way

    with pytest.raises(KeyboardInterrupt):
        run_daily(desk, batch_size=2, progress=stop_after_second_batch)
    assert [e["services"] for e in batch_events()] == [cases[:2], cases[2:4]]
    assert Rating.select().count() == 4
    assert desk.register.meta(DAILY_MARK) == ""  # not done: the next login runs it again

    result = run_daily(desk, batch_size=2)
    assert result.not_rated == tuple(cases[4:])  # the batches committed are not redone
    assert [e["services"] for e in batch_events()][2:] == [cases[4:6], cases[6:]]
    assert sorted(service_of(r) for r in Rating.select()) == sorted(cases)
    check = audit.verify(desk.keys.audit_key)
    assert check.ok, check.message
    assert desk.register.meta(DAILY_MARK) == "2026-11-23"


def test_a_counter_writing_meanwhile_waits_for_one_batch_at_most(
    hall,
    desk,  # noqa: F811
    applicant,  # noqa: F811
    clock,
    monkeypatch,
):
    """The job on a thread of its own (its own connection), held inside its second batch's
    transaction; a counter writes on another connection: once that batch commits, the
    counter's write goes in — not after the rest of the job."""
    served(desk, applicant, clock, 6, local(2026, 11, 2, 9))
    clock.set(local(2026, 11, 23, 8))
    counter = hall.login()  # 1001 at another counter
    order: list[str] = []
    inside, go, waiting = threading.Event(), threading.Event(), threading.Event()
    rows = daily._case_rows

    def case_rows(ids):
        order.append(f"batch {len(order) - order.count('counter') + 1}")
        if len(order) == 2:  # the second batch holds its write transaction open
            inside.set()
            assert go.wait(timeout=30)
        return rows(ids)

    monkeypatch.setattr(daily, "_case_rows", case_rows)

    def in_thread(fn, *args, **kwargs):
        outcome: dict = {}

        def run():
            try:
                outcome["value"] = fn(*args, **kwargs)
            except BaseException as exc:  # reported by the test
                outcome["error"] = exc
            finally:
                database.close()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread, outcome

    def counter_write():
        database.connect(reuse_if_open=True)  # its connection open before it asks to write
        waiting.set()
        who = PEOPLE[2]
        upsert_person(counter, name=who.name, id_number=who.id_number, phone=who.phone)
        order.append("counter")

    job = in_thread(run_daily, desk, batch_size=1)
    assert inside.wait(timeout=30)
    write = in_thread(counter_write)
    assert waiting.wait(timeout=30)
    go.set()
    for thread, outcome in (write, job):
        thread.join(timeout=60)
        assert not thread.is_alive(), "a writer hung"
        assert "error" not in outcome, outcome.get("error")
    assert len(job[1]["value"].not_rated) == 6
    # It waited for the held batch, and at most for the one the job began as it arrived.
    assert order.index("counter") < order.index("batch 4"), order
    check = audit.verify(desk.keys.audit_key)
    assert check.ok, check.message


def test_natural_days_across_the_year_end_need_no_calendar_of_the_new_year(
    desk,  # noqa: F811
    applicant,  # noqa: F811
    clock,
):
    """Served Thursday 31 Dec 2026: 7 natural days run through Thursday 7 Jan 2027; recorded
    on Friday 8 Jan — with no 2027 working-day calendar imported."""
    assert desk.register.calendar.missing_years(dt.date(2027, 1, 1), dt.date(2027, 1, 8))
    (number,) = served(desk, applicant, clock, 1, local(2026, 12, 31, 16))
    clock.set(local(2027, 1, 7, 23, 30))
    assert run_daily(desk, batch_size=10).not_rated == ()
    clock.set(local(2027, 1, 8, 8))
    result = run_daily(desk, batch_size=10)
    assert result.not_rated == (number,)
    assert desk.register.meta(DAILY_MARK) == "2027-01-08"
    check = audit.verify(desk.keys.audit_key)
    assert check.ok, check.message
