"""Dates as a clerk types them at the counter.

A date typed without a year (``12-10``, ``12/10``, ``1210``) is in the hall's year (the
hall's date, store.clock.local_date of the session's now) — also on 31 December: ``0105``
then is 5 January of the same year. A field where only a date from today on makes sense
(a deadline: 承诺补齐日期, 新的办结日期, 顶岗至…) passes ``future=True``: there a day
already past this year means next year's (on 2026-12-31, ``0105`` → 2027-01-05). Without
``today`` (no session) only a full date with its year is accepted.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

DATE_FORMAT = "请按 YYYY-MM-DD 填写（如 2026-11-30；本年日期可只填 11-30 或 1130）"

_FULL = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})(\d{2})(\d{2})")
_SHORT = re.compile(r"(\d{1,2})-(\d{1,2})|(\d{2})(\d{2})")


def parse_date(
    text: str, what: str, *, today: dt.date | None = None, future: bool = False
) -> dt.date:
    """A date typed at the counter: 2026-11-30, 2026/11/30, 2026.11.30 or 20261130
    (full-width digits too), and with ``today`` 11-30 or 1130 (the module's rule for the
    year); ValueError with a Chinese message otherwise."""
    folded = unicodedata.normalize("NFKC", text).strip().replace("/", "-").replace(".", "-")
    match = _FULL.fullmatch(folded)
    short = _SHORT.fullmatch(folded) if match is None and today is not None else None
    if match is None and short is None:
        raise ValueError(f"{what}格式不对：{DATE_FORMAT}")
    try:
        if match is not None:
            return dt.date(*[int(p) for p in match.groups() if p is not None])
        assert today is not None
        month, day = (int(p) for p in short.groups() if p is not None)
        date = dt.date(today.year, month, day)
        if future and date < today:
            date = dt.date(today.year + 1, month, day)
        return date
    except ValueError:
        raise ValueError(f"{what}不是有效的日期：{DATE_FORMAT}") from None


def hall_today(app: Any) -> dt.date | None:
    """The hall's date for the logged-in session (None before a login)."""
    from store.clock import local_date

    session = getattr(app, "session", None)
    return local_date(session.now()) if session is not None else None
