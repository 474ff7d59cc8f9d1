"""信访 (seed 000 篇7 信访接待制度): the open petitions, registering one, and handling it.

``PetitionScreen``: the petitions waiting for their answer — alarms (重大、紧急、集体) first,
then by due date; N registers one (``PetitionForm``: the fields of the seed, the flags, a
card on the reader fills name, gender, age and address), Enter opens one.
``PetitionDetailScreen``: J 交办 to the responsible department (then the 交办单 to print),
G the visitor's 告知书, D 答复办结, A 知悉 the alarm (the supervisor). Reached by X on the
clerk's home screen and from the command palette (信访); the supervisor's board lists the
alarms and the overdue petitions (section 8) and opens them with Enter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, DataTable, Input, Label, Static

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen, is_supervisor
from tui.screens.case_forms import ActionForm, ConfirmForm, Done, FormError, ReasonForm
from tui.screens.notice import NoticeScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar

HINT = "N 登记信访　回车 打开　F4 刷新　Esc 返回"
#: The detail screen's keys (binding id, hint); the hint shows those the petition's state
#: and the one looking allow now (PetitionDetailScreen.offered).
DETAIL_KEYS = (
    ("petition.hand", "J 交办（交办单）"),
    ("petition.notice", "G 告知书"),
    ("petition.answer", "D 答复办结"),
    ("petition.acknowledge", "A 知悉警报"),
)


class PetitionsLoaded(Message):
    def __init__(self, rows: list) -> None:
        super().__init__()
        self.rows = rows


class PetitionLoaded(Message):
    def __init__(self, view: Any) -> None:
        super().__init__()
        self.view = view


def _d(day: dt.date | None) -> str:
    return f"{day:%m-%d}" if day else "—"


def alarm_text(row: Any) -> str:
    """重大·集体 …, or 已知悉 once the supervisor has seen it."""
    if not row.alarm:
        return "领导接待" if row.leader_reception else ""
    return "·".join(row.alarm) + ("（已知悉）" if row.alarm_seen else "")


class PetitionScreen(CounterScreen):
    """信访登记簿: the open petitions."""

    DEFAULT_CSS = """
    PetitionScreen #petitions { height: 1fr; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("n", "register", "登记", id="petition.register", show=False),
        Binding("escape", "back", "返回", id="petition.back", show=False),
    ]

    COLUMNS = (("信访号", 15), ("警报", 10), ("来访人", 6), ("渠道", 4), ("期限", 5), ("状态", 0))

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("信访　正在读取…", id="petition-title", classes="title")
        yield DataTable(id="petitions", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="error-line", id="petition-error", markup=False)
        yield Static(HINT, classes="hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        self.rows: dict[str, Any] = {}
        self.query_one("#petitions", DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        from store.petitions import open_petitions

        if self.app.session is not None:
            self.call_store(open_petitions, self.app.session, done=PetitionsLoaded, what="list")

    @on(PetitionsLoaded)
    def _loaded(self, message: PetitionsLoaded) -> None:
        table = self.query_one("#petitions", DataTable)
        table.clear(columns=True)
        rest = max(8, self.size.width - sum(w for _, w in self.COLUMNS) - 2 * len(self.COLUMNS) - 3)
        for label, width in self.COLUMNS:
            table.add_column(label, width=width or rest)
        self.rows = {}
        alarms = overdue = 0
        for row in message.rows:
            style = ""
            if row.alarm and not row.alarm_seen:
                alarms += 1
                style = "bold red"
            elif row.overdue:
                overdue += 1
                style = "red"
            state = row.state_label + (f"·{row.handed_to}" if row.handed_to else "")
            table.add_row(
                *(
                    Text(c, style=style)
                    for c in (
                        row.number,
                        alarm_text(row),
                        row.visitor,
                        row.channel_label,
                        _d(row.due_date),
                        state + ("·逾期" if row.overdue else ""),
                    )
                ),
                key=row.number,
            )
            self.rows[row.number] = row
        title = f"信访　待答复 {len(message.rows)} 件"
        if alarms:
            title += f"｜警报 {alarms} 件"
        if overdue:
            title += f"｜逾期 {overdue} 件"
        self.query_one("#petition-title", Static).update(title)
        self.query_one("#petition-error", Static).update("")

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#petition-error", Static).update(message.message)

    @on(DataTable.RowSelected, "#petitions")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(PetitionDetailScreen(str(event.row_key.value)))

    def action_register(self) -> None:
        def done(result: Done | None) -> None:
            if result is None:
                return
            row = result.result
            due = f"，{row.due_date:%Y-%m-%d} 前答复" if row.state != "closed" else "，已当场答复"
            alarm = f"（{'、'.join(row.alarm)}：已报警）" if row.alarm else ""
            self.app.notify(f"已登记信访 {row.number}{due}{alarm}")
            if row.state != "closed":
                self.app.push_screen(PetitionDetailScreen(row.number))

        self.app.push_screen(PetitionForm(), callback=done)

    def action_back(self) -> None:
        self.app.pop_screen()


def _register(session: Any, values: dict) -> Any:
    from store.petitions import PetitionInput, register_petition

    return register_petition(session, PetitionInput(**values))


class PetitionForm(ActionForm):
    """登记信访: 来访时间 is now; name … the main issue, materials; the flags."""

    DEFAULT_CSS = """
    PetitionForm .form { width: 78; }
    PetitionForm Horizontal { height: 1; }
    PetitionForm Label { width: auto; padding: 0 1 0 0; }
    PetitionForm Input { width: 1fr; }
    PetitionForm Checkbox { border: none; height: 1; padding: 0; width: auto; margin: 0 2 0 0; }
    """
    HINT = "Tab 下一项　空格 勾选　Ctrl+S 登记　Esc 取消　（读卡自动填写）"

    FLAGS = (
        ("serious", "重大"),
        ("urgent", "紧急"),
        ("collective", "集体"),
        ("leader", "领导接待"),
    )

    def __init__(self) -> None:
        super().__init__("登记信访（来访时间为当前时间）", _register)

    def fields(self) -> ComposeResult:
        with Horizontal():
            yield Label("姓名")
            yield Input(id="name", max_length=40, compact=True)
            yield Label(" 性别")
            yield Input(id="gender", max_length=2, compact=True)
            yield Label(" 年龄")
            yield Input(id="age", max_length=3, compact=True)
        with Horizontal():
            yield Label("职业")
            yield Input(id="occupation", max_length=40, compact=True)
            yield Label(" 政治面貌")
            yield Input(id="political_status", max_length=20, compact=True)
        with Horizontal():
            yield Label("住址或工作单位")
            yield Input(id="address", max_length=100, compact=True)
        with Horizontal():
            yield Label("电话")
            yield Input(id="phone", max_length=20, compact=True)
            yield Label(" 身份证号")
            yield Input(id="id_number", max_length=18, compact=True)
        with Horizontal():
            yield Label("渠道")
            yield Input("来访", id="channel", max_length=4, compact=True)
            yield Label(" ")
            for key, label in self.FLAGS:
                yield Checkbox(label, id=f"flag-{key}", compact=True)
            yield Label("人数")
            yield Input("1", id="visitors", max_length=4, compact=True)
        with Horizontal():
            yield Label("当场答复")
            yield Input(
                id="answer_now",
                max_length=200,
                compact=True,
                placeholder="能当场解决的填写答复；否则留空",
            )
        with Horizontal():
            yield Label("书面材料")
            yield Input(id="materials", max_length=200, compact=True)
        with Horizontal():
            yield Label("反映的主要问题")
            yield Input(id="issue", max_length=500, compact=True)

    #: Field widths in cells (inline: the app's stylesheet wins over DEFAULT_CSS); the rest
    #: take what their row leaves.
    WIDTHS: ClassVar[dict[str, int]] = {
        "name": 14,
        "gender": 4,
        "age": 5,
        "occupation": 20,
        "political_status": 12,
        "phone": 16,
        "id_number": 20,
        "channel": 6,
        "visitors": 5,
    }

    def on_mount(self) -> None:
        self.query_one(".form").styles.width = 76
        for key, width in self.WIDTHS.items():
            self.query_one(f"#{key}", Input).styles.width = width
        self.query_one("#name", Input).focus()

    def card_read(self, card: Any) -> None:
        """A card on the reader fills what it knows (as on F2 首问登记)."""
        self.query_one("#name", Input).value = card.name or ""
        self.query_one("#gender", Input).value = getattr(card, "gender", "") or ""
        self.query_one("#address", Input).value = getattr(card, "address", "") or ""
        self.query_one("#id_number", Input).value = getattr(card, "id_number", "") or ""
        born = getattr(card, "birth_date", None)
        if born:
            from store.clock import local_date

            today = local_date(self.app.session.now())
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            self.query_one("#age", Input).value = str(age)
        self.query_one("#occupation", Input).focus()

    def _text(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value.strip()

    def values(self) -> dict:
        if not self._text("name"):
            raise FormError("请填写信访人姓名")
        if not self._text("issue"):
            raise FormError("请填写反映的主要问题")
        try:
            visitors = int(self._text("visitors") or "1")
        except ValueError:
            raise FormError("人数请填写数字") from None
        flags = {key: self.query_one(f"#flag-{key}", Checkbox).value for key, _ in self.FLAGS}
        return {
            "name": self._text("name"),
            "gender": self._text("gender"),
            "age": self._text("age"),
            "occupation": self._text("occupation"),
            "political_status": self._text("political_status"),
            "address": self._text("address"),
            "phone": self._text("phone"),
            "id_number": self._text("id_number"),
            "channel": self._text("channel"),
            "materials": self._text("materials"),
            "issue": self._text("issue"),
            "answer_now": self._text("answer_now"),
            "visitors": visitors,
            "serious": flags["serious"],
            "urgent": flags["urgent"],
            "collective": flags["collective"],
            "leader_reception": flags["leader"],
        }


class AnswerForm(ActionForm):
    """答复办结: the answer to the visitor, and what the department reported."""

    def __init__(self, number: str) -> None:
        from store.petitions import answer_petition

        super().__init__(
            f"答复办结：信访 {number}",
            lambda session, v: answer_petition(
                session, number, v["reply"], department_reply=v["department_reply"]
            ),
        )

    def fields(self) -> ComposeResult:
        yield Label("承办单位反馈（可空）")
        yield Input(id="department_reply", max_length=500, compact=True)
        yield Label("给信访人的答复")
        yield Input(id="reply", max_length=500, compact=True)

    def on_mount(self) -> None:
        self.query_one("#department_reply", Input).focus()

    def values(self) -> dict:
        reply = self.query_one("#reply", Input).value.strip()
        if not reply:
            raise FormError("请填写给信访人的答复")
        return {
            "reply": reply,
            "department_reply": self.query_one("#department_reply", Input).value.strip(),
        }


class PetitionDetailScreen(CounterScreen):
    """One petition: its particulars, and the steps."""

    DEFAULT_CSS = """
    PetitionDetailScreen #petition-scroll { height: 1fr; padding: 0 1; }
    PetitionDetailScreen #petition-done { height: auto; color: $success; text-style: bold; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("j", "hand", "交办", id="petition.hand", show=False),
        Binding("g", "notice", "告知书", id="petition.notice", show=False),
        Binding("d", "answer", "答复", id="petition.answer", show=False),
        Binding("a", "acknowledge", "知悉", id="petition.acknowledge", show=False),
        Binding("escape", "back", "返回", id="petition.detail_back", show=False),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.view: Any = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(f"信访 {self.number}", id="petition-heading", classes="title")
        with VerticalScroll(id="petition-scroll"):
            yield Static("正在读取…", id="petition-body", markup=False)
        yield Static("", id="petition-done", markup=False)
        yield Static("", classes="error-line", id="petition-error", markup=False)
        yield Static("Esc 返回", classes="hint", id="petition-hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        self.query_one("#petition-scroll", VerticalScroll).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        from store.petitions import petition_detail

        self.call_store(
            petition_detail, self.app.session, self.number, done=PetitionLoaded, what="view"
        )

    @on(PetitionLoaded)
    def _loaded(self, message: PetitionLoaded) -> None:
        self.view = v = message.view
        r = v.row
        flags = alarm_text(r)
        self.query_one("#petition-heading", Static).update(
            f"信访 {r.number}　{r.state_label}" + (f"　{flags}" if flags else "")
        )
        lines = [
            f"来访时间：{r.received_at:%Y-%m-%d %H:%M}　渠道：{r.channel_label}"
            + (f"　来访人数：{r.visitors}" if r.visitors > 1 else ""),
            f"姓名：{v.name}　性别：{v.gender or '—'}　年龄：{v.age or '—'}",
            f"职业：{v.occupation or '—'}　政治面貌：{v.political_status or '—'}",
            f"住址或工作单位：{v.address or '—'}　电话：{v.phone or '—'}",
            f"反映的主要问题：{v.issue}",
            f"书面材料：{v.materials or '—'}",
            f"答复期限：{r.due_date or '—'}"
            + ("（已逾期）" if r.overdue else "")
            + ("（领导接待）" if r.leader_reception else ""),
            f"承办单位：{r.handed_to or '尚未交办'}",
        ]
        if v.reply:
            lines.append(f"答复：{v.reply}")
        if v.department_reply:
            lines.append(f"承办单位反馈：{v.department_reply}")
        if v.notices:
            from policies.notices import NOTICE_KINDS

            lines.append(
                "已出具：" + "、".join(f"{NOTICE_KINDS.get(k, k)} {n}" for n, k in v.notices)
            )
        self.query_one("#petition-body", Static).update("\n".join(lines))
        self.query_one("#petition-error", Static).update("")
        offered = self.offered()
        hint = [text for binding_id, text in DETAIL_KEYS if binding_id in offered]
        self.query_one("#petition-hint", Static).update("　".join([*hint, "Esc 返回"]))

    def offered(self) -> set[str]:
        """The binding ids of the steps this petition and this person allow now."""
        v = self.view
        if v is None:
            return set()
        ids = {f"petition.{step}" for step in ("hand", "answer") if step in v.steps}
        if v.row.state != "closed":
            ids.add("petition.notice")
        if v.row.alarm and not v.row.alarm_seen and is_supervisor(self.app.session):
            ids.add("petition.acknowledge")
        return ids

    def offers_key(self, binding: Binding) -> bool:
        ids = {binding_id for binding_id, _ in DETAIL_KEYS}
        return binding.id not in ids or binding.id in self.offered()

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.query_one("#petition-error", Static).update(message.message)

    def _done(self, text: str) -> None:
        self.query_one("#petition-done", Static).update(text)

    def _can(self, step: str, what: str) -> bool:
        if self.view is None:
            return False
        if step not in self.view.steps:
            self.app.notify(f"此信访现在不能「{what}」", severity="warning")
            return False
        return True

    def action_hand(self) -> None:
        from store.petitions import hand_petition

        if not self._can("hand", "交办"):
            return
        number = self.number

        def done(result: Done | None) -> None:
            if result is None:
                return
            self._done(f"已交办 {result.result.handed_to}：出具交办单")
            self.app.push_screen(PetitionNoticeScreen(number, "petition_handover"))

        self.app.push_screen(
            ReasonForm(
                f"交办：信访 {number}",
                "承办单位（责任部门）",
                lambda session, v: hand_petition(session, number, v["reason"]),
                value=self.view.row.handed_to,
                note="交办后出具《信访事项交办单》（Ctrl+P 打印）。",
            ),
            callback=done,
        )

    def action_notice(self) -> None:
        if self.view is None:
            return
        if self.view.row.state == "closed":
            self.app.notify("已答复办结的信访不再出具告知书", severity="warning")
            return
        self.app.push_screen(PetitionNoticeScreen(self.number, "petition_notice"))

    def action_answer(self) -> None:
        if not self._can("answer", "答复办结"):
            return

        def done(result: Done | None) -> None:
            if result is not None:
                self._done(f"已答复办结：信访 {self.number}")

        self.app.push_screen(AnswerForm(self.number), callback=done)

    def action_acknowledge(self) -> None:
        from store.petitions import acknowledge_alarm

        if self.view is None:
            return
        if not is_supervisor(self.app.session):
            self.app.notify("信访警报由大厅主任知悉", severity="warning")
            return
        number = self.number
        self.app.push_screen(
            ConfirmForm(
                f"知悉警报：信访 {number}",
                lambda session, _v: acknowledge_alarm(session, number),
                note=f"{alarm_text(self.view.row)}信访：已通知有关部门和领导？回车 确认。",
            ),
            callback=lambda r: r is not None and self._done(f"已知悉：信访 {number} 的警报"),
        )

    def action_back(self) -> None:
        self.app.pop_screen()


class PetitionNoticeScreen(NoticeScreen):
    """The 交办单 or the visitor's 告知书: previewed, issued (Ctrl+S), printed (Ctrl+P)."""

    def _heading(self) -> str:
        from policies.notices import NOTICE_KINDS

        return f"《{NOTICE_KINDS.get(self.kind, self.kind)}》　信访号 {self.case_number}"

    def _fetch(self, session: Any) -> Any:
        from store.petitions import preview_petition_notice

        return preview_petition_notice(session, self.case_number, self.kind)

    def _issue_in_store(self, session: Any) -> Any:
        from store.petitions import issue_petition_notice

        return issue_petition_notice(session, self.case_number, self.kind)
