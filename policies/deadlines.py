"""Which limit applies to a case, and from which day it counts (限时办结).

Pure arithmetic over :class:`policies.settings.Policy`; the dates themselves come from
:class:`policies.calendar.WorkCalendar`: ``calendar.due(clock_start(...), limit)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from policies.cases import KINDS
from policies.errors import PolicyError
from policies.settings import Policy

__all__ = [
    "COMPLAINT_CATEGORIES",
    "case_limit_working_days",
    "clock_start",
    "complaint_limit_working_days",
    "handed_down_limit_working_days",
    "immediate_overdue",
]

COMPLAINT_CATEGORIES = {
    "oral": "口头投诉（尽可能当场答复）",
    "general": "一般投诉（当日或次日答复）",
    "written": "一般书面投诉",
    "complex": "复杂或涉及多个部门的投诉",
}


def case_limit_working_days(
    kind: str, policy: Policy, *, item_promised_days: int | None = None
) -> int | None:
    """Working days allowed for a case; None for a 退回件 (it has no deadline).

    即办件: the policy's same-day limit. Every other kind: the item's published promised
    limit (承诺期限), or the policy's fallback for a matter not in the catalog.
    """
    if kind not in KINDS:
        raise PolicyError(f"未知的办件类型 {kind!r}")
    if kind == "returned":
        return None
    if kind == "immediate":
        return policy.deadlines.immediate_working_days
    if item_promised_days is not None:
        if item_promised_days < 0:
            raise PolicyError(f"承诺期限不能为负数（实为 {item_promised_days}）")
        return item_promised_days
    return policy.deadlines.promised_fallback_working_days


def handed_down_limit_working_days(
    policy: Policy, *, given_days: int | None = None, higher_decision: bool = False
) -> int:
    """A task from a higher body or a leader: its own limit if it has one; otherwise 15
    working days for carrying out a decision needing no new policy (seed 000 篇5) or 5
    for any other task (seed 002 附件5 三.5)."""
    if given_days is not None:
        return given_days
    d = policy.deadlines
    return d.higher_decision_working_days if higher_decision else d.task_without_limit_working_days


def clock_start(
    received: dt.date,
    supplements: Sequence[dt.date] = (),
    *,
    complete: bool = True,
    omission: bool = False,
    policy: Policy,
) -> dt.date | None:
    """The day after which a case's working days count; None while the clock has not started.

    ``supplements`` are the days supplementary materials arrived (补正), in order;
    ``complete`` says whether everything is in now; ``omission`` that the clerk's
    一次性告知 missed a material (then ``supplement.clock_start_on_omission`` applies).
    A complete case with no supplements counts from its receipt.
    """
    rule = policy.supplement.clock_start_on_omission if omission else policy.supplement.clock_start
    if rule == "receipt":
        return received
    if not supplements:
        return received if complete else None
    if rule == "first_supplement":
        return min(supplements)
    return max(supplements) if complete else None


def complaint_limit_working_days(category: str, policy: Policy, *, extended: bool = False) -> int:
    """Working days to answer a complaint; 0 = on the spot / the same day.

    ``extended`` applies to a complex complaint only (seed 002 附件6 五: +10 to 15).
    """
    c = policy.complaints
    if category == "oral":
        return 0 if c.oral_on_the_spot else c.general_reply_working_days
    if category == "general":
        return c.general_reply_working_days
    if category == "written":
        return c.written_working_days
    if category == "complex":
        if extended:
            return c.complex_working_days
        return max(
            c.written_working_days, c.complex_working_days - c.complex_extension_working_days
        )
    known = "、".join(COMPLAINT_CATEGORIES)
    raise PolicyError(f"未知的投诉类别 {category!r}（可用：{known}）")


def immediate_overdue(received_at: dt.datetime, now: dt.datetime, policy: Policy) -> bool:
    """A 即办件 still open after the policy's minutes (deadlines.immediate_minutes; seed
    000 篇7: done on the spot, normally within 30 minutes) is overdue."""
    return now - received_at > dt.timedelta(minutes=policy.deadlines.immediate_minutes)
