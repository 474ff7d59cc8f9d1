"""Case kinds, states, transitions, 容缺 and the proposed kind at the counter."""

from __future__ import annotations

import pytest

from policies.cases import (
    FLAGS,
    KINDS,
    STATES,
    TRANSITIONS,
    MaterialCheck,
    TransitionError,
    allowed_transitions,
    can_extend,
    can_transition,
    check_extension,
    check_transition,
    initial_state,
    needs_supervisor,
    propose_kind,
    tolerance_allowed,
)
from policies.errors import PolicyError
from policies.settings import Policy, load_policy


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def test_six_kinds_with_labels_and_notices() -> None:
    assert {k: v.label for k, v in KINDS.items()} == {
        "immediate": "即办件",
        "promised": "承诺件",
        "supplement": "补办件",
        "returned": "退回件",
        "joint": "联办件",
        "escalated": "上报件",
    }
    assert KINDS["immediate"].notice is None  # the result itself is handed over
    assert "承诺件受理通知" in (KINDS["promised"].notice or "")
    assert KINDS["supplement"].notice == "办件通知书"
    assert KINDS["returned"].notice == "退回件通知书"
    assert KINDS["joint"].notice == "联办件通知书"
    assert FLAGS["proxy"].label == "代办"
    assert FLAGS["tolerance"].notice == "容缺受理通知书"


def test_initial_states() -> None:
    assert initial_state("promised") == "accepted"
    assert initial_state("supplement") == "awaiting_supplement"  # clock not running yet
    assert initial_state("returned") == "returned"
    with pytest.raises(PolicyError):
        initial_state("urgent")


def test_table_is_consistent() -> None:
    for t in TRANSITIONS:
        assert t.from_state in STATES and t.to_state in STATES
        assert not STATES[t.from_state].terminal
        assert t.kinds <= set(KINDS)
    # every kind can reach a terminal state from where it starts
    for kind in KINDS:
        seen, todo = set(), [initial_state(kind)]
        while todo:
            state = todo.pop()
            seen.add(state)
            todo += [t.to_state for t in allowed_transitions(kind, state) if t.to_state not in seen]
        assert any(STATES[s].terminal for s in seen), kind


def test_immediate_case() -> None:
    assert can_transition("immediate", "accepted", "done")
    assert not can_transition("immediate", "accepted", "awaiting_supplement")
    with pytest.raises(TransitionError, match="即办件不会进入「待补正」"):
        check_transition("immediate", "accepted", "awaiting_supplement")
    assert not can_transition("immediate", "accepted", "forwarded")


def test_supplement_case_runs_after_materials_arrive() -> None:
    assert check_transition("supplement", "awaiting_supplement", "in_progress").label == "材料补齐"
    assert can_transition("supplement", "in_progress", "done")
    assert can_transition("supplement", "awaiting_supplement", "withdrawn")  # not brought


def test_escalated_case_goes_through_forwarded() -> None:
    assert not can_transition("escalated", "in_progress", "done")
    with pytest.raises(TransitionError, match="不能从「办理中」直接改为「已办结」"):
        check_transition("escalated", "in_progress", "done")
    assert can_transition("escalated", "in_progress", "forwarded")
    assert can_transition("escalated", "forwarded", "done")
    assert not can_transition("promised", "in_progress", "forwarded")


def test_returned_kind_has_no_moves() -> None:
    assert allowed_transitions("returned", "returned") == []
    with pytest.raises(TransitionError, match="已是「已退回」"):
        check_transition("returned", "returned", "in_progress")


def test_terminal_states_are_final() -> None:
    for state in ("done", "returned", "withdrawn", "refused"):
        assert allowed_transitions("promised", state) == []
        with pytest.raises(TransitionError):
            check_transition("promised", state, "in_progress")


def test_refusal_needs_the_supervisor() -> None:
    assert needs_supervisor("promised", "in_progress", "refused")
    assert not needs_supervisor("promised", "in_progress", "returned")
    with pytest.raises(TransitionError, match="否定报备"):
        check_transition("promised", "in_progress", "refused")
    assert check_transition("promised", "in_progress", "refused", by_supervisor=True).supervisor


def test_unknown_names() -> None:
    assert not can_transition("urgent", "accepted", "done")
    assert not can_transition("promised", "accepted", "archived")
    with pytest.raises(TransitionError, match="未知的办件状态"):
        check_transition("promised", "accepted", "archived")
    with pytest.raises(TransitionError, match="已处于"):
        check_transition("promised", "accepted", "accepted")


