"""Time for the register: stored in UTC, shown in Asia/Shanghai, injected so tests fix it."""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

HALL_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and imports of old records."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._at

    def advance(self, **delta: float) -> None:
        self._at += dt.timedelta(**delta)

    def set(self, at: dt.datetime) -> None:
        self._at = at.astimezone(dt.UTC)


def local_date(at: dt.datetime) -> dt.date:
    """The hall's calendar date of an instant (deadlines count in local working days)."""
    return at.astimezone(HALL_TZ).date()


def to_local(at: dt.datetime) -> dt.datetime:
    return at.astimezone(HALL_TZ)
