"""A queue row, read-only (the full case screen arrives with the case workflow)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.screens.home import SECTION_LABELS


class CaseViewScreen(ModalScreen):
    BINDINGS = [Binding("escape,enter", "close", "返回", id="case_view.close", show=False)]  # noqa: RUF012

    def __init__(self, row) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        r = self.row
        left = "" if r.working_days_left is None else f"{r.working_days_left} 个工作日"
        lines = [
            f"{SECTION_LABELS.get(r.section, r.section)}　{r.number}",
            f"事项：{r.item_name}",
            f"申请人：{r.applicant}",
            f"类型：{r.kind_label}　状态：{r.state_label}",
            f"期限：{r.due_date or '—'}　剩余：{left or '—'}{'（暂定：缺工作日历）' if r.provisional else ''}",
        ]
        with Center(), Vertical(classes="form"):
            yield Static("办件（只读）", classes="title")
            yield Static("\n".join(lines))
            yield Static("Esc 返回", classes="hint")

    def action_close(self) -> None:
        self.dismiss()
