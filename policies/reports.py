"""报表 — what each reported figure counts, the periods, and the quarterly window assessment.

Every figure is an aggregate (counts, sums, rates): no report carries a personal field.
Clerks are named by their staff number only (工号), windows by their code and name.

The definitions (the store computes them in SQL, :mod:`store.reports`; the functions here
say the same for one record, for tests and for anyone checking a figure by hand):

Periods
    A period is a range of whole days in the hall's time zone, first and last day included:
    a day, a month, a quarter (Q1 = January–March …) or any range (a range may cross the
    year end, 2026-12-15..2027-01-15). A long period is counted in batches of one calendar
    month each (:func:`batches`), so a report that grows with the register never holds the
    counter's store thread for long.

Cases (办件)
    * 受理 (received): cases whose ``received_at`` falls in the period, by kind (六件管理).
    * 办结 and the other endings: cases whose ``closed_at`` falls in the period, by final
      state (已办结 / 已退回 / 已撤回 / 不予受理). The rates below count 已办结 only.
    * 按时办结 (on time): a case done on or before its due date — ``extended_until`` when an
      extension was approved (seed 002 附件 承诺件/限时办结), else ``due_date`` — compared as
      hall-time calendar days. A case with no due date (no time limit) is left out of the
      on-time rate, numerator and denominator (:func:`is_on_time` returns None).
      按时办结率 = on time / done with a due date.
    * 超期 (overdue): cases whose (effective) due date falls in the period, up to yesterday,
      and that were not done by it — still open, or closed after it. A 即办件 late by
      minutes on its own day (store.queue's rule for today's board) is not counted here.
    * 一次办结 ("最多跑一次", seed 002 附件1 15: 落实率): a case done with ``trips == 1``.
      一次办结率 = one trip / done; 平均跑动次数 = sum of trips / done.

Inquiries (首问登记)
    Registered in the period (``at``), by channel (来访 / 电话 / 网上) and disposition.

Ratings (好差评, seed 002 附件9)
    Ratings recorded in the period (``at``); a 未评价 record replaced by a later rating
    (``replaced_at``) counts once, as the rating. Five levels, 1 非常满意 … 5 非常不满意.
    * 未评价 (``rated`` false, level 0) is counted apart and left out of the rate.
    * A 默认评价 written by the daily job (channel "default", e.g. 广东's 基本满意 after 7
      days) is a rating at its level: it counts.
    * A 差评 whose appeal was upheld (follow-up state "withdrawn": the rating was mistaken)
      is not counted at all.
    * 满意率 = (非常满意 + 满意 + 基本满意) / rated.
    * 差评 = 不满意 + 非常不满意. 跟进率 = 差评 past 待核实 (verified, rectified, closed) / 差评;
      整改率 = 差评 rectified (rectified, closed) / 差评.

Complaints (投诉, seed 002 附件6)
    Received in the period. A complaint may name several grounds: each ground counts it once
    (so the grounds add up to more than the total). 属实 (substantiated) = the complaint's
    finding confirmed it (column ``substantiated`` where present, else ``confirmed``).
    处理时长 = natural days from receipt to 办结 (``closed_at``; ``replied_at`` where the
    register has no closing date yet), over the complaints handled so far: average and
    longest. Attributed to the window (``against_window``) and clerk (``against_staff``)
    complained about.

Petitions (信访)
    Received in the period: total, 重大 / 集体 / 紧急, 已办结, and 按期办结 (closed on or before
    ``due_date``). Petitions are the hall's: a window's report has none; a clerk's counts
    those the clerk received.

The quarterly window assessment (窗口季度考核, seed 002 附件9 and 附件1)
    附件9 says only that the 好差评 results are 纳入窗口季度考核; the seed gives no columns,
    weights or score. The table (:data:`ASSESSMENT_COLUMNS`) is therefore built from the
    figures above, one row per window for the quarter: 受理, 办结, 按时办结率, 超期,
    一次办结率, 评价数, 满意率, 差评, 整改率, 投诉属实. No score is computed: weights
    would be an invention; a hall that has them can apply them to the exported table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields

from policies.cases import KINDS, STATES, State
from policies.errors import PolicyError
from policies.settings import RATING_LEVELS

__all__ = [
    "ASSESSMENT_COLUMNS",
    "BAD_LEVELS",
    "DISPOSITION_LABELS",
    "FOLLOWED_UP",
    "INQUIRY_CHANNEL_LABELS",
    "RECTIFIED",
    "SATISFIED_LEVELS",
    "SCOPES",
    "SCOPE_LABELS",
    "Figures",
    "Period",
    "Report",
    "ReportRow",
    "assessment_rows",
    "average",
    "batches",
    "date_range",
    "day",
    "is_on_time",
    "merge",
    "month",
    "parse_period",
    "percent",
    "quarter",
    "quarter_of",
    "rate",
    "report_rows",
]

SCOPES = ("hall", "window", "clerk")
SCOPE_LABELS = {"hall": "全大厅", "window": "窗口", "clerk": "工作人员"}

#: 非常满意, 满意, 基本满意 (levels 1–3) count as satisfied; 不满意, 非常不满意 are 差评.
SATISFIED_LEVELS = (1, 2, 3)
BAD_LEVELS = (4, 5)
#: 差评 follow-up states (policies.followup) that count as followed up / rectified.
FOLLOWED_UP = frozenset({"verified", "rectified", "closed", "contacted"})
RECTIFIED = frozenset({"rectified", "closed"})
#: An upheld appeal: the 差评 was mistaken and is not counted.
WITHDRAWN_FOLLOWUP = "withdrawn"

INQUIRY_CHANNEL_LABELS = {"visit": "来访", "phone": "电话", "online": "网上"}
DISPOSITION_LABELS = {
    "answered": "当场答复",
    "accepted": "本窗口受理",
    "referred": "转办",
    "escalated": "报主任",
    "open": "未处理",
}
CLOSED_STATES = tuple(s.id.value for s in STATES.values() if s.terminal)
DONE = State.DONE.value


class ReportError(PolicyError):
    """A period or scope that cannot be read (one Chinese line)."""


# --- periods ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole hall-time days, ``first`` to ``last`` included."""

    first: dt.date
    last: dt.date
    label: str

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ReportError("统计期间的结束日期早于开始日期")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def each_day(self) -> Iterable[dt.date]:
        for n in range(self.days):
            yield self.first + dt.timedelta(days=n)


