"""Normalising every vendor's key codes to our five levels (data in data/normalise.toml).

Our levels: 1 非常满意, 2 满意, 3 基本满意, 4 不满意, 5 非常不满意. A device sends its own
numbers (vendor A: 1 = 非常满意; vendor B: 1 = 满意 … 3 = 不满意), or a provincial reason code
that implies the level (510–517 非常满意 … 108–115 非常不满意). Drivers translate through a
`KeyMap` so the rest of the program only ever sees our levels.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

LEVEL_MIN, LEVEL_MAX = 1, 5
DEFAULT_VENDOR = "a"


@cache
def _table() -> dict[str, Any]:
    text = resources.files("devices.evaluator").joinpath("data/normalise.toml").read_text("utf-8")
    return tomllib.loads(text)


def level_labels() -> dict[int, str]:
    """{1: "非常满意", … 5: "非常不满意"}."""
    return {int(k): v for k, v in _table()["levels"].items()}


def level_label(level: int) -> str:
    return level_labels().get(level, f"未知等级 {level}")


def vendors() -> dict[str, str]:
    """Known vendor numberings: name → Chinese description."""
    return {name: spec["label"] for name, spec in _table()["vendors"].items()}


def vendor_codes(vendor: str) -> dict[int, int]:
    """The vendor's number → our level. KeyError for an unknown vendor."""
    spec = _table()["vendors"][vendor]
    return {int(code): int(level) for code, level in spec["codes"].items()}


def level_for_reason(code: int) -> int | None:
    """The level a provincial reason code belongs to, or None if it is in no range."""
    for rng in _table()["reasons"]["ranges"]:
        if rng["first"] <= code <= rng["last"]:
            return int(rng["level"])
    return None


def reason_text(code: int) -> str | None:
    return _table()["reasons"]["texts"].get(str(code))


@dataclass(frozen=True)
class Choice:
    """What one key means: one of our levels, maybe with a provincial reason code."""

    level: int
    reason_code: int | None = None


def choice_for_value(value: int) -> Choice:
    """A configured value: 1..5 is our level; 100..599 a reason code that implies the level."""
    if LEVEL_MIN <= value <= LEVEL_MAX:
        return Choice(value)
    level = level_for_reason(value)
    if level is None:
        raise ValueError(f"{value} 既不是评价等级 1–5，也不是已知的评价原因代码")
    return Choice(level, value)


class KeyMap:
    """Raw device code (key name, byte value …) → Choice. Unknown codes map to None."""

    def __init__(self, mapping: Mapping[Hashable, Choice]) -> None:
        self._map = dict(mapping)

    def __call__(self, raw: Hashable) -> Choice | None:
        return self._map.get(raw)

    def __len__(self) -> int:
        return len(self._map)

    def items(self) -> Iterable[tuple[Hashable, Choice]]:
        return self._map.items()

    @classmethod
    def build(
        cls,
        explicit: Mapping[Hashable, int] | None,
        vendor: str | None,
        digit_codes: Callable[[int], Iterable[Hashable]],
    ) -> KeyMap:
        """Explicit keys (values: our level or a reason code) win; otherwise the vendor's
        numbering applied to the raw codes `digit_codes(n)` that mean "the key numbered n"."""
        if explicit:
            return cls({raw: choice_for_value(int(v)) for raw, v in explicit.items()})
        mapping: dict[Hashable, Choice] = {}
        for number, level in vendor_codes(vendor or DEFAULT_VENDOR).items():
            for raw in digit_codes(number):
                mapping[raw] = Choice(level)
        return cls(mapping)
