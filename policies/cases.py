"""Case kinds (六件管理), case states and their allowed transitions, as data.

Kinds (DOMAIN 六件管理; seeds 000 篇7, 001 篇2, 002 附件5, 003 篇5): immediate 即办件,
promised 承诺件, supplement 补办件, returned 退回件, joint 联办件, escalated 上报件. Two flags
may be set on a case of any kind: proxy 代办 (handled for someone who cannot come) and
tolerance 容缺受理 (accepted with a secondary material missing, against a signed commitment).

States and the decisions behind them:

- A case starts in its kind's ``initial_state``: a 补办件 starts 待补正 (the clock does not
  run until the materials are complete), a 退回件 is registered already 退回 (the register
  records every visit, seed 001 篇1), every other kind starts 已受理.
- 延期 (extension) is an *event*, not a state: the case stays where it is and its due date
  moves. It needs the supervisor and a reason (seed 000 篇5, seed 002 附件5 三.10); see
  :func:`check_extension`.
- 退回 (state) is the clerk's outcome (main material missing, plainly ineligible, found
  ineligible after inspection). 不予受理 (state ``refused``) is a formal refusal and needs
  the supervisor (否定报备, seed 003 篇5: a clerk may not refuse alone).
- 撤回 (state ``withdrawn``) covers the applicant withdrawing and a 容缺/补正 material not
  brought by the promised date (视为放弃申请，作退件处理, seed 002 附件8 第三条).
- The kind ``returned`` counts cases turned away at the counter; a case of another kind
  that ends in the state ``returned`` keeps its kind (reports count both).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from policies.errors import PolicyError

if TYPE_CHECKING:
    from policies.settings import Policy

__all__ = [
    "AUTHORITIES",
    "CATALOG_KINDS",
    "FLAGS",
    "KINDS",
    "MATERIAL_STATUSES",
    "STATES",
    "TRANSITIONS",
    "CaseFlag",
    "CaseKind",
    "CaseState",
    "Kind",
    "KindProposal",
    "MaterialCheck",
    "MaterialStatus",
    "State",
    "Transition",
    "TransitionError",
    "allowed_transitions",
    "can_extend",
    "can_transition",
    "check_extension",
    "check_transition",
    "initial_state",
    "needs_supervisor",
    "propose_kind",
    "tolerance_allowed",
]


class TransitionError(PolicyError):
    """A case may not make this move (or not by this person)."""


class Kind(StrEnum):
    """六件: the kind of a case (stored as these values)."""

    IMMEDIATE = "immediate"  # 即办件
    PROMISED = "promised"  # 承诺件
    SUPPLEMENT = "supplement"  # 补办件
    RETURNED = "returned"  # 退回件
    JOINT = "joint"  # 联办件
    ESCALATED = "escalated"  # 上报件


class State(StrEnum):
    """Where a case stands (stored as these values)."""

    ACCEPTED = "accepted"  # 已受理
    IN_PROGRESS = "in_progress"  # 办理中
    AWAITING_SUPPLEMENT = "awaiting_supplement"  # 待补正
    FORWARDED = "forwarded"  # 已上报
    DONE = "done"  # 已办结
    RETURNED = "returned"  # 已退回
    WITHDRAWN = "withdrawn"  # 已撤回（退件）
    REFUSED = "refused"  # 不予受理


class MaterialStatus(StrEnum):
    """One material on the counter's checklist (stored as these values)."""

    PRESENT = "present"  # 已带来
    NOT_BROUGHT = "not_brought"  # 有但未带来
    MISSING = "missing"  # 没有（不具备）


@dataclass(frozen=True)
class CaseKind:
    id: Kind
    label: str  # 即办件
    issues: str  # what the counter hands over (DOMAIN 六件管理 table)
    notice: str | None  # title of the printed notice, None when the result itself is handed over
    initial_state: State


@dataclass(frozen=True)
class CaseFlag:
    id: str
    label: str
    notice: str | None


@dataclass(frozen=True)
class CaseState:
    id: State
    label: str
    terminal: bool


@dataclass(frozen=True)
class Transition:
    from_state: State
    to_state: State
    kinds: frozenset[Kind]
    label: str  # the action's name on the counter
    supervisor: bool = False  # only the supervisor (大厅主任/值班领导) may do it


