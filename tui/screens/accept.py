"""受理: the item's materials checklist, the kind the store proposes (live, with its due
date), the kind the clerk confirms (K cycles through the choices the store allows for these
materials: store.cases.acceptance_preview → policies.acceptance), the fields that kind
needs, 代办, and the case registered once the clerk confirms (Enter or Ctrl+S). After
acceptance: the case number, and the notice to hand over (N or Enter). The screen checks
only what was typed (a date's form); whether the kind and dates may be taken is the
store's to say."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from policies.acceptance import TOLERANCE, choice_label
from tui.dates import hall_today, parse_date
from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.lines import show_line
from tui.widgets.status_bar import StatusBar

#: Space cycles a material through these (values of policies.cases.MaterialStatus).
CYCLE = ("present", "not_brought", "missing")
SHORT = {"present": "已带", "not_brought": "未带", "missing": "缺"}
HINT = "空格 已带/未带/缺  K 类型  Ctrl+G 代办  Tab 填写  回车/Ctrl+S 受理  Esc 返回"
#: The kind's own fields: (row id, the choices that show it).
ROWS = (
    ("row-tolerance", (TOLERANCE,)),
    ("row-return", ("returned",)),
    ("row-joint", ("joint",)),
    ("row-forward", ("escalated",)),
)
#: Which field a refusal of the store points at (the focus goes where the fix is needed).
FIELD_OF = (
    ("承诺补齐日期", "#tolerance_date"),
    ("退回原因", "#return_reasons"),
    ("协办窗口", "#joint_windows"),
    ("上报", "#forward_by"),
    ("代办人", "#proxy_name"),
)


def parse_windows(text: str, windows: list[tuple[str, str]]) -> list[str]:
    """协办窗口 typed as codes or names (with or without 窗口), separated by commas, 、 or
    spaces → window codes; ValueError naming the unknown ones and the choices."""
    by_token: dict[str, str] = {}
    for code, name in windows:
        for token in (code.lower(), name, name.removesuffix("窗口")):
            by_token.setdefault(token, code)
    codes: list[str] = []
    unknown: list[str] = []
    for token in re.split(r"[,，、;；\s]+", unicodedata.normalize("NFKC", text).strip()):
        if not token:
            continue
        code = by_token.get(token.lower()) or by_token.get(token)
        if code is None:
            unknown.append(token)
        elif code not in codes:
            codes.append(code)
    if unknown:
        choices = "、".join(name.removesuffix("窗口") for _, name in windows)
        raise ValueError(f"未知的窗口：{'、'.join(unknown)}（可选：{choices}）")
    return codes


class PreviewReady(Message):
    def __init__(self, preview: Any, materials: dict[str, str]) -> None:
        super().__init__()
        self.preview = preview  # store.cases.AcceptancePreview
        self.materials = materials


class CaseAccepted(Message):
    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


def _restored(item: Any, state: dict[str, Any]) -> AcceptScreen:
    """The acceptance screen given back after the same clerk unlocked (tui.held_forms)."""
    return AcceptScreen(
        item=item,
        person_uuid=state["person_uuid"],
        inquiry_number=state["inquiry_number"],
        applicant=state["applicant"],
        restore=state,
    )


def _preview(session, item_code: str, materials: dict[str, str]) -> PreviewReady:
    """On the store thread: the store's preview for the checklist as it was sent."""
    from store.cases import acceptance_preview

    return PreviewReady(acceptance_preview(session, item_code, materials), materials)


