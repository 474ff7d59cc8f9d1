"""差评整改回访 (store.followup): limits from the policy on real 2026 dates and a stricter
local override, one crossing into 2027 (暂定); 核实 → 整改 → 回访 with every callback attempt
logged in order; 申诉复核 decided by the supervisor, refused for a clerk; reason codes kept."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from policies.followup import FollowupLimits, allowed_steps, limits
from policies.masking import mask_name
from policies.settings import load_policy
from store.database import upsert
from store.errors import InvalidInput, PermissionDenied
from store.followup import (
    FollowupRefused,
    appeal_rating,
    appeals_waiting,
    decide_appeal,
    followup_detail,
    log_callback,
    my_followups,
    overdue_followups,
    rectify_followup,
    verify_followup,
)
from store.handover import open_items
from store.models import AuditEvent, Rating, RatingCallback, Setting
from store.ratings import record_rating
from tests.people import PEOPLE
from tests.store.test_cases import accept, applicant, desk, local  # noqa: F401 — fixtures


def bad_rating(session, person, level=5, reason_code=209):
    case = accept(session, person)
    record_rating(
        session, case_number=case.number, level=level, channel="device", reason_code=reason_code
    )
    return case.number


def set_policy(hall, text: str) -> None:
    upsert(Setting, key="policy", value=text, updated_at=hall.register.clock.now())
    hall.register.forget_cached()


def test_limits_from_the_policy_on_2026_dates(hall, desk, applicant, clock):  # noqa: F811
    """差评 on Friday 13 Feb 2026 (Saturday 14 Feb a make-up working day, then 春节 to the
    23rd): contact in 1 working day, simple fix in 2, complex in 3, rectify in 15."""
    clock.set(local(2026, 2, 13, 15))
    number = bad_rating(desk, applicant)
    view = followup_detail(desk, number)
    assert (view.state, view.state_label, view.contact_due) == (
        "open",
        "待核实",
        dt.date(2026, 2, 14),
    )
    assert view.rectify_due == dt.date(2026, 3, 12) and view.next_due == dt.date(2026, 2, 14)
    assert not view.provisional
    assert view.level_label == "非常不满意" and view.reason_code == 209
    assert view.rater == mask_name(PEOPLE[0].name) and PEOPLE[0].name not in repr(view)
    view = verify_followup(
        desk, number, findings="申请人等候过久，窗口未说明原因", complex_matter=True
    )
    assert (view.state_label, view.fix_due, view.next_due) == (
        "待整改",
        dt.date(2026, 2, 25),
        dt.date(2026, 2, 25),
    )
    assert view.findings.startswith("申请人等候过久")
    # Sealed: the findings are not in the row in clear.
    assert "等候" not in repr(bytes(Rating.get().findings_enc))


def test_a_stricter_local_rule_shortens_the_limits(hall, desk, applicant, clock):  # noqa: F811
    """德州: rectify within 5 working days; contact the same day; a complex fix's 10 days
    give way to the stricter rectify limit."""
    set_policy(
        hall,
        "[ratings]\nrectify_working_days = 5\ncontact_working_days = 0\n"
        "complex_fix_working_days = 10\n",
    )
    clock.set(local(2026, 2, 13, 15))
    number = bad_rating(desk, applicant, level=4, reason_code=307)
    view = verify_followup(desk, number, findings="材料一次性告知不全", complex_matter=True)
    assert (view.contact_due, view.fix_due, view.rectify_due) == (
        dt.date(2026, 2, 13),
        dt.date(2026, 2, 27),
        dt.date(2026, 2, 27),
    )
    # Pure: the same from the policy module.
    policy = load_policy("[ratings]\nrectify_working_days = 5\n").ratings
    from policies.calendar import WorkCalendar

    assert limits(WorkCalendar(), dt.date(2026, 2, 13), policy) == FollowupLimits(
        dt.date(2026, 2, 14), None, dt.date(2026, 2, 27), False
    )


def test_a_limit_crossing_into_2027_is_provisional(desk, applicant, clock):  # noqa: F811
    clock.set(local(2026, 12, 28, 10))
    number = bad_rating(desk, applicant)
    view = followup_detail(desk, number)
    assert view.contact_due == dt.date(2026, 12, 29)
    assert view.rectify_due == dt.date(2027, 1, 19) and view.provisional


def test_the_follow_up_with_its_callbacks_in_order(hall, desk, applicant, clock):  # noqa: F811
    clock.set(local(2026, 11, 23, 10))
    number = bad_rating(desk, applicant)
    clock.advance(hours=1)
    view = log_callback(desk, number, how="phone", outcome="no_answer")
    assert not view.contacted and view.state == "open"
    clock.advance(hours=2)
    view = log_callback(
        desk, number, how="phone", outcome="reached", reason_code=209, note="说明延误原因"
    )
    assert view.contacted and view.state == "open"  # the contact limit met, not closed
    with pytest.raises(FollowupRefused, match="须由被评价的工作人员"):
        log_callback(hall.login(), number, how="phone", outcome="no_answer")  # another clerk
    with pytest.raises(FollowupRefused, match=r"待核实.*不能「整改」"):
        rectify_followup(desk, number, measures="x")
    verify_followup(desk, number, findings="超时未告知", complex_matter=False)
    view = rectify_followup(
        desk, number, measures="窗口公示办理进度", evidence="整改通知 2026-17 号"
    )
    assert (view.state_label, view.measures, view.evidence) == (
        "待回访",
        "窗口公示办理进度",
        "整改通知 2026-17 号",
    )
    clock.advance(days=1)
    with pytest.raises(InvalidInput, match="满意度"):
        log_callback(desk, number, how="phone", outcome="reached")
    log_callback(desk, number, how="sms", outcome="busy")
    view = log_callback(desk, number, how="phone", outcome="reached", satisfaction="满意")
    assert (view.state, view.state_label, view.satisfaction) == ("closed", "已回访办结", "满意")
    assert [(c.how, c.outcome) for c in view.callbacks] == [
        ("phone", "no_answer"),
        ("phone", "reached"),
        ("sms", "busy"),
        ("phone", "reached"),
    ]
    assert view.callbacks[1].reason_code == 209 and view.callbacks[1].note == "说明延误原因"
    assert view.reason_code == 209  # the device's code kept on the rating
    assert view.callbacks[1].by_number == "1002"
    assert RatingCallback.select().count() == 4
    with pytest.raises(FollowupRefused, match="已回访办结"):
        log_callback(desk, number, how="phone", outcome="reached", satisfaction="满意")
    assert my_followups(desk) == []
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.seq)]
    assert actions.count("rating.followup.callback") == 4
    assert "说明延误原因" not in str([e.detail for e in AuditEvent.select()])


def test_an_appeal_is_decided_by_the_supervisor(hall, desk, applicant, clock):  # noqa: F811
    clock.set(local(2026, 11, 23, 10))
    first = bad_rating(desk, applicant)
    second = bad_rating(desk, applicant, level=4, reason_code=None)
    boss = hall.supervisor
    with pytest.raises(FollowupRefused, match="须由被评价的工作人员"):
        appeal_rating(boss, first, reason="x")
    view = appeal_rating(desk, first, reason="申请人误按按键，当场已口头表示满意")
    assert (view.appeal_state, view.appeal_label) == ("pending", "申诉待复核")
    with pytest.raises(FollowupRefused, match="已申诉过"):
        appeal_rating(desk, first, reason="再次申诉")
    with pytest.raises(PermissionDenied):
        decide_appeal(desk, first, upheld=True)  # a clerk may not decide
    assert "uphold" in followup_detail(boss, first).steps
    assert [r.service_number for r in appeals_waiting(boss)] == [first]
    view = decide_appeal(boss, first, upheld=True, note="经核实评价器录像，属误评")
    assert (view.appeal_state, view.state, view.state_label) == (
        "upheld",
        "withdrawn",
        "申诉成立，不计入",
    )
    assert view.appeal_note == "经核实评价器录像，属误评"
    # The other one: rejected with a reason; its follow-up goes on.
    appeal_rating(desk, second, reason="非本窗口事项")
    with pytest.raises(InvalidInput, match="复核意见"):
        decide_appeal(boss, second, upheld=False)
    view = decide_appeal(boss, second, upheld=False, note="属本窗口受理范围")
    assert (view.appeal_state, view.state) == ("rejected", "open")
    assert appeals_waiting(boss) == []
    assert [r.service_number for r in my_followups(desk)] == [second]
    decided = [
        json.loads(e.detail)["upheld"]
        for e in AuditEvent.select().where(AuditEvent.action == "rating.appeal.decide")
    ]
    assert decided == [True, False]
    denied = AuditEvent.select().where(AuditEvent.action == "denied").count()
    assert denied == 1


def test_overdue_follow_ups_and_the_handover_items(hall, desk, applicant, clock):  # noqa: F811
    clock.set(local(2026, 11, 23, 10))
    number = bad_rating(desk, applicant)
    assert overdue_followups(hall.supervisor) == []
    clock.set(local(2026, 11, 25, 10))  # contact was due Tuesday 24th
    [row] = overdue_followups(hall.supervisor)
    assert (row.service_number, row.next_due, row.overdue) == (number, dt.date(2026, 11, 24), True)
    log_callback(desk, number, how="phone", outcome="reached")
    assert overdue_followups(hall.supervisor) == []  # contacted: the rectify limit runs
    verify_followup(desk, number, findings="核实", complex_matter=False)
    # AB岗: an open follow-up is still the clerk's open work (差评回访).
    items = [i for i in open_items([desk.staff_id]) if i["type"] == "callback"]
    assert [i["number"] for i in items] == [number]


def test_steps_offered_by_who_one_is():
    assert [str(a) for a in allowed_steps("open", "", {"owner"})] == [
        "verify",
        "callback",
        "appeal",
    ]
    assert [str(a) for a in allowed_steps("open", "pending", {"supervisor"})] == [
        "verify",
        "callback",
        "uphold",
        "reject",
    ]
    assert allowed_steps("closed", "", {"owner", "supervisor"}) == ()


def test_the_clerks_queue_lists_open_follow_ups(hall, desk, applicant, clock):  # noqa: F811
    from store.queue import counter_queue

    clock.set(local(2026, 11, 23, 10))
    number = bad_rating(desk, applicant)
    rows = [r for r in counter_queue(desk, window_code="minzheng").rows if r.section == "followup"]
    assert [(r.number, r.kind_label, r.state_label, r.due_date) for r in rows] == [
        (number, "非常不满意", "待核实", dt.date(2026, 11, 24))
    ]
    assert rows[0].applicant == mask_name(PEOPLE[0].name)
    assert rows[0].working_days_left == 1
    # Another clerk's queue does not show it.
    other = counter_queue(hall.login(), window_code=None).rows
    assert all(r.section != "followup" for r in other)
