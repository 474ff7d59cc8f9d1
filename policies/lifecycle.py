"""What may happen to a case now (办件的每一步): the actions of the counter for a case's
kind × state × the facts that matter × the role asking, each allowed or refused with its
Chinese reason; which notice fits the case now; whether its clock runs.

The store asks :func:`check_action` before every case operation, and returns
:func:`case_actions` with a case, so the counter offers exactly what the store accepts.
A refusal names the state the case is really in and, when there is one, the step that
comes first (e.g. a 上报件 still 已受理 is closed only by its 上报进度).

Moves between states are the table of :mod:`policies.cases`; this module adds what the
table cannot say: materials still owed, a pending extension, joint parts still open, who
may decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from policies.cases import (
    KINDS,
    STATES,
    Kind,
    State,
    TransitionError,
    can_extend,
    can_transition,
    needs_supervisor,
)
from policies.notices import NOTICE_FOR_CASE_KIND
from policies.roles import SUPERVISOR_ROLES, WORK_ROLES

__all__ = [
    "ACTION_LABELS",
    "Action",
    "ActionVerdict",
    "CaseFacts",
    "case_actions",
    "check_action",
    "clock_runs",
    "notice_for",
    "notice_problem",
    "verdict",
]


class Action(StrEnum):
    """The counter's actions on a case (办件操作)."""

    SUPPLEMENT = "supplement"  # 补齐材料
    REQUEST_SUPPLEMENT = "request_supplement"  # 通知补正
    CLOSE = "close"  # 办结
    EXTEND = "extend"  # 申请延期
    APPROVE_EXTENSION = "approve_extension"  # 批准延期
    REJECT_EXTENSION = "reject_extension"  # 驳回延期
    RETURN = "return"  # 转退回
    REFUSE = "refuse"  # 不予受理
    WITHDRAW = "withdraw"  # 退件/撤回
    FORWARD = "forward"  # 上报进度 (上报, then the higher authority's result)
    SUBTASK = "subtask"  # 联办完成
    VISIT = "visit"  # 记来访
    NOTICE = "notice"  # 告知书


ACTION_LABELS = MappingProxyType(
    {
        Action.SUPPLEMENT: "补齐材料",
        Action.REQUEST_SUPPLEMENT: "通知补正",
        Action.CLOSE: "办结",
        Action.EXTEND: "申请延期",
        Action.APPROVE_EXTENSION: "批准延期",
        Action.REJECT_EXTENSION: "驳回延期",
        Action.RETURN: "转退回",
        Action.REFUSE: "不予受理",
        Action.WITHDRAW: "退件/撤回",
        Action.FORWARD: "上报进度",
        Action.SUBTASK: "联办完成",
        Action.VISIT: "记来访",
        Action.NOTICE: "告知书",
    }
)

#: The state each ending action moves a case to (the table of policies.cases decides).
_ENDS = {
    Action.RETURN: State.RETURNED,
    Action.REFUSE: State.REFUSED,
    Action.WITHDRAW: State.WITHDRAWN,
}
_FORWARDABLE = frozenset({State.ACCEPTED, State.IN_PROGRESS, State.FORWARDED})


@dataclass(frozen=True)
class CaseFacts:
    """What the rules look at, read from the register by the caller."""

    kind: str
    state: str
    tolerance: bool = False  # 容缺受理
    owed: tuple[str, ...] = ()  # materials not yet present
    extension_state: str = ""  # "" | requested | approved | rejected
    due_date: dt.date | None = None
    extended_until: dt.date | None = None
    open_subtasks: tuple[str, ...] = ()  # 联办: names of the windows whose part is open
    renotify: bool = False  # a date told on paper has changed (需重新告知)

    @property
    def terminal(self) -> bool:
        return STATES[self.state].terminal if self.state in STATES else True

    @property
    def tolerance_owed(self) -> bool:
        return bool(self.tolerance and self.owed and not self.terminal)


@dataclass(frozen=True)
class ActionVerdict:
    action: Action
    allowed: bool
    reason: str = ""  # why not (Chinese), empty when allowed

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]


def _labels(facts: CaseFacts) -> tuple[str, str]:
    kind = KINDS[facts.kind].label if facts.kind in KINDS else facts.kind
    state = STATES[facts.state].label if facts.state in STATES else facts.state
    return kind, state


