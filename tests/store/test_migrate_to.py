"""`migrate-to` (store.migrate_to): a SQLite register moved to PostgreSQL — every row of
every table, the key slots and the audit chain — verified after the move, the source left
untouched; refused with a Chinese message (and nothing left on the target) otherwise.

Runs only when CHUANGKOU_TEST_PG_URL names a PostgreSQL test database (.ci/postgres.sh);
every test empties its schema `public` before and after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import time
from importlib import resources
from pathlib import Path

import peewee as pw
import pytest

from store import audit
from store.auth import login
from store.clock import FixedClock
from store.database import close_database, database, make_database, upsert
from store.demo import create_demo_register, demo_password
from store.errors import (
    AuthenticationFailed,
    MigrationError,
    PermissionDenied,
    RegisterExists,
)
from store.migrate_to import migrate_to
from store.models import (
    ALL_MODELS,
    AuditEvent,
    AuditHead,
    AuditPending,
    Case,
    Notice,
    Person,
    Refusal,
    Setting,
    Staff,
    SubTask,
    Window,
)
from store.session import Register, operation
from tests.store.test_postgres import _wipe

PG_URL = os.environ.get("CHUANGKOU_TEST_PG_URL", "")
NOW = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)  # Monday 09:30 in the hall
YEAR_2027 = Path(__file__).resolve().parents[1] / "policies" / "data" / "calendar-2027.toml"
SUPERVISOR = ("0001", demo_password("0001"))
CLERK = ("1001", demo_password("1001"))

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not PG_URL,
        reason="CHUANGKOU_TEST_PG_URL is not set: no PostgreSQL server to test against "
        '(start one with: eval "$(bash .ci/postgres.sh)")',
    ),
]


# --- the target -------------------------------------------------------------------------


@pytest.fixture
def target():
    close_database()
    _wipe(PG_URL)
    yield PG_URL
    close_database()
    _wipe(PG_URL)


def _target_tables() -> set[str]:
    db = make_database(PG_URL)
    db.connect()
    try:
        return set(db.get_tables())
    finally:
        db.close()
        getattr(db, "close_all", lambda: None)()


# --- the source: the demo register, with every table filled -----------------------------


def _insert_sealed(keys, row) -> None:
    """A new sealed row, with its row MAC where its table has one (store.row_macs.save,
    schema version 9; a plain save before it)."""
    from store import row_macs

    save = getattr(row_macs, "save", None)
    if save is None:
        row.save(force_insert=True)
    else:
        save(keys, row, force_insert=True)


def _fill_the_rest(url: str) -> None:
    """What the demo leaves empty: the hall's policy, an imported year, a notice, a joint
    case's part, a refusal, and (last, so nothing links it) a failed login's pending event."""
    from store.calendar_years import import_year

    register = Register.open(url, clock=FixedClock(NOW), station="演示终端")
    try:
        chief = login(register, *SUPERVISOR)
        keys = chief.keys
        import_year(chief, YEAR_2027.read_text(encoding="utf-8"))
        case = Case.select().order_by(Case.id).first()
        other = Window.select().where(Window.id != case.window_id).first()
        with operation(chief, "test.fill", record_table="case") as event:
            policy = resources.files("policies").joinpath("data/policy.toml").read_text("utf-8")
            upsert(Setting, key="policy", value=policy, updated_at=NOW)
            notice = Notice(number="GZ20261123-0001", kind="acceptance", case=case)
            notice.key_id = keys.current
            notice.body_enc = keys.seal("notice", "body_enc", notice.uuid, "受理通知书（测试）")
            notice.issued_at, notice.issued_by = NOW, chief.staff_id
            _insert_sealed(keys, notice)
            SubTask.create(case=case, window=other)
            refusal = Refusal(case=case, kind="returned", at=NOW, by_staff=chief.staff_id)
            refusal.key_id = keys.current
            refusal.reasons_enc = keys.seal("refusal", "reasons_enc", refusal.uuid, "材料不全")
            _insert_sealed(keys, refusal)
            event.record_id = case.uuid
        with pytest.raises(AuthenticationFailed):
            login(register, "0001", "not-the-password")
    finally:
        close_database()


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory):
    """The demo register (store.demo) with every one of its tables non-empty. Built once:
    the tests only read it (they copy it before changing it)."""
    folder = tmp_path_factory.mktemp("migrate-source")
    url = f"sqlite:///{folder / 'register.db'}"
    with pytest.MonkeyPatch.context() as mp:  # this station's keys: in the test's folder
        mp.setenv("CHUANGKOU_STATE_DIR", str(folder / "station-state"))
        create_demo_register(url, clock=FixedClock(NOW), persons=40, cases=90)
        _fill_the_rest(url)
    conn = sqlite3.connect(f"file:{folder / 'register.db'}?mode=ro&immutable=1", uri=True)
    counts = {
        m._meta.table_name: conn.execute(f'SELECT COUNT(*) FROM "{m._meta.table_name}"').fetchone()[
            0
        ]
        for m in ALL_MODELS
    }
    conn.close()
    assert all(counts.values()), [t for t, n in counts.items() if not n]
    return url, counts, folder / "station-state"


@pytest.fixture
def source(demo_source, monkeypatch):
    url, counts, state = demo_source
    # The station that built it: its pending-event key verifies the failed login's event.
    monkeypatch.setenv("CHUANGKOU_STATE_DIR", str(state))
    return url, counts


def _copy(url: str, folder: Path) -> str:
    """A copy of a source register to change (the shared one stays as it is)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(url.removeprefix("sqlite:///"), folder / "register.db")
    return f"sqlite:///{folder / 'register.db'}"


