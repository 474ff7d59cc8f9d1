"""Logging in: a wrong password unlocks nothing; the policy's N-th failure locks the account."""

from __future__ import annotations

import pytest

from store.auth import login, unlock_with_recovery
from store.errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    LockedRegister,
    PermissionDenied,
)
from store.models import Staff
from store.persons import find_by_phone
from store.staff import add_staff, disable_staff, reset_password
from tests.conftest import CLERK_PASSWORD


def test_right_password_unlocks_the_data_key(hall):
    session = hall.login()
    assert session.has_data_key
    assert session.keys.current == 1


def test_wrong_password_unlocks_nothing(hall):
    with pytest.raises(AuthenticationFailed, match="工号或密码错误"):
        login(hall.register, "1001", CLERK_PASSWORD + "x")
    with pytest.raises(AuthenticationFailed):
        login(hall.register, "9999", CLERK_PASSWORD)


def test_fifth_failure_locks_the_account_until_the_policy_time_passes(hall, clock):
    limit = hall.register.policy.login.max_failures
    minutes = hall.register.policy.login.lockout_minutes
    assert limit == 5
    for _ in range(limit - 1):
        with pytest.raises(AuthenticationFailed):
            login(hall.register, "1001", "wrong-password")
    with pytest.raises(AccountLocked) as locked:
        login(hall.register, "1001", "wrong-password")
    assert f"{minutes} 分钟" in str(locked.value)
    # Locked: even the right password is refused, with the minutes left.
    clock.advance(minutes=minutes - 3)
    with pytest.raises(AccountLocked) as still:
        login(hall.register, "1001", CLERK_PASSWORD)
    assert still.value.minutes_left == 3
    assert "3 分钟" in str(still.value)
    clock.advance(minutes=3, seconds=1)
    assert login(hall.register, "1001", CLERK_PASSWORD).has_data_key
    assert Staff.get(Staff.number == "1001").failed_logins == 0


def test_a_success_resets_the_failure_count(hall):
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            login(hall.register, "1001", "wrong-password")
    hall.login()
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            login(hall.register, "1001", "wrong-password")
    assert hall.login().has_data_key


def test_a_technician_logs_in_without_any_data_key(hall):
    add_staff(
        hall.supervisor, number="9001", name="赵技术", role="technician", password="jishuyuan-1"
    )
    tech = login(hall.register, "9001", "jishuyuan-1")
    assert not tech.has_data_key
    with pytest.raises(LockedRegister):
        find_by_phone(tech, "13900000000")


def test_a_clerk_cannot_add_staff(hall):
    clerk = hall.login()
    with pytest.raises(PermissionDenied, match="大厅主任"):
        add_staff(clerk, number="1002", name="新同事", role="clerk", password="another-pass")
    assert Staff.get_or_none(Staff.number == "1002") is None


def test_disabled_account_is_refused_and_its_slot_destroyed(hall):
    disable_staff(hall.supervisor, "1001")
    with pytest.raises(AccountDisabled):
        hall.login()


def test_recovery_code_resets_a_forgotten_password(hall):
    recovery = unlock_with_recovery(hall.register, hall.recovery_code.lower().replace("-", " "))
    reset_password(recovery, "0001", "brand-new-password")
    session = login(hall.register, "0001", "brand-new-password")
    assert session.has_data_key
    assert Staff.get(Staff.number == "0001").must_change_password
    with pytest.raises(AuthenticationFailed):
        unlock_with_recovery(hall.register, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")


def test_recovery_session_may_not_add_staff(hall):
    recovery = unlock_with_recovery(hall.register, hall.recovery_code)
    with pytest.raises(PermissionDenied):
        add_staff(recovery, number="1003", name="某人", role="clerk", password="password-123")
