"""The audit chain cannot be wiped, cut back to an older head or replaced unseen: its first
event is the register's creation, and each station keeps a MACed witness of the head it saw
last, outside the database (store.witness)."""

from __future__ import annotations

import pytest

from store import audit, witness
from store.errors import AuthenticationFailed
from store.models import AuditEvent, AuditHead, AuditPending
from store.persons import upsert_person
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
