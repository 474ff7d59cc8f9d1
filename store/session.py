"""An opened register (Register) and who is working in it (Session); every operation is
run through `operation`: one transaction, a role check, one audit event.

A refused attempt (a role that may not, a rule that says not now) is audited too, and the
event survives the rollback of the operation it was refused in — also when that operation
runs inside another one (`operation` or `transaction`): the refusal is kept on the session
and written once the outermost transaction has ended.

The events of operations are appended to the audit chain at the end of the outermost
`transaction` or `operation`, just before its COMMIT: appending locks the chain's head
until COMMIT. On PostgreSQL, a transaction of concurrent operations only (store.isolation)
writes its events to be linked right after its COMMIT instead (store.audit.link_waiting),
so counters sharing the register never wait for each other over the chain."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import peewee as pw

from store import audit, isolation
from store.clock import Clock, SystemClock
from store.crypto import Keyring, NoKeyring
from store.database import close_database, database, default_url, open_database, sqlite_path
from store.errors import (
    LockedRegister,
    PermissionDenied,
    Refused,
    RegisterNotFound,
    ServerUnavailable,
)
from store.migrations import migrate, schema_version
from store.models import CalendarYear, KeySlot, RegisterMeta, Setting
from store.roles import ANONYMOUS, ROLE_LABELS

log = logging.getLogger("chuangkou.store")

#: RegisterMeta key changed by every calendar import (store.calendar_years).
CALENDAR_STAMP = "calendar_stamp"

if TYPE_CHECKING:
    from policies.calendar import WorkCalendar
    from policies.settings import Policy


class Register:
    """An opened register (登记本): its database, clock, station, policy and calendar."""

    def __init__(self, url: str, db: pw.Database, clock: Clock, station: str) -> None:
        self.url = url
        self.db = db
        self.clock = clock
        self.station = station

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        clock: Clock | None = None,
        station: str = "",
        upgrade: bool = True,
    ) -> Register:
        """Open an existing register, migrating an older schema after a backup."""
        url = url or default_url()
        db = open_database(url, must_exist=True)
        register = cls(url, db, clock or SystemClock(), station)
        version = schema_version(db)
        if version is None:
            close_database()
            raise RegisterNotFound("登记本尚未初始化（请先运行 chuangkou init）")
        if upgrade:
            from store.backup import automatic_backup

            migrate(db, backup=lambda label: automatic_backup(register, label))
        else:
            from store.migrations import check_not_newer

            check_not_newer(version)
        return register

    def close(self) -> None:
        close_database()

    @property
    def sqlite_file(self):
        return sqlite_path(self.url)

    def meta(self, key: str, default: str = "") -> str:
        row = RegisterMeta.get_or_none(RegisterMeta.key == key)
        return row.value if row else default

    @cached_property
    def policy(self) -> Policy:
        from policies.settings import load_policy

        row = Setting.get_or_none(Setting.key == "policy")
        return load_policy(row.value if row else None)

    @property
    def calendar(self) -> WorkCalendar:
        """The working-day calendar: built-in years plus those imported. Another counter's
        import is seen at once: every import changes the register's calendar stamp, read
        here (one primary-key lookup) before the cached calendar is used."""
        from policies.calendar import WorkCalendar, parse_year_file

        stamp = self.meta(CALENDAR_STAMP)
        cached = self.__dict__.get("_calendar")
        if cached is None or cached[0] != stamp:
            years = {row.year: parse_year_file(row.source_text) for row in CalendarYear.select()}
            cached = self.__dict__["_calendar"] = (stamp, WorkCalendar(extra_years=years))
        return cached[1]

    def forget_cached(self) -> None:
        """Drop the policy and calendar so the next use reads them again."""
        self.__dict__.pop("policy", None)
        self.__dict__.pop("_calendar", None)

    def anonymous(self) -> Session:
        """A session for someone not logged in (the technician's CLI)."""
        return Session(self, staff_id=None, role=ANONYMOUS, keyring=NoKeyring())


@dataclass
class Session:
    """Who is working: a staff member (or the recovery code) and the keys they unlocked."""

    register: Register
    staff_id: int | None
    role: str
    keyring: Keyring | NoKeyring
    acting_for: int | None = None
    staff_number: str = field(default="")
    #: The staff member's own name, opened at login (their number for a technician).
    staff_name: str = field(default="", repr=False)
    #: The slot this session was unlocked from, and its private key (memory only), so the
    #: session can take up a new data key when another counter rotates the keys.
    slot_id: int | None = field(default=None, repr=False)
    slot_private: object = field(default=None, repr=False)
    #: The key slot as read at login (salt, KDF, sealed key: no secret in clear), so the
    #: same clerk can unlock the locked counter while the server is away
    #: (store.auth.unlock_offline); `offline_failures` counts their wrong passwords then.
    slot_row: object = field(default=None, repr=False)
    offline_failures: int = field(default=0, repr=False)
    #: What the login found wrong with the audit chain against this station's witness
    #: (store.witness), in Chinese; "" when all agrees.
    audit_alarm: str = field(default="")
    #: The chain's head at login (count, fingerprint), for a supervisor to write down.
    audit_head: tuple[int, str] | None = field(default=None)
    #: Refusals recorded inside a transaction, written once it has ended (see module doc).
    refusals: list[audit.EventDraft] = field(default_factory=list, repr=False)

    @property
    def has_data_key(self) -> bool:
        return isinstance(self.keyring, Keyring)

    @property
    def audit_key(self) -> bytes | None:
        return self.keyring.audit_key if isinstance(self.keyring, Keyring) else None

    @property
    def keys(self) -> Keyring:
        """The keyring, or a Chinese error for a session without data access."""
        if not isinstance(self.keyring, Keyring):
            raise LockedRegister("此操作需要能解锁数据的账号登录（技术员账号不能查看个人信息）")
        return self.keyring

    def now(self):
        return self.register.clock.now()

    def refresh_keys(self) -> None:
        """Follow a key rotation begun elsewhere: never seal with a retiring key."""
        if not isinstance(self.keyring, Keyring) or self.slot_private is None:
            return
        from store.slots import current_key_id, open_keyring, slot_deks

        if current_key_id() != self.keyring.current:
            slot = KeySlot.get_by_id(self.slot_id)
            self.keyring = open_keyring(slot_deks(slot, self.slot_private)) or self.keyring


def _record(
    session: Session,
    draft: audit.EventDraft,
    at: dt.datetime | None = None,
    write: bool = True,
    later: bool = False,
) -> None:
    audit.append(
        draft,
        audit_key=session.audit_key,
        at=at or session.now(),
        actor=session.staff_id,
        acting_for=draft.acting_for if draft.acting_for is not None else session.acting_for,
        station=session.register.station,
        pending_key=_pending_key(session),
        station_keys=(lambda station: _station_key(session, station))
        if session.audit_key is not None
        else None,
        write=write,
        later=later and session.audit_key is not None,
    )


@dataclass
class _Calls:
    """The operations of this thread's outermost transaction (or operation)."""

    #: (session, event, when the operation ended), appended before COMMIT.
    events: list[tuple[Session, audit.EventDraft, dt.datetime]] = field(default_factory=list)
    #: The gate its operations hold (store.isolation), None before the first.
    gate: str | None = None
    #: The session whose events wait to be linked after COMMIT (store.audit.link_waiting).
    link_after: Session | None = None
    #: The keys were checked against a rotation in this transaction (refresh_keys).
    keys_checked: bool = False

    def append_events(self, outermost: bool) -> None:
        # Only concurrent operations, on PostgreSQL: link after COMMIT, never wait for the
        # head (an exclusive operation runs alone anyway, and appends as on SQLite).
        later = outermost and self.gate == isolation.SHARED and isolation.is_postgres()
        for session, draft, at in self.events:
            _record(session, draft, at, write=False, later=later)
            if later and session.audit_key is not None:
                self.link_after = session
        self.events.clear()
        audit.write_appended(last=later)  # the COMMIT follows at once


def _link_after_commit(session: Session) -> None:
    """Link what this transaction wrote to AuditPending; the operation stands whatever
    happens here (its events wait for the next operation to link them)."""
    try:
        audit.link_waiting(session.audit_key, lambda station: _station_key(session, station))
    except Exception as exc:
        log.warning("audit events wait to be linked (%s)", type(exc).__name__)


#: Per thread: a counter's store thread and its report thread each have their own.
_scope = threading.local()


def _pending_key(session: Session) -> bytes | None:
    """This station's key for pending events (read once per register)."""
    from store import pending_keys

    register = session.register
    key = register.__dict__.get("_pending_key")
    if key is None:  # not cached while missing: the first data-key login creates it
        key = pending_keys.station_key(register.meta("register_id"))
        if key is not None:
            register.__dict__["_pending_key"] = key
    return key


def _station_key(session: Session, station: str) -> bytes | None:
    """A station's pending-event key, opened from the register with the session's keys."""
    from store import pending_keys
    from store.models import RegisterSecret

    name = pending_keys.secret_name(station)
    row = RegisterSecret.get_or_none(RegisterSecret.name == name)
    if row is None:
        return None
    try:
        return session.keys.open("register_secret", "sealed", name, row.sealed)
    except Exception:  # sealed under a retired key, or tampered: the event stays unverified
        return None


def record_event(session: Session, action: str, **detail) -> None:
    """Append a lone event (a refused or failed attempt). Inside a transaction it waits on
    the session until the outermost one has ended, so a rollback cannot take it along."""
    draft = audit.EventDraft(action, detail=detail)
    if database.in_transaction():
        session.refusals.append(draft)
        return
    with database.atomic():
        _record(session, draft)


def _write_refusals(session: Session) -> None:
    drafts, session.refusals[:] = list(session.refusals), []
    if not drafts:
        return
    try:
        with database.atomic():
            for draft in drafts:
                _record(session, draft)
    except ServerUnavailable:
        # Kept for the next transaction: the operation's own outcome (done, or not done)
        # stands, and the server being away must not lose what is to be recorded.
        session.refusals[:0] = drafts
        log.warning("%d audit events wait for the server", len(drafts))


def write_deferred(session: Session) -> None:
    """Write the events waiting on the session (refusals, an unlock while the server was
    away) now, e.g. once the server answers again."""
    if not database.in_transaction():
        _write_refusals(session)


def require_role(session: Session, action: str, roles: Collection[str]) -> None:
    """Refuse (and record the refusal) unless the session's role is one of `roles`."""
    if session.role not in roles:
        record_event(session, "denied", attempted=action, role=str(session.role))
        wanted = "、".join(ROLE_LABELS.get(r, r) for r in roles)
        denied = PermissionDenied(f"无权执行此操作（需要：{wanted}）")
        denied.audited = True  # recorded here: an enclosing operation records it no more
        raise denied


@contextmanager
def transaction(session: Session) -> Iterator[None]:
    """One transaction around several operations (e.g. the person and the inquiry of one
    首问登记). Refusals recorded inside are written after it ends, commit or rollback.
    Inside another transaction, a savepoint: a failure undoes this one only."""
    with _transaction(session, savepoint=True):
        yield


@contextmanager
def _transaction(session: Session, *, savepoint: bool) -> Iterator[None]:
    outermost = not database.in_transaction()
    calls = getattr(_scope, "calls", None)
    first = calls is None
    if first:
        calls = _scope.calls = _Calls()
    committed = False
    mark = len(calls.events)
    try:
        # An operation inside another transaction has a savepoint of its own (`operation`):
        # not a second one here.
        with database.atomic() if first else (_savepoint() if savepoint else nullcontext()):
            yield
            if first:
                calls.append_events(outermost)  # the chain's head, locked until COMMIT: last
        committed = first and outermost
    except BaseException:
        del calls.events[mark:]  # the events of the operations undone with it
        raise
    finally:
        if first:
            _scope.calls = None
        if outermost:
            _write_refusals(session)
    if committed and calls.link_after is not None:
        _link_after_commit(calls.link_after)


@contextmanager
def _savepoint() -> Iterator[None]:
    """A savepoint a failure rolls back to. On PostgreSQL one kept once the body is done,
    not released (it goes at COMMIT): one round trip fewer at the end of a transaction,
    where a counter may hold a number's row (store.numbers)."""
    if not isolation.is_postgres():
        with database.atomic():
            yield
        return
    name = f"op_{uuid.uuid4().hex}"
    database.execute_sql(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        with contextlib.suppress(pw.PeeweeException):  # the connection lost: all is undone
            database.execute_sql(f"ROLLBACK TO SAVEPOINT {name}")
        raise


@contextmanager
def operation(
    session: Session,
    action: str,
    *,
    roles: Collection[str] | None = None,
    record_table: str = "",
    record_id: str = "",
    concurrent: bool = False,
) -> Iterator[audit.EventDraft]:
    """Run one store operation: check the role, open one write transaction, and append one
    audit event when the body finishes (at the end of the outermost transaction). If the
    body raises, nothing is written — except the audit event of a refusal
    (:class:`~store.errors.Refused`, PermissionDenied).

    `concurrent`: on PostgreSQL the body may run beside other concurrent operations
    (store.isolation says what it must do for that); otherwise it runs alone."""
    draft = audit.EventDraft(action, record_table=record_table, record_id=record_id)
    nested = database.in_transaction()
    with _transaction(session, savepoint=False):
        if roles is not None:
            require_role(session, action, roles)
        calls: _Calls = _scope.calls
        calls.gate = isolation.enter(calls.gate, concurrent)
        if not calls.keys_checked:  # a rotation is exclusive: not begun until COMMIT
            session.refresh_keys()
            calls.keys_checked = True
        mark = len(calls.events)
        try:
            # Inside another transaction a savepoint, so that a failure undoes this one only.
            with _savepoint() if nested else nullcontext():
                yield draft
                calls.events.append((session, draft, session.now()))
        except BaseException as exc:
            del calls.events[mark:]  # undone with it, and the operations inside it
            if not isinstance(exc, (Refused, PermissionDenied)):
                raise
            if not getattr(exc, "audited", False):
                exc.audited = True  # the innermost operation records it, once
                session.refusals.append(
                    audit.EventDraft(
                        "refused",
                        record_table=draft.record_table,
                        record_id=draft.record_id,
                        detail={"attempted": action, "reason": type(exc).__name__},
                    )
                )
            raise
    # Action and record id only: the log is read by technicians and holds no personal data.
    log.info("%s %s:%s by %s", action, draft.record_table, draft.record_id[:8], session.staff_id)