def _files(url: str) -> dict[str, tuple[int, int, str]]:
    folder = Path(url.removeprefix("sqlite:///")).parent
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in folder.iterdir()
        if p.is_file()
    }


def _rows(model, db: pw.Database) -> list[tuple]:
    """Every row as the store reads it (peewee's own conversions), in key order."""
    pk = model._meta.primary_key
    order = (
        [model._meta.fields[n] for n in pk.field_names] if isinstance(pk, pw.CompositeKey) else [pk]
    )
    rows = model.select(*model._meta.sorted_fields).tuples().execute(db)
    rows = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]
    positions = [model._meta.sorted_fields.index(f) for f in order]
    return sorted(rows, key=lambda r: tuple(r[i] for i in positions))


# --- the move -----------------------------------------------------------------------------


def test_every_row_key_slots_and_chain_arrive_and_the_source_is_untouched(source, target):
    url, counts = source
    before = _files(url)
    seen: list[tuple[str, str, int, int]] = []

    report = migrate_to(
        url,
        target,
        *SUPERVISOR,
        station="迁移终端",
        clock=FixedClock(NOW),
        progress=lambda *step: seen.append(step),
        batch=16,  # several batches even in a small register
    )

    # The source: not one byte, not its time, no -wal or -shm left beside it.
    assert _files(url) == before
    # What the move reports it copied and checked: every table, every row.
    assert {t.table: t.rows for t in report.tables} == counts
    assert report.rows == sum(counts.values())
    assert ("复制", "case", counts["case"], counts["case"]) in seen
    assert ("核对", "audit_event", counts["audit_event"], counts["audit_event"]) in seen
    assert any(phase == "复制" and 0 < done < total for phase, _, done, total in seen)

    # Checked here again, independently of the move's own digests: each table read back
    # through peewee from both databases.
    src = pw.SqliteDatabase(f"file:{url.removeprefix('sqlite:///')}?mode=ro&immutable=1", uri=True)
    register = Register.open(target, clock=FixedClock(NOW), station="迁移终端")
    try:
        for model in ALL_MODELS:
            if model in (AuditEvent, AuditPending, AuditHead):
                continue
            assert _rows(model, register.db) == _rows(model, src), model._meta.table_name
        # The chain: the source's events as they were, then its pending event (a failed
        # login) linked by the move's own event, which comes last.
        source_events = _rows(AuditEvent, src)
        target_events = _rows(AuditEvent, register.db)
        pending = _rows(AuditPending, src)
        assert target_events[: len(source_events)] == source_events
        assert len(target_events) == len(source_events) + len(pending) + 1
        assert [e.action for e in AuditEvent.select().order_by(AuditEvent.seq)][-2:] == [
            "login.failed",
            "register.migrate",
        ]
        moved = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
        assert moved.actor == Staff.get(Staff.number == "0001").id
        assert '"rows":' in moved.detail and moved.station == "迁移终端"
        assert AuditPending.select().count() == 0
        assert report.events == len(target_events)
        assert report.chain.startswith("审计链完整")
        src.close()

        # Key slots: the staff log in on the server with the passwords they had; the chain
        # verifies with the key opened there.
        chief = login(register, *SUPERVISOR)
        result = audit.verify(chief.audit_key)
        assert result.ok and result.count == len(target_events) + 1, result.message
        clerk = login(register, *CLERK)
        person = Person.select().order_by(Person.id).first()
        assert clerk.keys.open_text("person", "name_enc", person.uuid, person.name_enc)

        # Sequences past the copied ids: the next record gets a new one.
        from store.staff import add_staff

        biggest = Staff.select(pw.fn.MAX(Staff.id)).scalar()
        add_staff(chief, number="8888", name="新来的", role="clerk", password="xinlai-mima-2026")
        assert Staff.get(Staff.number == "8888").id == biggest + 1
    finally:
        close_database()


