"""AB岗交接 (F5): one's absences and covers — register an absence, take over on one's own
initiative, review and confirm a handover, hand back (收岗) and see what was done meanwhile.
Which steps each one may take comes from the store (policies.handover); the screen offers
those keys only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from policies.handover import ABSENCE_LABELS, HandoverAction, step_label
from tui.dates import hall_today
from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.screens.case_forms import ActionForm, Done, FormError, _Choice, parse_date
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar

#: The key of each step on the detail screen.
STEP_KEYS: dict[str, str] = {
    HandoverAction.CONFIRM: "y",
    HandoverAction.HAND_BACK: "h",
    HandoverAction.ACCEPT_RETURN: "c",
    HandoverAction.CANCEL: "x",
    HandoverAction.APPROVE: "a",
    HandoverAction.REFUSE: "d",
}


class HandoversLoaded(Message):
    def __init__(self, rows: list[Any]) -> None:
        super().__init__()
        self.rows = rows


class DetailLoaded(Message):
    def __init__(self, result: tuple[Any, Any]) -> None:
        super().__init__()
        self.view, self.summary = result


def _period(view) -> str:
    if view.starts_on == view.ends_on:
        return f"{view.starts_on:%m-%d}"
    return f"{view.starts_on:%m-%d}至{view.ends_on:%m-%d}"


def _who(number: str | None, name: str | None) -> str:
    if number is None:
        return "（待指定）"
    return f"{name or ''}{number}" if name and name != number else number


class HandoverScreen(CounterScreen):
    """AB岗交接: the handovers one is in, newest open first."""

    BINDINGS = [  # noqa: RUF012
        Binding("n", "register", "登记离岗", id="handover.register"),
        Binding("t", "take_over", "主动顶岗", id="handover.take_over"),
        Binding("p", "roster", "岗位安排", id="handover.roster"),
        Binding("escape", "back", "返回", id="handover.back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("AB岗交接", classes="title", id="handover-title")
        yield DataTable(id="handovers", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="error-line", id="handover-error", markup=False)
        yield Static(
            "回车 查看与办理　N 登记离岗　T 主动顶岗　P 岗位安排　Esc 返回", classes="hint"
        )
        yield CounterFooter()

    def on_mount(self) -> None:
        table = self.query_one("#handovers", DataTable)
        # 80 columns: the reason is on the detail screen.
        for label, width in (
            ("交接单号", 15),
            ("离岗人", 10),
            ("顶岗人", 10),
            ("期间", 12),
            ("状态", 13),
            ("项数", 4),
        ):
            table.add_column(label, width=width)
        table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        from store.handover import my_handovers

        self.call_store(my_handovers, self.app.session, done=HandoversLoaded, what="handovers")

    @on(HandoversLoaded)
    def _show(self, message: HandoversLoaded) -> None:
        table = self.query_one("#handovers", DataTable)
        table.clear()
        self.rows = {}
        for view in message.rows:
            state = view.state_label + ("·逾期" if view.overdue_return else "")
            table.add_row(
                view.number,
                _who(view.from_number, view.from_name),
                _who(view.to_number, view.to_name),
                _period(view),
                state,
                str(view.item_count),
                key=view.number,
            )
            self.rows[view.number] = view
        title = "AB岗交接" if message.rows else "AB岗交接：暂无离岗或代岗（按 N 登记离岗）"
        self.query_one("#handover-title", Static).update(title)

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#handover-error", Static).update(message.message)

    @on(DataTable.RowSelected, "#handovers")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(HandoverDetailScreen(str(event.row_key.value)))

    def action_register(self) -> None:
        self.app.push_screen(AbsenceForm(), callback=self._registered)

    def _registered(self, done: Done | None) -> None:
        if done is None:
            return
        view = done.result
        said = f"已登记离岗 {view.number}：{view.state_label}"
        if view.late:
            said += "（登记晚于规定的提前时间，已记录）"
        if view.approval == "pending":
            said += f"，须{view.approver}批准"
        self.app.notify(said, timeout=8)
        self.reload()

    def action_take_over(self) -> None:
        self.app.push_screen(TakeOverForm(), callback=self._taken)

    def _taken(self, done: Done | None) -> None:
        if done is None:
            return
        view = done.result
        self.app.notify(
            f"已主动顶岗 {view.number}：接手 {view.item_count} 项，已报大厅主任", timeout=8
        )
        self.app.push_screen(HandoverDetailScreen(view.number))

    def action_roster(self) -> None:
        from tui.screens.roster import RosterScreen

        self.app.push_screen(RosterScreen())

    def action_back(self) -> None:
        self.app.pop_screen()


class HandoverDetailScreen(CounterScreen):
    """One handover: who, when, why, the items handed over, and — once handed back — what
    the coverer did in the period (from the audit chain)."""

    BINDINGS = [  # noqa: RUF012
        *(
            Binding(key, f"step('{step}')", step_label(step), id=f"handover.{step}", show=False)
            for step, key in STEP_KEYS.items()
        ),
        Binding("escape", "back", "返回", id="handover.detail.back", show=False),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.view = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(f"交接单 {self.number}", classes="title", id="detail-title")
        yield Static("", id="detail-facts", markup=False)
        yield DataTable(id="detail-items", cursor_type="row", zebra_stripes=True)
        yield Static("", id="detail-done-title", markup=False)
        yield DataTable(id="detail-done", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="error-line", id="detail-error", markup=False)
        yield Static("", classes="hint", id="detail-hint", markup=False)
        yield CounterFooter()

    def on_mount(self) -> None:
        items = self.query_one("#detail-items", DataTable)
        for label, width in (("类别", 8), ("编号", 15), ("状态", 10), ("期限", 6), ("归属", 6)):
            items.add_column(label, width=width)
        done = self.query_one("#detail-done", DataTable)
        for label, width in (("时间", 11), ("办理", 14), ("编号", 15)):
            done.add_column(label, width=width)
        done.display = False
        items.focus()
        self.reload()

    def reload(self) -> None:
        self.call_store(
            _detail_and_summary, self.app.session, self.number, done=DetailLoaded, what="detail"
        )

    @on(DetailLoaded)
    def _show(self, message: DetailLoaded) -> None:
        view = self.view = message.view
        lines = [
            f"离岗人 {_who(view.from_number, view.from_name)}　→　顶岗人 "
            f"{_who(view.to_number, view.to_name)}　{view.window_name}",
            f"{view.mode_label}｜{view.absence_label}｜{_period(view)}｜{view.state_label}"
            + ("｜期满未收岗" if view.overdue_return else ""),
        ]
        if view.late:
            lines.append("登记晚于规定的提前时间（已记录）")
        if view.approval == "pending":
            lines.append(f"须{view.approver}批准后方可交接")
        if view.reason:
            lines.append(f"原因：{view.reason}")
        if view.note:
            lines.append(f"说明：{view.note}")
        self.query_one("#detail-facts", Static).update("\n".join(lines))
        items = self.query_one("#detail-items", DataTable)
        items.clear()
        for item in view.items:
            items.add_row(
                item.type_label,
                item.number,
                item.state_label,
                f"{item.due:%m-%d}" if item.due else "",
                item.owner,
                key=item.number,
            )
        self._show_summary(message.summary)
        keys = [f"{STEP_KEYS[s].upper()} {step_label(s)}" for s in view.actions if s in STEP_KEYS]
        hint = "　".join([*keys, "回车 打开办件", "Esc 返回"])
        self.query_one("#detail-hint", Static).update(hint)

    def _show_summary(self, summary) -> None:
        done = self.query_one("#detail-done", DataTable)
        title = self.query_one("#detail-done-title", Static)
        if summary is None:
            done.display = False
            title.update(f"交接事项 {len(self.view.items)} 项")
            return
        done.display = True
        done.clear()
        for entry in summary.done:
            done.add_row(f"{entry.at:%m-%d %H:%M}", entry.action_label, entry.record)
        title.update(
            f"代岗期间办理 {len(summary.done)} 次｜交接事项已办结 {len(summary.closed)} 项，"
            f"仍未办结 {len(summary.still_open)} 项"
        )

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#detail-error", Static).update(message.message)
        self.app.bell()

    @on(DataTable.RowSelected, "#detail-items")
    def _open_item(self, event: DataTable.RowSelected) -> None:
        number = str(event.row_key.value)
        item = next((i for i in self.view.items if i.number == number), None) if self.view else None
        if item is None or item.type not in ("case", "supplement"):
            self.query_one("#detail-error", Static).update("督办和回访事项请在 F4 办件中打开")
            return
        from tui.screens.case import open_case

        open_case(self, number)

    def action_step(self, step: str) -> None:
        view = self.view
        if view is None:
            return
        if step not in view.actions:
            self.query_one("#detail-error", Static).update(
                f"交接处于「{view.state_label}」，您现在不能「{step_label(HandoverAction(step))}」"
            )
            self.app.bell()
            return
        from tui.screens.case_forms import ConfirmForm

        question = {
            HandoverAction.CONFIRM: f"已核对交接的 {view.item_count} 项，确认接岗？"
            "（确认后即以代岗身份办理，全程留痕）",
            HandoverAction.HAND_BACK: "收岗：把代岗的工作交回离岗人？",
            HandoverAction.ACCEPT_RETURN: "已查看代岗期间的办理情况，确认收岗？",
            HandoverAction.CANCEL: "撤销这次离岗登记？",
            HandoverAction.APPROVE: "批准这次离岗？",
            HandoverAction.REFUSE: "不批准这次离岗？",
        }[HandoverAction(step)]
        self.app.push_screen(
            ConfirmForm(
                f"{step_label(HandoverAction(step))}：{view.number}",
                _step(step, view.number),
                note=question,
            ),
            callback=self._stepped,
        )

    def _stepped(self, done: Done | None) -> None:
        if done is not None:
            self.app.notify("已保存")
            self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()


def _step(step: str, number: str):
    """The store call of a step on one handover, as a form runs it: (session, values)."""

    def run(session, values: dict):
        from store import handover

        return {
            HandoverAction.CONFIRM: handover.confirm_handover,
            HandoverAction.HAND_BACK: handover.hand_back,
            HandoverAction.ACCEPT_RETURN: handover.accept_return,
            HandoverAction.CANCEL: handover.cancel_handover,
            HandoverAction.APPROVE: handover.approve_absence,
            HandoverAction.REFUSE: handover.refuse_absence,
        }[HandoverAction(step)](session, number)

    return run


def _detail_and_summary(session, number: str):
    """On the store thread: the handover, and what was done for the absent clerk once the
    cover has run (active, returned or ended)."""
    from store.handover import handover_detail, return_summary

    view = handover_detail(session, number)
    summary = None
    if view.state in ("active", "returned", "ended"):
        summary = return_summary(session, number)
    return view, summary


class AbsenceForm(ActionForm):
    """登记离岗: why, from and to, who covers (blank: the B post), a note."""

    REASONS = tuple(ABSENCE_LABELS.items())
    HINT = "↑↓ 选原因　回车 下一项　Ctrl+S 或在说明栏 回车 登记　Esc 取消"

    def __init__(self) -> None:
        super().__init__("登记离岗（AB岗交接）", _register_absence)

    def fields(self) -> ComposeResult:
        from textual.widgets.option_list import Option

        yield Label("离岗原因")
        yield _Choice(*(Option(label) for _, label in self.REASONS), id="absence")
        yield Label("开始日期（YYYY-MM-DD）")
        yield Input(id="starts", max_length=10, compact=True)
        yield Label("结束日期（YYYY-MM-DD）")
        yield Input(id="ends", max_length=10, placeholder="YYYY-MM-DD", compact=True)
        yield Label("顶岗人工号（留空：本窗口 B 岗）")
        yield Input(id="to", max_length=32, compact=True)
        yield Label("说明")
        yield Input(id="note", max_length=200, compact=True)

    def on_mount(self) -> None:
        from store.clock import local_date

        today = local_date(self.app.session.now())
        self.query_one("#starts", Input).value = f"{today + dt.timedelta(days=1):%Y-%m-%d}"
        choice = self.query_one("#absence", _Choice)
        choice.highlighted = 0
        choice.focus()

    @on(_Choice.OptionSelected, "#absence")
    def _chosen(self) -> None:
        self.query_one("#starts", Input).focus()

    def values(self) -> dict:
        today = hall_today(self.app)
        starts = parse_date(self.query_one("#starts", Input).value, "开始日期", today=today)
        ends_text = self.query_one("#ends", Input).value
        ends = parse_date(ends_text, "结束日期", today=today) if ends_text.strip() else starts
        if ends < starts:
            raise FormError("结束日期不能早于开始日期")
        index = self.query_one("#absence", _Choice).highlighted or 0
        return {
            "absence": self.REASONS[index][0],
            "starts_on": starts,
            "ends_on": ends,
            "to_number": self.query_one("#to", Input).value.strip() or None,
            "note": self.query_one("#note", Input).value.strip(),
        }


def _register_absence(session, values: dict):
    from store.handover import register_absence

    return register_absence(session, **values)


class TakeOverForm(ActionForm):
    """主动顶岗: whom, why, until when (today by default)."""

    HINT = "回车 下一项　在最后一栏 回车 顶岗　Esc 取消"

    def __init__(self) -> None:
        super().__init__(
            "主动顶岗（未交接的离岗）",
            _take_over,
            note="离岗人未交接且到规定时间仍未到岗时，由 B 岗主动顶岗，并报大厅主任",
        )

    def fields(self) -> ComposeResult:
        yield Label("离岗人工号")
        yield Input(id="from", max_length=32, compact=True)
        yield Label("原因")
        yield Input(id="reason", max_length=200, compact=True)
        yield Label("顶岗至（YYYY-MM-DD，留空：今天）")
        yield Input(id="until", max_length=10, compact=True)

    def on_mount(self) -> None:
        self.query_one("#from", Input).focus()

    def values(self) -> dict:
        number = self.query_one("#from", Input).value.strip()
        if not number:
            raise FormError("请填写离岗人工号")
        until = self.query_one("#until", Input).value
        return {
            "from_number": number,
            "reason": self.query_one("#reason", Input).value.strip(),
            "ends_on": parse_date(until, "顶岗至", today=hall_today(self.app), future=True)
            if until.strip()
            else None,
        }


def _take_over(session, values: dict):
    from store.handover import take_over

    return take_over(
        session, values["from_number"], reason=values["reason"], ends_on=values["ends_on"]
    )


def show_login_notices(app, notices) -> None:
    """At login: each AB岗 notice as a message; a handover to confirm, or one handed back,
    opens at once (B reviews A's items; A sees what B did)."""
    for notice in notices:
        app.notify(notice.text, title="AB岗", timeout=20)
    first = next((n for n in notices if n.kind in ("confirm", "returned")), None)
    if first is not None:
        app.push_screen(HandoverDetailScreen(first.handover))
