"""Text the register cannot hold is refused as a typing error (InvalidInput, one Chinese
line) — never cut, never left to fail as 内部错误 in the database or the codec.

- Too long for a plain column (one the register does not seal): refused, not cut
  (PostgreSQL's VARCHAR refuses it; SQLite would keep it; a cut text is not what was typed).
- A lone surrogate (U+D800–U+DFFF: what Python makes of bytes that are not UTF-8, e.g. in
  a command-line argument) has no UTF-8: SQLite, psycopg2, the field encryption and the
  key derivation all fail on it with UnicodeEncodeError. PostgreSQL's text cannot hold
  NUL at all (psycopg2 raises ValueError before sending). Such text never comes from a
  person at a keyboard — from a script, a file or a broken terminal — and the statement
  was not run, so the operation's transaction rolls back.
"""

from __future__ import annotations

import re

import peewee as pw

from store.errors import InvalidInput

__all__ = [
    "UNSTORABLE",
    "fitting",
    "guard",
    "refuse_unstorable_text",
    "staff_number",
    "utf8",
]

UNSTORABLE = "输入的文字中有无法保存的字符（不成对的代理字符或空字符 NUL），请删去后重试"


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


def utf8(text: str) -> bytes:
    """`text` as UTF-8 for sealing, hashing or a key derivation; InvalidInput if it has none."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(UNSTORABLE) from None


def guard(exc: BaseException) -> InvalidInput | None:
    """The refusal for a driver's or codec's error on unstorable text, else None."""
    if isinstance(exc, UnicodeEncodeError) or (isinstance(exc, ValueError) and "NUL" in str(exc)):
        return InvalidInput(UNSTORABLE)
    return None


def _hook(event) -> None:
    refusal = guard(event.exception) if event.exception is not None else None
    if refusal is not None:
        raise refusal from event.exception


def refuse_unstorable_text(db: pw.Database) -> pw.Database:
    """Every statement of `db` that fails on unstorable text raises InvalidInput instead
    (peewee's query hooks see a statement's error before it is raised)."""
    if _hook not in db.query_hooks:
        db.query_hooks.append(_hook)
    return db