def test_a_target_that_holds_a_register_is_refused_and_left_as_it_was(source, target):
    url, _ = source
    migrate_to(url, target, *SUPERVISOR, clock=FixedClock(NOW))
    register = Register.open(target, clock=FixedClock(NOW))
    events = AuditEvent.select().count()
    close_database()

    with pytest.raises(RegisterExists, match="目标数据库中已有登记本"):
        migrate_to(url, target, *SUPERVISOR, clock=FixedClock(NOW))

    register = Register.open(target, clock=FixedClock(NOW))
    try:
        assert AuditEvent.select().count() == events
        assert register.meta("schema_version")
    finally:
        close_database()


@pytest.mark.parametrize(
    ("who", "error", "message"),
    [
        (("0001", "wrong-password-1"), AuthenticationFailed, "工号或密码错误"),
        (("7777", "no-such-staff-1"), AuthenticationFailed, "工号或密码错误"),
        (CLERK, PermissionDenied, "迁移登记本需要"),
    ],
)
def test_only_a_supervisor_with_the_password_moves_it_and_nothing_is_written(
    source, target, who, error, message
):
    url, _ = source
    before = _files(url)
    with pytest.raises(error, match=message):
        migrate_to(url, target, *who, clock=FixedClock(NOW))
    assert _target_tables() == set()
    assert _files(url) == before


def test_a_difference_found_on_checking_leaves_nothing_on_the_target(source, target, monkeypatch):
    """A value that reaches the server changed (here: one byte of one sealed field) is
    found by the check, and the whole move is rolled back."""
    import store.migrate_to as mover

    url, _ = source
    original = mover._copy_text
    changed = []

    def corrupt(value):
        if isinstance(value, bytes) and len(value) > 30 and not changed:
            changed.append(True)
            value = bytes([value[0] ^ 1]) + value[1:]
        return original(value)

    monkeypatch.setattr(mover, "_copy_text", corrupt)
    with pytest.raises(MigrationError, match="的内容与源登记本不同；目标库未改动"):
        migrate_to(url, target, *SUPERVISOR, clock=FixedClock(NOW))
    assert changed and _target_tables() == set()


def test_a_broken_chain_in_the_source_is_not_moved(source, target, tmp_path):
    url = _copy(source[0], tmp_path / "edited")
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    conn.execute("UPDATE audit_event SET detail = '{}' WHERE seq = 5")
    conn.commit()
    conn.close()
    with pytest.raises(MigrationError, match=r"审计链在第 5 条处断开.*目标库未改动"):
        migrate_to(url, target, *SUPERVISOR, clock=FixedClock(NOW))
    assert _target_tables() == set()


