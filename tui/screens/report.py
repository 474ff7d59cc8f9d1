"""报表 (F8). It opens on today's figures, labelled with what they count — a supervisor's
the whole hall (全大厅今日统计), a clerk's their own work and their window's (本人及本窗口
（民政窗口）今日统计). Keys then choose a period and a scope:

* M 本月 · Q 本季度 · R 自定义 (a day, a month, 2026Q4 or 2026-10-01..2026-12-31) · T 今日;
* H 全大厅 · W 窗口 · C 工作人员 — a supervisor any window (code) and any clerk (工号); a
  clerk only themself and their window (the store refuses anything else);
* E 导出: then 1 CSV, 2 XLSX, 3 PDF — the file goes to the documents folder (窗口报表),
  and the screen says where.

A period's report is counted month by month (store.reports.report_part), one store call
per month, so the counter's other store work runs in between; the screen shows 正在统计…
2/3 between calls and puts the parts together at the end. The figures are a table; the
cases received per day a sparkline; each window's cases received (the hall) or the ratings
per level (a window, a clerk) a bar chart of block characters — '#' on the bare console
theme, which cannot draw block elements (the sparkline is then a line of ASCII levels).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Sparkline, Static

from tui.messages import QueueLoaded, StoreFailed
from tui.screens.base import CounterScreen, is_supervisor
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar

HALL_TITLE = "全大厅今日统计"
KEYS_LINE = "期间 T今日 M本月 Q本季度 R自定义 · 范围 H全大厅 W窗口 C人员 · E导出"
EXPORT_LINE = "导出格式：1 CSV　2 XLSX　3 PDF（Esc 取消）"
ASCII_LEVELS = " .:-=+*#"


class HallFiguresLoaded(Message):
    def __init__(self, figures: Any) -> None:
        super().__init__()
        self.figures = figures  # store.board.HallFigures


class ReportPartLoaded(Message):
    def __init__(self, part: Any, generation: int) -> None:
        super().__init__()
        self.part = part  # store.reports.ReportPart
        self.generation = generation  # which report asked (a newer one drops it)


class ReportExported(Message):
    def __init__(self, path: Any, error: str = "") -> None:
        super().__init__()
        self.path = path
        self.error = error


def clerk_title(window_name: str | None) -> str:
    """本人及本窗口（民政窗口）今日统计; 本人及全大厅 for a clerk not at a window today."""
    if not window_name or window_name == "全大厅":
        return "本人及全大厅今日统计"
    return f"本人及本窗口（{window_name}）今日统计"


def bar_lines(items: list[tuple[str, int]], width: int, ascii_only: bool) -> str:
    """One bar per item, scaled to the largest: ``民政窗口 ████ 12``."""
    if not items:
        return "（无数据）"
    top = max((n for _, n in items), default=0) or 1
    label_width = max(len(label) for label, _ in items)
    block = "#" if ascii_only else "█"
    room = max(4, width - 2 * label_width - 8)
    out = []
    for label, n in items:
        pad = " " * (2 * (label_width - len(label)))  # Chinese characters are two cells
        out.append(f"{label}{pad} {block * round(room * n / top)} {n}")
    return "\n".join(out)


def ascii_sparkline(values: list[int], width: int) -> str:
    """The console theme's sparkline: one ASCII level per day (sampled to ``width``)."""
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [max(values[int(i * step) : int((i + 1) * step)] or [0]) for i in range(width)]
    top = max(values) or 1
    return "".join(ASCII_LEVELS[round((len(ASCII_LEVELS) - 1) * v / top)] for v in values)


