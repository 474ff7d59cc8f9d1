"""锁屏: no personal data on screen. The clerk's password unlocks; another clerk's 工号 and
password switch the session; leaving the application also needs a password."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from tui.gateway import user_message
from tui.widgets.footer import CounterFooter


class LockScreen(Screen):
    BINDINGS = [  # noqa: RUF012
        Binding("ctrl+q", "quit_with_password", "退出程序", id="lock.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.quitting = False

    def compose(self) -> ComposeResult:
        number = self.app.session.staff_number if self.app.session else ""
        with Vertical(classes="centered"), Center(), Vertical(classes="form", id="lock-form"):
            yield Static("屏幕已锁定", classes="title", id="lock-title")
            yield Label("工号（换人接班时改为自己的工号）")
            yield Input(number, id="number", max_length=32)
            yield Label("密码")
            yield Input(id="password", password=True, max_length=128)
            yield Static("", classes="error-line", id="lock-error")
            yield Static("Enter 解锁　Ctrl+Q 退出程序（需密码）", classes="hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()

    def action_quit_with_password(self) -> None:
        self.quitting = True
        self.query_one("#lock-title", Static).update("退出程序：请输入密码确认")
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#number")
    def _to_password(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    def _submit(self) -> None:
        number = self.query_one("#number", Input).value.strip()
        password = self.query_one("#password", Input).value
        self.query_one("#password", Input).value = ""
        if not number:
            self.query_one("#lock-error", Static).update("请输入工号")
            return
        self._unlock(number, password)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _unlock(self, number: str, password: str) -> None:
        from store.auth import login

        app = self.app
        try:
            session = app.store.run(login, app.register, number, password)
        except Exception as exc:
            app.call_from_thread(self.query_one("#lock-error", Static).update, user_message(exc))
            return
        app.call_from_thread(self._unlocked, session)

    def _unlocked(self, session) -> None:
        app = self.app
        if self.quitting:
            app.quit_after_password()
            return
        if app.session is not None and session.staff_id != app.session.staff_id:
            app.today_post = None  # another clerk takes over: their own post, their own queue
        app.logged_in(session, session.staff_name)