def test_extension_is_an_event_for_the_supervisor() -> None:
    assert can_extend("promised", "in_progress")
    assert not can_extend("immediate", "accepted")
    assert not can_extend("promised", "awaiting_supplement")  # the clock is not running
    assert not can_extend("promised", "done")
    with pytest.raises(TransitionError, match="大厅主任"):
        check_extension("promised", "in_progress", by_supervisor=False, reason="需现场踏勘")
    with pytest.raises(TransitionError, match="理由"):
        check_extension("promised", "in_progress", by_supervisor=True, reason="  ")
    check_extension("promised", "in_progress", by_supervisor=True, reason="需现场踏勘")
    with pytest.raises(TransitionError):
        check_extension("immediate", "accepted", by_supervisor=True, reason="忙")


def test_tolerance_by_kind(policy: Policy) -> None:
    assert tolerance_allowed("promised", policy)
    assert tolerance_allowed("joint", policy)
    for kind in ("immediate", "escalated", "supplement", "returned"):
        assert not tolerance_allowed(kind, policy), kind
    relaxed = load_policy('[tolerance]\nineligible_kinds = ["immediate"]\n')
    assert tolerance_allowed("escalated", relaxed)
    off = load_policy("[tolerance]\nenabled = false\n")
    assert not tolerance_allowed("promised", off)


# --- propose_kind ----------------------------------------------------------------------------

ID_CARD = "身份证"
HUKOU = "户口簿"
PHOTO = "照片"


def checklist(id_card: str = "present", hukou: str = "present", photo: str = "present"):
    return [
        MaterialCheck(ID_CARD, True, id_card),
        MaterialCheck(HUKOU, True, hukou),
        MaterialCheck(PHOTO, False, photo),
    ]


def test_complete_materials_keep_the_item_kind(policy: Policy) -> None:
    proposal = propose_kind("promised", checklist(), policy)
    assert (proposal.kind, proposal.tolerance, proposal.to_bring) == ("promised", False, ())
    assert propose_kind("immediate", checklist(), policy).kind == "immediate"


def test_main_material_missing_is_returned(policy: Policy) -> None:
    proposal = propose_kind("promised", checklist(hukou="missing", photo="missing"), policy)
    assert proposal.kind == "returned"
    assert any(HUKOU in r for r in proposal.reasons)
    assert set(proposal.to_bring) == {HUKOU, PHOTO}  # tell everything at once


def test_main_material_at_home_is_supplement(policy: Policy) -> None:
    proposal = propose_kind(
        "promised", checklist(hukou="not_brought"), policy, item_tolerance_allowed=True
    )
    assert (proposal.kind, proposal.tolerance) == ("supplement", False)
    assert proposal.to_bring == (HUKOU,)


def test_secondary_missing_tolerance_or_supplement(policy: Policy) -> None:
    materials = checklist(photo="missing")
    tolerant = propose_kind("promised", materials, policy, item_tolerance_allowed=True)
    assert (tolerant.kind, tolerant.tolerance, tolerant.to_bring) == ("promised", True, (PHOTO,))
    strict = propose_kind("promised", materials, policy, item_tolerance_allowed=False)
    assert (strict.kind, strict.tolerance) == ("supplement", False)
    # immediate items are not eligible for 容缺
    immediate = propose_kind("immediate", materials, policy, item_tolerance_allowed=True)
    assert (immediate.kind, immediate.tolerance) == ("supplement", False)
    off = load_policy("[tolerance]\nenabled = false\n")
    assert (
        propose_kind("promised", materials, off, item_tolerance_allowed=True).kind == "supplement"
    )


def test_joint_threshold_is_the_policy(policy: Policy) -> None:
    assert propose_kind("promised", checklist(), policy, windows_involved=2).kind == "joint"
    seed_000 = load_policy("[joint]\nmin_windows = 3\n")
    assert propose_kind("promised", checklist(), seed_000, windows_involved=2).kind == "promised"
    assert propose_kind("promised", checklist(), seed_000, windows_involved=3).kind == "joint"
    # a joint item with secondary materials missing may still use 容缺
    joint = propose_kind(
        "promised",
        checklist(photo="not_brought"),
        policy,
        windows_involved=2,
        item_tolerance_allowed=True,
    )
    assert (joint.kind, joint.tolerance) == ("joint", True)


def test_authority_above_township_is_escalated(policy: Policy) -> None:
    proposal = propose_kind("promised", checklist(), policy, authority="county", windows_involved=3)
    assert proposal.kind == "escalated"
    assert any("县" in r for r in proposal.reasons)
    assert propose_kind("escalated", checklist(), policy).kind == "escalated"
    # escalated items are not eligible for 容缺: missing secondary → supplement
    missing = propose_kind(
        "promised",
        checklist(photo="missing"),
        policy,
        authority="city",
        item_tolerance_allowed=True,
    )
    assert (missing.kind, missing.tolerance) == ("supplement", False)


def test_bad_inputs(policy: Policy) -> None:
    with pytest.raises(PolicyError):
        propose_kind("supplement", checklist(), policy)
    with pytest.raises(PolicyError):
        propose_kind("promised", checklist(), policy, authority="village")
    with pytest.raises(PolicyError):
        propose_kind("promised", checklist(photo="lost"), policy)
