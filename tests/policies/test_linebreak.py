"""Chinese line breaking: numbers and dates whole, 避头尾, widths respected."""

from __future__ import annotations

import pytest

from policies.linebreak import CANNOT_END, CANNOT_START, break_lines, cell_width
from tests.people import PEOPLE

PERSON = PEOPLE[0]
TEXT = (
    f"　　{PERSON.name}：您申请的城乡居民最低生活保障申请（办件号BJ-2026-001234）已于"
    f"2026年11月23日受理，身份证号{PERSON.id_number}，联系电话0571-8888 1234、"
    f"{PERSON.phone}。请于2026年12月7日前补齐材料；逾期视为放弃。"
)
WHOLE = ("BJ-2026-001234", "2026年11月23日", PERSON.id_number, "0571-8888 1234", PERSON.phone)


@pytest.mark.parametrize("width", range(24, 81))
def test_no_number_or_date_split_and_no_forbidden_line_ends(width):
    lines = break_lines(TEXT, width)
    assert all(cell_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == TEXT.replace(" ", "")
    for piece in WHOLE:
        assert any(piece in line for line in lines), (width, piece, lines)
    for line in lines[1:]:
        assert line[0] not in CANNOT_START, (width, lines)
    for line in lines[:-1]:
        assert line[-1] not in CANNOT_END, (width, lines)


def test_first_line_width_and_short_text():
    assert break_lines("短句。", 40) == ["短句。"]
    assert break_lines("", 40) == [""]
    lines = break_lines("一二三四五六七八九十", 10, first_width=6)
    assert lines == ["一二三", "四五六七八", "九十"]


def test_closing_punctuation_goes_with_the_character_before_it():
    # 五 characters fill the line exactly; the 。 may not start the next one.
    assert break_lines("一二三四五。六", 10) == ["一二三四", "五。六"]
    assert break_lines("一二三四（五）", 10) == ["一二三四", "（五）"]


def test_a_piece_longer_than_a_line_is_cut_as_it_must_be():
    lines = break_lines("1" * 25, 10)
    assert lines == ["1" * 10, "1" * 10, "1" * 5]
