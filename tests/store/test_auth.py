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


# --- attempts counted before the password is checked (a patient insider's burst) -------


def _burst(register, number: str, passwords: list[str]) -> list[BaseException | None]:
    """Every password tried at the same instant, each on its own thread and connection."""
    import threading

    from store.database import database

    start = threading.Barrier(len(passwords))
    outcomes: list[BaseException | None] = [None] * len(passwords)

    def attempt(i: int, password: str) -> None:
        try:
            start.wait(timeout=30)
            login(register, number, password)
        except BaseException as exc:  # the outcome is the point
            outcomes[i] = exc
        finally:
            database.close()

    threads = [
        threading.Thread(target=attempt, args=(i, p), daemon=True) for i, p in enumerate(passwords)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "an attempt hung"
    return outcomes


def test_a_burst_of_parallel_wrong_passwords_gets_no_more_tries_than_the_policy(hall):
    limit = hall.register.policy.login.max_failures
    outcomes = _burst(hall.register, "1001", ["wrong-password"] * (limit + 7))
    checked = [o for o in outcomes if type(o) is AuthenticationFailed]
    locked = [o for o in outcomes if isinstance(o, AccountLocked)]
    assert len(checked) == limit - 1  # the limit-th attempt is the one that locks
    assert len(locked) == 8 and all(o is not None for o in outcomes)
    with pytest.raises(AccountLocked):
        hall.login()  # the right password, after the burst: still locked
    staff = Staff.get(Staff.number == "1001")
    assert staff.locked_until is not None


def test_an_unknown_number_is_refused_after_the_same_work_and_not_written_down(hall):
    import json
    import time

    from store.models import AuditEvent, AuditPending

    def cost(number: str) -> float:
        started = time.perf_counter()
        with pytest.raises(AuthenticationFailed):
            login(hall.register, number, "wrong-password")
        return time.perf_counter() - started

    hall.login()  # this station's first login: it now has a key of its own
    known = min(cost("0001") for _ in range(3))
    typed = "110101199003074514"  # an ID number swiped into the 工号 field
    unknown = min(cost(typed) for _ in range(3))
    # Both pay one Argon2id derivation: the unknown one may not be a fraction of the known.
    assert unknown > known * 0.5, (known, unknown)
    for model in (AuditEvent, AuditPending):
        for row in model.select():
            assert typed not in str(row.detail)
    # Only a hash under this station's key: the three attempts can be told to be the same.
    hashes = {
        json.loads(row.detail).get("typed")
        for row in AuditPending.select().where(AuditPending.action == "login.failed")
        if "unknown" in row.detail
    }
    assert len(hashes) == 1 and None not in hashes


def test_the_recovery_code_has_an_attempt_limit(hall, clock):
    limit = hall.register.policy.login.max_failures
    minutes = hall.register.policy.login.lockout_minutes
    for _ in range(limit):
        with pytest.raises(AuthenticationFailed):
            unlock_with_recovery(hall.register, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")
    with pytest.raises(AccountLocked, match="恢复码错误次数过多"):
        unlock_with_recovery(hall.register, hall.recovery_code)  # right, but locked
    clock.advance(minutes=minutes, seconds=1)
    assert unlock_with_recovery(hall.register, hall.recovery_code) is not None
    with pytest.raises(AuthenticationFailed):
        unlock_with_recovery(hall.register, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")  # count restarted


_ATTEMPT_IN_A_PROCESS = """
import sys
from store.auth import login
from store.errors import AccountLocked, AuthenticationFailed
from store.session import Register
register = Register.open(sys.argv[1])
sys.stdin.readline()  # every process waits here until all have started
try:
    login(register, "1001", "wrong-password")
except AccountLocked:
    print("locked")
except AuthenticationFailed:
    print("checked")
"""


def test_a_burst_from_separate_processes_gets_no_more_tries_than_the_policy(hall, register_url):
    import subprocess
    import sys
    from pathlib import Path

    limit = hall.register.policy.login.max_failures
    root = Path(__file__).resolve().parents[2]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _ATTEMPT_IN_A_PROCESS, register_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
        )
        for _ in range(limit + 5)
    ]
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    answers = [process.communicate(timeout=120)[0].strip() for process in processes]
    assert answers.count("checked") == limit - 1, answers
    assert answers.count("locked") == 6, answers


def test_an_invalid_stored_policy_does_not_stop_failures_being_counted(hall):
    """The policy row changed in the file to something invalid: the lockout goes on with
    the default limit instead of failing open."""
    import datetime as dt

    from policies.settings import load_policy
    from store.models import Setting

    Setting.insert(
        key="policy", value="[login]\nmax_failures = 0\n", updated_at=dt.datetime.now(dt.UTC)
    ).on_conflict_replace().execute()
    hall.register.forget_cached()
    limit = load_policy(None).login.max_failures
    for _ in range(limit - 1):
        with pytest.raises(AuthenticationFailed):
            login(hall.register, "1001", "wrong-password")
    with pytest.raises(AccountLocked):
        login(hall.register, "1001", "wrong-password")
    with pytest.raises(AccountLocked):
        hall.login()
