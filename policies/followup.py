"""差评整改回访 — the follow-up of a 不满意 / 非常不满意 rating (seed 002 附件9; DOMAIN.md
好差评), and 申诉复核 of a rating the clerk holds mistaken. Every "may this happen now?"
and every limit is answered here; the store reads the facts and asks.

    open ──核实──▶ verified ──整改──▶ rectified ──回访（联系上）──▶ closed
    (待核实)        (待整改)            (待回访)                      (已办结)

A callback attempt (回访: when, how, outcome) may be logged in any open state; an attempt
that reaches the person before the rectification meets the contact limit, the one that
reaches them after it closes the follow-up with their satisfaction. The rated clerk may
appeal the rating as mistaken (申诉) once; the supervisor upholds it — the rating is not
counted and its follow-up ends (withdrawn) — or rejects it, and the follow-up goes on.

Limits, all in working days from the day of the rating, all settings ([ratings]): contact
the person (contact_working_days: 汝州 1), fix the matter (simple_fix_working_days 2 /
complex_fix_working_days 3: 汝州 "1-2-3", chosen at 核实), and rectify with the callback
done (rectify_working_days: 四川 15, 德州 5). The fix limit never runs past the rectify
limit: the stricter wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from policies.calendar import WorkCalendar
from policies.cases import TransitionError

__all__ = [
    "APPEAL_LABELS",
    "CALLBACK_HOWS",
    "CALLBACK_OUTCOMES",
    "OPEN_STATES",
    "SATISFACTION",
    "STATE_LABELS",
    "AppealState",
    "FollowupAction",
    "FollowupLimits",
    "FollowupState",
    "allowed_steps",
    "check_step",
    "is_bad",
    "limits",
    "next_due",
    "step_label",
]


class FollowupState(StrEnum):
    NONE = ""  # not a 差评
    OPEN = "open"  # 待核实: find out what happened, contact the person
    VERIFIED = "verified"  # 待整改
    RECTIFIED = "rectified"  # 待回访: call the person back
    CLOSED = "closed"  # the person was called back after the rectification
    WITHDRAWN = "withdrawn"  # the appeal was upheld: the rating is not counted


STATE_LABELS: dict[str, str] = {
    FollowupState.NONE: "",
    FollowupState.OPEN: "待核实",
    FollowupState.VERIFIED: "待整改",
    FollowupState.RECTIFIED: "待回访",
    FollowupState.CLOSED: "已回访办结",
    FollowupState.WITHDRAWN: "申诉成立，不计入",
}

#: Follow-ups someone still owes (the queue, AB岗 handover items, the board).
OPEN_STATES = (FollowupState.OPEN, FollowupState.VERIFIED, FollowupState.RECTIFIED)


class AppealState(StrEnum):
    NONE = ""
    PENDING = "pending"  # waits for the supervisor
    UPHELD = "upheld"  # the rating was mistaken: not counted
    REJECTED = "rejected"


APPEAL_LABELS: dict[str, str] = {
    AppealState.NONE: "",
    AppealState.PENDING: "申诉待复核",
    AppealState.UPHELD: "申诉成立",
    AppealState.REJECTED: "申诉驳回",
}

#: 回访方式 and 回访结果.
CALLBACK_HOWS: dict[str, str] = {"phone": "电话", "sms": "短信", "visit": "上门/来厅"}
CALLBACK_OUTCOMES: dict[str, str] = {
    "reached": "已联系上",
    "no_answer": "无人接听",
    "busy": "占线/关机",
    "wrong_number": "号码有误",
    "refused": "拒绝回访",
}
REACHED = "reached"
#: The person's satisfaction with the rectification, asked on the closing callback.
SATISFACTION = ("满意", "基本满意", "不满意")


class FollowupAction(StrEnum):
    VERIFY = "verify"  # 核实
    RECTIFY = "rectify"  # 整改
    CALLBACK = "callback"  # 回访 (one attempt)
    APPEAL = "appeal"  # 申诉
    UPHOLD = "uphold"  # 申诉成立
    REJECT = "reject"  # 驳回申诉


_LABELS: dict[FollowupAction, str] = {
    FollowupAction.VERIFY: "核实",
    FollowupAction.RECTIFY: "整改",
    FollowupAction.CALLBACK: "回访",
    FollowupAction.APPEAL: "申诉",
    FollowupAction.UPHOLD: "申诉成立",
    FollowupAction.REJECT: "驳回申诉",
}

_STATES: dict[FollowupAction, tuple[str, ...]] = {
    FollowupAction.VERIFY: (FollowupState.OPEN,),
    FollowupAction.RECTIFY: (FollowupState.VERIFIED,),
    FollowupAction.CALLBACK: OPEN_STATES,
    FollowupAction.APPEAL: OPEN_STATES,
    FollowupAction.UPHOLD: OPEN_STATES,
    FollowupAction.REJECT: OPEN_STATES,
}

_APPEALS: dict[FollowupAction, tuple[str, ...]] = {
    FollowupAction.VERIFY: (AppealState.NONE, AppealState.PENDING, AppealState.REJECTED),
    FollowupAction.RECTIFY: (AppealState.NONE, AppealState.PENDING, AppealState.REJECTED),
    FollowupAction.CALLBACK: (AppealState.NONE, AppealState.PENDING, AppealState.REJECTED),
    FollowupAction.APPEAL: (AppealState.NONE,),  # once
    FollowupAction.UPHOLD: (AppealState.PENDING,),
    FollowupAction.REJECT: (AppealState.PENDING,),
}

#: Who: "owner" (the rated clerk), "cover" (B岗 acting for them), "supervisor".
_WHO: dict[FollowupAction, tuple[str, ...]] = {
    FollowupAction.VERIFY: ("owner", "cover", "supervisor"),
    FollowupAction.RECTIFY: ("owner", "cover", "supervisor"),
    FollowupAction.CALLBACK: ("owner", "cover", "supervisor"),
    FollowupAction.APPEAL: ("owner",),
    FollowupAction.UPHOLD: ("supervisor",),
    FollowupAction.REJECT: ("supervisor",),
}
_WHO_LABELS = {"owner": "被评价的工作人员", "cover": "顶岗人", "supervisor": "大厅主任"}


def is_bad(level: int, rated: bool = True) -> bool:
    """A 差评: 不满意 (4) or 非常不满意 (5), given by the person (not a default)."""
    return rated and level >= 4


def check_step(state: str, appeal: str, action: FollowupAction, who: set[str]) -> None:
    """Refuse (TransitionError, in Chinese) a step the follow-up's state, its appeal or the
    person may not take. ``who``: what the person is to this rating."""
    label = _LABELS[action]
    if state not in _STATES[action]:
        shown = STATE_LABELS.get(state) or "无需整改回访"
        raise TransitionError(f"差评处于「{shown}」，不能「{label}」")
    if appeal not in _APPEALS[action]:
        if action is FollowupAction.APPEAL:
            raise TransitionError(
                f"该评价已申诉过（{APPEAL_LABELS.get(appeal, appeal)}），不能再申诉"
            )
        raise TransitionError("没有待复核的申诉")
    if not who & set(_WHO[action]):
        wanted = "或".join(_WHO_LABELS[w] for w in _WHO[action])
        raise TransitionError(f"「{label}」须由{wanted}办理")


def allowed_steps(state: str, appeal: str, who: set[str]) -> tuple[FollowupAction, ...]:
    """The steps this person may take now (for the screen's keys)."""
    return tuple(
        action
        for action in FollowupAction
        if state in _STATES[action] and appeal in _APPEALS[action] and who & set(_WHO[action])
    )


def step_label(action: FollowupAction) -> str:
    return _LABELS[action]


@dataclass(frozen=True)
class FollowupLimits:
    contact_due: dt.date  # contact the person by (联系评价人)
    fix_due: dt.date | None  # fix the matter by (None until 核实 says simple or complex)
    rectify_due: dt.date  # rectified and called back by
    provisional: bool  # counted through a year the calendar lacks (暂定)


def limits(
    calendar: WorkCalendar, rated_on: dt.date, policy, complex_matter: bool | None = None
) -> FollowupLimits:
    """The follow-up's limits from the day of the rating (``policy``: RatingPolicy)."""
    contact = calendar.due(rated_on, policy.contact_working_days, allow_provisional=True)
    rectify = calendar.due(rated_on, policy.rectify_working_days, allow_provisional=True)
    fix_date, provisional = None, contact.provisional or rectify.provisional
    if complex_matter is not None:
        days = policy.complex_fix_working_days if complex_matter else policy.simple_fix_working_days
        fix = calendar.due(rated_on, days, allow_provisional=True)
        fix_date = min(fix.date, rectify.date)
        provisional = provisional or fix.provisional
    return FollowupLimits(contact.date, fix_date, rectify.date, provisional)


def next_due(
    state: str,
    contact_due: dt.date | None,
    fix_due: dt.date | None,
    rectify_due: dt.date | None,
    contacted: bool,
) -> dt.date | None:
    """The date the follow-up's next step is due by, in this state."""
    if state == FollowupState.OPEN:
        return contact_due if not contacted else (rectify_due or contact_due)
    if state == FollowupState.VERIFIED:
        return fix_due or rectify_due
    if state == FollowupState.RECTIFIED:
        return rectify_due
    return None
