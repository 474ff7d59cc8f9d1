"""一人一档: a person's inquiries, cases and ratings in one view; Enter opens the case or
inquiry of a row (a rating's row: the case or inquiry rated)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.screens.records import fit, flexible_width, open_record
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar

#: Cells of the columns but 事项: 类别 (承诺件, 登记, 评价), 编号, 日期, 状态 (已撤回（退件）).
KIND_CELLS, NUMBER_CELLS, DATE_CELLS, STATE_CELLS = 6, 15, 10, 14


class HistoryScreen(CounterScreen):
    BINDINGS = [Binding("escape", "back", "返回", id="history.back", show=False)]  # noqa: RUF012

    def __init__(self, history) -> None:
        super().__init__()
        self.history = history

    def compose(self) -> ComposeResult:
        from policies.masking import mask_id_number, mask_phone

        p = self.history.person
        facts = [p.name]
        if p.id_number:
            facts.append(f"证件 {mask_id_number(p.id_number)}")
        if p.phone:
            facts.append(f"电话 {mask_phone(p.phone)}")
        h = self.history
        facts.append(f"登记 {len(h.inquiries)}　办件 {len(h.cases)}　评价 {len(h.ratings)}")
        yield StatusBar()
        yield Static("　".join(facts), classes="title", id="person")
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield CounterFooter()

    def on_mount(self) -> None:
        table = self.query_one("#history", DataTable)
        item_cells = flexible_width(
            self.app.size.width, [KIND_CELLS, NUMBER_CELLS, DATE_CELLS, STATE_CELLS]
        )
        for label, cells in (
            ("类别", KIND_CELLS),
            ("编号", NUMBER_CELLS),
            ("日期", DATE_CELLS),
            ("事项", item_cells),
            ("状态", STATE_CELLS),
        ):
            table.add_column(label, width=cells)
        h = self.history
        case_numbers = {case.number for case in h.cases}

        def add(kind: str, label: str, number: str, at: str, item: str, state: str) -> None:
            # The row's key says what Enter opens; the same number may be on several rows.
            table.add_row(
                label,
                number,
                at[:DATE_CELLS],
                fit(item, item_cells),
                fit(state, STATE_CELLS),
                key=f"{kind}:{number}:{table.row_count}",
            )

        for case in h.cases:
            add("case", case.kind_label, case.number, case.at, case.item_name, case.state_label)
        for inquiry in h.inquiries:
            state = inquiry.disposition_label
            if inquiry.disposition in ("referred", "escalated"):
                state += f"·{inquiry.state_label}"
            add("inquiry", "登记", inquiry.number, inquiry.at, inquiry.item_name, state)
        for rating in h.ratings:
            kind = "case" if rating.number in case_numbers else "inquiry"
            add(kind, "评价", rating.number, rating.at, rating.item_name, rating.level_label)
        table.focus()

    @on(DataTable.RowSelected, "#history")
    def _open(self, event: DataTable.RowSelected) -> None:
        kind, number, _ = str(event.row_key.value).split(":")
        open_record(self, kind, number)

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        # A record that could not be opened (open_record reads it first): say why, stay.
        self.app.notify(message.message, severity="error", timeout=8)

    def action_back(self) -> None:
        self.app.pop_screen()
