"""The demo's small pick lists for simulated devices: which card to place on the reader
(Ctrl+K), which key to press on the 评价器 (Ctrl+R). ↑↓ and Enter choose (or the number of
the line), Esc closes without doing anything. The caller acts after the dialog is gone, so
the device's event reaches the screen underneath."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.screens.base import CounterModal


class PickDialog(CounterModal):
    """A title, numbered lines, a hint; dismisses with the chosen line's index or None."""

    DEFAULT_CSS = """
    PickDialog { align: center middle; }
    PickDialog #pick-form { width: 60; height: auto; }
    PickDialog OptionList { height: auto; max-height: 12; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "close", "返回", id="pick.close", show=False),
        *(
            Binding(str(n), f"pick({n - 1})", f"第{n}项", id=f"pick.{n}", show=False)
            for n in range(1, 10)
        ),
    ]

    def __init__(self, title: str, lines: list[str], hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.hint = hint or "↑↓ 选择　回车 确定（或按序号）　Esc 返回"

    def compose(self) -> ComposeResult:
        with Center(), Vertical(classes="form", id="pick-form"):
            yield Static(self.title_text, classes="title")
            yield OptionList(
                *(Option(f"{n}  {line}", id=str(n - 1)) for n, line in enumerate(self.lines, 1)),
                id="pick",
            )
            yield Static(self.hint, classes="hint")

    def on_mount(self) -> None:
        options = self.query_one("#pick", OptionList)
        # Inline: the app's stylesheet frames lists; the bare console lacks the glyphs.
        options.styles.border = ("none", "black")
        options.styles.padding = 0
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#pick")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_index)

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self.lines):
            self.dismiss(index)

    def action_close(self) -> None:
        self.dismiss(None)
