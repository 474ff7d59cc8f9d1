"""Working-day calendar (工作日历) for 限时办结 deadlines.

Limits count statutory working days: weekends and public holidays do not count, make-up
working days (调休上班日) do. The State Council publishes each year's holidays late in the
previous year, so the data comes from two places:

- ``chinese_calendar`` for the years it covers (its range is read at run time);
- year files a supervisor imports (``chuangkou calendar import FILE``), parsed by
  :func:`parse_year_file`. An imported year replaces the built-in data for that year
  (the supervisor's copy of the notice is the authority, e.g. for a late correction).

For a year with neither, :class:`CalendarNotCovered` is raised, or, when the caller asks
for it, a *provisional* answer is returned and marked as such (:class:`DueDate`), so the
counter can show it as 暂定 and recompute it once the year is imported. The provisional
count skips weekends and the statutory holidays, which the law fixes before each year's
notice (全国年节及纪念日放假办法, in force since 2025-01-01): 元旦 1 Jan; 春节 除夕 to 初三;
清明 (the solar term); 劳动节 1–2 May; 端午 5/5 and 中秋 15/8 of the lunar calendar; 国庆
1–3 Oct. The lunar and solar-term dates come from the ``holidays`` package
(:func:`statutory_year`, imported only when such a year is first needed). Only the notice's
调休 swaps are unknown: a provisional date may move once they are imported.

Year file (TOML)::

    year = 2027
    source = "国办发明电〔2026〕X号"      # optional: the notice it was copied from

    [[holidays]]                         # 放假日期; one entry per holiday
    name = "元旦"
    start = 2027-01-01
    end = 2027-01-03                     # optional, inclusive; omitted = one day

    [[holidays]]
    name = "端午节"
    dates = [2027-06-09]                 # or explicit dates (with or without start/end)

    [[workdays]]                         # 调休上班日 (must be a Saturday or Sunday)
    date = 2027-02-20
    name = "春节"                        # optional: the holiday it makes up for
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from policies.errors import PolicyError

__all__ = [
    "STATUTORY_SOURCE",
    "CalendarCoverage",
    "CalendarNotCovered",
    "DueDate",
    "HolidaySpan",
    "MakeupWorkday",
    "WorkCalendar",
    "YearCalendar",
    "YearFileError",
    "builtin_year",
    "builtin_years",
    "coverage",
    "dump_year_file",
    "parse_year_file",
    "statutory_year",
    "years_from_files",
]

_ONE_DAY = dt.timedelta(days=1)
_WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
# A holiday longer than this is almost certainly a typo in an end date (the longest ever
# was the 2020 Spring Festival extension).
_MAX_SPAN_DAYS = 31
_MIN_YEAR, _MAX_YEAR = 1949, 2200

# chinese_calendar names its holidays in English; the counter speaks Chinese.
_BUILTIN_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class CalendarNotCovered(PolicyError):
    """The calendar has no holiday data for ``year`` (无该年节假日数据)."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"工作日历缺少 {year} 年的节假日安排，无法按工作日计算期限。"
            f"请值班主任按国务院办公厅关于 {year} 年部分节假日安排的通知制作年历文件，"
            f"用 `chuangkou calendar import 文件` 导入；导入前的期限只能按双休日和法定节假日暂定。"
        )


class YearFileError(PolicyError):
    """A year file (年历文件) is malformed or inconsistent."""


@dataclass(frozen=True)
class HolidaySpan:
    """Consecutive days off (放假) of one holiday, both ends inclusive."""

    name: str
    start: dt.date
    end: dt.date

    def dates(self) -> Iterator[dt.date]:
        day = self.start
        while day <= self.end:
            yield day
            day += _ONE_DAY


@dataclass(frozen=True)
class MakeupWorkday:
    """A weekend day that is a working day (调休上班日)."""

    date: dt.date
    name: str = ""  # the holiday it makes up for


