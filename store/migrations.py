"""Numbered schema migrations (结构版本). The register records its version; a newer one is
refused, an older one is migrated after an automatic backup.

Migration 1 creates the tables from the models as they stand at version 1. Any later change
to a model needs a new numbered migration (playhouse.migrate); a test checks that a freshly
migrated register has exactly the models' columns, so a forgotten migration fails CI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import peewee as pw

from store.database import upsert
from store.errors import SchemaTooNew, StoreError
from store.models import ALL_MODELS, RegisterMeta


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[pw.Database], None]


def _m0001_initial(db: pw.Database) -> None:
    db.create_tables(ALL_MODELS)


MIGRATIONS: list[Migration] = [
    Migration(1, "初始结构：登记本全部数据表", _m0001_initial),
]


def latest_version() -> int:
    return MIGRATIONS[-1].version


def schema_version(db: pw.Database) -> int | None:
    """The register's schema version, or None for an empty database."""
    if not db.table_exists(RegisterMeta._meta.table_name):
        return None
    row = RegisterMeta.get_or_none(RegisterMeta.key == "schema_version")
    return int(row.value) if row else None


def check_not_newer(version: int | None) -> None:
    if version is not None and version > latest_version():
        raise SchemaTooNew(
            f"登记本结构版本为 {version}，本程序只支持到 {latest_version()}：请升级 chuangkou 后再打开"
        )


def migrate(db: pw.Database, backup: Callable[[str], Path | None] | None = None) -> list[int]:
    """Bring the schema to the latest version; returns the versions applied.

    `backup(label)` is called once before migrating a register that already holds data.
    """
    version = schema_version(db)
    check_not_newer(version)
    current = version or 0
    todo = [m for m in MIGRATIONS if m.version > current]
    if not todo:
        return []
    if version is not None and backup is not None:
        backup(f"before-v{todo[0].version}")
    applied = []
    for migration in todo:
        try:
            with db.atomic():
                migration.apply(db)
                upsert(RegisterMeta, key="schema_version", value=str(migration.version))
                upsert(
                    RegisterMeta,
                    key=f"migrated_v{migration.version}",
                    value=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                )
        except pw.PeeweeException as exc:
            raise StoreError(
                f"结构迁移到版本 {migration.version} 失败（{type(exc).__name__}），登记本未改变"
            ) from exc
        applied.append(migration.version)
    return applied
