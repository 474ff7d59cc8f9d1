"""The register on PostgreSQL, end to end: what a hall whose counters share one register does.

Runs only when CHUANGKOU_TEST_PG_URL names a test database (see .ci/postgres.sh). Every
test starts from an empty database: the schema `public` is dropped and made again. The
`hall` fixture of tests/conftest.py is reused as is: `register_url` is overridden here.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse
from zoneinfo import ZoneInfo

import peewee as pw
import pytest
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrate

from store import audit, migrations
from store.auth import login
from store.crypto import sealed_key_id
from store.database import UtcDateTimeField, close_database, database, make_database
from store.errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    LockedRegister,
    RegisterExists,
    RegisterNotFound,
    StoreError,
)
from store.keyslots import OWASP_MINIMUM_KDF
from store.models import (
    ALL_MODELS,
    AuditEvent,
    AuditHead,
    AuditPending,
    Counter,
    DataKey,
    KeySlot,
    Person,
    Post,
    RegisterSecret,
    SlotKey,
    Staff,
)
from store.persons import find_by_id_number, find_by_name, find_by_phone, upsert_person
from store.rotation import rotate_keys
from store.session import Register
from store.setup import create_register
from store.staff import add_staff, assign_post, disable_staff, list_staff
from tests.conftest import CLERK_PASSWORD, SUPERVISOR_PASSWORD
from tests.people import PEOPLE, id_number
from tests.store import test_audit_anchoring, test_auth, test_row_macs

PG_URL = os.environ.get("CHUANGKOU_TEST_PG_URL", "")

# The login bursts of test_auth, run again here on PostgreSQL (register_url is this module's).
test_pg_burst = (
    test_auth.test_a_burst_of_parallel_wrong_passwords_gets_no_more_tries_than_the_policy
)
test_pg_row_macs = test_row_macs.test_a_register_upgraded_from_before_gets_its_macs
test_pg_slot_witness = test_audit_anchoring.test_audit_tables_cut_back_alone_are_reported_at_the_slots_next_login_anywhere
test_pg_process_burst = (
    test_auth.test_a_burst_from_separate_processes_gets_no_more_tries_than_the_policy
)
POLICY_DATA = Path(__file__).resolve().parents[1] / "policies" / "data"
CJK = re.compile(r"[\u4e00-\u9fff]")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not PG_URL,
        reason="CHUANGKOU_TEST_PG_URL is not set: no PostgreSQL server to test against "
        '(start one with: eval "$(bash .ci/postgres.sh)")',
    ),
]


def _wipe(url: str) -> None:
    """Drop everything in the test database (the schema `public` and all in it)."""
    name = urlparse(url).path.lstrip("/")
    if urlparse(url).scheme not in ("postgresql", "postgres") or "test" not in name:
        pytest.fail(f"CHUANGKOU_TEST_PG_URL must name a PostgreSQL *test* database, not {name!r}")
    db = make_database(url)
    db.connect()
    try:
        # A connection left in a transaction by a failed test must not hang the next one.
        db.execute_sql("SET lock_timeout = '5s'")
        db.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
        db.execute_sql("CREATE SCHEMA public")
    finally:
        db.close()


@pytest.fixture
def register_url():
    """The PostgreSQL test database, emptied (overrides the SQLite one of conftest)."""
    close_database()
    _wipe(PG_URL)
    yield PG_URL
    close_database()


def _in_thread(target, *args, **kwargs):
    """Run `target` in a thread with its own connection; returns (thread, result dict)."""
    result: dict = {}

    def run():
        try:
            result["value"] = target(*args, **kwargs)
        except BaseException as exc:  # reported by the test
            result["error"] = exc
        finally:
            database.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def _joined(thread: threading.Thread, result: dict):
    thread.join(timeout=15)
    assert not thread.is_alive(), "a writer hung"
    if "error" in result:
        raise result["error"]
    return result.get("value")


# --- opening and creating -------------------------------------------------------------


def test_an_empty_database_has_no_register(register_url):
    with pytest.raises(RegisterNotFound) as missing:
        Register.open(register_url)
    assert "尚未初始化" in str(missing.value) and "chuangkou init" in str(missing.value)
    assert database.obj.is_closed()


def test_a_refused_connection_is_a_chinese_error_without_the_password(register_url):
    parts = urlparse(register_url)
    wrong = parts._replace(
        netloc=f"{parts.username}:not-the-password-9@{parts.hostname}:{parts.port or 5432}"
    )
    with pytest.raises(StoreError) as refused:
        Register.open(urlunparse(wrong))
    assert CJK.search(str(refused.value)) and "not-the-password-9" not in str(refused.value)


def test_create_reopen_and_never_overwrite(hall, register_url, clock):
    hall.register.close()
    register = Register.open(register_url, clock=clock)
    assert register.meta("hall_name") == "示例镇便民服务中心"
    assert register.meta("schema_version") == str(migrations.latest_version())
    assert {row.name for row in RegisterSecret.select()} == {"index", "audit"}
    assert login(register, "0001", SUPERVISOR_PASSWORD).keys.current == 1
    register.close()
    with pytest.raises(RegisterExists):
        create_register(
            register_url,
            hall_name="另一个大厅",
            hall_code="X",
            supervisor_number="0002",
            supervisor_name="某人",
            password=SUPERVISOR_PASSWORD,
            clock=clock,
            kdf=OWASP_MINIMUM_KDF,
        )
    assert Register.open(register_url).meta("hall_name") == "示例镇便民服务中心"


def test_an_older_schema_migrates_without_a_sqlite_backup(hall, register_url, monkeypatch):
    close_database()

    def add_column(db: pw.Database) -> None:
        run_migrate(
            SchemaMigrator.from_database(db).add_column(
                "window", "floor", pw.IntegerField(default=1)
            )
        )

    version = migrations.latest_version() + 1
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        [*migrations.MIGRATIONS, migrations.Migration(version, "测试", add_column)],
    )
    register = Register.open(register_url)
    assert register.meta("schema_version") == str(version)
    assert "floor" in {c.name for c in database.obj.get_columns("window")}


# --- logging in -------------------------------------------------------------------------


def test_right_password_unlocks_and_wrong_ones_unlock_nothing(hall):
    session = hall.login()
    assert session.has_data_key and session.keys.current == 1
    with pytest.raises(AuthenticationFailed, match="工号或密码错误"):
        login(hall.register, "1001", CLERK_PASSWORD + "x")
    with pytest.raises(AuthenticationFailed):
        login(hall.register, "9999", CLERK_PASSWORD)
    assert Staff.get(Staff.number == "1001").failed_logins == 1
    # Both failures wait unlinked (no key), and the next login links them into the chain.
    assert AuditPending.select().count() == 2
    hall.login()
    assert AuditPending.select().count() == 0
    assert audit.verify(session.keys.audit_key).ok


def test_the_fifth_failure_locks_until_the_policy_time_passes(hall, clock):
    limit = hall.register.policy.login.max_failures
    minutes = hall.register.policy.login.lockout_minutes
    for _ in range(limit - 1):
        with pytest.raises(AuthenticationFailed):
            login(hall.register, "1001", "wrong-password")
    with pytest.raises(AccountLocked):
        login(hall.register, "1001", "wrong-password")
    locked_until = Staff.get(Staff.number == "1001").locked_until
    assert locked_until == clock.now() + dt.timedelta(minutes=minutes)
    clock.advance(minutes=minutes - 3)
    with pytest.raises(AccountLocked) as still:
        login(hall.register, "1001", CLERK_PASSWORD)
    assert still.value.minutes_left == 3
    clock.advance(minutes=3, seconds=1)
    assert login(hall.register, "1001", CLERK_PASSWORD).has_data_key
    staff = Staff.get(Staff.number == "1001")
    assert staff.failed_logins == 0 and staff.locked_until is None


def test_two_counters_failing_at_once_both_count(hall, monkeypatch):
    """Two wrong passwords typed at two counters at the same moment are two failures.

    The first counter is held between reading the failure count and writing it, for as long
    as the database lets the second one go on (at most a second)."""
    first_read = threading.Event()
    second_done = threading.Event()
    original = Staff.get_by_id.__func__
    holder = {}

    def get_by_id(cls, pk):
        row = original(cls, pk)
        if threading.current_thread() is holder.get("thread") and not first_read.is_set():
            first_read.set()
            second_done.wait(timeout=1)
        return row

    monkeypatch.setattr(Staff, "get_by_id", classmethod(get_by_id))

    def wrong():
        with pytest.raises(AuthenticationFailed):
            login(hall.register, "1001", "wrong-password")

    first, first_result = _in_thread(wrong)
    holder["thread"] = first
    assert first_read.wait(timeout=10) or not first.is_alive()
    second, second_result = _in_thread(wrong)
    second.join(timeout=1.5)
    second_done.set()
    _joined(first, first_result)
    _joined(second, second_result)
    assert Staff.get(Staff.number == "1001").failed_logins == 2


# --- staff ----------------------------------------------------------------------------


def test_staff_are_added_listed_and_disabled(hall):
    add_staff(
        hall.supervisor,
        number="1002",
        name="欧阳晓",
        role="clerk",
        password="password-1002",
        phone="13900000002",
    )
    add_staff(
        hall.supervisor, number="9001", name="赵技术", role="technician", password="jishuyuan-1"
    )
    listed = {s.number: s for s in list_staff(hall.supervisor)}
    assert [listed[n].name for n in ("0001", "1001", "1002", "9001")] == [
        "林主任",
        "王小英",
        "欧阳晓",
        "赵技术",
    ]
    assert all(s.active and not s.locked for s in listed.values())
    # Booleans are real booleans on PostgreSQL, in both directions.
    assert Staff.select().where(Staff.must_change_password == True).count() == 3  # noqa: E712
    assert Staff.get(Staff.number == "1002").must_change_password is True

    tech = login(hall.register, "9001", "jishuyuan-1")
    assert not tech.has_data_key
    with pytest.raises(LockedRegister):
        find_by_phone(tech, "13900000000")
    assert SlotKey.select().join(KeySlot).where(KeySlot.staff == tech.staff_id).count() == 0

    disable_staff(hall.supervisor, "1002")
    assert Staff.get(Staff.number == "1002").active is False
    assert Staff.select().where(~Staff.active).count() == 1
    with pytest.raises(AccountDisabled):
        login(hall.register, "1002", "password-1002")


def test_a_post_is_assigned_and_reassigned_in_place(hall):
    from store.catalog import import_catalog

    import_catalog(hall.supervisor, (POLICY_DATA / "catalog-small.toml").read_text("utf-8"))
    add_staff(hall.supervisor, number="1002", name="欧阳晓", role="clerk", password="password-1002")
    assign_post(hall.supervisor, "minzheng", "A", "1001")
    assign_post(hall.supervisor, "minzheng", "A", "1002")
    assign_post(hall.supervisor, "minzheng", "B", "1001")
    posts = {p.post: p.staff.number for p in Post.select().join(Staff)}
    assert posts == {"A": "1002", "B": "1001"}


def test_an_imported_calendar_year_is_replaced_on_import_again(hall):
    from store.calendar_years import calendar_status, import_year

    text = (POLICY_DATA / "calendar-2027.toml").read_text("utf-8")
    assert import_year(hall.supervisor, text).year == 2027
    assert import_year(hall.supervisor, text + "\n# 再次导入\n").year == 2027
    assert [s.source for s in calendar_status(hall.register) if s.year == 2027] == ["导入"]
    assert 2027 in hall.register.calendar.covered_years()


def test_an_imported_year_is_seen_at_once_by_another_counter(hall, register_url, clock):
    """Another counter (its own connection, its calendar read before the import) counts
    on the imported year at its next store call, without reopening the register."""
    from store.calendar_years import import_year

    other = Register(register_url, database, clock, "窗口-2")
    assert _joined(*_in_thread(lambda: other.calendar.is_covered(2027))) is False
    import_year(hall.supervisor, (POLICY_DATA / "calendar-2027.toml").read_text("utf-8"))
    assert _joined(*_in_thread(lambda: other.calendar.is_covered(2027))) is True
    # 2027-02-10 is a day off in the imported year (the statutory count knew nothing of it)
    due = _joined(*_in_thread(lambda: other.calendar.due(dt.date(2027, 2, 1), 5).date))
    assert due == dt.date(2027, 2, 15)


def test_attendance_signs_in_once_a_day(hall, clock):
    from store.attendance import sign_in, sign_out

    clerk = hall.login()
    first = sign_in(clerk)  # 08:30 in the hall
    assert first.first_today and first.work_date == "2026-11-23" and first.signed_in_at == "08:30"
    clock.advance(minutes=20)
    again = sign_in(clerk)
    assert not again.first_today and again.signed_in_at == "08:30"
    assert sign_out(clerk) is True  # 08:50 is early
    assert audit.verify(clerk.keys.audit_key).ok


def test_technician_tools_say_what_postgresql_needs(hall, tmp_path):
    from store.backup import backup
    from store.doctor import check_register, run_checks
    from store.errors import BackupError

    with pytest.raises(BackupError, match="pg_dump"):
        backup(hall.supervisor)
    hall.register.close()
    opened, register = check_register(hall.register.url, clock=hall.register.clock)
    assert register is not None and "PostgreSQL" in opened[0].message
    checks = {c.name: c for c in run_checks(register)}
    assert checks["结构版本"].status == "正常"
    assert "PostgreSQL" in checks["磁盘空间"].message
    assert checks["系统时钟"].status == "正常"
    assert checks["审计链头"].status == "正常"


# --- people -----------------------------------------------------------------------------


def test_people_are_registered_found_and_updated(hall):
    clerk = hall.login()
    photo = bytes(range(256)) * 4  # every byte value through bytea
    for i, p in enumerate(PEOPLE):
        view = upsert_person(
            clerk,
            name=p.name,
            id_number=p.id_number,
            phone=p.phone,
            address=p.address,
            birth_date=dt.date(1985, 4, 12),
            photo=photo if i == 0 else None,
        )
        assert view.name == p.name and view.has_photo == (i == 0)
    for p in PEOPLE:
        found = find_by_id_number(clerk, p.id_number.lower())
        assert (found.name, found.phone, found.address) == (p.name, p.phone, p.address)
        assert found.birth_date == dt.date(1985, 4, 12)
        assert [v.id_number for v in find_by_phone(clerk, "+86 " + p.phone)] == [p.id_number]
        assert [v.phone for v in find_by_name(clerk, f" {p.name} ")] == [p.phone]
    assert find_by_id_number(clerk, id_number("110105", "19491231", "002")) is None

    # Update: same ID number, new phone; what was not given is kept (photo included).
    first = PEOPLE[0]
    view = upsert_person(clerk, name=first.name, id_number=first.id_number, phone="13811112222")
    assert view.address == first.address and view.has_photo and view.phone == "13811112222"
    assert find_by_phone(clerk, first.phone) == []
    assert Person.select().count() == len(PEOPLE)
    row = Person.get(Person.uuid == view.uuid)
    assert clerk.keys.open("person", "photo_enc", row.uuid, row.photo_enc) == photo

    # What PostgreSQL holds is ciphertext and blind indexes only.
    stored = [
        bytes(value) if isinstance(value, memoryview) else str(value).encode()
        for row in database.obj.execute_sql("SELECT * FROM person").fetchall()
        for value in row
    ]
    assert any(len(value) > 1024 for value in stored)  # the sealed photo
    for p in PEOPLE:
        for secret in (p.name, p.id_number, p.phone, p.address):
            assert not any(secret.encode() in value for value in stored), "clear text stored"


# --- audit chain ------------------------------------------------------------------------


def test_the_audit_chain_verifies_and_finds_an_edited_row(hall):
    clerk = hall.login()
    for i in range(5):
        upsert_person(clerk, name=f"测试人{i}", phone=f"1390000000{i}")
    key = clerk.keys.audit_key
    result = audit.verify(key)
    assert result.ok, result.message
    count = result.count
    assert count == AuditEvent.select().count() == AuditHead.get_by_id(1).count

    AuditEvent.update(detail='{"created":false}').where(AuditEvent.seq == count - 2).execute()
    result = audit.verify(key)
    assert not result.ok and result.first_bad_seq == count - 2
    assert f"第 {count - 2} 条" in result.message


def test_a_cut_off_chain_is_found(hall):
    clerk = hall.login()
    upsert_person(clerk, name="测试人", phone="13900000001")
    count = audit.verify(clerk.keys.audit_key).count
    AuditEvent.delete().where(AuditEvent.seq > count - 2).execute()
    result = audit.verify(clerk.keys.audit_key)
    assert not result.ok and "最新的 2 条" in result.message


def test_two_sessions_appending_interleaved_keep_the_chain(hall):
    supervisor, clerk = hall.supervisor, hall.login()
    before = audit.verify(clerk.keys.audit_key).count
    start = threading.Barrier(2)

    def write(session, prefix):
        start.wait(timeout=10)
        for i in range(8):
            upsert_person(session, name=f"并发{prefix}{i}", phone=f"13{prefix}0000{i:04d}")

    runs = [_in_thread(write, supervisor, "5"), _in_thread(write, clerk, "6")]
    for thread, result in runs:
        _joined(thread, result)
    result = audit.verify(clerk.keys.audit_key)
    assert result.ok, result.message
    assert result.count == before + 16
    seqs = [e.seq for e in AuditEvent.select().order_by(AuditEvent.seq)]
    assert seqs == list(range(1, before + 17))
    actors = {e.actor for e in AuditEvent.select().where(AuditEvent.seq > before)}
    assert actors == {supervisor.staff_id, clerk.staff_id}
    assert Person.select().count() == 16


def _hold_first_append(monkeypatch):
    """Patch audit.append so that the first thread to append waits, inside its transaction,
    until released. Returns (appended, release)."""
    appended, release = threading.Event(), threading.Event()
    original = audit.append
    holder = {}

    def append(*args, **kwargs):
        original(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread() and not holder:
            holder["thread"] = threading.current_thread()
            appended.set()
            release.wait(timeout=10)

    monkeypatch.setattr(audit, "append", append)
    return appended, release


def test_a_second_counter_does_not_wait_for_the_first_to_commit(hall, monkeypatch):
    """The first counter is held after writing its event, before its COMMIT; the second
    registers another person and is done meanwhile. Each event is linked into the chain
    after its own COMMIT: the second's first."""
    supervisor, clerk = hall.supervisor, hall.login()
    appended, release = _hold_first_append(monkeypatch)
    first = _in_thread(upsert_person, supervisor, name="先来的人", phone="13700000001")
    assert appended.wait(timeout=10)
    second = _in_thread(upsert_person, clerk, name="后到的人", phone="13700000002")
    try:
        assert _joined(*second).name == "后到的人"
        assert first[0].is_alive()
    finally:
        release.set()
    assert _joined(*first).name == "先来的人"
    result = audit.verify(clerk.keys.audit_key)
    assert result.ok and result.pending == 0, result.message
    last_two = AuditEvent.select().order_by(AuditEvent.seq.desc()).limit(2)
    assert [e.actor for e in last_two] == [supervisor.staff_id, clerk.staff_id]


