"""帮助 (F1): the keys of the screen it was opened from, and the main keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.keys import ACTIONS
from tui.screens.base import CounterModal

#: Textual's own screen keys, said in Chinese ("" leaves one out: copying text is not a
#: counter task, and Ctrl+C does not quit either).
TEXTUAL_DESCRIPTIONS = {
    "Focus Next": "下一项",
    "Focus Previous": "上一项",
    "Copy selected text": "",
}


class HelpScreen(CounterModal):
    BINDINGS = [Binding("escape,f1", "close", "返回", id="help.close", show=False)]  # noqa: RUF012

    def __init__(self, origin: Screen) -> None:
        super().__init__()
        self.origin = origin

    def compose(self) -> ComposeResult:
        yield Static("按键说明（Esc 返回）", classes="title")
        yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#keys", DataTable)
        table.add_columns("按键", "功能", "说明")
        keymap = self.app._keymap
        seen = set()
        for binding in self.origin._bindings.key_to_bindings.values():
            for b in binding:
                description = TEXTUAL_DESCRIPTIONS.get(b.description, b.description)
                if description and b.action not in seen:
                    seen.add(b.action)
                    table.add_row(self.app.get_key_display(b), description, b.tooltip or "")
        from tui.sim_devices import offered_actions

        for action in ACTIONS:
            key = keymap.get(action.id, action.key)
            table.add_row(key.upper(), action.label, action.help)
        for action in offered_actions(self.app):  # only with simulated devices
            key = keymap.get(action.id, action.key)
            table.add_row(key.title(), action.label, action.help)
        table.focus()

    def action_close(self) -> None:
        self.dismiss()
