"""Resident ID validation. All numbers are invented (invented people, real region codes).

The check digit oracle below is written from GB 11643 (ISO 7064 MOD 11-2), independent of
the code under test and of stdnum.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.errors import PolicyError
from policies.idnumber import (
    InvalidIdNumber,
    ResidentId,
    check_digit,
    normalise_id_number,
    validate_resident_id,
)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # sum mod 11 → check character
TODAY = dt.date(2026, 3, 10)
# long-standing county codes: 北京朝阳, 上海徐汇, 广州天河, 郑州中原, 成都锦江, 天津和平, 南京玄武
REGIONS = ("110105", "310104", "440106", "410102", "510104", "120101", "320102")


def oracle(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def make(region: str, birth: dt.date, seq: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + oracle(first17)


def test_oracle_agrees_with_published_example() -> None:
    # the example number in python-stdnum's documentation
    assert oracle("36042619910101007") == "1"


def test_valid_number() -> None:
    number = make("110105", dt.date(1949, 12, 31), 2)
    rid = validate_resident_id(number, today=TODAY)
    assert rid == ResidentId(number, dt.date(1949, 12, 31), "女", "110105")


def test_gender_from_17th_digit() -> None:
    assert validate_resident_id(make("310104", dt.date(1990, 5, 17), 13)).gender == "男"
    assert validate_resident_id(make("310104", dt.date(1990, 5, 17), 14)).gender == "女"


def test_check_digit_x() -> None:
    seq = next(s for s in range(1000) if oracle(f"44010619850610{s:03d}") == "X")
    number = make("440106", dt.date(1985, 6, 10), seq)
    assert number.endswith("X")
    assert validate_resident_id(number).number == number
    assert validate_resident_id(number[:-1] + "x").number == number  # lower case x


def test_normalisation() -> None:
    number = make("410102", dt.date(1978, 2, 28), 35)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)  # １２３…
    assert normalise_id_number(f"  {full_width}\u3000") == number
    assert validate_resident_id(full_width).number == number
    assert validate_resident_id(f" {number[:6]} {number[6:14]} {number[14:]} ").number == number


def test_old_resident_in_a_newer_county_is_accepted() -> None:
    # 310115 浦东新区 dates from 1992; people born earlier hold it (stdnum alone refuses this)
    number = make("310115", dt.date(1950, 1, 1), 1)
    assert validate_resident_id(number).region_code == "310115"


def _error(text: str, today: dt.date = TODAY) -> InvalidIdNumber:
    with pytest.raises(InvalidIdNumber) as info:
        validate_resident_id(text, today=today)
    assert isinstance(info.value, PolicyError)
    return info.value


@pytest.mark.parametrize(
    ("text", "reason", "words"),
    [
        ("11010519491231002", "length", "长度不是18位"),
        ("1101051949123100211", "length", "长度不是18位"),
        ("", "length", "长度不是18位"),
        ("11010519491231002A", "characters", "含非法字符"),
        ("1101051949X2310021", "characters", "X 只能是最后一位"),
        ("王小英", "characters", "含非法字符"),
        ("110105194913310021", "birth_date", "出生日期无效"),  # month 13
        ("110105200102300021", "birth_date", "出生日期无效"),  # 30 February
        ("110105189912310021", "birth_date", "早于 1900"),
        ("990105194912310021", "region", "地区码未知"),
        ("119999194912310021", "region", "地区码未知"),
    ],
)
def test_rejections_say_what_is_wrong(text: str, reason: str, words: str) -> None:
    error = _error(text)
    assert error.reason == reason
    assert words in str(error)


def test_future_birth_date() -> None:
    number = make("110105", dt.date(2026, 3, 11), 1)
    assert _error(number, today=dt.date(2026, 3, 10)).reason == "birth_date"
    assert validate_resident_id(number, today=dt.date(2026, 3, 11)).birth_date == dt.date(
        2026, 3, 11
    )


def test_wrong_check_digit_does_not_name_the_right_one() -> None:
    good = make("120101", dt.date(1966, 8, 8), 88)
    wrong = "0" if good[-1] != "0" else "1"
    error = _error(good[:-1] + wrong)
    assert error.reason == "check_digit"
    assert "校验码错误（号码中有错字，请逐位核对或读取身份证）" in str(error)
    assert "应为" not in str(error)  # the typo may be anywhere: no digit to copy in


def test_messages_and_repr_do_not_leak_the_number() -> None:
    good = make("120101", dt.date(1966, 8, 8), 88)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    error = _error(bad)
    assert bad not in str(error)
    assert "19660808" not in str(error)
    assert error.masked == bad[:4] + "*" * 10 + bad[-4:]
    rid = validate_resident_id(good)
    assert good not in repr(rid) and good not in str(rid)
    assert "19660808" not in repr(rid)


def test_check_digit_helper_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        check_digit("1234")
    with pytest.raises(ValueError):
        check_digit("1101051949123100X")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_matches_the_standard(first17: str) -> None:
    assert check_digit(first17) == oracle(first17)


valid_numbers = st.builds(
    make,
    st.sampled_from(REGIONS),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


@given(valid_numbers)
def test_any_valid_number_validates(number: str) -> None:
    rid = validate_resident_id(number, today=TODAY)
    assert rid.number == number
    assert rid.region_code == number[:6]
    assert rid.birth_date == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert rid.gender == ("男" if int(number[16]) % 2 else "女")


@given(
    valid_numbers, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10)
)
def test_any_single_character_change_is_rejected(number: str, position: int, shift: int) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    current = alphabet.index(number[position])
    replacement = alphabet[(current + shift) % len(alphabet)]
    if replacement == number[position]:  # shift == len(alphabet) on the 10-digit alphabet
        replacement = alphabet[(current + 1) % len(alphabet)]
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(InvalidIdNumber):
        validate_resident_id(changed, today=TODAY)
