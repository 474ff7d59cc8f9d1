"""Decoded cards (证件), as typed frozen values.

Every card type offers the same surface for the screen: `card_type` (Chinese label),
`name`, `id_number`, `gender`, `birth_date`, `address`, `valid_from`, `valid_until`
(None when the card is valid 长期, see `long_term`) and `photo_wlt` (the raw 1024-byte WLT
photo: decoding it needs a vendor library, so it is kept as bytes).

repr()/str() never show personal data: only the card type and the last four characters of
the number, so a card that reaches a log line or a traceback leaks nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from devices.idcard import tables


def mask_number(number: str) -> str:
    """Keep only the last four characters: **************8241.

    Stricter than the screens' masking (which keeps a region prefix): the head of a
    foreigner's number is the nationality, and logs need no more than the tail.
    """
    if len(number) <= 8:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


@dataclass(frozen=True, kw_only=True, repr=False)
class _Card:
    type_letter: ClassVar[str]  # the character at text offset 248 ("" for resident cards)
    card_type: ClassVar[str]  # Chinese label
    layout_certain: ClassVar[bool] = True

    id_number: str
    gender_code: str
    birth_date: dt.date | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    long_term: bool = False  # 长期 — valid_until is None
    photo_wlt: bytes = b""
    # None: not read (30 01 was used); b"": the card has no fingerprint.
    fingerprint: bytes | None = None

    @property
    def gender(self) -> str:
        return tables.gender_name(self.gender_code)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(card_type={self.card_type!r}, "
            f"id_number={mask_number(self.id_number)!r})"
        )

    __str__ = __repr__


@dataclass(frozen=True, kw_only=True, repr=False)
class ResidentIdCard(_Card):
    """居民身份证 — resident identity card (text layout §3.3)."""

    type_letter: ClassVar[str] = ""
    card_type: ClassVar[str] = "居民身份证"

    name: str
    ethnicity_code: str
    address: str
    issuing_authority: str
    # 最新追加住址 (30 03); None when not read or the card has none.
    appended_address: str | None = None

    @property
    def ethnicity(self) -> str:
        return tables.ethnicity_name(self.ethnicity_code)

    @property
    def current_address(self) -> str:
        """The latest address: the appended one if the card has it, else the printed one."""
        return self.appended_address or self.address


@dataclass(frozen=True, kw_only=True, repr=False)
class HkMacaoTaiwanResidencePermit(_Card):
    """港澳台居民居住证 — residence permit for HK/Macao/Taiwan residents (type J, §4.3)."""

    type_letter: ClassVar[str] = "J"
    card_type: ClassVar[str] = "港澳台居民居住证"

    name: str
    address: str
    issuing_authority: str
    pass_number: str  # 通行证号码
    issue_count: str  # 签发次数
    appended_address: str | None = None

    @property
    def region(self) -> str:
        """香港 / 澳门 / 台湾 from the 81/82/83 prefix of the number; "" if none matches."""
        return {"81": "香港", "82": "澳门", "83": "台湾"}.get(self.id_number[:2], "")

    @property
    def current_address(self) -> str:
        return self.appended_address or self.address


@dataclass(frozen=True, kw_only=True, repr=False)
class ForeignPermanentResidentCard(_Card):
    """外国人永久居留身份证, 2017 edition (type I, §4.2); `id_number` is the 15-char number."""

    type_letter: ClassVar[str] = "I"
    card_type: ClassVar[str] = "外国人永久居留身份证"

    english_name: str
    chinese_name: str
    nationality_code: str  # GB/T 2659 three letters
    card_version: str
    authority_code: str  # 当次申请受理机关代码

    @property
    def name(self) -> str:
        return self.chinese_name or self.english_name

    @property
    def address(self) -> str:
        return ""  # the card has no address field


@dataclass(frozen=True, kw_only=True, repr=False)
class ForeignPermanentResidentCard2023(_Card):
    """外国人永久居留身份证, 2023 edition (type Y, §4.4).

    The layout comes from a single public source: `layout_certain` is False so that the
    screen can ask the clerk to compare the fields with the card.
    """

    type_letter: ClassVar[str] = "Y"
    card_type: ClassVar[str] = "外国人永久居留身份证（2023版）"
    layout_certain: ClassVar[bool] = False

    chinese_name: str
    english_name: str
    renewal_count: str  # 换证次数
    nationality_code: str
    authority: str  # read as 签发机关 by the one source; may be reserved space
    previous_number_link: str  # link to the 15-char number of the 2017 edition

    @property
    def name(self) -> str:
        return self.chinese_name or self.english_name

    @property
    def address(self) -> str:
        return ""


Card = (
    ResidentIdCard
    | HkMacaoTaiwanResidencePermit
    | ForeignPermanentResidentCard
    | ForeignPermanentResidentCard2023
)
CARD_CLASSES: tuple[type[_Card], ...] = (
    ResidentIdCard,
    HkMacaoTaiwanResidencePermit,
    ForeignPermanentResidentCard,
    ForeignPermanentResidentCard2023,
)
