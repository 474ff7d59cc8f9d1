"""Every row with sealed fields or blind indexes is bound to itself as last written by the
register (store.row_macs): for each such table, an insider with the database file swaps two
rows' sealed values or blind indexes, puts back another (older) ciphertext of the same row
and column, clears a field to NULL, or removes the row's MAC — and the app's own read of
that row refuses it in Chinese instead of showing it.

The register is the demo's (every table filled through the store's own operations), copied
for each test; the tampering is raw SQL (tests.store.insider), as the insider would write."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from store.auth import login
from store.clock import FixedClock
from store.database import close_database
from store.errors import DecryptionFailed, TamperedRecord
from store.models import (
    Case,
    Complaint,
    Handover,
    Inquiry,
    Notice,
    Person,
    Petition,
    Rating,
    RatingCallback,
    Refusal,
    SealedModel,
    Staff,
    sealed_columns,
)
from store.session import Register, operation
from tests.conftest import SUPERVISOR_PASSWORD
from tests.store.insider import raw_update

NOW = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)  # Monday 09:30 in the hall


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The demo register built once, plus what it leaves out (pending 否定报备, a
    petition's notices, a callback's note), each written by the store's own operation."""
    from store.cases.common import register_refusal
    from store.demo import create_demo_register, demo_password
    from store.followup import log_callback
    from store.petitions import issue_petition_notice
    from store.staff import add_staff

    base = tmp_path_factory.mktemp("row-macs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHUANGKOU_STATE_DIR", str(base / "state"))
        url = f"sqlite:///{base / 'demo.db'}"
        create_demo_register(url, clock=FixedClock(NOW), persons=20, cases=40)
        register = Register.open(url, clock=FixedClock(NOW))
        sup = login(register, "0001", demo_password("0001"))
        for case in Case.select().where(Case.state == "in_progress").limit(2):
            with operation(sup, "test.refusal", record_table="refusal"):
                register_refusal(sup, case, "not_granted", "不符合条件", reviewed=False)
        for petition in Petition.select().limit(2):
            issue_petition_notice(sup, petition.number, "petition_notice")
        rating = Rating.select().where(Rating.followup_state == "open").first()
        for note in ("无人接听", "占线"):
            log_callback(sup, _service_number(rating), how="phone", outcome="busy", note=note)
        add_staff(
            sup,
            number="1010",
            name="钱多多",
            role="clerk",
            password="qian-mima-2026",
            phone="13700000010",
        )
        close_database()
    return base / "demo.db"


@pytest.fixture
def demo(demo_file, tmp_path):
    from store.demo import demo_password

    copy = tmp_path / "register.db"
    shutil.copy(demo_file, copy)
    register = Register.open(f"sqlite:///{copy}", clock=FixedClock(NOW))
    sup = login(register, "0001", demo_password("0001"))
    officer = login(register, "2001", demo_password("2001"))
    yield sup, officer
    close_database()


def _service_number(rating: Rating) -> str:
    if rating.case_id is not None:
        return Case.get_by_id(rating.case_id).number
    return Inquiry.get_by_id(rating.inquiry_id).number


@dataclass(frozen=True)
class Table:
    """A table, how to pick one of its rows, and the app's own read of that row."""

    model: type[SealedModel]
    pick: Callable[[], SealedModel]
    read: Callable[[object, object, SealedModel], object]  # (supervisor, officer, row)


def _with_findings() -> Rating:
    return Rating.select().where(Rating.findings_enc.is_null(False)).first()


TABLES = [
    Table(Staff, lambda: Staff.get(Staff.number == "1010"), lambda s, o, row: _list_staff(s)),
    Table(Person, lambda: Person.select().first(), lambda s, o, row: _history(s, row)),
    Table(
        Case,
        lambda: Case.select().where(Case.result_enc.is_null(False)).first(),
        lambda s, o, row: _case_detail(s, row),
    ),
    Table(
        Inquiry,
        lambda: Inquiry.select().where(Inquiry.caller_name_enc.is_null(False)).first(),
        lambda s, o, row: _inquiry_view(s, row),
    ),
    Table(Handover, lambda: Handover.select().first(), lambda s, o, row: _handover(s, row)),
    Table(Complaint, lambda: Complaint.select().first(), lambda s, o, row: _complaint(o, row)),
    Table(Rating, _with_findings, lambda s, o, row: _followup(s, row)),
    Table(
        RatingCallback,
        lambda: RatingCallback.select().where(RatingCallback.note_enc.is_null(False)).first(),
        lambda s, o, row: _followup(s, Rating.get_by_id(row.rating_id)),
    ),
    Table(Petition, lambda: Petition.select().first(), lambda s, o, row: _petition(s, row)),
    Table(Notice, lambda: Notice.select().first(), lambda s, o, row: _notice(s, row)),
    Table(Refusal, lambda: Refusal.select().first(), lambda s, o, row: _refusals(s)),
]


