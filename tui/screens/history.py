"""一人一档: a person's inquiries, cases and ratings in one view."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui.screens.base import CounterScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar


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
        facts.append(
            f"登记 {len(h.inquiries)} 次　办件 {len(h.cases)} 件　评价 {len(h.ratings)} 次"
        )
        yield StatusBar()
        yield Static("　".join(facts), classes="title", id="person")
        yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield CounterFooter()

    def on_mount(self) -> None:
        table = self.query_one("#history", DataTable)
        table.add_columns("类别", "编号", "日期", "事项", "状态")
        h = self.history
        for case in h.cases:
            table.add_row(
                "办件",
                case.number,
                case.at,
                case.item_name,
                f"{case.kind_label}·{case.state_label}",
            )
        for inquiry in h.inquiries:
            table.add_row(
                "登记", inquiry.number, inquiry.at, inquiry.item_name, inquiry.disposition_label
            )
        for rating in h.ratings:
            table.add_row(
                "评价", rating.case_number, rating.at, rating.item_name, rating.level_label
            )
        table.focus()

    def action_back(self) -> None:
        self.app.pop_screen()
