"""18-character ID numbers (公民身份号码, GB 11643-1999): check character, ISO 7064 MOD 11-2.

Also used by the 2023 foreigner's permanent residence card and the HK/Macao/Taiwan
residence permit, whose numbers follow the same rule (idcard-reader.md §7).
"""

from __future__ import annotations

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """The check character (校验码) for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("需要 17 位数字")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid(number: str) -> bool:
    """True if `number` is 17 digits plus the right check character (x accepted as X)."""
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    return check_character(number[:17]) == number[17].upper()


def complete(first17: str) -> str:
    """Append the check character: complete('36042619910101007') → '360426199101010071'."""
    return first17 + check_character(first17)