KINDS = MappingProxyType(
    {
        k.id: k
        for k in (
            CaseKind(Kind.IMMEDIATE, "即办件", "当场办结，交付办理结果", None, State.ACCEPTED),
            CaseKind(
                Kind.PROMISED,
                "承诺件",
                "出具受理通知，写明承诺办结日期",
                "承诺件受理通知",
                State.ACCEPTED,
            ),
            CaseKind(
                Kind.SUPPLEMENT,
                "补办件",
                "出具办件通知书，一次性列明需补办的全部材料；材料补齐后起算时限",
                "办件通知书",
                State.AWAITING_SUPPLEMENT,
            ),
            CaseKind(
                Kind.RETURNED,
                "退回件",
                "出具退回件通知书，书面注明退回原因",
                "退回件通知书",
                State.RETURNED,
            ),
            CaseKind(
                Kind.JOINT,
                "联办件",
                "出具联办件通知书；主办窗口牵头，组织联合审核",
                "联办件通知书",
                State.ACCEPTED,
            ),
            CaseKind(
                Kind.ESCALATED,
                "上报件",
                "告知承诺的上报时间，窗口跟踪办理至办结",
                "上报件告知单",  # not named in the seeds; a hall may print its own
                State.ACCEPTED,
            ),
        )
    }
)

# The kinds a catalog item may name as its default (补办/退回 arise at the counter).
CATALOG_KINDS = (Kind.IMMEDIATE, Kind.PROMISED, Kind.JOINT, Kind.ESCALATED)

FLAGS = MappingProxyType(
    {
        "proxy": CaseFlag("proxy", "代办", None),
        "tolerance": CaseFlag("tolerance", "容缺受理", "容缺受理通知书"),
    }
)

STATES = MappingProxyType(
    {
        s.id: s
        for s in (
            CaseState(State.ACCEPTED, "已受理", False),
            CaseState(State.IN_PROGRESS, "办理中", False),
            CaseState(State.AWAITING_SUPPLEMENT, "待补正", False),
            CaseState(State.FORWARDED, "已上报", False),
            CaseState(State.DONE, "已办结", True),
            CaseState(State.RETURNED, "已退回", True),
            CaseState(State.WITHDRAWN, "已撤回（退件）", True),
            CaseState(State.REFUSED, "不予受理", True),
        )
    }
)

# Who approves an item, lowest first (事项审批权限).
AUTHORITIES = MappingProxyType(
    {"township": "乡镇（街道）", "county": "县（区）", "city": "市", "province": "省"}
)

_ACTIVE = frozenset(Kind) - {Kind.RETURNED}
_REVIEWED = _ACTIVE - {Kind.IMMEDIATE}
_FRESH = _ACTIVE - {Kind.SUPPLEMENT}  # kinds starting 已受理
_ESC = frozenset({Kind.ESCALATED})


def _t(
    src: str, dst: str, kinds: Iterable[str], label: str, supervisor: bool = False
) -> Transition:
    return Transition(State(src), State(dst), frozenset(map(Kind, kinds)), label, supervisor)


TRANSITIONS: tuple[Transition, ...] = (
    _t("accepted", "in_progress", _FRESH, "开始办理"),
    _t("accepted", "done", {"immediate"}, "当场办结"),
    _t("accepted", "awaiting_supplement", _FRESH - {"immediate"}, "通知补正"),
    _t("accepted", "forwarded", _ESC, "上报"),
    _t("accepted", "returned", _FRESH, "退回"),
    _t("accepted", "withdrawn", _FRESH, "撤回"),
    _t("accepted", "refused", _FRESH, "不予受理", supervisor=True),
    _t("in_progress", "done", _ACTIVE - _ESC, "办结"),
    _t("in_progress", "awaiting_supplement", _REVIEWED, "通知补正"),
    _t("in_progress", "forwarded", _ESC, "上报"),
    _t("in_progress", "returned", _ACTIVE, "退回"),
    _t("in_progress", "withdrawn", _ACTIVE, "撤回"),
    _t("in_progress", "refused", _ACTIVE, "不予受理", supervisor=True),
    _t("awaiting_supplement", "in_progress", _REVIEWED, "材料补齐"),
    _t("awaiting_supplement", "returned", _REVIEWED, "退回"),
    _t("awaiting_supplement", "withdrawn", _REVIEWED, "逾期未补，视为撤回"),
    _t("awaiting_supplement", "refused", _REVIEWED, "不予受理", supervisor=True),
    _t("forwarded", "done", _ESC, "上级办结"),
    _t("forwarded", "awaiting_supplement", _ESC, "上级要求补正"),
    _t("forwarded", "returned", _ESC, "上级退回"),
    _t("forwarded", "withdrawn", _ESC, "撤回"),
)

