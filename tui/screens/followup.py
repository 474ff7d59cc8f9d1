"""差评整改回访: a 不满意 / 非常不满意 rating opened from the queue (or the board).

Shows the rating (level, reason code, service, clerk, window; the rater only as the masked
name), the follow-up's limits and every callback attempt, and offers as keys the steps the
store allows this person now: V 核实 (findings, simple or complex), Z 整改 (measures and
evidence), H 回访 (one attempt: how, outcome; the reached one after 整改 closes it with the
person's satisfaction), S 申诉 (the rated clerk), and for the supervisor Y 申诉成立 / N 驳回.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.messages import StoreFailed
from tui.screens.base import CounterScreen
from tui.screens.case_forms import ActionForm, ChoiceForm, Done, FormError, ReasonForm, _Choice
from tui.widgets.footer import CounterFooter
from tui.widgets.lines import key_hint, show_line
from tui.widgets.status_bar import StatusBar

KEYS = (
    ("v", "verify", "核实"),
    ("z", "rectify", "整改"),
    ("h", "callback", "回访"),
    ("s", "appeal", "申诉"),
    ("y", "uphold", "申诉成立"),
    ("n", "reject", "驳回申诉"),
)
#: The last callback attempts shown (all are kept; 80×24 has room for a few).
SHOWN_CALLBACKS = 4


class FollowupLoaded(Message):
    def __init__(self, view: Any) -> None:
        super().__init__()
        self.view = view


class VerifyForm(ChoiceForm):
    """核实: what was found, and whether the matter is simple or complex (its limit)."""

    CHOICES = (("简单问题", False), ("复杂问题", True))
    CHOICE_LABEL = "问题类别（决定解决时限）"
    TEXT_LABEL = "核实情况"
    TEXT_ID = "findings"
    HINT = "↑↓ 简单/复杂　回车 下一项　在核实情况栏 回车 确定　Esc 取消"

    def values(self) -> dict:
        findings = self.text()
        if not findings:
            raise FormError("请填写核实情况")
        return {"findings": findings, "complex_matter": self.chosen()}


class RectifyForm(ActionForm):
    """整改: the measures taken and their evidence."""

    def fields(self) -> ComposeResult:
        yield Label("整改措施")
        yield Input(id="measures", max_length=200, compact=True)
        yield Label("整改佐证（文号、存档位置等）")
        yield Input(id="evidence", max_length=200, compact=True)

    def on_mount(self) -> None:
        self.query_one("#measures", Input).focus()

    def values(self) -> dict:
        measures = self.query_one("#measures", Input).value.strip()
        if not measures:
            raise FormError("请填写整改措施")
        return {"measures": measures, "evidence": self.query_one("#evidence", Input).value.strip()}


class CallbackForm(ActionForm):
    """回访: one attempt — how and the outcome (after the rectification, reaching the person
    comes with their satisfaction and closes the follow-up), a reason code the person gave,
    a note. The time is now."""

    HINT = "↑↓ 选择　回车 下一项　在记录栏 回车 保存　Esc 取消"

    def __init__(
        self, title: str, run, *, hows, outcomes, satisfaction, closing: bool, note: str = ""
    ) -> None:
        super().__init__(title, run, note=note)
        self.hows = list(hows.items())
        reached = [(k, label) for k, label in outcomes.items() if k == "reached"]
        others = [(k, "", label) for k, label in outcomes.items() if k != "reached"]
        if closing:  # reached after 整改: the person's satisfaction closes it
            first = [(k, s, f"{label}：{s}") for k, label in reached for s in satisfaction]
        else:
            first = [(k, "", label) for k, label in reached]
        self.outcomes = first + others  # (outcome, satisfaction, label)

    def fields(self) -> ComposeResult:
        yield Label("回访方式")
        yield _Choice(*(Option(label) for _, label in self.hows), id="how")
        yield Label("回访结果")
        yield _Choice(*(Option(label) for *_, label in self.outcomes), id="outcome")
        yield Label("评价原因代码（可空）")
        yield Input(id="reason-code", max_length=6, compact=True)
        yield Label("回访记录（可空）")
        yield Input(id="note", max_length=200, compact=True)

    def on_mount(self) -> None:
        for name in ("how", "outcome"):
            self.query_one(f"#{name}", _Choice).highlighted = 0
        self.query_one("#how", _Choice).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self) -> None:
        self.focus_next()

    def values(self) -> dict:
        code = self.query_one("#reason-code", Input).value.strip()
        if code and not code.isdigit():
            raise FormError("评价原因代码应为数字")
        how = self.hows[self.query_one("#how", _Choice).highlighted or 0][0]
        outcome, satisfaction, _ = self.outcomes[
            self.query_one("#outcome", _Choice).highlighted or 0
        ]
        return {
            "how": how,
            "outcome": outcome,
            "satisfaction": satisfaction,
            "reason_code": int(code) if code else None,
            "note": self.query_one("#note", Input).value.strip(),
        }


class FollowupScreen(CounterScreen):
    """差评整改回访."""

    DEFAULT_CSS = """
    FollowupScreen .line { height: auto; padding: 0 1; }
    FollowupScreen #followup-done { color: $success; text-style: bold; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="followup.back", show=False),
        *(
            Binding(key, action, label, id=f"followup.{action}", show=False)
            for key, action, label in KEYS
        ),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number  # the rated service's number (办件号 or 登记号)
        self.view: Any = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static(f"差评整改回访　{self.number}", classes="title", id="followup-title")
        yield Static("正在读取…", classes="line", id="followup-facts")
        yield Static("", classes="line", id="followup-calls")
        yield Static("", classes="error-line", id="followup-error", markup=False)
        yield Static("", classes="line", id="followup-done")
        yield Static("", classes="hint", id="followup-hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        self._say("", "")
        self._load()

    def _load(self) -> None:
        from store.followup import followup_detail

        if self.app.session is None:
            return
        self.call_store(
            followup_detail, self.app.session, self.number, done=FollowupLoaded, what="followup"
        )

    @on(FollowupLoaded)
    def _show(self, message: FollowupLoaded) -> None:
        v = self.view = message.view
        state = v.state_label or "无需整改回访"
        if v.appeal_label:
            state += f"（{v.appeal_label}）"
        self.query_one("#followup-title", Static).update(
            f"差评整改回访　{v.service_number}　{v.level_label}　{state}"
        )
        code = f"　原因代码 {v.reason_code}" if v.reason_code is not None else ""
        lines = [
            f"评价：{v.rated_at:%Y-%m-%d %H:%M}　{v.channel_label}{code}",
            f"事项：{v.service_name}　评价人：{v.rater or '—'}",
            f"被评价：{v.staff_number} {v.staff_name}　{v.window_name}",
            self._limits(v),
        ]
        if v.findings:
            kind = "复杂" if v.complex_matter else "简单"
            lines.append(f"核实（{kind}）：{v.findings}")
        if v.measures:
            evidence = f"　佐证：{v.evidence}" if v.evidence else ""
            lines.append(f"整改：{v.measures}{evidence}")
        if v.satisfaction:
            lines.append(f"回访满意度：{v.satisfaction}")
        if v.appeal_reason:
            note = f"　复核意见：{v.appeal_note}" if v.appeal_note else ""
            lines.append(f"申诉理由：{v.appeal_reason}{note}")
        self.query_one("#followup-facts", Static).update("\n".join(lines))
        self.query_one("#followup-calls", Static).update(self._calls(v))
        self.query_one("#followup-hint", Static).update(key_hint(KEYS, set(v.steps)))

    @staticmethod
    def _limits(v) -> str:
        mark = "暂" if v.provisional else ""
        parts = []
        if v.contact_due:
            done = "（已联系）" if v.contacted else ""
            parts.append(f"联系 {v.contact_due:%m-%d}{mark}{done}")
        if v.fix_due:
            parts.append(f"解决 {v.fix_due:%m-%d}{mark}")
        if v.rectify_due:
            parts.append(f"整改回访 {v.rectify_due:%m-%d}{mark}")
        text = "时限：" + "　".join(parts) if parts else "时限：—"
        if v.overdue:
            text += "　已超期"
        return text

    @staticmethod
    def _calls(v) -> str:
        if not v.callbacks:
            return "回访记录：尚无"
        shown = v.callbacks[-SHOWN_CALLBACKS:]
        lines = [f"回访记录（共 {len(v.callbacks)} 次）："]
        for i, c in enumerate(shown, start=len(v.callbacks) - len(shown) + 1):
            extra = f"　{c.satisfaction}" if c.satisfaction else ""
            if c.reason_code is not None:
                extra += f"　代码 {c.reason_code}"
            if c.note:
                extra += f"　{c.note}"
            lines.append(f"{i}. {c.at:%m-%d %H:%M} {c.how_label} {c.outcome_label}{extra}")
        return "\n".join(lines)

    def _say(self, error: str, done: str = "") -> None:
        show_line(self, "#followup-error", error)
        show_line(self, "#followup-done", done)

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self._say(message.message)
        self.app.bell()

    def _offered(self, step: str) -> bool:
        if self.view is None:
            self._say("评价尚未读取完成，请稍候")
            return False
        if step not in self.view.steps:
            label = next(label for _, action, label in KEYS if action == step)
            self._say(f"现在不能「{label}」（{self.view.state_label or '无需整改回访'}）")
            self.app.bell()
            return False
        return True

    def _form(self, form, done_text: str) -> None:
        def finished(result: Done | None) -> None:
            if result is not None:
                self._say("", done_text)
                self.post_message(FollowupLoaded(result.result))

        self._say("")
        self.app.push_screen(form, callback=finished)

    # -- steps -------------------------------------------------------------------------------
    def action_verify(self) -> None:
        from store.followup import verify_followup

        if not self._offered("verify"):
            return
        number = self.number
        self._form(
            VerifyForm(
                f"核实：{number}",
                lambda session, v: verify_followup(session, number, **v),
            ),
            "已记录核实情况",
        )

    def action_rectify(self) -> None:
        from store.followup import rectify_followup

        if not self._offered("rectify"):
            return
        number = self.number
        self._form(
            RectifyForm(
                f"整改：{number}",
                lambda session, v: rectify_followup(session, number, **v),
            ),
            "已记录整改",
        )

    def action_callback(self) -> None:
        from policies.followup import CALLBACK_HOWS, CALLBACK_OUTCOMES, SATISFACTION
        from store.followup import log_callback

        if not self._offered("callback"):
            return
        number = self.number
        self._form(
            CallbackForm(
                f"回访：{number}（第 {len(self.view.callbacks) + 1} 次）",
                lambda session, v: log_callback(session, number, **v),
                hows=CALLBACK_HOWS,
                outcomes=CALLBACK_OUTCOMES,
                satisfaction=SATISFACTION,
                closing=self.view.state == "rectified",
            ),
            "已记录回访",
        )

    def action_appeal(self) -> None:
        from store.followup import appeal_rating

        if not self._offered("appeal"):
            return
        number = self.number
        self._form(
            ReasonForm(
                f"申诉：{number}",
                "申诉理由（如误按评价键、非本窗口事项）",
                lambda session, v: appeal_rating(session, number, reason=v["reason"]),
                note="申诉由大厅主任复核；成立的评价不计入考核。",
            ),
            "已提交申诉，待主任复核",
        )

    def _decide(self, upheld: bool) -> None:
        from store.followup import decide_appeal

        step = "uphold" if upheld else "reject"
        if not self._offered(step):
            return
        number = self.number
        title = "申诉成立" if upheld else "驳回申诉"
        self._form(
            ReasonForm(
                f"{title}：{number}",
                "复核意见" + ("（可空）" if upheld else ""),
                lambda session, v: decide_appeal(session, number, upheld=upheld, note=v["reason"]),
                note=f"申诉理由：{self.view.appeal_reason}",
            ),
            "已复核：申诉成立，该评价不计入" if upheld else "已复核：驳回申诉，继续整改回访",
        )

    def action_uphold(self) -> None:
        self._decide(True)

    def action_reject(self) -> None:
        self._decide(False)

    def action_back(self) -> None:
        self.app.pop_screen()


__all__ = ["CallbackForm", "FollowupScreen", "RectifyForm", "VerifyForm"]
