"""督办: a referred (转办) or escalated (报主任) inquiry opened from the queue.

The receiving window handles it (A 受理, D 办结/已答复); the first asker follows it up until
it is finished; only the supervisor sends it back to the first asker's window (H) or to
another window (G) — the receiving window may not push it back (首问负责制). Names and
phones are masked here.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen, is_supervisor
from tui.screens.case_forms import ConfirmForm, Done, PickForm
from tui.widgets.footer import CounterFooter
from tui.widgets.lines import key_hint, show_line
from tui.widgets.status_bar import StatusBar

#: What a clerk of the receiving window is told when trying to send a referral back.
NO_SEND_BACK = "接收窗口不能自行退回，需主任处理"

KEYS = (
    ("a", "accept", "受理"),
    ("d", "finish", "办结/已答复"),
    ("h", "send_back", "退回首问人"),
    ("g", "reassign", "改派窗口"),
)


class ReferralLoaded(Message):
    def __init__(self, detail: Any) -> None:
        super().__init__()
        self.detail = detail


class AcceptReady(Message):
    """The catalog item (and the person, when a card was read) for the acceptance screen."""

    def __init__(self, item: Any, person_uuid: str | None, applicant: str) -> None:
        super().__init__()
        self.item = item
        self.person_uuid = person_uuid
        self.applicant = applicant


def _window_code(app) -> str | None:
    return app.today_post.window_code if app.today_post is not None else None


def prepare_acceptance(session, register, item_code: str, card: Any) -> tuple[Any, str | None]:
    """On the store thread: the catalog item, and the person registered from the card read
    at this window (a phone caller who gave no ID number comes with their card)."""
    from store.catalog import load_catalog
    from store.inquiries import PersonInput, save_person

    item = load_catalog(register).item(item_code)
    person_uuid = None
    if card is not None:
        view = save_person(
            session,
            PersonInput(
                name=card.name,
                id_number=card.id_number,
                gender=card.gender,
                birth_date=card.birth_date,
                address=card.address,
            ),
        )
        person_uuid = view.uuid
    return item, person_uuid


class ReferralScreen(CounterScreen):
    """督办（转办、报主任）."""

    DEFAULT_CSS = """
    ReferralScreen .line { height: auto; padding: 0 1; }
    ReferralScreen #referral-done { color: $success; text-style: bold; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="referral.back", show=False),
        *(
            Binding(key, action, label, id=f"referral.{action}", show=False)
            for key, action, label in KEYS
        ),
    ]

    def __init__(self, row: Any) -> None:
        super().__init__()
        self.row = row  # store.queue.QueueRow (section "referral")
        self.number = row.number
        self.detail: Any = None
        self.card: Any = None  # a card read on this screen (the applicant came in person)

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(
            f"督办　{self.row.number}　{self.row.kind_label}", classes="title", id="referral-title"
        )
        yield Static("正在读取…", classes="line", id="referral-facts")
        yield Static("", classes="error-line", id="referral-error", markup=False)
        yield Static("", classes="line", id="referral-done")
        yield Static("", classes="hint", id="referral-hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        self._say("", "")
        self._load()

    def _load(self) -> None:
        from store.referrals import referral_detail

        app = self.app
        if app.session is None:
            return
        self.call_store(
            referral_detail,
            app.session,
            self.number,
            window_code=_window_code(app),
            done=ReferralLoaded,
            what="referral",
        )

    @on(ReferralLoaded)
    def _show(self, message: ReferralLoaded) -> None:
        d = self.detail = message.detail
        if d.disposition == "escalated":
            role = "报主任（待主任决定承办窗口）"
        elif d.received_here:
            role = "转入本窗口（请办理，不得推回）"
        elif d.asked_first:
            role = "我首问转出（督办至办结）"
        else:
            role = self.row.kind_label
        self.query_one("#referral-title", Static).update(f"督办　{d.number}　{role}")
        who = d.caller or "—"
        if d.contact:
            who += f"　电话 {d.contact}"
        if self.card is not None:
            who += "　（已读卡）"
        matter = f"{d.item_name}（{d.item_code}）" if d.item_code else "未指定服务事项"
        lines = [
            f"登记时间 {d.at:%Y-%m-%d %H:%M}　渠道 {d.channel_label}　处理方式 {d.disposition_label}",
            f"来访人/来电人：{who}",
            f"所问事项：{matter}",
        ]
        if d.topic:
            lines.append(f"所问内容：{d.topic}")
        asker = f"{d.first_asker_number} {d.first_asker_name}".strip()
        if d.from_window_name:
            asker += f"（{d.from_window_name}）"
        lines.append(f"首问责任人：{asker}")
        if d.referred_to_name:
            phone = f"　电话 {d.referred_to_phone}" if d.referred_to_phone else ""
            lines.append(f"承办窗口：{d.referred_to_name}{phone}")
        state = "待办结" if d.state == "open" else "已办结"
        if d.case_number:
            state = f"已受理为办件 {d.case_number}" + (
                "（督办至办件办结）" if d.state == "open" else "（办件已办结）"
            )
        lines.append(f"状态：{state}")
        self.query_one("#referral-facts", Static).update("\n".join(lines))
        self.query_one("#referral-hint", Static).update(self._hint(d))

    def _hint(self, d) -> str:
        shown = set()
        if d.state == "open" and not d.case_number:
            if d.received_here and d.disposition == "referred":
                shown |= {"accept", "finish", "send_back"}
            elif d.disposition == "referred":
                shown.add("finish")
            if is_supervisor(self.app.session):
                shown |= {"finish", "send_back", "reassign"}
        return key_hint(KEYS, shown)

    def _say(self, error: str, done: str = "") -> None:
        show_line(self, "#referral-error", error)
        show_line(self, "#referral-done", done)

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self._say(message.message)
        self.app.bell()

    def _ready(self) -> bool:
        if self.detail is None:
            self._say("登记尚未读取完成，请稍候")
            return False
        if self.detail.state != "open":
            self._say(f"首问登记 {self.detail.number} 已办结")
            return False
        if self.detail.case_number:
            self._say(f"已受理为办件 {self.detail.case_number}：请在办件中办理（督办至办结）")
            return False
        return True

    def _form(self, form, done_text: str) -> None:
        def finished(result: Done | None) -> None:
            if result is not None:
                self._say("", done_text)
                self._load()

        self._say("")
        self.app.push_screen(form, callback=finished)

    # -- a card read: the applicant came to the receiving window ------------------------------
    def card_read(self, card) -> None:
        self.card = card
        self._say("", "已读卡：按 A 受理")
        if self.detail is not None:
            self.post_message(ReferralLoaded(self.detail))

    # -- actions -----------------------------------------------------------------------------
    def action_accept(self) -> None:
        """受理 at the receiving window: straight on to the acceptance screen."""
        if not self._ready():
            return
        d = self.detail
        if d.disposition != "referred" or not d.received_here:
            where = d.referred_to_name or "承办窗口"
            self._say(f"该事项由{where}受理；本窗口督办至办结")
            return
        if not d.item_code:
            self._say("该登记未指定服务事项：请按 F2 登记并选择事项后受理，再按 D 办结本登记")
            return
        if d.person_uuid is None and self.card is None:
            self._say("来电人未登记证件：请申请人刷身份证后再按 A 受理")
            return
        self._say("", "正在准备受理…")
        card = self.card
        # The inquiry's own person when no card was read here.
        registered = d.person_uuid
        applicant = card.name if card else ""
        self.call_store(
            prepare_acceptance,
            self.app.session,
            self.app.register,
            d.item_code,
            card,
            done=lambda result: AcceptReady(result[0], result[1] or registered, applicant),
            what="referral-accept",
        )

    @on(AcceptReady)
    def _to_acceptance(self, message: AcceptReady) -> None:
        from tui.screens.accept import AcceptScreen

        self._say("")
        self.app.push_screen(
            AcceptScreen(
                item=message.item,
                person_uuid=message.person_uuid,
                inquiry_number=self.number,
                applicant=message.applicant or self.detail.caller,
            )
        )

    def on_screen_resume(self) -> None:
        # Back from the acceptance screen: the inquiry may be closed now.
        if self.detail is not None:
            self._load()

    def action_finish(self) -> None:
        """办结/已答复: the matter is done; it leaves the queues (督办 ends)."""
        from store.inquiries import finish_inquiry

        if not self._ready():
            return
        number = self.number
        self._form(
            ConfirmForm(
                f"办结：首问登记 {number}",
                lambda session, _v: finish_inquiry(session, number),
                note="该事项已办结或已答复来访人/来电人？",
            ),
            f"首问登记 {number} 已办结",
        )

    def action_send_back(self) -> None:
        """退回首问人: only the supervisor (the receiving window may not push it back)."""
        from store.inquiries import reassign_inquiry

        if not self._ready():
            return
        if not is_supervisor(self.app.session):
            self._say(NO_SEND_BACK)
            self.app.bell()
            return
        d = self.detail
        if not d.from_window_code:
            self._say("首问人没有所属窗口：请按 G 改派窗口")
            return
        number, code = self.number, d.from_window_code
        self._form(
            ConfirmForm(
                f"退回首问人：首问登记 {number}",
                lambda session, _v: reassign_inquiry(session, number, code),
                note=f"退回首问责任人所在的{d.from_window_name}办理？",
            ),
            f"已退回{d.from_window_name}",
        )

    def action_reassign(self) -> None:
        """改派: the supervisor decides whose it is (报主任) or sends it elsewhere."""
        from store.inquiries import reassign_inquiry

        if not self._ready():
            return
        if not is_supervisor(self.app.session):
            self._say(NO_SEND_BACK)
            self.app.bell()
            return
        d = self.detail
        windows = [(c, n) for c, n in (self.app.windows or []) if c != d.referred_to_code]
        number = self.number
        self._form(
            PickForm(
                f"改派窗口：首问登记 {number}",
                windows,
                lambda session, v: reassign_inquiry(session, number, v["value"]),
                note="选择承办窗口：",
            ),
            "已改派",
        )

    def action_back(self) -> None:
        self.app.pop_screen()


__all__ = ["NO_SEND_BACK", "ReferralScreen", "prepare_acceptance"]