_BY_EDGE = {(t.from_state, t.to_state): t for t in TRANSITIONS}
assert len(_BY_EDGE) == len(TRANSITIONS), "one transition per pair of states"

# States a case can be extended in (延期 is an event; the clock must be running).
_EXTENDABLE_STATES = frozenset({State.ACCEPTED, State.IN_PROGRESS, State.FORWARDED})


def _kind(kind: str) -> CaseKind:
    try:
        return KINDS[kind]
    except KeyError:
        raise TransitionError(f"未知的办件类型 {kind!r}") from None


def _state(state: str) -> CaseState:
    try:
        return STATES[state]
    except KeyError:
        raise TransitionError(f"未知的办件状态 {state!r}") from None


def initial_state(kind: str) -> str:
    """The state a newly registered case of ``kind`` starts in."""
    return _kind(kind).initial_state


def can_transition(kind: str, from_state: str, to_state: str) -> bool:
    """Whether a case of ``kind`` may move between the two states (by anyone)."""
    if kind not in KINDS:
        return False
    edge = _BY_EDGE.get((from_state, to_state))
    return edge is not None and kind in edge.kinds


def needs_supervisor(kind: str, from_state: str, to_state: str) -> bool:
    edge = _BY_EDGE.get((from_state, to_state))
    return bool(edge and kind in edge.kinds and edge.supervisor)


def allowed_transitions(kind: str, from_state: str) -> list[Transition]:
    """The moves offered on the counter for a case in ``from_state``, in table order."""
    _kind(kind)
    _state(from_state)
    return [t for t in TRANSITIONS if t.from_state == from_state and kind in t.kinds]


def check_transition(
    kind: str, from_state: str, to_state: str, *, by_supervisor: bool = False
) -> Transition:
    """Return the transition or raise TransitionError saying why not (in Chinese)."""
    k, src, dst = _kind(kind), _state(from_state), _state(to_state)
    if src.terminal:
        raise TransitionError(f"{k.label}已是「{src.label}」，不能再改为「{dst.label}」")
    if from_state == to_state:
        raise TransitionError(f"{k.label}已处于「{src.label}」")
    edge = _BY_EDGE.get((from_state, to_state))
    if edge is None or kind not in edge.kinds:
        reachable = any(t.to_state == to_state and kind in t.kinds for t in TRANSITIONS)
        if not reachable:
            raise TransitionError(f"{k.label}不会进入「{dst.label}」状态")
        raise TransitionError(f"{k.label}不能从「{src.label}」直接改为「{dst.label}」")
    if edge.supervisor and not by_supervisor:
        raise TransitionError(
            f"「{edge.label}」须报大厅主任决定并登记备查（否定报备），窗口工作人员不能擅自否决"
        )
    return edge


def can_extend(kind: str, state: str) -> bool:
    """Whether a case's deadline may be extended (延期) in this state.

    An immediate case that cannot be done on the spot is re-registered as 承诺件 instead.
    """
    return kind in _REVIEWED and state in _EXTENDABLE_STATES


def check_extension(kind: str, state: str, *, by_supervisor: bool, reason: str) -> None:
    """Raise TransitionError unless the supervisor extends with a stated reason."""
    k, s = _kind(kind), _state(state)
    if not can_extend(kind, state):
        raise TransitionError(f"{k.label}在「{s.label}」时不能延期")
    if not by_supervisor:
        raise TransitionError("延期须经大厅主任批准（无正当理由不准延时办结）")
    if not reason.strip():
        raise TransitionError("延期须写明理由，并书面告知申请人原因和新的办结日期")


