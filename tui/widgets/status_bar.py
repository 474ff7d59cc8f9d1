"""The status line: hall, window and post (or 代岗 for whom), clerk, devices and time; and
below it, only when needed, a warning that the calendar does not cover the coming days."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static


class StatusBar(Vertical):
    DEFAULT_CSS = """
    StatusBar { dock: top; height: auto; }
    StatusBar Horizontal { height: 1; background: $primary; color: $text; }
    StatusBar #status-left { width: 1fr; padding: 0 1; }
    StatusBar #status-right { width: auto; padding: 0 1; }
    StatusBar #status-warning { display: none; height: 1; background: $warning; color: $background; padding: 0 1; }
    StatusBar #status-warning.-shown { display: block; }
    """

    _warning = ""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("", id="status-left")
            yield Static("", id="status-right")
        yield Static("", id="status-warning")

    def on_mount(self) -> None:
        self.refresh_status()
        self.set_interval(30, self.refresh_status)

    def refresh_status(self, calendar_warning: str | None = None) -> None:
        import datetime as dt

        from store.clock import to_local

        app = self.app
        if calendar_warning is not None:
            self._warning = calendar_warning
        left = [getattr(app, "hall_name", "") or "窗口"]
        post = app.today_post
        if post is not None:
            where = f"{post.window_name}{post.post}岗"
            if post.acting_for_number:
                where += f"（代{post.acting_for_name_masked or post.acting_for_number}）"
            left.append(where)
        if app.staff_name:
            left.append(app.staff_name)
        now = app.clock.now() if app.clock is not None else dt.datetime.now(dt.UTC)
        devices = " ".join(f"{name}{state}" for name, state in sorted(_device_labels(app).items()))
        right = f"{devices}  {to_local(now):%m-%d %H:%M}".strip()
        text = Text(" ｜ ".join(left), no_wrap=True, overflow="ellipsis")
        if app.demo is not None:
            text = Text.assemble(("【演示】", "bold"), text, no_wrap=True, overflow="ellipsis")
        self.query_one("#status-left", Static).update(text)
        self.query_one("#status-right", Static).update(right)
        warning = self.query_one("#status-warning", Static)
        warning.update(Text(f"⚠ {self._warning}", no_wrap=True, overflow="ellipsis"))
        warning.set_class(bool(self._warning), "-shown")


def _device_labels(app) -> dict[str, str]:
    """读卡器在线 / 评价器离线: Chinese names for the status line."""
    labels = {"reader": "读卡器", "evaluator": "评价器"}
    return {labels.get(name, name): state for name, state in app.device_states.items()}
