"""Numbers people read (办件号, 首问登记号 …): `BJ20261123-0007`.

Allocated inside the caller's write transaction from one Counter row per prefix and day,
with an atomic INSERT … ON CONFLICT DO UPDATE (SQLite ≥ 3.24 and PostgreSQL alike): the
increment happens in SQL under the row's lock, so two counters never get the same number,
and a rolled-back operation gives its number back.

The row stays locked until COMMIT: the next counter asking for a number of that prefix and
day waits until then. Take the number as late as the operation can — its row written right
after, and nothing else before COMMIT (a concurrent operation's audit events are linked
after it: store.audit.link_waiting).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import peewee as pw

from store import fixed_sql
from store.database import database
from store.models import Counter

CASE = "BJ"  # 办件
INQUIRY = "SW"  # 首问登记
COMPLAINT = "TS"  # 投诉
PETITION = "XF"  # 信访
NOTICE = "TZ"  # 通知书 / 告知书
HANDOVER = "JJ"  # AB岗交接单

PREFIXES = (CASE, INQUIRY, COMPLAINT, PETITION, NOTICE, HANDOVER)

#: Prefix, day (YYYYMMDD), a dash and at least four digits (more after 9999 in a day).
NUMBER_RE = re.compile(r"^(?P<prefix>[A-Z]{2})(?P<day>\d{8})-(?P<seq>\d{4,})$")


@dataclass(frozen=True)
class ParsedNumber:
    prefix: str
    day: dt.date
    sequence: int

    @property
    def text(self) -> str:
        return format_number(self.prefix, self.day, self.sequence)


def format_number(prefix: str, day: dt.date, sequence: int) -> str:
    return f"{prefix}{day:%Y%m%d}-{sequence:04d}"


def parse_number(text: str) -> ParsedNumber | None:
    """The parts of a number of ours (case-insensitive, spaces ignored), or None."""
    match = NUMBER_RE.match("".join(text.split()).upper())
    if match is None or match["prefix"] not in PREFIXES:
        return None
    try:
        day = dt.datetime.strptime(match["day"], "%Y%m%d").date()
    except ValueError:
        return None
    return ParsedNumber(match["prefix"], day, int(match["seq"]))


def _check(prefix: str) -> None:
    if prefix not in PREFIXES:
        raise ValueError(f"unknown number prefix {prefix!r}")
    if not database.in_transaction():
        raise RuntimeError("a number must be taken inside the operation's write transaction")


def _taking(prefix: str, day: dt.date) -> pw.Insert:
    _check(prefix)
    return Counter.insert(prefix=prefix, day=day, value=1).on_conflict(
        conflict_target=[Counter.prefix, Counter.day],
        update={Counter.value: Counter.value + 1},
    )


def next_number(prefix: str, day: dt.date) -> str:
    """The next number for `prefix` on `day` (the hall's local date of the record).

    Must run inside the operation's transaction: the number is taken and the record written
    together, or neither is."""
    taken = _taking(prefix, day)
    if isinstance(database.obj, pw.PostgresqlDatabase):
        # One round trip: the row is held from here to COMMIT.
        sql, params = taken.returning(Counter.value).sql()
        value = database.execute_sql(sql, params).fetchone()[0]
    else:
        taken.execute()
        value = (
            Counter.select(Counter.value)
            .where((Counter.prefix == prefix) & (Counter.day == day))
            .scalar()
        )
    return format_number(prefix, day, value)


@functools.cache
def _numbered_insert_sql(model: type[pw.Model]) -> tuple[str, int]:
    """The INSERT of a `model` row that takes its number (PostgreSQL), and the place of
    the number among its parameters."""
    fields = fixed_sql.insert_fields(model)
    at = next(i for i, f in enumerate(fields) if f.name == "number")  # Field == builds SQL
    slots = ["%s"] * len(fields)
    slots[at] = (
        "%s || CASE WHEN n.value < 10000 THEN lpad(n.value::text, 4, '0') ELSE n.value::text END"
    )
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    table = model._meta.table_name
    sql = (
        f'WITH n AS (INSERT INTO "{Counter._meta.table_name}" ("prefix", "day", "value") '
        'VALUES (%s, %s, 1) ON CONFLICT ("prefix", "day") '
        f'DO UPDATE SET "value" = "{Counter._meta.table_name}"."value" + 1 RETURNING "value") '
        f'INSERT INTO "{table}" ({columns}) SELECT {", ".join(slots)} FROM n '
        f'RETURNING "{table}"."id", "{table}"."number"'
    )
    return sql, at


def insert_numbered(row: pw.Model, prefix: str, day: dt.date) -> None:
    """INSERT `row` (every other field set) with the next number for `prefix` on `day` in
    its `number` field. On PostgreSQL the number is taken by the INSERT itself — one
    statement, so the next counter waits for this one's number over that statement, its
    audit events and COMMIT only; elsewhere it is taken just before."""
    if not isinstance(database.obj, pw.PostgresqlDatabase):
        row.number = next_number(prefix, day)
        row.save(force_insert=True)
        return
    _check(prefix)
    sql, at = _numbered_insert_sql(type(row))
    params = fixed_sql.insert_params(type(row), [row.__data__])
    params[at] = format_number(prefix, day, 0)[:-4]  # the prefix, the day and the dash
    row.id, row.number = database.execute_sql(sql, [prefix, day, *params]).fetchone()
    row._dirty.clear()