class ReportScreen(CounterScreen):
    DEFAULT_CSS = """
    ReportScreen #report-keys { height: 1; color: $text-muted; }
    ReportScreen #report-spark-row { height: 2; }
    ReportScreen #report-spark-label { width: 10; }
    ReportScreen #report-spark { width: 1fr; height: 2; }
    ReportScreen #report-spark-ascii { width: 1fr; height: 2; display: none; }
    ReportScreen #report-body { height: 1fr; }
    ReportScreen #report { width: 44; height: 1fr; }
    ReportScreen #report-bars { width: 1fr; height: 1fr; padding: 0 1; }
    ReportScreen #report-ask { height: 1; border: none; padding: 0 1; display: none; }
    ReportScreen #report-progress { height: 1; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="report.back", show=False),
        Binding("t", "period('today')", "今日", id="report.today", show=False),
        Binding("m", "period('month')", "本月", id="report.month", show=False),
        Binding("q", "period('quarter')", "本季度", id="report.quarter", show=False),
        Binding("r", "ask('period')", "自定义期间", id="report.range", show=False),
        Binding("h", "scope('hall')", "全大厅", id="report.hall", show=False),
        Binding("w", "scope('window')", "窗口", id="report.window", show=False),
        Binding("c", "scope('clerk')", "工作人员", id="report.clerk", show=False),
        Binding("e", "export", "导出", id="report.export", show=False),
        Binding("1", "export_as('csv')", "CSV", id="report.csv", show=False),
        Binding("2", "export_as('xlsx')", "XLSX", id="report.xlsx", show=False),
        Binding("3", "export_as('pdf')", "PDF", id="report.pdf", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period: Any = None  # policies.reports.Period; None: today's figures
        self.scope = "hall"
        self.key: str | None = None
        self.report: Any = None  # the report shown (policies.reports.Report)
        self._parts: list[Any] = []
        self._batches: tuple[Any, ...] = ()
        self._generation = 0
        self._asking = ""  # period | window | clerk
        self._choosing_format = False

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("今日统计", classes="title", id="report-title")
        yield Static(KEYS_LINE, id="report-keys", markup=False)
        yield Input(id="report-ask")
        with Horizontal(id="report-spark-row"):
            yield Static("每日受理", id="report-spark-label")
            yield Sparkline([], id="report-spark")
            yield Static("", id="report-spark-ascii", markup=False)
        with Horizontal(id="report-body"):
            yield DataTable(id="report", cursor_type="row")
            yield Static("", id="report-bars", markup=False)
        yield Static("", id="report-progress", markup=False)
        yield Static("", classes="error-line", id="report-error", markup=False)
        yield CounterFooter()

    def on_mount(self) -> None:
        table = self.query_one("#report", DataTable)
        table.add_column("项目", width=30)  # 事由：未一次性告知致多次往返 (28 cells)
        table.add_column("数量", width=8)  # 100.0%
        supervisor = is_supervisor(self.app.session)
        self.scope = "hall" if supervisor else "clerk"
        self._load()

    # --- today's figures (as before) ---------------------------------------------------

    def _load(self) -> None:
        self.report = None
        self.query_one("#report-spark-row").display = self.period is not None
        if self.period is not None:
            self._start_report()
            return
        app = self.app
        self.query_one("#report-bars", Static).update("")
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

    # --- a period's report, month by month ------------------------------------------------

    def _start_report(self) -> None:
        from policies.reports import batches

        self._generation += 1
        self._parts = []
        self._batches = batches(self.period)
        self.query_one("#report-title", Static).update(self._title())
        self.query_one("#report", DataTable).clear()
        self.query_one("#report-error", Static).update("")
        self._next_batch()

    def _title(self) -> str:
        return f"{self._scope_label()} 统计报表（{self.period.label}）"

    def _scope_label(self) -> str:
        if self.scope == "hall":
            return "全大厅"
        if self.scope == "window":
            return f"窗口 {self.key}"
        return f"工号 {self.key}" if self.key else "本人"

    def _next_batch(self) -> None:
        from store.reports import report_part

        batch = self._batches[len(self._parts)]
        self.query_one("#report-progress", Static).update(
            f"正在统计… {len(self._parts)}/{len(self._batches)}（按月分批）"
        )
        self.call_store(
            report_part,
            self.app.session,
            start=batch.first,
            end=batch.last,
            scope=self.scope,
            key=self.key,
            done=lambda part, gen=self._generation: ReportPartLoaded(part, gen),
            what="report",
            gateway="reports",  # off the counter's store thread
        )

    @on(ReportPartLoaded)
    def _part(self, message: ReportPartLoaded) -> None:
        if self.period is None or message.generation != self._generation:
            return  # a report no longer asked for
        self._parts.append(message.part)
        if len(self._parts) < len(self._batches):
            self._next_batch()
            return
        from store.reports import assemble

        self.report = assemble(self.period, self._parts)
        self.query_one("#report-progress", Static).update(
            f"统计完成（{self.report.scope_label}）。E 导出 CSV / XLSX / PDF"
        )
        self._show_report()

    def _show_report(self) -> None:
        from policies.reports import report_rows
        from policies.settings import RATING_LEVELS

        r = self.report
        self.query_one("#report-title", Static).update(
            f"{r.scope_label} 统计报表（{r.period.label}）"
        )
        table = self.query_one("#report", DataTable)
        table.clear()
        section = ""
        for row in report_rows(r):
            if row.section != section:
                section = row.section
                table.add_row(f"【{section}】", "")
            table.add_row(row.label, row.value)
        table.focus()
        console = self.app.theme == "chuangkou-console"
        daily = [received for _d, received, _done in r.daily()]
        spark = self.query_one("#report-spark", Sparkline)
        fallback = self.query_one("#report-spark-ascii", Static)
        spark.display = not console
        fallback.display = console
        spark.data = daily
        fallback.update(ascii_sparkline(daily, max(10, self.size.width - 20)))
        self.query_one("#report-spark-label", Static).update(f"每日受理\n最多{max(daily or [0])}")
        width = max(20, self.query_one("#report-bars").size.width or 30)
        if r.scope == "hall" and r.windows:
            items = [(name, f.received) for _code, name, f in r.windows]
            title = "各窗口受理"
        else:
            items = [
                (label, r.totals.by_level.get(level, 0))
                for level, label in enumerate(RATING_LEVELS, start=1)
            ]
            title = "评价等级"
        self.query_one("#report-bars", Static).update(
            f"{title}\n{bar_lines(items, width, console)}"
        )

    # --- keys ----------------------------------------------------------------------------

    def action_period(self, which: str) -> None:
        from policies.reports import month, quarter_of

        if which == "today":
            self.period = None
        else:
            today = _today(self.app)
            self.period = month(today.year, today.month) if which == "month" else quarter_of(today)
        self._load()

    def action_scope(self, scope: str) -> None:
        supervisor = is_supervisor(self.app.session)
        if scope == "hall" or (scope == "clerk" and not supervisor):
            self.scope, self.key = scope, None
            if self.period is None:
                from policies.reports import quarter_of

                self.period = quarter_of(_today(self.app))
            self._load()
            return
        if scope == "window" and not supervisor:
            post = self.app.today_post
            if post is None or not post.window_code:
                self.query_one("#report-error", Static).update("今日未在窗口上岗：只能查看本人报表")
                return
            self.scope, self.key = "window", post.window_code
            if self.period is None:
                from policies.reports import quarter_of

                self.period = quarter_of(_today(self.app))
            self._load()
            return
        self.action_ask(scope)

    def action_ask(self, what: str) -> None:
        ask = self.query_one("#report-ask", Input)
        ask.placeholder = {
            "period": "期间：2026-11-23、2026-11、2026Q4 或 2026-10-01..2026-12-31，回车确认",
            "window": "窗口代码（如 minzheng），回车确认",
            "clerk": "工号，回车确认",
        }[what]
        self._asking = what
        ask.value = ""
        ask.display = True
        ask.focus()

    @on(Input.Submitted, "#report-ask")
    def _answered(self, event: Input.Submitted) -> None:
        from policies.errors import PolicyError
        from policies.reports import parse_period, quarter_of

        ask = self.query_one("#report-ask", Input)
        text = event.value.strip()
        error = self.query_one("#report-error", Static)
        if not text:
            return
        if self._asking == "period":
            try:
                self.period = parse_period(text)
            except PolicyError as exc:
                error.update(str(exc))
                return
        else:
            self.scope, self.key = self._asking, text
            if self.period is None:
                self.period = quarter_of(_today(self.app))
        ask.display = False
        self._asking = ""
        error.update("")
        self._load()

    def action_export(self) -> None:
        if self.report is None:
            self.query_one("#report-error", Static).update(
                "请先选择期间（M 本月、Q 本季度、R 自定义）再导出"
            )
            return
        self._choosing_format = True
        self.query_one("#report-progress", Static).update(EXPORT_LINE)

    def action_export_as(self, fmt: str) -> None:
        if not self._choosing_format or self.report is None:
            return
        self._choosing_format = False
        report = self.report
        self.query_one("#report-progress", Static).update("正在导出…")

        def work() -> None:
            from tui.exports import export_report

            try:
                path = export_report(report, fmt)
            except Exception as exc:  # a full disk, a folder not writable
                self.post_message(ReportExported(None, f"导出失败：{type(exc).__name__} {exc}"))
            else:
                self.post_message(ReportExported(path))

        self.run_worker(work, thread=True, group="report-export", exit_on_error=False)

    @on(ReportExported)
    def _exported(self, message: ReportExported) -> None:
        line = self.query_one("#report-progress", Static)
        if message.error:
            line.update("")
            self.query_one("#report-error", Static).update(message.error)
        else:
            line.update(f"已导出：{message.path}")

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#report-progress", Static).update("")
        self.query_one("#report-error", Static).update(message.message)

    def action_back(self) -> None:
        ask = self.query_one("#report-ask", Input)
        if ask.display or self._choosing_format:
            ask.display = False
            self._asking = ""
            self._choosing_format = False
            self.query_one("#report-progress", Static).update("")
            self.query_one("#report", DataTable).focus()
            return
        self.app.pop_screen()


def _now(app) -> dt.datetime:
    clock = getattr(getattr(app, "session", None), "register", None)
    if clock is not None:
        return clock.clock.now()
    return dt.datetime.now(dt.UTC)


def _today(app) -> dt.date:
    from store.clock import local_date

    return local_date(_now(app))
