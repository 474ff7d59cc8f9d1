"""Which limit a case gets and from which day it counts."""

from __future__ import annotations

import datetime as dt

import pytest

from policies.calendar import WorkCalendar
from policies.deadlines import (
    case_limit_working_days,
    clock_start,
    complaint_limit_working_days,
    handed_down_limit_working_days,
)
from policies.errors import PolicyError
from policies.settings import Policy, load_policy

D = dt.date


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def test_case_limits(policy: Policy) -> None:
    assert case_limit_working_days("immediate", policy, item_promised_days=20) == 0
    assert case_limit_working_days("promised", policy, item_promised_days=20) == 20
    assert case_limit_working_days("supplement", policy, item_promised_days=3) == 3
    assert case_limit_working_days("promised", policy) == 5  # not in the catalog: fallback
    assert case_limit_working_days("returned", policy) is None
    with pytest.raises(PolicyError):
        case_limit_working_days("urgent", policy)


def test_handed_down_tasks(policy: Policy) -> None:
    assert handed_down_limit_working_days(policy) == 5
    assert handed_down_limit_working_days(policy, higher_decision=True) == 15
    assert handed_down_limit_working_days(policy, given_days=2) == 2


def test_clock_start_rules(policy: Policy) -> None:
    received, first, last = D(2026, 3, 2), D(2026, 3, 4), D(2026, 3, 9)
    assert clock_start(received, policy=policy) == received
    assert clock_start(received, complete=False, policy=policy) is None
    # 补办件: from the last supplement once complete; not running while incomplete
    assert clock_start(received, [first, last], policy=policy) == last
    assert clock_start(received, [first], complete=False, policy=policy) is None
    # the clerk's list missed a material: from the first supplement (seed 002 限时办结 9)
    assert clock_start(received, [first, last], omission=True, policy=policy) == first
    assert clock_start(received, [first], complete=False, omission=True, policy=policy) == first
    from_receipt = load_policy('[supplement]\nclock_start = "receipt"\n')
    assert clock_start(received, [first, last], policy=from_receipt) == received


def test_supplement_deadline_end_to_end(policy: Policy) -> None:
    # last supplement Thu 2026-02-12, promised 5 days: counted by hand across 春节
    start = clock_start(D(2026, 2, 2), [D(2026, 2, 12)], policy=policy)
    assert start is not None
    limit = case_limit_working_days("supplement", policy, item_promised_days=5)
    assert limit is not None
    assert WorkCalendar().due_date(start, limit) == D(2026, 2, 26)


def test_complaint_limits(policy: Policy) -> None:
    assert complaint_limit_working_days("oral", policy) == 0
    assert complaint_limit_working_days("general", policy) == 1
    assert complaint_limit_working_days("written", policy) == 5
    assert complaint_limit_working_days("complex", policy) == 5
    assert complaint_limit_working_days("complex", policy, extended=True) == 15
    seed_000 = load_policy(
        "[complaints]\ncomplex_working_days = 5\ncomplex_extension_working_days = 0\n"
    )
    assert complaint_limit_working_days("complex", seed_000, extended=True) == 5
    with pytest.raises(PolicyError):
        complaint_limit_working_days("anonymous", policy)
