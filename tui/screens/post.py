"""今日岗位: the window and the A/B post for today, and whom one covers for (代岗).
Enter takes the defaults from the roster, so a normal morning costs one key."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from tui.gateway import user_message


class PostScreen(ModalScreen):
    BINDINGS = [Binding("escape", "skip", "不在窗口", id="post.skip", show=False)]  # noqa: RUF012

    def __init__(self, session, default_post) -> None:
        super().__init__()
        self.session = session
        self.default_post = default_post
        self.windows: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        with Center(), Vertical(classes="form", id="post-form"):
            yield Static("今日岗位", classes="title")
            yield Label("窗口")
            yield Select([], id="window", prompt="选择窗口", compact=True)
            yield Label("岗位")
            yield Select(
                [("A岗", "A"), ("B岗", "B")], id="post", value="A", allow_blank=False, compact=True
            )
            yield Label("代岗（替谁顶岗，填其工号；不代岗留空）")
            yield Input(id="acting-for", max_length=32, compact=True)
            yield Static("", classes="error-line", id="post-error", markup=False)
            yield Static("Enter 确认　Esc 今天不在窗口", classes="hint")

    def on_mount(self) -> None:
        if self.app.windows is not None:
            self._show_windows(self.app.windows)
        else:
            self._load_windows()

    @work(thread=True, exit_on_error=False)
    def _load_windows(self) -> None:
        from store.catalog import list_windows

        windows = self.app.store.run(list_windows, self.app.register)
        self.app.call_from_thread(self._show_windows, windows)

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
    def _confirm(self) -> None:
        window = self.query_one("#window", Select).value
        if window is Select.BLANK:
            self.query_one("#post-error", Static).update("请选择窗口（或按 Esc 表示今天不在窗口）")
            self.query_one("#window", Select).focus()
            return
        post = self.query_one("#post", Select).value
        acting_for = self.query_one("#acting-for", Input).value.strip() or None
        self._take(str(window), str(post), acting_for)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _take(self, window: str, post: str, acting_for: str | None) -> None:
        from store.queue import counter_queue
        from store.roster import take_post

        try:
            today = self.app.store.run(take_post, self.session, window, post, acting_for)
            # The home screen's queue, loaded on the same trip to the store thread.
            queue = self.app.store.run(counter_queue, self.session, window_code=window)
            self.app.prefetched_queue = (window, queue)
        except Exception as exc:
            self.app.call_from_thread(
                self.query_one("#post-error", Static).update, user_message(exc)
            )
            return
        self.app.call_from_thread(self.dismiss, today)

    def action_skip(self) -> None:
        self.dismiss(None)
