"""Chinese line breaking (避头尾) at a given width: the one place where a notice's
paragraphs are cut into lines, for the printed page and for the screen preview alike.

Rules:
- a number, a case or notice number, a phone number, an ID number or a date
  (``2026年11月23日``) is never split across lines;
- no line starts with closing punctuation (``，。、；：？！）」』〉》`` …): it stays with the
  character before it;
- no line ends with opening punctuation (``（《「『`` …): it goes with what follows;
- ``——`` and ``……`` stay whole.

Widths are measured by ``measure`` (terminal cells by default: a Chinese character is two);
the PDF passes the font's own string width. Pure: imports nothing of ours.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = ["CANNOT_END", "CANNOT_START", "break_lines", "cell_width"]

#: Characters a line must not start with (行首禁则).
CANNOT_START = frozenset(
    "，。、；：？！）」』〉》】〕〗｝］’”・·…—%‰℃,.;:?!)]}>々〻ーぁぃぅぇぉっゃゅょゎ"
)
#: Characters a line must not end with (行尾禁则).
CANNOT_END = frozenset("（《「『〈【〔〖｛［‘“([{<")

_ALNUM = r"[0-9A-Za-z０-９]"
# A run of letters and digits joined by - . / : or a single space between digits
# (0571-8888 1234, BJ-2026-001234, 11010519491231002X, 14:30, 3.5).
_NUMBER = rf"{_ALNUM}+(?:(?:[-./:—]|(?<=[0-9]) (?=[0-9]))?{_ALNUM}+)*"
_DATE = r"[0-9]{4}年[0-9]{1,2}月(?:[0-9]{1,2}日)?|[0-9]{1,2}月[0-9]{1,2}日"
_ATOM = re.compile(rf"(?:{_DATE})|(?:{_NUMBER})|——|……|.", re.DOTALL)


def cell_width(text: str) -> int:
    """Terminal cells: wide and full-width characters take two."""
    return sum(
        2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
        for ch in text
    )


def _clusters(text: str) -> list[str]:
    """The text as pieces that a line may break between (and nowhere else)."""
    out: list[str] = []
    glue_next = False
    for atom in _ATOM.findall(text):
        if out and (glue_next or atom[0] in CANNOT_START):
            out[-1] += atom
        else:
            out.append(atom)
        glue_next = atom[-1] in CANNOT_END
    return out


def _hard_split(piece: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """A piece wider than a whole line (it cannot be helped): cut it where it must be."""
    parts, current = [], ""
    for ch in piece:
        if current and measure(current + ch) > width:
            parts.append(current)
            current = ""
        current += ch
    return [*parts, current] if current else parts


def break_lines(
    text: str,
    width: float,
    *,
    first_width: float | None = None,
    measure: Callable[[str], float] = cell_width,
) -> list[str]:
    """``text`` (one paragraph) as lines no wider than ``width`` (the first line:
    ``first_width``, e.g. less an indent). Spaces at a break are dropped; an empty
    paragraph is one empty line."""
    if width <= 0:
        raise ValueError("width must be positive")
    lines: list[str] = []
    current = ""
    limit = width if first_width is None else first_width
    for piece in _clusters(text):
        if measure(current + piece.rstrip(" ")) <= limit:
            current += piece
            continue
        if current.strip(" "):
            lines.append(current.rstrip(" "))
            limit = width
        current = piece.lstrip(" ")
        while current and measure(current.rstrip(" ")) > limit:
            head, *rest = _hard_split(current, limit, measure)
            lines.append(head)
            limit = width
            current = "".join(rest)
    lines.append(current.rstrip(" "))
    return lines