def test_the_same_person_at_two_counters_at_once_is_one_person(hall, monkeypatch):
    """SQLite runs write transactions one at a time; on PostgreSQL the second counter must
    not register a second copy of a person the first is registering at that moment."""
    supervisor, clerk = hall.supervisor, hall.login()
    p = PEOPLE[1]
    appended, release = _hold_first_append(monkeypatch)
    first = _in_thread(
        lambda: upsert_person(supervisor, name=p.name, id_number=p.id_number, phone=p.phone)
    )
    assert appended.wait(timeout=10)
    second = _in_thread(
        lambda: upsert_person(clerk, name=p.name, id_number=p.id_number, address=p.address)
    )
    time.sleep(0.3)
    release.set()
    _joined(*first)
    view = _joined(*second)
    assert (view.phone, view.address) == (p.phone, p.address)
    assert Person.select().count() == 1
    assert audit.verify(clerk.keys.audit_key).ok


def test_two_counters_covering_the_same_absent_clerk_at_once(hall, clock, monkeypatch):
    """主动顶岗 at two counters at the same instant: one covers, the other is told who does;
    the absent clerk's work never has two covers (nor none)."""
    from store.errors import InvalidInput
    from store.handover import take_over
    from store.models import Handover

    sup = hall.supervisor
    for number in ("1002", "1003"):
        add_staff(sup, number=number, name=f"顶岗{number}", role="clerk", password=CLERK_PASSWORD)
    clock.set(dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC))  # 09:00, 1001 not signed in
    first_b, second_b = hall.login("1002"), hall.login("1003")
    appended, release = _hold_first_append(monkeypatch)
    first = _in_thread(lambda: take_over(first_b, "1001", reason="未到岗"))
    assert appended.wait(timeout=10)
    second = _in_thread(lambda: take_over(second_b, "1001", reason="未到岗"))
    time.sleep(0.3)  # the second counter is now waiting on the first's lock
    release.set()
    assert _joined(*first).to_number == "1002"
    with pytest.raises(InvalidInput, match="已由 1002 代岗"):
        _joined(*second)
    assert Handover.select().where(Handover.state == "active").count() == 1
    assert audit.verify(sup.keys.audit_key).ok


