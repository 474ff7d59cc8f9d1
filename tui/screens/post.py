"""今日岗位: the window and the A/B post for today, and whom one covers for (代岗).
Enter takes the defaults from the roster, so a normal morning costs one key. A 代岗 out of
the ordinary (for someone signed in today, or at a window where one holds no post) needs a
reason, which goes on the supervisor's board: the store says so and the reason field gets
the focus."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from tui.messages import StoreFailed
from tui.screens.base import CounterModal


class WindowsLoaded(Message):
    def __init__(self, windows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.windows = windows


class PostTaken(Message):
    """Today's post is taken: (window code, the post, that window's queue for home)."""

    def __init__(self, result: tuple[str, Any, Any]) -> None:
        super().__init__()
        self.window, self.today, self.queue = result


class _Choice(Select, inherit_bindings=False):
    """A Select whose list opens with ↑↓ or Space only: Enter confirms the dialog (Textual's
    Select opens its list on Enter too, and the list spilled over the dialog's border)."""

    BINDINGS = [  # noqa: RUF012
        Binding("down,space,up", "show_overlay", "打开列表", show=False),
    ]


class PostScreen(CounterModal):
    # The open list stays inside the dialog at 80×24 (it scrolls; Textual's is 12 high).
    DEFAULT_CSS = """
    PostScreen SelectOverlay { max-height: 8; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "skip", "不在窗口", id="post.skip", show=False),
        Binding("enter", "confirm", "确认", id="post.confirm", show=False),
    ]

    def __init__(self, session, default_post) -> None:
        super().__init__()
        self.session = session
        self.default_post = default_post
        self.windows: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        with Center(), Vertical(classes="form", id="post-form"):
            yield Static("今日岗位", classes="title")
            yield Label("窗口")
            yield _Choice([], id="window", prompt="选择窗口（↑↓ 打开列表）", compact=True)
            yield Label("岗位")
            yield _Choice(
                [("A岗", "A"), ("B岗", "B")], id="post", value="A", allow_blank=False, compact=True
            )
            yield Label("代岗（替谁顶岗，填其工号；不代岗留空）")
            yield Input(id="acting-for", max_length=32, compact=True)
            yield Label("代岗原因（特殊代岗须填写，报大厅主任）")
            yield Input(id="reason", max_length=200, compact=True)
            yield Static("", classes="error-line", id="post-error", markup=False)
            yield Static("回车 确认　Esc 今天不在窗口", classes="hint")

    def on_mount(self) -> None:
        if self.app.windows is not None:
            self._show_windows(self.app.windows)
        else:
            self.call_store(_windows, self.app.register, done=WindowsLoaded, what="windows")

    @on(WindowsLoaded)
    def _windows_loaded(self, message: WindowsLoaded) -> None:
        self._show_windows(message.windows)

    def _show_windows(self, windows: list[tuple[str, str]]) -> None:
        self.windows = windows
        select = self.query_one("#window", Select)
        select.set_options([(name, code) for code, name in windows])
        if self.default_post is not None:
            window_code, post = self.default_post
            if any(code == window_code for code, _ in windows):
                select.value = window_code
            self.query_one("#post", Select).value = post
        self.query_one("#acting-for", Input).focus()

    @on(Input.Submitted, "#acting-for")
    @on(Input.Submitted, "#reason")
    def _confirm(self) -> None:
        self.action_confirm()

    def action_confirm(self) -> None:
        from tui.screens.base import is_supervisor

        select = self.query_one("#window", Select)
        if select.is_blank():
            if is_supervisor(self.session):
                text = "主任可不选窗口，按 Esc 进入大厅看板（或按 ↑↓ 选择窗口）"
            else:
                text = "请选择窗口（按 ↑↓ 打开列表），或按 Esc 表示今天不在窗口"
            self.query_one("#post-error", Static).update(text)
            select.focus()
            return
        window = select.value
        post = self.query_one("#post", Select).value
        acting_for = self.query_one("#acting-for", Input).value.strip() or None
        reason = self.query_one("#reason", Input).value.strip()
        self.call_store(
            _take_post,
            self.session,
            str(window),
            str(post),
            acting_for,
            reason,
            done=PostTaken,
            what="post",
        )

    @on(PostTaken)
    def _taken(self, message: PostTaken) -> None:
        self.app.prefetched_queue = (message.window, message.queue)
        self.dismiss(message.today)

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        from store.handover import CoverReasonNeeded

        self.query_one("#post-error", Static).update(message.message)
        if message.error is not None and issubclass(message.error, CoverReasonNeeded):
            self.query_one("#reason", Input).focus()  # the fix goes there

    def action_skip(self) -> None:
        self.dismiss(None)


def _windows(register) -> list[tuple[str, str]]:
    """On the store thread: the hall's windows, (code, name)."""
    from store.catalog import list_windows

    return list_windows(register)


def _take_post(session, window: str, post: str, acting_for: str | None, reason: str = ""):
    """On the store thread: take today's post, and load the home screen's queue for that
    window on the same trip."""
    from store.queue import counter_queue
    from store.roster import take_post

    today = take_post(session, window, post, acting_for, reason)
    return window, today, counter_queue(session, window_code=window)
