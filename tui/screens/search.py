"""查询 (F3): by ID number (typed, or from the card reader), phone, exact name, case
number or inquiry number — all through the register's blind indexes.

A case or inquiry number opens that record; a person opens their 一人一档; a caller who
gave no ID number (a phone 转办, a 当场答复) is listed by their inquiries, which open.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from tui.messages import HistoryLoaded, SearchFinished, StoreFailed
from tui.screens.base import CounterScreen
from tui.screens.history import HistoryScreen
from tui.screens.records import fit, flexible_width, open_record
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar

#: Cells of the result columns but the last (姓名, masked 证件号码, masked 电话).
NAME_CELLS, ID_CELLS, PHONE_CELLS = 16, 18, 11
NOT_FOUND = "没有找到相符的记录"


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
        table.add_column("姓名", width=NAME_CELLS)
        table.add_column("证件号码", width=ID_CELLS)
        table.add_column("电话", width=PHONE_CELLS)
        self.record_cells = flexible_width(self.app.size.width, [NAME_CELLS, ID_CELLS, PHONE_CELLS])
        table.add_column("记录", width=self.record_cells)
        self.persons = []
        self.callers = []
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
        self.call_store(
            search_and_history,
            self.app.session,
            query,
            done=lambda found: SearchFinished(found[0].kind, *found),
            what="search",
        )

    @on(SearchFinished)
    def _found(self, message: SearchFinished) -> None:
        from policies.masking import mask_id_number, mask_phone

        result = message.result
        persons = self.persons = list(result.persons)
        callers = self.callers = list(result.callers)
        table = self.query_one("#results", DataTable)
        table.clear()
        error = self.query_one("#search-error", Static)
        if result.kind in ("case", "inquiry") and result.record_found:
            error.update("")
            open_record(self, result.kind, result.record_number)
            return
        if not persons and not callers:
            error.update(NOT_FOUND)
            return
        found = [f"{len(persons)} 人"] if persons else []
        if callers:
            found.append(f"未登记证件的来访/来电 {len(callers)} 次")
        error.update(f"找到 {'、'.join(found)}，回车查看")
        for index, p in enumerate(persons):
            table.add_row(
                fit(p.name, NAME_CELLS),
                mask_id_number(p.id_number) if p.id_number else "—",
                mask_phone(p.phone) if p.phone else "—",
                "一人一档",
                key=f"person:{index}",
            )
        for index, c in enumerate(callers):
            table.add_row(
                fit(c.name, NAME_CELLS),
                "—",
                mask_phone(c.phone) if c.phone else "—",
                fit(f"{c.channel_label}登记 {c.number}", self.record_cells),
                key=f"caller:{index}",
            )
        if len(persons) + len(callers) > 1:
            table.focus()
        elif message.history is not None:
            self.app.push_screen(HistoryScreen(message.history))
        elif persons:
            self._history(persons[0].uuid)
        else:
            open_record(self, "inquiry", callers[0].number)

    @on(DataTable.RowSelected, "#results")
    def _open(self, event: DataTable.RowSelected) -> None:
        what, index = str(event.row_key.value).split(":")
        if what == "person":
            self._history(self.persons[int(index)].uuid)
        else:
            open_record(self, "inquiry", self.callers[int(index)].number)

    def _history(self, person_uuid: str) -> None:
        from store.lookup import person_history

        self.call_store(
            person_history, self.app.session, person_uuid, done=HistoryLoaded, what="history"
        )

    @on(HistoryLoaded)
    def _show_history(self, message: HistoryLoaded) -> None:
        self.app.push_screen(HistoryScreen(message.history))

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#search-error", Static).update(message.message)

    def action_back(self) -> None:
        self.app.pop_screen()


def search_and_history(session: Any, query: str) -> tuple[Any, Any]:
    """On the store thread: the search and, when it finds one person and nothing else, their
    一人一档 — one trip to the store thread and one transaction (one wait for the disk) for
    what the clerk asked; the history is what F3 shows next anyway."""
    from store.lookup import person_history, search
    from store.session import transaction

    with transaction(session):
        result = search(session, query)
        one = (
            result.kind not in ("case", "inquiry")
            and len(result.persons) == 1
            and not result.callers
        )
        return result, person_history(session, result.persons[0].uuid) if one else None
