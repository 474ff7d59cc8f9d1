"""The counter's queue (store.queue) and the numbers people read (store.numbers)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from pathlib import Path

import pytest

from store import row_macs
from store.catalog import import_catalog
from store.clock import HALL_TZ, local_date
from store.database import database
from store.errors import InvalidInput, PermissionDenied
from store.models import (
    Case,
    Counter,
    Inquiry,
    Person,
    Rating,
    ServiceItem,
    Staff,
    Window,
    new_uuid,
)
from store.numbers import CASE, INQUIRY, format_number, next_number, parse_number
from store.persons import upsert_person
from store.queue import WorkingDays, calendar_warning, counter_queue, urgency
from store.staff import add_staff
from tests.people import PEOPLE

DATA = Path(__file__).resolve().parents[1] / "policies" / "data"


def local(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=HALL_TZ).astimezone(dt.UTC)


# --- helpers shared with test_lookup.py: rows written as a later issue's operations will ---


def setup_catalog(hall) -> None:
    import_catalog(hall.supervisor, (DATA / "catalog-small.toml").read_text(encoding="utf-8"))


def add_person(session, who=PEOPLE[0]) -> Person:
    view = upsert_person(session, name=who.name, id_number=who.id_number, phone=who.phone)
    return Person.get(Person.uuid == view.uuid)


def add_case(
    session,
    *,
    item: str = "MZ001",
    state: str = "accepted",
    kind: str | None = None,
    due: dt.date | None = None,
    person: Person | None = None,
    received_at: dt.datetime | None = None,
    closed_at: dt.datetime | None = None,
    staff_id: int | None = None,
    due_provisional: bool = False,
) -> Case:
    service = ServiceItem.get(ServiceItem.code == item)
    received_at = received_at or session.now()
    with database.atomic():
        row_uuid = new_uuid()
        return row_macs.create(
            session.keys,
            Case,
            uuid=row_uuid,
            key_id=session.keys.current,
            number=next_number(CASE, local_date(received_at)),
            item=service,
            window=service.window_id,
            person=person,
            kind=kind or service.default_kind,
            state=state,
            received_at=received_at,
            due_date=due,
            due_provisional=due_provisional,
            accepted_by=staff_id or session.staff_id,
            notes_enc=session.keys.seal("case", "notes_enc", row_uuid, "备注"),
            closed_at=closed_at,
            updated_at=received_at,
        )


def add_inquiry(
    session,
    *,
    disposition: str = "answered",
    state: str = "closed",
    referred_to: str | None = None,
    window: str | None = "minzheng",
    person: Person | None = None,
    caller_name: str | None = None,
    first_asker: int | None = None,
    at: dt.datetime | None = None,
    item: str | None = "MZ001",
    case: Case | None = None,
) -> Inquiry:
    at = at or session.now()
    with database.atomic():
        row_uuid = new_uuid()
        return row_macs.create(
            session.keys,
            Inquiry,
            uuid=row_uuid,
            key_id=session.keys.current,
            number=next_number(INQUIRY, local_date(at)),
            at=at,
            channel="phone" if caller_name else "visit",
            person=person,
            caller_name_enc=session.keys.seal("inquiry", "caller_name_enc", row_uuid, caller_name),
            item=ServiceItem.get(ServiceItem.code == item) if item else None,
            first_asker=first_asker or session.staff_id,
            window=Window.get(Window.code == window) if window else None,
            disposition=disposition,
            referred_to=Window.get(Window.code == referred_to) if referred_to else None,
            case=case,
            state=state,
        )


def add_rating(session, case: Case, level: int, at: dt.datetime | None = None) -> Rating:
    with database.atomic():
        return row_macs.create(
            session.keys,
            Rating,
            uuid=new_uuid(),
            key_id=session.keys.current,
            case=case,
            staff=case.accepted_by_id,
            window=case.window_id,
            channel="device",
            level=level,
            at=at or session.now(),
        )


@pytest.fixture
def counter(hall):
    """The small catalog, two people, the clerk 1001 logged in."""
    setup_catalog(hall)
    clerk = hall.login()
    return clerk


# --- numbers -----------------------------------------------------------------------------


def test_numbers_count_per_prefix_and_day(hall):
    day, other = dt.date(2026, 11, 23), dt.date(2026, 11, 24)
    with database.atomic():
        assert next_number(CASE, day) == "BJ20261123-0001"
        assert next_number(CASE, day) == "BJ20261123-0002"
        assert next_number(INQUIRY, day) == "SW20261123-0001"
        assert next_number(CASE, other) == "BJ20261124-0001"
    assert format_number(CASE, day, 12345) == "BJ20261123-12345"
    parsed = parse_number(" bj20261123-0007 ")
    assert (parsed.prefix, parsed.day, parsed.sequence) == (CASE, day, 7)
    assert parse_number("BJ20261332-0001") is None  # no 32nd of the 13th month
    assert parse_number("QQ20261123-0001") is None


def test_a_number_needs_the_operations_transaction_and_a_rollback_gives_it_back(hall):
    day = dt.date(2026, 11, 23)
    with pytest.raises(RuntimeError):
        next_number(CASE, day)
    with pytest.raises(ZeroDivisionError), database.atomic():
        next_number(CASE, day)
        1 / 0  # noqa: B018 — the operation fails after taking a number
    with database.atomic():
        assert next_number(CASE, day) == "BJ20261123-0001"
    with pytest.raises(ValueError), database.atomic():
        next_number("XX", day)


def test_two_counters_never_get_the_same_number(hall):
    """Threads on their own connections allocate at once; every number is handed out once."""
    day = dt.date(2026, 11, 23)
    got: list[str] = []
    lock = threading.Lock()

    def allocate() -> None:
        for _ in range(40):
            with database.atomic():
                number = next_number(CASE, day)
            with lock:
                got.append(number)
        database.close()

    threads = [threading.Thread(target=allocate) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == len(set(got)) == 120
    assert sorted(got) == [format_number(CASE, day, n) for n in range(1, 121)]
    assert Counter.get((Counter.prefix == CASE) & (Counter.day == day)).value == 120


# --- the queue ---------------------------------------------------------------------------


def test_sections_masked_names_and_order(hall, counter, clock):
    today = local_date(clock.now())  # Monday 2026-11-23
    who, other = add_person(counter, PEOPLE[0]), add_person(counter, PEOPLE[1])
    late = add_case(counter, state="in_progress", due=dt.date(2026, 11, 18), person=who)
    soon = add_case(counter, state="accepted", due=dt.date(2026, 11, 24), person=other)
    later = add_case(counter, state="forwarded", kind="escalated", due=dt.date(2026, 12, 4))
    waiting = add_case(counter, item="MZ002", state="awaiting_supplement", kind="supplement")
    add_case(counter, state="done", due=dt.date(2026, 11, 10), closed_at=clock.now())
    add_case(counter, item="HY001", state="accepted", due=today)  # another window
    referred_in = add_inquiry(
        counter,
        disposition="referred",
        state="open",
        window="hunyin",
        referred_to="minzheng",
        caller_name=PEOPLE[2].name,
        first_asker=hall.supervisor.staff_id,
    )
    follow_up = add_inquiry(
        counter, disposition="referred", state="open", referred_to="guotu", person=who
    )
    add_inquiry(counter, disposition="referred", state="closed", referred_to="guotu")
    add_inquiry(counter, disposition="escalated", state="open")  # for the supervisor

    queue = counter_queue(counter, window_code="minzheng")
    numbers = [r.number for r in queue.rows]
    assert numbers == [
        late.number,
        soon.number,
        later.number,
        referred_in.number,
        follow_up.number,
        waiting.number,
    ]
    rows = {r.number: r for r in queue.rows}
    assert rows[late.number].urgency == "overdue"
    assert rows[late.number].working_days_left == -3  # 18 Nov → 19, 20, 23
    assert rows[soon.number].urgency == "due_soon"
    assert rows[later.number].urgency == "ok"
    assert rows[later.number].state_label == "已上报"
    assert rows[waiting.number].section == "supplement"
    assert rows[waiting.number].urgency == "none"
    assert rows[referred_in.number].kind_label == "转入"
    assert rows[follow_up.number].kind_label == "督办"
    assert rows[late.number].applicant == "欧**晓"
    assert rows[referred_in.number].applicant == "诸**远"

    # Masked everywhere: no full name in any string field nor in the repr.
    text = repr(queue) + "".join(str(v) for r in queue.rows for v in dataclasses.asdict(r).values())
    for person in PEOPLE:
        assert person.name not in text
        assert person.id_number not in text and person.phone not in text
    assert "applicant" not in repr(queue.rows[0])
    assert queue.window_name == "民政窗口"


def test_supervisor_sees_escalations_and_the_whole_hall(hall, counter, clock):
    add_case(counter, state="accepted", due=dt.date(2026, 11, 30))
    add_case(counter, item="HY001", state="accepted", due=local_date(clock.now()))
    escalated = add_inquiry(counter, disposition="escalated", state="open")
    hall_queue = counter_queue(hall.supervisor, window_code=None)
    assert hall_queue.window_code is None and hall_queue.window_name == "全大厅"
    assert [r.section for r in hall_queue.rows] == ["case", "case", "referral"]
    assert hall_queue.rows[-1].number == escalated.number
    assert hall_queue.rows[-1].kind_label == "报主任"
    clerk_queue = counter_queue(counter, window_code=None)
    assert escalated.number not in {r.number for r in clerk_queue.rows}


def test_limit_keeps_the_most_urgent(hall, counter):
    for day in (30, 18, 25, 19):
        add_case(counter, state="in_progress", due=dt.date(2026, 11, day))
    queue = counter_queue(counter, window_code="minzheng", limit=2)
    assert [r.due_date for r in queue.rows] == [dt.date(2026, 11, 18), dt.date(2026, 11, 19)]


def test_urgency_around_national_day(hall, counter, clock):
    """30 Sep 2026 (Wed): 1–7 Oct are holidays, 8 Oct the next working day."""
    clock.set(local(2026, 9, 30, 10))
    for due in (
        dt.date(2026, 9, 29),
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 9),
    ):
        add_case(counter, state="in_progress", due=due)
    rows = counter_queue(counter, window_code="minzheng").rows
    assert [(r.working_days_left, r.urgency) for r in rows] == [
        (-1, "overdue"),
        (0, "due_soon"),
        (1, "due_soon"),  # eight calendar days away, one working day
        (2, "ok"),
    ]
    assert not any(r.provisional for r in rows)
    clock.set(local(2026, 10, 8, 9))  # back after the holiday
    rows = counter_queue(counter, window_code="minzheng").rows
    assert [r.working_days_left for r in rows] == [-2, -1, 0, 1]
    assert urgency(None) == "none"


def test_working_days_agree_with_the_calendar(hall):
    calendar = hall.register.calendar
    today = dt.date(2026, 12, 20)
    dates = [today + dt.timedelta(days=n) for n in range(-90, 90, 3)]
    days = WorkingDays(calendar, today, dates)
    for due in dates:
        left, provisional = days.left(due)
        assert left == calendar.working_days_left(due, today, allow_provisional=True), due
        assert provisional == (due.year == 2027)


def test_counts_of_today(hall, counter, clock):
    me = counter.staff_id
    yesterday = clock.now() - dt.timedelta(days=1)
    add_inquiry(counter)
    add_inquiry(counter)
    add_inquiry(counter, at=yesterday)
    add_inquiry(counter, first_asker=hall.supervisor.staff_id)
    done = add_case(counter, state="done", closed_at=clock.now(), due=dt.date(2026, 12, 1))
    add_case(counter, state="accepted", received_at=yesterday, due=dt.date(2026, 11, 20))
    add_case(counter, item="HY001", state="done", closed_at=clock.now())  # another window
    add_case(
        counter, state="in_progress", due=dt.date(2026, 11, 19), staff_id=hall.supervisor.staff_id
    )
    add_rating(counter, done, 1)
    counts = counter_queue(counter, window_code="minzheng").counts
    assert (counts.inquiries, counts.accepted, counts.closed, counts.ratings) == (2, 2, 1, 1)
    assert counts.overdue == 2
    assert me == counter.staff_id


def test_calendar_warning_until_the_next_year_is_imported(hall, counter, clock):
    from store.calendar_years import import_year

    queue = counter_queue(counter, window_code="minzheng")
    assert queue.calendar_warning is not None
    assert "2027" in queue.calendar_warning
    assert "chuangkou calendar import" in queue.calendar_warning
    add_case(counter, state="accepted", due=dt.date(2027, 1, 6))
    row = counter_queue(counter, window_code="minzheng").rows[0]
    assert row.provisional

    import_year(hall.supervisor, (DATA / "calendar-2027.toml").read_text(encoding="utf-8"))
    queue = counter_queue(counter, window_code="minzheng")
    assert queue.calendar_warning is None
    assert not queue.rows[0].provisional

    assert calendar_warning(hall.register.calendar, dt.date(2026, 6, 1)) is None


def test_refusals(hall, counter):
    with pytest.raises(InvalidInput, match="未知的窗口"):
        counter_queue(counter, window_code="nowhere")
    add_staff(
        hall.supervisor, number="9001", name="技术员甲", role="technician", password="jishu-mima-1"
    )
    technician = hall.login("9001", "jishu-mima-1")
    with pytest.raises(PermissionDenied):
        counter_queue(technician, window_code="minzheng")
    assert Staff.select().count() == 3


def test_an_immediate_case_open_past_its_minutes_is_overdue(hall, clock):
    """即办件 (policy deadlines.immediate_minutes, 30 by default): due today, and overdue
    on the queue once the minutes have passed without it being done."""
    from store.cases import accept_case
    from store.catalog import import_catalog
    from tests.store.test_cases import CATALOG

    import_catalog(hall.supervisor, CATALOG)
    person = add_person(hall.supervisor)
    clock.set(local(2026, 11, 23, 9, 0))
    case = accept_case(
        hall.supervisor,
        item_code="I001",
        person_uuid=person.uuid,
        materials={"居民身份证": "present"},
        kind="immediate",
    )
    clock.set(local(2026, 11, 23, 9, 30))
    row = {r.number: r for r in counter_queue(hall.supervisor, window_code="shebao").rows}
    assert row[case.number].urgency != "overdue" and not row[case.number].immediate_overdue
    clock.set(local(2026, 11, 23, 9, 31))
    queue = counter_queue(hall.supervisor, window_code="shebao")
    row = {r.number: r for r in queue.rows}[case.number]
    assert (row.urgency, row.immediate_overdue, row.working_days_left) == ("overdue", True, 0)
    assert queue.counts.overdue == 1
