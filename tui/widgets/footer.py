"""The footer of the counter: compact, so all ten F-keys fit in 80 columns."""

from __future__ import annotations

from textual.widgets import Footer


class CounterFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
