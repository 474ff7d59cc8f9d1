"""好差评 (F7, and after 办结 / 当场答复): the 评价器 is armed for one service, the applicant
presses a key, the rating is stored once. The clerk may key a rating the applicant states
aloud (窗口代录). Without a service (F7 from the home screen) it first asks for the 办件号
or 登记号, prefilled with the last service of this counter.

The device decides the timeout (RatingTimeout on the channel); the countdown on screen is
display only. A service not rated is not written here: the daily job records it later.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from policies.settings import RATING_LEVELS
from tui.messages import StoreFailed
from tui.screens.base import CounterModal
from tui.widgets.lines import show_line

#: What the screen is doing; keys mean different things in each.
ASK, CHECKING, WAITING, SAVING, RATED, REFUSED, ENDED = (
    "ask",  # F7 without a service: the number is typed
    "checking",  # the store says whether the service exists and is still unrated
    "waiting",  # armed (or no 评价器): a device key or a clerk key 1–5
    "saving",
    "rated",  # 已评价: Enter/Esc closes
    "refused",  # already rated: nothing more to do here
    "ended",  # timeout, cancelled elsewhere, 评价器 lost: r re-arms, 1–5 still keys
)
CLERK_KEYS = (WAITING, ENDED)

LEVEL_LINES = "\n".join(f"  {n}  {label}" for n, label in enumerate(RATING_LEVELS, 1))


def open_rating(
    app: Any, case_number: str | None = None, inquiry_number: str | None = None
) -> None:
    """Ask for the rating of a service just finished (办结 / 当场答复): it becomes the
    counter's last service, which F7 offers again."""
    if bool(case_number) == bool(inquiry_number):
        raise ValueError("open_rating: a case number or an inquiry number, not both")
    app.last_service = ("case", case_number) if case_number else ("inquiry", inquiry_number)
    app.push_screen(RatingScreen(case_number=case_number, inquiry_number=inquiry_number))


def parse_service(text: str) -> tuple[str, str] | None:
    """("case" | "inquiry", number) for a typed 办件号 (BJ…) or 登记号 (SW…), else None."""
    from store.numbers import CASE, INQUIRY, parse_number

    parsed = parse_number(text)
    if parsed is None or parsed.prefix not in (CASE, INQUIRY):
        return None
    return ("case" if parsed.prefix == CASE else "inquiry", parsed.text)


class ServiceChecked(Message):
    def __init__(self, existing: Any) -> None:
        super().__init__()
        self.existing = existing  # store.ratings.RatingResult, or None: can be rated


class CheckFailed(StoreFailed):
    """The service could not be checked (a wrong number, no such service …)."""


class RatingSaved(Message):
    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


class RatingRefused(StoreFailed):
    """The store did not record the rating."""

    @property
    def already(self) -> bool:
        """AlreadyRated: the service is done with."""
        from store.ratings import AlreadyRated

        return self.error is not None and issubclass(self.error, AlreadyRated)


