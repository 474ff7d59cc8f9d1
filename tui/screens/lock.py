"""锁屏: no personal data on screen. The clerk's password unlocks; another clerk's 工号 and
password switch the session; leaving the application also needs a password. While the
register's server is away, the clerk who locked the counter can still unlock it or leave
(their password checked against their key slot as read at login: store.auth.unlock_offline);
another clerk waits for the server."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen

UNLOCK_HINT = "回车 解锁　Ctrl+Q 退出程序（需密码）"
QUIT_HINT = "回车 确认退出　Esc 不退出，回到锁屏"


#: Told to the clerk who takes over: the one before them left a form unsaved.
WIPED = "换人接班：上一位工作人员锁屏前未保存的登记已清除"


#: Said after an unlock checked without the server.
UNLOCKED_OFFLINE = "服务器连接中断：已按本机登录时的密钥核对密码解锁（服务器恢复后补记）"


class Unlocked(Message):
    """The password was right: (session, the roster's default post or None, AB岗 notices
    for a clerk who takes over the counter[, True when checked without the server[, the
    windows]])."""

    def __init__(self, result: tuple[Any, ...], same_clerk: bool) -> None:
        super().__init__()
        self.session, self.default_post, self.notices = result[:3]
        self.offline = len(result) > 3 and bool(result[3])
        #: The windows as read now, for another clerk's post (see tui.messages.LoggedIn).
        self.windows = result[4] if len(result) > 4 else None
        self.same_clerk = same_clerk


class LockScreen(CounterScreen):
    BINDINGS = [  # noqa: RUF012
        Binding("ctrl+q", "quit_with_password", "退出程序", id="lock.quit", show=False),
        Binding("escape", "cancel_quit", "取消退出", id="lock.cancel_quit", show=False),
    ]

    def __init__(self, held: Any = None) -> None:
        super().__init__()
        self.quitting = False
        #: Half-typed forms sealed while locked (tui.held_forms.HeldForms), or None.
        self.held = held

    def compose(self) -> ComposeResult:
        number = self.app.session.staff_number if self.app.session else ""
        with Vertical(classes="centered"), Center(), Vertical(classes="form", id="lock-form"):
            yield Static("屏幕已锁定", classes="title", id="lock-title")
            yield Label("工号（换人接班时改为自己的工号）")
            yield Input(number, id="number", max_length=32, compact=True)
            yield Label("密码")
            yield Input(id="password", password=True, max_length=128, compact=True)
            yield Static("", classes="error-line", id="lock-error", markup=False)
            yield Static(UNLOCK_HINT, classes="hint", id="lock-hint")

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()

    def action_quit_with_password(self) -> None:
        self.quitting = True
        self.query_one("#lock-title", Static).update("退出程序：请输入密码确认")
        self.query_one("#lock-hint", Static).update(QUIT_HINT)
        self.query_one("#password", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Esc only takes back a 退出; on the plain lock screen it does nothing.
        return self.quitting if action == "cancel_quit" else True

    def action_cancel_quit(self) -> None:
        self.quitting = False
        self.query_one("#lock-title", Static).update("屏幕已锁定")
        self.query_one("#lock-hint", Static).update(UNLOCK_HINT)
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
        app = self.app
        same_clerk = app.session is not None and number == app.session.staff_number
        post = app.today_post if same_clerk else None
        self.call_store(
            _unlock,
            app.register,
            number,
            password,
            post,
            app.session,
            done=lambda result: Unlocked(result, same_clerk),
            what="unlock",
        )

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#lock-error", Static).update(message.message)

    @on(Unlocked)
    def _unlocked(self, message: Unlocked) -> None:
        from tui.screens.post import PostScreen

        app = self.app
        session, default_post = message.session, message.default_post
        held, self.held = self.held, None
        if held is not None and (self.quitting or not message.same_clerk):
            if len(held) and not self.quitting:  # said, not silently dropped
                app.notify(WIPED, severity="warning", timeout=10)
            held.wipe()  # another clerk never sees the first one's unsaved form
        if self.quitting:
            app.quit_after_password()
            return
        if message.offline:
            app.notify(UNLOCKED_OFFLINE, severity="warning", timeout=10)
        if message.same_clerk:
            app.logged_in(session, session.staff_name)
            for screen in held.give_back() if held is not None else ():
                app.push_screen(screen)  # over the queue, as before the lock
        else:
            # Another clerk takes over the counter: their own post, their own queue.
            if message.windows is not None:
                app.windows = message.windows

            def chosen(post) -> None:
                from tui.screens.handover import show_login_notices

                app.today_post = post
                app.logged_in(session, session.staff_name)
                show_login_notices(app, message.notices)

            app.push_screen(PostScreen(session, default_post), callback=chosen)


def _unlock(register, number: str, password: str, post, held=None):
    """On the store thread: log in again; the same clerk takes up today's post (and whom
    they cover for) again, another clerk gets their roster default to confirm. With the
    server away, the same clerk's session (`held`, the app's) goes on after an offline
    check."""
    from store.attendance import sign_in
    from store.auth import login, unlock_offline
    from store.errors import ServerUnavailable
    from store.handover import login_notices
    from store.roster import default_post, take_post
    from store.session import write_deferred

    same_clerk = held is not None and held.staff_number == number.strip()
    try:
        session = login(register, number, password)
    except ServerUnavailable:
        if not same_clerk:
            raise ServerUnavailable(
                "服务器连接中断：暂时只能由锁屏前的工作人员解锁，请等服务器恢复"
            ) from None
        return unlock_offline(held, password), None, [], True
    if held is not None:  # an offline unlock before (the server away) goes on record now
        write_deferred(held)
    if post is not None:
        take_post(session, post.window_code, post.post, post.acting_for_number)
        return session, None, []
    from store.catalog import list_windows

    sign_in(session)
    return session, default_post(session), login_notices(session), False, list_windows(register)
