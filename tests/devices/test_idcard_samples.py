"""ID-number check character (GB 11643) and the invented sample cards."""

from __future__ import annotations

import pytest

from devices.idcard import idnumber, samples
from devices.idcard.cards import ForeignPermanentResidentCard, ForeignPermanentResidentCard2023


@pytest.mark.parametrize(
    "number",
    ["360426199101010071", "120103198806018241", "11010219781027232X", "110101202311012176"],
)
def test_spec_vectors_are_valid(number):
    assert idnumber.is_valid(number)
    assert idnumber.complete(number[:17]) == number


@pytest.mark.parametrize(
    "number",
    ["360426199101010072", "36042619910101007", "3604261991010100711", "36042619910101007X",
     "A60426199101010071", "３60426199101010071"],
)  # fmt: skip
def test_invalid_numbers(number):
    assert not idnumber.is_valid(number)


def test_lower_case_x_is_accepted():
    assert idnumber.is_valid("11010219781027232x")


def test_check_character_needs_17_ascii_digits():
    for bad in ("1234", "1" * 18, "１" * 17):
        with pytest.raises(ValueError):
            idnumber.check_character(bad)


def test_every_check_character_is_reachable():
    # r = 0..10 maps to "10X98765432"; walk the last digit to hit many residues.
    seen = {idnumber.check_character("1101011990010100" + str(d)) for d in range(10)}
    assert len(seen) == 10


@pytest.mark.parametrize("key", samples.ALL)
def test_sample_numbers_and_facts_agree(key):
    card = samples.ALL[key]
    assert len(card.photo_wlt) == 1024
    if isinstance(card, ForeignPermanentResidentCard):
        assert len(card.id_number) == 15 and card.id_number[:3].isalpha()
        return
    number = card.id_number
    assert idnumber.is_valid(number), key
    if isinstance(card, ForeignPermanentResidentCard2023):
        assert number.startswith("9")  # its inner structure is not in the spec
        return
    assert number[6:14] == card.birth_date.strftime("%Y%m%d")
    # Odd sequence = male (1), even = female (2).
    assert card.gender_code == ("1" if int(number[14:17]) % 2 else "2")


def test_invented_bytes_are_deterministic_and_sized():
    assert samples.invented_bytes("x", 1024) == samples.invented_bytes("x", 1024)
    assert samples.invented_bytes("x", 100) != samples.invented_bytes("y", 100)
    assert len(samples.invented_bytes("x", 1000)) == 1000


def test_samples_cover_every_card_type():
    types = {type(card).__name__ for card in samples.ALL.values()}
    assert types == {
        "ResidentIdCard",
        "HkMacaoTaiwanResidencePermit",
        "ForeignPermanentResidentCard",
        "ForeignPermanentResidentCard2023",
    }
    assert samples.RESIDENT_LONG_TERM.long_term and samples.RESIDENT_LONG_TERM.valid_until is None
