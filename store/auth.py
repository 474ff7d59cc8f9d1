"""Logging in (登录): unlock a key slot with a password or the recovery code, with lockout."""

from __future__ import annotations

import datetime as dt
import math

from store.crypto import NoKeyring
from store.database import database
from store.errors import AccountDisabled, AccountLocked, AuthenticationFailed
from store.models import KeySlot, Staff
from store.passwords import check_new_password
from store.roles import DATA_ROLES, RECOVERY
from store.session import Register, Session, operation, record_event
from store.slots import make_slot, open_keyring, register_kdf, slot_deks, unlock_slot


def _minutes_left(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def login(register: Register, number: str, password: str) -> Session:
    """Unlock the staff member's slot. The policy's N-th failure in a row locks the account."""
    anonymous = register.anonymous()
    number = number.strip()
    staff = Staff.get_or_none(Staff.number == number)
    if staff is None:
        record_event(anonymous, "login.failed", number=number, why="unknown")
        raise AuthenticationFailed("工号或密码错误")
    now = register.clock.now()
    if not staff.active:
        record_event(anonymous, "login.refused", staff=staff.id, why="disabled")
        raise AccountDisabled("账号已停用，请联系大厅主任")
    if staff.locked_until is not None and staff.locked_until > now:
        minutes = _minutes_left(staff.locked_until, now)
        record_event(anonymous, "login.refused", staff=staff.id, why="locked")
        raise AccountLocked(f"账号已锁定，请 {minutes} 分钟后再试或联系大厅主任", minutes)
    slot = KeySlot.get_or_none(KeySlot.staff == staff)
    try:
        if slot is None:
            raise AuthenticationFailed("工号或密码错误")
        private = unlock_slot(slot, password)
    except AuthenticationFailed:
        _count_failure(register, staff, now)
        raise
    keyring = open_keyring(slot_deks(slot, private)) if staff.role in DATA_ROLES else None
    name = (
        keyring.open_text("staff", "name_enc", staff.uuid, staff.name_enc)
        if keyring
        else staff.number
    )
    session = Session(
        register,
        staff.id,
        staff.role,
        keyring or NoKeyring(),
        staff_number=staff.number,
        staff_name=name or staff.number,
        slot_id=slot.id,
        slot_private=private,
    )
    with operation(session, "login", record_table="staff", record_id=staff.uuid):
        Staff.update(failed_logins=0, locked_until=None).where(Staff.id == staff.id).execute()
    return session


def _count_failure(register: Register, staff: Staff, now: dt.datetime) -> None:
    policy = register.policy.login
    anonymous = register.anonymous()
    with database.atomic():
        # Count in SQL: the UPDATE locks the row, so two counters failing at once both count
        # (a read-then-write lost one on PostgreSQL; SQLite's IMMEDIATE hid it).
        Staff.update(failed_logins=Staff.failed_logins + 1).where(Staff.id == staff.id).execute()
        failures = Staff.get_by_id(staff.id).failed_logins
        locked_until = None
        if failures >= policy.max_failures:
            locked_until = now + dt.timedelta(minutes=policy.lockout_minutes)
            Staff.update(failed_logins=0, locked_until=locked_until).where(
                Staff.id == staff.id
            ).execute()
    if locked_until is not None:
        record_event(anonymous, "login.locked", staff=staff.id, minutes=policy.lockout_minutes)
        raise AccountLocked(
            f"密码连续错误 {policy.max_failures} 次，账号已锁定 {policy.lockout_minutes} 分钟",
            policy.lockout_minutes,
        )
    record_event(anonymous, "login.failed", staff=staff.id, why="password")


def unlock_with_recovery(register: Register, code: str) -> Session:
    """A session from the recovery code: it may reset passwords and rotate keys, nothing more."""
    from store.keyslots import normalise_recovery_code

    slot = KeySlot.get_or_none(KeySlot.kind == "recovery")
    try:
        if slot is None:
            raise AuthenticationFailed("恢复码错误")
        private = unlock_slot(slot, normalise_recovery_code(code))
    except AuthenticationFailed:
        record_event(register.anonymous(), "recovery.failed")
        raise AuthenticationFailed("恢复码错误") from None
    keyring = open_keyring(slot_deks(slot, private)) or NoKeyring()
    session = Session(register, None, RECOVERY, keyring, slot_id=slot.id, slot_private=private)
    with operation(session, "recovery.unlock"):
        pass
    return session


def change_password(session: Session, old_password: str, new_password: str) -> None:
    """A staff member replaces their own password (their slot is made anew)."""
    register = session.register
    staff = Staff.get_by_id(session.staff_id)
    slot = KeySlot.get(KeySlot.staff == staff)
    unlock_slot(slot, old_password)
    check_new_password(register.policy, new_password)
    with operation(session, "staff.change_password", record_table="staff", record_id=staff.uuid):
        replace_slot(session, staff, new_password, must_change=False)


def replace_slot(session: Session, staff: Staff, password: str, *, must_change: bool) -> None:
    now = session.now()
    old = KeySlot.get_or_none(KeySlot.staff == staff)
    if old is not None:
        old.delete_instance(recursive=True)
    deks = session.keys.deks if staff.role in DATA_ROLES else {}
    make_slot(kind="staff", staff=staff, secret=password, deks=deks, kdf=register_kdf(), now=now)
    Staff.update(
        password_changed_at=now,
        must_change_password=must_change,
        failed_logins=0,
        locked_until=None,
    ).where(Staff.id == staff.id).execute()
