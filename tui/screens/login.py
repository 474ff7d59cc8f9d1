"""登录: 工号 and password; the sign-in is recorded; then the window and post for today."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from policies.roles import SUPERVISOR_ROLES
from tui.messages import LoggedIn, StoreFailed
from tui.screens.base import CounterScreen


class LoginScreen(CounterScreen):
    """登录 — the first screen of the day."""

    BINDINGS = [  # noqa: RUF012
        Binding("enter", "enter", "登录", show=False, priority=True, id="login.enter")
    ]

    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen #login-form { width: 50; }
    LoginScreen #demo-accounts { width: 50; height: auto; max-height: 9; margin-top: 1; }
    """

    # Kept lean on purpose: this is the first screen drawn, and each widget costs start-up.
    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="login-form"):
            if self.app.demo is not None:
                yield Static("演示 — 数据均为虚构", classes="demo-mark")
            yield Static("窗口 · 登录", classes="title", id="login-title")
            yield Input(id="number", placeholder="工号", max_length=32, compact=True)
            yield Input(
                id="password", placeholder="密码", password=True, max_length=128, compact=True
            )
            yield Static("", classes="error-line", id="login-error", markup=False)
            yield Static("回车 登录　F1 帮助", classes="hint")
        if self.app.demo is not None:
            yield DataTable(id="demo-accounts", cursor_type="row", zebra_stripes=True)
        # No footer here: the F-keys need a login first, and the footer's dozen keys
        # would cost the first screen a third of its start-up.

    def on_mount(self) -> None:
        self.query_one("#number", Input).focus()
        if self.app.demo is not None:
            table = self.query_one("#demo-accounts", DataTable)
            table.add_columns("演示账号", "角色", "密码")
            for account in self.app.demo.accounts:
                table.add_row(account.number, account.role_label, account.password)
            table.can_focus = False
        if self.app.register is not None:
            self.register_ready()

    def register_ready(self) -> None:
        hall = self.app.hall_name
        if hall:
            self.query_one("#login-title", Static).update(f"{hall} · 登录")

    class _Drained(Message):
        """Posted to a field and bubbled back once the field has handled every key that
        reached it before (a widget's messages are handled in order)."""

        def __init__(self, field_id: str) -> None:
            super().__init__()
            self.field_id = field_id

    def action_enter(self) -> None:
        """回车: from 工号 to 密码, from 密码 log in. A priority binding, so the focus moves
        while the app handles the key itself: what is typed right after 回车 (a fast typist,
        a keyboard-wedge reader) lands in the password field, never appended to the 工号.
        The login waits until both fields have taken in the keys sent to them before it."""
        number = self.query_one("#number", Input)
        if self.focused is number:
            self.set_focus(self.query_one("#password", Input))
        else:
            number.post_message(self._Drained("number"))

    @on(_Drained)
    def _drained(self, message: _Drained) -> None:
        message.stop()
        if message.field_id == "number":
            self.query_one("#password", Input).post_message(self._Drained("password"))
        else:
            self._submit()

    def _submit(self) -> None:
        number = self.query_one("#number", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not number:
            self._error("请输入工号")
            self.query_one("#number", Input).focus()
            return
        if self.app.register is None:
            self._error("登记本尚未打开，请稍候")
            return
        self._error("正在登录…")
        self.call_store(
            _login_and_sign_in,
            self.app.register,
            number,
            password,
            done=LoggedIn,
            what="login",
        )

    def _error(self, text: str) -> None:
        self.query_one("#login-error", Static).update(text)

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self._error(message.message)
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()

    @on(LoggedIn)
    def _logged_in(self, message: LoggedIn) -> None:
        from tui.screens.post import PostScreen

        self.query_one("#password", Input).value = ""
        if message.windows is not None:
            self.app.windows = message.windows
        session = message.session
        if session.audit_alarm:
            self.app.notify(
                f"审计链异常：{session.audit_alarm}。请立即报告大厅主任，并用 audit verify 核对",
                severity="error",
                timeout=60,
            )
        if session.role in SUPERVISOR_ROLES and session.audit_head is not None:
            count, fingerprint = session.audit_head
            self.app.notify(f"审计链头：{count} 条，指纹 {fingerprint}（请抄录备查）", timeout=20)
        if message.sign_in is not None and message.sign_in.late and message.sign_in.first_today:
            self.app.notify(
                f"已签到 {message.sign_in.signed_in_at}（迟到已记录）", severity="warning"
            )
        elif message.sign_in is not None and message.sign_in.first_today:
            self.app.notify(f"已签到 {message.sign_in.signed_in_at}")
        self.app.push_screen(
            PostScreen(message.session, message.default_post),
            callback=lambda post: self._post_chosen(message, post),
        )

    def _post_chosen(self, message: LoggedIn, post) -> None:
        from tui.screens.handover import show_login_notices

        self.app.today_post = post
        self.app.logged_in(message.session, message.staff_name)
        show_login_notices(self.app, message.notices)


def _login_and_sign_in(register, number: str, password: str):
    """On the store thread: unlock, sign in (clerks and supervisors), find today's post."""
    from store.attendance import sign_in
    from store.auth import login
    from store.catalog import list_windows
    from store.handover import login_notices
    from store.roster import default_post

    session = login(register, number, password)
    record = sign_in(session)
    # AB岗: after signing in, so a period that is over comes back to one who returned.
    notices = login_notices(session)
    windows = list_windows(register)  # as they are now, not as when the app started
    return session, record, default_post(session), session.staff_name, notices, windows