def _first(step: Action) -> str:
    return f"须先「{ACTION_LABELS[step]}」"


def _why_not(facts: CaseFacts, action: Action) -> str:
    """Why ``action`` may not be taken on this case by anyone now ("" if it may)."""
    kind, state = _labels(facts)
    name = ACTION_LABELS[action]
    if facts.kind not in KINDS or facts.state not in STATES:
        return f"办件的类型或状态无法识别（{facts.kind}，{facts.state}）"
    if action == Action.NOTICE:
        if notice_for(facts) is None:
            return f"{kind}处于「{state}」，现在没有要出具的告知书"
        return ""
    if facts.terminal:
        return f"{kind}已是「{state}」，不能再{name}"
    here = f"{kind}处于「{state}」"
    if action == Action.VISIT:
        return ""
    if action == Action.SUPPLEMENT:
        if facts.state == State.AWAITING_SUPPLEMENT or facts.tolerance_owed:
            return ""
        return f"{here}，没有待补交的材料"
    if action == Action.REQUEST_SUPPLEMENT:
        if can_transition(facts.kind, facts.state, State.AWAITING_SUPPLEMENT):
            return ""
        if facts.kind == Kind.IMMEDIATE:
            return f"{kind}当场办结，不通知补正：材料不齐的应改按补办件受理"
        return f"{here}，不能{name}"
    if action == Action.CLOSE:
        return _why_not_close(facts, here)
    if action == Action.EXTEND:
        if facts.extension_state == "requested":
            return f"{here}，已有待批准的延期申请"
        if can_extend(facts.kind, facts.state):
            return ""
        if facts.state == State.AWAITING_SUPPLEMENT:
            return f"{here}，补正期间时限暂停，不需延期"
        return f"{here}，不能{name}"
    if action in (Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION):
        if facts.extension_state != "requested":
            return f"{here}，没有待批准的延期申请（{_first(Action.EXTEND)}）"
        if action == Action.APPROVE_EXTENSION and not can_extend(facts.kind, facts.state):
            return f"{here}，不能延期"
        return ""
    if action in _ENDS:
        if can_transition(facts.kind, facts.state, _ENDS[action]):
            return ""
        return f"{here}，不能{name}"
    if action == Action.FORWARD:
        if facts.kind != Kind.ESCALATED:
            return f"{kind}不是上报件，没有上报进度"
        if facts.state in _FORWARDABLE:
            return ""
        return f"{here}，{_first(Action.SUPPLEMENT)}，再登记上报进度"
    if action == Action.SUBTASK:
        if facts.kind != Kind.JOINT:
            return f"{kind}不是联办件"
        if not facts.open_subtasks:
            return f"{here}，各协办窗口均已完成"
        return ""
    raise ValueError(f"unknown action {action!r}")


def _why_not_close(facts: CaseFacts, here: str) -> str:
    if facts.kind == Kind.ESCALATED:
        forward = ACTION_LABELS[Action.FORWARD]
        if facts.state == State.FORWARDED:
            return f"{here}，办结须在「{forward}」中登记上级的办理结果"
        if facts.state == State.AWAITING_SUPPLEMENT:
            return f"{here}，不能直接办结：{_first(Action.SUPPLEMENT)}，再「{forward}」"
        return f"{here}，不能直接办结：{_first(Action.FORWARD)}登记上报，上级办结后再登记办理结果"
    if facts.state == State.AWAITING_SUPPLEMENT:
        return f"{here}，材料未齐，{_first(Action.SUPPLEMENT)}"
    if facts.tolerance_owed:
        return f"{here}，容缺材料「{'、'.join(facts.owed)}」尚未补齐，{_first(Action.SUPPLEMENT)}"
    if facts.open_subtasks:
        return (
            f"{here}，尚有协办窗口未完成：{'、'.join(facts.open_subtasks)}，"
            f"{_first(Action.SUBTASK)}"
        )
    if can_transition(facts.kind, facts.state, State.DONE):
        return ""
    # 已受理 → 办理中 → 已办结: 办结 takes both steps for a case that was under review.
    if can_transition(facts.kind, facts.state, State.IN_PROGRESS) and can_transition(
        facts.kind, State.IN_PROGRESS, State.DONE
    ):
        return ""
    return f"{here}，不能办结"