def _list_staff(session):
    from store.staff import list_staff

    return list_staff(session)


def _history(session, row):
    from store.lookup import person_history

    return person_history(session, row.uuid)


def _case_detail(session, row):
    from store.cases import case_detail

    return case_detail(session, row.number)


def _inquiry_view(session, row):
    from store.inquiry_view import inquiry_view

    return inquiry_view(session, row.number)


def _handover(session, row):
    from store.handover import handover_detail

    return handover_detail(session, row.number)


def _complaint(officer, row):
    from store.complaints import complaint_detail

    return complaint_detail(officer, row.number)


def _followup(session, rating):
    from store.followup import followup_detail

    return followup_detail(session, _service_number(rating))


def _petition(session, row):
    from store.petitions import petition_detail

    return petition_detail(session, row.number)


def _notice(session, row):
    from store.case_notices import issued_notice

    return issued_notice(session, row.number)


def _refusals(session):
    from store.cases.refusals import refusals_to_review

    return refusals_to_review(session)


IDS = [t.model._meta.table_name for t in TABLES]


def _filled(row: SealedModel) -> list[str]:
    return [c for c in sealed_columns(type(row)) if getattr(row, c) is not None]


@pytest.mark.parametrize("table", TABLES, ids=IDS)
def test_each_table_reads_as_written(demo, table):
    sup, officer = demo
    row = table.pick()
    assert row is not None and _filled(row), "the demo must give this table a filled row"
    table.read(sup, officer, row)  # nothing refused before anything was changed


@pytest.mark.parametrize("table", TABLES, ids=IDS)
def test_another_ciphertext_of_the_same_field_is_refused(demo, table):
    """What a backup of an earlier version of the row holds: a ciphertext that opens in
    its place (same table, column, row and key) — but is not what the row says now."""
    sup, officer = demo
    row = table.pick()
    column = _filled(row)[0]
    older = sup.keys.seal(table.model._meta.table_name, column, row.uuid, "先前的内容")
    raw_update(table.model, table.model.id == row.id, **{column: older})
    with pytest.raises(TamperedRecord, match="登记本记录被改动"):
        table.read(sup, officer, row)


def _nullable(model) -> bool:
    return any(model._meta.fields[c].null for c in sealed_columns(model))


#: A table whose sealed columns are all NOT NULL (a notice's body) cannot have one cleared.
NULLABLE = [t for t in TABLES if _nullable(t.model)]


@pytest.mark.parametrize("table", NULLABLE, ids=[t.model._meta.table_name for t in NULLABLE])
def test_a_field_cleared_to_null_is_refused(demo, table):
    sup, officer = demo
    row = table.pick()
    nullable = [c for c in _filled(row) if table.model._meta.fields[c].null]
    if not nullable:  # only NOT NULL columns filled: give one nullable a value to clear
        column = next(c for c in sealed_columns(table.model) if table.model._meta.fields[c].null)
        filled = sup.keys.seal(table.model._meta.table_name, column, row.uuid, "内容")
        from store import row_macs

        row = table.model.get_by_id(row.id)
        setattr(row, column, filled)
        row_macs.save(sup, row)  # as an operation of the register would
        table.read(sup, officer, row)
        nullable = [column]
    raw_update(table.model, table.model.id == row.id, **{nullable[0]: None})
    with pytest.raises(TamperedRecord, match="登记本记录被改动"):
        table.read(sup, officer, row)


@pytest.mark.parametrize("table", TABLES, ids=IDS)
def test_a_removed_row_mac_is_refused(demo, table):
    sup, officer = demo
    row = table.pick()
    raw_update(table.model, table.model.id == row.id, row_mac=None)
    with pytest.raises(TamperedRecord, match="缺少行校验"):
        table.read(sup, officer, row)


