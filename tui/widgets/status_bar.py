"""The status line: hall, window and post (or 代岗 for whom), clerk, the daily job's progress
while it runs, devices and time; and
below it, only when needed, the calendar's warning (policies.calendar.coverage: the same
words as `calendar status` and `doctor`), whole: its lines fit 80 columns."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static


class StatusBar(Vertical):
    DEFAULT_CSS = """
    StatusBar { dock: top; height: auto; }
    StatusBar Horizontal { height: 1; background: $primary; color: $text; }
    StatusBar #status-left { width: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusBar #status-right { width: auto; padding: 0 1; }
    StatusBar #status-warning {
        display: none; height: auto; background: $warning; color: $background; padding: 0 0;
    }
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
        # What the clerk needs first comes first; the hall's long name is cut if need be.
        left = []
        post = app.today_post
        if post is not None:
            where = f"{post.window_name}{post.post}岗"
            if post.acting_for_number:
                where += f"（代{post.acting_for_name_masked or post.acting_for_number}）"
            left.append(where)
        if app.staff_name:
            left.append(app.staff_name)
        left.append(getattr(app, "hall_name", "") or "窗口")
        now = app.clock.now() if app.clock is not None else dt.datetime.now(dt.UTC)
        daily = getattr(app, "daily_progress", "")  # the daily job's batches (tui.app)
        right = "  ".join(
            part for part in (daily, _devices_text(app), f"{to_local(now):%m-%d %H:%M}") if part
        )
        text = Text(" ｜ ".join(left))
        if app.demo is not None:
            text = Text.assemble(("【演示】", "bold"), text)
        self.query_one("#status-left", Static).update(text)
        self.query_one("#status-right", Static).update(right)
        warning = self.query_one("#status-warning", Static)
        warning.update(self._warning)
        warning.set_class(bool(self._warning), "-shown")


def _devices_text(app) -> str:
    """设备正常, or which device is offline (读卡器离线): short enough for 80 columns."""
    if not app.device_states:
        return ""
    labels = {"reader": "读卡器", "evaluator": "评价器"}
    offline = [
        labels.get(n, n) for n, state in sorted(app.device_states.items()) if state != "在线"
    ]
    return "、".join(offline) + "离线" if offline else "设备正常"
