"""Resident ID numbers (居民身份证号码, GB 11643): normalise and validate.

The check digit and the region table come from python-stdnum (``stdnum.cn.ric``). Every
error message says what is wrong without echoing the number: at most its masked form
(1101**********0021), so personal data never reaches a log.

Region codes: a code is accepted if it is in stdnum's table at all. stdnum also checks
that the county existed in the birth year, but numbers were first issued in 1984 and carry
the county of registration at issue, so many people born before a county was created hold
its code (e.g. 310115 浦东新区, created 1992); rejecting them would turn real residents away.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric

from policies.errors import PolicyError
from policies.masking import mask_id_number

__all__ = [
    "CHECK_DIGIT_WRONG",
    "InvalidIdNumber",
    "ResidentId",
    "check_digit",
    "normalise_id_number",
    "validate_resident_id",
]

_EARLIEST_BIRTH = dt.date(1900, 1, 1)
_DIGITS = frozenset("0123456789")


#: The expected digit is not named: the typo may be in any digit, and "fixing" the last one
#: would register a wrong number that passes the check.
CHECK_DIGIT_WRONG = "校验码错误（号码中有错字，请逐位核对或读取身份证）"


class InvalidIdNumber(PolicyError):
    """Not a valid resident ID number; ``reason`` is a code, the message is Chinese."""

    def __init__(self, reason: str, message: str, masked: str) -> None:
        self.reason = reason  # length | characters | birth_date | check_digit | region
        self.masked = masked
        suffix = f"（{masked}）" if masked.strip("*") else ""
        super().__init__(f"身份证号码{message}{suffix}")


@dataclass(frozen=True)
class ResidentId:
    number: str  # normalised: 17 digits and a digit or X
    birth_date: dt.date
    gender: str  # 男 / 女
    region_code: str  # first six digits

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)

    def __repr__(self) -> str:
        # repr ends up in logs and tracebacks: never the full number or birth date
        return f"ResidentId({self.masked}, {self.gender})"

    __str__ = __repr__


def normalise_id_number(text: str) -> str:
    """Strip whitespace, fold full-width characters (１２３, Ｘ) to ASCII, upper-case x."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).upper()


def check_digit(first17: str) -> str:
    """The check digit (0–9 or X) for 17 digits (ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not set(first17) <= _DIGITS:
        raise ValueError("check_digit needs exactly 17 ASCII digits")
    # stdnum's function takes the full number with a placeholder in the check position
    return ric.calc_check_digit(first17 + "0")


def _region_known(code: str) -> bool:
    from stdnum import numdb

    info = {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return "county" in info


def validate_resident_id(text: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate an 18-character resident ID number or raise InvalidIdNumber.

    ``today`` bounds the birth date (not in the future); it defaults to the system date.
    """
    number = normalise_id_number(text)
    masked = mask_id_number(number)
    for position, char in enumerate(number, start=1):
        if char in _DIGITS or (char == "X" and position == 18):
            continue
        hint = "，X 只能是最后一位" if char == "X" else ""
        raise InvalidIdNumber("characters", f"含非法字符（第 {position} 位{hint}）", masked)
    if len(number) != 18:
        raise InvalidIdNumber("length", f"长度不是18位（实为 {len(number)} 位）", masked)
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            "birth_date", "出生日期无效（第 7–14 位不是真实日期）", masked
        ) from None
    if birth > (today or dt.date.today()):
        raise InvalidIdNumber("birth_date", "出生日期无效（晚于今天）", masked)
    if birth < _EARLIEST_BIRTH:
        raise InvalidIdNumber("birth_date", "出生日期无效（早于 1900 年）", masked)
    if not _region_known(number[:6]):
        raise InvalidIdNumber("region", "地区码未知（前 6 位不是行政区划代码）", masked)
    if number[17] != check_digit(number[:17]):
        raise InvalidIdNumber("check_digit", CHECK_DIGIT_WRONG, masked)
    gender = "男" if int(number[16]) % 2 else "女"
    return ResidentId(number, birth, gender, number[:6])
