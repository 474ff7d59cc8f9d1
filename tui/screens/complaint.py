"""投诉 (F6): the complaints one may see, logging one, and taking it through its steps.

``ComplaintScreen``: the complaint officer sees every complaint (open first by due date is
the queue's job; here newest first), anyone else only the ones they logged, never the
complainant. N logs one (``ComplaintForm``; F2 首问登记 opens it prefilled with what was
typed), Enter opens one. ``ComplaintDetailScreen`` offers the steps the store allows now
(policies.complaints.allowed_steps): D 调查, J 处理决定, R 答复投诉人, B 办结, Y 延期 (a
complex complaint; then the 投诉办理延期告知书 to issue and print), G the issued notice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, DataTable, Input, Label, Static
from textual.widgets.option_list import Option

from tui.dates import hall_today
from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.screens.case_forms import ActionForm, Done, FormError, ReasonForm, _Choice, parse_date
from tui.screens.notice import IssuedNoticeScreen, NoticeScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar

HINT = "N 登记投诉　回车 打开　Esc 返回"

#: step → (key, label) on the detail screen; the order of the flow.
STEP_KEYS = {
    "investigate": ("d", "调查"),
    "decide": ("j", "处理决定"),
    "reply": ("r", "答复投诉人"),
    "close": ("b", "办结"),
    "extend": ("y", "延期"),
}

CHANNELS = {"口头": "oral", "电话": "phone", "书面": "written", "网上": "online"}


class ComplaintsLoaded(Message):
    def __init__(self, rows: Any) -> None:
        super().__init__()
        self.rows = rows


class ComplaintLoaded(Message):
    def __init__(self, view: Any) -> None:
        super().__init__()
        self.view = view


def _d(day: dt.date | None) -> str:
    return f"{day:%m-%d}" if day else "—"


def grounds_legend() -> str:
    from policies.complaints import GROUND_LABELS

    items = [f"{i}.{label}" for i, label in enumerate(GROUND_LABELS.values(), 1)]
    return "\n".join("　".join(items[i : i + 3]) for i in range(0, len(items), 3))


def parse_grounds(text: str) -> list[str]:
    """ "4 5" / "4、5" / "45" → the ground codes (numbers of grounds_legend)."""
    from policies.complaints import GROUND_LABELS

    codes = list(GROUND_LABELS)
    digits = [ch for ch in text if not ch.isspace() and ch not in "、，,;；"]
    if not digits:
        raise FormError("请填写投诉事由的编号（1–9，可多选，如 4 5）")
    out = []
    for ch in digits:
        if not ch.isdigit() or not 1 <= int(ch) <= len(codes):
            raise FormError(f"投诉事由编号应为 1–{len(codes)}：{ch}")
        out.append(codes[int(ch) - 1])
    return out


class ComplaintScreen(CounterScreen):
    """投诉登记簿."""

    DEFAULT_CSS = """
    ComplaintScreen #complaints { height: 1fr; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("n", "new", "登记", id="complaint.new", show=False),
        Binding("escape", "back", "返回", id="complaint.back", show=False),
    ]

    COLUMNS = (("投诉号", 15), ("渠道", 4), ("针对", 14), ("期限", 5), ("状态", 10), ("事由", 0))

    def __init__(self, prefill: dict | None = None) -> None:
        super().__init__()
        self.prefill = prefill

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("投诉　正在读取…", id="complaint-title", classes="title")
        yield DataTable(id="complaints", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="error-line", id="complaint-error", markup=False)
        yield Static(HINT, classes="hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        self.query_one("#complaints", DataTable).focus()
        if self.prefill is not None:
            prefill, self.prefill = self.prefill, None
            self.call_after_refresh(self.action_new, prefill)

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        from store.complaints import list_complaints

        if self.app.session is not None:
            self.call_store(list_complaints, self.app.session, done=ComplaintsLoaded, what="list")

    @on(ComplaintsLoaded)
    def _loaded(self, message: ComplaintsLoaded) -> None:
        table = self.query_one("#complaints", DataTable)
        table.clear(columns=True)
        rest = max(8, self.size.width - sum(w for _, w in self.COLUMNS) - 2 * len(self.COLUMNS) - 3)
        for label, width in self.COLUMNS:
            table.add_column(label, width=width or rest)
        waiting = overdue = 0
        for row in message.rows:
            style = "red" if row.overdue else ""
            waiting += row.state != "closed"
            overdue += row.overdue
            due = _d(row.due_date) + ("*" if row.due_provisional else "")
            table.add_row(
                *(
                    Text(c, style=style)
                    for c in (
                        row.number,
                        row.channel_label,
                        row.against,
                        due,
                        row.state_label + ("·逾期" if row.overdue else ""),
                        row.grounds_label,
                    )
                ),
                key=row.number,
            )
        title = f"投诉　{len(message.rows)} 件｜未办结 {waiting} 件"
        if overdue:
            title += f"｜逾期 {overdue} 件"
        self.query_one("#complaint-title", Static).update(title)
        self.query_one("#complaint-error", Static).update("")

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#complaint-error", Static).update(message.message)

    @on(DataTable.RowSelected, "#complaints")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(ComplaintDetailScreen(str(event.row_key.value)))

    def action_new(self, prefill: dict | None = None) -> None:
        def done(result: Done | None) -> None:
            if result is None:
                return
            row = result.result
            self.app.notify(f"已登记投诉 {row.number}，{row.due_date:%Y-%m-%d} 前答复")
            if self.app.session is not None and self.app.session.role in _officer_roles():
                self.app.push_screen(ComplaintDetailScreen(row.number))
            else:
                self.reload()

        self.app.push_screen(ComplaintForm(prefill or {}), callback=done)

    def action_back(self) -> None:
        self.app.pop_screen()


def _officer_roles() -> frozenset[str]:
    from policies.complaints import IDENTITY_ROLES

    return IDENTITY_ROLES


def _log(session: Any, values: dict) -> Any:
    from store.complaints import log_complaint

    return log_complaint(session, **values)


class ComplaintForm(ActionForm):
    """投诉登记: channel, complainant (or 匿名), against whom, grounds, what happened."""

    DEFAULT_CSS = """
    ComplaintForm .form { width: 78; }
    ComplaintForm Horizontal { height: 1; }
    ComplaintForm Label { width: auto; padding: 0 1 0 0; }
    ComplaintForm Input { width: 1fr; }
    ComplaintForm #channel { width: 6; }
    ComplaintForm #grounds-legend { height: auto; color: $text-muted; }
    ComplaintForm Checkbox { border: none; height: 1; padding: 0; width: auto; margin: 0 2 0 0; }
    """
    HINT = "Tab 下一项　空格 勾选　Ctrl+S 登记　Esc 取消　（投诉人身份保密）"

    def __init__(self, prefill: dict | None = None) -> None:
        super().__init__("投诉登记（受理时间为当前时间）", _log)
        self.prefill = prefill or {}

    def fields(self) -> ComposeResult:
        p = self.prefill
        with Horizontal():
            yield Label("渠道(口头/电话/书面/网上)")
            yield Input(p.get("channel", "口头"), id="channel", max_length=2, compact=True)
            yield Checkbox("匿名", id="anonymous", compact=True)
            yield Checkbox("较复杂(涉及多个单位)", id="complex", compact=True)
        with Horizontal():
            yield Label("投诉人")
            yield Input(p.get("name", ""), id="name", max_length=40, compact=True)
            yield Label(" 联系方式")
            yield Input(p.get("contact", ""), id="contact", max_length=40, compact=True)
        with Horizontal():
            yield Label("针对 窗口代码")
            yield Input(p.get("window", ""), id="window", max_length=32, compact=True)
            yield Label(" 工号")
            yield Input(id="staff", max_length=32, compact=True)
            yield Label(" 办件号")
            yield Input(p.get("case", ""), id="case", max_length=32, compact=True)
        yield Static(grounds_legend(), id="grounds-legend")
        with Horizontal():
            yield Label("事由编号(可多选)")
            yield Input(id="grounds", max_length=20, compact=True)
        with Horizontal():
            yield Label("投诉内容")
            yield Input(p.get("description", ""), id="description", max_length=500, compact=True)

    def on_mount(self) -> None:
        self.query_one("#name" if self.prefill else "#channel", Input).focus()

    def _text(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value.strip()

    def values(self) -> dict:
        channel = CHANNELS.get(self._text("channel"))
        if channel is None:
            raise FormError("渠道请填写：口头、电话、书面或网上")
        anonymous = self.query_one("#anonymous", Checkbox).value
        if not anonymous and not self._text("name"):
            raise FormError("请填写投诉人姓名，或勾选匿名")
        if not self._text("description"):
            raise FormError("请填写投诉内容")
        return {
            "channel": channel,
            "anonymous": anonymous,
            "complex_": self.query_one("#complex", Checkbox).value,
            "complainant_name": "" if anonymous else self._text("name"),
            "complainant_contact": self._text("contact"),
            "against_window": self._text("window") or None,
            "against_staff": self._text("staff") or None,
            "case_number": self._text("case") or None,
            "grounds": parse_grounds(self._text("grounds")),
            "description": self._text("description"),
        }


class DecideForm(ActionForm):
    """处理决定: 属实 or 不属实, and the measures."""

    CHOICES = (("投诉属实", True), ("投诉不属实", False))
    HINT = "↑↓ 属实/不属实　回车 下一项　Ctrl+S 或在处理意见栏 回车 确定　Esc 取消"

    def fields(self) -> ComposeResult:
        yield Label("调查结论")
        yield _Choice(*(Option(label) for label, _ in self.CHOICES), id="choice")
        yield Label("处理意见和措施")
        yield Input(id="measures", max_length=300, compact=True)

    def on_mount(self) -> None:
        choice = self.query_one("#choice", _Choice)
        choice.highlighted = 0
        choice.focus()

    @on(_Choice.OptionSelected, "#choice")
    def _chosen(self) -> None:
        self.query_one("#measures", Input).focus()

    def values(self) -> dict:
        index = self.query_one("#choice", _Choice).highlighted or 0
        return {
            "substantiated": self.CHOICES[index][1],
            "measures": self.query_one("#measures", Input).value.strip(),
        }


class ReplyForm(ActionForm):
    """答复投诉人: how, when (today unless typed), what was said."""

    HINT = "↑↓ 答复方式　回车 下一项　Ctrl+S 或在最后一栏 回车 确定　Esc 取消"

    def __init__(self, title: str, run: Any, today: dt.date) -> None:
        super().__init__(title, run)
        self.today = today

    def fields(self) -> ComposeResult:
        from policies.complaints import REPLY_LABELS

        yield Label("答复方式")
        yield _Choice(*(Option(label, id=code) for code, label in REPLY_LABELS.items()), id="how")
        yield Label("答复日期（YYYY-MM-DD）")
        yield Input(f"{self.today:%Y-%m-%d}", id="on", max_length=10, compact=True)
        yield Label("答复内容（可空）")
        yield Input(id="note", max_length=300, compact=True)

    def on_mount(self) -> None:
        how = self.query_one("#how", _Choice)
        how.highlighted = 0
        how.focus()

    @on(_Choice.OptionSelected, "#how")
    def _chosen(self) -> None:
        self.query_one("#on", Input).focus()

    def values(self) -> dict:
        how = self.query_one("#how", _Choice)
        option = how.get_option_at_index(how.highlighted or 0)
        return {
            "how": option.id,
            "replied_on": parse_date(
                self.query_one("#on", Input).value, "答复日期", today=hall_today(self.app)
            ),
            "note": self.query_one("#note", Input).value.strip(),
        }


class CloseComplaintForm(ActionForm):
    """办结: the complainant's satisfaction with the handling."""

    BINDINGS = [Binding("enter", "submit", "确定", id="form.confirm", show=False)]  # noqa: RUF012
    HINT = "↑↓ 满意度　回车 办结　Esc 取消"

    def fields(self) -> ComposeResult:
        from policies.complaints import SATISFACTION_LABELS

        yield Label("投诉人对处理的满意度")
        yield _Choice(
            *(Option(label, id=code) for code, label in SATISFACTION_LABELS.items()), id="level"
        )

    def on_mount(self) -> None:
        level = self.query_one("#level", _Choice)
        level.highlighted = 0
        level.focus()

    @on(_Choice.OptionSelected, "#level")
    def _chosen(self) -> None:
        self.action_submit()

    def values(self) -> dict:
        level = self.query_one("#level", _Choice)
        return {"satisfaction": level.get_option_at_index(level.highlighted or 0).id}


class ComplaintDetailScreen(CounterScreen):
    """One complaint, and the steps the one looking may take now."""

    DEFAULT_CSS = """
    ComplaintDetailScreen #complaint-scroll { height: 1fr; padding: 0 1; }
    ComplaintDetailScreen #complaint-done { height: auto; color: $success; text-style: bold; }
    """

    BINDINGS = [  # noqa: RUF012
        *(
            Binding(key, step, label, id=f"complaint.{step}", show=False)
            for step, (key, label) in STEP_KEYS.items()
        ),
        Binding("g", "notice", "告知书", id="complaint.notice", show=False),
        Binding("escape", "back", "返回", id="complaint.detail_back", show=False),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.view: Any = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(f"投诉 {self.number}", id="complaint-heading", classes="title")
        with VerticalScroll(id="complaint-scroll"):
            yield Static("正在读取…", id="complaint-body", markup=False)
        yield Static("", id="complaint-done", markup=False)
        yield Static("", classes="error-line", id="complaint-error", markup=False)
        yield Static("Esc 返回", id="complaint-hint", classes="hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        self.query_one("#complaint-scroll", VerticalScroll).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        from store.complaints import complaint_detail

        self.call_store(
            complaint_detail, self.app.session, self.number, done=ComplaintLoaded, what="view"
        )

    @on(ComplaintLoaded)
    def _loaded(self, message: ComplaintLoaded) -> None:
        self.view = v = message.view
        kind = "较复杂" if v.complex else "一般"
        self.query_one("#complaint-heading", Static).update(
            f"投诉 {v.number}　{v.state_label}　{v.channel_label}·{kind}"
            + ("·已延期" if v.extended else "")
        )
        due = f"{v.due_date:%Y-%m-%d}" if v.due_date else "—"
        if v.due_provisional:
            due += "（暂定）"
        if v.overdue:
            due += "（已逾期）"
        lines = [
            f"受理时间：{v.received_at:%Y-%m-%d %H:%M}　答复期限：{due}",
            f"投诉人：{v.complainant_name}　联系方式：{v.complainant_contact or '—'}",
            f"针对：{v.against}",
            f"事由：{v.grounds_label}",
            f"投诉内容：{v.description}",
        ]
        if v.extension_reason:
            lines.append(f"延期理由：{v.extension_reason}")
        if v.findings:
            lines.append(f"调查情况：{v.findings}")
        if v.substantiated is not None:
            verdict = "属实" if v.substantiated else "不属实"
            lines.append(f"处理决定：投诉{verdict}；{v.measures}")
        if v.replied_on:
            note = f"；{v.reply_note}" if v.reply_note else ""
            lines.append(f"答复：{v.replied_on:%Y-%m-%d} {v.reply_how_label}答复{note}")
        if v.satisfaction_label:
            lines.append(f"满意度：{v.satisfaction_label}")
        if v.notices:
            lines.append("已出具延期告知书：" + "、".join(v.notices))
        if not v.identity_shown:
            lines.append("（投诉人身份和投诉内容仅投诉受理人可见）")
        self.query_one("#complaint-body", Static).update("\n".join(lines))
        keys = [f"{STEP_KEYS[s][0].upper()} {STEP_KEYS[s][1]}" for s in v.steps]
        if v.notices or (v.extended and v.identity_shown):
            keys.append("G 延期告知书")
        self.query_one("#complaint-hint", Static).update("　".join([*keys, "Esc 返回"]))
        self.query_one("#complaint-error", Static).update("")

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#complaint-error", Static).update(message.message)

    def _done(self, text: str) -> None:
        self.query_one("#complaint-done", Static).update(text)

    def _can(self, step: str) -> bool:
        if self.view is None:
            return False
        if step not in self.view.steps:
            label = STEP_KEYS[step][1]
            self.app.notify(f"此投诉现在不能「{label}」", severity="warning")
            return False
        return True

    def _push(self, step: str, form: ActionForm, said: str) -> None:
        if not self._can(step):
            return

        def done(result: Done | None) -> None:
            if result is not None:
                self._done(said)

        self.app.push_screen(form, callback=done)

    def action_investigate(self) -> None:
        from store.complaints import investigate_complaint

        number = self.number
        self._push(
            "investigate",
            ReasonForm(
                f"调查：投诉 {number}",
                "调查情况",
                lambda session, v: investigate_complaint(session, number, v["reason"]),
            ),
            f"已记录调查情况：投诉 {number}",
        )

    def action_decide(self) -> None:
        from store.complaints import decide_complaint

        number = self.number
        self._push(
            "decide",
            DecideForm(
                f"处理决定：投诉 {number}",
                lambda session, v: decide_complaint(
                    session, number, substantiated=v["substantiated"], measures=v["measures"]
                ),
            ),
            f"已作出处理决定：投诉 {number}",
        )

    def action_reply(self) -> None:
        from store.clock import local_date
        from store.complaints import reply_complaint

        number = self.number
        today = local_date(self.app.session.now())
        self._push(
            "reply",
            ReplyForm(
                f"答复投诉人：投诉 {number}",
                lambda session, v: reply_complaint(
                    session, number, how=v["how"], note=v["note"], replied_on=v["replied_on"]
                ),
                today,
            ),
            f"已答复投诉人：投诉 {number}",
        )

    def action_close(self) -> None:
        from store.complaints import close_complaint

        number = self.number
        self._push(
            "close",
            CloseComplaintForm(
                f"办结：投诉 {number}",
                lambda session, v: close_complaint(session, number, satisfaction=v["satisfaction"]),
            ),
            f"已办结：投诉 {number}",
        )

    def action_extend(self) -> None:
        from store.complaints import extend_complaint

        if not self._can("extend"):
            return
        number = self.number

        def done(result: Done | None) -> None:
            if result is None:
                return
            self._done(f"已延期至 {result.result.due_date:%Y-%m-%d}：出具延期告知书告知投诉人")
            self.app.push_screen(ComplaintNoticeScreen(number))

        self.app.push_screen(
            ReasonForm(
                f"延期：投诉 {number}",
                "延期理由（告知投诉人）",
                lambda session, v: extend_complaint(session, number, v["reason"]),
                note="较复杂的投诉可延期一次，答复期限延至受理后 15 个工作日（按政策设置）。",
            ),
            callback=done,
        )

    def action_notice(self) -> None:
        v = self.view
        if v is None or not v.identity_shown:
            return
        if v.notices:
            self.app.push_screen(ComplaintIssuedNoticeScreen(v.notices[-1]))
        elif v.extended:
            self.app.push_screen(ComplaintNoticeScreen(self.number))
        else:
            self.app.notify("该投诉未延期，没有延期告知书", severity="warning")

    def action_back(self) -> None:
        self.app.pop_screen()


class ComplaintNoticeScreen(NoticeScreen):
    """投诉办理延期告知书: previewed, issued sealed (Ctrl+S), printed (Ctrl+P)."""

    def __init__(self, complaint_number: str) -> None:
        super().__init__(complaint_number, "complaint_extension")
        from store.complaints import record_complaint_printed

        self._record_printed = record_complaint_printed

    def _heading(self) -> str:
        return f"《投诉办理延期告知书》　投诉号 {self.case_number}"

    def _fetch(self, session: Any) -> Any:
        from store.complaints import preview_extension_notice

        return preview_extension_notice(session, self.case_number)

    def _issue_in_store(self, session: Any) -> Any:
        from store.complaints import issue_extension_notice

        return issue_extension_notice(session, self.case_number)


class ComplaintIssuedNoticeScreen(IssuedNoticeScreen):
    """An issued complaint notice, shown and reprinted exactly as issued."""

    def __init__(self, notice_number: str) -> None:
        super().__init__(notice_number)
        from store.complaints import record_complaint_printed

        self._record_printed = record_complaint_printed

    def _fetch(self, session: Any) -> Any:
        from store.complaints import complaint_notice

        return complaint_notice(session, self.number)
