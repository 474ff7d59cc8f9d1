"""Masking personal fields for screens and logs that must not show them in full.

王小英 → 王*英, 110105194912310021 → 1101**********0021, 13800138000 → 138****8000.
"""

from __future__ import annotations


def mask_name(name: str) -> str:
    """Keep the first and last character of a name: 王小英 → 王*英, 王英 → 王*."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str) -> str:
    """Keep the region prefix (4) and the last four characters of an ID number."""
    number = number.strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits of a phone number."""
    phone = phone.strip()
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
