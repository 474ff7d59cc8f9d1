"""Working-day calendar: 2026 holidays and 调休 from chinese_calendar, imported years.

Expected dates are counted by hand from the 2026 State Council notice (国办发明电〔2025〕7号):
元旦 1/1–1/3 (1/4 Sun works); 春节 2/15–2/23 (2/14 Sat, 2/28 Sat work); 清明 4/4–4/6;
劳动节 5/1–5/5 (5/9 Sat works); 端午 6/19–6/21; 中秋 9/25–9/27; 国庆 10/1–10/7
(9/20 Sun, 10/10 Sat work). 9/28–9/30 (Mon–Wed) are ordinary working days.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.calendar import (
    CalendarNotCovered,
    DueDate,
    WorkCalendar,
    YearFileError,
    builtin_year,
    builtin_years,
    dump_year_file,
    parse_year_file,
    years_from_files,
)
from policies.errors import PolicyError

D = dt.date
SAMPLE_2027 = Path(__file__).parent / "data" / "calendar-2027.toml"


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar()


def _require_2027_not_builtin() -> None:
    if 2027 in builtin_years():
        pytest.skip("chinese_calendar now covers 2027; the not-covered case needs a later year")


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


def test_provisional_answer_counts_weekdays_and_says_so(cal: WorkCalendar) -> None:
    _require_2027_not_builtin()
    # weekends only: Fri 2027-01-01 (4), Mon 1/4 (5)
    due = cal.due(D(2026, 12, 28), 5, allow_provisional=True)
    assert due == DueDate(D(2027, 1, 4), provisional=True, missing_years=(2027,))
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
