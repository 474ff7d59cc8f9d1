"""Dates as a clerk types them at the counter."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

DATE_FORMAT = "请按 YYYY-MM-DD 填写（如 2026-11-30）"


def parse_date(text: str, what: str) -> dt.date:
    """A date typed at the counter: 2026-11-30, 2026/11/30, 2026.11.30 or 20261130
    (full-width digits too); ValueError with a Chinese message otherwise."""
    folded = unicodedata.normalize("NFKC", text).strip().replace("/", "-").replace(".", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})(\d{2})(\d{2})", folded)
    if match is None:
        raise ValueError(f"{what}格式不对：{DATE_FORMAT}")
    parts = [int(p) for p in match.groups() if p is not None]
    try:
        return dt.date(*parts)
    except ValueError:
        raise ValueError(f"{what}不是有效的日期：{DATE_FORMAT}") from None
