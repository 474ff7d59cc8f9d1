"""For every kind × reachable state × the facts that matter × role, the keys the case
screen offers (tui.screens.case.offered_keys of store.cases.case_detail, which asks
policies.lifecycle) are exactly the keys of the operations the store accepts: each
operation is tried with good input, in a savepoint rolled back afterwards."""

from __future__ import annotations

import datetime as dt
import json
from collections import deque

import pytest

from policies.cases import KINDS, STATES, TRANSITIONS, Kind, State, initial_state
from policies.lifecycle import Action
from store import row_macs
from store.case_notices import issue_case_notice
from store.cases import (
    approve_extension,
    case_detail,
    close_case,
    complete_subtask,
    forward_progress,
    record_visit,
    refuse_case,
    reject_extension,
    request_extension,
    request_supplement,
    return_case,
    supplement,
    withdraw_case,
)
from store.database import database
from store.errors import InvalidInput, PermissionDenied
from store.models import Case, SubTask
from store.staff import add_staff
from tests.store.test_cases import (  # noqa: F401 (fixture)
    ALL,
    accept,
    applicant,
    desk,
)
from tui.screens.case import KEYS, offered_keys

KEY_OF = {action: key for key, action, _ in KEYS}


def reachable() -> set[tuple[str, str]]:
    """(kind, state) pairs a case can reach from its kind's initial state."""
    seen: set[tuple[str, str]] = set()
    todo = deque((k, initial_state(k)) for k in KINDS)
    while todo:
        pair = todo.popleft()
        if pair in seen:
            continue
        seen.add(pair)
        kind, state = pair
        todo.extend(
            (kind, t.to_state) for t in TRANSITIONS if t.from_state == state and kind in t.kinds
        )
    return seen


PAIRS = sorted(reachable())
#: The facts that change what may happen, besides kind and state.
SHAPES = ("plain", "owed", "tolerance", "extension", "parts_done")
ITEMS = {  # the test catalog's item for each kind, with its materials all present
    Kind.IMMEDIATE: ("I001", {"居民身份证": "present"}),
    Kind.PROMISED: ("P001", ALL),
    Kind.SUPPLEMENT: ("P001", ALL),
    Kind.RETURNED: ("P001", ALL),
    Kind.JOINT: ("J001", {"申请书": "present"}),
    Kind.ESCALATED: ("E001", {"申请表": "present"}),
}


def _shape_applies(kind: str, state: str, shape: str) -> bool:
    terminal = STATES[state].terminal
    if shape == "owed":  # something owed: what 待补正 always has
        return kind in (Kind.PROMISED, Kind.SUPPLEMENT, Kind.JOINT, Kind.ESCALATED)
    if state == State.AWAITING_SUPPLEMENT:
        return False  # 待补正 without anything owed does not happen
    if shape == "tolerance":
        return kind in (Kind.PROMISED, Kind.JOINT) and not terminal
    if shape == "extension":
        return kind != Kind.IMMEDIATE and kind != Kind.RETURNED and not terminal
    if shape == "parts_done":
        return kind == Kind.JOINT
    return True


def _make(session, person, kind: str, state: str, shape: str) -> str:
    """A case of ``kind`` put straight into ``state`` with the shape's facts."""
    item, materials = ITEMS[Kind(kind)]
    made = accept(session, person, item_code=item, materials=materials, kind=_accept_kind(kind))
    row = Case.get(Case.number == made.number)
    row.kind, row.state = kind, state
    listed = json.loads(row.materials)
    if shape in ("owed", "tolerance") or state == State.AWAITING_SUPPLEMENT:
        listed[-1]["status"] = "not_brought"
        if state == State.AWAITING_SUPPLEMENT:
            row.clock_start = row.due_date = None
    row.materials = json.dumps(listed, ensure_ascii=False)
    row.tolerance = shape == "tolerance"
    if shape == "tolerance":
        row.tolerance_due = dt.date(2026, 11, 27)
    if shape == "extension":
        row.extension_state = "requested"
        row.extension_requested = dt.date(2026, 12, 21)
        row.extension_reason_enc = session.keys.seal(
            "case", "extension_reason_enc", row.uuid, "需入户核查"
        )
        row.key_id = session.keys.current
    if STATES[state].terminal:  # what the operation that ended it wrote
        row.closed_at = row.received_at
        row.granted = True if state == State.DONE else None
        text = "准予：已办结" if state == State.DONE else "不符合条件"
        row.result_enc = session.keys.seal("case", "result_enc", row.uuid, text)
        row.key_id = session.keys.current
    row_macs.save(session, row)  # as the operation would
    if shape == "parts_done":
        SubTask.update(state="done").where(SubTask.case == row).execute()
    return row.number


