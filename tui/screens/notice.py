"""告知书: a notice filled from the case, previewed, issued (出具: numbered and stored with
the case, unchanged) and printed on this counter's printer (station file [printer]).

``NoticeScreen(case_number, kind)`` previews a new notice; Ctrl+S or Enter issues it,
Ctrl+P issues it if need be and prints it. ``IssuedNoticeScreen(notice_number)`` shows a
stored notice and reprints it (补打) exactly as issued. The PDF lives in memory and is
piped to ``lp``: no file is written. Esc returns (``dismiss`` with the notice's number, or
None when nothing was issued).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from tui.gateway import user_message
from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.notice_text import NoticeText
from tui.widgets.status_bar import StatusBar

HINT = "Ctrl+S 或回车 出具  Ctrl+P 出具并打印  ↑↓ PgUp PgDn 翻看  Esc 返回"
#: Once issued there is nothing left to issue: the hint says so, and 打印 is 补打.
ISSUED_HINT = "Ctrl+P 打印  ↑↓ PgUp PgDn 翻看  Esc 返回"
REPRINT_HINT = "Ctrl+P 补打  ↑↓ PgUp PgDn 翻看  Esc 返回"
NO_PRINTER = (
    "未配置打印机：本工位配置文件没有 [printer] 设置。告知书可出具保存（Ctrl+S），"
    "打印请联系技术员配置打印机。"
)


class NoticeLoaded(Message):
    def __init__(self, notice: Any) -> None:
        super().__init__()
        self.notice = notice


class NoticeIssued(Message):
    def __init__(self, issued: Any) -> None:
        super().__init__()
        self.issued = issued


class NoticePrinted(Message):
    def __init__(self, queue: str, copies: int) -> None:
        super().__init__()
        self.queue = queue
        self.copies = copies


class NoticeFailed(StoreFailed):
    """A store call or the printer failed; ``message`` is Chinese, for the screen;
    ``what`` is "load", "issue" or "print"."""


class NoticeScreen(CounterScreen):
    """告知书预览、出具与打印."""

    DEFAULT_CSS = """
    NoticeScreen #notice-scroll { height: 1fr; border: round $primary; padding: 0 1; }
    NoticeScreen #notice-body { width: 100%; height: auto; }
    NoticeScreen .line { height: auto; padding: 0 1; }
    NoticeScreen #notice-status { color: $success; text-style: bold; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="notice.back", show=False),
        Binding("ctrl+s", "issue", "出具", id="notice.issue", show=False, priority=True),
        Binding("enter", "issue", "出具", id="notice.issue_enter", show=False),
        Binding("ctrl+p", "print", "打印", id="notice.print", show=False, priority=True),
    ]

    #: The app leaves Ctrl+P (its command palette) to this screen: here it prints.
    KEEPS_PALETTE_KEY: ClassVar[bool] = True
    #: The store call that counts a print, when not the case notices' (投诉告知书).
    _record_printed: ClassVar[Any] = None

    def __init__(self, case_number: str, kind: str, *, print_now: bool = False) -> None:
        super().__init__()
        self.case_number = case_number
        self.kind = kind
        #: The clerk already chose 出具并打印 (a dialog's Enter): done once it is loaded.
        self.print_now = print_now
        self.notice: Any = None  # policies.notices.Notice on screen
        self.number: str | None = None  # set once issued
        self.busy = False
        self.printing = False

    # -- layout ------------------------------------------------------------------------------
    def _heading(self) -> str:
        from policies.notices import NOTICE_KINDS

        title = NOTICE_KINDS.get(self.kind, self.kind)
        return f"告知书：《{title}》　办件号 {self.case_number}"

    def _hint(self) -> str:
        return HINT if self.number is None else ISSUED_HINT

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(self._heading(), id="notice-title", classes="title")
        yield Static(self._hint(), classes="hint", id="notice-hint")
        with VerticalScroll(id="notice-scroll"):
            yield NoticeText("正在生成告知书…", id="notice-body")
        yield Static("", id="notice-status", classes="line")
        yield Static("", id="notice-error", classes="error-line", markup=False)
        yield CounterFooter()

    def on_mount(self) -> None:
        self.query_one("#notice-scroll", VerticalScroll).focus()
        self._load()

    def _show(self, notice: Any) -> None:
        self.notice = notice
        self.query_one("#notice-body", NoticeText).update(notice.text())

    def _status(self, text: str) -> None:
        self.query_one("#notice-status", Static).update(text)

    def _error(self, text: str) -> None:
        self.query_one("#notice-error", Static).update(text)

    # -- loading -----------------------------------------------------------------------------
    def _fetch(self, session: Any) -> Any:
        """The notice to show (store thread): a preview, without a number."""
        from store.case_notices import preview_notice

        return preview_notice(session, self.case_number, self.kind)

    def _load(self) -> None:
        self.call_store(
            self._fetch,
            self.app.session,
            done=NoticeLoaded,
            failed=NoticeFailed,
            what="load",
            group="notice-load",
        )

    @on(NoticeLoaded)
    def _loaded(self, message: NoticeLoaded) -> None:
        self._show(message.notice)
        self._after_load(message.notice)

    def _after_load(self, notice: Any) -> None:
        if self.number is None:
            self._status("预览（尚未出具）")
        if self.print_now and self.number is None:
            self.print_now = False
            if getattr(self.app.station, "printer", None) is None:
                self.action_issue()  # issued all the same; the screen says why it is not printed
                self._error(NO_PRINTER)
            else:
                self.action_print()

    # -- 出具 --------------------------------------------------------------------------------
    def action_issue(self) -> None:
        if self.number is not None:
            self._status(f"已出具：编号 {self.number}（同一告知书不重复出具；Ctrl+P 打印）")
            return
        if self.busy or self.notice is None:
            return
        self.busy = True
        self._error("")
        self._status("正在出具…")
        self.call_store(
            self._issue_in_store,
            self.app.session,
            done=NoticeIssued,
            failed=NoticeFailed,
            what="issue",
            group="notice-issue",
        )

    def _issue_in_store(self, session: Any) -> Any:
        from store.case_notices import issue_case_notice

        return issue_case_notice(session, self.case_number, self.kind)

    @on(NoticeIssued)
    def _issued(self, message: NoticeIssued) -> None:
        self.busy = self.printing  # issued on the way to the printer: still busy
        self.number = message.issued.number
        self._show(message.issued.notice)
        self._status(f"已出具：编号 {self.number}")
        self.query_one("#notice-hint", Static).update(self._hint())

    # -- 打印 --------------------------------------------------------------------------------
    def action_print(self) -> None:
        if self.busy or self.notice is None:
            return
        printer = getattr(self.app.station, "printer", None)
        if printer is None:
            self._error(NO_PRINTER)
            return
        self.busy = self.printing = True
        self._error("")
        self._status("正在打印…")
        self._print(printer.queue, printer.copies, self.notice, self.number, self.app.session)

    @work(thread=True, exclusive=True, group="notice-print", exit_on_error=False)
    def _print(self, queue: str, copies: int, notice: Any, number: str | None, session: Any):
        """Issue if need be (store thread), pipe the PDF to ``lp`` (this worker's own thread:
        printing never holds up the store), record the print (store thread). It reaches the
        screen only by messages."""
        from store.case_notices import record_printed
        from tui.printing import PrintError, notice_pdf, print_pdf

        store = self.app.store
        try:
            if number is None:  # a notice is printed only once it is issued
                issued = store.run(self._issue_in_store, session)
                self.post_message(NoticeIssued(issued))
                notice, number = issued.notice, issued.number
            # The job's title is the notice's name: lpstat shows it to everyone.
            print_pdf(notice_pdf(notice), queue, title=notice.title, copies=copies)
            store.run(self._record_printed or record_printed, session, number)
        except PrintError as exc:
            self.post_message(NoticeFailed(str(exc), "print"))
            return
        except Exception as exc:
            self.post_message(NoticeFailed(user_message(exc), "print"))
            return
        self.post_message(NoticePrinted(queue, copies))

    @on(NoticePrinted)
    def _printed(self, message: NoticePrinted) -> None:
        self.busy = self.printing = False
        copies = f"，{message.copies} 份" if message.copies != 1 else ""
        self._status(f"已送打印机 {message.queue}（编号 {self.number}{copies}）")

    @on(NoticeFailed)
    def _failed(self, message: NoticeFailed) -> None:
        self.busy = self.printing = False
        if message.what == "load":
            self.query_one("#notice-body", NoticeText).update("（无法生成告知书）")
        if self.number is not None:
            self._status(f"已出具：编号 {self.number}")
        else:
            self._status("")
        self._error(message.message)

    def action_back(self) -> None:
        self.dismiss(self.number)


class IssuedNoticeScreen(NoticeScreen):
    """An issued notice, exactly as stored: shown and reprinted (补打), never issued again."""

    def __init__(self, notice_number: str) -> None:
        super().__init__("", "")
        self.number = "".join(notice_number.split()).upper()

    def _heading(self) -> str:
        return f"告知书（已出具）　编号 {self.number}"

    def _hint(self) -> str:
        return REPRINT_HINT

    def _fetch(self, session: Any) -> Any:
        from store.case_notices import issued_notice

        return issued_notice(session, self.number)

    def _after_load(self, notice: Any) -> None:
        self.query_one("#notice-title", Static).update(
            f"告知书：《{notice.title}》　编号 {self.number}"
        )
        self._status(f"已出具：编号 {self.number}")