@dataclass(frozen=True)
class YearCalendar:
    """One year's holidays and make-up working days, normalised (sorted, merged spans)."""

    year: int
    holidays: tuple[HolidaySpan, ...]
    workdays: tuple[MakeupWorkday, ...]
    source: str = ""

    @classmethod
    def from_dates(
        cls,
        year: int,
        holidays: Mapping[dt.date, str],
        workdays: Mapping[dt.date, str],
        source: str = "",
    ) -> YearCalendar:
        """Build from day → name maps; consecutive days of one name become one span."""
        spans: list[HolidaySpan] = []
        for day in sorted(holidays):
            name = holidays[day]
            last = spans[-1] if spans else None
            if last and last.name == name and last.end + _ONE_DAY == day:
                spans[-1] = HolidaySpan(name, last.start, day)
            else:
                spans.append(HolidaySpan(name, day, day))
        makeup = tuple(MakeupWorkday(day, workdays[day]) for day in sorted(workdays))
        return cls(year, tuple(spans), makeup, source)

    def holiday_dates(self) -> dict[dt.date, str]:
        return {day: span.name for span in self.holidays for day in span.dates()}

    def workday_dates(self) -> dict[dt.date, str]:
        return {w.date: w.name for w in self.workdays}


@dataclass(frozen=True)
class DueDate:
    """A deadline; ``provisional`` when some year had no data and was counted on weekends and
    statutory holidays alone (its 调休 swaps unknown)."""

    date: dt.date
    provisional: bool = False
    missing_years: tuple[int, ...] = ()


# --- built-in data (chinese_calendar) -------------------------------------------------


@functools.cache
def builtin_years() -> tuple[int, ...]:
    """Years chinese_calendar covers, checked at run time (2004–2026 in 1.11)."""
    import chinese_calendar

    years = [day.year for day in chinese_calendar.holidays]
    return tuple(range(min(years), max(years) + 1))


@functools.cache
def _builtin_data() -> dict[int, YearCalendar]:
    import chinese_calendar

    version = getattr(chinese_calendar, "__version__", "")
    holidays: dict[int, dict[dt.date, str]] = {year: {} for year in builtin_years()}
    workdays: dict[int, dict[dt.date, str]] = {year: {} for year in builtin_years()}
    for day, name in chinese_calendar.holidays.items():
        holidays[day.year][day] = _BUILTIN_NAMES.get(str(name), str(name))
    for day, name in chinese_calendar.workdays.items():
        workdays[day.year][day] = _BUILTIN_NAMES.get(str(name), str(name))
    source = f"chinesecalendar {version}".strip()
    return {
        year: YearCalendar.from_dates(year, holidays[year], workdays[year], source)
        for year in builtin_years()
    }


def builtin_year(year: int) -> YearCalendar:
    """The built-in data of ``year`` as a YearCalendar (e.g. to dump it as a template)."""
    try:
        return _builtin_data()[year]
    except KeyError:
        raise CalendarNotCovered(year) from None


# --- statutory holidays for a year without data (holidays package) -------------------

STATUTORY_SOURCE = "法定节假日（暂定）"
# The holidays package names 农历除夕 apart; the law counts it as a day of 春节.
_STATUTORY_NAMES = {"农历除夕": "春节"}
# Its entries for the 调休 days it knows ("休息日（由 2026-01-04 调休）"): only the State
# Council's notice, imported, may supply swaps.
_SWAP_PREFIX = "休息日"


@functools.cache
def statutory_year(year: int) -> YearCalendar:
    """The statutory holidays of ``year`` without any 调休 (source 法定节假日（暂定）).

    What :class:`WorkCalendar` counts provisionally in a year with neither built-in data nor
    an imported file. Raises CalendarNotCovered if the ``holidays`` package has no lunar
    dates for ``year`` (outside about 1901–2100): then no provisional count is possible.
    """
    from holidays.countries.china import China

    days: dict[dt.date, str] = {}
    for day, raw in China(years=year, observed=False, language="zh_CN").items():
        names: list[str] = []
        for part in str(raw).split(";"):
            part = part.strip()
            if not part or part.startswith(_SWAP_PREFIX):
                continue
            part = _STATUTORY_NAMES.get(part, part)
            if part not in names:
                names.append(part)
        if names and day.year == year:
            days[day] = "、".join(names)
    if not any("春节" in name.split("、") for name in days.values()):
        raise CalendarNotCovered(year)
    return YearCalendar.from_dates(year, days, {}, STATUTORY_SOURCE)


