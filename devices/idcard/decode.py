"""Decoding the data of a read (读基本信息) into a card: block lengths, type letter, fields.

Offsets are byte offsets into the 256-byte text block (idcard-reader.md §3.3, §4).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from devices.idcard.cards import (
    Card,
    ForeignPermanentResidentCard,
    ForeignPermanentResidentCard2023,
    HkMacaoTaiwanResidencePermit,
    ResidentIdCard,
)
from devices.idcard.errors import CardDataError, UnknownCardTypeError
from devices.idcard.text import LONG_TERM, decode_field, parse_date

TEXT_SIZE = 256
PHOTO_SIZE = 1024
TYPE_OFFSET = 248


@dataclass(frozen=True, repr=False)
class BaseMessage:
    """The three blocks of a 30 01 / 30 10 reply (文字信息, 照片, 指纹)."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None  # None for 30 01

    def __repr__(self) -> str:
        fp = "-" if self.fingerprint is None else len(self.fingerprint)
        return f"BaseMessage(text={len(self.text)}, photo={len(self.photo)}, fingerprint={fp})"


def split_base_message(data: bytes, *, with_fingerprint: bool) -> BaseMessage:
    """Split the DATA of a 30 01 (or 30 10 when `with_fingerprint`) reply by its length fields."""
    n_lengths = 3 if with_fingerprint else 2
    head = 2 * n_lengths
    if len(data) < head:
        raise CardDataError("证件数据过短")
    lengths = [int.from_bytes(data[i : i + 2], "big") for i in range(0, head, 2)]
    text_len, photo_len = lengths[0], lengths[1]
    fp_len = lengths[2] if with_fingerprint else 0
    if text_len != TEXT_SIZE:
        raise CardDataError(f"证件文字信息长度异常（{text_len} 字节，应为 {TEXT_SIZE}）")
    if head + text_len + photo_len + fp_len != len(data):
        raise CardDataError("证件数据长度与长度字段不符")
    text = data[head : head + text_len]
    photo = data[head + text_len : head + text_len + photo_len]
    fingerprint = data[head + text_len + photo_len :] if with_fingerprint else None
    return BaseMessage(text, photo, fingerprint)


def type_letter(text: bytes) -> str:
    """The card-type character at offset 248 (证件类型标识): "I", "J", "Y" or "" (resident)."""
    ch = text[TYPE_OFFSET : TYPE_OFFSET + 2]
    if len(ch) == 2 and ch[1] == 0 and 0x41 <= ch[0] <= 0x5A:  # one ASCII capital
        letter = chr(ch[0])
        if letter in _DECODERS:
            return letter
        raise UnknownCardTypeError(f"无法识别的证件类型（类型标识 {letter}）")
    return ""  # spaces on resident cards


def decode_text_block(
    text: bytes,
    *,
    photo: bytes = b"",
    fingerprint: bytes | None = None,
    appended_address: str | None = None,
) -> Card:
    """Decode the 256-byte text block into the card type its type letter names."""
    if len(text) != TEXT_SIZE:
        raise CardDataError(f"证件文字信息长度异常（{len(text)} 字节，应为 {TEXT_SIZE}）")
    decoder = _DECODERS[type_letter(text)]
    common = {"photo_wlt": bytes(photo), "fingerprint": fingerprint}
    card = decoder(text, common)
    if appended_address is not None:
        card = with_appended_address(card, appended_address)
    return card


def decode_base_message(data: bytes, *, with_fingerprint: bool = False) -> Card:
    """Decode the DATA of a successful 30 01 / 30 10 reply."""
    msg = split_base_message(data, with_fingerprint=with_fingerprint)
    return decode_text_block(msg.text, photo=msg.photo, fingerprint=msg.fingerprint)


def decode_appended_address(data: bytes) -> str | None:
    """The DATA of a 30 03 reply (70 bytes UTF-16LE) → the address, or None when blank."""
    return decode_field(bytes(data)) or None


def with_appended_address(card: Card, address: str | None) -> Card:
    """The card with its appended address (追加住址) set; cards without one are unchanged."""
    if not hasattr(card, "appended_address"):
        return card
    return dataclasses.replace(card, appended_address=address)  # type: ignore[type-var]


def _f(text: bytes, start: int, end: int) -> str:
    return decode_field(text[start:end])


def _validity(text: bytes) -> dict:
    until = _f(text, 204, 220)
    return {
        "valid_from": parse_date(_f(text, 188, 204)),
        "valid_until": parse_date(until),
        "long_term": until == LONG_TERM,
    }


def _resident(text: bytes, common: dict) -> ResidentIdCard:
    return ResidentIdCard(
        name=_f(text, 0, 30),
        gender_code=_f(text, 30, 32),
        ethnicity_code=_f(text, 32, 36),
        birth_date=parse_date(_f(text, 36, 52)),
        address=_f(text, 52, 122),
        id_number=_f(text, 122, 158),
        issuing_authority=_f(text, 158, 188),
        **_validity(text),
        **common,
    )


def _hmt(text: bytes, common: dict) -> HkMacaoTaiwanResidencePermit:
    return HkMacaoTaiwanResidencePermit(
        name=_f(text, 0, 30),
        gender_code=_f(text, 30, 32),
        birth_date=parse_date(_f(text, 36, 52)),
        address=_f(text, 52, 122),
        id_number=_f(text, 122, 158),
        issuing_authority=_f(text, 158, 188),
        **_validity(text),
        pass_number=_f(text, 220, 238),
        issue_count=_f(text, 238, 242),
        **common,
    )


def _foreign_2017(text: bytes, common: dict) -> ForeignPermanentResidentCard:
    return ForeignPermanentResidentCard(
        english_name=_f(text, 0, 120),
        gender_code=_f(text, 120, 122),
        id_number=_f(text, 122, 152),
        nationality_code=_f(text, 152, 158),
        chinese_name=_f(text, 158, 188),
        **_validity(text),
        birth_date=parse_date(_f(text, 220, 236)),
        card_version=_f(text, 236, 240),
        authority_code=_f(text, 240, 248),
        **common,
    )


def _foreign_2023(text: bytes, common: dict) -> ForeignPermanentResidentCard2023:
    return ForeignPermanentResidentCard2023(
        chinese_name=_f(text, 0, 30),
        gender_code=_f(text, 30, 32),
        renewal_count=_f(text, 32, 36),
        birth_date=parse_date(_f(text, 36, 52)),
        # The English name continues in the overflow area 220–241 (英文姓名备用).
        english_name=decode_field(text[52:122] + text[220:242]),
        id_number=_f(text, 122, 158),
        authority=_f(text, 158, 188),
        **_validity(text),
        nationality_code=_f(text, 242, 248),
        previous_number_link=_f(text, 250, 256),
        **common,
    )


_DECODERS = {"": _resident, "J": _hmt, "I": _foreign_2017, "Y": _foreign_2023}