class AcceptScreen(CounterScreen):
    """受理办件."""

    DEFAULT_CSS = """
    AcceptScreen #materials { height: auto; max-height: 12; }
    AcceptScreen .line { height: auto; padding: 0 1; }
    AcceptScreen .row { height: auto; width: 100%; }
    AcceptScreen .lbl { width: auto; padding: 0 1; }
    AcceptScreen #fields { height: auto; }
    AcceptScreen #kind { text-style: bold; }
    AcceptScreen #accepted { color: $success; text-style: bold; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="accept.back", show=False),
        Binding("space", "cycle", "切换", id="accept.cycle", show=False),
        Binding("k", "cycle_kind", "类型", id="accept.kind", show=False),
        Binding("ctrl+g", "proxy", "代办", id="accept.proxy", show=False, priority=True),
        Binding("ctrl+s", "accept", "受理", id="accept.accept", show=False, priority=True),
        Binding("enter", "enter", "确认", id="accept.enter", show=False),
        Binding("n", "notice", "告知书", id="accept.notice", show=False),
        Binding("o", "open_case", "办件", id="accept.case", show=False),
    ]

    #: on_mount chooses the focus: the checklist, or nothing (Enter is then the screen's).
    AUTO_FOCUS = ""  # "" (not None, which means the app's): no automatic focus

    #: Field widths (inline: the app's stylesheet gives every Input the full width).
    WIDTHS = (
        ("#tolerance_date", 14),
        ("#return_reasons", "1fr"),
        ("#joint_windows", "1fr"),
        ("#forward_by", 14),
        ("#proxy_name", 10),
        ("#proxy_id", 20),
        ("#proxy_phone", "1fr"),
    )

    def __init__(
        self,
        *,
        item: Any,
        person_uuid: str | None,
        inquiry_number: str | None = None,
        applicant: str = "",
        restore: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        #: The form as a lock sealed it (tui.held_forms), filled in on mount.
        self._restore = restore
        self.item = item
        self.person_uuid = person_uuid
        self.inquiry_number = inquiry_number
        self.applicant = applicant
        self.statuses = {m.name: "present" for m in item.materials}
        self.preview: Any = None  # store.cases.AcceptancePreview
        self.preview_error = ""
        self.kind_choice: str | None = None  # None: the proposal
        self.proxy = False
        self.proxy_id_valid: Any = None
        self.result: Any = None
        self.busy = False
        self._reasons_prefill = ""

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        from policies.masking import mask_name

        who = f"　申请人 {mask_name(self.applicant)}" if self.applicant else ""
        origin = f"（登记号 {self.inquiry_number}）" if self.inquiry_number else ""
        yield StatusBar()
        yield Static(f"受理：{self.item.name}{origin}{who}", classes="title")
        yield Static(HINT, classes="hint")
        yield DataTable(id="materials", cursor_type="row", zebra_stripes=True)
        yield Static("", id="no-materials", classes="line hint")
        yield Static("", id="proposal", classes="line")
        yield Static("", id="kind", classes="line")
        with Vertical(id="fields"):
            with Horizontal(id="row-tolerance", classes="row"):
                yield Static("承诺补齐日期", classes="lbl")
                yield Input(
                    id="tolerance_date", max_length=10, placeholder="YYYY-MM-DD", compact=True
                )
                yield Static("", id="tolerance-hint", classes="lbl hint")
            with Horizontal(id="row-return", classes="row"):
                yield Static("退回原因", classes="lbl")
                yield Input(id="return_reasons", max_length=200, compact=True)
            with Vertical(id="row-joint", classes="row"):
                with Horizontal(classes="row"):
                    yield Static("协办窗口", classes="lbl")
                    yield Input(
                        id="joint_windows",
                        max_length=100,
                        placeholder="窗口名称或代码，用逗号或、分隔",
                        compact=True,
                    )
                yield Static("", id="joint-choices", classes="line hint")
            with Horizontal(id="row-forward", classes="row"):
                yield Static("承诺上报日期", classes="lbl")
                yield Input(id="forward_by", max_length=10, placeholder="YYYY-MM-DD", compact=True)
                yield Static("", id="forward-hint", classes="lbl hint")
            with Horizontal(id="row-proxy", classes="row"):
                yield Static("代办人", classes="lbl")
                yield Input(id="proxy_name", max_length=20, compact=True)
                yield Static("身份证号", classes="lbl")
                yield Input(id="proxy_id", max_length=18, compact=True)
                yield Static("电话", classes="lbl")
                yield Input(id="proxy_phone", max_length=20, compact=True)
            yield Static("", id="proxy-error", classes="error-line", markup=False)
        yield Static("", id="accept-error", classes="error-line", markup=False)
        yield Static("", id="accepted", classes="line")
        yield CounterFooter()

    def on_mount(self) -> None:
        for selector, width in self.WIDTHS:
            box = self.query_one(selector, Input)
            box.styles.width = width
            box.styles.border = ("none", "black")  # one line, also in the console theme
        table = self.query_one("#materials", DataTable)
        table.add_column("主/辅", width=5, key="main")
        table.add_column("状态", width=4, key="status")
        table.add_column("材料", key="name")
        for m in self.item.materials:
            table.add_row("主件" if m.main else "辅件", SHORT["present"], m.name, key=m.name)
        if self.item.materials:
            table.focus()
        else:
            table.display = False
            table.can_focus = False  # a hidden table would take Enter for itself
            self.set_focus(None)
            self._line("#no-materials", "本事项未列出所需材料（材料清单为空）")
        self._prefill_joint()
        for selector in ("#proposal", "#kind", "#proxy-error", "#accept-error", "#accepted"):
            self._line(selector, "")
        if self._restore is not None:
            self._fill_restored(self._restore)
        self._show_fields()
        self._preview()

    # -- over a lock (tui.held_forms) ----------------------------------------------------------
    def hold_form(self):
        """Not yet accepted: the checklist, the kind, 代办 and the fields, to be sealed (the
        item is the catalog's, nothing personal; the rest goes into the seal)."""
        if self.result is not None or self.busy:
            return None  # accepted, or being accepted: nothing half-typed to keep
        focused = self.focused
        state = {
            "person_uuid": self.person_uuid,
            "inquiry_number": self.inquiry_number,
            "applicant": self.applicant,
            "statuses": dict(self.statuses),
            "kind_choice": self.kind_choice,
            "proxy": self.proxy,
            "fields": {f"#{box.id}": box.value for box in self.query(Input)},
            "focus": f"#{focused.id}" if isinstance(focused, Input) else None,
        }
        return partial(_restored, self.item), state

    def _fill_restored(self, state: dict[str, Any]) -> None:
        from tui.held_forms import RESTORED

        table = self.query_one("#materials", DataTable)
        for name, status in state["statuses"].items():
            if name in self.statuses and status in CYCLE:
                self.statuses[name] = status
                table.update_cell(name, "status", SHORT[status])
        self.kind_choice = state.get("kind_choice")
        self.proxy = bool(state.get("proxy"))
        for selector, value in state["fields"].items():
            self.query_one(selector, Input).value = value
        if state.get("focus"):
            self.call_after_refresh(self.query_one(state["focus"], Input).focus)
        self._line("#accepted", RESTORED)

    def _line(self, selector: str, text: str) -> None:
        show_line(self, selector, text)

    def _error(self, text: str, focus: str | None = None) -> None:
        self._line("#accept-error", text)
        if text:
            self.app.bell()
        if focus is not None:
            self.query_one(focus, Input).focus()

    def _windows(self) -> list[tuple[str, str]]:
        """The hall's windows but the item's own (read once at register open)."""
        return [(c, n) for c, n in (self.app.windows or []) if c != self.item.window]

    def _prefill_joint(self) -> None:
        names = dict(self.app.windows or [])
        own = self.item.window
        listed = [names.get(c, c) for c in getattr(self.item, "windows_involved", ()) if c != own]
        self.query_one("#joint_windows", Input).value = "、".join(listed)
        choices = "  ".join(n.removesuffix("窗口") for _, n in self._windows())
        self._line("#joint-choices", f"可选：{choices}" if choices else "")

    # -- materials ---------------------------------------------------------------------------
    def action_cycle(self) -> None:
        if self.result is not None or not self.item.materials:
            return
        table = self.query_one("#materials", DataTable)
        name = self.item.materials[table.cursor_row].name
        status = CYCLE[(CYCLE.index(self.statuses[name]) + 1) % len(CYCLE)]
        self.statuses[name] = status
        table.update_cell(name, "status", SHORT[status])
        self._preview()

    def _preview(self) -> None:
        materials = dict(self.statuses)
        self.call_store(
            _preview,
            self.app.session,
            self.item.code,
            materials,
            done=lambda ready: ready,
            what="preview",
            group="accept-preview",
        )

    @on(PreviewReady)
    def _show_preview(self, message: PreviewReady) -> None:
        if message.materials != self.statuses:
            return  # a later toggle's preview is on its way
        p = self.preview = message.preview
        self.preview_error = ""
        text = f"建议：{p.label}"
        if p.reasons:
            text += f"　{'；'.join(p.reasons)}"
        if p.to_bring:
            text += f"\n需补齐：{'、'.join(p.to_bring)}"
        self._line("#proposal", text)
        self._show_fields()

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        if message.what == "preview":
            self.preview = None
            self.preview_error = message.message
            self._line("#proposal", "")
            self._show_fields()
        self.busy = False
        self._error(message.message, self._field_for(message.message))

    def _field_for(self, message: str) -> str | None:
        """The field a refusal points at, if it is on screen (the focus goes there)."""
        for words, selector in FIELD_OF:
            if words in message and self.query_one(selector, Input).parent.display:
                return selector
        return None

    # -- the kind and its fields -------------------------------------------------------------
    def chosen_kind(self) -> str | None:
        """The kind to accept as: the clerk's choice, else the proposal (None before it)."""
        if self.kind_choice is not None:
            return self.kind_choice
        return self.preview.proposed if self.preview is not None else None

    def action_cycle_kind(self) -> None:
        if self.result is not None or self.busy:
            return
        if self.preview is None:
            self.app.bell()
            return
        choices = self.preview.candidates
        current = self.chosen_kind()
        position = choices.index(current) + 1 if current in choices else 0
        self.kind_choice = choices[position % len(choices)]
        self._error("")
        self._show_fields()

    def action_proxy(self) -> None:
        if self.result is not None or self.busy:
            return
        self.proxy = not self.proxy
        self._show_fields()
        if self.proxy:
            self.query_one("#proxy_name", Input).focus()
        else:
            self._focus_table()

    def _focus_table(self) -> None:
        table = self.query_one("#materials", DataTable)
        if table.display:
            table.focus()
        else:
            self.set_focus(None)

    def _show_fields(self) -> None:
        kind = self.chosen_kind()
        for row, kinds in ROWS:
            self.query_one(f"#{row}").display = kind in kinds
        self.query_one("#row-proxy").display = self.proxy
        if not self.proxy:
            self._line("#proxy-error", "")
        p = self.preview
        if kind is None or p is None:
            self._line("#kind", "")
            return
        parts = " ".join(
            f"【{choice_label(k)}】" if k == kind else choice_label(k) for k in p.candidates
        )
        text = f"受理为：{parts}" + ("（K 切换）" if len(p.candidates) > 1 else "")
        if kind not in p.candidates:
            text = f"受理为：【{choice_label(kind)}】与所核材料不符（K 切换：{parts}）"
        due, provisional = p.dues.get(kind, (None, False))
        if due is not None:
            text += f"　办结期限 {due:%Y-%m-%d}" + ("（暂定）" if provisional else "")
        elif kind == "supplement":
            text += "　材料补齐后起算时限"
        if self.proxy:
            text += "　代办"
        self._line("#kind", text)
        if kind == TOLERANCE and p.commitment_by is not None:
            latest = f"{p.commitment_by:%Y-%m-%d}" + (
                "（暂定）" if p.commitment_provisional else ""
            )
            self.query_one("#tolerance-hint", Static).update(f"工作日，今天至 {latest}")
        if kind == "escalated":
            default = f"可空：默认 {due:%Y-%m-%d}" if due is not None else "可空"
            self.query_one("#forward-hint", Static).update(default)
        if kind == "returned":
            reasons = self.query_one("#return_reasons", Input)
            prefill = "；".join(p.reasons) if p.proposed == "returned" else ""
            if reasons.value in ("", self._reasons_prefill):
                reasons.value = prefill
            self._reasons_prefill = prefill

    @on(Input.Changed)
    def _field_changed(self) -> None:
        if self.result is None and not self.busy:
            self._line("#accept-error", "")  # the clerk is putting it right

    @on(Input.Changed, "#proxy_id")
    def _proxy_id_changed(self, event: Input.Changed) -> None:
        self._check_proxy_id(event.value)

    def _check_proxy_id(self, value: str) -> str:
        """Validate the proxy's ID number as typed (like 首问登记); the error, or ""."""
        from policies.errors import PolicyError
        from policies.idnumber import validate_resident_id
        from store.clock import local_date

        text = value.strip().upper()
        self.proxy_id_valid = None
        error = ""
        if len(text) >= 18:
            try:
                self.proxy_id_valid = validate_resident_id(
                    text, today=local_date(self.app.session.now())
                )
            except PolicyError as exc:
                error = f"代办人{exc}"
        self._line("#proxy-error", error)
        return error

    # -- accept ------------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#materials")
    def _row_enter(self) -> None:
        self.action_enter()

    @on(Input.Submitted)
    def _field_enter(self, event: Input.Submitted) -> None:
        """Enter in a field moves on to the next one shown; in the last, it accepts."""
        shown = [box for box in self.focus_chain if isinstance(box, Input)]
        position = shown.index(event.input) if event.input in shown else len(shown)
        if position + 1 < len(shown):
            shown[position + 1].focus()
        else:
            self.action_accept()

    def action_enter(self) -> None:
        if self.result is None:
            self.action_accept()
        elif self._notice_kind() is not None:
            self.action_notice()
        else:
            self.action_open_case()

    def action_accept(self) -> None:
        if self.busy or self.result is not None:
            return
        if not self.person_uuid:
            self._error("请先读取身份证或登记申请人")
            return
        if self.preview is None:
            self._error(self.preview_error or "正在核对材料，请稍候再确认")
            return
        form = self._form()
        if form is None:
            return
        self.busy = True
        self._line("#accept-error", "正在受理…")
        self._accept(dict(self.statuses), form)

    def _form(self) -> dict | None:
        """accept_case's arguments for the chosen kind, or None with the reason on screen
        (checked here first, so that nothing reaches the store half-filled)."""
        from store.cases import ProxyInput

        kind = self.chosen_kind()
        form: dict[str, Any] = {"kind": kind}

        def value(selector: str) -> str:
            return self.query_one(selector, Input).value.strip()

        try:
            if kind == TOLERANCE:
                if not value("#tolerance_date"):
                    raise ValueError("容缺受理须填写申请人承诺补齐材料的日期", "#tolerance_date")
                form["tolerance_commitment_date"] = self._date("#tolerance_date", "承诺补齐日期")
            elif kind == "returned":
                if not value("#return_reasons"):
                    raise ValueError("退回原因不能为空（请写明退回的理由）", "#return_reasons")
                form["return_reasons"] = value("#return_reasons")
            elif kind == "joint":
                try:
                    codes = parse_windows(value("#joint_windows"), self._windows())
                except ValueError as exc:
                    raise ValueError(str(exc), "#joint_windows") from None
                if not codes:
                    raise ValueError("联办件须指定至少一个协办窗口", "#joint_windows")
                form["joint_windows"] = codes
            elif kind == "escalated" and value("#forward_by"):
                form["forward_by"] = self._date("#forward_by", "承诺上报日期")
            if self.proxy:
                if not value("#proxy_name"):
                    raise ValueError("代办人姓名不能为空", "#proxy_name")
                if not value("#proxy_id"):
                    raise ValueError("代办须登记代办人的身份证号码", "#proxy_id")
                if self._check_proxy_id(value("#proxy_id")):
                    raise ValueError("", "#proxy_id")  # the reason is on the 代办 line
                if self.proxy_id_valid is None:
                    raise ValueError("代办人身份证号码长度不是18位", "#proxy_id")
                form["proxy"] = ProxyInput(
                    value("#proxy_name"), self.proxy_id_valid.number, value("#proxy_phone") or None
                )
        except ValueError as exc:
            message, *where = exc.args
            self._error(message, where[0] if where else None)
            if not message:
                self.app.bell()
            return None
        return form

    def _date(self, selector: str, what: str) -> dt.date:
        try:
            # Both date fields are commitments ahead: a day past this year means next year's.
            return parse_date(
                self.query_one(selector, Input).value,
                what,
                today=hall_today(self.app),
                future=True,
            )
        except ValueError as exc:
            raise ValueError(str(exc), selector) from None

    def _accept(self, materials: dict[str, str], form: dict[str, Any]) -> None:
        from store.cases import accept_case

        self.call_store(
            accept_case,
            self.app.session,
            inquiry_number=self.inquiry_number,
            item_code=self.item.code,
            person_uuid=self.person_uuid,
            materials=materials,
            done=CaseAccepted,
            what="accept",
            **form,
        )

    @on(CaseAccepted)
    def _accepted(self, message: CaseAccepted) -> None:
        r = self.result = message.result
        self.busy = False
        for box in self.query(Input):
            box.disabled = True
        label = choice_label(r.kind)
        if r.tolerance:
            label += "（容缺受理）"
        if r.proxy:
            label += "（代办）"
        text = f"已受理：办件号 {r.number}　{label}"
        if r.due_date is not None:
            text += f"　办结期限 {r.due_date:%Y-%m-%d}" + ("（暂定）" if r.due_provisional else "")
        if r.missing_materials:
            text += f"\n缺：{'、'.join(r.missing_materials)}"
        notice = self._notice_kind()
        if notice is not None:
            from store.cases import NOTICE_KINDS

            text += f"\n回车或 N 出具《{NOTICE_KINDS.get(notice, notice)}》　O 打开办件　Esc 返回"
        else:
            text += "\n回车或 O 打开办件（当场办结）　Esc 返回"
        self._line("#accept-error", "")
        self._line("#accepted", text)
        # The result is this screen's line, not an app-wide toast that would still show
        # over the next caller's 首问登记.
        self._focus_table()

    # -- after acceptance --------------------------------------------------------------------
    def _notice_kind(self) -> str | None:
        """The notice the accepted case calls for (None: the result itself is handed over)."""
        return self.result.notice_kind if self.result is not None else None

    def action_notice(self) -> None:
        kind = self._notice_kind()
        if kind is None:
            self.app.bell()
            return
        from tui.screens.notice import NoticeScreen

        self.app.push_screen(NoticeScreen(self.result.number, kind))

    def action_open_case(self) -> None:
        if self.result is None:
            self.app.bell()
            return
        from tui.screens.case import open_case

        open_case(self, self.result.number)

    def action_back(self) -> None:
        # Esc in a field leaves the field, not the screen (what was typed stays).
        if isinstance(self.focused, Input):
            self._focus_table()
            return
        if self.result is None and self.inquiry_number and not self.busy:
            self._give_up()
            return
        self.app.pop_screen()

    def _give_up(self) -> None:
        """Leaving before the case is registered: the 首问登记 said 本窗口受理, so ask
        whether to close it as 当场答复 instead of leaving it open without a case."""
        from store.inquiries import answer_instead
        from tui.screens.case_forms import ConfirmForm

        number = self.inquiry_number

        def closed(result) -> None:
            if result is not None:
                text = f"已登记：登记号 {number}（当场答复，未受理）"
                self.app.pop_screen()
                from tui.screens.inquiry import InquiryScreen

                # On the 首问登记 screen's result line; a toast only when it is not there
                # (the acceptance came back alone after a lock).
                if isinstance(self.app.screen, InquiryScreen):
                    self.app.screen.show_result(text)
                else:
                    self.app.notify(text, timeout=8)

        self.app.push_screen(
            ConfirmForm(
                f"登记号 {number} 尚未受理",
                lambda session, _v: answer_instead(session, number),
                note="申请人暂不办理：回车 改为当场答复（已一次性告知）并返回；Esc 继续受理。",
            ),
            callback=closed,
        )
