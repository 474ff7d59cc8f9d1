"""AB岗 (F5): who holds the A and B post of each window (names masked)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar


class RosterLoaded(Message):
    def __init__(self, posts: list[Any]) -> None:
        super().__init__()
        self.posts = posts  # store.roster's posts, names masked


class RosterScreen(CounterScreen):
    BINDINGS = [Binding("escape", "back", "返回", id="roster.back", show=False)]  # noqa: RUF012

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("AB岗安排（交接登记将在后续版本提供）", classes="title")
        yield DataTable(id="roster", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="error-line", id="roster-error", markup=False)
        yield CounterFooter()

    def on_mount(self) -> None:
        self.query_one("#roster", DataTable).add_columns("窗口", "岗位", "工号", "姓名")
        self._load()

    def _load(self) -> None:
        from store.roster import roster

        self.call_store(roster, self.app.session, done=RosterLoaded, what="roster")

    @on(RosterLoaded)
    def _show(self, message: RosterLoaded) -> None:
        table = self.query_one("#roster", DataTable)
        for p in message.posts:
            table.add_row(
                p.window_name,
                f"{p.post}岗",
                p.staff_number or "（空缺）",
                p.staff_name_masked or "",
            )
        table.focus()

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#roster-error", Static).update(message.message)

    def action_back(self) -> None:
        self.app.pop_screen()
