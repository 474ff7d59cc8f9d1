"""报表 — the figures of a period for the hall, a window or a clerk (definitions:
policies.reports), counted in SQL: grouped counts and sums with CASE over index ranges
(Case received_at / closed_at / due_date, Inquiry at, Rating at, Complaint and Petition
received_at), never a loop over cases in Python. Each query groups by window, so the
hall's report carries the quarterly window assessment (seed 002 附件9) at no extra cost.

A period is counted in batches of one calendar month (policies.reports.batches).
:func:`report` counts them all in one audited operation (the CLI, tests); the counter's
F8 screen calls :func:`report_part` once per batch through the store thread instead, so
other store calls of the counter run between batches and the screen shows the progress,
then puts the parts together with :func:`assemble`.

Who may see what: a supervisor (大厅主任, 管理员) the hall, any window and any clerk; anyone
else with data access their own figures (clerk scope, their own number) and their own
window's (the window of their post, their home window, or where they signed in today).
Clerks are named by their staff number: no report carries a name or any personal field.
The audit event records the scope and the dates only.

Complaints, 差评 follow-up and petitions are read defensively from the columns present
(those tables grow in version 5): the grounds from ``grounds`` (JSON list) or ``ground``;
属实 from ``substantiated`` or ``confirmed``; the handling end from ``closed_at`` or
``replied_at``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import peewee as pw

from policies.reports import (
    BAD_LEVELS,
    CLOSED_STATES,
    DONE,
    FOLLOWED_UP,
    RECTIFIED,
    SCOPES,
    WITHDRAWN_FOLLOWUP,
    Figures,
    Period,
    Report,
    batches,
    date_range,
    merge,
)
from store.clock import HALL_TZ, local_date
from store.database import database, read_snapshot
from store.errors import InvalidInput, PermissionDenied
from store.models import (
    Attendance,
    Case,
    Complaint,
    Inquiry,
    Petition,
    Post,
    Rating,
    RegisterMeta,
    Staff,
    Window,
)
from store.queue import RUNNING_STATES
from store.roles import DATA_ROLES, SUPERVISOR_ROLES
from store.session import Session, operation

__all__ = ["ReportPart", "assemble", "report", "report_part"]

Progress = Callable[[int, int], None]
NO_WINDOW = "—"


@dataclass(frozen=True)
class ReportPart:
    """One batch of a report: each window's figures (None: no window, e.g. petitions)."""

    period: Period
    scope: str
    key: str | None
    scope_label: str
    hall_name: str
    generated_at: dt.datetime
    units: dict[str | None, Figures]
    window_names: dict[str, str] = field(default_factory=dict)
    ground_labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Target:
    scope: str
    key: str | None
    label: str
    window_id: int | None = None
    staff_id: int | None = None


def report(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    scope: str = "hall",
    key: str | None = None,
    progress: Progress | None = None,
    label: str | None = None,
) -> Report:
    """The report of ``start``–``end`` (days included) for ``scope`` (hall / window CODE /
    clerk NUMBER), in one audited operation, month by month; ``progress(done, total)`` is
    called after each batch (on the calling thread)."""
    period = _period(start, end, label)
    with operation(session, "report.view", roles=DATA_ROLES, record_table="report") as event:
        target = _target(session, scope, key)
        event.detail = _detail(target, period)
    parts = []
    todo = batches(period)
    for n, batch in enumerate(todo, start=1):
        with read_snapshot():
            parts.append(_part(session, target, batch))
        if progress is not None:
            progress(n, len(todo))
    return assemble(period, parts)


def report_part(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    scope: str = "hall",
    key: str | None = None,
) -> ReportPart:
    """One batch (one month or less) of a report, as its own audited operation."""
    period = _period(start, end, None)
    if len(batches(period)) > 1:
        raise InvalidInput("分批统计的每一批不能跨月")
    with operation(session, "report.view", roles=DATA_ROLES, record_table="report") as event:
        target = _target(session, scope, key)
        event.detail = _detail(target, period)
    # The figures are read after the audited check, in a read-only snapshot: no write lock
    # is held while a month is counted, so the counters go on meanwhile.
    with read_snapshot():
        return _part(session, target, period)


def assemble(period: Period, parts: Iterable[ReportPart]) -> Report:
    """The report of ``period`` from its batches."""
    parts = list(parts)
    if not parts:
        raise InvalidInput("没有可汇总的统计结果")
    first = parts[0]
    units: dict[str | None, list[Figures]] = {}
    names: dict[str, str] = {}
    grounds: dict[str, str] = {}
    for part in parts:
        for code, figures in part.units.items():
            units.setdefault(code, []).append(figures)
        names.update(part.window_names)
        grounds.update(part.ground_labels)
    merged = {code: merge(figs) for code, figs in units.items()}
    windows = tuple(
        (code, f"{names.get(code, code)}", merged[code])
        for code in sorted(c for c in merged if c is not None)
    )
    return Report(
        period=period,
        scope=first.scope,
        key=first.key,
        scope_label=first.scope_label,
        hall_name=first.hall_name,
        generated_at=parts[-1].generated_at,
        totals=merge(merged.values()),
        windows=windows,
        ground_labels=grounds,
    )


