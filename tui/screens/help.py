"""帮助 (F1): the keys of the screen it was opened from, and the main keys — only those this
person may use here (policies.roles.may_use_key, the screen's own state), each with its
说明, all written in one notation (tui.keys.key_name)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from policies.roles import may_use_key
from tui.keys import ACTIONS, key_name
from tui.screens.base import CounterHooks, CounterModal

#: Textual's own screen keys, said in Chinese ("" leaves one out: copying text is not a
#: counter task, and Ctrl+C does not quit either).
TEXTUAL_DESCRIPTIONS = {
    "Focus Next": "下一项",
    "Focus Previous": "上一项",
    "Copy selected text": "",
}
#: 说明 of the keys many screens share (by action), for bindings that carry no tooltip.
SHARED_HELP = {
    "focus_next": "移到下一个输入栏或列表",
    "focus_previous": "回到上一个输入栏或列表",
    "list_edge('first')": "列表：到第一行",
    "list_edge('last')": "列表：到最后一行",
    "back": "离开本界面，回到上一界面",
    "close": "关闭本窗口",
    "cancel": "不保存，关闭本窗口",
    "submit": "确认本窗口的内容",
}


def explanation(binding: Binding, description: str) -> str:
    """The 说明 column: the binding's own tooltip, a shared one, or what it does here."""
    return binding.tooltip or SHARED_HELP.get(binding.action) or f"在本界面{description}"


def offered(app, origin: Screen, binding: Binding) -> bool:
    """Whether this person may use ``binding`` on ``origin`` now."""
    from textual.actions import parse

    session = getattr(app, "session", None)
    if not may_use_key(getattr(session, "role", None), binding.id):
        return False
    if isinstance(origin, CounterHooks) and not origin.offers_key(binding):
        return False
    target, name, params = parse(binding.action)
    where = app if target == "app" else origin
    return bool(where.check_action(name, params))


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
                if description and b.action not in seen and offered(self.app, self.origin, b):
                    seen.add(b.action)
                    table.add_row(key_name(b.key), description, explanation(b, description))
        from tui.sim_devices import offered_actions

        role = getattr(self.app.session, "role", None)
        for action in ACTIONS:
            if may_use_key(role, action.id):
                key = keymap.get(action.id, action.key)
                table.add_row(key_name(key), action.label, action.help)
        for action in offered_actions(self.app):  # only with simulated devices
            key = keymap.get(action.id, action.key)
            table.add_row(key.title(), action.label, action.help)
        table.focus()

    def action_close(self) -> None:
        self.dismiss()
