"""报表 (F8): today's figures for this clerk and window (fuller reports come later)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui.messages import QueueLoaded, StoreFailed
from tui.screens.base import CounterScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar


class ReportScreen(CounterScreen):
    BINDINGS = [Binding("escape", "back", "返回", id="report.back", show=False)]  # noqa: RUF012

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("今日统计", classes="title")
        yield DataTable(id="report", cursor_type="row")
        yield Static("", classes="error-line", id="report-error", markup=False)
        yield CounterFooter()

    def on_mount(self) -> None:
        self.query_one("#report", DataTable).add_columns("项目", "数量")
        self._load()

    def _load(self) -> None:
        from store.queue import counter_queue

        app = self.app
        window = app.today_post.window_code if app.today_post is not None else None
        self.call_store(
            counter_queue, app.session, window_code=window, done=QueueLoaded, what="report"
        )

    @on(QueueLoaded)
    def _show(self, message: QueueLoaded) -> None:
        c = message.queue.counts
        table = self.query_one("#report", DataTable)
        for label, value in (
            ("今日首问登记", c.inquiries),
            ("今日受理", c.accepted),
            ("今日办结", c.closed),
            ("今日评价", c.ratings),
            ("本窗口超期未办结", c.overdue),
            ("待办（含督办、待补正）", len(message.queue.rows)),
        ):
            table.add_row(label, str(value))
        table.focus()

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#report-error", Static).update(message.message)

    def action_back(self) -> None:
        self.app.pop_screen()