def test_a_write_to_the_source_during_the_move_refuses_it(source, target, tmp_path):
    """A counter still working on the register while it is copied: what it writes would be
    lost, so the move is refused and rolled back."""
    url = _copy(source[0], tmp_path / "busy")
    path = url.removeprefix("sqlite:///")
    wrote = []

    def counter_writes(phase, table, done, total):
        if not wrote:
            wrote.append(True)
            conn = sqlite3.connect(path)
            conn.execute("PRAGMA journal_mode=wal")
            conn.execute(
                "UPDATE register_meta SET value = value || '（改）' WHERE key = 'hall_name'"
            )
            conn.commit()
            conn.close()

    with pytest.raises(MigrationError, match="迁移期间登记本有新的写入"):
        migrate_to(url, target, *SUPERVISOR, clock=FixedClock(NOW), progress=counter_writes)
    assert _target_tables() == set()


def test_what_cannot_be_moved_is_said_in_chinese(source, target, tmp_path):
    url, _ = source
    with pytest.raises(MigrationError, match="迁移目标应为大厅服务器的 PostgreSQL 地址"):
        migrate_to(url, f"sqlite:///{tmp_path / 'other.db'}", *SUPERVISOR)
    with pytest.raises(MigrationError, match="不是 SQLite 登记本"):
        migrate_to(target, target, *SUPERVISOR)
    old = _copy(url, tmp_path / "old")
    conn = sqlite3.connect(old.removeprefix("sqlite:///"))
    conn.execute("UPDATE register_meta SET value = '8' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(MigrationError, match="低于本程序"):
        migrate_to(old, target, *SUPERVISOR)
    assert _target_tables() == set()


# --- 100,000 cases ------------------------------------------------------------------------


def _stored(field: pw.Field):
    """How peewee stores a Python value of this field in SQLite (sqlite3 takes the rest)."""
    if isinstance(field, pw.DateTimeField):
        return lambda v: None if v is None else str(v.astimezone(dt.UTC).replace(tzinfo=None))
    if isinstance(field, pw.DateField):
        return lambda v: None if v is None else v.isoformat()
    return None


def _raw_insert(model, rows: list[dict]) -> None:
    """Rows written as peewee would write them (its defaults and stored forms), through
    sqlite3's executemany: 100,000 cases in seconds (peewee's insert_many, as
    bench/large_register.py uses, builds its SQL for minutes)."""
    given = list(rows[0])
    fields = [f for f in model._meta.sorted_fields if not isinstance(f, pw.AutoField)]
    defaults = [f for f in fields if f.name not in given]
    for field in defaults:
        assert not callable(field.default), field.name  # give it per row
    columns = [model._meta.fields[name] for name in given] + defaults
    constant = tuple(field.db_value(field.default) for field in defaults)
    converters = [(i, c) for i, f in enumerate(columns[: len(given)]) if (c := _stored(f))]
    names = ", ".join(f'"{f.column_name}"' for f in columns)
    sql = (
        f'INSERT INTO "{model._meta.table_name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    )

    def values(row: dict) -> tuple:
        out = [row[name] for name in given]
        for i, convert in converters:
            out[i] = convert(out[i])
        return (*out, *constant)

    with database.atomic():
        database.connection().executemany(sql, map(values, rows))


def build_large(url: str, cases: int) -> dict[str, int]:
    """A register of `cases` cases: a person per ten cases (every tenth sealed for real,
    the rest sealed-looking filler, as bench/large_register.py does), every case's note
    sealed for real, and one audit event per case on the chain."""
    from store.catalog import import_catalog
    from store.keyslots import OWASP_MINIMUM_KDF
    from store.models import ServiceItem
    from store.setup import create_register

    _, chief, _ = create_register(
        url,
        hall_name="压测镇便民服务中心",
        hall_code="YC",
        supervisor_number=SUPERVISOR[0],
        supervisor_name="林主任",
        password=SUPERVISOR[1],
        clock=FixedClock(NOW),
        kdf=OWASP_MINIMUM_KDF,
    )
    keys = chief.keys
    import_catalog(
        chief, resources.files("policies").joinpath("data/catalog.toml").read_text("utf-8")
    )
    items = list(ServiceItem.select())
    filler = b"\x01\x00\x01" + os.urandom(52)
    persons = []
    for i in range(cases // 10):
        u = os.urandom(16).hex()
        real = i % 10 == 0
        persons.append(
            dict(
                uuid=u,
                key_id=1,
                name_enc=keys.seal("person", "name_enc", u, f"测试{i:07d}") if real else filler,
                name_bidx=os.urandom(16).hex(),
                created_at=NOW,
                updated_at=NOW,
            )
        )
    _raw_insert(Person, persons)
    rows, chain = [], []
    for i in range(cases):
        u = os.urandom(16).hex()
        item = items[i % len(items)]
        at = NOW - dt.timedelta(minutes=5 * (cases - i))
        rows.append(
            dict(
                uuid=u,
                key_id=1,
                number=f"BJ{i:012d}",
                item=item.id,
                window=item.window_id,
                person=1 + i % len(persons),
                kind=item.default_kind,
                state="done" if i % 3 else "accepted",
                received_at=at,
                clock_start=at.date(),
                due_date=at.date() + dt.timedelta(days=10),
                accepted_by=chief.staff_id,
                notes_enc=keys.seal("case", "notes_enc", u, f"第{i}件的备注"),
                closed_at=at + dt.timedelta(days=3) if i % 3 else None,
                updated_at=at,
            )
        )
        chain.append(
            audit.Entry(at, chief.staff_id, None, "", "case.accept", "case", u, f'{{"n":{i}}}')
        )
    _raw_insert(Case, rows)
    # The chain goes on from the head create_register left, one linked event per case.
    head = AuditHead.get_by_id(1)
    seq, prev, events = head.count, head.last_mac, []
    for entry in chain:
        seq += 1
        mac = audit.event_mac(chief.audit_key, prev, seq, entry)
        events.append(dict(seq=seq, prev_mac=prev, mac=mac, **entry._asdict()))
        prev = mac
    _raw_insert(AuditEvent, events)
    AuditHead.update(
        count=seq, last_mac=prev, head_mac=audit.head_mac(chief.audit_key, seq, prev)
    ).execute()
    counts = {m._meta.table_name: m.select().count() for m in ALL_MODELS}
    close_database()
    return counts


@pytest.mark.slow
def test_a_register_of_100000_cases_moves_and_verifies_row_for_row(tmp_path, target):
    url = f"sqlite:///{tmp_path / 'large' / 'register.db'}"
    started = time.perf_counter()
    counts = build_large(url, 100_000)
    built = time.perf_counter() - started
    before = _files(url)
    started = time.perf_counter()
    report = migrate_to(url, target, *SUPERVISOR, clock=FixedClock(NOW))
    moved = time.perf_counter() - started
    print(f"\n100,000 cases: built in {built:.1f} s, moved and verified in {moved:.1f} s")

    assert _files(url) == before
    assert {t.table: t.rows for t in report.tables} == counts
    assert counts["case"] == 100_000 and counts["audit_event"] > 100_000
    assert report.chain.startswith("审计链完整") and report.events == counts["audit_event"] + 1
    # On the server: the last case opens with the key of a login there, and the next case
    # a counter writes gets the next id.
    register = Register.open(target, clock=FixedClock(NOW))
    try:
        chief = login(register, *SUPERVISOR)
        last = Case.select().order_by(Case.id.desc()).first()
        assert last.id == 100_000 and last.number == "BJ000000099999"
        assert (
            chief.keys.open_text("case", "notes_enc", last.uuid, last.notes_enc)
            == "第99999件的备注"
        )
        (next_id,) = register.db.execute_sql(
            "SELECT nextval(pg_get_serial_sequence('\"case\"', 'id'))"
        ).fetchone()
        assert next_id == 100_001
    finally:
        close_database()