@functools.cache
def _statutory_dates(year: int) -> dict[dt.date, str]:
    return statutory_year(year).holiday_dates()


# --- the calendar ---------------------------------------------------------------------


def _check_date(value: object) -> dt.date:
    # A datetime is a date subclass; its .date() in UTC may be the wrong local day, so the
    # caller must convert to the hall's local date first.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"expected datetime.date (local, Asia/Shanghai), got {value!r}")
    return value


class WorkCalendar:
    """Working days from chinese_calendar plus imported year files (工作日历)."""

    def __init__(self, extra_years: Mapping[int, YearCalendar] | None = None) -> None:
        years = dict(_builtin_data())
        for year, calendar in (extra_years or {}).items():
            if calendar.year != year:
                raise YearFileError(f"年历 {calendar.year} 年被登记在 {year} 年名下，年份不一致")
            years[year] = calendar
        self._years = years
        self._holidays: dict[dt.date, str] = {}
        self._workdays: dict[dt.date, str] = {}
        for calendar in years.values():
            self._holidays.update(calendar.holiday_dates())
            self._workdays.update(calendar.workday_dates())

    def covered_years(self) -> list[int]:
        return sorted(self._years)

    def is_covered(self, year: int) -> bool:
        """Whether ``year`` has built-in or imported data (else it is counted provisionally)."""
        return year in self._years

    def year(self, year: int) -> YearCalendar:
        """The data used for ``year``; raises CalendarNotCovered."""
        try:
            return self._years[year]
        except KeyError:
            raise CalendarNotCovered(year) from None

    def is_workday(self, day: dt.date, *, allow_provisional: bool = False) -> bool:
        """Whether ``day`` is a statutory working day.

        In a year without data this raises CalendarNotCovered, or with ``allow_provisional``
        answers from the statutory holidays (weekends and 法定节假日, no 调休).
        """
        day = _check_date(day)
        if day.year in self._years:
            return self._is_workday(day)
        if not allow_provisional:
            raise CalendarNotCovered(day.year)
        return day.weekday() < 5 and day not in _statutory_dates(day.year)

    def holiday_name(self, day: dt.date, *, allow_provisional: bool = False) -> str | None:
        """The holiday ``day`` belongs to (放假 or 调休上班), or None for an ordinary day.

        In a year without data: CalendarNotCovered, or with ``allow_provisional`` the
        statutory holiday's name (there are no known 调休上班 days in such a year).
        """
        day = _check_date(day)
        if day.year in self._years:
            return self._holidays.get(day) or self._workdays.get(day) or None
        if not allow_provisional:
            raise CalendarNotCovered(day.year)
        return _statutory_dates(day.year).get(day)

    def workday_problem(self, day: dt.date, what: str) -> str | None:
        """None when ``day`` is a working day (provisionally, in a year without data);
        otherwise why it cannot be chosen, in Chinese, starting with ``what``
        (e.g. "延期后的办结日期 2027-01-01 是元旦假期，须为工作日（按法定节假日暂定）")."""
        day = _check_date(day)
        if self.is_workday(day, allow_provisional=True):
            return None
        name = self.holiday_name(day, allow_provisional=True)
        why = f"{name}假期" if name else "休息日"
        text = f"{what} {day:%Y-%m-%d} 是{why}，须为工作日"
        if not self.is_covered(day.year):
            text += "（按法定节假日暂定）"
        return text

    def _is_workday(self, day: dt.date) -> bool:
        if day in self._workdays:
            return True
        return day.weekday() < 5 and day not in self._holidays

    def _workday_or_guess(self, day: dt.date, provisional: bool, missing: set[int]) -> bool:
        if day.year in self._years:
            return self._is_workday(day)
        if not provisional:
            raise CalendarNotCovered(day.year)
        missing.add(day.year)
        return day.weekday() < 5 and day not in _statutory_dates(day.year)

    def due(
        self, received: dt.date, working_days: int, *, allow_provisional: bool = False
    ) -> DueDate:
        """The ``working_days``-th working day strictly after ``received`` (限时办结).

        The count starts the day after receipt (seed 002 附件5 三.8), so a receipt on a
        weekend or holiday loses nothing. ``working_days == 0`` means the same day, even if
        that day is not a working day (the case was done on the spot). Without
        ``allow_provisional`` a year with no data raises CalendarNotCovered; with it, that
        year is counted on weekends and statutory holidays (:func:`statutory_year`) and the
        result is marked provisional.
        """
        received = _check_date(received)
        if isinstance(working_days, bool) or not isinstance(working_days, int):
            raise TypeError(f"working_days must be int, got {working_days!r}")
        if working_days < 0:
            raise ValueError(f"working_days must be >= 0, got {working_days}")
        missing: set[int] = set()
        day, counted = received, 0
        while counted < working_days:
            day += _ONE_DAY
            if self._workday_or_guess(day, allow_provisional, missing):
                counted += 1
        return DueDate(day, bool(missing), tuple(sorted(missing)))

    def due_date(self, received: dt.date, working_days: int) -> dt.date:
        """Like :meth:`due` without provisional answers: raises CalendarNotCovered."""
        return self.due(received, working_days).date

    def working_days_between(
        self, start: dt.date, end: dt.date, *, allow_provisional: bool = False
    ) -> int:
        """Working days in the half-open interval (start, end], negated when end < start.

        Exclusive of ``start``, inclusive of ``end``, so that
        ``working_days_between(r, due_date(r, n)) == n`` for every n >= 1, and
        ``working_days_between(a, b) == -working_days_between(b, a)``.
        With ``allow_provisional`` uncovered years are counted on weekends and statutory
        holidays (see :meth:`missing_years` to tell whether that happened).
        """
        start, end = _check_date(start), _check_date(end)
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        missing: set[int] = set()
        count = 0
        day = start + _ONE_DAY
        while day <= end:
            if self._workday_or_guess(day, allow_provisional, missing):
                count += 1
            day += _ONE_DAY
        return sign * count

    def working_days_left(
        self, due: dt.date, today: dt.date, *, allow_provisional: bool = False
    ) -> int:
        """Working days left until ``due`` as seen on ``today`` (剩余工作日), for the counter.

        - ``today <= due``: the working days after today up to and including the due
          date; 0 means "due today" (or only non-working days remain before it).
        - ``today > due``: negative exactly when overdue; the magnitude is the working days
          that have passed since the due date, at least 1 (a case due on Friday is
          overdue by 1 on Saturday).
        """
        due, today = _check_date(due), _check_date(today)
        if today <= due:
            return self.working_days_between(today, due, allow_provisional=allow_provisional)
        passed = self.working_days_between(due, today, allow_provisional=allow_provisional)
        return -max(1, passed)

    def missing_years(self, start: dt.date, end: dt.date) -> tuple[int, ...]:
        """Years between the two dates (inclusive) that have no data."""
        low, high = sorted((_check_date(start).year, _check_date(end).year))
        return tuple(year for year in range(low, high + 1) if year not in self._years)


