"""否定报备审核: every 退回 / 不予受理 / 不予核准 waiting for the supervisor's review
(DOMAIN 否定报备). Enter on a row reviews it, with an optional note."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.screens.case_forms import Done, ReasonForm
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar


class RefusalsLoaded(Message):
    def __init__(self, rows: list[tuple[int, str, str]]) -> None:
        super().__init__()
        self.rows = rows


class RefusalsScreen(CounterScreen):
    """否定报备（待审核）."""

    DEFAULT_CSS = """
    RefusalsScreen .line { height: auto; padding: 0 1; }
    RefusalsScreen #refusals-done { color: $success; text-style: bold; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="refusals.back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, tuple[int, str, str]] = {}

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("否定报备：待主任审核", classes="title", id="refusals-title")
        yield DataTable(id="refusals", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="error-line", id="refusals-error", markup=False)
        yield Static("", classes="line", id="refusals-done")
        yield Static("↑↓ 选择　回车 审核（可填审核意见）　Esc 返回", classes="hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        table = self.query_one("#refusals", DataTable)
        table.add_column("序号", key="id", width=6)
        table.add_column("办件号", key="case")
        table.add_column("类别", key="kind")
        table.focus()
        self._load()

    def _load(self) -> None:
        from store.cases import pending_refusals

        self.call_store(pending_refusals, self.app.session, done=RefusalsLoaded, what="refusals")

    @on(RefusalsLoaded)
    def _show(self, message: RefusalsLoaded) -> None:
        table = self.query_one("#refusals", DataTable)
        table.clear()
        self.rows = {}
        for refusal_id, case_number, kind_label in message.rows:
            key = str(refusal_id)
            table.add_row(key, case_number, kind_label, key=key)
            self.rows[key] = (refusal_id, case_number, kind_label)
        self.query_one("#refusals-title", Static).update(
            f"否定报备：待主任审核 {len(message.rows)} 件"
            if message.rows
            else "否定报备：没有待审核的记录"
        )

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#refusals-error", Static).update(message.message)

    @on(DataTable.RowSelected, "#refusals")
    def _review(self, event: DataTable.RowSelected) -> None:
        from store.cases import review_refusal

        row = self.rows.get(str(event.row_key.value))
        if row is None:
            return
        refusal_id, case_number, kind_label = row

        def reviewed(result: Done | None) -> None:
            if result is None:
                return
            self.query_one("#refusals-error", Static).update("")
            self.query_one("#refusals-done", Static).update(
                f"已审核：办件 {case_number}（{kind_label}）"
            )
            self._load()

        self.app.push_screen(
            ReasonForm(
                f"审核否定报备：办件 {case_number}（{kind_label}）",
                "审核意见（可不填）",
                lambda session, v: review_refusal(session, refusal_id, note=v["reason"]),
            ),
            callback=reviewed,
        )

    def action_back(self) -> None:
        self.app.pop_screen()


__all__ = ["RefusalsScreen"]
