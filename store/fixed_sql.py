"""Statements every counter of a hall runs on every call, as SQL written once.

Peewee builds a query's SQL anew each time it runs: for the audit chain's few statements
(an event waiting to be linked, the linking, the check after it) that was a fifth of a
station's CPU in the hall load (bench/hall.py). These are the same statements, with the
SQL made once per model and row count and the values converted by the models' own fields.
PostgreSQL's parameter style (``%s``): they serve only the hall's server.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

import peewee as pw


@functools.cache
def insert_fields(model: type[pw.Model]) -> tuple[pw.Field, ...]:
    """The columns an INSERT gives (an auto-increment id is the database's)."""
    return tuple(f for f in model._meta.sorted_fields if not isinstance(f, pw.AutoField))


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


@functools.cache
def insert_sql(model: type[pw.Model], count: int) -> str:
    """``INSERT INTO table (columns) VALUES (…), (…)`` for `count` rows."""
    fields = insert_fields(model)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    columns = _quoted(f.column_name for f in fields)
    return f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ' + ", ".join([one] * count)


def _default(field: pw.Field) -> Any:
    return field.default() if callable(field.default) else field.default


def insert_params(model: type[pw.Model], rows: Sequence[dict[str, Any]]) -> list[Any]:
    """The parameters of `insert_sql(model, len(rows))`: each row a dict by field name (a
    field not given: its default), converted as the field converts it."""
    fields = insert_fields(model)
    return [
        f.db_value(row[f.name] if f.name in row else _default(f)) for row in rows for f in fields
    ]


@functools.cache
def columns_sql(model: type[pw.Model]) -> str:
    """Every column of `model`, in field order (for RETURNING or SELECT)."""
    return _quoted(f.column_name for f in model._meta.sorted_fields)


def from_row(model: type[pw.Model], values: Sequence[Any]) -> dict[str, Any]:
    """A row read with `columns_sql(model)`, by field name, converted by the fields."""
    return {
        f.name: f.python_value(v) for f, v in zip(model._meta.sorted_fields, values, strict=True)
    }
