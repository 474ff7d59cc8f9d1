"""The register on a PostgreSQL server, shared by a hall's stations: pooled connections,
and a server that goes away (restarted, stopped, the network cut) met with one Chinese
error (ServerUnavailable, 「服务器连接中断」) — never a half-done transaction, never a
connection that stays broken.

Why a pool (playhouse.pool) and not one connection per thread for the life of the process:
a station calls the store from a few long-lived threads (tui.gateway: the counter's calls,
reports, the daily job), each of which gives its connection back after every call
(`release`); so a station usually holds one server connection, not three, and a
connection is checked (a round trip) each time it is taken from the pool — one that a
restart killed while idle is dropped there, unseen by the caller. Callers that keep their
connection (the CLI, a script) are covered too: a dead connection found at a transaction's
first statement (sent with its BEGIN, in one round trip) or at a read outside a transaction
is replaced and the statement sent again (neither has changed anything), once.

A concurrent operation's last statement (its audit events, store.audit) goes with its
COMMIT in one round trip (`execute_and_commit`), unless something came on the connection
unasked (a server ending the session says so first): one round trip less while a number's
row is held. A connection lost on that round trip leaves the operation in doubt, as a lost
COMMIT does.

A connection that breaks inside a transaction cannot be saved: the server has rolled the
transaction back. The thread's connection is then marked broken; every further statement
of that transaction raises ServerUnavailable (a savepoint's ROLLBACK TO too), its final
ROLLBACK drops the connection instead of failing on it, and the next transaction starts
on a new one. A COMMIT that breaks is `in_doubt`: it may have arrived.
"""

from __future__ import annotations

import logging
import select

import peewee as pw
from playhouse.pool import PooledPostgresqlDatabase

from store.errors import ServerUnavailable, StoreError

log = logging.getLogger("chuangkou.store")

#: libpq settings that bound how long a call can hang on a server that went away without
#: a word (power cut, cable): a connect gives up after 5 s, and unacknowledged data or a
#: silent idle connection is given up after about 15 s (TCP keepalives, tcp_user_timeout).
CONNECT_PARAMS: dict[str, object] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 3,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,  # milliseconds
    "application_name": "chuangkou",
}

#: A pooled connection older than this is closed on its way in or out of the pool and a
#: new one made (long-lived server processes grow; a failover moves the server).
STALE_SECONDS = 600

#: SQLSTATEs that mean the session is over: connection exceptions (class 08) and the
#: server's shutdown or restart (57P01 admin shutdown, 57P02 crash, 57P03 starting up).
_LOST_STATES = ("08", "57P01", "57P02", "57P03")

#: The server answered a connect and refused it for good: a typing error in the station's
#: register URL or a missing role, not a server that is away (retrying will not help).
_REFUSED = (
    "password authentication failed",
    "authentication failed",
    "does not exist",
    "no pg_hba.conf entry",
)


