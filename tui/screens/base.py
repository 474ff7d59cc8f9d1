"""The counter's screens share one base: the hooks the app calls on whichever screen is
showing, as real methods with do-nothing defaults, and the one store-call helper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.actions import SkipAction
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from tui.store_calls import StoreCalls

__all__ = ["CounterHooks", "CounterModal", "CounterScreen", "is_supervisor"]


def is_supervisor(session: Any) -> bool:
    """Whether the one logged in decides for the hall (policies.roles: 大厅主任, 管理员)."""
    from policies.roles import SUPERVISOR_ROLES

    return session is not None and session.role in SUPERVISOR_ROLES


class CounterHooks:
    """What the app tells the screen on top (tui.app): each a no-op unless overridden."""

    #: True on a screen that uses Ctrl+P itself (告知书: 打印): the app's command palette
    #: leaves the key to it.
    KEEPS_PALETTE_KEY: ClassVar[bool] = False

    def register_ready(self) -> None:
        """The register has opened (it opens after the first paint)."""

    def card_read(self, card: Any) -> None:
        """An ID card was read on this counter's reader (devices.events.CardRead.card)."""

    def rating_event(self, event: Any) -> None:
        """The 评价器's answer to an arming (RatingGiven, RatingTimeout, RatingCancelled)
        or DeviceLost; a screen that did not arm it ignores it."""

    def offers_key(self, binding: Binding) -> bool:
        """Whether F1 lists this screen key now: a screen whose keys follow its state (the
        case's allowed steps) leaves out the ones its hint does not offer."""
        return True

    def may_leave(self, again: str) -> bool:
        """Whether an F-key may take the clerk away now; a screen with unsaved input says
        so (``again`` tells how to go on anyway) and returns False the first time."""
        return True

    def hold_form(self) -> tuple[Callable[[dict[str, Any]], Any], dict[str, Any]] | None:
        """A lock is closing the screen: a half-typed form offers (rebuild, state) to be
        sealed and given back after the same clerk unlocks (tui.held_forms); ``rebuild``
        holds nothing personal, ``state`` is JSON text. None: nothing to keep."""
        return None


#: Home/End in a list: Textual's DataTable scrolls sideways on them even with a row cursor;
#: here they go to the first and last row (OptionList does that already; PgUp/PgDn work in
#: both). Priority, so they reach the table before its own binding; anything else focused
#: (an input's cursor) keeps the keys (SkipAction).
LIST_EDGE_BINDINGS = [
    Binding("home", "list_edge('first')", "第一行", show=False, priority=True),
    Binding("end", "list_edge('last')", "最后一行", show=False, priority=True),
]


class ListEdges:
    def action_list_edge(self, where: str) -> None:
        from textual.widgets import DataTable

        table = self.focused  # type: ignore[attr-defined]
        if not isinstance(table, DataTable) or table.cursor_type != "row" or not table.row_count:
            raise SkipAction()
        table.move_cursor(row=0 if where == "first" else table.row_count - 1)


class CounterScreen(ListEdges, CounterHooks, StoreCalls, Screen):
    """A full screen of the counter application."""

    BINDINGS = LIST_EDGE_BINDINGS


class CounterModal(ListEdges, CounterHooks, StoreCalls, ModalScreen):
    """A dialog over a counter screen (forms, questions)."""

    BINDINGS = LIST_EDGE_BINDINGS
