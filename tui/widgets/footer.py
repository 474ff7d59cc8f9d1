"""The footer of the counter: the keys the screen offers now, on one line that fits 80
columns (compact: a key, its label, one space).

One widget drawing one line, not Textual's footer: that one is a row of a dozen widgets,
composed empty and filled after the screen's first refresh, rebuilt whole on every focus
move and restyled once more to be compact — about a third of the time it took to open a
case. This one draws the keys when the screen is first drawn and redraws its line only when
what it says changes. Clerks work by keyboard alone, so the keys are not buttons.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget


class CounterFooter(Widget, can_focus=False):
    COMPONENT_CLASSES = {"counter-footer--key", "counter-footer--label"}  # noqa: RUF012

    DEFAULT_CSS = """
    CounterFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
        text-wrap: nowrap;
        text-overflow: clip;
        .counter-footer--key { color: $footer-key-foreground; text-style: bold; }
        .counter-footer--label { color: $footer-description-foreground; }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple = ()

    def keys(self) -> tuple:
        """What the footer says: each shown action's first key as the hints write it, its
        label, and whether it is on now (a key that is off is drawn dim)."""
        seen: dict[str, tuple] = {}
        for _, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen[binding.action] = (
                    self.app.get_key_display(binding),
                    binding.description,
                    enabled,
                )
        return tuple(seen.values())

    def on_mount(self) -> None:
        self._shown = self.keys()
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        # Sent on every focus move and screen shown: redraw only if the keys changed.
        if self.is_attached and screen is self.screen:
            keys = self.keys()
            if keys != self._shown:
                self._shown = keys
                self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("counter-footer--key")
        label_style = self.get_component_rich_style("counter-footer--label")
        dim = Style(dim=True)
        line = Text(no_wrap=True, overflow="crop")
        for display, label, enabled in self._shown:
            line.append(display, key_style if enabled else key_style + dim)
            line.append(
                f" {label} " if label else " ", label_style if enabled else label_style + dim
            )
        return line
