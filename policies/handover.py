"""AB岗 — the rules of absence, handover, cover and return (seed 002 附件4, seed 003 篇5,
seed 000 篇6/篇7). Every "may this happen now?" about a handover is answered here; the
store reads the facts and asks.

A handover (交接) is one absence of a clerk (A) and who covers A's work (B):

    requested ──approve──▶ registered ──B confirms──▶ active ──B hands back──▶ returned
        │                      │                        │                        │
      refuse                 cancel                     └──── A confirms ◀───────┘
        ▼                      ▼                                 ▼
     refused               cancelled                           ended

B acts for A only while the handover is active. A cover taken without a handover (B on
their own initiative, the supervisor naming someone, a cover declared at login) starts
active at once and waits for the supervisor to see it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from policies.cases import TransitionError


class Absence(StrEnum):
    """离岗原因 (seed 002 附件4: 休假、学习、公出; seed 000 篇6: 病假、事假)."""

    VACATION = "vacation"
    STUDY = "study"
    TRIP = "trip"
    SICK = "sick"
    PERSONAL = "personal"
    OTHER = "other"


ABSENCE_LABELS: dict[str, str] = {
    Absence.VACATION: "休假",
    Absence.STUDY: "学习",
    Absence.TRIP: "公出",
    Absence.SICK: "病假",
    Absence.PERSONAL: "事假",
    Absence.OTHER: "其他",
}


class Mode(StrEnum):
    """How the cover came about."""

    PLANNED = "planned"  # A registered the absence and handed over
    INITIATIVE = "initiative"  # 主动顶岗: B took over, A could not hand over
    ASSIGNED = "assigned"  # the supervisor named who covers (no B, or A absent unannounced)
    LOGIN = "login"  # declared when taking a post at login (代岗)


MODE_LABELS: dict[str, str] = {
    Mode.PLANNED: "交接",
    Mode.INITIATIVE: "主动顶岗",
    Mode.ASSIGNED: "主任指定",
    Mode.LOGIN: "登录代岗",
}


class HandoverState(StrEnum):
    REQUESTED = "requested"  # waits for approval
    REGISTERED = "registered"  # waits for B to review and confirm
    ACTIVE = "active"  # B covers A
    RETURNED = "returned"  # B handed back; A reviews what B did
    ENDED = "ended"
    REFUSED = "refused"
    CANCELLED = "cancelled"


STATE_LABELS: dict[str, str] = {
    HandoverState.REQUESTED: "待批准",
    HandoverState.REGISTERED: "待B岗确认",
    HandoverState.ACTIVE: "代岗中",
    HandoverState.RETURNED: "待确认收岗",
    HandoverState.ENDED: "已收岗",
    HandoverState.REFUSED: "未批准",
    HandoverState.CANCELLED: "已撤销",
}

#: States in which someone covers, or is about to: the absent clerk's work is spoken for.
OPEN_STATES = (HandoverState.REQUESTED, HandoverState.REGISTERED, HandoverState.ACTIVE)
#: Modes that began without the absent clerk handing over: the supervisor must see them.
UNANNOUNCED = (Mode.INITIATIVE, Mode.ASSIGNED, Mode.LOGIN)


class HandoverAction(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"
    CONFIRM = "confirm"  # B reviewed the list: active from now
    CANCEL = "cancel"
    HAND_BACK = "hand_back"  # 收岗: B hands back
    ACCEPT_RETURN = "accept_return"  # A confirms what B did


_ALLOWED: dict[HandoverAction, tuple[HandoverState, ...]] = {
    HandoverAction.APPROVE: (HandoverState.REQUESTED,),
    HandoverAction.REFUSE: (HandoverState.REQUESTED,),
    HandoverAction.CONFIRM: (HandoverState.REGISTERED,),
    HandoverAction.CANCEL: (HandoverState.REQUESTED, HandoverState.REGISTERED),
    HandoverAction.HAND_BACK: (HandoverState.ACTIVE,),
    HandoverAction.ACCEPT_RETURN: (HandoverState.RETURNED,),
}

_ACTION_LABELS: dict[HandoverAction, str] = {
    HandoverAction.APPROVE: "批准",
    HandoverAction.REFUSE: "不批准",
    HandoverAction.CONFIRM: "确认接岗",
    HandoverAction.CANCEL: "撤销",
    HandoverAction.HAND_BACK: "收岗交回",
    HandoverAction.ACCEPT_RETURN: "确认收岗",
}

#: Who may take each step: "from" (A), "to" (B), "supervisor"; B's step also the supervisor's.
_WHO: dict[HandoverAction, tuple[str, ...]] = {
    HandoverAction.APPROVE: ("supervisor",),
    HandoverAction.REFUSE: ("supervisor",),
    HandoverAction.CONFIRM: ("to",),
    HandoverAction.CANCEL: ("from", "supervisor"),
    HandoverAction.HAND_BACK: ("to", "supervisor"),
    HandoverAction.ACCEPT_RETURN: ("from", "supervisor"),
}

_WHO_LABELS = {"from": "离岗人", "to": "顶岗人", "supervisor": "大厅主任"}


def check_step(state: str, action: HandoverAction, who: set[str]) -> None:
    """Refuse (TransitionError, in Chinese) a step the state or the person may not take.
    ``who``: what the person is to this handover ("from", "to", "supervisor")."""
    label = STATE_LABELS.get(state, state)
    if state not in _ALLOWED[action]:
        raise TransitionError(f"交接处于「{label}」，不能「{_ACTION_LABELS[action]}」")
    if not who & set(_WHO[action]):
        wanted = "或".join(_WHO_LABELS[w] for w in _WHO[action])
        raise TransitionError(f"「{_ACTION_LABELS[action]}」须由{wanted}办理")


def allowed_steps(state: str, who: set[str]) -> tuple[HandoverAction, ...]:
    """The steps this person may take on a handover in this state (for the screen's keys)."""
    return tuple(
        action for action in HandoverAction if state in _ALLOWED[action] and who & set(_WHO[action])
    )


def step_label(action: HandoverAction) -> str:
    return _ACTION_LABELS[action]


@dataclass(frozen=True)
class ApprovalLevel:
    max_days: int | None  # None: any longer absence
    approver: str


def parse_levels(levels: tuple[str, ...] | list[str]) -> list[ApprovalLevel]:
    """``["1:分管领导", "*:中心主任"]`` → levels in order; ValueError (Chinese) when malformed."""
    out: list[ApprovalLevel] = []
    for text in levels:
        days, sep, approver = text.partition(":")
        days, approver = days.strip(), approver.strip()
        if not sep or not approver:
            raise ValueError(f'审批层级 {text!r} 应写成 "天数:审批人"')
        if days == "*":
            out.append(ApprovalLevel(None, approver))
            continue
        if not days.isdigit() or int(days) < 1:
            raise ValueError(f"审批层级 {text!r} 的天数应为正整数或 *")
        if out and (out[-1].max_days is None or out[-1].max_days >= int(days)):
            raise ValueError('审批层级应按天数从小到大排列，"*" 放在最后')
        out.append(ApprovalLevel(int(days), approver))
    if not out:
        raise ValueError("至少要有一级审批")
    return out


def absence_days(starts_on: dt.date, ends_on: dt.date) -> int:
    """Natural days of an absence, both ends included."""
    return (ends_on - starts_on).days + 1


def approver_for(days: int, over_days: int, levels: tuple[str, ...]) -> str | None:
    """Who must approve an absence of ``days`` first; None when none is needed (``days`` up
    to the policy's ``approval_over_days``)."""
    if days <= over_days:
        return None
    for level in parse_levels(levels):
        if level.max_days is None or days <= level.max_days:
            return level.approver
    return parse_levels(levels)[-1].approver


def is_late(registered_on: dt.date, starts_on: dt.date, notice_days: int) -> bool:
    """Registered fewer than ``notice_days`` natural days before the absence begins
    (seed 003 篇5: 必须提前一天做好工作移交)."""
    return (starts_on - registered_on).days < notice_days


def check_period(starts_on: dt.date, ends_on: dt.date, today: dt.date, mode: str) -> None:
    """An absence runs forward in time; only a cover taken without a handover may have begun
    before today (A fell ill yesterday and nobody registered it)."""
    if ends_on < starts_on:
        raise TransitionError("结束日期不能早于开始日期")
    if ends_on < today:
        raise TransitionError("离岗已结束，不能再登记交接")
    if mode == Mode.PLANNED and starts_on < today:
        raise TransitionError("开始日期已过：未及交接的离岗由 B 岗主动顶岗或主任指定顶岗")
    if absence_days(starts_on, ends_on) > 366:
        raise TransitionError("一次离岗不能超过一年")


def may_take_initiative(now: dt.time, after: dt.time, absent_signed_in: bool) -> None:
    """主动顶岗 without a handover: A has not signed in by the policy's time (or is known
    absent, which the supervisor's naming covers)."""
    if absent_signed_in:
        raise TransitionError("该人员今天已签到，请由其本人办理交接")
    if now < after:
        raise TransitionError(f"未到 {after:%H:%M}，该人员可能尚未到岗：此时主动顶岗须由主任指定")


def login_cover_needs_reason(covered_signed_in: bool, holds_post_here: bool) -> str | None:
    """Taking a post at login: why a reason must be given, or None when none is needed.
    Covering someone who is here, or a window where one holds no post, is out of the
    ordinary and goes on the supervisor's board."""
    if covered_signed_in:
        return "被代岗人今天已签到在岗"
    if not holds_post_here:
        return "您不在该窗口的 A/B 岗上"
    return None


def window_flags(
    *, a_held: bool, b_held: bool, a_away: bool, b_away: bool, same_clerk: bool
) -> tuple[str, ...]:
    """What the roster flags about one window (无人顶岗 must not happen): a post nobody
    holds, a holder away today, a B that is the A itself (nobody backs A up)."""
    flags: list[str] = []
    if not a_held:
        flags.append("无A岗")
    elif a_away:
        flags.append("A岗离岗")
    if not b_held:
        flags.append("无B岗")
    elif same_clerk:
        flags.append("A、B同一人")
    elif b_away:
        flags.append("B岗离岗")
    return tuple(flags)


def check_end(orphans: int) -> None:
    """A handover may not end while any of A's open items would be left with nobody."""
    if orphans:
        raise TransitionError(
            f"还有 {orphans} 项未办结事项无人接手：离岗人尚未回岗，不能收岗（请先安排顶岗人）"
        )


class Escalation(StrEnum):
    """分级督办 of open cases by how near or far past their due date they are."""

    WARN = "warn"  # due within the policy's days: remind the clerk
    SUPERVISOR = "supervisor"  # overdue: to the supervisor
    HEAD = "head"  # long overdue: to the head of the centre


ESCALATION_LABELS: dict[str, str] = {
    Escalation.WARN: "临期提醒经办人",
    Escalation.SUPERVISOR: "逾期报大厅主任",
    Escalation.HEAD: "严重逾期报中心领导",
}


def escalation(working_days_left: int | None, warn_before: int, head_after: int) -> str | None:
    """The level of an open case whose due date is ``working_days_left`` working days away
    (negative: overdue by that many)."""
    if working_days_left is None:
        return None
    if working_days_left < -head_after:
        return Escalation.HEAD
    if working_days_left < 0:
        return Escalation.SUPERVISOR
    if working_days_left <= warn_before:
        return Escalation.WARN
    return None
