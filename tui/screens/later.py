"""Screens whose work arrives with the case workflow (issue 5 and later). They say so
plainly instead of pretending, and point to what the counter can already do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui.screens.base import CounterScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar


class _Later(CounterScreen):
    BINDINGS = [Binding("escape", "back", "返回", id="later.back", show=False)]  # noqa: RUF012
    TITLE_TEXT = ""
    BODY = ""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(self.TITLE_TEXT, classes="title")
        yield Static(
            self.BODY
            + "\n\n本版本尚未提供此功能的录入界面；请按 Esc 返回，或用 F3 查询、F4 我的办件。",
            classes="hint",
        )
        yield CounterFooter()

    def action_back(self) -> None:
        self.app.pop_screen()


class ComplaintScreen(_Later):
    TITLE_TEXT = "投诉（F6）"
    BODY = "投诉登记：口头、电话或书面；投诉人身份保密，只有投诉受理人可见。"
