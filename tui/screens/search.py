"""查询 (F3): by ID number (typed, or from the card reader), phone, exact name, case
number or inquiry number — all through the register's blind indexes."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from tui.messages import HistoryLoaded, SearchFinished, StoreFailed
from tui.screens.base import CounterScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar


class SearchScreen(CounterScreen):
    BINDINGS = [Binding("escape", "back", "返回", id="search.back", show=False)]  # noqa: RUF012

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(
            "查询：证件号码、手机号、姓名、办件号或登记号，回车查找（也可直接刷身份证）",
            classes="hint",
        )
        yield Input(
            id="query", max_length=64, placeholder="证件号码 / 电话 / 姓名 / 编号", compact=True
        )
        yield Static("", classes="error-line", id="search-error", markup=False)
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield CounterFooter()

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        table.add_columns("姓名", "证件号码", "电话")
        self.persons = []
        self.query_one("#query", Input).focus()

    @on(Input.Submitted, "#query")
    def _submit(self, event: Input.Submitted) -> None:
        query = event.value.strip()
        if not query:
            self.query_one("#search-error", Static).update("请输入要查找的内容")
            return
        self.query_one("#search-error", Static).update("正在查找…")
        self._search(query)

    def card_read(self, card) -> None:
        self.query_one("#query", Input).value = ""
        self._search(card.id_number)

    def _search(self, query: str) -> None:
        from store.lookup import search

        self.call_store(
            search,
            self.app.session,
            query,
            done=lambda result: SearchFinished(result.kind, result),
            what="search",
        )

    @on(SearchFinished)
    def _found(self, message: SearchFinished) -> None:
        from policies.masking import mask_id_number, mask_phone

        persons = list(message.result.persons)
        self.persons = persons
        table = self.query_one("#results", DataTable)
        table.clear()
        error = self.query_one("#search-error", Static)
        if not persons:
            error.update("没有找到相符的记录")
            return
        error.update(f"找到 {len(persons)} 人，回车查看档案")
        for index, p in enumerate(persons):
            table.add_row(
                p.name,
                mask_id_number(p.id_number) if p.id_number else "—",
                mask_phone(p.phone) if p.phone else "—",
                key=str(index),
            )
        if len(persons) == 1:
            self._history(persons[0].uuid)
        else:
            table.focus()

    @on(DataTable.RowSelected, "#results")
    def _open(self, event: DataTable.RowSelected) -> None:
        self._history(self.persons[int(str(event.row_key.value))].uuid)

    def _history(self, person_uuid: str) -> None:
        from store.lookup import person_history

        self.call_store(
            person_history, self.app.session, person_uuid, done=HistoryLoaded, what="history"
        )

    @on(HistoryLoaded)
    def _show_history(self, message: HistoryLoaded) -> None:
        from tui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(message.history))

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#search-error", Static).update(message.message)

    def action_back(self) -> None:
        self.app.pop_screen()
