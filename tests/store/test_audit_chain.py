"""The audit chain finds any edited, deleted, reordered or cut-off event, and says where."""

from __future__ import annotations

import pytest

from store import audit
from store.models import AuditEvent, AuditHead, AuditPending
from store.persons import upsert_person
from store.session import record_event


@pytest.fixture
def chain(hall):
    clerk = hall.login()
    for i in range(6):
        upsert_person(clerk, name=f"测试人{i}", phone=f"1390000000{i}")
    result = audit.verify(clerk.keys.audit_key)
    assert result.ok, result.message
    return clerk.keys.audit_key, result.count


def test_every_operation_appends_one_event(hall):
    clerk = hall.login()
    before = AuditEvent.select().count()
    upsert_person(clerk, name="测试人", phone="13900000001")
    assert AuditEvent.select().count() == before + 1
    assert AuditEvent.select().order_by(AuditEvent.seq.desc()).first().action == "person.upsert"


def test_editing_one_event_is_found(chain):
    key, count = chain
    AuditEvent.update(detail='{"created":false}').where(AuditEvent.seq == count - 2).execute()
    result = audit.verify(key)
    assert not result.ok
    assert result.first_bad_seq == count - 2
    assert f"第 {count - 2} 条" in result.message


def test_deleting_one_event_is_found(chain):
    key, _count = chain
    AuditEvent.delete().where(AuditEvent.seq == 4).execute()
    result = audit.verify(key)
    assert not result.ok and result.first_bad_seq == 4
    assert "缺失" in result.message


def test_reordering_two_events_is_found(chain):
    key, _count = chain
    a = AuditEvent.get(AuditEvent.seq == 5)
    b = AuditEvent.get(AuditEvent.seq == 6)
    fields = ("at", "actor", "action", "record_table", "record_id", "detail", "prev_mac", "mac")
    va, vb = ({f: getattr(e, f) for f in fields} for e in (a, b))
    AuditEvent.update(**vb).where(AuditEvent.seq == 5).execute()
    AuditEvent.update(**va).where(AuditEvent.seq == 6).execute()
    result = audit.verify(key)
    assert not result.ok and result.first_bad_seq == 5


def test_cutting_off_the_newest_events_is_found(chain):
    key, count = chain
    AuditEvent.delete().where(AuditEvent.seq > count - 2).execute()
    result = audit.verify(key)
    assert not result.ok
    assert "最新的 2 条" in result.message


def test_rewriting_the_head_without_the_key_is_found(chain):
    key, count = chain
    AuditEvent.delete().where(AuditEvent.seq == count).execute()
    prev = AuditEvent.get(AuditEvent.seq == count - 1)
    AuditHead.update(count=count - 1, last_mac=prev.mac).execute()
    result = audit.verify(key)
    assert not result.ok and "链头" in result.message


def test_a_written_down_head_catches_a_replayed_head(chain):
    _key, count = chain
    head_count, fingerprint = audit.head_summary()
    assert audit.matches_written_head(head_count, fingerprint) is None
    AuditEvent.delete().where(AuditEvent.seq == count).execute()
    assert "短" in audit.matches_written_head(head_count, fingerprint)


def test_events_without_the_key_wait_and_are_linked_by_the_next_operation(hall):
    record_event(hall.register.anonymous(), "backup.create")
    assert AuditPending.select().count() == 1
    clerk = hall.login()  # the login operation links the pending event first
    assert AuditPending.select().count() == 0
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.seq.desc()).limit(2)]
    assert actions == ["login", "backup.create"]
    assert audit.verify(clerk.keys.audit_key).ok
