"""AB岗 (F5): who holds the A and B post of each window (names masked)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.gateway import user_message
from tui.messages import StoreFailed
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar


class RosterScreen(Screen):
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

    @work(thread=True, exit_on_error=False)
    def _load(self) -> None:
        from store.roster import roster

        try:
            posts = self.app.store.run(roster, self.app.session)
        except Exception as exc:
            self.post_message(StoreFailed(user_message(exc)))
            return
        self.app.call_from_thread(self._show, posts)

    def _show(self, posts) -> None:
        table = self.query_one("#roster", DataTable)
        for p in posts:
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
