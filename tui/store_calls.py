"""The one way a screen calls the store: on the store thread, from a thread worker, with
the outcome posted back as a typed message (as Harlequin's workers do).

``call_store(node, fn, *args, done=Loaded)`` runs ``fn(*args)`` on the store thread
(tui.gateway) and posts ``Loaded(result)`` to ``node``; a failure posts
:class:`~tui.messages.StoreFailed` with the Chinese message and ``what``. Nothing is set
on a widget from the worker thread: the node's message handler does that on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.worker import Worker

from tui.gateway import user_message
from tui.messages import StoreFailed

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
    **kwargs: Any,
) -> Worker:
    """Run ``fn(*args, **kwargs)`` on the store thread; post ``done(result)`` to ``node``,
    or ``StoreFailed(message, what)``. ``group`` (default ``what``) with ``exclusive``
    cancels an earlier call of the same group still waiting (a newer search wins)."""
    app = node.app
    store = app.store

    def work() -> None:
        try:
            result = store.run(fn, *args, **kwargs)
        except Exception as exc:
            node.post_message(StoreFailed(user_message(exc), what))
            return
        node.post_message(done(result))

    return node.run_worker(
        work,
        name=what or getattr(fn, "__name__", "store"),
        group=group or what or "store",
        exclusive=exclusive,
        thread=True,
        exit_on_error=False,
    )


class StoreCalls:
    """Mixin for screens, modal forms and the app: ``self.call_store(...)``."""

    def call_store(
        self,
        fn: Callable[..., Any],
        /,
        *args: Any,
        done: Callable[[Any], Message],
        what: str = "",
        group: str | None = None,
        exclusive: bool = True,
        **kwargs: Any,
    ) -> Worker:
        return call_store(
            self, fn, *args, done=done, what=what, group=group, exclusive=exclusive, **kwargs
        )
