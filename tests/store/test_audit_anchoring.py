"""The audit chain cannot be wiped, cut back to an older head or replaced unseen: its first
event is the register's creation, and each station keeps a MACed witness of the head it saw
last, outside the database (store.witness)."""

from __future__ import annotations

import pytest

from store import audit, witness
from store.errors import AuthenticationFailed
from store.models import AuditEvent, AuditHead, AuditPending
from store.persons import upsert_person
from tests.conftest import SUPERVISOR_PASSWORD
from tests.people import PEOPLE


def _work(session, n: int = 3) -> None:
    for i in range(n):
        p = PEOPLE[i]
        upsert_person(session, name=p.name, phone=p.phone)


def test_a_wiped_chain_does_not_verify(hall):
    _work(hall.login())
    AuditEvent.delete().execute()
    AuditHead.delete().execute()
    AuditPending.delete().execute()
    clerk = hall.login()  # the next login begins a new chain at seq 1 …
    result = audit.verify(clerk.audit_key)
    assert not result.ok  # … but its first event is not the register's creation
    assert "不是登记本的创建记录" in result.message
    assert "审计链比本机上次所见短" in clerk.audit_alarm  # and this station saw more


def test_a_chain_cut_back_to_an_older_head_is_reported_at_the_next_login(hall):
    clerk = hall.login()
    old_head = AuditHead.get_by_id(1)
    saved = (old_head.count, old_head.last_mac, old_head.head_mac)
    _work(clerk)
    hall.login()  # this station's witness now holds the longer chain
    # The insider cuts the events back and restores the older head (from a backup):
    AuditEvent.delete().where(AuditEvent.seq > saved[0]).execute()
    AuditHead.update(count=saved[0], last_mac=saved[1], head_mac=saved[2]).execute()
    assert audit.verify(clerk.audit_key).ok  # the file alone cannot tell …
    again = hall.login()
    assert "审计链比本机上次所见短" in again.audit_alarm  # … this station can
    actions = [e.action for e in AuditEvent.select()] + [p.action for p in AuditPending.select()]
    assert "audit.witness_mismatch" in actions
    # The evidence is not overwritten by that login: the next one still says so.
    assert hall.login().audit_alarm


def test_a_forged_witness_file_is_not_trusted(hall):
    clerk = hall.login()
    register_id = hall.register.meta("register_id")
    path = witness.witness_path(register_id)
    path.write_text('{"count": 1, "last_mac": "00", "mac": "00"}', encoding="utf-8")
    assert witness.check(clerk.audit_key, register_id) == "本机的审计见证文件被改动或损坏"


def test_a_good_chain_keeps_agreeing_with_its_witness(hall):
    for _ in range(3):
        session = hall.login()
        _work(session, 1)
        assert session.audit_alarm == ""
    with pytest.raises(AuthenticationFailed):
        from store.auth import login

        login(hall.register, "1001", "wrong-password")  # pending events do not disturb it
    assert hall.login().audit_alarm == ""
    assert audit.verify(hall.login().audit_key).ok


# --- pending events carry this station's MAC (store.pending_keys) -----------------------


def _failed_login(hall) -> None:
    from store.auth import login

    with pytest.raises(AuthenticationFailed):
        login(hall.register, "1001", "wrong-password")


def test_a_pending_event_from_this_station_links_in_verified(hall):
    hall.login()  # registers this station's key
    _failed_login(hall)
    assert '"_pmac"' in AuditPending.get().detail
    clerk = hall.login()
    linked = AuditEvent.select().where(AuditEvent.action == "login.failed").get()
    assert "_unverified" not in linked.detail and "_pmac" not in linked.detail
    assert audit.verify(clerk.audit_key).ok
    assert audit.unverified_count() == 0


def test_a_row_inserted_into_pending_is_linked_marked_unverified(hall):
    import datetime as dt

    hall.login()
    AuditPending.create(  # the insider, straight into the table
        at=dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC),
        actor=None,
        acting_for=None,
        station="",
        action="backup.create",
        record_table="backup",
        record_id="",
        detail='{"file":"alibi.ckbak"}',
    )
    clerk = hall.login()
    forged = AuditEvent.select().where(AuditEvent.action == "backup.create").get()
    assert '"_unverified":true' in forged.detail
    result = audit.verify(clerk.audit_key)
    assert result.ok and "1 条离线事件来源未能验证" in result.message


def test_a_pending_event_whose_detail_was_edited_is_marked_unverified(hall):
    hall.login()
    _failed_login(hall)
    row = AuditPending.get()
    row.detail = row.detail.replace('"password"', '"unknown"')
    row.save()
    hall.login()
    linked = AuditEvent.select().where(AuditEvent.action == "login.failed").get()
    assert '"_unverified":true' in linked.detail


def test_station_keys_survive_a_key_rotation(hall):
    from store.rotation import rotate_keys

    hall.login()
    rotate_keys(hall.supervisor)
    _failed_login(hall)
    hall.login()
    linked = AuditEvent.select().where(AuditEvent.action == "login.failed").get()
    assert "_unverified" not in linked.detail


# --- each key slot's witness (store.witness): in the register, sealed with the slot's key ---


