"""All store work runs on one dedicated thread: the UI thread never waits on the database,
and the register sees one connection per counter, in order. Long reads that grow with the
register (reports) have a gateway of their own, so the counter's work never queues behind
them (its own connection; the reads take no write lock: store.database.read_snapshot).
On PostgreSQL each call gives its connection back to the pool when it ends
(store.database.release_connection): an idle gateway holds no server connection, and the
next call gets one checked alive — one a server restart killed is replaced unseen."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger("chuangkou.tui")


class StoreGateway:
    def __init__(self, name: str = "chuangkou-store") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending = 0
        self._idle = threading.Condition()

    def run(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """Run `fn` on the store thread and wait for it (call from a worker thread only)."""
        with self._idle:
            self._pending += 1
        try:
            return self._executor.submit(_released, fn, *args, **kwargs).result()
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> None:
        """Until no call is waiting or running here (at most `timeout` seconds): background
        work on another gateway calls this between its batches, so the counter's own call,
        waiting on the database during a batch, goes first."""
        with self._idle:
            self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def close(self) -> None:
        from store.database import close_database

        try:
            self._executor.submit(close_database).result(timeout=5)
        except Exception:  # closing at exit must not raise
            log.debug("closing the register failed", exc_info=True)
        self._executor.shutdown(wait=False, cancel_futures=True)


def _released(fn: Callable[..., T], *args, **kwargs) -> T:
    """On the gateway's thread: `fn`, then its connection back to the pool (PostgreSQL)."""
    from store.database import release_connection

    try:
        return fn(*args, **kwargs)
    finally:
        try:
            release_connection()
        except Exception:  # a connection that cannot be given back is dropped by the pool
            log.debug("releasing the connection failed", exc_info=True)


def user_message(exc: BaseException) -> str:
    """A Chinese line for the screen: our own errors speak for themselves; anything else
    is logged (without its message, which could hold anything) and named generically."""
    from tui.cli.base import known_errors

    if isinstance(exc, known_errors()):
        return "；".join(part.strip("- ") for part in str(exc).splitlines())
    log.error("unexpected %s in a store call", type(exc).__name__)
    return f"内部错误（{type(exc).__name__}），请联系技术员"
