"""Encoding a card back into the reader's bytes: the inverse of decode.py.

Used by the simulator (which must answer with real protocol bytes) and by tests.
"""

from __future__ import annotations

from devices.idcard.cards import (
    Card,
    ForeignPermanentResidentCard,
    ForeignPermanentResidentCard2023,
    HkMacaoTaiwanResidencePermit,
    ResidentIdCard,
)
from devices.idcard.decode import TEXT_SIZE
from devices.idcard.text import LONG_TERM, encode_field, format_date

ADDRESS_SIZE = 70  # 30 03 reply: one 35-character field


def _until(card: Card) -> str:
    return LONG_TERM if card.long_term else format_date(card.valid_until)


def _pack(fields: list[tuple[str, int]]) -> bytes:
    block = b"".join(encode_field(text, size) for text, size in fields)
    assert len(block) == TEXT_SIZE, len(block)
    return block


def encode_text_block(card: Card) -> bytes:
    """The 256-byte text block of `card`, laid out as on a real card of its type."""
    d = format_date
    if isinstance(card, ResidentIdCard):
        return _pack([
            (card.name, 30), (card.gender_code, 2), (card.ethnicity_code, 4),
            (d(card.birth_date), 16), (card.address, 70), (card.id_number, 36),
            (card.issuing_authority, 30), (d(card.valid_from), 16), (_until(card), 16),
            ("", 36),
        ])  # fmt: skip
    if isinstance(card, HkMacaoTaiwanResidencePermit):
        return _pack([
            (card.name, 30), (card.gender_code, 2), ("", 4), (d(card.birth_date), 16),
            (card.address, 70), (card.id_number, 36), (card.issuing_authority, 30),
            (d(card.valid_from), 16), (_until(card), 16), (card.pass_number, 18),
            (card.issue_count, 4), ("", 6), ("J", 2), ("", 6),
        ])  # fmt: skip
    if isinstance(card, ForeignPermanentResidentCard):
        return _pack([
            (card.english_name, 120), (card.gender_code, 2), (card.id_number, 30),
            (card.nationality_code, 6), (card.chinese_name, 30), (d(card.valid_from), 16),
            (_until(card), 16), (d(card.birth_date), 16), (card.card_version, 4),
            (card.authority_code, 8), ("I", 2), ("", 6),
        ])  # fmt: skip
    if isinstance(card, ForeignPermanentResidentCard2023):
        return _pack([
            (card.chinese_name, 30), (card.gender_code, 2), (card.renewal_count, 4),
            (d(card.birth_date), 16), (card.english_name[:35], 70), (card.id_number, 36),
            (card.authority, 30), (d(card.valid_from), 16), (_until(card), 16),
            (card.english_name[35:], 22), (card.nationality_code, 6), ("Y", 2),
            (card.previous_number_link, 6),
        ])  # fmt: skip
    raise TypeError(f"unknown card class {type(card).__name__}")


def base_message_data(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """DATA of a 30 01 reply, or of a 30 10 reply when `fingerprint` is given (b"" = none)."""
    lengths = [len(text), len(photo)] + ([] if fingerprint is None else [len(fingerprint)])
    head = b"".join(n.to_bytes(2, "big") for n in lengths)
    return head + text + photo + (fingerprint or b"")


def appended_address_data(address: str) -> bytes:
    """DATA of a 30 03 reply carrying `address`."""
    return encode_field(address, ADDRESS_SIZE)
