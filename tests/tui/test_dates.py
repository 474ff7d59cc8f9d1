"""tui.dates: dates as typed at the counter, with and without their year."""

from __future__ import annotations

import datetime as dt

import pytest

from tui.dates import parse_date

HALL_DAY = dt.date(2026, 11, 23)
NEW_YEARS_EVE = dt.date(2026, 12, 31)


@pytest.mark.parametrize(
    "text", ["2026-12-10", "2026/12/10", "2026.12.10", "20261210", "２０２６－１２－１０"]
)
def test_full_forms_with_their_year(text):
    assert parse_date(text, "日期") == dt.date(2026, 12, 10)
    assert parse_date(text, "日期", today=HALL_DAY) == dt.date(2026, 12, 10)


@pytest.mark.parametrize("text", ["12-10", "1210", "12/10", "12.10", " １２１０ ", "12-1"])
def test_without_a_year_is_the_halls_year(text):
    expected = dt.date(2026, 12, 1) if text == "12-1" else dt.date(2026, 12, 10)
    assert parse_date(text, "日期", today=HALL_DAY) == expected


def test_on_new_years_eve_a_plain_field_stays_in_the_halls_year():
    assert parse_date("0105", "答复日期", today=NEW_YEARS_EVE) == dt.date(2026, 1, 5)
    assert parse_date("01-05", "答复日期", today=NEW_YEARS_EVE) == dt.date(2026, 1, 5)


def test_a_deadline_field_means_next_year_for_a_day_already_past():
    assert parse_date("0105", "承诺补齐日期", today=NEW_YEARS_EVE, future=True) == dt.date(
        2027, 1, 5
    )
    # Today itself and later days stay in this year; a full date is taken as typed.
    assert parse_date("1231", "顶岗至", today=NEW_YEARS_EVE, future=True) == NEW_YEARS_EVE
    assert parse_date("1201", "顶岗至", today=HALL_DAY, future=True) == dt.date(2026, 12, 1)
    assert parse_date("2026-01-05", "顶岗至", today=NEW_YEARS_EVE, future=True) == dt.date(
        2026, 1, 5
    )


def test_without_the_halls_date_a_year_is_needed():
    with pytest.raises(ValueError, match="格式不对"):
        parse_date("1210", "日期")


@pytest.mark.parametrize("text", ["1332", "02-30", "13-01", "0229", "明天", "121", "12100"])
def test_what_is_not_a_date_is_refused_in_chinese(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD") as caught:
        parse_date(text, "日期", today=HALL_DAY)
    assert str(caught.value).startswith("日期")
