"""大厅看板: the supervisor's home screen (F4 for a supervisor). Every window at a glance —
who holds A and B, who is at the window now, absences, open and overdue cases, 无人在岗 as
an alarm — and the queues that wait for the supervisor, one section each (1–7, or Tab):
extension requests, 否定报备, 报主任 inquiries, absences to approve, covers (taken without a
handover, past their end, or nobody's), open cases by escalation level; 8 信访: serious,
urgent or collective petitions (an alarm at once, red in the summary, until A 知悉) and
overdue ones.

Each decision is one key on the selected row and one confirmation (a small form: Enter
confirms, Esc cancels; a comment where the decision needs one); the store records it in
the audit chain, and the board reloads. The hall's queue stays one key away (Q).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Label, Static

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.screens.case_forms import (
    ActionForm,
    ConfirmForm,
    Done,
    FormError,
    PickForm,
    ReasonForm,
)
from tui.screens.home import urgency_style
from tui.screens.records import fit as _fit
from tui.widgets.footer import CounterFooter
from tui.widgets.lines import show_line
from tui.widgets.status_bar import StatusBar

#: The board's sections: (key, short label for the section bar).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("windows", "窗口"),
    ("extensions", "延期"),
    ("refusals", "复核"),  # 否定报备, and 差评 appeals (申诉复核)
    ("escalated", "报主任"),
    ("approvals", "请假"),
    ("covers", "代岗"),
    ("overdue", "逾期"),
    ("petitions", "信访"),
)

#: Columns of each section: (label, width); width 0 takes what the terminal has left.
COLUMNS: dict[str, tuple[tuple[str, int], ...]] = {
    "windows": (
        ("窗口", 10),
        ("A岗", 11),
        ("B岗", 11),
        ("在岗", 8),
        ("在办", 4),
        ("逾期", 4),
        ("提示", 0),
    ),
    "extensions": (
        ("办件号", 15),
        ("窗口", 8),
        ("经办人", 6),
        ("原期限", 6),
        ("延至", 6),
        ("理由", 0),
    ),
    "refusals": (
        ("办件号", 15),
        ("类别", 8),
        ("经办人", 6),
        ("登记", 11),
        ("理由", 0),
    ),
    "escalated": (
        ("登记号", 15),
        ("时间", 11),
        ("渠道", 4),
        ("首问人", 6),
        ("来访人", 6),
        ("事项", 0),
    ),
    "approvals": (
        ("交接单号", 15),
        ("离岗人", 6),
        ("窗口", 8),
        ("原因", 4),
        ("期间", 11),
        ("审批", 8),
        ("顶岗人", 0),
    ),
    "covers": (
        ("交接单/工号", 15),
        ("类别", 8),
        ("离岗人", 6),
        ("顶岗人", 6),
        ("期间", 11),
        ("原因", 0),
    ),
    "overdue": (
        ("级别", 6),
        ("办件号", 15),
        ("窗口", 8),
        ("经办人", 6),
        ("期限", 5),
        ("剩余", 6),
        ("事项", 0),
    ),
    "petitions": (
        ("信访号", 15),
        ("警报", 10),
        ("来访人", 6),
        ("登记", 11),
        ("期限", 5),
        ("承办", 0),
    ),
}

#: What the hint line offers in each section (the keys are the screen's bindings).
HINTS: dict[str, str] = {
    "windows": "Z 指定顶岗　Q 大厅办件",
    "extensions": "A 批准　X 驳回　回车 打开办件",
    "refusals": "否定报备：A 同意　O 改判｜差评申诉：A 成立　X 驳回｜回车 打开",
    "escalated": "A 指派窗口",
    "approvals": "A 批准　X 不批准（须写理由）",
    "covers": "A 已阅（未交接的顶岗）　Z 指定顶岗（无人接手）",
    "overdue": "回车 打开办件",
    "petitions": "A 知悉警报　回车 打开信访",
}

LEVEL_SHORT = {"head": "报领导", "supervisor": "报主任", "warn": "临期"}
HOLDER_SHORT = {
    "here": "在岗",
    "elsewhere": "他窗",
    "away": "离岗",
    "signed_out": "签退",
    "not_in": "未到",
    "vacant": "",
}


class BoardLoaded(Message):
    def __init__(self, board: Any) -> None:
        super().__init__()
        self.board = board  # store.board.Board


def _d(day: dt.date | None) -> str:
    return f"{day:%m-%d}" if day else "—"


def _period(view) -> str:
    if view.starts_on == view.ends_on:
        return _d(view.starts_on)
    return f"{view.starts_on:%m-%d}至{view.ends_on:%m-%d}"


def _who(ref) -> str:
    """A staff reference as 王*英(1001); "—" for nobody."""
    if ref is None:
        return "—"
    return f"{ref.name}({ref.number})" if ref.name != ref.number else ref.number


def _person(number: str | None, name: str | None) -> str:
    if number is None:
        return "（待指定）"
    return name or number


def _left(days: int | None) -> str:
    if days is None:
        return ""
    if days < 0:
        return f"超{-days}天"
    return "今日" if days == 0 else f"{days}天"


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


class BoardScreen(CounterScreen):
    """大厅看板."""

    DEFAULT_CSS = """
    BoardScreen #board-summary { height: auto; padding: 0 1; }
    BoardScreen #board-sections { height: 1; padding: 0 1; }
    BoardScreen #board-detail { height: auto; max-height: 3; padding: 0 1; }
    BoardScreen #board-done { height: auto; padding: 0 1; color: $success; text-style: bold; }
    """

    BINDINGS = [  # noqa: RUF012
        *(
            Binding(
                str(i), f"section('{key}')", f"看{label}", id=f"board.section.{key}", show=False
            )
            for i, (key, label) in enumerate(SECTIONS, start=1)
        ),
        Binding("tab", "next_section(1)", "下一栏", id="board.next", show=False),
        Binding("shift+tab", "next_section(-1)", "上一栏", id="board.previous", show=False),
        Binding("a", "approve", "批准/同意", id="board.approve", show=False),
        Binding("x", "refuse", "驳回/不批准", id="board.refuse", show=False),
        Binding("o", "overturn", "改判", id="board.overturn", show=False),
        Binding("z", "assign_cover", "指定顶岗", id="board.assign_cover", show=False),
        Binding("q", "hall_queue", "大厅办件", id="board.queue", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: Any = None
        self._loading = False
        self.section = "windows"
        self.rows: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("大厅看板　正在读取…", id="board-summary")
        yield Static("", id="board-sections")
        yield DataTable(id="board-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="board-detail", markup=False)
        yield Static("", classes="error-line", id="board-error", markup=False)
        yield Static("", id="board-done", markup=False)
        yield Static("", classes="hint", id="board-hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        show_line(self, "#board-error", "")
        show_line(self, "#board-done", "")
        self.query_one("#board-table", DataTable).focus()
        self._show_sections()

    def on_screen_resume(self) -> None:
        # First shown, or back from a form or a case: what waits may have changed.
        self.reload()

    def on_resize(self) -> None:
        if self.board is not None:
            self._fill()

    # -- loading -------------------------------------------------------------------------
    def reload(self) -> None:
        from store.board import board

        # Back from another screen with F4: the resume has asked already (one read, not two
        # in a row on the store thread).
        if self.app.session is None or self._loading:
            return
        self._loading = True
        self.call_store(board, self.app.session, done=BoardLoaded, what="board")

    @on(BoardLoaded)
    def _loaded(self, message: BoardLoaded) -> None:
        self._loading = False
        self.board = message.board
        show_line(self, "#board-error", "")
        self._summary()
        self._fill()
        self.query_one(StatusBar).refresh_status(self.board.calendar_warning or "")

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self._loading = False
        show_line(self, "#board-error", message.message)

    # -- drawing -------------------------------------------------------------------------
    def _count(self, section: str) -> int:
        b = self.board
        if b is None:
            return 0
        return {
            "windows": len(b.nobody),
            "extensions": b.extensions.total,
            "refusals": b.refusals.total + b.appeals.total,
            "escalated": b.escalated.total,
            "approvals": b.approvals.total,
            "covers": b.covers.total + b.overdue_returns.total + len(b.orphans),
            "overdue": b.level("head") + b.level("supervisor") + b.late_followups.total,
            "petitions": b.petitions.alarm_total + b.petitions.overdue_total,
        }[section]

    def _show_sections(self) -> None:
        texts = []
        for i, (key, label) in enumerate(SECTIONS, start=1):
            count = self._count(key)
            texts.append((f"{i}{label}" + (f"·{count}" if count else ""), key))
        # Eight sections fit 80 columns only without the padding around each.
        padded = sum(Text(t).cell_len + 3 for t, _ in texts) <= self.size.width - 2
        parts: list[Any] = []
        for text, key in texts:
            style = "reverse bold" if key == self.section else ""
            if parts:
                parts.append(" ")
            parts.append((f" {text} " if padded else text, style))
        self.query_one("#board-sections", Static).update(Text.assemble(*parts))
        self.query_one("#board-hint", Static).update(
            f"{HINTS[self.section]}　1–{len(SECTIONS)}/Tab 切换　F4 刷新"
        )

    def _summary(self) -> None:
        b = self.board
        nobody = b.nobody
        alarm = (
            f"无人在岗 {len(nobody)} 个窗口："
            + "、".join(w.name.removesuffix("窗口") for w in nobody)
            if nobody
            else "各窗口均有人在岗"
        )
        head, sup, warn = b.level("head"), b.level("supervisor"), b.level("warn")
        line2 = f"逾期 {head + sup} 件（报领导 {head}）｜临期 {warn} 件"
        if b.orphans:
            line2 += f"｜无人接手 {len(b.orphans)} 人"
        if b.complaints.total:  # 投诉 not answered in time (F6: the complaint officer's)
            line2 += f"｜投诉逾期 {b.complaints.total} 件"
        style = urgency_style(self.app, "overdue") if nobody else ""
        petitions = b.petitions
        text = Text.assemble(
            (f"大厅看板 {b.at:%m-%d %H:%M}　", "bold"),
            (_fit(alarm, max(20, self.size.width - 40)), style),
            "\n",
            line2,
            (f"｜信访逾期 {petitions.overdue_total} 件" if petitions.overdue_total else ""),
        )
        if petitions.alarm_total:  # 信访警报: at once, red, until the supervisor has seen it
            kinds = sorted({k for r in petitions.alarms for k in r.alarm}, key="重大紧急集体".find)
            text.append(
                f"\n信访警报 {petitions.alarm_total} 件（{'、'.join(kinds)}）：按 8 查看，A 知悉",
                style=urgency_style(self.app, "overdue") + " bold",
            )
        self.query_one("#board-summary", Static).update(text)

    def _rest(self, columns) -> int:
        fixed = sum(width for _, width in columns) + 2 * len(columns)
        return max(8, self.size.width - fixed - 3)

    def _fill(self) -> None:
        table = self.query_one("#board-table", DataTable)
        was = table.cursor_row if table.row_count else 0
        table.clear(columns=True)
        columns = COLUMNS[self.section]
        rest = self._rest(columns)
        widths = [width or rest for _, width in columns]
        for (label, _), width in zip(columns, widths, strict=True):
            table.add_column(label, width=width)
        self.rows = {}
        if self.board is not None:
            for key, cells, style, row in getattr(self, f"_rows_{self.section}")():
                table.add_row(
                    *(Text(_fit(c, w), style=style) for c, w in zip(cells, widths, strict=True)),
                    key=key,
                )
                self.rows[key] = row
        if table.row_count:
            table.move_cursor(row=min(was, table.row_count - 1))
        self._show_sections()
        self._detail()

    def _rows_windows(self):
        alarm = urgency_style(self.app, "overdue")
        for w in self.board.windows:
            here = w.present
            present = (
                (here[0].staff.name + (f"+{len(here) - 1}" if len(here) > 1 else ""))
                if here
                else ""
            )
            notes = []
            if w.alarm:
                notes.append(w.alarm)
            for p in (w.a, w.b):
                if p.status == "away":
                    notes.append(f"{p.post}离岗")
            if any(p.acting_for is not None for p in here):
                notes.append("代岗")
            if w.coming:
                notes.append(f"将离岗{len(w.coming)}")
            yield (
                w.code,
                [
                    _fit(w.name.removesuffix("窗口") or w.name, 10),
                    self._holder(w.a),
                    self._holder(w.b),
                    present,
                    str(w.open_cases),
                    str(w.overdue_cases) if w.overdue_cases else "",
                    " ".join(notes),
                ],
                alarm if w.alarm else "",
                w,
            )

    @staticmethod
    def _holder(holder) -> str:
        if holder.staff is None:
            return "空缺"
        return f"{holder.staff.name} {HOLDER_SHORT.get(holder.status, '')}".strip()

    def _rows_extensions(self):
        for r in self.board.extensions.rows:
            yield (
                r.case_number,
                [
                    r.case_number,
                    _fit(r.window_name.removesuffix("窗口"), 8),
                    r.clerk.name,
                    _d(r.due_date),
                    _d(r.requested),
                    _one_line(r.reason),
                ],
                "",
                ("extension", r),
            )

    def _rows_refusals(self):
        yield from self._rows_appeals()
        for r in self.board.refusals.rows:
            yield (
                str(r.id),
                [
                    r.case_number,
                    r.kind_label,
                    r.clerk_name,
                    f"{r.at:%m-%d %H:%M}",
                    _one_line(r.reason),
                ],
                "",
                ("refusal", r),
            )

    def _rows_appeals(self):
        for r in self.board.appeals.rows:
            yield (
                f"appeal:{r.service_number}",
                [
                    r.service_number,
                    "差评申诉",
                    r.staff_number,
                    f"{r.next_due:%m-%d}" if r.next_due else "",
                    f"{r.level_label}，{r.state_label}",
                ],
                "",
                ("appeal", r),
            )

    def _rows_escalated(self):
        for r in self.board.escalated.rows:
            yield (
                r.number,
                [
                    r.number,
                    f"{r.at:%m-%d %H:%M}",
                    r.channel_label,
                    r.first_asker.name,
                    r.caller,
                    r.item_name,
                ],
                "",
                ("escalated", r),
            )

    def _rows_approvals(self):
        for v in self.board.approvals.rows:
            yield (
                v.number,
                [
                    v.number,
                    _person(v.from_number, v.from_name),
                    _fit(v.window_name.removesuffix("窗口"), 8),
                    v.absence_label,
                    _period(v),
                    v.approver or ("待指定顶岗" if v.to_number is None else ""),
                    _person(v.to_number, v.to_name) + ("　迟报" if v.late else ""),
                ],
                "",
                ("approval", v),
            )

    def _rows_covers(self):
        alarm = urgency_style(self.app, "overdue")
        b = self.board
        for o in b.orphans:
            yield (
                f"orphan:{o.staff_number}",
                [o.staff_number, "无人接手", o.staff_name, "—", "", f"{o.items}项：{o.why}"],
                alarm,
                ("orphan", o),
            )
        for v in b.covers.rows:
            yield (
                f"cover:{v.number}",
                [
                    v.number,
                    v.mode_label,
                    _person(v.from_number, v.from_name),
                    _person(v.to_number, v.to_name),
                    _period(v),
                    _one_line(v.reason),
                ],
                "",
                ("cover", v),
            )
        reviewing = {v.number for v in b.covers.rows}
        for v in b.overdue_returns.rows:
            if v.number in reviewing:
                continue
            yield (
                f"late:{v.number}",
                [
                    v.number,
                    "逾期未回岗",
                    _person(v.from_number, v.from_name),
                    _person(v.to_number, v.to_name),
                    _period(v),
                    "期满未回岗，仍由顶岗人代岗",
                ],
                urgency_style(self.app, "due_soon"),
                ("late", v),
            )

    def _rows_overdue(self):
        for u in self.board.urgent:
            style = urgency_style(self.app, "overdue" if u.level != "warn" else "due_soon")
            yield (
                f"{u.level}:{u.number}",
                [
                    LEVEL_SHORT.get(u.level, u.level),
                    u.number,
                    _fit(u.window_name.removesuffix("窗口"), 8),
                    u.clerk.name,
                    _d(u.due_date),
                    "超时" if u.immediate_overdue else _left(u.working_days_left),
                    u.item_name,
                ],
                style,
                ("case", u),
            )
        late = urgency_style(self.app, "overdue")
        for r in self.board.late_followups.rows:
            yield (
                f"followup:{r.service_number}",
                [
                    "差评",
                    r.service_number,
                    "",
                    r.staff_number,
                    _d(r.next_due),
                    "逾期",
                    f"{r.level_label}：{r.state_label}",
                ],
                late,
                ("followup", r),
            )

    def _rows_petitions(self):
        from tui.screens.petition import alarm_text

        alarm = urgency_style(self.app, "overdue")
        feed = self.board.petitions
        seen = set()
        for r in (*feed.alarms, *feed.overdue):
            if r.number in seen:
                continue
            seen.add(r.number)
            yield (
                f"petition:{r.number}",
                [
                    r.number,
                    alarm_text(r) or "逾期",
                    r.visitor,
                    f"{r.received_at:%m-%d %H:%M}",
                    _d(r.due_date),
                    r.handed_to or "未交办",
                ],
                alarm + (" bold" if r.alarm else ""),
                ("petition", r),
            )

    # -- the selected row ----------------------------------------------------------------
    def _selected(self) -> Any:
        table = self.query_one("#board-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return self.rows.get(str(key))

    @on(DataTable.RowHighlighted, "#board-table")
    def _highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        row = self._selected()
        text = self._describe(row) if row is not None else self._empty()
        self.query_one("#board-detail", Static).update(text)

    def _empty(self) -> str:
        if self.board is None:
            return ""
        b = self.board
        if self.section == "overdue":
            return "、".join(f"{c.label} {c.count} 件" for c in b.levels)
        return {
            "windows": "没有启用的窗口",
            "extensions": "没有待批准的延期申请",
            "refusals": "没有待审核的否定报备",
            "escalated": "没有报主任的事项",
            "approvals": "没有待批准的离岗",
            "covers": "没有待审阅的顶岗，也没有无人接手的工作",
            "petitions": "没有待知悉的信访警报，也没有逾期的信访",
        }[self.section]

    def _describe(self, row: Any) -> str:
        if not isinstance(row, tuple):  # a window
            w = row
            parts = [f"{w.name}：A {self._status(w.a)}；B {self._status(w.b)}"]
            if w.present:
                parts.append(
                    "在岗 "
                    + "、".join(
                        f"{p.staff.name}{p.post}岗"
                        + (f"（代{p.acting_for.name}）" if p.acting_for else "")
                        for p in w.present
                    )
                )
            else:
                parts.append("无人在岗")
            for v in w.absent_today:
                parts.append(
                    f"{_person(v.from_number, v.from_name)}{v.absence_label}{_period(v)}，"
                    f"{'由' + _person(v.to_number, v.to_name) + '代岗' if v.to_number else '无人代岗'}"
                )
            for v in w.coming:
                parts.append(f"将离岗 {_person(v.from_number, v.from_name)} {_period(v)}")
            parts.append(f"在办 {w.open_cases} 件，逾期 {w.overdue_cases} 件")
            return "；".join(parts)
        kind, item = row
        if kind == "extension":
            return (
                f"办件 {item.case_number} {item.item_name}（{item.window_name}，经办 "
                f"{_who(item.clerk)}）：原期限 {item.due_date or '—'} → 申请延至 "
                f"{item.requested or '—'}。理由：{_one_line(item.reason)}"
            )
        if kind == "refusal":
            return (
                f"办件 {item.case_number} {item.kind_label}（{item.clerk_name}({item.clerk_number})"
                f" {item.at:%m-%d %H:%M}）。理由：{_one_line(item.reason)}"
            )
        if kind == "escalated":
            return (
                f"{item.number} {item.channel_label} {item.at:%m-%d %H:%M}，首问 "
                f"{_who(item.first_asker)}{('于' + item.window_name) if item.window_name else ''}；"
                f"事项：{item.item_name}；内容：{_one_line(item.topic) or '—'}"
            )
        if kind in ("approval", "cover", "late"):
            v = item
            text = (
                f"{v.number} {v.mode_label}：{_person(v.from_number, v.from_name)}"
                f"（{v.from_number or '—'}）{v.absence_label} {_period(v)}，顶岗 "
                f"{_person(v.to_number, v.to_name)}；{v.state_label}"
            )
            if v.approver:
                text += f"；须{v.approver}批准"
            if v.late:
                text += "；迟报（未提前登记）"
            if v.reason:
                text += f"；原因：{_one_line(v.reason)}"
            if v.note:
                text += f"；说明：{_one_line(v.note)}"
            return text
        if kind == "petition":
            r = item
            text = (
                f"信访 {r.number}（{r.channel_label}，{r.visitor}"
                + (f" 等{r.visitors}人" if r.visitors > 1 else "")
                + f"）{r.state_label}，{r.due_date or '—'} 前答复"
            )
            if r.alarm:
                text += f"；{'、'.join(r.alarm)}信访：须立即通知有关部门和领导，按 A 知悉"
            return text + ("；已逾期" if r.overdue else "")
        if kind in ("appeal", "followup"):
            what = (
                "差评申诉，待主任复核：A 成立（不计入考核）　X 驳回"
                if kind == "appeal"
                else "差评整改回访逾期"
            )
            return (
                f"{item.service_number} {item.level_label}（工号 {item.staff_number}）"
                f"{item.state_label}，下一期限 {item.next_due or '—'}；{what}；回车 打开"
            )
        if kind == "orphan":
            return (
                f"{item.staff_name}({item.staff_number}) 有 {item.items} 项未办结事项无人接手："
                f"{item.why}。按 Z 指定顶岗人"
            )
        u = item  # an urgent case
        return (
            f"办件 {u.number} {u.item_name}（{u.window_name}，经办 {_who(u.clerk)}）："
            f"期限 {u.due_date or '—'}，{u.level_label}"
        )

    @staticmethod
    def _status(holder) -> str:
        if holder.staff is None:
            return "空缺"
        return f"{_who(holder.staff)} {holder.status_label}"

    # -- keys ----------------------------------------------------------------------------
    def action_section(self, key: str) -> None:
        if key == self.section:
            return
        self.section = key
        self._fill()
        self.query_one("#board-table", DataTable).move_cursor(row=0)
        self._detail()

    def action_next_section(self, step: int) -> None:
        keys = [key for key, _ in SECTIONS]
        self.action_section(keys[(keys.index(self.section) + step) % len(keys)])

    def action_hall_queue(self) -> None:
        from tui.screens.home import HomeScreen

        self.app.push_screen(HomeScreen())

    def _not_here(self, what: str) -> None:
        self.app.notify(f"「{what}」不适用于此栏或所选行", severity="warning")

    def _decide(
        self,
        form: ActionForm,
        said: Callable[[Done], str],
        then: Callable[[Done], None] | None = None,
    ) -> None:
        def done(result: Done | None) -> None:
            if result is None:
                return
            show_line(self, "#board-error", "")
            show_line(self, "#board-done", said(result))
            if then is not None:
                then(result)

        self.app.push_screen(form, callback=done)

    def action_approve(self) -> None:
        row = self._selected()
        kind, item = row if isinstance(row, tuple) else (None, None)
        if kind == "extension":
            self._approve_extension(item)
        elif kind == "refusal":
            self._review_refusal(item, "agreed")
        elif kind == "escalated":
            self._assign_inquiry(item)
        elif kind == "approval":
            self._approve_absence(item)
        elif kind == "cover":
            self._review_cover(item)
        elif kind == "petition" and item.alarm:
            self._acknowledge_petition(item)
        elif kind == "appeal":
            self._decide_appeal(item, upheld=True)
        else:
            self._not_here("批准/同意")

    def action_refuse(self) -> None:
        row = self._selected()
        kind, item = row if isinstance(row, tuple) else (None, None)
        if kind == "extension":
            from store.cases import reject_extension

            number = item.case_number
            self._decide(
                ConfirmForm(
                    f"驳回延期：办件 {number}",
                    lambda session, _v: reject_extension(session, number),
                    note=f"申请延至 {item.requested}，驳回后办结期限仍为 {item.due_date}。驳回？",
                ),
                lambda _r: f"已驳回延期：办件 {number} 期限不变",
            )
        elif kind == "approval":
            from store.handover import refuse_absence

            number = item.number
            self._decide(
                RequiredReasonForm(
                    f"不批准离岗：{number}",
                    "不批准的理由（必填）",
                    lambda session, v: refuse_absence(session, number, note=v["reason"]),
                    note=f"{_person(item.from_number, item.from_name)} {item.absence_label} "
                    f"{_period(item)}",
                ),
                lambda _r: f"已不批准离岗 {number}",
            )
        elif kind == "appeal":
            self._decide_appeal(item, upheld=False)
        else:
            self._not_here("驳回/不批准")

    def action_overturn(self) -> None:
        row = self._selected()
        kind, item = row if isinstance(row, tuple) else (None, None)
        if kind == "refusal":
            self._review_refusal(item, "overturned")
        else:
            self._not_here("改判")

    def action_assign_cover(self) -> None:
        row = self._selected()
        absent = ""
        if isinstance(row, tuple) and row[0] == "orphan":
            absent = row[1].staff_number
        elif isinstance(row, tuple) and row[0] == "late":
            absent = row[1].from_number or ""
        elif row is not None and not isinstance(row, tuple):  # a window: a holder not here
            holder = next(
                (h for h in (row.a, row.b) if h.staff is not None and h.status != "here"), None
            )
            absent = holder.staff.number if holder is not None else ""
        elif self.section not in ("windows", "covers"):
            self._not_here("指定顶岗")
            return
        self._decide(CoverForm(absent), lambda r: f"已指定顶岗：{r.result.number}")

    @on(DataTable.RowSelected, "#board-table")
    def _enter(self, event: DataTable.RowSelected) -> None:
        row = self.rows.get(str(event.row_key.value))
        if not isinstance(row, tuple):
            return
        kind, item = row
        number = {
            "extension": lambda: item.case_number,
            "refusal": lambda: item.case_number,
            "case": lambda: item.number,
        }.get(kind)
        if kind == "petition":
            from tui.screens.petition import PetitionDetailScreen

            self.app.push_screen(PetitionDetailScreen(item.number))
        elif kind in ("appeal", "followup"):
            from tui.screens.followup import FollowupScreen

            self.app.push_screen(FollowupScreen(item.service_number))
        elif number is not None:
            from tui.screens.case import open_case

            open_case(self, number())

    # -- the decisions -------------------------------------------------------------------
    def _approve_extension(self, item) -> None:
        from store.cases import approve_extension

        number = item.case_number
        self._decide(
            ConfirmForm(
                f"批准延期：办件 {number}",
                lambda session, _v: approve_extension(session, number),
                note=f"原期限 {item.due_date}，申请延至 {item.requested}。"
                f"理由：{_one_line(item.reason)}。批准？",
            ),
            lambda r: f"已批准延期：办件 {number} 办结期限改为 {r.result:%Y-%m-%d}",
            lambda _r: self._offer_notice(number),
        )

    def _acknowledge_petition(self, item) -> None:
        from store.petitions import acknowledge_alarm

        number = item.number
        self._decide(
            ConfirmForm(
                f"知悉信访警报：{number}",
                lambda session, _v: acknowledge_alarm(session, number),
                note=f"{'、'.join(item.alarm)}信访（{item.visitor}"
                + (f" 等{item.visitors}人" if item.visitors > 1 else "")
                + "）：已通知有关部门和领导？回车 确认。",
            ),
            lambda _r: f"已知悉：信访 {number} 的警报",
        )

    def _offer_notice(self, number: str) -> None:
        """The applicant is told in writing why and until when (延期告知书), as the case
        screen offers it: now, or later from the case (N)."""
        from store.cases import NOTICE_KINDS
        from tui.screens.notice import NoticeScreen

        def issue(result: Done | None) -> None:
            if result is not None:
                self.app.push_screen(NoticeScreen(number, "extension", print_now=True))

        self.app.push_screen(
            ConfirmForm(
                f"出具《{NOTICE_KINDS.get('extension', '延期告知书')}》？",
                note=f"办件 {number}：回车 出具并打印，Esc 稍后（在办件中按 N 出具）。",
            ),
            callback=issue,
        )

    def _review_refusal(self, item, decision: str) -> None:
        from store.cases.refusals import review_refusal

        refusal_id, case = item.id, item.case_number
        agreed = decision == "agreed"
        form = (ReasonForm if agreed else RequiredReasonForm)(
            f"{'同意' if agreed else '改判'}否定报备：办件 {case}（{item.kind_label}）",
            "审核意见（可不填）" if agreed else "改判意见（必填）",
            lambda session, v: review_refusal(
                session, refusal_id, note=v["reason"], decision=decision
            ),
            note=f"理由：{_one_line(item.reason)}",
        )
        self._decide(form, lambda _r: f"已{'同意' if agreed else '改判'}：办件 {case} 的否定报备")

    def _decide_appeal(self, item, *, upheld: bool) -> None:
        """申诉复核: the supervisor decides a clerk's appeal of a 差评 (store.followup)."""
        from store.followup import decide_appeal

        number = item.service_number
        verb = "申诉成立" if upheld else "驳回申诉"
        form = (ReasonForm if upheld else RequiredReasonForm)(
            f"{verb}：{number}（{item.level_label}，工号 {item.staff_number}）",
            "复核意见（可不填）" if upheld else "驳回理由（必填）",
            lambda session, v: decide_appeal(session, number, upheld=upheld, note=v["reason"]),
            note="成立：该评价作误评处理，不计入考核" if upheld else "驳回：评价有效，继续整改回访",
        )
        self._decide(form, lambda _r: f"已{verb}：{number}")

    def _assign_inquiry(self, item) -> None:
        from store.inquiries import reassign_inquiry

        number = item.number
        options = [(code, name) for code, name in (self.app.windows or [])]
        self._decide(
            PickForm(
                f"指派承办窗口：{number}",
                options,
                lambda session, v: reassign_inquiry(session, number, v["value"]),
                note=f"事项：{item.item_name}；内容：{_one_line(item.topic) or '—'}",
            ),
            lambda r: f"已指派：{number} 转{dict(options).get(r.values['value'], '')}办理",
        )

    def _approve_absence(self, item) -> None:
        from store.handover import approve_absence

        number = item.number
        what = f"{_person(item.from_number, item.from_name)} {item.absence_label} {_period(item)}"
        if item.to_number is None:
            form: ActionForm = RequiredReasonForm(
                f"批准离岗并指定顶岗人：{number}",
                "顶岗人工号（该岗位没有 B 岗）",
                lambda session, v: approve_absence(session, number, to_number=v["reason"]),
                note=what,
            )
        else:
            form = ConfirmForm(
                f"批准离岗：{number}",
                lambda session, _v: approve_absence(session, number),
                note=f"{what}，由 {_person(item.to_number, item.to_name)} 顶岗。批准？",
            )
        self._decide(form, lambda _r: f"已批准离岗 {number}：待顶岗人确认接岗")

    def _review_cover(self, item) -> None:
        from store.handover import review_cover

        number = item.number
        self._decide(
            ConfirmForm(
                f"已阅顶岗：{number}",
                lambda session, _v: review_cover(session, number),
                note=f"{item.mode_label}：{_person(item.to_number, item.to_name)} 为 "
                f"{_person(item.from_number, item.from_name)} 顶岗 {_period(item)}。"
                f"原因：{_one_line(item.reason) or '—'}。确认已阅？",
            ),
            lambda _r: f"已阅：{number}",
        )