# --- coverage: one status text for doctor, `calendar status` and the home screen -------

COVERAGE_HORIZON_DAYS = 60


@dataclass(frozen=True)
class CalendarCoverage:
    """Whether the calendar covers this year and what lies ahead (工作日历覆盖情况).

    ``level``: "fail" when today's year has no data (deadlines counted now are 暂定),
    "warn" when a coming year (today + 60 days, next year) has none, else "ok".
    ``message``: Chinese, at most two lines of 80 terminal cells.
    """

    level: str  # "ok" | "warn" | "fail"
    missing: tuple[int, ...]
    message: str


def coverage(calendar: WorkCalendar, today: dt.date) -> CalendarCoverage:
    """The calendar's coverage as seen on ``today`` (the hall's local date)."""
    today = _check_date(today)
    horizon = today + dt.timedelta(days=COVERAGE_HORIZON_DAYS)
    years = sorted({today.year, horizon.year, today.year + 1})
    missing = tuple(year for year in years if not calendar.is_covered(year))
    if not missing:
        listed = "、".join(str(year) for year in years)
        return CalendarCoverage("ok", (), f"工作日历已覆盖 {listed} 年")
    listed = "、".join(str(year) for year in missing)
    if today.year in missing:
        # the notice of a later year is not out yet: what to fetch now is this year's
        level, which, notice = "fail", "今年的期限", str(today.year)
    else:
        level, which, notice = "warn", "跨入该年的期限", listed
    message = (
        f"缺少 {listed} 年放假安排：{which}按双休日和法定节假日暂定，导入后重算。\n"
        f"请值班主任取得国务院办公厅 {notice} 年放假通知，运行 chuangkou calendar import 文件"
    )
    return CalendarCoverage(level, missing, message)