# --- scope ---------------------------------------------------------------------------------


def _period(start: dt.date, end: dt.date, label: str | None) -> Period:
    if end < start:
        raise InvalidInput("统计期间的结束日期早于开始日期")
    period = date_range(start, end)
    return Period(period.first, period.last, label) if label else period


def _detail(target: _Target, period: Period) -> dict:
    return {
        "scope": target.scope,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
    }


def _target(session: Session, scope: str, key: str | None) -> _Target:
    if scope not in SCOPES:
        raise InvalidInput(f"未知的统计范围：{scope}（hall / window / clerk）")
    supervisor = session.role in SUPERVISOR_ROLES
    key = key.strip() if key else None
    if scope == "hall":
        if not supervisor:
            raise PermissionDenied("只有大厅主任可以查看全大厅报表；窗口人员可查看本人及本窗口")
        return _Target("hall", None, "全大厅")
    if scope == "clerk":
        number = key or session.staff_number
        staff = Staff.get_or_none(Staff.number == number)
        if staff is None:
            raise InvalidInput(f"未知的工号：{number}")
        if not supervisor and staff.id != session.staff_id:
            raise PermissionDenied("窗口人员只能查看本人及本窗口的报表")
        return _Target("clerk", number, f"工号 {number}", staff_id=staff.id)
    if not key:
        raise InvalidInput("请指定窗口代码")
    window = Window.get_or_none(Window.code == key)
    if window is None:
        raise InvalidInput(f"未知的窗口：{key}")
    if not supervisor and window.id not in _own_windows(session):
        raise PermissionDenied("窗口人员只能查看本人及本窗口的报表")
    return _Target("window", key, f"{window.name}（{window.code}）", window_id=window.id)


def _own_windows(session: Session) -> set[int]:
    me = session.staff_id
    own = {p.window_id for p in Post.select(Post.window).where(Post.staff == me)}
    home = Staff.select(Staff.window).where(Staff.id == me).scalar()
    if home:
        own.add(home)
    today = local_date(session.now())
    own |= {
        a.window_id
        for a in Attendance.select(Attendance.window).where(
            (Attendance.staff == me) & (Attendance.work_date == today)
        )
        if a.window_id
    }
    return own


# --- one batch -----------------------------------------------------------------------------


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(period.first, dt.time(0), HALL_TZ).astimezone(dt.UTC)
    end = dt.datetime.combine(period.last + dt.timedelta(days=1), dt.time(0), HALL_TZ)
    return start, end.astimezone(dt.UTC)


