"""A notice's preview text, broken into lines at the widget's own width by the same rules
as the printed page (policies.linebreak: 避头尾, numbers and dates never split)."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from policies.linebreak import break_lines


class NoticeText(Widget):
    DEFAULT_CSS = "NoticeText { width: 100%; height: auto; }"

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = text

    def update(self, text: str) -> None:
        self._text = text
        self.refresh(layout=True)

    def lines(self, width: int) -> list[str]:
        if width <= 0:
            return self._text.split("\n")
        return [line for para in self._text.split("\n") for line in break_lines(para, width)]

    def render(self) -> Text:
        # Text, not markup: a "[" in a name or a material shows as it is.
        return Text("\n".join(self.lines(self.content_size.width)), no_wrap=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))
