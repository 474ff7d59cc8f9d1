"""首问登记 opened on purpose (查询 by its 登记号, a row of 一人一档 or of a search result):
what was asked, how it was handled, where it went and how that stands. Read only: the
referral's actions are on the 督办 screen of the queue.

The person's full name is shown (the clerk opened this record, as on the case screen);
the phone and ID number come masked from the store.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.lines import show_line
from tui.widgets.status_bar import StatusBar


class InquiryViewLoaded(Message):
    def __init__(self, view: Any) -> None:
        super().__init__()
        self.view = view  # store.inquiry_view.InquiryView


def facts(v: Any) -> list[str]:
    """The lines shown for an inquiry (store.inquiry_view.InquiryView)."""
    who = v.name or "—"
    if v.id_number:
        who += f"　证件 {v.id_number}"
    if v.phone:
        who += f"　电话 {v.phone}"
    if v.is_caller:
        who += "　（未登记证件）"
    lines = [
        f"登记时间 {v.at}　渠道 {v.channel_label}",
        f"来访人/来电人：{who}",
        f"所问事项：{v.item_name}",
    ]
    if v.topic:
        lines.append(f"所问内容：{v.topic}")
    if v.answer:
        lines.append(f"答复内容：{v.answer}")
    asker = v.first_asker + (f"（{v.window_name}）" if v.window_name else "")
    lines.append(f"首问责任人：{asker or '—'}")
    lines.append(f"处理方式：{v.disposition_label}")
    if v.referred_to_name:
        phone = f"　电话 {v.referred_to_phone}" if v.referred_to_phone else ""
        lines.append(f"承办窗口：{v.referred_to_name}{phone}")
    state = v.state_label + (f"（{v.closed_at}）" if v.closed_at else "")
    if v.case_number:
        state += f"　已受理为办件 {v.case_number}"
    lines.append(f"状态：{state}")
    return lines


class InquiryViewScreen(CounterScreen):
    """首问登记（查看）."""

    DEFAULT_CSS = """
    InquiryViewScreen #inquiry-view-body { height: 1fr; }
    InquiryViewScreen .line { height: auto; padding: 0 1; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="inquiry_view.back", show=False),
        Binding("b", "open_case", "办件", id="inquiry_view.case", show=False),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.view: Any = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(f"首问登记 {self.number}　正在读取…", classes="title", id="inquiry-view-title")
        with VerticalScroll(id="inquiry-view-body"):
            yield Static("", classes="line", id="inquiry-view-facts", markup=False)
        yield Static("", classes="error-line", id="inquiry-view-error", markup=False)
        yield Static("Esc 返回", classes="hint", id="inquiry-view-hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        show_line(self, "#inquiry-view-error", "")
        from store.inquiry_view import inquiry_view

        if self.app.session is None:
            return
        self.call_store(
            inquiry_view, self.app.session, self.number, done=InquiryViewLoaded, what="inquiry"
        )

    @on(InquiryViewLoaded)
    def _show(self, message: InquiryViewLoaded) -> None:
        v = self.view = message.view
        self.query_one("#inquiry-view-title", Static).update(
            f"首问登记 {v.number}　{v.disposition_label}·{v.state_label}"
        )
        self.query_one("#inquiry-view-facts", Static).update("\n".join(facts(v)))
        hint = "B 查看办件  Esc 返回" if v.case_number else "Esc 返回"
        self.query_one("#inquiry-view-hint", Static).update(hint)

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        show_line(self, "#inquiry-view-error", message.message)
        self.app.bell()

    def action_open_case(self) -> None:
        if self.view is None or not self.view.case_number:
            show_line(self, "#inquiry-view-error", "此登记没有受理为办件")
            return
        from tui.screens.case import open_case

        open_case(self, self.view.case_number)

    def action_back(self) -> None:
        self.app.pop_screen()
