"""Message lines and key hints shared by the screens."""

from __future__ import annotations

from collections.abc import Iterable

from textual.dom import DOMNode
from textual.widgets import Static


def show_line(node: DOMNode, selector: str, text: str) -> None:
    """Put ``text`` on a message line; an empty line takes no room (80×24)."""
    line = node.query_one(selector, Static)
    line.update(text)
    line.display = bool(text)


def key_hint(keys: Iterable[tuple[str, str, str]], shown: set[str]) -> str:
    """The hint line: "S 补齐材料  B 办结 … Esc 返回" for the (key, action, label) shown."""
    from tui.keys import key_name

    parts = [f"{key_name(key)} {label}" for key, action, label in keys if action in shown]
    return "  ".join([*parts, "Esc 返回"])
