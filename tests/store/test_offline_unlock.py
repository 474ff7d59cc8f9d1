"""Unlocking a locked counter while the register's server is away (store.auth.unlock_offline):
the clerk who locked it, with their password, checked against their key slot as read at
their login; wrong passwords limited as logins are; every attempt recorded in the audit
chain once the server answers. Needs no server: runs on SQLite."""

from __future__ import annotations

import pytest

from store import audit
from store.auth import unlock_offline
from store.errors import AccountLocked, AuthenticationFailed
from store.models import AuditEvent
from store.session import write_deferred
from tests.conftest import CLERK_PASSWORD


def _actions(after: int) -> list[str]:
    rows = AuditEvent.select().where(AuditEvent.seq > after).order_by(AuditEvent.seq)
    return [row.action for row in rows]


def test_the_right_password_goes_on_with_the_same_session_and_is_recorded_later(hall):
    clerk = hall.login()
    seq = audit.verify(clerk.keys.audit_key).count
    assert unlock_offline(clerk, CLERK_PASSWORD) is clerk
    assert _actions(seq) == []  # nothing written while the server is away
    write_deferred(clerk)
    assert _actions(seq) == ["unlock.offline"]
    assert clerk.refusals == []
    assert audit.verify(clerk.keys.audit_key).ok


def test_wrong_passwords_are_limited_and_recorded(hall):
    clerk = hall.login()
    limit = hall.register.policy.login.max_failures
    seq = audit.verify(clerk.keys.audit_key).count
    for _ in range(limit):
        with pytest.raises(AuthenticationFailed):
            unlock_offline(clerk, "not-the-password")
    with pytest.raises(AccountLocked, match="服务器连接中断"):
        unlock_offline(clerk, CLERK_PASSWORD)  # not even the right one, until the server
    write_deferred(clerk)
    assert _actions(seq) == ["unlock.offline_failed"] * limit
    assert audit.verify(clerk.keys.audit_key).ok


def test_another_clerks_password_does_not_open_the_held_session(hall):
    from tests.conftest import SUPERVISOR_PASSWORD

    clerk = hall.login()
    with pytest.raises(AuthenticationFailed):
        unlock_offline(clerk, SUPERVISOR_PASSWORD)