def day(d: dt.date) -> Period:
    return Period(d, d, f"{d:%Y-%m-%d}")


def month(year: int, m: int) -> Period:
    first = dt.date(year, m, 1)
    nxt = dt.date(year + (m == 12), m % 12 + 1, 1)
    return Period(first, nxt - dt.timedelta(days=1), f"{year}年{m}月")


def quarter(year: int, q: int) -> Period:
    if q not in (1, 2, 3, 4):
        raise ReportError(f"季度应为 1–4：{q}")
    first = dt.date(year, 3 * q - 2, 1)
    last = month(year, 3 * q).last
    return Period(first, last, f"{year}年第{q}季度")


def quarter_of(d: dt.date) -> Period:
    return quarter(d.year, (d.month - 1) // 3 + 1)


def date_range(first: dt.date, last: dt.date) -> Period:
    return Period(first, last, f"{first:%Y-%m-%d}至{last:%Y-%m-%d}")


_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
#: The years a report may cover: a register's own (9999-12-31 has no next day to count
#: from, and 0001..9999 would be read month by month for ten thousand years).
REPORT_YEARS = range(2000, 2101)


def parse_period(text: str) -> Period:
    """``2026Q4`` · ``2026-11`` · ``2026-11-23`` · ``2026-10-01..2026-12-31``."""
    period = _parse_period(text)
    if period.first.year not in REPORT_YEARS or period.last.year not in REPORT_YEARS:
        first, last = REPORT_YEARS[0], REPORT_YEARS[-1]
        raise ReportError(f"统计期间应在 {first}–{last} 年之内：{text.strip()}")
    return period


def _parse_period(text: str) -> Period:
    t = text.strip().upper().replace("／", "/")
    try:
        if m := re.fullmatch(r"(\d{4})-?Q([1-4])", t):
            return quarter(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})", t):
            return month(int(m[1]), int(m[2]))
        if m := re.fullmatch(_DATE, t):
            return day(dt.date(int(m[1]), int(m[2]), int(m[3])))
        if m := re.fullmatch(_DATE + r"\s*(?:\.\.|~|至)\s*" + _DATE, t):
            first = dt.date(int(m[1]), int(m[2]), int(m[3]))
            last = dt.date(int(m[4]), int(m[5]), int(m[6]))
            return date_range(first, last)
    except ValueError as exc:  # 2026-13, 2026-02-30
        raise ReportError(f"无效的日期：{text.strip()}") from exc
    raise ReportError(
        f"无法识别的统计期间：{text.strip()}（例：2026Q4、2026-11、2026-11-23、2026-10-01..2026-12-31）"
    )


