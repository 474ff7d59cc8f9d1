"""Text fields of a card: UCS-2LE (UTF-16LE) decoding, trimming and sanitising.

A card's text goes to a terminal. A crafted card could carry ESC/CSI sequences, BEL,
C0/C1 controls or bidi overrides to redraw the screen or disguise a name, so every
character of Unicode category Cc (controls), Cf (format: bidi marks/overrides, zero-width,
BOM, tags), Zl and Zp (line/paragraph separators) and Cs (surrogates) is removed.
Private-use characters stay: cards store rare characters of names (生僻字) there.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Fields are padded with spaces; some issuers and readers pad with the full-width space
# U+3000 (IDEOGRAPHIC SPACE) instead, or a mix with NULs: all of them are padding.
_TRAILING = " \x00\u3000"
LONG_TERM = "长期"


def _keep(ch: str) -> bool:
    if ch.isascii():
        return " " <= ch <= "~"  # fast path: printable ASCII only
    return unicodedata.category(ch) not in _DROP_CATEGORIES


def sanitize(text: str) -> str:
    """Remove every control, format and separator character (see module docstring)."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(ch for ch in text if _keep(ch))


def decode_field(raw: bytes) -> str:
    """Decode one fixed-width field: UTF-16LE, trailing padding (spaces, U+3000, NULs)
    stripped, sanitised."""
    if len(raw) % 2:
        raw = raw[:-1]
    text = raw.decode("utf-16-le", errors="replace").rstrip(_TRAILING)
    return sanitize(text).rstrip(_TRAILING)


def encode_field(text: str, size: int) -> bytes:
    """Encode a field right-padded with spaces (20 00) to `size` bytes (the card's layout)."""
    raw = text.encode("utf-16-le")
    if len(raw) > size:
        raise ValueError(f"字段过长（{len(raw)} > {size} 字节）")
    return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)


def parse_date(text: str) -> dt.date | None:
    """YYYYMMDD → date; anything else (blank, garbled) → None. Never raises."""
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def format_date(value: dt.date | None) -> str:
    return "" if value is None else f"{value.year:04d}{value.month:02d}{value.day:02d}"