def _role_problem(action: Action, facts: CaseFacts, role: str) -> str:
    if role not in WORK_ROLES:
        return "办件操作须由窗口工作人员或大厅主任进行"
    supervisor_only = action in (Action.APPROVE_EXTENSION, Action.REJECT_EXTENSION) or (
        action in _ENDS and needs_supervisor(facts.kind, facts.state, _ENDS[action])
    )
    if supervisor_only and role not in SUPERVISOR_ROLES:
        if action == Action.REFUSE:
            return "「不予受理」须报大厅主任决定并登记备查（否定报备），窗口工作人员不能擅自否决"
        return f"「{ACTION_LABELS[action]}」须由大厅主任决定"
    return ""


def verdict(facts: CaseFacts, action: Action, role: str) -> ActionVerdict:
    """Whether ``role`` may take ``action`` on the case now, and why not."""
    action = Action(action)
    reason = _why_not(facts, action) or _role_problem(action, facts, role)
    return ActionVerdict(action, not reason, reason)


def case_actions(facts: CaseFacts, role: str) -> tuple[ActionVerdict, ...]:
    """Every action with its verdict for ``role``, in the counter's order."""
    return tuple(verdict(facts, action, role) for action in Action)


def check_action(facts: CaseFacts, action: Action, role: str) -> None:
    """Raise TransitionError with the reason unless ``role`` may take ``action`` now."""
    found = verdict(facts, action, role)
    if not found.allowed:
        raise TransitionError(found.reason)


def clock_runs(state: str) -> bool:
    """Whether the case's working days are being counted (open, not waiting for materials)."""
    return state in STATES and not STATES[state].terminal and state != State.AWAITING_SUPPLEMENT


# --- which notice fits ----------------------------------------------------------------------


def _extension_running(facts: CaseFacts) -> bool:
    """An approved extension whose date is the one running (a later 补正 restarts it)."""
    return (
        facts.extension_state == "approved"
        and facts.due_date is not None
        and facts.due_date == facts.extended_until
    )


def notice_for(facts: CaseFacts) -> str | None:
    """The notice that fits the case now (a key of policies.notices.NOTICE_KINDS), or None.

    A date told on paper that has changed comes first ("correction"); then: done → "done"
    ("immediate" for a 即办件); returned or refused → "return"; withdrawn → none; awaiting
    supplements → "supplement"; an approved extension running → "extension"; 容缺 with the
    material owed → "tolerance"; otherwise the notice of the kind on acceptance (a 补办件
    now complete: "acceptance", the promised date being the news).
    """
    if facts.kind not in KINDS or facts.state not in STATES:
        return None
    if facts.renotify and not facts.terminal:
        return "correction"
    if facts.state == State.DONE:
        return "immediate" if facts.kind == Kind.IMMEDIATE else "done"
    if facts.state in (State.RETURNED, State.REFUSED):
        return "return"
    if facts.terminal:
        return None
    if facts.state == State.AWAITING_SUPPLEMENT:
        return "supplement"
    if _extension_running(facts):
        return "extension"
    if facts.tolerance_owed:
        return "tolerance"
    notice = NOTICE_FOR_CASE_KIND[facts.kind]
    if notice == "immediate":
        return None  # the 即办件 slip comes with the result
    if notice == "supplement":
        return "acceptance" if facts.due_date is not None else None
    return notice


def notice_problem(facts: CaseFacts, notice: str, notice_title: str) -> str:
    """Why the notice ``notice`` may not be issued for the case now ("" when it may): only
    the notice that fits now (:func:`notice_for`) is issued; one issued before is reprinted
    as it was. What the notice must say (a missing material, a due date …)
    policies.notices checks itself."""
    fits = notice_for(facts)
    if notice == fits:
        return ""
    kind, state = _labels(facts)
    if notice == "extension" and facts.extension_state == "requested":
        return "延期申请尚未经大厅主任批准，还不能出具延期告知书"
    now = f"，现在应出具的是《{_title(fits)}》" if fits else "，现在没有要出具的告知书"
    return f"{kind}（{state}）不适用《{notice_title}》{now}"


def _title(notice: str) -> str:
    from policies.notices import NOTICE_KINDS

    return NOTICE_KINDS.get(notice, notice)