# --- key rotation -----------------------------------------------------------------------


def test_rotation_interrupted_and_resumed_from_another_session(hall):
    clerk = hall.login()
    for i in range(7):
        upsert_person(clerk, name=f"轮换人{i}", phone=f"1370000000{i}", address=f"某村{i}组")

    status = rotate_keys(hall.supervisor, batch_size=2, max_batches=2)
    assert not status.finished and status.retiring == (1,) and status.rows_left > 0
    assert find_by_phone(clerk, "13700000006")[0].address == "某村6组"
    upsert_person(clerk, name="轮换中新人", phone="13600000000")
    newest = Person.select().order_by(Person.id.desc()).first()
    assert newest.key_id == 2 and sealed_key_id(newest.name_enc) == 2

    other = login(hall.register, "0001", SUPERVISOR_PASSWORD)
    status = rotate_keys(other, batch_size=2)
    assert status.finished and status.rows_left == 0 and status.current == 2
    assert [k.state for k in DataKey.select().order_by(DataKey.key_id)] == ["retired", "active"]
    assert DataKey.get_by_id(1).retired_at == hall.register.clock.now()
    assert {sk.key_id for sk in SlotKey.select()} == {2}
    assert all(sealed_key_id(p.name_enc) == 2 for p in Person.select())
    assert all(s.key_id == 2 for s in Staff.select())
    assert {r.key_id for r in RegisterSecret.select()} == {2}

    again = login(hall.register, "1001", CLERK_PASSWORD)
    assert set(again.keys.deks) == {2}
    assert [p.address for p in find_by_phone(again, "13700000003")] == ["某村3组"]
    assert audit.verify(again.keys.audit_key).ok


