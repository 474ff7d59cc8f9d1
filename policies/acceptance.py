"""受理: which kinds an acceptance allows for the materials checked, and the checks on the
kind the clerk confirms (六件管理, 容缺受理; seeds 000 篇7, 002 附件5/附件8).

The store proposes a kind (:func:`policies.cases.propose_kind`), the counter offers
:func:`acceptable_kinds` (the proposal first), and the store registers the case only after
:func:`check_acceptance` agrees. The 容缺 commitment date is checked by
:func:`commitment_problem` against the working-day calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policies.cases import (
    AUTHORITIES,
    KINDS,
    Kind,
    KindProposal,
    MaterialCheck,
    MaterialStatus,
    TransitionError,
    initial_state,
    tolerance_allowed,
)
from policies.lifecycle import clock_runs

if TYPE_CHECKING:
    from policies.calendar import WorkCalendar
    from policies.settings import Policy

__all__ = [
    "COMPLETE_KINDS",
    "TOLERANCE",
    "Acceptance",
    "acceptable_kinds",
    "check_acceptance",
    "choice_label",
    "commitment_problem",
    "counts_from_acceptance",
]

#: The choice of 容缺受理: the case gets the kind a complete checklist would have, with
#: the tolerance flag (it is not a kind of its own).
TOLERANCE = "tolerance"
#: Kinds a complete checklist may be accepted as (补办件 needs something owed).
COMPLETE_KINDS = (Kind.IMMEDIATE, Kind.PROMISED, Kind.JOINT, Kind.ESCALATED)


@dataclass(frozen=True)
class Acceptance:
    """The kind a case is registered as, and whether it is 容缺受理."""

    kind: Kind
    tolerance: bool


def choice_label(choice: str) -> str:
    if choice == TOLERANCE:
        return "容缺受理"
    return KINDS[choice].label if choice in KINDS else choice


def acceptable_kinds(proposal: KindProposal) -> tuple[str, ...]:
    """The choices :func:`check_acceptance` accepts for the materials behind ``proposal``,
    the proposal first. A main material missing leaves only 退回件; anything else not
    brought: 补办件 (or 容缺受理 when proposed) and 退回件; approval above the township
    (上报件): itself or 退回件; any other complete checklist: any complete kind, or 退回件
    (an applicant plainly ineligible)."""
    if proposal.kind == Kind.RETURNED:
        return (Kind.RETURNED,)
    if proposal.tolerance:
        return (TOLERANCE, Kind.SUPPLEMENT, Kind.RETURNED)
    if proposal.kind == Kind.SUPPLEMENT:
        return (Kind.SUPPLEMENT, Kind.RETURNED)
    if proposal.kind == Kind.ESCALATED:
        return (Kind.ESCALATED, Kind.RETURNED)
    rest = tuple(k for k in COMPLETE_KINDS if k != proposal.kind)
    return (proposal.kind, *rest, Kind.RETURNED)


def counts_from_acceptance(kind: str) -> bool:
    """Whether the limit counts from the day of acceptance (a 补办件 counts once complete,
    a 退回件 has none)."""
    return clock_runs(initial_state(kind))


def check_acceptance(
    choice: str,
    checks: Sequence[MaterialCheck],
    *,
    complete_kind: str,
    authority: str,
    item_tolerance_allowed: bool,
    participants: int,
    policy: Policy,
) -> Acceptance:
    """The kind to register for the clerk's ``choice``, or TransitionError saying why the
    materials do not allow it. ``complete_kind``: what the proposal would be with every
    material present (容缺 takes that kind); ``participants``: the other windows of a
    联办件."""
    tolerance = choice == TOLERANCE
    kind = complete_kind if tolerance else choice
    if kind not in KINDS:
        known = "、".join(k.label for k in KINDS.values())
        raise TransitionError(f"未知的办件类型：{choice}（可选：{known}、容缺受理）")
    kind = Kind(kind)
    label = KINDS[kind].label
    main_missing = [c.name for c in checks if c.main and c.status == MaterialStatus.MISSING]
    main_out = [c.name for c in checks if c.main and c.status != MaterialStatus.PRESENT]
    secondary_out = [c.name for c in checks if not c.main and c.status != MaterialStatus.PRESENT]
    not_present = main_out + secondary_out
    if tolerance:
        if not (item_tolerance_allowed and tolerance_allowed(kind, policy)):
            raise TransitionError(f"本事项（{label}）不适用容缺受理")
        if main_out:
            raise TransitionError(f"主件「{'、'.join(main_out)}」未齐，不能容缺受理")
        if not secondary_out:
            raise TransitionError("材料已齐全，无需容缺受理")
    elif kind == Kind.SUPPLEMENT:
        if main_missing:
            raise TransitionError(
                f"主件「{'、'.join(main_missing)}」申请人没有，应按退回件处理，不能按补办件受理"
            )
        if not not_present:
            raise TransitionError("材料已齐全，不是补办件")
    elif kind != Kind.RETURNED and not_present:
        raise TransitionError(
            f"材料不齐（{'、'.join(not_present)}），不能按{label}受理：请选择补办件、退回件"
            "或（事项允许时）容缺受理"
        )
    if authority != "township" and kind not in (Kind.ESCALATED, Kind.SUPPLEMENT, Kind.RETURNED):
        raise TransitionError(
            f"本事项审批权限在{AUTHORITIES.get(authority, '上级')}，须按上报件受理（不能按{label}）"
        )
    if kind == Kind.JOINT and participants < 1:
        raise TransitionError("联办件须指定至少一个协办窗口")
    return Acceptance(kind, tolerance)


def commitment_problem(
    day: dt.date, *, today: dt.date, due: dt.date | None, calendar: WorkCalendar
) -> str:
    """Why a 容缺 commitment date (承诺补齐日期) cannot be taken ("" when it can): it must be
    a working day (provisionally in a year the calendar lacks), not before today, and not
    after the case's own due date (the material is needed before the case can close)."""
    if day < today:
        return "承诺补齐日期不能早于今天"
    if due is not None and day > due:
        return f"承诺补齐日期不能晚于本办件的办结期限 {due:%Y-%m-%d}"
    return calendar.workday_problem(day, "承诺补齐日期") or ""