class RatingScreen(CounterModal):
    """评价（F7）."""

    DEFAULT_CSS = """
    RatingScreen { align: center middle; }
    RatingScreen .line { height: auto; }
    RatingScreen #rating-prompt { text-style: bold; }
    RatingScreen #rating-result { color: $success; text-style: bold; height: auto; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "close", "返回", id="rating.close", show=False),
        Binding("enter", "finish", "关闭", id="rating.finish", show=False),
        Binding("r", "rearm", "重新评价", id="rating.rearm", show=False),
        *(
            Binding(str(n), f"clerk({n})", f"代录{label}", id=f"rating.clerk{n}", show=False)
            for n, label in enumerate(RATING_LEVELS, 1)
        ),
    ]

    def __init__(self, case_number: str | None = None, inquiry_number: str | None = None) -> None:
        super().__init__()
        if case_number and inquiry_number:
            raise ValueError("RatingScreen: a case number or an inquiry number, not both")
        self.case_number = case_number or None
        self.inquiry_number = inquiry_number or None
        self.state = ASK if self.number is None else CHECKING
        self.result: Any = None  # store.ratings.RatingResult once saved
        self.seconds_left: int | None = None
        self._arming: Any = None  # the pending arming's RatingContext (None: not armed)
        self._device = ""  # the armed 评价器's name
        self._asked = False  # the number was typed here (a wrong one can be corrected)
        self._dismissed = False  # closed while the store was asked: arm nothing any more
        #: recorded 未评价 by the daily job: 1–5 key the rating given on the callback
        self._callback = False

    @property
    def number(self) -> str | None:
        return self.case_number or self.inquiry_number

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Center(), Vertical(classes="form", id="rating-form"):
            yield Static("", id="rating-title", classes="title")
            yield Static("请输入办件号或登记号", id="ask-label", classes="line")
            yield Input(id="service", max_length=24, placeholder="BJ… 或 SW…", compact=True)
            yield Static("请对本次服务进行评价", id="rating-prompt", classes="line")
            yield Static(LEVEL_LINES, id="levels", classes="line")
            yield Static("", id="device-line", classes="line hint")
            yield Static("", id="rating-result", classes="line")
            yield Static("", id="rating-error", classes="error-line", markup=False)
            yield Static("", id="rating-hint", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#service", Input).styles.border = ("none", "black")
        for selector in ("#device-line", "#rating-result", "#rating-error"):
            self._line(selector, "")  # an empty line takes no room
        self.set_interval(1, self._tick)
        if self.state == ASK:
            last = getattr(self.app, "last_service", None)
            field = self.query_one("#service", Input)
            if last:
                field.value = last[1]
            self._show()
            field.focus()
            if last:  # Enter takes the last service; typing replaces it
                self.call_after_refresh(field.select_all)
        else:
            self._start()

    def _line(self, selector: str, text: str) -> None:
        show_line(self, selector, text)

    def _show(self) -> None:
        """Title, the parts of the current state, and its keys."""
        asking = self.state == ASK
        what = "办件号" if self.case_number else "登记号"
        title = "评价（F7）" if asking or not self.number else f"评价　{what} {self.number}"
        self.query_one("#rating-title", Static).update(title)
        for selector in ("#ask-label", "#service"):
            self.query_one(selector).display = asking
        for selector in ("#rating-prompt", "#levels"):
            self.query_one(selector).display = self.state in (WAITING, SAVING, ENDED)
        hints = {
            ASK: "回车 确认　Esc 返回",
            CHECKING: "Esc 返回",
            WAITING: "回访时按申请人的评价 1–5 录入　Esc 返回"
            if self._callback
            else "申请人口述时按 1–5 窗口代录　Esc 取消评价",
            SAVING: "",
            RATED: "回车 或 Esc 关闭",
            REFUSED: "回车 或 Esc 关闭",
            ENDED: "r 重新评价　1–5 窗口代录　Esc 返回",
        }
        self._line("#rating-hint", hints[self.state])
        if not asking:
            self.set_focus(None)  # 1–5 and r are the screen's keys, not an input's

    # -- checking and arming -----------------------------------------------------------------
    def _start(self) -> None:
        self.state = CHECKING
        self._line("#rating-error", "")
        self._line("#device-line", "正在查询…")
        self._show()
        from store.ratings import rating_of

        self.call_store(
            rating_of,
            self.app.session,
            case_number=self.case_number,
            inquiry_number=self.inquiry_number,
            done=ServiceChecked,
            failed=CheckFailed,
            what="rating-check",
        )

    @on(CheckFailed)
    def _check_failed(self, message: CheckFailed) -> None:
        if self._dismissed or self.state != CHECKING:
            return
        self._line("#device-line", "")
        if self._asked:  # a typed number: let the clerk correct it
            self.state = ASK
            self._show()
            self._line("#rating-error", message.message)
            self.query_one("#service", Input).focus()
            return
        self.state = REFUSED
        self._show()
        self._line("#rating-error", message.message)

    @on(ServiceChecked)
    def _checked(self, message: ServiceChecked) -> None:
        if self._dismissed or self.state != CHECKING:
            return
        existing = message.existing
        if existing is not None and existing.open_to_callback:
            # 未评价 recorded by the daily job: a rating on the callback replaces it.
            self._callback = True
            self.state = WAITING
            self._line("#rating-error", "")
            self._line(
                "#device-line", "已记为未评价：电话回访时请申请人评价，按 1–5 录入（电话回访）"
            )
            self._show()
            return
        if existing is not None:
            self.state = REFUSED
            self._line("#device-line", "")
            done = f"（{existing.level_label}）" if existing.rated else "（已记为未评价）"
            self._line("#rating-error", f"{self.number} 已评价过{done}：每次服务只能评价一次")
            self._show()
            return
        self._arm()

    def _arm(self) -> None:
        """请评价 on the 评价器; without one the clerk can still key the rating."""
        self.state = WAITING
        self._line("#rating-error", "")
        self._line("#rating-result", "")
        devices = self.app.devices
        names = devices.evaluator_names() if devices is not None else []
        if not names:
            self._arming = None
            self.seconds_left = None
            self._line("#device-line", "未连接评价器：请申请人口述，由窗口代录（按 1–5）")
            self._show()
            return
        from devices.evaluator.base import RatingContext

        app = self.app
        post = app.today_post
        # The context comes back with the outcome: the screen knows its own arming by identity,
        # so a late event of an earlier arming (even of the same service) is ignored.
        self._arming = RatingContext(
            clerk_name=app.staff_name,
            clerk_number=getattr(app.session, "staff_number", "") or "",
            window=post.window_name if post is not None else "",
            service_ref=self.number or "",
        )
        self._device = names[0]
        timeout = app.register.policy.evaluator.timeout_seconds
        self.seconds_left = timeout
        self._show()
        self._show_countdown()
        devices.arm_evaluator(context=self._arming, timeout=timeout, device=self._device)

    def _show_countdown(self) -> None:
        if self.state == WAITING and self._arming is not None and self.seconds_left is not None:
            self._line(
                "#device-line", f"评价器已就绪，请申请人按键评价　剩余 {self.seconds_left} 秒"
            )

    def _tick(self) -> None:
        # Display only: the device itself ends the arming with RatingTimeout.
        if self.state == WAITING and self.seconds_left:
            self.seconds_left -= 1
            self._show_countdown()

    def _disarm(self) -> None:
        """End our pending arming (its RatingCancelled will not match any more)."""
        if self._arming is None:
            return
        self._arming = None
        devices = self.app.devices
        if devices is not None:
            devices.cancel_evaluator(device=self._device or None)

    # -- the outcome from the device ---------------------------------------------------------
    def rating_event(self, event: Any) -> None:
        """RatingGiven / RatingTimeout / RatingCancelled / DeviceLost from the app."""
        from devices.events import DeviceLost, RatingCancelled, RatingGiven, RatingTimeout

        if self._arming is None or self.state != WAITING:
            return
        if isinstance(event, DeviceLost):
            if event.device != self._device:
                return
        elif getattr(event, "context", None) is not self._arming:
            return  # another arming's outcome (an earlier one, or another service's)
        self._arming = None
        if isinstance(event, RatingGiven):
            self._save(event.level, "device", event.reason_code)
        elif isinstance(event, RatingTimeout):
            self._end("评价超时：本次服务未评价")
        elif isinstance(event, RatingCancelled):
            self._end("评价已取消")
        elif isinstance(event, DeviceLost):
            reason = f"（{event.message}）" if event.message else ""
            self._end(f"评价器断开{reason}：可按 r 重新评价，或由窗口代录")

    def _end(self, text: str) -> None:
        self.state = ENDED
        self.seconds_left = None
        self._line("#device-line", "")
        self._line("#rating-error", text)
        self._show()

    # -- keys --------------------------------------------------------------------------------
    def action_clerk(self, level: int) -> None:
        """窗口代录: the applicant states the rating aloud; the arming is cancelled."""
        if self.state not in CLERK_KEYS:
            return
        self._disarm()
        from store.ratings import CALLBACK

        self._save(level, CALLBACK if self._callback else "clerk", None)

    def action_rearm(self) -> None:
        if self.state == ENDED:
            self._arm()

    def action_finish(self) -> None:
        if self.state in (RATED, REFUSED):
            self.dismiss(self.result)

    def action_close(self) -> None:
        if self.state == SAVING:
            return  # the store decides first; then Esc closes
        self._dismissed = True
        self._disarm()
        self.dismiss(self.result)

    def on_unmount(self) -> None:
        # Popped by an F-key or the screen lock: the 评价器 must not stay armed.
        self._dismissed = True
        self._disarm()

    @on(Input.Submitted, "#service")
    def _service_typed(self, event: Input.Submitted) -> None:
        event.stop()
        if self.state != ASK:
            return
        found = parse_service(event.value)
        if found is None:
            self._line(
                "#rating-error", "请输入办件号（BJ开头）或登记号（SW开头），如 BJ20261123-0001"
            )
            self.app.bell()
            return
        kind, number = found
        self.case_number = number if kind == "case" else None
        self.inquiry_number = number if kind == "inquiry" else None
        self._asked = True
        self.app.last_service = found
        self._start()

    # -- saving ------------------------------------------------------------------------------
    def _save(self, level: int, channel: str, reason_code: int | None) -> None:
        self.state = SAVING
        self.seconds_left = None
        self._line("#device-line", "")
        self._line("#rating-error", "正在保存评价…")
        self._show()
        from store.ratings import record_rating

        self.call_store(
            record_rating,
            self.app.session,
            case_number=self.case_number,
            inquiry_number=self.inquiry_number,
            level=level,
            channel=channel,
            reason_code=reason_code,
            done=RatingSaved,
            failed=RatingRefused,
            what="rating-save",
        )

    @on(RatingSaved)
    def _saved(self, message: RatingSaved) -> None:
        r = self.result = message.result
        self.state = RATED
        text = f"已评价：{r.level_label}"
        if r.channel == "clerk":
            text += "（窗口代录）"
        elif self._callback:
            text += "（电话回访，替换未评价记录）"
        if r.followup_due is not None:
            provisional = "（暂定）" if r.followup_provisional else ""
            text += f"\n差评：请于 {r.followup_due:%Y-%m-%d}{provisional} 前回访申请人"
        self._line("#rating-error", "")
        self._line("#rating-result", text)
        self._show()

    @on(RatingRefused)
    def _refused(self, message: RatingRefused) -> None:
        # AlreadyRated: nothing was written and nothing more can be; otherwise the clerk
        # may try again (r re-arms, 1–5 keys it).
        self.state = REFUSED if message.already else ENDED
        self._line("#rating-error", message.message)
        self._show()
