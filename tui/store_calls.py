"""The one way a screen calls the store: on the store thread, from a thread worker, with
the outcome posted back as a typed message (as Harlequin's workers do).

``call_store(node, fn, *args, done=Loaded)`` runs ``fn(*args)`` on the store thread
(tui.gateway) and posts ``Loaded(result)`` to ``node``; a failure posts
:class:`~tui.messages.StoreFailed` with the Chinese message and ``what``. Nothing is set
on a widget or on the app from the worker thread: the node's message handler does that on
the UI thread. Two calls that belong together are one function, run once on the store
thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.worker import Worker, get_current_worker

from tui.gateway import user_message
from tui.messages import ServerLost, StoreFailed

__all__ = ["StoreCalls", "call_store"]


def call_store(
    node: Any,
    fn: Callable[..., Any],
    /,
    *args: Any,
    done: Callable[[Any], Message],
    what: str = "",
    group: str | None = None,
    exclusive: bool = True,
    failed: Callable[..., StoreFailed] = StoreFailed,
    gateway: str = "store",
    **kwargs: Any,
) -> Worker:
    """Run ``fn(*args, **kwargs)`` on the store thread; post ``done(result)`` to ``node``,
    or ``failed(message, what, error=type(exc))``: StoreFailed, or a subclass of it for a
    node that tells its failures apart (``@on(StoreFailed)`` takes the subclasses too; the
    app's own, e.g. RegisterFailed, never reach a screen). ``group`` (default ``what``) with
    ``exclusive`` cancels an earlier call of the same group of this node: its result is not
    posted any more (a newer search wins). ``gateway="reports"`` runs it on the app's
    gateway for long reads instead (reports: off the counter's store thread). ``done`` runs on the worker thread: it only
    builds the message. The arguments are read on the calling (UI) thread."""
    store = getattr(node.app, gateway)  # "store", or "reports" for long reads

    def work() -> None:
        try:
            result = store.run(fn, *args, **kwargs)
        except Exception as exc:
            message: Message = failed(user_message(exc), what, error=type(exc))
            _tell_app_if_server_lost(node, exc)
        else:
            message = done(result)
        if not get_current_worker().is_cancelled:
            node.post_message(message)

    return node.run_worker(
        work,
        name=what or getattr(fn, "__name__", "store"),
        group=group or what or "store",
        exclusive=exclusive,
        thread=True,
        exit_on_error=False,
    )


def _tell_app_if_server_lost(node: Any, exc: Exception) -> None:
    """The register's server is away: the app says so on the status line and probes until it
    answers (tui.app); the screen's own message keeps what the clerk typed."""
    from store.errors import ServerUnavailable

    if isinstance(exc, ServerUnavailable):
        node.app.post_message(ServerLost())


class StoreCalls:
    """Mixin for screens, modal forms and the app: ``self.call_store(fn, *args, done=…)``,
    with the keywords of :func:`call_store`."""

    def call_store(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Worker:
        return call_store(self, fn, *args, **kwargs)