class PostgresHallDatabase(PooledPostgresqlDatabase):
    """PostgreSQL for a hall (the name starts with "Postgres": store.audit tells the
    backends apart by it). At most `max_connections` per process are open at once; the
    server's own max_connections bounds the hall."""

    def __init__(self, database: str, **kwargs) -> None:
        kwargs.setdefault("max_connections", 32)
        kwargs.setdefault("stale_timeout", STALE_SECONDS)
        kwargs.setdefault("timeout", 30)  # wait for a free pooled connection, then fail
        for key, value in CONNECT_PARAMS.items():
            kwargs.setdefault(key, value)
        super().__init__(database, **kwargs)

    # -- connecting ------------------------------------------------------------------------
    def connect(self, reuse_if_open: bool = False) -> bool:
        if not self.is_closed():
            return super().connect(reuse_if_open)
        try:
            return super().connect(reuse_if_open)
        except pw.OperationalError as exc:
            text = str(exc)
            if any(reason in text for reason in _REFUSED):
                raise StoreError(
                    "登记本服务器拒绝登录：用户、密码或数据库名有误（请技术员检查登记本地址）"
                ) from exc
            raise ServerUnavailable("服务器连接中断：无法连接登记本服务器，请稍后重试") from exc

    # -- statements ------------------------------------------------------------------------
    # BEGIN is not sent on its own: it goes with the transaction's first statement, in the
    # same round trip ("BEGIN; …"), or before a cursor or the connection is handed out. A
    # transaction that sent nothing sends no COMMIT either.
    def begin(self, isolation_level=None) -> None:
        self._before_statement()
        if self.is_closed():
            self.connect()
        if isolation_level is None:
            isolation_level = self._isolation_level
        self._state.committed = False
        self._state.begin = (
            f"BEGIN TRANSACTION ISOLATION LEVEL {self._adapter.isolation_level_str(isolation_level)}"
            if isolation_level
            else "BEGIN"
        )

    def _take_begin(self) -> str | None:
        begin = getattr(self._state, "begin", None)
        self._state.begin = None
        return begin

    def _send_begin(self) -> None:
        """BEGIN now, alone (a caller takes a cursor or the connection itself)."""
        begin = self._take_begin()
        if begin is not None:
            self._execute_cursor(begin, ())

    def cursor(self, named_cursor=None):
        self._send_begin()
        return super().cursor(named_cursor)

    def connection(self):
        if self.is_closed():
            self.connect()
        self._send_begin()
        return super().connection()

    def _execute_cursor(self, sql, params, **cursor_options):
        self._before_statement()
        begin = self._take_begin()
        sent = f"{begin}; {sql}" if begin else sql
        try:
            return super()._execute_cursor(sent, params, **cursor_options)
        except (pw.OperationalError, pw.InterfaceError) as exc:
            if not self._lost(exc):
                raise
            # Nothing done yet — the transaction's first statement, or a read on its own
            # (the connection died while idle: a restart): sent again on a new one, once.
            again = begin is not None or (not self.in_transaction() and _is_read(sql))
            if begin is not None:
                self._reconnect_in_transaction()
            else:
                self._connection_lost()
            if not again:
                raise ServerUnavailable() from exc
        try:
            return super()._execute_cursor(sent, params, **cursor_options)
        except (pw.OperationalError, pw.InterfaceError) as exc:
            if not self._lost(exc):
                raise
            self._connection_lost()
            raise ServerUnavailable() from exc

    def execute_and_commit(self, sql: str, params) -> None:
        """The outermost transaction's last statement and its COMMIT, in one round trip: the
        COMMIT of the end of its atomic block is not sent again. A connection lost meanwhile
        leaves it in doubt, as a lost COMMIT does. Inside a savepoint: the statement only."""
        if self.transaction_depth() != 1 or not self._quiet():
            self.execute_sql(sql, params)  # the COMMIT follows alone, as usual
            return
        try:
            self._execute_cursor(f"{sql}; COMMIT", params)
        except ServerUnavailable as exc:
            raise ServerUnavailable(in_doubt=True) from exc
        self._state.committed = True

    def _quiet(self) -> bool:
        """Nothing has come on this connection unasked: a server ending the session (a
        restart, a technician) sends its reason first. Then the statement with its COMMIT
        goes; else the two go apart, so that a connection found dead at the statement is
        known not to have committed."""
        conn = self._state.conn
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except Exception:  # no connection, or psycopg2's InterfaceError: it is closed
            return False
        return not readable

    def _take_committed(self) -> bool:
        committed = getattr(self._state, "committed", False)
        self._state.committed = False
        return committed

    def commit(self) -> None:
        # Called once the transaction has left peewee's stack (it is outermost).
        if self._take_begin() is not None or self._take_committed():
            return  # nothing was sent, or the COMMIT went with the last statement
        if self._broken():
            # A statement of this transaction was lost with its connection (and the error
            # swallowed somewhere): the server has rolled it back; nothing to commit.
            raise ServerUnavailable()
        try:
            super().commit()
        except (pw.OperationalError, pw.InterfaceError) as exc:
            if not self._lost(exc):
                raise
            self._discard()
            raise ServerUnavailable(in_doubt=True) from exc

    def rollback(self) -> None:
        if self._take_begin() is not None:
            return  # nothing was sent: nothing to undo
        if self._take_committed():
            # Failed after its COMMIT went (execute_and_commit was not its last statement).
            log.error("a transaction failed after its COMMIT: what it wrote stays")
            return
        if self.is_closed():
            return  # the connection went, and its transaction with it
        if self._broken():
            self._discard()
            return
        try:
            super().rollback()
        except (pw.OperationalError, pw.InterfaceError) as exc:
            if not self._lost(exc):
                raise
            self._discard()  # the server ends the transaction of a connection that is gone

    def close(self) -> bool:
        if self._broken() and not self.in_transaction():
            self._discard()
            return True
        return super().close()

    def release(self) -> None:
        """Give this thread's connection back to the pool (between two calls)."""
        if not self.in_transaction() and not self.is_closed():
            self.close()

    # -- a connection lost -----------------------------------------------------------------
    def _lost(self, exc: BaseException) -> bool:
        conn = self._state.conn
        if conn is None or getattr(conn, "closed", 1):
            return True
        cause = exc.args[0] if exc.args else None  # peewee wraps the driver's error
        state = getattr(cause, "pgcode", None) or ""
        return state.startswith(_LOST_STATES)

    def _broken(self) -> bool:
        return getattr(self._state, "broken", False)

    def _before_statement(self) -> None:
        if self._broken():
            if self.in_transaction():
                raise ServerUnavailable()
            self._discard()

    def _connection_lost(self) -> None:
        if self.in_transaction():
            # peewee's stack of this transaction unwinds first (its atomic blocks exit).
            self._state.broken = True
        else:
            self._discard()

    def _reconnect_in_transaction(self) -> None:
        """A new connection under a transaction that has sent nothing yet: peewee's stack of
        it (its atomic blocks, its callbacks) is kept, as a new connection would clear it."""
        state = self._state
        kept = (state.ctx, state.transactions, state.commit_callbacks)
        self._discard()
        try:
            self.connect()
        finally:
            state.ctx, state.transactions, state.commit_callbacks = kept

    def _discard(self) -> None:
        """Close this thread's connection for good (not back to the pool) and forget it."""
        with self._lock:
            conn = self._state.conn
            self._state.broken = False
            if conn is not None:
                self._close(conn, close_conn=True)  # quietly, however dead it is
            self._state.reset()


def _is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT")


__all__ = ["CONNECT_PARAMS", "PostgresHallDatabase"]