def batches(period: Period) -> tuple[Period, ...]:
    """The period cut at calendar-month boundaries: one batch per (part of a) month."""
    out = []
    first = period.first
    while first <= period.last:
        last = min(month(first.year, first.month).last, period.last)
        out.append(date_range(first, last))
        first = last + dt.timedelta(days=1)
    return tuple(out)


# --- one record, by definition -----------------------------------------------------------


def is_on_time(
    closed_on: dt.date,
    due_date: dt.date | None,
    extended_until: dt.date | None = None,
    extension_approved: bool = False,
) -> bool | None:
    """按时办结: done on or before the (approved extended) due date; None without a limit."""
    due = extended_until if extension_approved and extended_until else due_date
    if due is None:
        return None
    return closed_on <= due


def rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def percent(numerator: int, denominator: int) -> str:
    """66.7% — or — when there is nothing to count."""
    r = rate(numerator, denominator)
    return "—" if r is None else f"{100 * r:.1f}%"


def average(total: float, count: int, digits: int = 1) -> str:
    return "—" if not count else f"{total / count:.{digits}f}"


# --- figures ---------------------------------------------------------------------------


@dataclass
class Figures:
    """The counts of one unit (a window, or a whole report) over a period; every field adds
    up across batches and windows (:func:`merge`), except the ``*_max`` ones (largest)."""

    inquiries: int = 0
    inquiries_by_channel: dict[str, int] = field(default_factory=dict)
    inquiries_by_disposition: dict[str, int] = field(default_factory=dict)
    received: int = 0
    received_by_kind: dict[str, int] = field(default_factory=dict)
    closed: int = 0
    closed_by_state: dict[str, int] = field(default_factory=dict)
    done: int = 0
    timed: int = 0  # done with a due date
    on_time: int = 0
    overdue: int = 0
    one_trip: int = 0
    trips: int = 0
    rated: int = 0
    not_rated: int = 0
    by_level: dict[int, int] = field(default_factory=dict)
    bad: int = 0
    followed_up: int = 0
    rectified: int = 0
    complaints: int = 0
    complaints_by_ground: dict[str, int] = field(default_factory=dict)
    substantiated: int = 0
    complaints_handled: int = 0
    handling_days: float = 0.0
    handling_days_max: float = 0.0
    petitions: int = 0
    petitions_serious: int = 0
    petitions_collective: int = 0
    petitions_urgent: int = 0
    petitions_closed: int = 0
    petitions_on_time: int = 0
    daily_received: dict[dt.date, int] = field(default_factory=dict)
    daily_done: dict[dt.date, int] = field(default_factory=dict)

    @property
    def satisfied(self) -> int:
        return sum(self.by_level.get(level, 0) for level in SATISFIED_LEVELS)


def merge(parts: Iterable[Figures]) -> Figures:
    """The sum of ``parts`` (the ``*_max`` fields: the largest)."""
    total = Figures()
    for part in parts:
        for f in fields(Figures):
            mine, theirs = getattr(total, f.name), getattr(part, f.name)
            if isinstance(theirs, dict):
                for k, v in theirs.items():
                    mine[k] = mine.get(k, 0) + v
            elif f.name.endswith("_max"):
                setattr(total, f.name, max(mine, theirs))
            else:
                setattr(total, f.name, mine + theirs)
    return total


@dataclass(frozen=True)
class Report:
    """A report: its period and scope, the totals, and each window's figures."""

    period: Period
    scope: str  # hall | window | clerk
    key: str | None  # the window code or staff number
    scope_label: str  # 全大厅 / 民政窗口（minzheng） / 工号 1001
    hall_name: str
    generated_at: dt.datetime
    totals: Figures
    windows: tuple[tuple[str, str, Figures], ...]  # (code, name, figures), by code
    ground_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.hall_name} {self.scope_label} 统计报表（{self.period.label}）"

    def daily(self) -> tuple[tuple[dt.date, int, int], ...]:
        """(day, received, done) for every day of the period, zero days included."""
        t = self.totals
        return tuple(
            (d, t.daily_received.get(d, 0), t.daily_done.get(d, 0)) for d in self.period.each_day()
        )