def _cut_back_to(saved: tuple[int, str, str]) -> None:
    """The insider cuts the audit tables back to an older head (from a backup)."""
    AuditEvent.delete().where(AuditEvent.seq > saved[0]).execute()
    AuditHead.update(count=saved[0], last_mac=saved[1], head_mac=saved[2]).execute()


def _saved_head() -> tuple[int, str, str]:
    head = AuditHead.get_by_id(1)
    return head.count, head.last_mac, head.head_mac


def _another_station(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CHUANGKOU_STATE_DIR", str(tmp_path / "another-station"))


def test_audit_tables_cut_back_alone_are_reported_at_the_slots_next_login_anywhere(
    hall, monkeypatch, tmp_path
):
    """On a station that never saw the chain (or whose witness file is gone), the clerk's
    own key slot remembers what the clerk last saw."""
    hall.login()
    saved = _saved_head()
    _work(hall.login())
    hall.login()  # the clerk's slot now holds the longer chain
    _cut_back_to(saved)
    _another_station(monkeypatch, tmp_path)
    again = hall.login()
    assert "审计链比此账号上次所见短" in again.audit_alarm
    assert "本机" not in again.audit_alarm  # this station has no witness: only the slot saw it
    mismatches = [e for e in AuditEvent.select() if e.action == "audit.witness_mismatch"] + [
        p for p in AuditPending.select() if p.action == "audit.witness_mismatch"
    ]
    assert mismatches and "此账号" in mismatches[0].detail
    assert "此账号" in hall.login().audit_alarm  # the evidence is kept for the next login


def test_a_chain_rewritten_with_the_audit_key_is_reported_by_the_other_slots(
    hall, monkeypatch, tmp_path
):
    """A staff member who holds the audit key can recompute every event's MAC (and a
    station's witness file), but not another staff member's slot witness."""
    sup = hall.login("0001", SUPERVISOR_PASSWORD)  # the supervisor's slot sees the chain
    seen = AuditHead.get_by_id(1).count
    clerk = hall.login()
    key = clerk.audit_key
    # The clerk rewrites the chain from an event the supervisor saw, with valid MACs.
    events = list(AuditEvent.select().where(AuditEvent.seq >= seen - 1).order_by(AuditEvent.seq))
    prev = events[0].prev_mac
    for ev in events:
        if ev.seq == seen - 1:
            ev.detail = '{"rewritten":true}'
        ev.prev_mac = prev
        ev.mac = prev = audit.event_mac(key, prev, ev.seq, audit.Entry.of(ev))
        ev.save()
    AuditHead.update(last_mac=prev, head_mac=audit.head_mac(key, events[-1].seq, prev)).execute()
    assert audit.verify(key).ok  # the chain itself is consistent again
    _another_station(monkeypatch, tmp_path)  # (the station's file could be re-MACed too)
    again = hall.login("0001", SUPERVISOR_PASSWORD)
    assert f"第 {seen} 条审计记录与此账号所见不符" in again.audit_alarm
    assert sup.staff_id == again.staff_id


def test_a_slot_witness_edited_or_copied_from_another_slot_is_not_trusted(hall):
    from store.models import KeySlot, Staff

    hall.login("0001", SUPERVISOR_PASSWORD)
    hall.login()
    clerk_slot = KeySlot.get(KeySlot.staff == Staff.get(Staff.number == "1001"))
    sup_slot = KeySlot.get(KeySlot.staff == Staff.get(Staff.number == "0001"))
    KeySlot.update(witness=sup_slot.witness).where(KeySlot.id == clerk_slot.id).execute()
    assert "此账号密钥槽中的审计见证被改动或损坏" in hall.login().audit_alarm
    lowered = clerk_slot.witness.replace('"count": ', '"count": 1', 1)
    KeySlot.update(witness=lowered).where(KeySlot.id == clerk_slot.id).execute()
    assert "此账号密钥槽中的审计见证被改动或损坏" in hall.login().audit_alarm


def test_a_whole_file_put_back_is_found_by_the_station_not_by_the_slots(hall):
    """What each witness catches: the key slots go back with the file, the station's
    file does not (README: 持有数据库文件的内部人员)."""
    import shutil

    from store.database import close_database

    hall.login()
    path = hall.register.sqlite_file
    close_database()
    shutil.copy(path, path.with_name("older.db"))
    hall.register.db.connect(reuse_if_open=True)
    _work(hall.login())
    hall.login()
    close_database()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.copy(path.with_name("older.db"), path)
    hall.register.db.connect(reuse_if_open=True)
    again = hall.login()
    assert "审计链比本机上次所见短" in again.audit_alarm
    assert "此账号" not in again.audit_alarm


def test_doctor_reports_a_chain_shorter_than_a_slot_saw(hall, monkeypatch, tmp_path):
    from store.doctor import FAIL, _audit

    hall.login()
    saved = _saved_head()
    _work(hall.login())
    hall.login()
    _cut_back_to(saved)
    _another_station(monkeypatch, tmp_path)
    checks = _audit(hall.register)
    assert [c.status for c in checks] == [FAIL]
    assert "审计链比工号 1001 的账号上次所见短" in checks[0].message
