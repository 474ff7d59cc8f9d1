"""窗口首页 (F4 我的办件): the clerk's queue — open cases, referrals to follow (督办),
items waiting for supplements — with masked applicant names and working days left."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui.messages import HistoryLoaded, QueueLoaded, StoreFailed
from tui.screens.base import CounterScreen
from tui.screens.records import fit
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar

SECTION_LABELS = {
    "case": "办件",
    "referral": "督办",
    "supplement": "待补正",
    "renotify": "需告知",
    "followup": "差评",
    "complaint": "投诉",
}
#: A card read at the home screen whose holder the register does not know.
UNKNOWN_CARD = "读卡成功：登记本中尚无此人的记录"
#: While the queue is on screen it is read again this often: what another counter sends to
#: this window (a referral, a case handed over) shows without a key pressed. The table is
#: redrawn only when the queue changed.
QUEUE_POLL_SECONDS = 10.0
#: No poll while the clerk is at the keys (what they do reads the queue again anyway): the
#: store thread is theirs.
POLL_QUIET_SECONDS = 2.0
#: `what` of a poll's store call: a failed poll is not shown (the status line tells of a
#: lost server; the next poll or key tries again).
POLL = "queue.poll"


class HomeScreen(CounterScreen):
    """窗口首页."""

    BINDINGS = [  # noqa: RUF012
        Binding("r", "refusals", "否定报备", id="home.refusals", show=False),
        Binding("g", "correct", "更正告知", id="home.correct", show=False),
        Binding("x", "app.open('petition')", "信访", id="home.petition", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="counts")
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield CounterFooter()

    # Fixed columns (cells); the item's name takes what the terminal has left.
    COLUMNS = (
        ("类别", 6),
        ("编号", 15),
        ("申请人", 6),
        ("事项", 0),
        ("类型", 6),
        ("状态", 6),
        ("期限", 7),
        ("剩余", 6),
    )

    def on_mount(self) -> None:
        self.rows = {}
        self.queue = None
        self._filled: tuple | None = None  # the queue the table shows, at which width and theme
        self._filled_width = None
        self.query_one("#queue", DataTable).focus()
        self.queue_poll = self.set_interval(QUEUE_POLL_SECONDS, self.poll_queue)

    def poll_queue(self) -> None:
        """Read the queue again if it is what the clerk sees (not under a form, a case or
        the lock screen), no key was pressed just now and no read of it is under way."""
        if self.app.screen is not self or self.app.session is None:
            return
        if self.app.keys_within(POLL_QUIET_SECONDS):
            return
        if any(
            w.node is self and w.group in ("queue", POLL) and w.is_running for w in self.workers
        ):
            return
        self._load(what=POLL)

    def _item_width(self) -> int:
        fixed = sum(width for _, width in self.COLUMNS) + 2 * len(self.COLUMNS)  # cell padding
        return max(8, self.size.width - fixed - 2)  # the scrollbar

    def on_resize(self) -> None:
        # Only a new width changes the item column; refilling costs a full table render.
        if self.queue is not None and self._item_width() != self._filled_width:
            self._fill(self.queue)

    def on_screen_resume(self) -> None:
        # First shown, or back from another screen: the queue may have changed meanwhile.
        self.reload()

    def reload(self) -> None:
        app = self.app
        window = app.today_post.window_code if app.today_post is not None else None
        prefetched, app.prefetched_queue = app.prefetched_queue, None
        if prefetched is not None and prefetched[0] == window:
            self.post_message(QueueLoaded(prefetched[1]))
        else:
            self._load()

    def _load(self, what: str = "queue") -> None:
        from store.queue import counter_queue

        app = self.app
        if app.session is None:
            return
        window = app.today_post.window_code if app.today_post is not None else None
        self.call_store(counter_queue, app.session, window_code=window, done=QueueLoaded, what=what)

    @on(QueueLoaded)
    def _show(self, message: QueueLoaded) -> None:
        before, self.queue = self.queue, message.queue
        if before is not None:
            self._tell_new_referrals(before, message.queue)
        self._fill(message.queue)

    def _tell_new_referrals(self, before, queue) -> None:
        """A toast for what other counters referred to this window since the queue was
        last read (the row is in the table as well)."""
        known = {row.number for row in before.rows}
        new = [
            row.number
            for row in queue.rows
            if row.kind == "referred_in" and row.number not in known
        ]
        if new:
            shown = "、".join(new[:3]) + (f" 等 {len(new)} 件" if len(new) > 3 else "")
            self.app.notify(f"收到转办：{shown}", title="转办", timeout=8)

    def _fill(self, queue) -> None:
        table = self.query_one("#queue", DataTable)
        shown = (queue, self._item_width(), self.app.theme)  # the styles follow the theme
        if shown == self._filled:
            return  # back from a case that changed nothing: the table shown is the queue
        self._filled = shown
        # Back from a case (or refilled): the clerk's row and scroll position stay.
        kept_key = self._cursor_key(table)
        kept_scroll = table.scroll_y
        table.clear(columns=True)
        item_width = self._filled_width = self._item_width()
        for label, width in self.COLUMNS:
            table.add_column(label, width=width or item_width)
        self.rows = {}
        for row in queue.rows:
            style = urgency_style(self.app, row.urgency)
            left = "" if row.working_days_left is None else _days_left(row.working_days_left)
            if row.immediate_overdue:
                left = "超时"  # a 即办件 past the policy's minutes
            due = f"{row.due_date:%m-%d}" if row.due_date else ""
            if due and row.provisional:
                due += "暂"  # 暂定: counted through a year the calendar lacks
            cells = [
                # AB岗: an absent clerk's item this clerk covers (代岗), whatever its section
                "代岗" if row.covering_for else SECTION_LABELS.get(row.section, row.section),
                row.number,
                row.applicant,
                fit(row.item_name, item_width),
                row.kind_label,
                row.state_label,
                due,
                left,
            ]
            table.add_row(*(Text(c, style=style) for c in cells), key=row.number)
            self.rows[row.number] = row
        if kept_key in self.rows:
            table.move_cursor(row=table.get_row_index(kept_key), scroll=False)
            # The scroll offset once the refilled table knows its height again.
            self.call_after_refresh(table.scroll_to, y=kept_scroll, animate=False, immediate=True)
        c = queue.counts
        counts = (
            f"今日：登记 {c.inquiries} ｜ 受理 {c.accepted} ｜ 办结 {c.closed} ｜ 评价 {c.ratings}"
            f" ｜ 本窗口超期 {c.overdue}　　共 {len(queue.rows)} 项待办"
        )
        covering = sorted({row.covering_for for row in queue.rows if row.covering_for})
        if covering:
            count = sum(1 for row in queue.rows if row.covering_for)
            counts += f"\n代岗 {count} 项（为 {'、'.join(covering)}），办理时记为代岗"
        told_again = sum(1 for row in queue.rows if row.section == "renotify")
        if told_again:
            counts += f"\n需重新告知 {told_again} 件（日期有变）：选中后按 G 出具期限更正告知书"
        self.query_one("#counts", Static).update(counts)
        self.query_one(StatusBar).refresh_status(queue.calendar_warning or "")

    @staticmethod
    def _cursor_key(table: DataTable) -> str | None:
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        if message.what != POLL:
            self._error(message.message)

    def _error(self, text: str) -> None:
        self.app.notify(text, severity="error", timeout=8)

    @on(DataTable.RowSelected, "#queue")
    def _open(self, event: DataTable.RowSelected) -> None:
        row = self.rows.get(str(event.row_key.value))
        if row is None:
            return
        if row.section == "referral":
            from tui.screens.referral import ReferralScreen

            self.app.push_screen(ReferralScreen(row))
        elif row.section == "followup":
            from tui.screens.followup import FollowupScreen

            self.app.push_screen(FollowupScreen(row.number))
        elif row.section == "complaint":
            from tui.screens.complaint import ComplaintDetailScreen

            self.app.push_screen(ComplaintDetailScreen(row.number))
        else:
            from tui.screens.case import open_case

            open_case(self, row.number)

    def action_correct(self) -> None:
        """需重新告知: the 期限更正告知书 of the case under the cursor, previewed to issue."""
        from tui.screens.notice import NoticeScreen

        table = self.query_one("#queue", DataTable)
        row = None
        if table.row_count:
            key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
            row = self.rows.get(str(key))
        if row is None or row.section != "renotify":
            self.app.notify("请选中一件「需告知」的办件再按 G", severity="warning")
            return
        self.app.push_screen(NoticeScreen(row.number, "correction"))

    def action_refusals(self) -> None:
        """否定报备审核 (the supervisor; R on the home screen)."""
        from tui.screens.base import is_supervisor

        if not is_supervisor(self.app.session):
            self.app.notify("否定报备由大厅主任审核", severity="warning")
            return
        from tui.screens.refusals import RefusalsScreen

        self.app.push_screen(RefusalsScreen())

    # -- a card laid on the reader opens that person's history at once --------------------
    def card_read(self, card) -> None:
        self.call_store(
            card_history, self.app.session, card.id_number, done=HistoryLoaded, what="card"
        )

    @on(HistoryLoaded)
    def _history(self, message: HistoryLoaded) -> None:
        from tui.screens.history import HistoryScreen

        if message.history is None:
            self._error(UNKNOWN_CARD)
            return
        self.app.push_screen(HistoryScreen(message.history))


def card_history(session, id_number: str):
    """On the store thread: the history of the person with this ID number, or None when
    the register does not know them."""
    from store.lookup import person_history, search

    result = search(session, id_number)
    if not result.persons:
        return None
    return person_history(session, result.persons[0].uuid)


def urgency_style(app, urgency: str) -> str:
    """Overdue in the theme's error colour, due within a working day in its warning colour."""
    theme = app.current_theme
    colour = {"overdue": theme.error, "due_soon": theme.warning}.get(urgency)
    if not colour:
        return ""
    # ANSI themes name colours "ansi_red"; Rich calls the same colour "red".
    return f"bold {colour.removeprefix('ansi_')}"


def _days_left(days: int) -> str:
    """Working days left, short enough for an 80-column terminal."""
    if days < 0:
        return f"超{-days}天"
    if days == 0:
        return "今日"
    return f"{days}天"