@pytest.mark.parametrize("table", TABLES, ids=IDS)
def test_two_rows_sealed_values_swapped_are_refused(demo, table):
    sup, officer = demo
    row = table.pick()
    column, other = next(
        (c, o)
        for c in _filled(row)
        for o in table.model.select().where(
            (table.model.id != row.id) & getattr(table.model, c).is_null(False)
        )
    )
    mine, theirs = getattr(row, column), getattr(other, column)
    raw_update(table.model, table.model.id == row.id, **{column: theirs})
    raw_update(table.model, table.model.id == other.id, **{column: mine})
    with pytest.raises(DecryptionFailed):  # the AEAD binds the row; TamperedRecord is one
        table.read(sup, officer, row)


# --- blind indexes swapped between two rows -------------------------------------------------


def _swap(model, column, a, b) -> None:
    first, second = getattr(a, column), getattr(b, column)
    raw_update(model, model.id == a.id, **{column: second})
    raw_update(model, model.id == b.id, **{column: first})


def test_two_staff_members_name_indexes_swapped_are_refused(demo):
    from store.staff import list_staff

    sup, _ = demo
    a, b = Staff.get(Staff.number == "1001"), Staff.get(Staff.number == "1002")
    _swap(Staff, "name_bidx", a, b)
    with pytest.raises(TamperedRecord, match="工作人员记录"):
        list_staff(sup)


def test_two_persons_phone_indexes_swapped_are_refused(demo):
    from store.lookup import person_history

    sup, _ = demo
    a, b = Person.select().where(Person.phone_bidx.is_null(False)).limit(2)
    _swap(Person, "phone_bidx", a, b)
    with pytest.raises(TamperedRecord, match="来访人记录"):
        person_history(sup, a.uuid)


def test_two_callers_phone_indexes_swapped_are_refused(demo):
    from store.inquiries import register_inquiry
    from store.lookup import search

    sup, _ = demo
    for phone in ("13900000001", "13900000002"):
        register_inquiry(
            sup,
            channel="phone",
            caller_name="来电人",
            caller_phone=phone,
            topic="问社保",
            disposition="answered",
        )
    a, b = Inquiry.select().order_by(Inquiry.id.desc()).limit(2)
    _swap(Inquiry, "caller_phone_bidx", a, b)
    with pytest.raises(TamperedRecord, match="登记本记录被改动"):
        search(sup, "13900000001")


# --- the lists that open many rows at once --------------------------------------------------


def test_the_supervisors_board_refuses_a_tampered_row(demo):
    from store.board import board

    sup, _ = demo
    row = Staff.get(Staff.number == "1001")
    older = sup.keys.seal("staff", "name_enc", row.uuid, "别人")
    raw_update(Staff, Staff.id == row.id, name_enc=older)
    with pytest.raises(TamperedRecord):
        board(sup)


def test_the_counters_queue_refuses_a_tampered_applicant(demo):
    from store.demo import demo_password
    from store.queue import counter_queue

    sup, _ = demo
    clerk = login(sup.register, "1001", demo_password("1001"))
    shown = counter_queue(clerk, window_code=None)
    cases = [Case.get_or_none(Case.number == r.number) for r in shown.rows]
    person = Person.get_by_id(next(c.person_id for c in cases if c and c.person_id))
    raw_update(Person, Person.id == person.id, phone_enc=None)
    with pytest.raises(TamperedRecord, match="来访人记录"):
        counter_queue(clerk, window_code=None)


# --- rows from before their table had a MAC: the daily job's backfill -----------------------


@pytest.fixture(scope="module")
def upgraded_file(tmp_path_factory):
    """The demo as a register upgraded from before version 9 would be: no table recorded
    complete, every row without its MAC."""
    from store import row_macs
    from store.demo import create_demo_register
    from store.models import MAC_COLUMNS

    base = tmp_path_factory.mktemp("row-macs-upgraded")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHUANGKOU_STATE_DIR", str(base / "state"))
        mp.setattr(row_macs, "creation_events", lambda: [])
        url = f"sqlite:///{base / 'demo.db'}"
        create_demo_register(url, clock=FixedClock(NOW), persons=20, cases=40)
        Register.open(url, clock=FixedClock(NOW))
        for model in MAC_COLUMNS:
            raw_update(model, model.id > 0, row_mac=None)
        close_database()
    return base / "demo.db"


