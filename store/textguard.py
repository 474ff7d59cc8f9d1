"""Text a plain column (one the register does not seal) cannot hold is refused as a typing
error (InvalidInput) — never cut, never left to the database to fail on as 内部错误.
"""

from __future__ import annotations

import re

from store.errors import InvalidInput

__all__ = ["fitting", "staff_number"]

#: 工号: what a clerk types at the login screen; the column is 32 wide.
_STAFF_NUMBER = re.compile(r"[0-9A-Za-z_-]{1,32}")


def fitting(text: str, most: int, what: str) -> str:
    """`text` for a plain column `most` characters wide: longer is refused, never cut (a cut
    text would be saved other than it was typed; PostgreSQL's VARCHAR refuses it anyway)."""
    if len(text) > most:
        raise InvalidInput(f"{what}过长（最多 {most} 个字符，实为 {len(text)} 个）")
    return text


def staff_number(text: str) -> str:
    """A new 工号, stripped: letters, digits, - and _, at most 32."""
    number = text.strip()
    if not _STAFF_NUMBER.fullmatch(number):
        raise InvalidInput("工号只能由英文字母、数字、- 和 _ 组成，最多 32 个字符")
    return number
