"""联系电话: mobiles and landlines as callers give them; a number cut short is refused."""

from __future__ import annotations

import pytest

from policies.phone import InvalidPhone, validate_phone


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("００８６１３８００１３８０００", "13800138000"),  # full-width, as an IME types it
        ("0871-68120110", "087168120110"),
        ("(010) 6512 3456", "01065123456"),
        ("6812011", "6812011"),  # a local number without its area code
        ("0871-68120110转802", "087168120110转802"),
    ],
)
def test_phone_numbers_a_caller_gives(typed: str, digits: str) -> None:
    assert validate_phone(typed) == digits


@pytest.mark.parametrize(
    "typed",
    ["1380013", "1380013800", "138001380001", "12800138000", "0871-1234567", "电话", "", "110"],
)
def test_numbers_cut_short_or_not_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidPhone, match="联系电话不对") as error:
        validate_phone(typed)
    if typed.isdigit():
        assert typed not in str(error.value)  # the message never repeats the number