@dataclass(frozen=True)
class ReportRow:
    section: str
    label: str
    value: str


def report_rows(report: Report) -> tuple[ReportRow, ...]:
    """The report's figures as (section, label, value) rows, the way every export and the
    screen's table lay them out."""
    f = report.totals
    rows: list[ReportRow] = []

    def add(section: str, label: str, value) -> None:
        rows.append(ReportRow(section, label, str(value)))

    s = "首问登记"
    add(s, "首问登记", f.inquiries)
    for code, label in INQUIRY_CHANNEL_LABELS.items():
        add(s, f"渠道：{label}", f.inquiries_by_channel.get(code, 0))
    for code, label in DISPOSITION_LABELS.items():
        if code in f.inquiries_by_disposition or code != "open":
            add(s, f"处理：{label}", f.inquiries_by_disposition.get(code, 0))
    s = "办件"
    add(s, "受理", f.received)
    for kind in KINDS.values():
        add(s, f"受理：{kind.label}", f.received_by_kind.get(kind.id.value, 0))
    for state in STATES.values():
        if state.terminal:
            add(s, state.label, f.closed_by_state.get(state.id.value, 0))
    add(s, "按时办结", f.on_time)
    add(s, "按时办结率", percent(f.on_time, f.timed))
    add(s, "超期", f.overdue)
    add(s, "一次办结", f.one_trip)
    add(s, "一次办结率", percent(f.one_trip, f.done))
    add(s, "平均跑动次数", average(f.trips, f.done, 2))
    s = "好差评"
    add(s, "评价", f.rated)
    for level, label in enumerate(RATING_LEVELS, start=1):
        add(s, label, f.by_level.get(level, 0))
    add(s, "未评价", f.not_rated)
    add(s, "满意率", percent(f.satisfied, f.rated))
    add(s, "差评", f.bad)
    add(s, "差评已跟进", f.followed_up)
    add(s, "跟进率", percent(f.followed_up, f.bad))
    add(s, "差评已整改", f.rectified)
    add(s, "整改率", percent(f.rectified, f.bad))
    s = "投诉"
    add(s, "投诉", f.complaints)
    order = {code: i for i, code in enumerate(report.ground_labels)}  # the seed's order
    for code, n in sorted(
        f.complaints_by_ground.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])
    ):
        add(s, f"事由：{report.ground_labels.get(code, code)}", n)
    add(s, "属实", f.substantiated)
    add(s, "已办结", f.complaints_handled)
    add(s, "平均处理天数", average(f.handling_days, f.complaints_handled))
    add(s, "最长处理天数", f"{f.handling_days_max:.1f}" if f.complaints_handled else "—")
    if report.scope != "window":
        s = "信访"
        add(s, "信访", f.petitions)
        add(s, "重大", f.petitions_serious)
        add(s, "集体", f.petitions_collective)
        add(s, "紧急", f.petitions_urgent)
        add(s, "已办结", f.petitions_closed)
        add(s, "按期办结", f.petitions_on_time)
    return tuple(rows)


#: 窗口季度考核 (seed 002 附件9): the columns; see the module's docstring for why no score.
ASSESSMENT_COLUMNS = (
    "窗口",
    "受理",
    "办结",
    "按时办结率",
    "超期",
    "一次办结率",
    "评价数",
    "满意率",
    "差评",
    "整改率",
    "投诉属实",
)


def assessment_rows(report: Report) -> tuple[tuple[str, ...], ...]:
    """One row per window (then 合计), the columns of :data:`ASSESSMENT_COLUMNS`."""

    def row(name: str, f: Figures) -> tuple[str, ...]:
        return (
            name,
            str(f.received),
            str(f.done),
            percent(f.on_time, f.timed),
            str(f.overdue),
            percent(f.one_trip, f.done),
            str(f.rated),
            percent(f.satisfied, f.rated),
            str(f.bad),
            percent(f.rectified, f.bad),
            str(f.substantiated),
        )

    out = [row(name, f) for _code, name, f in report.windows]
    out.append(row("合计", report.totals))
    return tuple(out)
