"""Working-day calendar: 2026 holidays and 调休 from chinese_calendar, imported years.

Expected dates are counted by hand from the 2026 State Council notice (国办发明电〔2025〕7号):
元旦 1/1–1/3 (1/4 Sun works); 春节 2/15–2/23 (2/14 Sat, 2/28 Sat work); 清明 4/4–4/6;
劳动节 5/1–5/5 (5/9 Sat works); 端午 6/19–6/21; 中秋 9/25–9/27; 国庆 10/1–10/7
(9/20 Sun, 10/10 Sat work). 9/28–9/30 (Mon–Wed) are ordinary working days.

Years without data (2027 onwards until imported) are counted provisionally on weekends and the
statutory holidays of 全国年节及纪念日放假办法 (in force 2025-01-01), counted by hand:
2027: 元旦 Fri 1/1; 春节 除夕 Fri 2/5 – 初三 Mon 2/8; 清明 Mon 4/5; 劳动节 Sat 5/1, Sun 5/2;
端午 Wed 6/9; 中秋 Wed 9/15; 国庆 Fri 10/1 – Sun 10/3.
2028: 国庆 Sun 10/1 – Tue 10/3, 中秋 on 10/3. 2030: 除夕 Sat 2/2 – 初三 Tue 2/5; 劳动节 Wed 5/1,
Thu 5/2.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from policies.calendar import (
    STATUTORY_SOURCE,
    CalendarNotCovered,
    DueDate,
    WorkCalendar,
    YearFileError,
    builtin_year,
    builtin_years,
    coverage,
    dump_year_file,
    parse_year_file,
    statutory_year,
    years_from_files,
)
from policies.errors import PolicyError

D = dt.date
SAMPLE_2027 = Path(__file__).parent / "data" / "calendar-2027.toml"


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def _require_2027_not_builtin() -> None:
    _require_not_builtin(2027)


def _require_not_builtin(*years: int) -> None:
    for year in years:
        if year in builtin_years():
            pytest.skip(
                f"chinese_calendar now covers {year}; the not-covered case needs a later year"
            )


# --- 2026 from chinese_calendar ---------------------------------------------------------

HOLIDAYS_2026 = {
    "元旦": (D(2026, 1, 1), D(2026, 1, 3)),
    "春节": (D(2026, 2, 15), D(2026, 2, 23)),
    "清明节": (D(2026, 4, 4), D(2026, 4, 6)),
    "劳动节": (D(2026, 5, 1), D(2026, 5, 5)),
    "端午节": (D(2026, 6, 19), D(2026, 6, 21)),
    "中秋节": (D(2026, 9, 25), D(2026, 9, 27)),
    "国庆节": (D(2026, 10, 1), D(2026, 10, 7)),
}


@pytest.mark.parametrize("name", HOLIDAYS_2026)
def test_2026_holidays_are_days_off(cal: WorkCalendar, name: str) -> None:
    start, end = HOLIDAYS_2026[name]
    day = start
    while day <= end:
        assert not cal.is_workday(day), day
        assert cal.holiday_name(day) == name
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    "day",
    [D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 10, 10)],  # Saturdays
)
def test_makeup_saturdays_are_workdays(cal: WorkCalendar, day: dt.date) -> None:
    assert day.weekday() == 5
    assert cal.is_workday(day)


@pytest.mark.parametrize("day", [D(2026, 1, 4), D(2026, 9, 20)])  # Sundays
def test_makeup_sundays_are_workdays(cal: WorkCalendar, day: dt.date) -> None:
    assert day.weekday() == 6
    assert cal.is_workday(day)


def test_ordinary_days(cal: WorkCalendar) -> None:
    assert cal.is_workday(D(2026, 3, 10))  # Tuesday
    assert not cal.is_workday(D(2026, 3, 7))  # Saturday
    assert not cal.is_workday(D(2026, 3, 8))  # Sunday
    # between 中秋 and 国庆 2026 lie three ordinary working days
    assert [cal.is_workday(D(2026, 9, d)) for d in (28, 29, 30)] == [True, True, True]
    assert cal.holiday_name(D(2026, 3, 10)) is None


def test_covered_years_include_builtin_range(cal: WorkCalendar) -> None:
    years = cal.covered_years()
    assert years == sorted(years)
    assert 2004 in years and 2026 in years
    assert years == list(range(years[0], years[-1] + 1))


# --- deadlines ----------------------------------------------------------------------------


def test_deadline_across_spring_festival(cal: WorkCalendar) -> None:
    # received Thu 2/12: 2/13 Fri (1), 2/14 Sat 调休 (2), 2/15–2/23 off, 2/24 (3), 2/25 (4), 2/26 (5)
    assert cal.due_date(D(2026, 2, 12), 5) == D(2026, 2, 26)


def test_deadline_across_national_day(cal: WorkCalendar) -> None:
    # received Tue 9/29: 9/30 (1), 10/1–10/7 off, 10/8 (2), 10/9 (3), 10/10 Sat 调休 (4),
    # 10/11 Sun off, 10/12 Mon (5)
    assert cal.due_date(D(2026, 9, 29), 5) == D(2026, 10, 12)


def test_deadline_across_mid_autumn(cal: WorkCalendar) -> None:
    # received Thu 9/24: 9/25–9/27 off, 9/28 (1), 9/29 (2), 9/30 (3)
    assert cal.due_date(D(2026, 9, 24), 3) == D(2026, 9, 30)


def test_deadline_lands_on_makeup_sunday(cal: WorkCalendar) -> None:
    assert cal.due_date(D(2026, 9, 18), 1) == D(2026, 9, 20)  # Fri → Sun 9/20 works
    # received Wed 2025-12-31: 1/1–1/3 off, Sun 1/4 works
    assert cal.due_date(D(2025, 12, 31), 1) == D(2026, 1, 4)


def test_deadline_lands_on_makeup_saturday(cal: WorkCalendar) -> None:
    assert cal.due_date(D(2026, 2, 13), 1) == D(2026, 2, 14)


def test_zero_days_is_same_day(cal: WorkCalendar) -> None:
    assert cal.due_date(D(2026, 3, 10), 0) == D(2026, 3, 10)
    # done on the spot even on a holiday or weekend
    assert cal.due_date(D(2026, 10, 3), 0) == D(2026, 10, 3)
    assert cal.due(D(2026, 3, 7), 0) == DueDate(D(2026, 3, 7), False, ())


def test_receipt_on_holiday_or_weekend(cal: WorkCalendar) -> None:
    assert cal.due_date(D(2026, 10, 3), 1) == D(2026, 10, 8)  # 国庆 Saturday
    assert cal.due_date(D(2026, 10, 3), 3) == D(2026, 10, 10)  # 10/8, 10/9, Sat 10/10
    assert cal.due_date(D(2026, 3, 7), 1) == D(2026, 3, 9)  # Saturday → Monday
    assert cal.due_date(D(2026, 3, 8), 2) == D(2026, 3, 10)  # Sunday → Tuesday


def test_ordinary_week(cal: WorkCalendar) -> None:
    assert cal.due_date(D(2026, 3, 10), 5) == D(2026, 3, 17)  # Tue → next Tue
    assert cal.due_date(D(2026, 3, 13), 1) == D(2026, 3, 16)  # Fri → Mon


def test_negative_days_rejected(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.due_date(D(2026, 3, 10), -1)


def test_datetime_is_refused(cal: WorkCalendar) -> None:
    with pytest.raises(TypeError):
        cal.is_workday(dt.datetime(2026, 3, 10, 9, 0))  # type: ignore[arg-type]


# --- years without data -------------------------------------------------------------------


def test_deadline_into_2027_needs_the_year_file(cal: WorkCalendar) -> None:
    _require_2027_not_builtin()
    # received Mon 2026-12-28: 12/29 (1), 12/30 (2), 12/31 (3), then 2027 has no data
    with pytest.raises(CalendarNotCovered) as info:
        cal.due_date(D(2026, 12, 28), 5)
    assert info.value.year == 2027
    assert isinstance(info.value, PolicyError)
    assert "2027" in str(info.value) and "chuangkou calendar import" in str(info.value)
    # a deadline that stays inside 2026 is unaffected
    assert cal.due_date(D(2026, 12, 28), 3) == D(2026, 12, 31)


def test_provisional_answer_skips_statutory_holidays_and_says_so(cal: WorkCalendar) -> None:
    _require_2027_not_builtin()
    # 12/29 (1), 12/30 (2), 12/31 (3), Fri 2027-01-01 元旦 off, 1/2–1/3 weekend, 1/4 (4), 1/5 (5)
    due = cal.due(D(2026, 12, 28), 5, allow_provisional=True)
    assert due == DueDate(D(2027, 1, 5), provisional=True, missing_years=(2027,))
    # a covered answer is not provisional
    assert cal.due(D(2026, 12, 28), 3, allow_provisional=True) == DueDate(D(2026, 12, 31))


def test_imported_2027_gives_the_right_date() -> None:
    _require_2027_not_builtin()
    year = parse_year_file(SAMPLE_2027.read_text(encoding="utf-8"))
    cal = WorkCalendar(extra_years={2027: year})
    assert 2027 in cal.covered_years()
    # 12/29 (1), 12/30 (2), 12/31 (3), 1/1–1/3 元旦 off, Mon 1/4 (4), Tue 1/5 (5)
    due = cal.due(D(2026, 12, 28), 5, allow_provisional=True)
    assert due == DueDate(D(2027, 1, 5), provisional=False, missing_years=())
    assert cal.due_date(D(2026, 12, 28), 5) == D(2027, 1, 5)
    # the sample's 调休 and holidays are honoured
    assert cal.is_workday(D(2027, 2, 20))  # Saturday make-up day
    assert not cal.is_workday(D(2027, 6, 9))  # 端午 (Wednesday)
    assert cal.holiday_name(D(2027, 2, 8)) == "春节"


def test_is_workday_in_uncovered_year_raises(cal: WorkCalendar) -> None:
    with pytest.raises(CalendarNotCovered) as info:
        cal.is_workday(D(1999, 5, 3))
    assert info.value.year == 1999


def test_missing_years(cal: WorkCalendar) -> None:
    assert cal.missing_years(D(2026, 1, 1), D(2026, 12, 31)) == ()
    assert 1999 in cal.missing_years(D(1999, 1, 1), D(2005, 1, 1))


def test_imported_year_replaces_builtin() -> None:
    # a supervisor's correction: an extra day off on an ordinary Tuesday of 2026
    text = dump_year_file(builtin_year(2026)).replace(
        "[[workdays]]", '[[holidays]]\nname = "临时调整"\nstart = 2026-03-10\n\n[[workdays]]', 1
    )
    year = parse_year_file(text)
    cal = WorkCalendar(extra_years={2026: year})
    assert not cal.is_workday(D(2026, 3, 10))
    assert cal.due_date(D(2026, 3, 9), 1) == D(2026, 3, 11)


def test_extra_year_under_wrong_key() -> None:
    year = parse_year_file(SAMPLE_2027.read_text(encoding="utf-8"))
    with pytest.raises(YearFileError):
        WorkCalendar(extra_years={2028: year})


# --- working days between / left ------------------------------------------------------------


def test_working_days_between_definition(cal: WorkCalendar) -> None:
    # (start, end]: Mon 3/9 → Fri 3/13 is Tue..Fri = 4
    assert cal.working_days_between(D(2026, 3, 9), D(2026, 3, 13)) == 4
    assert cal.working_days_between(D(2026, 3, 13), D(2026, 3, 9)) == -4
    assert cal.working_days_between(D(2026, 3, 9), D(2026, 3, 9)) == 0
    # across Spring Festival: (2/12, 2/26] = 2/13, 2/14, 2/24, 2/25, 2/26
    assert cal.working_days_between(D(2026, 2, 12), D(2026, 2, 26)) == 5


def test_working_days_left(cal: WorkCalendar) -> None:
    due = D(2026, 10, 12)  # Monday
    assert cal.working_days_left(due, D(2026, 10, 12)) == 0  # due today
    assert cal.working_days_left(due, D(2026, 10, 9)) == 2  # Sat 10/10 works, then Mon
    assert cal.working_days_left(due, D(2026, 9, 30)) == 4  # 10/8, 10/9, 10/10, 10/12
    assert cal.working_days_left(due, D(2026, 10, 13)) == -1
    assert cal.working_days_left(due, D(2026, 10, 15)) == -3
    # due Friday 3/13, looked at on Saturday: overdue, shown as -1 although no workday passed
    assert cal.working_days_left(D(2026, 3, 13), D(2026, 3, 14)) == -1
    assert cal.working_days_left(D(2026, 3, 13), D(2026, 3, 16)) == -1


@given(
    st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 6, 30)),
    st.integers(min_value=1, max_value=60),
)
def test_between_inverts_due(received: dt.date, n: int) -> None:
    cal = WorkCalendar()
    due = cal.due_date(received, n)
    assert cal.is_workday(due)
    assert cal.working_days_between(received, due) == n
    assert cal.working_days_between(due, received) == -n


# --- year files ---------------------------------------------------------------------------


def test_sample_2027_parses() -> None:
    year = parse_year_file(SAMPLE_2027.read_text(encoding="utf-8"))
    assert year.year == 2027
    holidays = year.holiday_dates()
    assert holidays[D(2027, 1, 2)] == "元旦"
    assert holidays[D(2027, 6, 9)] == "端午节"
    assert len([d for d, n in holidays.items() if n == "国庆节"]) == 7
    assert year.workday_dates()[D(2027, 9, 26)] == "国庆节"


def test_dump_round_trips() -> None:
    year = parse_year_file(SAMPLE_2027.read_text(encoding="utf-8"))
    assert parse_year_file(dump_year_file(year)) == year


def test_builtin_years_round_trip_through_year_files() -> None:
    # the built-in data passes the same validation a supervisor's file does
    for number in builtin_years():
        year = builtin_year(number)
        assert parse_year_file(dump_year_file(year)) == year


def test_years_from_files_rejects_a_year_twice() -> None:
    text = SAMPLE_2027.read_text(encoding="utf-8")
    assert set(years_from_files([text])) == {2027}
    with pytest.raises(YearFileError, match="重复"):
        years_from_files([text, text])


MINIMAL = 'year = 2027\n[[holidays]]\nname = "元旦"\nstart = 2027-01-01\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("year = ", "TOML"),
        ('[[holidays]]\nname = "元旦"\nstart = 2027-01-01\n', "year"),
        ('year = "2027"\n', "year"),
        ("year = 2027\n", "holidays"),
        (MINIMAL + "color = 1\n", "未知"),
        ('year = 2027\n[[holidays]]\nname = "元旦"\nstart = 2028-01-01\n', "holidays[0].start"),
        (
            'year = 2027\n[[holidays]]\nname = "元旦"\ndates = [2026-12-31]\n',
            "holidays[0].dates[0]",
        ),
        (
            'year = 2027\n[[holidays]]\nname = "元旦"\nstart = 2027-01-03\nend = 2027-01-01\n',
            "早于",
        ),
        (
            'year = 2027\n[[holidays]]\nname = "国庆"\nstart = 2027-10-01\nend = 2027-12-07\n',
            "超过",
        ),
        ('year = 2027\n[[holidays]]\nname = ""\nstart = 2027-01-01\n', "holidays[0].name"),
        ('year = 2027\n[[holidays]]\nname = "元旦"\n', "缺少日期"),
        (
            'year = 2027\n[[holidays]]\nname = "元旦"\nstart = 2027-01-01\nfoo = 1\n',
            "holidays[0].foo",
        ),
        (
            'year = 2027\n[[holidays]]\nname = "元旦"\nstart = 2027-01-01\nend = 2027-01-03\n'
            '[[holidays]]\nname = "别的"\ndates = [2027-01-02]\n',
            "已在 holidays[0]",
        ),
        (MINIMAL + "[[workdays]]\ndate = 2027-01-01\n", "同时被列为放假日"),
        (MINIMAL + "[[workdays]]\ndate = 2027-02-17\n", "星期三"),
        (MINIMAL + "[[workdays]]\ndate = 2028-02-19\n", "workdays[0].date"),
        (MINIMAL + '[[workdays]]\nname = "春节"\n', "workdays[0].date"),
        (MINIMAL + "[[workdays]]\ndate = 2027-02-20\n[[workdays]]\ndate = 2027-02-20\n", "重复"),
        (MINIMAL + "[[workdays]]\ndate = 2027-02-20T08:00:00\n", "时刻"),
    ],
)
def test_year_file_errors(text: str, expected: str) -> None:
    with pytest.raises(YearFileError) as info:
        parse_year_file(text)
    assert expected in str(info.value)
    assert isinstance(info.value, PolicyError)


def test_dates_as_strings_are_accepted() -> None:
    year = parse_year_file('year = 2027\n[[holidays]]\nname = "元旦"\nstart = "2027-01-01"\n')
    assert year.holiday_dates() == {D(2027, 1, 1): "元旦"}


# --- provisional counts: statutory holidays in a year without data -------------------------


def test_provisional_count_skips_new_year(cal: WorkCalendar) -> None:
    _require_2027_not_builtin()
    # received Wed 2026-12-30: 12/31 (1), 1/1 元旦 off, 1/2–1/3 weekend, Mon 1/4 (2)
    due = cal.due(D(2026, 12, 30), 2, allow_provisional=True)
    assert due == DueDate(D(2027, 1, 4), provisional=True, missing_years=(2027,))
    assert cal.working_days_between(D(2026, 12, 30), D(2027, 1, 4), allow_provisional=True) == 2
    assert cal.working_days_left(D(2027, 1, 4), D(2026, 12, 30), allow_provisional=True) == 2
    assert cal.working_days_left(D(2026, 12, 31), D(2027, 1, 4), allow_provisional=True) == -1
    assert cal.missing_years(D(2026, 12, 30), D(2027, 1, 4)) == (2027,)
    with pytest.raises(CalendarNotCovered):
        cal.working_days_between(D(2026, 12, 30), D(2027, 1, 4))


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # 春节: 除夕 Fri 2/5 – 初三 Mon 2/8 (the weekend between) → Tue 2/9
        (D(2027, 2, 4), 1, D(2027, 2, 9)),
        (D(2027, 2, 3), 2, D(2027, 2, 9)),  # Thu 2/4 (1), Tue 2/9 (2)
        # 清明 Mon 4/5 (received Fri 4/2) → Tue 4/6
        (D(2027, 4, 2), 1, D(2027, 4, 6)),
        # 劳动节 Sat 5/1 and Sun 5/2: no swap is known before the notice → Mon 5/3
        (D(2027, 4, 30), 1, D(2027, 5, 3)),
        # 端午 Wed 6/9 → Thu 6/10
        (D(2027, 6, 8), 1, D(2027, 6, 10)),
        # 中秋 Wed 9/15 → Thu 9/16
        (D(2027, 9, 14), 1, D(2027, 9, 16)),
        # 国庆 Fri 10/1 – Sun 10/3 → Mon 10/4; Tue 10/5 (2)
        (D(2027, 9, 30), 1, D(2027, 10, 4)),
        (D(2027, 9, 30), 2, D(2027, 10, 5)),
        # 2028: 国庆 Sun 10/1 – Tue 10/3 (中秋 on 10/3) → Wed 10/4
        (D(2028, 9, 29), 1, D(2028, 10, 4)),
    ],
)
def test_provisional_count_skips_each_statutory_holiday(
    cal: WorkCalendar, received: dt.date, days: int, due: dt.date
) -> None:
    _require_not_builtin(received.year)
    result = cal.due(received, days, allow_provisional=True)
    assert result == DueDate(due, provisional=True, missing_years=(received.year,))
    assert cal.working_days_between(received, due, allow_provisional=True) == days


STATUTORY_2027 = {
    D(2027, 1, 1): "元旦",
    D(2027, 2, 5): "春节",  # 除夕
    D(2027, 2, 6): "春节",
    D(2027, 2, 7): "春节",
    D(2027, 2, 8): "春节",  # 初三
    D(2027, 4, 5): "清明节",
    D(2027, 5, 1): "劳动节",
    D(2027, 5, 2): "劳动节",
    D(2027, 6, 9): "端午节",
    D(2027, 9, 15): "中秋节",
    D(2027, 10, 1): "国庆节",
    D(2027, 10, 2): "国庆节",
    D(2027, 10, 3): "国庆节",
}


def test_statutory_year_2027() -> None:
    year = statutory_year(2027)
    assert year.year == 2027 and year.source == STATUTORY_SOURCE
    assert year.holiday_dates() == STATUTORY_2027
    assert year.workdays == ()  # the 调休 swaps come only with the notice


def test_statutory_year_keeps_no_swaps_the_package_knows() -> None:
    # for 2026 the holidays package also lists the notice's 休息日 (e.g. 1/2 for Sun 1/4):
    # the statutory year has the 13 days the law fixes and nothing else
    days = statutory_year(2026).holiday_dates()
    assert len(days) == 13
    assert D(2026, 1, 2) not in days and D(2026, 10, 6) not in days
    assert days[D(2026, 2, 16)] == "春节"  # 除夕
    assert not any(name.startswith("休息日") or name == "农历除夕" for name in days.values())


def test_a_day_that_is_two_holidays() -> None:
    days = statutory_year(2028).holiday_dates()
    assert days[D(2028, 10, 3)] == "中秋节、国庆节"
    assert days[D(2028, 10, 1)] == days[D(2028, 10, 2)] == "国庆节"


@pytest.mark.parametrize(
    ("year", "eve", "labour_day"),
    [(2027, D(2027, 2, 5), D(2027, 5, 1)), (2030, D(2030, 2, 2), D(2030, 5, 1))],
)
def test_the_2025_rules(year: int, eve: dt.date, labour_day: dt.date) -> None:
    days = statutory_year(year).holiday_dates()
    # 春节 is four days from 除夕
    spring = sorted(d for d, n in days.items() if n == "春节")
    assert spring == [eve + dt.timedelta(days=n) for n in range(4)]
    # 劳动节 is two days, 1–2 May
    assert sorted(d for d, n in days.items() if n == "劳动节") == [
        labour_day,
        labour_day + dt.timedelta(days=1),
    ]
    assert len(days) == 13


def test_2030_counts() -> None:
    _require_not_builtin(2030)
    cal = WorkCalendar()
    # 除夕 Sat 2/2 – 初三 Tue 2/5: received Fri 2/1 → Wed 2/6
    assert cal.due(D(2030, 2, 1), 1, allow_provisional=True).date == D(2030, 2, 6)
    # 劳动节 Wed 5/1, Thu 5/2: received Tue 4/30 → Fri 5/3
    assert cal.due(D(2030, 4, 30), 1, allow_provisional=True).date == D(2030, 5, 3)


def test_is_workday_and_holiday_name_provisional(cal: WorkCalendar) -> None:
    _require_2027_not_builtin()
    assert not cal.is_workday(D(2027, 1, 1), allow_provisional=True)
    assert cal.holiday_name(D(2027, 1, 1), allow_provisional=True) == "元旦"
    assert not cal.is_workday(D(2027, 2, 5), allow_provisional=True)  # 除夕, a Friday
    assert cal.holiday_name(D(2027, 2, 5), allow_provisional=True) == "春节"
    assert not cal.is_workday(D(2027, 1, 9), allow_provisional=True)  # Saturday
    assert cal.holiday_name(D(2027, 1, 9), allow_provisional=True) is None
    assert cal.is_workday(D(2027, 1, 5), allow_provisional=True)  # Tuesday
    assert cal.holiday_name(D(2027, 1, 5), allow_provisional=True) is None
    # a covered year answers the same either way
    assert cal.is_workday(D(2026, 2, 14), allow_provisional=True)  # 调休 Saturday
    assert cal.holiday_name(D(2026, 2, 16), allow_provisional=True) == "春节"
    # without allow_provisional an uncovered year still raises
    with pytest.raises(CalendarNotCovered):
        cal.is_workday(D(2027, 1, 5))
    with pytest.raises(CalendarNotCovered):
        cal.holiday_name(D(2027, 1, 1))


def test_is_covered(cal: WorkCalendar) -> None:
    assert cal.is_covered(2026)
    assert not cal.is_covered(1999)
    year = parse_year_file(SAMPLE_2027.read_text(encoding="utf-8"))
    assert WorkCalendar(extra_years={2027: year}).is_covered(2027)


WHAT = "延期后的办结日期"


def test_workday_problem_in_a_covered_year(cal: WorkCalendar) -> None:
    assert (
        cal.workday_problem(D(2026, 10, 1), WHAT) == f"{WHAT} 2026-10-01 是国庆节假期，须为工作日"
    )
    assert cal.workday_problem(D(2026, 3, 7), WHAT) == f"{WHAT} 2026-03-07 是休息日，须为工作日"
    assert cal.workday_problem(D(2026, 3, 10), WHAT) is None
    assert cal.workday_problem(D(2026, 2, 14), WHAT) is None  # 调休 Saturday works


def test_workday_problem_in_an_uncovered_year(cal: WorkCalendar) -> None:
    _require_not_builtin(2027, 2028)
    assert (
        cal.workday_problem(D(2027, 1, 1), WHAT)
        == f"{WHAT} 2027-01-01 是元旦假期，须为工作日（按法定节假日暂定）"
    )
    assert (
        cal.workday_problem(D(2027, 1, 9), WHAT)
        == f"{WHAT} 2027-01-09 是休息日，须为工作日（按法定节假日暂定）"
    )
    assert cal.workday_problem(D(2027, 1, 5), WHAT) is None
    assert (
        cal.workday_problem(D(2028, 10, 3), "期限")
        == "期限 2028-10-03 是中秋节、国庆节假期，须为工作日（按法定节假日暂定）"
    )


def test_importing_the_year_replaces_the_provisional_data() -> None:
    _require_2027_not_builtin()
    before = WorkCalendar()
    # the sample notice makes Sat 2027-02-20 a working day and gives 春节 2/5–2/13
    assert not before.is_workday(D(2027, 2, 20), allow_provisional=True)
    assert before.is_workday(D(2027, 2, 9), allow_provisional=True)
    assert before.due(D(2027, 2, 19), 1, allow_provisional=True) == DueDate(
        D(2027, 2, 22), provisional=True, missing_years=(2027,)
    )
    assert before.workday_problem(D(2027, 2, 20), WHAT) is not None

    after = WorkCalendar(extra_years={2027: parse_year_file(SAMPLE_2027.read_text("utf-8"))})
    assert after.is_workday(D(2027, 2, 20))
    assert after.is_workday(D(2027, 2, 20), allow_provisional=True)
    assert not after.is_workday(D(2027, 2, 9))
    assert after.due(D(2027, 2, 19), 1, allow_provisional=True) == DueDate(D(2027, 2, 20))
    assert after.workday_problem(D(2027, 2, 20), WHAT) is None
    assert after.workday_problem(D(2027, 2, 9), WHAT) == f"{WHAT} 2027-02-09 是春节假期，须为工作日"


def test_the_error_says_how_provisional_dates_are_counted() -> None:
    message = str(CalendarNotCovered(2027))
    assert "按双休日和法定节假日暂定" in message


@given(
    st.dates(min_value=D(2027, 1, 1), max_value=D(2031, 12, 31)),
    st.integers(min_value=1, max_value=60),
)
def test_between_inverts_provisional_due(received: dt.date, n: int) -> None:
    cal = WorkCalendar()
    if any(cal.is_covered(year) for year in range(2027, 2033)):
        return  # chinese_calendar learnt a later year: this property is for uncovered years
    due = cal.due(received, n, allow_provisional=True)
    assert due.provisional
    assert cal.is_workday(due.date, allow_provisional=True)
    assert cal.working_days_between(received, due.date, allow_provisional=True) == n
    assert cal.working_days_between(due.date, received, allow_provisional=True) == -n


def test_holidays_is_imported_only_for_an_uncovered_year() -> None:
    code = (
        "import sys, datetime as dt\n"
        "from policies.calendar import WorkCalendar\n"
        "cal = WorkCalendar()\n"
        "cal.due(dt.date(2026, 3, 10), 5)\n"
        "before = 'holidays' in sys.modules\n"
        "cal.due(dt.date(2026, 12, 28), 5, allow_provisional=True)\n"
        "print(before, 'holidays' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    if 2027 in builtin_years():
        pytest.skip("chinese_calendar now covers 2027")
    assert out.stdout.split() == ["False", "True"]


# --- coverage: the status text of doctor, `calendar status` and the home screen ------------


def _fits(message: str) -> None:
    lines = message.split("\n")
    assert 1 <= len(lines) <= 2, message
    for line in lines:
        assert cell_len(line) <= 80, line


def test_coverage_next_year_missing_warns(cal: WorkCalendar) -> None:
    _require_2027_not_builtin()
    for today in (D(2026, 12, 6), D(2026, 3, 1)):
        status = coverage(cal, today)
        assert status.level == "warn" and status.missing == (2027,)
        _fits(status.message)
        assert "2027" in status.message and "暂定" in status.message
        assert "双休日和法定节假日" in status.message and "重算" in status.message
        assert "国务院" in status.message and "chuangkou calendar import 文件" in status.message


def test_coverage_this_year_missing_fails(cal: WorkCalendar) -> None:
    _require_not_builtin(2027, 2028)
    status = coverage(cal, D(2027, 1, 5))
    assert status.level == "fail" and status.missing == (2027, 2028)
    _fits(status.message)
    assert "2027、2028" in status.message and "今年" in status.message
    # with next year at hand, only this year is missing
    only = WorkCalendar(extra_years={2028: statutory_year(2028)})
    status = coverage(only, D(2027, 1, 5))
    assert status.level == "fail" and status.missing == (2027,)
    _fits(status.message)
    assert "2028" not in status.message


def test_coverage_ok_once_imported() -> None:
    _require_2027_not_builtin()
    cal = WorkCalendar(extra_years={2027: parse_year_file(SAMPLE_2027.read_text("utf-8"))})
    status = coverage(cal, D(2026, 12, 6))
    assert status == coverage(cal, D(2026, 6, 1))
    assert status.level == "ok" and status.missing == ()
    assert status.message == "工作日历已覆盖 2026、2027 年"
    _fits(status.message)
    # the next December looks at 2028
    assert coverage(cal, D(2027, 12, 6)).missing == (2028,)


def test_coverage_horizon_reaches_into_next_year(cal: WorkCalendar) -> None:
    # 60 days after 2026-11-15 is in 2027: the same missing year as next year
    _require_2027_not_builtin()
    assert coverage(cal, D(2026, 11, 15)).missing == (2027,)
    with pytest.raises(TypeError):
        coverage(cal, dt.datetime(2026, 11, 15, 9))  # type: ignore[arg-type]