@pytest.fixture
def upgraded(upgraded_file, tmp_path):
    from store.demo import demo_password

    copy = tmp_path / "register.db"
    shutil.copy(upgraded_file, copy)
    register = Register.open(f"sqlite:///{copy}", clock=FixedClock(NOW))
    yield login(register, "0001", demo_password("0001"))
    close_database()


def _read_everything(session) -> None:
    from store.board import board
    from store.staff import list_staff

    list_staff(session)
    board(session)
    for row in Case.select():
        _case_detail(session, row)
    for row in Petition.select():
        _petition(session, row)


def test_rows_from_before_get_their_mac_in_batches_then_a_missing_one_is_refused(upgraded):
    from store import row_macs
    from store.models import MAC_COLUMNS, AuditEvent

    sup = upgraded
    total = sum(m.select().count() for m in MAC_COLUMNS)
    _read_everything(sup)  # rows without a MAC are read while their table is not complete
    assert not row_macs.backfill_done(sup.keys)
    first = row_macs.backfill(sup, batch_size=7, max_batches=3)  # stops; resumed later
    assert 0 < first <= 21
    assert row_macs.backfill(sup, batch_size=7) == total - first
    assert row_macs.backfill_done(sup.keys)
    assert all(not m.select().where(m.row_mac.is_null()).exists() for m in MAC_COLUMNS)
    completed = AuditEvent.select().where(AuditEvent.action == row_macs.COMPLETE_ACTION)
    assert sorted(e.record_id for e in completed) == sorted(m._meta.table_name for m in MAC_COLUMNS)
    _read_everything(sup)
    row = Case.select().first()
    raw_update(Case, Case.id == row.id, row_mac=None)  # now a missing MAC is a removed one
    with pytest.raises(TamperedRecord, match="缺少行校验"):
        _case_detail(sup, row)
    # Another counter's session learns it from the audit chain, not from this one's memory.
    from store.demo import demo_password

    other = login(sup.register, "1001", demo_password("1001"))
    with pytest.raises(TamperedRecord, match="缺少行校验"):
        _case_detail(other, row)
    assert row_macs.backfill(sup) == 0  # and the backfill never blesses it


def test_the_daily_job_gives_older_rows_their_mac(upgraded):
    from store import row_macs
    from store.daily import run_daily
    from store.models import MAC_COLUMNS

    run_daily(upgraded)
    assert row_macs.backfill_done(upgraded.keys)
    assert all(not m.select().where(m.row_mac.is_null()).exists() for m in MAC_COLUMNS)


def test_an_audit_event_forged_as_completion_is_not_believed(upgraded):
    """Completion is read from the MACed audit chain: a row written into audit_event by
    hand does not make the register refuse every row (nor a removed one accepted)."""
    from store import row_macs
    from store.models import AuditEvent, AuditHead

    last = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    AuditEvent.create(
        seq=last.seq + 1,
        at=NOW,
        actor=None,
        acting_for=None,
        station="",
        action=row_macs.COMPLETE_ACTION,
        record_table="row_macs",
        record_id="case",
        detail="{}",
        prev_mac=last.mac,
        mac="0" * 64,
    )
    AuditHead.update(count=last.seq + 1, last_mac="0" * 64).execute()
    assert not row_macs.complete(upgraded.keys, "case")
    _case_detail(upgraded, Case.select().first())


def test_a_key_rotation_keeps_every_table_readable(demo):
    from store.rotation import rotate_keys

    sup, officer = demo
    status = rotate_keys(sup)
    assert status.finished
    for table in TABLES:
        table.read(sup, officer, table.pick())


# --- writes ---------------------------------------------------------------------------------


def test_a_write_does_not_bless_a_row_changed_outside_the_register(demo):
    """An operation that writes a sealed field of a tampered row refuses, writes nothing."""
    from store.complaints import investigate_complaint

    sup, officer = demo
    row = Complaint.select().where(Complaint.state == "received").first() or Complaint.get()
    older = sup.keys.seal("complaint", "description_enc", row.uuid, "先前的投诉内容")
    raw_update(Complaint, Complaint.id == row.id, description_enc=older)
    with pytest.raises(TamperedRecord):
        investigate_complaint(officer, row.number, "已核实")
    assert Complaint.get_by_id(row.id).finding_enc == row.finding_enc