# --- year files -----------------------------------------------------------------------

_TOP_KEYS = {"year", "source", "holidays", "workdays"}
_HOLIDAY_KEYS = {"name", "start", "end", "dates"}
_WORKDAY_KEYS = {"name", "date"}


def _as_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise YearFileError(f"年历文件 {where}：应为日期（如 2027-01-01），不能带时刻")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise YearFileError(f"年历文件 {where}：应为日期（如 2027-01-01），实为 {value!r}")


def _as_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise YearFileError(f"年历文件 {where}：应为非空的节日名称，实为 {value!r}")
    return value.strip()


def _check_keys(table: Any, allowed: set[str], where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise YearFileError(f"年历文件 {where}：应为表（[[…]] 条目），实为 {table!r}")
    for key in table:
        if key not in allowed:
            names = "、".join(sorted(allowed))
            raise YearFileError(f"年历文件 {where}.{key}：未知的键（可用：{names}）")
    return table


def _in_year(day: dt.date, year: int, where: str) -> dt.date:
    if day.year != year:
        raise YearFileError(f"年历文件 {where}：日期 {day} 不在 {year} 年内")
    return day


def parse_year_file(text: str) -> YearCalendar:
    """Parse and validate a year file (年历文件); raises YearFileError naming the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise YearFileError(f"年历文件不是有效的 TOML：{exc}") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise YearFileError("年历文件嵌套层数过多，不是有效的年历文件") from None
    _check_keys(data, _TOP_KEYS, "顶层")
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        raise YearFileError(f"年历文件 year：缺少年份或不是整数（实为 {year!r}）")
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise YearFileError(f"年历文件 year：年份 {year} 不合理")
    source = data.get("source", "")
    if not isinstance(source, str):
        raise YearFileError(f"年历文件 source：应为文字（通知文号），实为 {source!r}")

    raw_holidays = data.get("holidays", [])
    if not isinstance(raw_holidays, list) or not raw_holidays:
        raise YearFileError("年历文件 holidays：缺少放假安排（至少应有一个 [[holidays]] 条目）")
    holidays: dict[dt.date, str] = {}
    listed_at: dict[dt.date, str] = {}
    for i, entry in enumerate(raw_holidays):
        where = f"holidays[{i}]"
        entry = _check_keys(entry, _HOLIDAY_KEYS, where)
        name = _as_name(entry.get("name"), f"{where}.name")
        days: list[tuple[dt.date, str]] = []
        if "start" in entry:
            start = _in_year(_as_date(entry["start"], f"{where}.start"), year, f"{where}.start")
            end = start
            if "end" in entry:
                end = _in_year(_as_date(entry["end"], f"{where}.end"), year, f"{where}.end")
            if end < start:
                raise YearFileError(f"年历文件 {where}.end：结束日期 {end} 早于开始日期 {start}")
            if (end - start).days >= _MAX_SPAN_DAYS:
                raise YearFileError(
                    f"年历文件 {where}.end：{start} 至 {end} 超过 {_MAX_SPAN_DAYS} 天，请核对"
                )
            days += [(day, f"{where}.start") for day in HolidaySpan(name, start, end).dates()]
        elif "end" in entry:
            raise YearFileError(f"年历文件 {where}.end：有结束日期却缺少 start")
        if "dates" in entry:
            if not isinstance(entry["dates"], list) or not entry["dates"]:
                raise YearFileError(f"年历文件 {where}.dates：应为非空的日期列表")
            for j, value in enumerate(entry["dates"]):
                key = f"{where}.dates[{j}]"
                days.append((_in_year(_as_date(value, key), year, key), key))
        if not days:
            raise YearFileError(f"年历文件 {where}：缺少日期（start/end 或 dates）")
        for day, key in days:
            if day in holidays:
                raise YearFileError(
                    f"年历文件 {key}：{day} 已在 {listed_at[day]}（{holidays[day]}）中列出"
                )
            holidays[day] = name
            listed_at[day] = where

    raw_workdays = data.get("workdays", [])
    if not isinstance(raw_workdays, list):
        raise YearFileError("年历文件 workdays：应为 [[workdays]] 条目列表")
    workdays: dict[dt.date, str] = {}
    for i, entry in enumerate(raw_workdays):
        where = f"workdays[{i}]"
        entry = _check_keys(entry, _WORKDAY_KEYS, where)
        if "date" not in entry:
            raise YearFileError(f"年历文件 {where}.date：缺少调休上班日期")
        day = _in_year(_as_date(entry["date"], f"{where}.date"), year, f"{where}.date")
        name = _as_name(entry["name"], f"{where}.name") if "name" in entry else ""
        if day in holidays:
            raise YearFileError(
                f"年历文件 {where}.date：{day} 同时被列为放假日（{listed_at[day]}，{holidays[day]}）"
            )
        if day.weekday() < 5:
            raise YearFileError(
                f"年历文件 {where}.date：{day} 是{_WEEKDAY_NAMES[day.weekday()]}，"
                "调休上班日应为周六或周日"
            )
        if day in workdays:
            raise YearFileError(f"年历文件 {where}.date：{day} 重复列出")
        workdays[day] = name
    return YearCalendar.from_dates(year, holidays, workdays, source.strip())


def _toml_str(text: str) -> str:
    # JSON's string escapes are a subset of TOML basic strings.
    return json.dumps(text, ensure_ascii=False)


def dump_year_file(calendar: YearCalendar) -> str:
    """Write a year file that :func:`parse_year_file` reads back to an equal YearCalendar.

    Hand-written rather than tomli_w so it has the documented ``[[holidays]]`` layout a
    supervisor edits (tomli_w would inline the short tables).
    """
    lines = [
        f"# {calendar.year} 年节假日安排与调休上班日（工作日历年历文件）",
        f"year = {calendar.year}",
    ]
    if calendar.source:
        lines.append(f"source = {_toml_str(calendar.source)}")
    for span in calendar.holidays:
        lines += ["", "[[holidays]]", f"name = {_toml_str(span.name)}", f"start = {span.start}"]
        if span.end != span.start:
            lines.append(f"end = {span.end}")
    for workday in calendar.workdays:
        lines += ["", "[[workdays]]", f"date = {workday.date}"]
        if workday.name:
            lines.append(f"name = {_toml_str(workday.name)}")
    return "\n".join(lines) + "\n"


def years_from_files(texts: Iterable[str]) -> dict[int, YearCalendar]:
    """Parse several year files into the ``extra_years`` map; a year twice is an error."""
    years: dict[int, YearCalendar] = {}
    for text in texts:
        calendar = parse_year_file(text)
        if calendar.year in years:
            raise YearFileError(f"年历文件：{calendar.year} 年重复导入")
        years[calendar.year] = calendar
    return years
