"""报表 (F8): today's figures, labelled with what they count — a supervisor's the whole
hall (全大厅今日统计), a clerk's their own work and their window's (本人及本窗口（民政窗口）
今日统计). Fuller reports come later."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from tui.messages import QueueLoaded, StoreFailed
from tui.screens.base import CounterScreen, is_supervisor
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar

HALL_TITLE = "全大厅今日统计"


class HallFiguresLoaded(Message):
    def __init__(self, figures: Any) -> None:
        super().__init__()
        self.figures = figures  # store.board.HallFigures


def clerk_title(window_name: str | None) -> str:
    """本人及本窗口（民政窗口）今日统计; 本人及全大厅 for a clerk not at a window today."""
    if not window_name or window_name == "全大厅":
        return "本人及全大厅今日统计"
    return f"本人及本窗口（{window_name}）今日统计"


class ReportScreen(CounterScreen):
    BINDINGS = [Binding("escape", "back", "返回", id="report.back", show=False)]  # noqa: RUF012

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("今日统计", classes="title", id="report-title")
        yield DataTable(id="report", cursor_type="row")
        yield Static("", classes="error-line", id="report-error", markup=False)
        yield CounterFooter()

    def on_mount(self) -> None:
        self.query_one("#report", DataTable).add_columns("项目", "数量")
        self._load()

    def _load(self) -> None:
        app = self.app
        if is_supervisor(app.session):
            from store.board import hall_figures

            self.query_one("#report-title", Static).update(HALL_TITLE)
            self.call_store(hall_figures, app.session, done=HallFiguresLoaded, what="report")
            return
        from store.queue import counter_queue

        window = app.today_post.window_code if app.today_post is not None else None
        self.call_store(
            counter_queue, app.session, window_code=window, done=QueueLoaded, what="report"
        )

    @on(HallFiguresLoaded)
    def _show_hall(self, message: HallFiguresLoaded) -> None:
        f = message.figures
        self._rows(
            HALL_TITLE,
            (
                ("全大厅今日首问登记", f.inquiries),
                ("全大厅今日受理", f.accepted),
                ("全大厅今日办结", f.closed),
                ("全大厅今日评价", f.ratings),
                ("全大厅超期未办结", f.overdue),
                ("全大厅在办", f.open_cases),
            ),
        )

    @on(QueueLoaded)
    def _show(self, message: QueueLoaded) -> None:
        queue = message.queue
        c = queue.counts
        where = "本窗口" if queue.window_code else "全大厅"
        self._rows(
            clerk_title(queue.window_name if queue.window_code else None),
            (
                ("本人今日首问登记", c.inquiries),
                ("本人今日受理", c.accepted),
                (f"{where}今日办结", c.closed),
                ("本人今日评价", c.ratings),
                (f"{where}超期未办结", c.overdue),
                ("待办（含督办、待补正）", len(queue.rows)),
            ),
        )

    def _rows(self, title: str, rows) -> None:
        self.query_one("#report-title", Static).update(title)
        table = self.query_one("#report", DataTable)
        table.clear()
        for label, value in rows:
            table.add_row(label, str(value))
        table.focus()

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#report-error", Static).update(message.message)

    def action_back(self) -> None:
        self.app.pop_screen()
