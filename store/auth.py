"""Logging in (登录): unlock a key slot with a password or the recovery code, with lockout."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math

from policies.settings import PolicySettingError, load_policy
from store import pending_keys, row_macs
from store.crypto import NoKeyring
from store.database import database
from store.errors import (
    AccountDisabled,
    AccountLocked,
    AuthenticationFailed,
    ServerUnavailable,
)
from store.keyslots import open_slot
from store.models import KeySlot, RegisterMeta, Staff
from store.passwords import check_new_password
from store.roles import DATA_ROLES, RECOVERY
from store.session import Register, Session, operation, record_event
from store.slots import make_slot, open_keyring, register_kdf, slot_deks, unlock_slot

log = logging.getLogger("chuangkou.store")


def _minutes_left(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def login(register: Register, number: str, password: str) -> Session:
    """Unlock the staff member's slot. The attempt is counted before the password is checked
    (see _reserve_attempt), so parallel attempts cannot get past the policy's limit; an
    unknown 工号 costs the same Argon2id work as a known one, so timing does not tell which
    numbers exist."""
    anonymous = register.anonymous()
    number = number.strip()
    staff = Staff.get_or_none(Staff.number == number)
    if staff is None:
        _spend_like_a_login(password)
        # What was typed may be an ID number (a keyboard-wedge reader) or a password typed
        # into the wrong field: never written down, only its hash under this station's key,
        # so repeated attempts with one number can be told apart without revealing it.
        typed = pending_keys.keyed_hash(register.meta("register_id"), number)
        record_event(
            anonymous, "login.failed", why="unknown", **({"typed": typed} if typed else {})
        )
        raise AuthenticationFailed("工号或密码错误")
    now = register.clock.now()
    if not staff.active:
        record_event(anonymous, "login.refused", staff=staff.id, why="disabled")
        raise AccountDisabled("账号已停用，请联系大厅主任")
    policy = _login_policy(register)
    attempt = _reserve_attempt(staff.id, now, policy.max_failures, policy.lockout_minutes)
    if attempt is None:
        locked_until = Staff.get_by_id(staff.id).locked_until or now
        minutes = _minutes_left(locked_until, now)
        record_event(anonymous, "login.refused", staff=staff.id, why="locked")
        raise AccountLocked(f"账号已锁定，请 {minutes} 分钟后再试或联系大厅主任", minutes)
    slot = KeySlot.get_or_none(KeySlot.staff == staff)
    try:
        if slot is None:
            raise AuthenticationFailed("工号或密码错误")
        private = unlock_slot(slot, password)
    except AuthenticationFailed:
        if attempt >= policy.max_failures:  # this attempt locked the account
            record_event(anonymous, "login.locked", staff=staff.id, minutes=policy.lockout_minutes)
            raise AccountLocked(
                f"密码连续错误 {policy.max_failures} 次，账号已锁定 {policy.lockout_minutes} 分钟",
                policy.lockout_minutes,
            ) from None
        record_event(anonymous, "login.failed", staff=staff.id, why="password")
        raise
    keyring = open_keyring(slot_deks(slot, private)) if staff.role in DATA_ROLES else None
    name = row_macs.open_text(keyring, staff, "name_enc") if keyring else staff.number
    session = Session(
        register,
        staff.id,
        staff.role,
        keyring or NoKeyring(),
        staff_number=staff.number,
        staff_name=name or staff.number,
        slot_id=slot.id,
        slot_private=private,
        slot_row=slot,
    )
    with operation(session, "login", record_table="staff", record_id=staff.uuid):
        Staff.update(failed_logins=0, locked_until=None).where(Staff.id == staff.id).execute()
    if keyring is not None:
        _witness(session)
    return session


def unlock_offline(session: Session, password: str) -> Session:
    """The register's server is away (ServerUnavailable) and the clerk who locked this
    counter unlocks it, or confirms leaving the application: their password is checked
    against their key slot as read at their login (Argon2id, as a login does) and the
    session already held goes on — nothing more is unlocked than was before the lock.
    Wrong passwords count on the session, up to the policy's limit (the register's count
    cannot be reached); each attempt waits on the session to be recorded in the audit
    chain once the server answers (store.session.write_deferred)."""
    from store import audit

    policy = _offline_policy(session.register)
    slot = session.slot_row
    if slot is None or session.slot_private is None:  # a session without a slot of its own
        raise ServerUnavailable("服务器连接中断：暂时无法核对密码，请等服务器恢复后再试")
    if session.offline_failures >= policy.max_failures:
        raise AccountLocked(
            f"服务器连接中断，且密码已连续错误 {policy.max_failures} 次：请等服务器恢复后再试",
            policy.lockout_minutes,
        )
    when = session.now().isoformat(timespec="seconds")
    try:
        private = unlock_slot(slot, password)
    except AuthenticationFailed:
        session.offline_failures += 1
        session.refusals.append(
            audit.EventDraft(
                "unlock.offline_failed", detail={"staff": session.staff_id, "offline_at": when}
            )
        )
        raise
    held = session.slot_private.public_key().public_bytes_raw()
    if private.public_key().public_bytes_raw() != held:
        raise AuthenticationFailed("工号或密码错误")  # not the slot this session came from
    session.offline_failures = 0
    session.refusals.append(
        audit.EventDraft("unlock.offline", detail={"staff": session.staff_id, "offline_at": when})
    )
    return session


def _offline_policy(register: Register):
    """The lockout rules as read at login (cached on the register), else the defaults."""
    policy = register.__dict__.get("policy")
    return policy.login if policy is not None else load_policy(None).login


def _witness(session: Session) -> None:
    """Compare the chain with this station's witness and with the one in this staff
    member's key slot (store.witness); each disagreement is recorded in the chain and kept
    on the session for the screen to show."""
    from store import audit, pending_keys, witness

    pending_keys.ensure_registered(session)
    register_id = session.register.meta("register_id")
    problems = [
        witness.check_and_record(session.audit_key, register_id),
        witness.check_and_record_slot(session.slot_id, session.slot_private, register_id),
    ]
    session.audit_head = audit.head_summary()
    for problem in filter(None, problems):
        session.audit_alarm = "；".join(filter(None, (session.audit_alarm, problem)))
        record_event(session, "audit.witness_mismatch", why=problem)


def _login_policy(register: Register):
    """The lockout rules: the hall's, or the defaults while its stored policy is invalid
    (changed in the file): a broken setting never stops attempts being counted."""
    try:
        return register.policy.login
    except PolicySettingError:
        log.warning("policy.invalid: login lockout uses the default settings")
        return load_policy(None).login


def _reserve_attempt(staff_id: int, now: dt.datetime, limit: int, minutes: int) -> int | None:
    """Count one attempt before its password is checked; its number in the run of failures,
    or None when the account is locked (or `limit` attempts are already counted). One
    conditional UPDATE does the counting, so two counters (threads, processes, SQLite or
    PostgreSQL) can never both take the last attempt. The attempt that reaches `limit`
    locks the account at once — a crash before its password is checked still locks — and
    only the right password (a success) unlocks early."""
    with database.atomic():
        counted = (
            Staff.update(failed_logins=Staff.failed_logins + 1)
            .where(
                (Staff.id == staff_id)
                & (Staff.failed_logins < limit)
                & (Staff.locked_until.is_null() | (Staff.locked_until <= now))
            )
            .execute()
        )
        if not counted:
            return None
        attempt = Staff.get_by_id(staff_id).failed_logins
        if attempt >= limit:
            Staff.update(failed_logins=0, locked_until=now + dt.timedelta(minutes=minutes)).where(
                Staff.id == staff_id
            ).execute()
    return attempt


def _spend_like_a_login(password: str) -> None:
    """The Argon2id work of a real attempt, for a 工号 that does not exist."""
    with contextlib.suppress(AuthenticationFailed):
        open_slot(password, "unknown", _DUMMY_SALT, register_kdf(), _DUMMY_SEALED)


_DUMMY_SALT = bytes(16)
_DUMMY_SEALED = bytes(12 + 48)  # nonce ‖ a ciphertext that never opens


def unlock_with_recovery(register: Register, code: str) -> Session:
    """A session from the recovery code: it may reset passwords and rotate keys, nothing more.
    Attempts are limited as logins are (login.max_failures, then login.lockout_minutes)."""
    from store.keyslots import normalise_recovery_code

    policy = _login_policy(register)
    now = register.clock.now()
    attempt = _reserve_recovery_attempt(now, policy.max_failures, policy.lockout_minutes)
    if attempt is None:
        record_event(register.anonymous(), "recovery.refused", why="locked")
        raise AccountLocked(
            f"恢复码错误次数过多，请 {policy.lockout_minutes} 分钟后再试", policy.lockout_minutes
        )
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
        RegisterMeta.delete().where(RegisterMeta.key == RECOVERY_ATTEMPTS).execute()
    return session


#: RegisterMeta key: "<failures>|<locked until, ISO, or empty>" for the recovery code.
RECOVERY_ATTEMPTS = "recovery_attempts"


def _reserve_recovery_attempt(now: dt.datetime, limit: int, minutes: int) -> int | None:
    """As _reserve_attempt, for the one recovery code: a compare-and-swap on its
    RegisterMeta row (an UPDATE that matches only the value read), retried on a race."""
    while True:
        with database.atomic():
            row = RegisterMeta.get_or_none(RegisterMeta.key == RECOVERY_ATTEMPTS)
            old = row.value if row is not None else None
            failures, _, until = (old or "0|").partition("|")
            count = int(failures or 0)
            if until:
                if dt.datetime.fromisoformat(until) > now:
                    return None
                count = 0  # the lock has run out
            count += 1
            locked = (now + dt.timedelta(minutes=minutes)).isoformat() if count >= limit else ""
            new = f"{0 if locked else count}|{locked}"
            if old is None:
                inserted = (
                    RegisterMeta.insert(key=RECOVERY_ATTEMPTS, value=new)
                    .on_conflict_ignore()
                    .execute()
                )
                swapped = bool(inserted) and RegisterMeta.get_by_id(RECOVERY_ATTEMPTS).value == new
            else:
                swapped = bool(
                    RegisterMeta.update(value=new)
                    .where((RegisterMeta.key == RECOVERY_ATTEMPTS) & (RegisterMeta.value == old))
                    .execute()
                )
        if swapped:
            return count


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
