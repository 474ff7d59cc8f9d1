"""首次使用: with no register yet, set the hall up — name and code, windows (from the sample
catalog), the first supervisor and a password typed twice; then the recovery code, shown
once, with part of it typed back before going on."""

from __future__ import annotations

import secrets
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, SelectionList, Static

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.widgets.footer import CounterFooter


class HallCreated(Message):
    """The register is set up: (register, the supervisor's session, the recovery code)."""

    def __init__(self, result: tuple[Any, Any, str], hall: str) -> None:
        super().__init__()
        self.register, self.session, self.code = result
        self.hall = hall


class FirstRunScreen(CounterScreen):
    def compose(self) -> ComposeResult:
        with VerticalScroll(), Center(), VerticalScroll(classes="form", id="setup-form"):
            yield Static("首次使用：建立本大厅的登记本", classes="title")
            yield Label("大厅名称")
            yield Input(
                id="hall", placeholder="如：某某镇便民服务中心", max_length=64, compact=True
            )
            yield Label("大厅代码（用于编号，字母或数字）")
            yield Input(id="code", placeholder="如 SLZ", max_length=16, compact=True)
            yield Label("窗口（空格 选中或取消；来自示例服务目录）")
            yield SelectionList[str](id="windows")
            yield Label("第一位大厅主任：工号")
            yield Input(id="number", max_length=32, compact=True)
            yield Label("姓名")
            yield Input(id="name", max_length=32, compact=True)
            yield Label("密码")
            yield Input(id="password", password=True, max_length=128, compact=True)
            yield Label("再输入一次密码")
            yield Input(id="password2", password=True, max_length=128, compact=True)
            yield Static("", classes="error-line", id="setup-error", markup=False)
            yield Static("Tab 下一项　在最后一项按 回车 建立", classes="hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        from policies.catalog import load_sample_catalog

        self.catalog = load_sample_catalog()
        windows = self.query_one("#windows", SelectionList)
        windows.add_options([(w.name, w.code, True) for w in self.catalog.windows])
        windows.styles.height = min(len(self.catalog.windows) + 2, 8)
        self.query_one("#hall", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        if event.input.id == "password2":
            self._create()
        else:
            self.focus_next()

    def _error(self, text: str) -> None:
        self.query_one("#setup-error", Static).update(text)

    def _create(self) -> None:
        values = {i.id: i.value for i in self.query(Input)}
        chosen = list(self.query_one("#windows", SelectionList).selected)
        for key, label in (
            ("hall", "大厅名称"),
            ("code", "大厅代码"),
            ("number", "主任工号"),
            ("name", "主任姓名"),
        ):
            if not values[key].strip():
                self._error(f"请填写{label}")
                self.query_one(f"#{key}", Input).focus()
                return
        if not chosen:
            self._error("至少选择一个窗口")
            return
        if values["password"] != values["password2"]:
            self._error("两次输入的密码不一致")
            self.query_one("#password2", Input).value = ""
            self.query_one("#password", Input).focus()
            return
        self._error("正在建立登记本…")
        app = self.app
        hall = values["hall"].strip()
        self.call_store(
            _create_hall,
            app.register_url,
            app.clock,
            app.station.station_id,
            values,
            self.catalog,
            chosen,
            done=lambda result: HallCreated(result, hall),
            what="setup",
        )

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self._error(message.message)

    @on(HallCreated)
    def _created(self, message: HallCreated) -> None:
        app = self.app
        app.register = message.register
        app.hall_name = message.hall
        session, code = message.session, message.code
        app.push_screen(
            RecoveryCodeScreen(code), callback=lambda _: app.logged_in(session, session.staff_name)
        )


def _create_hall(url, clock, station_id, values, catalog, windows):
    """On the store thread: the register, then the chosen windows' part of the sample catalog."""
    from dataclasses import replace

    from policies.catalog import dump_catalog
    from store.catalog import import_catalog
    from store.setup import create_register

    register, session, code = create_register(
        url,
        hall_name=values["hall"],
        hall_code=values["code"],
        supervisor_number=values["number"],
        supervisor_name=values["name"],
        password=values["password"],
        clock=clock,
        station=station_id,
    )
    keep = set(windows)
    # An item needing a window the hall does not have is left out with it.
    items = tuple(i for i in catalog.items if i.window in keep and set(i.windows_involved) <= keep)
    part = replace(
        catalog, windows=tuple(w for w in catalog.windows if w.code in keep), items=items
    )
    import_catalog(session, dump_catalog(part))
    return register, session, code


class RecoveryCodeScreen(CounterScreen):
    """The recovery code, once; one group of it typed back proves it was written down."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.groups = code.split("-")
        self.ask = secrets.randbelow(len(self.groups))

    def compose(self) -> ComposeResult:
        with Center(), VerticalScroll(classes="form", id="recovery-form"):
            yield Static("恢复码（只显示这一次）", classes="title")
            yield Static("忘记所有密码时，凭恢复码重设。请抄写在纸上，封存于安全处。")
            yield Static(f"\n    {self.code}\n", id="code")
            yield Label(f"抄好后，请输入第 {self.ask + 1} 组（5 个字符）以确认：")
            yield Input(id="confirm", max_length=8, compact=True)
            yield Static("", classes="error-line", id="confirm-error", markup=False)
        yield CounterFooter()

    def on_mount(self) -> None:
        self.query_one("#confirm", Input).focus()

    @on(Input.Submitted, "#confirm")
    def _check(self, event: Input.Submitted) -> None:
        from store.keyslots import normalise_recovery_code

        if normalise_recovery_code(event.value) == self.groups[self.ask]:
            self.dismiss(True)
        else:
            event.input.value = ""
            self.query_one("#confirm-error", Static).update("不对，请对照抄写的恢复码重新输入")
