"""The year's end: dates counted into 2027, which chinese-calendar does not cover, are
provisional on weekends and the statutory holidays; the paper says so; importing the
year's notice counts them again in one operation and lists whom to tell again; every
check that needs a working day works in 2027. Dates worked out by hand from the
statutory days (元旦 1-1; 春节 除夕 2-5 to 初三 2-8; 清明 4-5; 国庆 10-1..3) and from the
test year file tests/policies/data/calendar-2027.toml (春节 2-5..2-13, Sunday 2-14 worked)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from store.calendar_years import import_year
from store.case_notices import issue_case_notice, preview_notice
from store.cases import (
    approve_extension,
    case_detail,
    close_case,
    request_extension,
)
from store.database import database
from store.errors import InvalidInput
from store.models import Case, Rating
from store.queue import counter_queue
from store.ratings import record_rating
from store.session import Register
from tests.store.test_cases import (  # noqa: F401 (fixture)
    NO_INCOME,
    accept,
    applicant,
    desk,
    local,
)

ROOT = Path(__file__).resolve().parents[2]
YEAR_2027 = (ROOT / "tests/policies/data/calendar-2027.toml").read_text(encoding="utf-8")
D = dt.date
TOLD_AGAIN = "以国务院办公厅公布的2027年节假日安排为准"


def test_provisional_due_dates_skip_the_statutory_holidays(desk, applicant, clock):  # noqa: F811
    """5 working days (P001) from each start, on the statutory days of 2027."""
    for start, due in (
        (local(2026, 12, 28), D(2027, 1, 5)),  # 12-29..31, 元旦 + weekend, 1-4, 1-5
        (local(2027, 2, 1), D(2027, 2, 10)),  # 2-2..4, 除夕..初三 2-5..8, 2-9, 2-10
        (local(2027, 3, 30), D(2027, 4, 7)),  # 3-31, 4-1, 4-2, weekend + 清明 4-5, 4-6, 4-7
        (local(2027, 9, 27), D(2027, 10, 5)),  # 9-28..30, 国庆 10-1..3, 10-4, 10-5
    ):
        clock.set(start)
        case = accept(desk, applicant)
        assert (case.due_date, case.due_provisional) == (due, True), start
        detail = case_detail(desk, case.number)
        assert detail.days_provisional and detail.days_left == 5


def test_a_notice_with_a_provisional_date_says_so(desk, applicant, clock):  # noqa: F811
    clock.set(local(2026, 12, 28))
    case = accept(desk, applicant)
    text = issue_case_notice(desk, case.number, "acceptance").notice.text()
    assert "承诺于2027年1月5日前办结" in text
    assert "2027年节假日安排尚未公布，暂按法定节假日推算" in text and TOLD_AGAIN in text
    clock.set(local(2026, 11, 23))
    firm = accept(desk, applicant)
    assert TOLD_AGAIN not in preview_notice(desk, firm.number, "acceptance").text()


@pytest.mark.parametrize("batch", [1000, 2])  # 2: dates move while the batches walk them
def test_importing_the_year_recounts_and_lists_whom_to_tell_again(
    hall,
    desk,  # noqa: F811
    applicant,  # noqa: F811
    clock,
    register_url,
    batch,
    monkeypatch,
):
    monkeypatch.setattr("store.recount.BATCH", batch)
    clock.set(local(2026, 12, 28))
    january = accept(desk, applicant)  # due 2027-01-05 either way
    issue_case_notice(desk, january.number, "acceptance")
    clock.set(local(2027, 1, 25))
    extended = accept(desk, applicant)  # due 2-1
    clock.set(local(2027, 2, 1))
    told = accept(desk, applicant)  # due 2-10 provisionally
    issue_case_notice(desk, told.number, "acceptance")
    untold = accept(desk, applicant)  # due 2-10, no notice yet
    owed = accept(
        desk,
        applicant,
        materials=NO_INCOME,
        kind="tolerance",
        tolerance_commitment_date=D(2027, 2, 9),
    )
    issue_case_notice(desk, owed.number, "tolerance")
    request_extension(desk, extended.number, reason="需入户核查", new_date=D(2027, 2, 9))
    assert approve_extension(hall.supervisor, extended.number) == D(2027, 2, 9)
    issue_case_notice(desk, extended.number, "extension")
    clock.set(local(2027, 2, 4, 15))
    quick = accept(
        desk, applicant, item_code="I001", materials={"居民身份证": "present"}, kind="immediate"
    )
    close_case(desk, quick.number, granted=True, reasons="已办")
    bad = record_rating(desk, case_number=quick.number, level=5, channel="device")
    assert (bad.followup_due, bad.followup_provisional) == (D(2027, 2, 9), True)

    other_counter = Register(register_url, database, hall.register.clock, "窗口-2")
    assert not other_counter.calendar.is_covered(2027)  # read (and cached) before the import

    events = _events()
    done = import_year(hall.supervisor, YEAR_2027)

    assert _events() == events + 1  # one audited operation
    assert set(done.renotify) == {told.number, owed.number, extended.number}
    assert set(done.changed) == {told.number, untold.number, owed.number, extended.number}
    assert (done.ratings, done.ratings_changed) == (1, 1)
    row = {n: Case.get(Case.number == n) for n in (january.number, told.number, untold.number)}
    assert (row[january.number].due_date, row[january.number].due_provisional) == (
        D(2027, 1, 5),
        False,
    )
    assert row[told.number].due_date == D(2027, 2, 15)  # 2-2..4, Sunday 2-14 worked, 2-15
    assert row[untold.number].due_date == D(2027, 2, 15) and not row[untold.number].renotify
    tolerance = Case.get(Case.number == owed.number)
    assert (tolerance.tolerance_due, tolerance.due_date) == (D(2027, 2, 14), D(2027, 2, 15))
    assert Case.get(Case.number == extended.number).due_date == D(2027, 2, 14)
    assert Rating.get(Rating.case == Case.get(Case.number == quick.number)).followup_due == D(
        2027, 2, 14
    )
    assert other_counter.calendar.is_covered(2027)  # seen without reopening the register

    # The window's queue lists them first, to be told again.
    queue = counter_queue(desk, window_code="minzheng")
    first = {r.number for r in queue.rows[:3]}
    assert first == set(done.renotify)
    assert all(r.section == "renotify" for r in queue.rows[:3])

    # One corrected notice each: the old and the new date; the sealed notice stays.
    detail = case_detail(desk, told.number)
    assert detail.renotify and detail.notice_kind == "correction"
    text = issue_case_notice(desk, told.number, "correction").notice.text()
    assert "办结期限：原告知2027年2月10日，更正为2027年2月15日" in text
    assert "国务院办公厅公布了2027年部分节假日安排" in text and TOLD_AGAIN not in text
    after = case_detail(desk, told.number)
    assert not after.renotify and after.notice_kind == "acceptance"
    correction = issue_case_notice(desk, owed.number, "correction").notice.text()
    assert "承诺补齐日期：原告知2027年2月9日，更正为2027年2月14日" in correction
    assert "办结期限：原告知2027年2月10日，更正为2027年2月15日" in correction


def _events() -> int:
    from store.models import AuditEvent

    return AuditEvent.select().count()


def test_working_day_checks_work_in_a_year_without_its_notice(desk, applicant, clock):  # noqa: F811
    clock.set(local(2027, 3, 1))
    case = accept(desk, applicant)  # due 2027-03-08
    for day, why in (
        (D(2027, 4, 5), "2027-04-05 是清明节假期，须为工作日（按法定节假日暂定）"),
        (D(2027, 4, 10), "2027-04-10 是休息日，须为工作日（按法定节假日暂定）"),
    ):
        with pytest.raises(InvalidInput, match=why):
            request_extension(desk, case.number, reason="需公示", new_date=day)
    request_extension(desk, case.number, reason="需公示", new_date=D(2027, 4, 6))

    clock.set(local(2027, 2, 1))  # due 2027-02-10
    for day, why in (
        (D(2027, 2, 8), "2027-02-08 是春节假期"),
        (D(2027, 1, 29), "不能早于今天"),
        (D(2027, 2, 11), "不能晚于本办件的办结期限 2027-02-10"),
    ):
        with pytest.raises(InvalidInput, match=why):
            accept(
                desk,
                applicant,
                materials=NO_INCOME,
                kind="tolerance",
                tolerance_commitment_date=day,
            )
    kept = accept(
        desk,
        applicant,
        materials=NO_INCOME,
        kind="tolerance",
        tolerance_commitment_date=D(2027, 2, 9),
    )
    assert case_detail(desk, kept.number).tolerance_due == D(2027, 2, 9)