class RequiredReasonForm(ReasonForm):
    """A comment the decision needs (改判, 不批准, a 工号)."""

    def values(self) -> dict:
        values = super().values()
        if not values["reason"]:
            raise FormError(f"请填写{self.label.removesuffix('（必填）')}")
        return values


class CoverForm(ActionForm):
    """主任指定顶岗: whose work, who covers, why (recorded; active at once)."""

    HINT = "回车 下一项　在最后一栏 回车 确定　Esc 取消"

    def __init__(self, absent: str = "") -> None:
        super().__init__(
            "指定顶岗（离岗未交接、无 B 岗或无人接手）",
            _assign_cover,
            note="指定后立即生效，记入审计；离岗人回岗登录时会看到",
        )
        self.absent = absent

    def fields(self) -> ComposeResult:
        yield Label("离岗人工号")
        yield Input(self.absent, id="from", max_length=32, compact=True)
        yield Label("顶岗人工号")
        yield Input(id="to", max_length=32, compact=True)
        yield Label("原因")
        yield Input(id="reason", max_length=200, compact=True)

    def on_mount(self) -> None:
        self.query_one("#to" if self.absent else "#from", Input).focus()

    def values(self) -> dict:
        values = {
            name: self.query_one(f"#{name}", Input).value.strip()
            for name in ("from", "to", "reason")
        }
        if not values["from"]:
            raise FormError("请填写离岗人工号")
        if not values["to"]:
            raise FormError("请填写顶岗人工号")
        return values


def _assign_cover(session, values: dict):
    from store.handover import assign_cover

    return assign_cover(session, values["from"], values["to"], reason=values["reason"])


__all__ = ["BoardScreen", "CoverForm", "RequiredReasonForm"]
