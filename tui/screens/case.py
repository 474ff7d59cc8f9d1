"""办件: one case opened from the queue — its materials, deadline, trips, extension,
sub-tasks, notices and result — and every action on it, one letter key each (no text field
has focus on this screen). The keys offered are the actions the store says are allowed now
(store.cases.case_detail → policies.lifecycle); a key for another action says why not and
opens nothing. Each action asks in a small form (tui.screens.case_forms), runs the store
call on the store thread and reloads; a refusal shows the store's Chinese message.

The applicant's full name is shown here: the clerk opened this case on purpose (lists show
it masked).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from policies.lifecycle import ACTION_LABELS, Action
from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.screens.case_forms import (
    ChecklistForm,
    CloseForm,
    ConfirmForm,
    Done,
    ExtensionForm,
    ForwardForm,
    PickForm,
    ReasonForm,
)
from tui.widgets.footer import CounterFooter
from tui.widgets.lines import key_hint, show_line
from tui.widgets.status_bar import StatusBar

WITHDRAW_PROPOSED = "逾期未补齐容缺材料，视为放弃申请，作退件处理"

#: The key of each action, in the order the hint line lists them (labels: policies).
KEYS = tuple(
    (key, action, ACTION_LABELS[action])
    for key, action in (
        ("s", Action.SUPPLEMENT),
        ("q", Action.REQUEST_SUPPLEMENT),
        ("b", Action.CLOSE),
        ("y", Action.EXTEND),
        ("p", Action.APPROVE_EXTENSION),
        ("x", Action.REJECT_EXTENSION),
        ("t", Action.RETURN),
        ("d", Action.REFUSE),
        ("w", Action.WITHDRAW),
        ("f", Action.FORWARD),
        ("j", Action.SUBTASK),
        ("v", Action.VISIT),
        ("n", Action.NOTICE),
    )
)
assert {action for _, action, _ in KEYS} == set(Action), "every action has its key"


class CaseLoaded(Message):
    def __init__(self, detail: Any) -> None:
        super().__init__()
        self.detail = detail  # store.cases.CaseDetail


class CaseRead(CaseLoaded):
    """A case read to be opened (open_case): bubbles up to the app, which shows it."""


def open_case(node: Any, number: str) -> None:
    """Open a case: read it first, then build its screen with it. Built empty and filled
    when the read came back, the screen was laid out and drawn twice — a third of the
    time a clerk waited for a case. A refusal reaches ``node`` as StoreFailed."""
    from store.cases import case_detail
    from tui.store_calls import call_store

    if node.app.session is None:
        return
    call_store(node, case_detail, node.app.session, number, done=CaseRead, what="open-case")


def _date(day: dt.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else "—"


def _left(days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return f"已超期 {-days} 个工作日"
    if days == 0:
        return "今日到期"
    return f"剩余 {days} 个工作日"


def _title(d: Any) -> str:
    return f"办件 {d.number}　{d.item_name}（{d.item_code}，{d.window_name}）"


def offered_keys(detail: Any) -> set[str]:
    """The keys the case screen offers for ``detail``: its allowed actions."""
    allowed = detail.allowed
    return {key for key, action, _ in KEYS if action in allowed}


class CaseScreen(CounterScreen):
    """办件."""

    DEFAULT_CSS = """
    CaseScreen #case-body { height: 1fr; }
    CaseScreen .line { height: auto; padding: 0 1; }
    CaseScreen #case-materials, CaseScreen #case-notices { height: auto; max-height: 10; }
    CaseScreen #case-proposed { color: $warning; text-style: bold; }
    CaseScreen #case-done { color: $success; text-style: bold; }
    """

    #: The notices' list has the focus (Enter opens one); focusing the first focusable
    #: widget first and moving it there at mount restyled the screen twice.
    AUTO_FOCUS = "#case-notices"

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="case.back", show=False),
        *(
            Binding(key, f"act('{action}')", label, id=f"case.{action}", show=False)
            for key, action, label in KEYS
        ),
    ]

    def __init__(self, number: str, detail: Any = None) -> None:
        super().__init__()
        self.number = number
        self.detail: Any = None  # store.cases.CaseDetail, once loaded
        self._read = detail  # already read (open_case): shown at mount, not read again

    def offers_key(self, binding: Binding) -> bool:
        # The case's steps: only those allowed now (the hint's keys).
        if not (binding.id or "").startswith("case.") or binding.id == "case.back":
            return True
        return self.detail is not None and binding.key in offered_keys(self.detail)

    def compose(self) -> ComposeResult:
        yield StatusBar()
        title = _title(self._read) if self._read is not None else f"办件 {self.number}　正在读取…"
        yield Static(title, classes="title", id="case-title")
        with VerticalScroll(id="case-body"):
            yield Static("", classes="line", id="case-facts")
            yield Static("", classes="line", id="case-proposed")
            yield Static("材料", classes="line hint")
            materials = DataTable(id="case-materials", cursor_type="row", zebra_stripes=True)
            materials.can_focus = False  # read here; the case's keys act on it
            yield materials
            yield Static("", classes="line", id="case-subtasks")
            yield Static(
                "告知书（↑↓ 选择，回车查看）", classes="line hint", id="case-notices-title"
            )
            yield DataTable(id="case-notices", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="error-line", id="case-error", markup=False)
        yield Static("", classes="line", id="case-done")
        yield Static("", classes="hint", id="case-hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        materials = self.query_one("#case-materials", DataTable)
        materials.add_columns("主/辅", "状态", "材料")
        notices = self.query_one("#case-notices", DataTable)
        notices.add_column("编号", key="number")
        notices.add_column("告知书", key="title")
        notices.add_column("出具时间", key="at")
        notices.focus()
        self._say("", "")
        if self._read is not None:
            self._show(CaseLoaded(self._read))
            self._read = None
        else:
            self.reload()

    # -- loading -----------------------------------------------------------------------------
    def reload(self) -> None:
        from store.cases import case_detail

        if self.app.session is None:
            return
        self.call_store(case_detail, self.app.session, self.number, done=CaseLoaded, what="case")

    @on(CaseLoaded)
    def _show(self, message: CaseLoaded) -> None:
        d = self.detail = message.detail
        self.number = d.number
        self.query_one("#case-title", Static).update(_title(d))
        self.query_one("#case-facts", Static).update("\n".join(self._facts(d)))
        proposed = ""
        if d.renotify:
            proposed = "需重新告知：已书面告知的日期因导入工作日历而改变，按 N 出具期限更正告知书"
        elif d.proposed_action == "withdraw":
            proposed = "容缺材料逾期未补齐：建议退件（按 W 确认退件）"
        line = self.query_one("#case-proposed", Static)
        line.update(proposed)
        line.display = bool(proposed)

        materials = self.query_one("#case-materials", DataTable)
        materials.clear()
        for m in d.materials:
            name = m.name + ("（告知遗漏）" if m.omitted else "")
            materials.add_row("主件" if m.main else "辅件", m.status_label, name)

        subtasks = self.query_one("#case-subtasks", Static)
        if d.subtasks:
            parts = [
                f"{s.window_name} {'已完成' if s.state == 'done' else '未完成'}" for s in d.subtasks
            ]
            subtasks.update("联办协办窗口：" + "　".join(parts))
        subtasks.display = bool(d.subtasks)

        notices = self.query_one("#case-notices", DataTable)
        notices.clear()
        from store.clock import to_local

        for n in d.notices:
            notices.add_row(
                n.number, n.title, f"{to_local(n.issued_at):%Y-%m-%d %H:%M}", key=n.number
            )
        self.query_one("#case-notices-title", Static).update(
            "告知书（↑↓ 选择，回车查看）" if d.notices else "告知书：尚未出具（按 N 出具）"
        )
        notices.display = bool(d.notices)
        if d.notices:
            notices.focus()  # Enter reopens the notice under the cursor
        self.query_one("#case-hint", Static).update(key_hint(KEYS, d.allowed))

    def _facts(self, d: Any) -> list[str]:
        kind = d.kind_label + ("·容缺受理" if d.tolerance else "")
        who = f"申请人：{d.applicant_name or '—'}"
        if d.proxy:
            who += f"（代办人：{d.proxy_name or '—'}）"
        due = f"办结期限 {_date(d.due_date)}"
        if d.due_date is not None and (d.due_provisional or d.days_provisional):
            due += "（暂定）"
        left = "即办件已超时（当场办结时限已过）" if d.immediate_overdue else _left(d.days_left)
        lines = [
            f"{who}　类型：{kind}　状态：{d.state_label}",
            f"受理 {_date(d.received_on)}　起算 {_date(d.clock_start)}　{due}"
            + (f"　{left}" if left else ""),
        ]
        extension = f"延期：{d.extension_label or '未申请'}"
        if d.extension_state == "requested" and d.extension_requested:
            extension += f"（申请延至 {_date(d.extension_requested)}）"
        elif d.extension_state == "approved" and d.extended_until:
            extension += f"（延至 {_date(d.extended_until)}）"
        lines.append(f"跑动次数：{d.trips} 次　{extension}")
        if d.tolerance:
            lines.append(f"容缺：承诺补齐日期 {_date(d.tolerance_due)}")
        if d.kind == "escalated":
            lines.append(
                f"上报：承诺上报日期 {_date(d.forward_by)}　上级文号 {d.forward_reference or '—'}"
            )
        if d.omission:
            lines.append("一次性告知有遗漏：时限自首次补交材料起算（已记入窗口责任）")
        if d.result:
            lines.append(f"办理结果：{d.result}")
        if d.covered:
            lines.append("代岗办理：" + "；".join(d.covered[-3:]))
        return lines

    # -- messages ----------------------------------------------------------------------------
    def _say(self, error: str, done: str = "") -> None:
        show_line(self, "#case-error", error)
        show_line(self, "#case-done", done)

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self._say(message.message)
        self.app.bell()

    def _form(self, form, done_text, then=None) -> None:
        """Push a form; once its store call succeeded, say so, reload and go on."""

        def finished(result: Done | None) -> None:
            if result is None:
                return
            text = done_text(result) if callable(done_text) else done_text
            self._say("", text)
            self.reload()
            if then is not None:
                then(result)

        self._say("")
        self.app.push_screen(form, callback=finished)

    def action_act(self, action: str) -> None:
        """A case key: its action when the store allows it now, else the reason, no dialog."""
        d = self.detail
        if d is None:
            self._say("办件尚未读取完成，请稍候")
            return
        verdict = d.verdict(action)
        if verdict is None or not verdict.allowed:
            self._say(verdict.reason if verdict else f"未知的操作：{action}")
            self.app.bell()
            return
        getattr(self, f"action_{action}")()

    # -- actions -----------------------------------------------------------------------------
    def action_supplement(self) -> None:
        """补齐材料: tick what the applicant brought; name what the first notice missed."""
        from store.cases import supplement

        d = self.detail
        number = self.number
        owed = [m.name for m in d.materials if m.status != "present"] if d else []
        self._form(
            ChecklistForm(
                f"补齐材料：办件 {number}",
                owed,
                "遗漏材料（首次告知未列明的，可不填）",
                lambda session, v: supplement(session, number, v["chosen"], omitted=v["extra"]),
                note="勾选本次补交的材料（空格）。",
            ),
            lambda r: (
                "已补交："
                + ("、".join(r.values["chosen"]) or "—")
                + (f"；记录告知遗漏：{'、'.join(r.values['extra'])}" if r.values["extra"] else "")
            ),
        )

    def action_request_supplement(self) -> None:
        """通知补正: the materials owed again; the clock stops until they are in."""
        from store.cases import request_supplement

        d = self.detail
        number = self.number
        names = [m.name for m in d.materials] if d else []
        self._form(
            ChecklistForm(
                f"通知补正：办件 {number}",
                names,
                "其他需补正的材料（清单外的，可不填）",
                lambda session, v: request_supplement(session, number, [*v["chosen"], *v["extra"]]),
                note="一次性列明需补正的全部材料（空格勾选）；补齐前时限暂停。",
            ),
            "已通知补正：按 N 出具《办件通知书》",
        )

    def action_close(self) -> None:
        """办结 (准予 / 不予 with reasons), then the applicant rates the service."""
        from store.cases import close_case

        number = self.number

        def then(_result: Done) -> None:
            from tui.screens.rating import open_rating

            open_rating(self.app, case_number=number)

        self._form(
            CloseForm(
                f"办结：办件 {number}",
                lambda session, v: close_case(
                    session, number, granted=v["granted"], reasons=v["reasons"]
                ),
            ),
            lambda r: f"已办结（{'准予' if r.values['granted'] else '不予'}）",
            then,
        )

    def action_extend(self) -> None:
        """申请延期: waits for the supervisor's approval."""
        from store.cases import request_extension

        d = self.detail
        number = self.number
        self._form(
            ExtensionForm(
                f"申请延期：办件 {number}",
                lambda session, v: request_extension(
                    session, number, reason=v["reason"], new_date=v["date"]
                ),
                note=f"原办结期限 {_date(d.due_date) if d else '—'}；延期须经大厅主任批准。",
            ),
            lambda r: f"已申请延期至 {r.values['date']:%Y-%m-%d}，待主任批准",
        )

    def action_approve_extension(self) -> None:
        from store.cases import approve_extension

        d = self.detail
        number = self.number
        until = _date(d.extension_requested) if d else "—"

        def then(result: Done) -> None:
            self._offer_notice("extension", f"已批准延期：办结期限改为 {result.result:%Y-%m-%d}")

        self._form(
            ConfirmForm(
                f"批准延期：办件 {number}",
                lambda session, _v: approve_extension(session, number),
                note=f"原期限 {_date(d.due_date) if d else '—'}，申请延至 {until}。批准？",
            ),
            lambda r: f"已批准延期：办结期限 {r.result:%Y-%m-%d}",
            then,
        )

    def action_reject_extension(self) -> None:
        from store.cases import reject_extension

        number = self.number
        self._form(
            ConfirmForm(
                f"驳回延期：办件 {number}",
                lambda session, _v: reject_extension(session, number),
                note="驳回延期申请，办结期限不变？",
            ),
            "已驳回延期申请：办结期限不变",
        )

    def action_return(self) -> None:
        """转退回 with written reasons (a 否定报备 record), then the 退回件通知书."""
        from store.cases import return_case

        number = self.number
        self._form(
            ReasonForm(
                f"转退回：办件 {number}",
                "退回原因（书面告知申请人）",
                lambda session, v: return_case(session, number, reasons=v["reason"]),
                note="退回将登记否定报备，由大厅主任审核。",
            ),
            "已退回（已登记否定报备）",
            lambda _r: self._offer_notice("return", "已退回"),
        )

    def action_refuse(self) -> None:
        """不予受理: the supervisor's decision only."""
        from store.cases import refuse_case

        number = self.number
        self._form(
            ReasonForm(
                f"不予受理：办件 {number}",
                "不予受理理由",
                lambda session, v: refuse_case(session, number, reasons=v["reason"]),
            ),
            "已不予受理",
        )

    def action_withdraw(self) -> None:
        """退件 (a 容缺 material not brought in time) or 撤回 (the applicant withdraws)."""
        from store.cases import withdraw_case

        d = self.detail
        number = self.number
        proposed = d is not None and d.proposed_action == "withdraw"
        self._form(
            ReasonForm(
                f"{'退件' if proposed else '撤回'}：办件 {number}",
                "原因",
                lambda session, v: withdraw_case(session, number, reasons=v["reason"]),
                value=WITHDRAW_PROPOSED if proposed else "",
                note="承诺补齐日期已过，材料未补齐。" if proposed else "申请人撤回申请。",
            ),
            "已退件" if proposed else "已撤回",
        )

    def action_forward(self) -> None:
        """上报件: the forwarding's reference and, later, the higher authority's result."""
        from store.cases import forward_progress

        d = self.detail
        number = self.number
        self._form(
            ForwardForm(
                f"上报进度：办件 {number}",
                lambda session, v: forward_progress(
                    session,
                    number,
                    reference=v["reference"],
                    result=v["result"],
                    granted=v["granted"],
                ),
                reference=d.forward_reference if d else "",
            ),
            lambda r: "已登记上级办理结果" if r.values["result"] else "已登记上报",
        )

    def action_subtask(self) -> None:
        """联办: a participating window's part is done."""
        from store.cases import complete_subtask

        d = self.detail
        open_ = [(s.window_code, s.window_name) for s in d.subtasks if s.state != "done"]
        number = self.number
        self._form(
            PickForm(
                f"联办完成：办件 {number}",
                open_,
                lambda session, v: complete_subtask(session, number, v["value"]),
                note="选择已完成协办部分的窗口：",
            ),
            lambda r: (
                f"协办部分已完成；尚有 {r.result} 个窗口未完成"
                if r.result
                else "各协办窗口均已完成，可按 B 办结"
            ),
        )

    def action_visit(self) -> None:
        """One more visit on this case (跑动次数)."""
        from store.cases import record_visit

        number = self.number
        self._form(
            ConfirmForm(
                f"记一次来访：办件 {number}",
                lambda session, _v: record_visit(session, number),
                note="申请人为本办件又来一次（跑动次数加 1）？",
            ),
            lambda r: f"已记来访：跑动 {r.result} 次",
        )

    def action_notice(self) -> None:
        """告知书: the notice this case calls for now, previewed, printed and stored."""
        self._push_notice(self.detail.notice_kind)

    def _push_notice(self, kind: str, *, print_now: bool = False) -> None:
        from tui.screens.notice import NoticeScreen

        self.app.push_screen(
            NoticeScreen(self.number, kind, print_now=print_now), callback=lambda _r: self.reload()
        )

    def _offer_notice(self, kind: str, done: str) -> None:
        from store.cases import NOTICE_KINDS

        title = NOTICE_KINDS.get(kind, "告知书")
        self.app.push_screen(
            ConfirmForm(
                f"{done}：出具《{title}》？",
                note="回车 出具并打印，Esc 稍后（可按 N 出具）。",
            ),
            callback=lambda result: (
                self._push_notice(kind, print_now=True) if result is not None else None
            ),
        )

    # -- notices issued ----------------------------------------------------------------------
    @on(DataTable.RowSelected, "#case-notices")
    def _notice_selected(self, event: DataTable.RowSelected) -> None:
        """An issued notice, exactly as issued: shown and reprinted (补打)."""
        from tui.screens.notice import IssuedNoticeScreen

        self.app.push_screen(IssuedNoticeScreen(str(event.row_key.value)))

    def action_back(self) -> None:
        self.app.pop_screen()