def _accept_kind(kind: str) -> str:
    # a 补办件 / 退回件 is made from a complete 承诺件 and then given its kind and state
    return Kind.PROMISED if kind in (Kind.SUPPLEMENT, Kind.RETURNED) else kind


def _attempt(session, number: str, action: Action, notice_kind: str | None) -> None:
    """The store operation behind ``action``, with input good enough to pass its checks."""
    detail_owed = [
        m["name"]
        for m in json.loads(Case.get(Case.number == number).materials)
        if m["status"] != "present"
    ]
    calls = {
        Action.SUPPLEMENT: lambda: supplement(session, number, detail_owed[:1] or ["收入证明"]),
        Action.REQUEST_SUPPLEMENT: lambda: request_supplement(session, number, ["补充说明"]),
        Action.CLOSE: lambda: close_case(session, number, granted=True, reasons="准予"),
        Action.EXTEND: lambda: request_extension(
            session, number, reason="需公示", new_date=dt.date(2026, 12, 28)
        ),
        Action.APPROVE_EXTENSION: lambda: approve_extension(session, number),
        Action.REJECT_EXTENSION: lambda: reject_extension(session, number),
        Action.RETURN: lambda: return_case(session, number, reasons="不符合条件"),
        Action.REFUSE: lambda: refuse_case(session, number, reasons="不符合条件"),
        Action.WITHDRAW: lambda: withdraw_case(session, number, reasons="申请人撤回"),
        Action.FORWARD: lambda: forward_progress(session, number, reference="县民批〔2026〕1号"),
        Action.SUBTASK: lambda: complete_subtask(session, number, "minzheng"),
        Action.VISIT: lambda: record_visit(session, number),
        # the notice that fits now; none fits: every kind is refused
        Action.NOTICE: lambda: issue_case_notice(session, number, notice_kind or "acceptance"),
    }
    calls[action]()


def _accepted(session, number: str, action: Action, notice_kind: str | None) -> bool:
    with database.atomic() as savepoint:
        try:
            _attempt(session, number, action, notice_kind)
        except (InvalidInput, PermissionDenied):
            return False
        finally:
            savepoint.rollback()
            session.refusals.clear()  # refused attempts' audit events: not this test's
    return True


@pytest.fixture
def sessions(hall, desk):  # noqa: F811
    add_staff(
        hall.supervisor,
        number="3001",
        name="纪投诉",
        role="complaint_officer",
        password="tousu-mima-2026",
    )
    return {
        "clerk": desk,
        "supervisor": hall.supervisor,
        "complaint_officer": hall.login("3001", "tousu-mima-2026"),
    }


def test_every_reachable_state_is_in_the_table():
    assert (Kind.ESCALATED, State.FORWARDED) in PAIRS
    assert (Kind.IMMEDIATE, State.AWAITING_SUPPLEMENT) not in PAIRS
    assert {kind for kind, _ in PAIRS} == set(KINDS)


@pytest.mark.parametrize(("kind", "state"), PAIRS)
def test_the_keys_offered_are_the_operations_the_store_accepts(
    kind,
    state,
    sessions,
    applicant,  # noqa: F811
):
    mismatches = []
    for shape in SHAPES:
        if not _shape_applies(kind, state, shape):
            continue
        number = _make(sessions["supervisor"], applicant, kind, state, shape)
        for role, session in sessions.items():
            detail = case_detail(session, number)
            offered = offered_keys(detail)
            accepted = {
                KEY_OF[action]
                for action in Action
                if _accepted(session, number, action, detail.notice_kind)
            }
            if offered != accepted:
                mismatches.append(
                    f"{shape}/{role}: offered only {sorted(offered - accepted)}, "
                    f"accepted only {sorted(accepted - offered)}"
                )
            for verdict in detail.actions:  # a key not offered says why
                assert verdict.allowed or verdict.reason, (shape, role, verdict)
    assert not mismatches, f"{kind}/{state}: " + "; ".join(mismatches)