def _offset_hours(period: Period) -> int:
    """The hall's UTC offset (China has no summer time: +8)."""
    offset = dt.datetime.combine(period.first, dt.time(12), HALL_TZ).utcoffset()
    return int(offset.total_seconds() // 3600) if offset else 0


def _local_day(column, hours: int):
    """The hall-time calendar day of a UTC timestamp column, in SQL."""
    if isinstance(database.obj, pw.PostgresqlDatabase):
        return pw.fn.DATE(pw.NodeList((column, pw.SQL(f"+ INTERVAL '{hours} hours'"))))
    return pw.fn.DATE(column, f"{hours:+d} hours")


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _unindexed(column) -> pw.Node:
    """The column as an expression, so the planner walks the period's range of a time
    index instead of the index on this column (every case ever done)."""
    return column.concat("")


def _sum(condition) -> pw.Node:
    return pw.fn.COALESCE(pw.fn.SUM(pw.Case(None, ((condition, 1),), 0)), 0)


def _field(model, *names: str):
    for name in names:
        if name in model._meta.fields:
            return model._meta.fields[name]
    return None


def _part(session: Session, t: _Target, period: Period) -> ReportPart:
    start, end = _bounds(period)
    hours = _offset_hours(period)
    yesterday = local_date(session.now()) - dt.timedelta(days=1)
    codes = {w.id: w.code for w in Window.select(Window.id, Window.code)}
    names = {w.code: w.name for w in Window.select(Window.code, Window.name)}
    units: dict[str | None, Figures] = {}
    if t.scope == "hall":  # the assessment lists every window, one with nothing too
        for code in Window.select(Window.code).where(Window.active).tuples():
            units[code[0]] = Figures()

    def unit(window_id) -> Figures:
        code = codes.get(window_id) if window_id is not None else None
        return units.setdefault(code, Figures())

    def where(model, at, window_col, staff_col, *more):
        # ``window_col + 0`` where the period's range of a time index is the better walk
        # than a window's whole history (the closed cases have (window, closed_at)).
        cond = (at >= start) & (at < end)
        if t.window_id is not None:
            cond &= window_col == t.window_id
        if t.staff_id is not None:
            cond &= staff_col == t.staff_id
        for extra in more:
            cond &= extra
        return cond

    # --- inquiries
    q = (
        Inquiry.select(Inquiry.window, Inquiry.channel, Inquiry.disposition, pw.fn.COUNT(1))
        .where(where(Inquiry, Inquiry.at, Inquiry.window + 0, Inquiry.first_asker))
        .group_by(Inquiry.window, Inquiry.channel, Inquiry.disposition)
    )
    for window_id, channel, disposition, n in q.tuples():
        f = unit(window_id)
        f.inquiries += n
        f.inquiries_by_channel[channel] = f.inquiries_by_channel.get(channel, 0) + n
        f.inquiries_by_disposition[disposition] = f.inquiries_by_disposition.get(disposition, 0) + n

    # --- cases received, by kind
    q = (
        Case.select(Case.window, Case.kind, pw.fn.COUNT(1))
        .where(where(Case, Case.received_at, Case.window + 0, Case.accepted_by))
        .group_by(Case.window, Case.kind)
    )
    for window_id, kind, n in q.tuples():
        f = unit(window_id)
        f.received += n
        f.received_by_kind[kind] = f.received_by_kind.get(kind, 0) + n

    # --- cases closed, by final state; on time, one trip, trips for the done ones
    due = pw.Case(
        None,
        ((Case.extension_state == "approved", pw.fn.COALESCE(Case.extended_until, Case.due_date)),),
        Case.due_date,
    )
    closed_day = _local_day(Case.closed_at, hours)
    # A clerk's cases closed (or due) in the period: the period's range of closed_at
    # (due_date), filtered by clerk, not every case the clerk ever accepted.
    closer = Case.accepted_by + 0
    q = (
        Case.select(
            Case.window,
            Case.state,
            pw.fn.COUNT(1),
            _sum(due.is_null(False)),
            _sum(due.is_null(False) & (closed_day <= due)),
            _sum(Case.trips == 1),
            pw.fn.COALESCE(pw.fn.SUM(Case.trips), 0),
        )
        .where(
            where(
                Case, Case.closed_at, Case.window, closer, _unindexed(Case.state).in_(CLOSED_STATES)
            )
        )
        .group_by(Case.window, Case.state)
    )
    for window_id, state, n, timed, on_time, one_trip, trips in q.tuples():
        f = unit(window_id)
        f.closed += n
        f.closed_by_state[state] = f.closed_by_state.get(state, 0) + n
        if state == DONE:
            f.done += n
            f.timed += int(timed)
            f.on_time += int(on_time)
            f.one_trip += int(one_trip)
            f.trips += int(trips)

    # --- overdue: fell due in the period (up to yesterday) and not done by then
    last_due = min(period.last, yesterday)
    if last_due >= period.first:
        cond = (Case.due_date >= period.first) & (Case.due_date <= last_due)
        if t.window_id is not None:
            cond &= (Case.window + 0) == t.window_id
        if t.staff_id is not None:
            cond &= closer == t.staff_id
        late = (Case.closed_at.is_null() & Case.state.in_(RUNNING_STATES)) | (
            Case.closed_at.is_null(False) & (closed_day > due)
        )
        q = Case.select(Case.window, pw.fn.COUNT(1)).where(cond & late).group_by(Case.window)
        for window_id, n in q.tuples():
            unit(window_id).overdue += n

    # --- daily received and done (the sparkline), for the whole scope
    totals = units.setdefault(None, Figures())
    received_day = _local_day(Case.received_at, hours)
    q = (
        Case.select(received_day, pw.fn.COUNT(1))
        .where(where(Case, Case.received_at, Case.window + 0, Case.accepted_by))
        .group_by(received_day)
    )
    for d, n in q.tuples():
        totals.daily_received[_as_date(d)] = n
    q = (
        Case.select(closed_day, pw.fn.COUNT(1))
        .where(where(Case, Case.closed_at, Case.window, closer, _unindexed(Case.state) == DONE))
        .group_by(closed_day)
    )
    for d, n in q.tuples():
        totals.daily_done[_as_date(d)] = n

    # --- ratings
    _ratings(t, where, unit)
    # --- complaints
    grounds = _complaints(t, start, end, unit)
    # --- petitions: the hall's (and a clerk's own receptions); a window has none
    if t.scope != "window":
        _petitions(t, start, end, hours, totals)

    return ReportPart(
        period=period,
        scope=t.scope,
        key=t.key,
        scope_label=t.label,
        hall_name=_hall_name(),
        generated_at=session.now(),
        units=units,
        window_names=names,
        ground_labels=grounds,
    )


def _ratings(t: _Target, where, unit) -> None:
    state = _field(Rating, "followup_state")
    columns = [Rating.window, Rating.rated, Rating.level]
    if state is not None:
        columns.append(state)
    q = (
        Rating.select(*columns, pw.fn.COUNT(1))
        .where(where(Rating, Rating.at, Rating.window + 0, Rating.staff))
        .group_by(*columns)
    )
    for row in q.tuples():
        window_id, rated, level = row[0], row[1], row[2]
        followup = (row[3] or "") if state is not None else ""
        n = row[-1]
        if followup == WITHDRAWN_FOLLOWUP:
            continue  # an upheld appeal: not counted
        f = unit(window_id)
        if not rated:
            f.not_rated += n
            continue
        f.rated += n
        f.by_level[level] = f.by_level.get(level, 0) + n
        if level in BAD_LEVELS:
            f.bad += n
            if followup in FOLLOWED_UP:
                f.followed_up += n
            if followup in RECTIFIED:
                f.rectified += n


def _ground_labels() -> dict[str, str]:
    try:
        from policies.complaints import GROUND_LABELS
    except ImportError:  # the complaints' part not there yet
        return {}
    return {str(k): str(v) for k, v in dict(GROUND_LABELS).items()}


def _complaints(t: _Target, start, end, unit) -> dict[str, str]:
    """Complaints are few (a handful a month): their rows of the period are read and
    counted here, a short list, not the register's cases."""
    grounds = _field(Complaint, "grounds")
    ground = _field(Complaint, "ground")
    substantiated = _field(Complaint, "substantiated", "confirmed")
    handled = _field(Complaint, "closed_at", "replied_at", "handled_at")
    columns = [c for c in (Complaint.against_window, Complaint.received_at) if c is not None]
    extra = [c for c in (grounds, ground, substantiated, handled) if c is not None]
    cond = (Complaint.received_at >= start) & (Complaint.received_at < end)
    if t.window_id is not None:
        cond &= Complaint.against_window == t.window_id
    if t.staff_id is not None:
        cond &= Complaint.against_staff == t.staff_id
    for row in Complaint.select(*columns, *extra).where(cond).dicts():
        f = unit(row.get("against_window"))
        f.complaints += 1
        codes: list[str] = []
        if grounds is not None and row.get(grounds.name):
            try:
                codes = [str(c) for c in json.loads(row[grounds.name]) or []]
            except (TypeError, ValueError):
                codes = []
        if not codes and ground is not None and row.get(ground.name):
            codes = [str(row[ground.name])]
        for code in dict.fromkeys(codes):
            f.complaints_by_ground[code] = f.complaints_by_ground.get(code, 0) + 1
        if substantiated is not None and row.get(substantiated.name) is True:
            f.substantiated += 1
        ended = row.get(handled.name) if handled is not None else None
        if ended is not None:
            days = (ended - row["received_at"]).total_seconds() / 86400
            f.complaints_handled += 1
            f.handling_days += days
            f.handling_days_max = max(f.handling_days_max, days)
    return _ground_labels()


def _petitions(t: _Target, start, end, hours: int, totals: Figures) -> None:
    cond = (Petition.received_at >= start) & (Petition.received_at < end)
    if t.staff_id is not None:
        cond &= Petition.received_by == t.staff_id
    urgent = _field(Petition, "urgent")
    closed_day = _local_day(Petition.closed_at, hours)
    q = Petition.select(
        pw.fn.COUNT(1),
        _sum(Petition.serious == True),  # noqa: E712 (SQL)
        _sum(Petition.collective == True),  # noqa: E712
        _sum(urgent == True) if urgent is not None else pw.Value(0),  # noqa: E712
        _sum(Petition.closed_at.is_null(False)),
        _sum(
            Petition.closed_at.is_null(False)
            & Petition.due_date.is_null(False)
            & (closed_day <= Petition.due_date)
        ),
    ).where(cond)
    n, serious, collective, urgent_n, closed, on_time = q.tuples().get()
    totals.petitions += int(n or 0)
    totals.petitions_serious += int(serious or 0)
    totals.petitions_collective += int(collective or 0)
    totals.petitions_urgent += int(urgent_n or 0)
    totals.petitions_closed += int(closed or 0)
    totals.petitions_on_time += int(on_time or 0)


def _hall_name() -> str:
    return (
        RegisterMeta.select(RegisterMeta.value).where(RegisterMeta.key == "hall_name").scalar()
        or ""
    )
