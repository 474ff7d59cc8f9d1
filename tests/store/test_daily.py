"""每日任务 (store.daily.run_daily) on real 2026 dates: services not rated within the policy's
natural days recorded as not rated (or the default level), overdue 容缺 cases proposed for
退件, and a second run writing nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from store.cases import close_case, return_case, supplement
from store.daily import DailyResult, run_daily, unrated_cutoff
from store.errors import PermissionDenied
from store.inquiries import PersonInput, register_inquiry
from store.models import AuditEvent, Case, Rating, Setting
from store.ratings import record_rating
from store.staff import add_staff
from tests.people import PEOPLE
from tests.store.test_cases import (  # noqa: F401 — fixtures
    ALL,
    NO_INCOME,
    accept,
    applicant,
    desk,
    local,
)


def writes() -> tuple[int, int, list]:
    """What a run could write: audit events, ratings, and every case's proposal/update."""
    cases = [(c.number, c.proposed_action, c.updated_at) for c in Case.select().order_by(Case.id)]
    return AuditEvent.select().count(), Rating.select().count(), cases


def answered_inquiry(session) -> str:
    who = PEOPLE[1]
    return register_inquiry(
        session,
        channel="visit",
        person=PersonInput(who.name, who.id_number, who.phone),
        item_code="P001",
        disposition="answered",
    ).number


def test_services_not_rated_within_seven_natural_days(desk, applicant, clock):  # noqa: F811
    """Served Friday 25 Sep 2026: the 7 natural days after it run through Friday 2 Oct
    (National Day holidays count: they are natural days); recorded on Saturday 3 Oct."""
    clock.set(local(2026, 9, 25, 10))
    closed = accept(desk, applicant)
    close_case(desk, closed.number, granted=True, reasons="发放临时救助金")
    rated = accept(desk, applicant)
    close_case(desk, rated.number, granted=True, reasons="发放临时救助金")
    record_rating(desk, case_number=rated.number, level=1, channel="device")
    still_open = accept(desk, applicant)
    returned = accept(desk, applicant)
    return_case(desk, returned.number, reasons="申请人户籍不在本镇")
    inquiry = answered_inquiry(desk)
    assert unrated_cutoff(desk, dt.date(2026, 10, 3)) == dt.datetime(2026, 9, 25, 16, tzinfo=dt.UTC)

    clock.set(local(2026, 10, 2, 23, 30))
    before = writes()
    result = run_daily(desk, dt.date(2026, 10, 2))
    assert (result.not_rated, result.tolerance_proposed) == ((), ())
    assert writes() == before  # nothing to do: nothing written

    clock.set(local(2026, 10, 3, 1))
    result = run_daily(desk)  # today from the clock: Saturday 3 October
    assert result.not_rated == (closed.number, inquiry)
    assert not result.default_level and result.skipped == ()
    rows = {
        (r.case.number if r.case else r.inquiry.number): r
        for r in Rating.select().where(Rating.channel == "default")
    }
    assert set(rows) == {closed.number, inquiry}
    assert all((r.level, r.rated) == (0, False) for r in rows.values())
    assert Rating.get(Rating.case == Case.get(Case.number == rated.number).id).level == 1
    assert (
        not Rating.select()
        .where(
            Rating.case.in_(
                [Case.get(Case.number == n).id for n in (still_open.number, returned.number)]
            )
        )
        .exists()
    )

    # Idempotent: the same day, or the next, writes nothing new.
    before = writes()
    assert run_daily(desk) == DailyResult(not_rated=(), tolerance_proposed=())
    assert run_daily(desk, dt.date(2026, 10, 4)).not_rated == ()
    assert writes() == before

    text = "".join(e.detail + e.record_id for e in AuditEvent.select())
    for who in PEOPLE:
        assert who.name not in text and who.id_number not in text and who.phone not in text


def test_the_hall_default_level_when_auto_rating_is_on(hall, desk, applicant, clock):  # noqa: F811
    Setting.create(
        key="policy",
        value="[ratings]\nauto_rate_enabled = true\nauto_rate_after_days = 3\n",
        updated_at=clock.now(),
    )
    desk.register.forget_cached()
    clock.set(local(2026, 11, 23, 9))
    case = accept(desk, applicant)
    close_case(desk, case.number, granted=True, reasons="准予")
    clock.set(local(2026, 11, 26, 18))
    assert run_daily(desk).not_rated == ()  # 24, 25, 26 Nov: still within the 3 days
    clock.set(local(2026, 11, 27, 8))
    result = run_daily(desk)
    assert result.not_rated == (case.number,) and result.default_level
    row = Rating.get()
    assert (row.level, row.rated, row.channel) == (3, False, "default")  # 基本满意


def test_overdue_tolerance_cases_get_withdrawal_proposed(desk, applicant, clock):  # noqa: F811
    clock.set(local(2026, 11, 23, 9))
    owed = accept(
        desk,
        applicant,
        materials=NO_INCOME,
        kind="tolerance",
        tolerance_commitment_date=dt.date(2026, 11, 25),
    )
    brought = accept(
        desk,
        applicant,
        materials=NO_INCOME,
        kind="tolerance",
        tolerance_commitment_date=dt.date(2026, 11, 25),
    )
    supplement(desk, brought.number, ["收入证明"])
    clock.set(local(2026, 11, 25, 17))
    assert run_daily(desk).tolerance_proposed == ()  # the commitment date itself is in time
    clock.set(local(2026, 11, 26, 8))
    result = run_daily(desk)
    assert result.tolerance_proposed == (owed.number,)
    assert Case.get(Case.number == owed.number).proposed_action == "withdraw"
    assert Case.get(Case.number == brought.number).proposed_action == ""
    before = writes()
    assert run_daily(desk).tolerance_proposed == ()
    assert writes() == before


def test_only_counter_roles_run_it(hall, desk):  # noqa: F811
    add_staff(
        hall.supervisor,
        number="3001",
        name="钱投诉",
        role="complaint_officer",
        password="tousu-mima-2026",
    )
    officer = hall.login("3001", "tousu-mima-2026")
    with pytest.raises(PermissionDenied):
        run_daily(officer)
    assert run_daily(hall.supervisor).not_rated == ()
