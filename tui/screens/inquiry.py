"""首问登记 (F2): channel, the person (card, typed ID number, or name and phone), the matter
(a catalog item found by name or pinyin initials, or free text) and the disposition, one
key each. 本窗口受理 goes straight on to the acceptance screen."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.lines import show_line
from tui.widgets.status_bar import StatusBar

CHANNELS = (("visit", "来访"), ("phone", "电话"), ("online", "网上"))
DISPOSITION_KEYS = (
    ("ctrl+d", "answered", "当场答复"),
    ("ctrl+a", "accepted", "本窗口受理"),
    ("ctrl+t", "referred", "转办"),
    ("ctrl+e", "escalated", "报主任"),
)
HINT = (
    "Ctrl+D 当场答复  Ctrl+A 本窗口受理  Ctrl+T 转办  Ctrl+E 报主任"
    "  Ctrl+O 投诉  Ctrl+N 渠道  ↑↓回车 选事项  Esc 返回"
)
MATCHES = 5
#: Tab, Shift+Tab or ↑↓ onto a field puts the cursor at its end: the text is never selected,
#: so the next key typed does not replace it.
KEEP_TEXT = {"compact": True, "select_on_focus": False}
#: The form's fields in screen order (Tab order, the idle lock's sealed copy, clearing).
FIELDS = ("#id_number", "#name", "#phone", "#matter", "#answer")


class CatalogLoaded(Message):
    def __init__(self, catalog: Any) -> None:
        super().__init__()
        self.catalog = catalog


class PersonKnown(Message):
    """What the register holds for a typed ID number: how many records, and the name and
    phone registered (to fill the empty fields; never logged or shown in a repr)."""

    def __init__(self, id_number: str, known: tuple[int, str, str | None] | None) -> None:
        super().__init__()
        self.id_number = id_number
        self.count, self.name, self.phone = known if known is not None else (None, "", None)

    def __rich_repr__(self):
        yield "count", self.count


class InquirySaved(Message):
    def __init__(self, result: Any, window_name: str = "") -> None:
        super().__init__()
        self.result = result
        self.window_name = window_name


class InquiryScreen(CounterScreen):
    """首问登记（F2）."""

    DEFAULT_CSS = """
    InquiryScreen .row { height: auto; width: 100%; }
    InquiryScreen .lbl { width: auto; padding: 0 1 0 1; }
    InquiryScreen #matches, InquiryScreen #windows {
        height: auto; max-height: 6; margin: 0 1; border: none; padding: 0;
    }
    InquiryScreen #windows { max-height: 8; }
    InquiryScreen .line { height: auto; padding: 0 1; }
    InquiryScreen #result { color: $success; text-style: bold; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="inquiry.back", show=False),
        Binding("ctrl+n", "channel", "渠道", id="inquiry.channel", show=False, priority=True),
        Binding("ctrl+o", "complaint", "投诉", id="inquiry.complaint", show=False, priority=True),
        *(
            Binding(
                key,
                f"dispose('{code}')",
                label,
                id=f"inquiry.{code}",
                show=False,
                priority=True,
            )
            for key, code, label in DISPOSITION_KEYS
        ),
        Binding("down", "move(1)", "下一项", id="inquiry.down", show=False),
        Binding("up", "move(-1)", "上一项", id="inquiry.up", show=False),
    ]

    def __init__(self, restore: dict[str, Any] | None = None) -> None:
        super().__init__()
        #: The form as an idle lock sealed it (tui.held_forms), to fill in on mount.
        self._restore = restore
        self.catalog: Any = None
        self.item: Any = None  # the picked catalog item (policies.catalog.ServiceItem)
        self.channel = 0
        self.card: Any = None  # the last card read (gender, birth date, address)
        self.id_valid: Any = None  # policies.idnumber.ResidentId of the typed number
        self.id_error = ""
        self.saving = False
        self.referring = False
        self._leaving = False  # Esc once with something typed: the next Esc leaves
        self._matches: list[Any] = []

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="channel", classes="title")
        with Horizontal(classes="row"):
            yield Static("证件号码", classes="lbl")
            yield Input(id="id_number", max_length=18, placeholder="刷卡或输入", **KEEP_TEXT)
            yield Static("姓名", classes="lbl")
            yield Input(id="name", max_length=20, **KEEP_TEXT)
            yield Static("电话", classes="lbl")
            yield Input(id="phone", max_length=20, **KEEP_TEXT)
        yield Static("", id="id-error", classes="error-line", markup=False)
        yield Static("", id="person-info", classes="line hint")
        with Horizontal(classes="row"):
            yield Static("所问事项", classes="lbl")
            yield Input(
                id="matter",
                max_length=100,
                placeholder="事项名称或拼音首字母（如 dbsq），或直接填写所问内容",
                **KEEP_TEXT,
            )
        yield OptionList(id="matches")
        yield OptionList(id="windows")
        yield Static("", id="picked", classes="line")
        with Horizontal(classes="row"):
            yield Static("答复内容", classes="lbl")
            yield Input(
                id="answer", max_length=500, placeholder="当场答复时所答内容（Ctrl+D）", **KEEP_TEXT
            )
        yield Static(HINT, classes="hint")
        yield Static("", id="error", classes="error-line", markup=False)
        yield Static("", id="result", classes="line")
        yield CounterFooter()

    #: Field widths (inline: the app's stylesheet gives every Input the full width).
    WIDTHS = (
        ("#id_number", 22),
        ("#name", 12),
        ("#phone", "1fr"),
        ("#matter", "1fr"),
        ("#answer", "1fr"),
    )

    def on_mount(self) -> None:
        for selector, width in self.WIDTHS:
            field = self.query_one(selector, Input)
            field.styles.width = width
            # One line each, also in the console theme (its boxed inputs would hide the text).
            field.styles.border = ("none", "black")
        matches = self.query_one("#matches", OptionList)
        matches.can_focus = False
        matches.display = False
        self.query_one("#windows", OptionList).display = False
        self._show_channel()
        for selector in ("#id-error", "#person-info", "#picked", "#error", "#result"):
            self._line(selector, "")
        self.query_one("#id_number", Input).focus()
        if self._restore is not None:
            self._fill_restored(self._restore)
        self.call_store(searchable_catalog, self.app.register, done=CatalogLoaded, what="catalog")

    # -- over an idle lock (tui.held_forms) ----------------------------------------------------
    def hold_form(self):
        values = {field: self.query_one(field, Input).value for field in FIELDS}
        if self.saving or not any(value.strip() for value in values.values()):
            return None  # nothing typed, or already on its way to the register
        focused = self.focused
        state = {
            "fields": values,
            "channel": self.channel,
            "item": self.item.code if self.item is not None else None,
            "focus": f"#{focused.id}" if isinstance(focused, Input) else None,
        }
        return InquiryScreen, state

    def _fill_restored(self, state: dict[str, Any]) -> None:
        from tui.held_forms import RESTORED

        self.channel = int(state.get("channel", 0)) % len(CHANNELS)
        self._show_channel()
        for field, value in state["fields"].items():
            self.query_one(field, Input).value = value
        if state.get("focus") in FIELDS:
            box = self.query_one(state["focus"], Input)
            box.focus()
            box.cursor_position = len(box.value)
        self._line("#result", RESTORED)

    def _line(self, selector: str, text: str) -> None:
        show_line(self, selector, text)

    # -- store work --------------------------------------------------------------------------
    @on(CatalogLoaded)
    def _catalog_ready(self, message: CatalogLoaded) -> None:
        self.catalog = message.catalog
        self._search(self.query_one("#matter", Input).value)
        code = (self._restore or {}).get("item")
        item = next((i for i in self.catalog.items if i.code == code), None) if code else None
        if item is not None:
            self._pick(item)  # the item picked before the lock

    @on(PersonKnown)
    def _known(self, message: PersonKnown) -> None:
        if self.id_valid is None or self.id_valid.number != message.id_number:
            return
        info = self._person_text()
        if message.count is None:
            info += "  ｜ 首次来访（登记本中尚无此人）"
        else:
            info += f"  ｜ 登记本中有此人 {message.count} 条记录（登记与办件）"
            filled = self._fill_known(message.name, message.phone)
            if filled:
                info += f"\n已按身份证号填入登记过的{'和'.join(filled)}"
        self._line("#person-info", info)

    def _fill_known(self, name: str, phone: str | None) -> list[str]:
        """The registered name and phone into the fields the clerk left empty (what was
        typed stays); returns what was filled."""
        filled = []
        for selector, value, label in (("#name", name, "姓名"), ("#phone", phone, "电话")):
            field = self.query_one(selector, Input)
            if value and not field.value.strip():
                field.value = value
                field.cursor_position = len(value)
                filled.append(label)
        return filled

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.saving = False
        self._line("#error", message.message)

    # -- channel -----------------------------------------------------------------------------
    def action_channel(self) -> None:
        self.channel = (self.channel + 1) % len(CHANNELS)
        self._show_channel()
        if self.referring:
            self._show_windows()

    # -- a caller who wants to complain --------------------------------------------------------
    def action_complaint(self) -> None:
        """Straight to 投诉登记 with what was typed (channel, name, phone, the matter as the
        complaint's text); no inquiry is saved, so the complainant is in no inquiry record."""
        from tui.screens.complaint import ComplaintScreen

        channel = {"visit": "口头", "phone": "电话", "online": "网上"}[CHANNELS[self.channel][0]]
        prefill = {
            "channel": channel,
            "name": self.query_one("#name", Input).value.strip(),
            "contact": self.query_one("#phone", Input).value.strip(),
            "description": self.query_one("#matter", Input).value.strip(),
        }
        self.app.switch_screen(ComplaintScreen(prefill))

    def _show_channel(self) -> None:
        parts = [
            f"【{label}】" if i == self.channel else label for i, (_, label) in enumerate(CHANNELS)
        ]
        self.query_one("#channel", Static).update(
            f"首问登记（F2）　渠道：{' '.join(parts)}（Ctrl+N 切换）"
        )

    # -- the person --------------------------------------------------------------------------
    def card_read(self, card) -> None:
        self.card = card
        self.query_one("#name", Input).value = card.name or ""
        self.query_one("#id_number", Input).value = card.id_number or ""
        self._check_id(card.id_number or "")
        self.query_one("#matter", Input).focus()

    def _person_text(self) -> str:
        card = self.card
        if (
            card is not None
            and self.id_valid is not None
            and card.id_number == self.id_valid.number
        ):
            birth = f"{card.birth_date:%Y-%m-%d}" if card.birth_date else ""
            return f"已读卡：{card.gender} {birth} {card.address or ''}".strip()
        if self.id_valid is not None:
            return f"{self.id_valid.gender} {self.id_valid.birth_date:%Y-%m-%d}"
        return ""

    @on(Input.Changed, "#id_number")
    def _id_changed(self, event: Input.Changed) -> None:
        self._check_id(event.value)

    def _check_id(self, value: str) -> None:
        from policies.errors import PolicyError
        from policies.idnumber import validate_resident_id
        from store.clock import local_date

        text = value.strip().upper()
        if self.id_valid is not None and self.id_valid.number == text:
            return
        self.id_valid = None
        self.id_error = ""
        self._line("#person-info", "")
        if len(text) < 18:
            self._line("#id-error", "")
            return
        try:
            self.id_valid = validate_resident_id(text, today=local_date(self.app.session.now()))
        except PolicyError as exc:
            self.id_error = str(exc)
            self._line("#id-error", self.id_error)
            return
        self._line("#id-error", "")
        self._line("#person-info", self._person_text() + "  ｜ 正在查找登记本…")
        number = self.id_valid.number
        self.call_store(
            person_on_record,
            self.app.session,
            number,
            done=partial(PersonKnown, number),
            what="person",
        )

    # -- the matter --------------------------------------------------------------------------
    @on(Input.Changed, "#matter")
    def _matter_changed(self, event: Input.Changed) -> None:
        if self.item is not None and event.value == self.item.name:
            return
        self.item = None
        self._search(event.value)
        self._show_picked()

    def _search(self, text: str) -> None:
        matches = self.query_one("#matches", OptionList)
        found = []
        if self.catalog is not None and text.strip() and self.item is None:
            found = self.catalog.search(text.strip(), MATCHES)
        self._matches = found
        matches.clear_options()
        windows = {w.code: w.name for w in self.catalog.windows} if self.catalog else {}
        for item in found:
            matches.add_option(Option(f"{item.name}　{windows.get(item.window, item.window)}"))
        matches.display = bool(found) and not self.referring
        if found:
            matches.highlighted = 0

    def action_move(self, step: int) -> None:
        matches = self.query_one("#matches", OptionList)
        if matches.display and self._matches:
            current = matches.highlighted or 0
            matches.highlighted = (current + step) % len(self._matches)
        else:
            self.focus_next() if step > 0 else self.focus_previous()

    @on(Input.Submitted, "#matter")
    def _matter_submitted(self, event: Input.Submitted) -> None:
        matches = self.query_one("#matches", OptionList)
        if matches.display and self._matches:
            self._pick(self._matches[matches.highlighted or 0])

    @on(Input.Submitted, "#id_number, #name, #phone")
    def _next_field(self) -> None:
        self.focus_next()

    def _pick(self, item) -> None:
        self.item = item
        matter = self.query_one("#matter", Input)
        matter.value = item.name
        matter.cursor_position = len(item.name)
        self.query_one("#matches", OptionList).display = False
        self._matches = []
        self._show_picked()

    def _show_picked(self) -> None:
        if self.item is None:
            text = self.query_one("#matter", Input).value.strip()
            self._line("#picked", "未选服务事项：按咨询登记所填内容" if text else "")
            return
        from policies.cases import KINDS

        item = self.item
        window = next((w.name for w in self.catalog.windows if w.code == item.window), item.window)
        kind = KINDS[item.default_kind].label if item.default_kind in KINDS else item.default_kind
        self._line(
            "#picked",
            f"事项：{item.code} {item.name}　{window}　{kind}　承诺 {item.promised_limit_days} 个工作日",
        )

    # -- disposition and save ----------------------------------------------------------------
    def action_dispose(self, disposition: str) -> None:
        if self.saving:
            return
        form = self._form(disposition)
        if form is None:
            return
        if disposition == "referred":
            self.referring = True
            self._show_windows()
            return
        self.saving = True
        self._line("#error", "正在登记…")
        self._save(form, disposition, None, "")

    def _save(self, form: dict, disposition: str, referred_to: str | None, window_name: str):
        from store.inquiries import register_inquiry

        self.call_store(
            register_inquiry,
            self.app.session,
            disposition=disposition,
            referred_to=referred_to,
            **form,
            done=lambda result: InquirySaved(result, window_name),
            what="inquiry",
            group="inquiry-save",
        )

    def _error(self, text: str, field: str | None = None) -> None:
        """A refused action: the reason, a bell, and the focus on the field to fix."""
        self._line("#error", text)
        self.app.bell()
        if field is not None:
            self.query_one(field, Input).focus()

    def _form(self, disposition: str) -> dict | None:
        """The registration's arguments, or None (with the reason on screen and the focus
        on the first field, in screen order, that needs the fix)."""
        from policies.phone import InvalidPhone, validate_phone
        from store.inquiries import PersonInput

        id_text = self.query_one("#id_number", Input).value.strip().upper()
        name = self.query_one("#name", Input).value.strip()
        phone = self.query_one("#phone", Input).value.strip()
        matter = self.query_one("#matter", Input).value.strip()
        if id_text and self.id_valid is None:
            self._error(self.id_error or "身份证号码长度不是18位", "#id_number")
            return None
        if id_text and not name:
            self._error("请填写来访人姓名", "#name")
            return None
        if not id_text:
            if not name and not phone:
                self._error("请读取身份证，或填写来访人姓名和联系电话", "#id_number")
                return None
            if not name:
                self._error("请填写来访人姓名（或读取身份证）", "#name")
                return None
            if not phone:
                self._error("请填写来访人联系电话（或读取身份证）", "#phone")
                return None
        if phone:
            try:
                validate_phone(phone)
            except InvalidPhone as exc:
                self._error(str(exc), "#phone")
                return None
        if not matter:
            self._error("所问事项不能为空（请选择服务事项或填写所问内容）", "#matter")
            return None
        if disposition == "accepted" and self.item is None:
            self._error("本窗口受理须选择服务事项（输入名称或拼音首字母后回车）", "#matter")
            return None
        person = None
        caller_name = caller_phone = None
        if id_text:
            card = self.card if self.card and self.card.id_number == id_text else None
            person = PersonInput(
                name=name,
                id_number=id_text,
                phone=phone or None,
                gender=(card.gender if card else self.id_valid.gender),
                birth_date=(card.birth_date if card else self.id_valid.birth_date),
                address=card.address if card else None,
            )
        elif disposition == "accepted":
            person = PersonInput(name=name, phone=phone)
        else:
            caller_name, caller_phone = name, phone
        answer = self.query_one("#answer", Input).value.strip()
        self._line("#error", "")
        return {
            "answer": (answer or None) if disposition == "answered" else None,
            "channel": CHANNELS[self.channel][0],
            "person": person,
            "caller_name": caller_name,
            "caller_phone": caller_phone,
            "item_code": self.item.code if self.item else None,
            "topic": None if self.item else matter,
        }

    def _show_windows(self) -> None:
        windows = self.query_one("#windows", OptionList)
        windows.clear_options()
        own = self.app.today_post.window_code if self.app.today_post is not None else None
        phone_call = CHANNELS[self.channel][0] == "phone"
        self._windows = [w for w in (self.catalog.windows if self.catalog else ()) if w.code != own]
        for w in self._windows:
            text = f"{w.name}　电话 {w.phone}" if phone_call and w.phone else w.name
            windows.add_option(Option(text))
        self.query_one("#matches", OptionList).display = False
        windows.display = True
        if self._windows:
            # The item's own window first in the cursor: the usual 转办 is one Enter.
            codes = [w.code for w in self._windows]
            owner = self.item.window if self.item is not None else None
            windows.highlighted = codes.index(owner) if owner in codes else 0
        windows.focus()
        self._line("#error", "转办：选择承办窗口后回车（Esc 取消）")

    @on(OptionList.OptionSelected, "#windows")
    def _window_picked(self, event: OptionList.OptionSelected) -> None:
        window = self._windows[event.option_index]
        form = self._form("referred")
        if form is None or self.saving:
            return
        self.saving = True
        self._save(form, "referred", window.code, window.name)

    def _end_referral(self) -> None:
        self.referring = False
        self.query_one("#windows", OptionList).display = False

    @on(InquirySaved)
    def _saved(self, message: InquirySaved) -> None:
        from store.inquiries import DISPOSITIONS

        result = message.result
        self.saving = False
        item = self.item
        self._end_referral()
        text = f"已登记：登记号 {result.number}（{DISPOSITIONS[result.disposition]}）"
        if result.disposition == "referred":
            text += f"，转{message.window_name}"
            if result.referred_window_phone:
                text += f"，请告知来电人：{message.window_name}电话 {result.referred_window_phone}"
        self._line("#error", "")
        # The result belongs to this screen (no app-wide toast): the next F2, or the next
        # caller's first key here, does not show the previous caller's result.
        self._line("#result", text)
        name = self.query_one("#name", Input).value.strip()
        self._clear()
        at_counter = CHANNELS[self.channel][0] == "visit"
        if result.disposition == "answered" and at_counter:
            # A caller or an online asker cannot press the 评价器 (rated later by SMS or
            # callback); a visitor is asked now.
            from tui.screens.rating import open_rating

            open_rating(self.app, inquiry_number=result.number)
        elif result.disposition == "accepted" and item is not None:
            from tui.screens.accept import AcceptScreen

            self.app.push_screen(
                AcceptScreen(
                    item=item,
                    person_uuid=result.person_uuid,
                    inquiry_number=result.number,
                    applicant=name,
                )
            )

    def _clear(self) -> None:
        self.item = None
        self.card = None
        self.id_valid = None
        for field in FIELDS:
            self.query_one(field, Input).value = ""
        self._line("#id-error", "")
        self._line("#person-info", "")
        self.query_one("#id_number", Input).focus()

    @on(Input.Changed)
    def _typing_again(self, event: Input.Changed) -> None:
        self._leaving = False
        restored = (self._restore or {}).get("fields", {}).get(f"#{event.input.id}")
        if event.value and event.value != restored:  # the next caller: the last result goes
            self._line("#result", "")

    def action_back(self) -> None:
        if self.referring:
            self._end_referral()
            self._line("#error", "")
            self.query_one("#matter", Input).focus()
            return
        if self.may_leave("再按 Esc "):
            self.app.pop_screen()

    def may_leave(self, again: str) -> bool:
        """Whether the screen may close now (Esc, or an F-key opening another screen):
        with something typed and not saved, the first press only says so."""
        typed = any(self.query_one(field, Input).value.strip() for field in FIELDS)
        if typed and not self._leaving:
            self._leaving = True
            self._line("#error", f"本次登记尚未保存：{again}放弃并离开")
            self.app.bell()
            return False
        return True

    def show_result(self, text: str) -> None:
        """The result line, when a later screen changed what was saved (受理 given up)."""
        self._line("#result", text)


def searchable_catalog(register):
    """On the store thread: the service catalog, ready to search by name or pinyin."""
    from store.catalog import load_catalog

    catalog = load_catalog(register)
    catalog.prepare_search()
    return catalog


def person_on_record(session, id_number: str) -> tuple[int, str, str | None] | None:
    """On the store thread: how many inquiries and cases the register holds for this ID
    number, with the name and phone registered (None: the person is not in it)."""
    from store.lookup import person_history, search

    result = search(session, id_number)
    if not result.persons:
        return None
    person = result.persons[0]
    history = person_history(session, person.uuid)
    return len(history.inquiries) + len(history.cases), person.name, person.phone
