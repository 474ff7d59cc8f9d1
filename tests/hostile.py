"""Hostile text for the bad-input tests (issue 15): terminal control sequences, 10 kB
strings, characters from every Unicode plane (lone surrogates included, where an API can
receive them), NUL, lone combining marks, bidirectional marks.

`SAMPLES` are named cases every field gets (deterministic, cheap); `hostile_text()` is the
hypothesis strategy that mixes them with generated text. `FUZZ` is the settings every fuzz
test uses: few examples, no deadline, derandomized (the same examples on every CI run, no
example database on disk).
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = ["CJK", "FUZZ", "SAMPLES", "fuzz", "has_chinese", "hostile_text", "printable_hostile"]

#: Named hostile inputs (value, short label for test ids).
SAMPLES: dict[str, str] = {
    "osc-title": "示例\x1b]0;pwned\x07\x1b[2J中心",
    "csi-c1": "甲\x9b31m乙\x9b2J",
    "nul": "甲\x00乙",
    "combining": "\u0301",
    "combining-run": "\u0301\u0302\u0303\u20dd",
    "rtl": "\u202e反转文字\u202c\u200f",
    "high-surrogate": "甲\ud800",
    "low-surrogate": "\udfff乙",
    "10k-han": "中" * 10_240,
    "10k-ascii": "x" * 10_240,
    "astral": "𠀀😀\U000e0041\U0010fffd",
    "line-breaks": "甲\r\n乙\t丙\v丁\f戊\x85己\u2028庚\u2029",
    "bom-zwj": "\ufeff甲\u200d乙\u200b",
    "sql-format": "'; DROP TABLE person; --%s%(x)s{0}",
    "only-space": " \u3000\t ",
}

#: Characters the hostile generator picks from: C0/C1 controls, bidi and zero-width marks,
#: lone combining marks, and one code point from each of the 17 planes.
_SPECIALS = (
    [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]
    + ["\u202a", "\u202b", "\u202d", "\u202e", "\u2066", "\u2067", "\u2069", "\u200e", "\u200f"]
    + ["\u200b", "\u200d", "\ufeff", "\u0300", "\u0301", "\u0489", "\u3099", "\ufe0f"]
)


def _plane_char(plane: int, offset: int) -> str:
    return chr(plane * 0x10000 + offset)


def _any_plane(surrogates: bool) -> st.SearchStrategy[str]:
    chars = st.builds(_plane_char, st.integers(0, 16), st.integers(0, 0xFFFF))
    if not surrogates:
        chars = chars.filter(lambda c: not 0xD800 <= ord(c) <= 0xDFFF)
    return chars


def hostile_text(*, surrogates: bool = True, max_size: int = 40) -> st.SearchStrategy[str]:
    """A named sample, or generated text mixing Chinese, controls, marks and every plane."""
    piece = st.one_of(
        st.sampled_from(_SPECIALS),
        _any_plane(surrogates),
        st.sampled_from(["甲", "乙", "中心", "a", " ", "\u3000", "\x1b[", "\x1b]0;"]),
    )
    generated = st.lists(piece, min_size=1, max_size=max_size).map("".join)
    samples = [v for v in SAMPLES.values() if surrogates or not _has_surrogate(v)]
    return st.one_of(st.sampled_from(samples), generated)


def printable_hostile() -> st.SearchStrategy[str]:
    """Hostile text a terminal can deliver as keys (no surrogates, no NUL)."""
    return hostile_text(surrogates=False).map(lambda s: s.replace("\x00", ""))


def _has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


CJK = re.compile(r"[\u4e00-\u9fff]")


def has_chinese(text: str) -> bool:
    return bool(CJK.search(text))


def fuzz(max_examples: int) -> settings:
    """Settings for one fuzz test: `max_examples` derandomized examples, no deadline.
    Function-scoped fixtures are allowed: the tests reset what they need per example."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


FUZZ = fuzz(25)
