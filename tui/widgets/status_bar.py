"""The status line: hall, window and post (or 代岗 for whom), clerk, 服务器连接中断 while the
register's server is away, the daily job's progress while it runs, devices and time; and
below it, only when needed, the calendar's warning (policies.calendar.coverage: the same
words as `calendar status` and `doctor`), whole: its lines fit 80 columns."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from policies.linebreak import break_lines, cell_width

#: The register's server is away (tui.app probes until it answers).
SERVER_LOST = "服务器连接中断"


class StatusBar(Vertical):
    DEFAULT_CSS = """
    StatusBar { dock: top; height: auto; }
    StatusBar Horizontal { height: auto; background: $primary; color: $text; }
    StatusBar #status-left { width: 1fr; height: auto; padding: 0 1; }
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
        # What the clerk needs first comes first; the hall's long name is shortened to fit
        # (hall_names), and only if even its shortest form does not fit does the line wrap.
        left = []
        post = app.today_post
        if post is not None:
            where = f"{post.window_name}{post.post}岗"
            if post.acting_for_number:
                where += f"（代{post.acting_for_name_masked or post.acting_for_number}）"
            left.append(where)
        if app.staff_name:
            left.append(app.staff_name)
        now = app.clock.now() if app.clock is not None else dt.datetime.now(dt.UTC)
        daily = getattr(app, "daily_progress", "")  # the daily job's batches (tui.app)
        server = SERVER_LOST if getattr(app, "server_lost", False) else ""
        right = "  ".join(
            part
            for part in (server, daily, _devices_text(app), f"{to_local(now):%m-%d %H:%M}")
            if part
        )
        mark = "【演示】" if app.demo is not None else ""
        width = self.size.width or app.size.width
        room = width - cell_width(right) - 4 - cell_width(mark)  # two paddings of 1 each side
        for hall in hall_names(getattr(app, "hall_name", "") or "窗口"):
            if cell_width(" ｜ ".join([*left, hall])) <= room:
                break
        text = Text(" ｜ ".join([*left, hall]))
        if mark:
            text = Text.assemble((mark, "bold"), text)
        self.query_one("#status-left", Static).update(text)
        self.query_one("#status-right", Static).update(right)
        warning = self.query_one("#status-warning", Static)
        # The calendar's warning, whole: broken by the Chinese rules (a year, the command
        # to run, never split) at the bar's width.
        lines = [
            line
            for para in self._warning.split("\n")
            for line in (break_lines(para, width) if width > 0 and para else [para])
        ]
        warning.update(Text("\n".join(lines)) if self._warning else "")
        warning.set_class(bool(self._warning), "-shown")

    def on_resize(self) -> None:
        self.refresh_status()


def hall_names(name: str) -> list[str]:
    """The hall's name, then shorter forms of it, longest first: without a trailing
    （…） (the demo says 【演示】 anyway), 便民服务中心 as 便民中心, without the county
    and 人民政府 before the township, then the township's 中心 alone."""
    bare = re.sub(r"（[^（）]*）$", "", name) or name
    short = bare.replace("便民服务中心", "便民中心")
    local = re.sub(r"^.{1,8}?[县市区](?=.{1,8}?[镇乡]|.{1,8}?街道)", "", short).replace(
        "人民政府", ""
    )
    forms = [name, bare, short, local or short, (local or short).replace("便民中心", "中心")]
    return list(dict.fromkeys(forms))


def _devices_text(app) -> str:
    """设备正常, or which device is offline (读卡器离线): short enough for 80 columns."""
    if not app.device_states:
        return ""
    labels = {"reader": "读卡器", "evaluator": "评价器"}
    offline = [
        labels.get(n, n) for n, state in sorted(app.device_states.items()) if state != "在线"
    ]
    return "、".join(offline) + "离线" if offline else "设备正常"