def tolerance_allowed(kind: str, policy: Policy) -> bool:
    """Whether 容缺受理 may be used for a case of ``kind`` under this hall's policy.

    Only kinds that are reviewed after acceptance qualify (补办件 and 退回件 are what
    容缺 replaces or precludes); the policy excludes 即办件 and 上报件 by default.
    """
    t = policy.tolerance
    return t.enabled and kind in _FRESH and kind not in t.ineligible_kinds


# --- proposing a kind at the counter ---------------------------------------------------

MATERIAL_STATUSES = MappingProxyType(
    {
        MaterialStatus.PRESENT: "已带来",
        MaterialStatus.NOT_BROUGHT: "有但未带来",
        MaterialStatus.MISSING: "没有（不具备）",
    }
)


@dataclass(frozen=True)
class MaterialCheck:
    """One line of the counter's materials checklist."""

    name: str
    main: bool  # 主件 (True) or 辅件/secondary (False)
    status: str = MaterialStatus.PRESENT


@dataclass(frozen=True)
class KindProposal:
    kind: str
    tolerance: bool  # accept with 容缺受理 (secondary materials to be brought later)
    reasons: tuple[str, ...]  # Chinese, for the clerk and the notice
    to_bring: tuple[str, ...]  # every material still to bring (一次性告知)


def propose_kind(
    default_kind: str,
    materials: Iterable[MaterialCheck],
    policy: Policy,
    *,
    windows_involved: int = 1,
    authority: str = "township",
    item_tolerance_allowed: bool = False,
) -> KindProposal:
    """Propose the kind of a new case (DOMAIN 六件管理); the clerk confirms it.

    In order: a main material the applicant does not have → 退回件; a main material at
    home, or a secondary one missing → 补办件, or 容缺受理 when the item, the kind and the
    hall's policy allow it (main materials all present); otherwise the item's kind, raised
    to 上报件 when approval lies above the township, or to 联办件 when the windows involved
    reach the hall's threshold.
    """
    if default_kind not in CATALOG_KINDS:
        raise PolicyError(
            f"事项的默认办件类型 {default_kind!r} 无效（可用：{'、'.join(CATALOG_KINDS)}）"
        )
    if authority not in AUTHORITIES:
        raise PolicyError(f"审批权限 {authority!r} 无效（可用：{'、'.join(AUTHORITIES)}）")
    checks = list(materials)
    for check in checks:
        if check.status not in MATERIAL_STATUSES:
            raise PolicyError(f"材料「{check.name}」的状态 {check.status!r} 无效")
    main_missing = [c.name for c in checks if c.main and c.status == "missing"]
    main_at_home = [c.name for c in checks if c.main and c.status == "not_brought"]
    secondary = [c.name for c in checks if not c.main and c.status != "present"]
    to_bring = tuple(c.name for c in checks if c.status != "present")

    if main_missing:
        reasons = tuple(f"缺少主件：{name}" for name in main_missing)
        return KindProposal("returned", False, reasons, to_bring)

    base, base_reason = default_kind, ""
    if authority != "township" or default_kind == "escalated":
        base = "escalated"
        base_reason = f"审批权限在{AUTHORITIES[authority]}" if authority != "township" else ""
    elif windows_involved >= policy.joint.min_windows or default_kind == "joint":
        base = "joint"
        if windows_involved >= policy.joint.min_windows:
            base_reason = (
                f"涉及 {windows_involved} 个窗口（联办门槛 {policy.joint.min_windows} 个）"
            )

    if main_at_home or secondary:
        reasons = tuple(f"主件未带来：{n}" for n in main_at_home) + tuple(
            f"辅件不全：{n}" for n in secondary
        )
        if not main_at_home and item_tolerance_allowed and tolerance_allowed(base, policy):
            reasons += ("主件齐全，可容缺受理（申请人签署承诺）",)
            return KindProposal(
                base, True, reasons + ((base_reason,) if base_reason else ()), to_bring
            )
        return KindProposal("supplement", False, reasons, to_bring)

    return KindProposal(base, False, (base_reason,) if base_reason else (), ())
