"""Padding of card text fields: the full-width space U+3000 is trimmed like a space."""

from __future__ import annotations

import pytest

from devices.idcard import samples
from devices.idcard.decode import decode_appended_address, decode_text_block
from devices.idcard.encode import encode_text_block
from devices.idcard.text import decode_field
from tests.people import PEOPLE

NAME = PEOPLE[0].name
IDEOGRAPHIC_SPACE = "\u3000"


def field(text: str, pad: str, size: int = 30) -> bytes:
    raw = text.encode("utf-16-le")
    return raw + (pad * ((size - len(raw)) // 2)).encode("utf-16-le")


@pytest.mark.parametrize(
    "pad",
    [" ", IDEOGRAPHIC_SPACE, "\x00"],
    ids=["space", "ideographic-space", "nul"],
)
def test_every_padding_is_trimmed_alike(pad: str) -> None:
    assert decode_field(field(NAME, pad)) == NAME


def test_mixed_padding_is_trimmed() -> None:
    raw = field(NAME + IDEOGRAPHIC_SPACE + " " + IDEOGRAPHIC_SPACE, "\x00")
    assert decode_field(raw) == NAME


def test_a_space_inside_a_name_stays() -> None:
    inner = NAME[:2] + IDEOGRAPHIC_SPACE + NAME[2:]
    assert decode_field(field(inner, IDEOGRAPHIC_SPACE)) == inner


def test_a_card_whose_name_is_padded_with_u3000_decodes_like_the_original() -> None:
    card = samples.RESIDENT
    text = bytearray(encode_text_block(card))
    name = card.name.encode("utf-16-le")
    assert text[len(name) : 30] == " ".encode("utf-16-le") * ((30 - len(name)) // 2)
    text[len(name) : 30] = IDEOGRAPHIC_SPACE.encode("utf-16-le") * ((30 - len(name)) // 2)
    decoded = decode_text_block(bytes(text), photo=card.photo_wlt)
    assert decoded.name == card.name
    assert decoded == decode_text_block(encode_text_block(card), photo=card.photo_wlt)


def test_appended_address_padded_with_u3000() -> None:
    address = PEOPLE[1].address
    assert decode_appended_address(field(address, IDEOGRAPHIC_SPACE, 70)) == address
