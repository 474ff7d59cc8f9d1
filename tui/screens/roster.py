"""AB岗安排: who holds the A and B post of each window (names masked), who of them is away
today, and which windows are flagged (无B岗, B岗离岗 … from store.roster). The supervisor
moves the cursor to a post and presses E to put someone on it (an empty 工号 vacates it);
everyone else reads it.

Opened by F5 (or from the handover board); Esc goes back to the screen under it.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen, is_supervisor
from tui.screens.case_forms import ActionForm, Done
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar

__all__ = ["AssignPostForm", "RosterScreen"]

SUPERVISOR_HINT = "↑↓ 选择岗位　E 调整（填工号，留空为空缺）　Esc 返回"
READ_ONLY_HINT = "只读：岗位安排由大厅主任调整　Esc 返回"


class RosterLoaded(Message):
    def __init__(self, posts: list[Any]) -> None:
        super().__init__()
        self.posts = posts  # store.roster.PostView, names masked


class AssignPostForm(ActionForm):
    """调整岗位: the staff number for one post; empty leaves the post vacant."""

    def __init__(self, post: Any) -> None:
        holder = post.staff_number or "空缺"
        if post.staff_number and post.staff_name_masked:
            holder += f" {post.staff_name_masked}"
        super().__init__(
            f"调整 {post.window_name} {post.post}岗",
            _assign(post.window_code, post.post),
            note=f"现为：{holder}",
        )
        self.current = post.staff_number or ""

    def fields(self) -> ComposeResult:
        yield Label("工号（留空：该岗空缺）")
        yield Input(self.current, id="staff-number", max_length=32, compact=True)

    def on_mount(self) -> None:
        self.query_one("#staff-number", Input).focus()

    def values(self) -> dict:
        return {"number": self.query_one("#staff-number", Input).value.strip()}


def _assign(window_code: str, post: str):
    """The form's store call (on the store thread): put the typed 工号 on the post."""

    def run(session, values: dict) -> None:
        from store.staff import assign_post

        assign_post(session, window_code, post, values["number"] or None)

    return run


class RosterScreen(CounterScreen):
    """AB岗安排 (F5); a supervisor edits a post with E."""

    DEFAULT_CSS = """
    RosterScreen #roster-done { color: $success; height: auto; padding: 0 1; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="roster.back", show=False),
        Binding("e", "assign", "调整", id="roster.assign", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.posts: list[Any] = []

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("AB岗安排", classes="title")
        yield DataTable(id="roster", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="error-line", id="roster-error", markup=False)
        yield Static("", id="roster-done", markup=False)
        yield Static("", classes="hint", id="roster-hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        table = self.query_one("#roster", DataTable)
        table.add_columns("窗口", "岗位", "工号", "姓名", "提示")
        self.query_one("#roster-hint", Static).update(
            SUPERVISOR_HINT if is_supervisor(self.app.session) else READ_ONLY_HINT
        )
        self._load()

    def _load(self) -> None:
        from store.roster import roster

        self.call_store(roster, self.app.session, done=RosterLoaded, what="roster")

    @on(RosterLoaded)
    def _show(self, message: RosterLoaded) -> None:
        table = self.query_one("#roster", DataTable)
        row = table.cursor_row
        table.clear()
        self.posts = message.posts
        previous = None
        for p in self.posts:
            first = p.window_code != previous  # the window's name and flags on its first row
            previous = p.window_code
            name = p.staff_name_masked or ""
            if p.away:
                name = f"{name}（离岗）" if name else "离岗"
            table.add_row(
                p.window_name if first else "",
                f"{p.post}岗",
                p.staff_number or "（空缺）",
                name,
                "、".join(p.flags) if first else "",
                key=f"{p.window_code}:{p.post}",
            )
        if self.posts:
            table.move_cursor(row=min(row, len(self.posts) - 1))
        table.focus()

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#roster-error", Static).update(message.message)

    def action_assign(self) -> None:
        error = self.query_one("#roster-error", Static)
        if not is_supervisor(self.app.session):
            error.update("只读：岗位安排由大厅主任调整")
            self.app.bell()
            return
        table = self.query_one("#roster", DataTable)
        if not self.posts or not 0 <= table.cursor_row < len(self.posts):
            return
        error.update("")
        self.query_one("#roster-done", Static).update("")
        post = self.posts[table.cursor_row]

        def assigned(result: Done | None) -> None:
            if result is not None:
                number = result.values["number"]
                self.query_one("#roster-done", Static).update(
                    f"已调整：{post.window_name} {post.post}岗"
                    + (f" → {number}" if number else " → 空缺")
                )
                self._load()

        self.app.push_screen(AssignPostForm(post), callback=assigned)

    def action_back(self) -> None:
        self.app.pop_screen()