# --- time -------------------------------------------------------------------------------


def test_timestamps_come_back_aware_utc_and_unchanged(register_url, clock):
    # 08:30:15.123456 in the hall is 00:30:15.123456 UTC; microseconds matter to the MACs.
    clock.set(dt.datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Shanghai")))
    at = clock.now()
    assert at == dt.datetime(2026, 11, 23, 0, 30, 15, 123456, tzinfo=dt.UTC)
    register, supervisor, _ = create_register(
        register_url,
        hall_name="示例镇便民服务中心",
        hall_code="SLZ",
        supervisor_number="0001",
        supervisor_name="林主任",
        password=SUPERVISOR_PASSWORD,
        clock=clock,
        kdf=OWASP_MINIMUM_KDF,
    )
    upsert_person(supervisor, name="时间人", phone="13900000009")
    db = database.obj
    assert db.execute_sql("SHOW timezone").fetchone()[0] == "UTC"

    def stored() -> list[dt.datetime]:
        staff = Staff.get(Staff.number == "0001")
        return [
            staff.created_at,
            staff.password_changed_at,
            DataKey.get_by_id(1).created_at,
            *(s.created_at for s in KeySlot.select()),
            Person.get().created_at,
            Person.get().updated_at,
            *(e.at for e in AuditEvent.select()),
        ]

    values = stored()
    assert len(values) >= 7
    for value in values:
        assert value == at and value.utcoffset() == dt.timedelta(0), value
    # PostgreSQL holds the UTC wall time, in `timestamp without time zone` columns …
    assert db.execute_sql("SELECT created_at::text FROM staff").fetchone()[0] == (
        "2026-11-23 00:30:15.123456"
    )
    # … which a connection in another time zone does not shift.
    db.execute_sql("SET TIME ZONE 'Asia/Shanghai'")
    try:
        assert stored() == values
    finally:
        db.execute_sql("SET TIME ZONE 'UTC'")
    assert audit.verify(supervisor.keys.audit_key).ok
    register.close()
    reopened = Register.open(register_url, clock=clock)
    assert login(reopened, "0001", SUPERVISOR_PASSWORD).now() == at
    assert Staff.get(Staff.number == "0001").created_at == at


# --- schema -----------------------------------------------------------------------------

_PG_TYPES = {
    pw.BlobField: "bytea",
    pw.BooleanField: "boolean",
    UtcDateTimeField: "timestamp without time zone",
    pw.DateField: "date",
    pw.BigIntegerField: "bigint",
    pw.SmallIntegerField: "smallint",
    pw.TextField: "text",
    pw.CharField: "character varying",
}


def _expected_type(field: pw.Field) -> str | None:
    if isinstance(field, pw.ForeignKeyField):
        return "integer"
    for kind in type(field).__mro__:
        if kind in _PG_TYPES:
            return _PG_TYPES[kind]
    if isinstance(field, pw.IntegerField):
        return "integer"
    return None


def test_migrated_schema_has_exactly_the_models_columns_and_types(hall):
    db = database.obj
    assert set(db.get_tables()) == {m._meta.table_name for m in ALL_MODELS}
    for model in ALL_MODELS:
        table = model._meta.table_name
        columns = {c.name: c for c in db.get_columns(table)}
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        assert set(columns) == set(fields), f"{table}: migrate the change (new numbered migration)"
        for name, field in fields.items():
            assert columns[name].data_type == _expected_type(field), f"{table}.{name}"
            assert columns[name].null == field.null, f"{table}.{name} nullability"
    assert db.get_primary_keys("counter") == ["prefix", "day"]
    unique = {
        (table, tuple(i.columns))
        for table in ("post", "slot_key", "attendance")
        for i in db.get_indexes(table)
        if i.unique
    }
    assert {
        ("post", ("window_id", "post")),
        ("slot_key", ("slot_id", "key_id")),
        ("attendance", ("staff_id", "work_date")),
    } <= unique


def test_the_composite_key_of_counter_holds(hall):
    day = dt.date(2026, 11, 23)
    Counter.create(prefix="SL", day=day, value=1)
    Counter.create(prefix="SL", day=day + dt.timedelta(days=1), value=1)
    Counter.update(value=Counter.value + 1).where(
        (Counter.prefix == "SL") & (Counter.day == day)
    ).execute()
    assert Counter.get((Counter.prefix == "SL") & (Counter.day == day)).value == 2
    with pytest.raises(pw.IntegrityError), database.atomic():
        Counter.create(prefix="SL", day=day, value=9)
    assert Counter.select().count() == 2


def test_a_register_from_before_issue_5_is_migrated(hall, register_url):
    from tests.store.test_migrations import migrate_from_before_issue_5

    register = migrate_from_before_issue_5(hall, register_url)
    assert register.sqlite_file is None  # a PostgreSQL hall backs up with pg_dump


def test_a_transaction_begun_through_a_cursor_or_the_connection_is_still_one(hall):
    """BEGIN goes with a transaction's first statement (store.postgres): a transaction whose
    first statement goes through a cursor or the connection itself (bulk updates, COPY) is
    one all the same — undone whole — and one that sent nothing leaves nothing open."""
    from store.models import RegisterMeta

    def written(key: str) -> bool:
        return RegisterMeta.get_or_none(RegisterMeta.key == key) is not None

    insert = "INSERT INTO register_meta (key, value) VALUES (%s, 'x')"
    with pytest.raises(RuntimeError), database.atomic():
        database.cursor().execute(insert, ("by-cursor",))
        raise RuntimeError
    with pytest.raises(RuntimeError), database.atomic():
        with database.connection().cursor() as cursor:
            cursor.execute(insert, ("by-connection",))
        raise RuntimeError
    with pytest.raises(RuntimeError), database.atomic():
        database.execute_sql(insert, ("by-statement",))
        raise RuntimeError
    assert not any(written(k) for k in ("by-cursor", "by-connection", "by-statement"))
    with database.atomic():
        pass  # sent nothing
    assert database.connection().get_transaction_status() == 0  # idle, no transaction open
    with database.atomic():
        database.execute_sql(insert, ("kept",))
    assert written("kept")