def test_a_write_without_the_row_mac_never_reaches_the_database(demo):
    from store.errors import StoreError

    sup, _ = demo
    row = Case.select().first()
    sealed = sup.keys.seal("case", "notes_enc", row.uuid, "备注")
    with pytest.raises(StoreError, match="没有更新行校验"):
        Case.update(notes_enc=sealed).where(Case.id == row.id).execute()
    row.notes_enc = sealed
    with pytest.raises(StoreError, match="没有更新行校验"):
        row.save()
    with pytest.raises(StoreError, match="没有更新行校验"):
        Case.insert_many([{"uuid": "x", "key_id": 1, "number": "X"}]).execute()
    row.state = "in_progress"  # plain columns alone need no new MAC
    Case.update(state="in_progress").where(Case.id == row.id).execute()
    _case_detail(sup, Case.get_by_id(row.id))


def test_a_register_upgraded_from_before_gets_its_macs(monkeypatch, request):
    """The same on a small register (run again on PostgreSQL by tests.store.test_postgres):
    persons, staff and callers written without a MAC, given theirs, then strict."""
    from store import row_macs
    from store.inquiries import register_inquiry
    from store.models import MAC_COLUMNS
    from store.persons import find_by_id_number, upsert_person
    from store.staff import list_staff
    from tests.people import PEOPLE

    monkeypatch.setattr(row_macs, "creation_events", lambda: [])  # as before version 9
    hall = request.getfixturevalue("hall")
    clerk = hall.login()
    p = PEOPLE[0]
    upsert_person(clerk, name=p.name, id_number=p.id_number, phone=p.phone)
    register_inquiry(
        clerk, channel="phone", caller_name="来电人", caller_phone="13900000009",
        topic="问社保", disposition="answered",
    )  # fmt: skip
    for model in MAC_COLUMNS:
        raw_update(model, model.id > 0, row_mac=None)
    clerk = hall.login()
    assert find_by_id_number(clerk, p.id_number).phone == p.phone  # read while not complete
    assert row_macs.backfill(clerk, batch_size=1) == 1 + 2 + 1  # a person, two staff, a caller
    assert row_macs.backfill_done(clerk.keys)
    assert find_by_id_number(clerk, p.id_number).phone == p.phone
    assert len(list_staff(clerk)) == 2
    raw_update(Staff, Staff.number == "1001", row_mac=None)
    with pytest.raises(TamperedRecord, match="缺少行校验"):
        list_staff(hall.login("0001", SUPERVISOR_PASSWORD))


# --- no read of a sealed table around the row check --------------------------------------


#: Where a covered table's field is opened with the bare keyring, and why that is safe.
_BARE_OPENS = {
    "store/crypto.py": "the keyring itself",
    "store/row_macs.py": "the row check itself",
    "store/persons.py": "opens each field, then checks the row (row_macs.check) before use",
    "store/rotation.py": "checks each row (row_macs.check) before re-sealing it",
    "store/cases/common.py": "reseal: the stored row is checked when the case is saved",
}


def test_every_field_of_a_covered_table_is_opened_through_the_row_check():
    """From the source: a ``.open(…)``/``.open_text(…)`` of a covered table's field outside
    store.row_macs (and the few places listed, which check the row themselves) would read a
    field without its row's MAC — a new read path that forgot it."""
    import ast
    from pathlib import Path

    from store.models import MAC_COLUMNS

    tables = {m._meta.table_name for m in MAC_COLUMNS}
    root = Path(__file__).resolve().parents[2]
    found = []
    for path in sorted((root / "store").rglob("*.py")):
        where = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("open", "open_text")
                and node.args
            ):
                continue
            first = node.args[0]
            covered = isinstance(first, ast.Constant) and first.value in tables
            variable = isinstance(first, ast.Name) and first.id == "table"  # rotation's loop
            if (covered or variable) and where not in _BARE_OPENS:
                found.append(f"{where}:{node.lineno}")
    assert found == [], "opened without the row check (use row_macs.open_text): " + ", ".join(found)
