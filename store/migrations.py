"""Numbered schema migrations (结构版本). The register records its version; a newer one is
refused, an older one is migrated after an automatic backup.

Migration 1 creates the tables from the models as they stand today, so a new register is
complete after it. Every later change to a model needs a new numbered migration
(playhouse.migrate) for the registers created before it; such a migration adds only what is
missing, because on a new register migration 1 already made it. Tests check that a freshly
migrated register, and one built with the version-1 schema of before issue 5, have exactly
the models' columns, so a forgotten migration fails CI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import peewee as pw

from store.database import UtcDateTimeField, upsert
from store.errors import SchemaTooNew, StoreError
from store.models import ALL_MODELS, Refusal, RegisterMeta, SubTask


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[pw.Database], None]


def _m0001_initial(db: pw.Database) -> None:
    db.create_tables(ALL_MODELS)


def _with_default(field: pw.Field, sql_default: str) -> pw.Field:
    """A NOT NULL column added with its default in the DDL: rows already there get the value
    in one ALTER TABLE (no table rebuild on SQLite, where a rebuild would fight the foreign
    keys)."""
    field.constraints = [pw.SQL(f"DEFAULT {sql_default}")]
    return field


#: Version 2 (issue 5): the case workflow's columns, frozen here as they were added.
_V2_COLUMNS: tuple[tuple[str, str, pw.Field], ...] = (
    ("case", "trips", _with_default(pw.IntegerField(default=1), "1")),
    ("case", "proxy_name_enc", pw.BlobField(null=True)),
    ("case", "proxy_id_enc", pw.BlobField(null=True)),
    ("case", "proxy_phone_enc", pw.BlobField(null=True)),
    ("case", "supplements", _with_default(pw.TextField(default="[]"), "'[]'")),
    ("case", "omission", _with_default(pw.BooleanField(default=False), "FALSE")),
    ("case", "granted", pw.BooleanField(null=True)),
    ("case", "extension_state", _with_default(pw.CharField(max_length=16, default=""), "''")),
    ("case", "extension_requested", pw.DateField(null=True)),
    ("case", "forward_by", pw.DateField(null=True)),
    ("case", "forwarded_at", UtcDateTimeField(null=True)),
    ("case", "forward_reference", _with_default(pw.CharField(max_length=64, default=""), "''")),
    ("case", "proposed_action", _with_default(pw.CharField(max_length=16, default=""), "''")),
    ("case", "extended_from", pw.DateField(null=True)),
    ("rating", "rated", _with_default(pw.BooleanField(default=True), "TRUE")),
)


def add_missing_columns(
    db: pw.Database, columns: tuple[tuple[str, str, pw.Field], ...]
) -> list[str]:
    """Add each (table, column, field) the table does not have yet; returns what was added."""
    from playhouse.migrate import SchemaMigrator
    from playhouse.migrate import migrate as run_migrate

    migrator = SchemaMigrator.from_database(db)
    present: dict[str, set[str]] = {}
    added = []
    for table, column, field in columns:
        names = present.setdefault(table, {c.name for c in db.get_columns(table)})
        if column not in names:
            run_migrate(migrator.alter_add_column(table, column, field, allow_not_null=True))
            names.add(column)
            added.append(f"{table}.{column}")
    return added


#: Version 3 (issue 10): limits stored with cases, re-notification, stated dates, replaced
#: 未评价 records.
_V3_COLUMNS: tuple[tuple[str, str, pw.Field], ...] = (
    ("case", "limit_days", pw.IntegerField(null=True)),
    ("case", "renotify", _with_default(pw.BooleanField(default=False), "FALSE")),
    ("notice", "stated", _with_default(pw.TextField(default="{}"), "'{}'")),
    ("rating", "replaced_at", UtcDateTimeField(null=True)),
)


def _m0002_case_workflow(db: pw.Database) -> None:
    # 联办分工 and 否定报备 are new tables: created as the models stand (safe: a new register
    # has them from migration 1).
    db.create_tables([SubTask, Refusal], safe=True)
    add_missing_columns(db, _V2_COLUMNS)


def _m0003_lifecycle(db: pw.Database) -> None:
    """Each statement handles every row at once (no Python loop over a million cases)."""
    from policies.cases import STATES
    from policies.settings import load_policy
    from store.models import Setting

    add_missing_columns(db, _V3_COLUMNS)
    # 需重新告知: a partial index of just those cases; 差评 to follow up, by date.
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "case_renotify" ON "case" ("window_id") WHERE "renotify"'
    )
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "rating_followup_state_followup_due"'
        ' ON "rating" ("followup_state", "followup_due")'
    )
    # The limit a case's due date counts, as acceptance decided it: the item's promised
    # limit, the policy's same-day limit for a 即办件, none for a 退回件.
    row = Setting.get_or_none(Setting.key == "policy")
    immediate = load_policy(row.value if row else None).deadlines.immediate_working_days
    db.execute_sql(
        'UPDATE "case" SET limit_days = (SELECT promised_limit_days FROM service_item'
        ' WHERE service_item.id = "case".item_id)'
        " WHERE limit_days IS NULL AND kind NOT IN ('immediate', 'returned')"
    )
    db.execute_sql(
        f'UPDATE "case" SET limit_days = {int(immediate)}'
        " WHERE limit_days IS NULL AND kind = 'immediate'"
    )
    # 督办 lasts until the case ends: a referred matter accepted at another window is
    # followed again by whoever was asked first.
    open_states = ", ".join(f"'{s}'" for s, st in STATES.items() if not st.terminal)
    db.execute_sql(
        "UPDATE inquiry SET state = 'open', closed_at = NULL"
        " WHERE disposition = 'referred' AND state = 'closed' AND case_id IN"
        f' (SELECT id FROM "case" WHERE state IN ({open_states}))'
    )


def _m0004_handover(db: pw.Database) -> None:
    """AB岗: the handover table as it is now (the old draft table and 请假 were never
    written by any version, so they are replaced); 否定报备 decisions; a case's history."""
    from store.models import Handover

    for table in ("handover", "leave"):
        if db.table_exists(table):
            (rows,) = db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()
            if rows:
                raise StoreError(f"数据表 {table} 中已有数据，不能自动迁移：请联系技术支持")
            db.execute_sql(f'DROP TABLE "{table}"')
    db.create_tables([Handover])
    add_missing_columns(
        db, (("refusal", "decision", _with_default(pw.CharField(max_length=16, default=""), "''")),)
    )
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "audit_event_record_id" ON "audit_event" ("record_id")'
    )
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "case_accepted_by_id_state" ON "case" ("accepted_by_id", "state")'
    )
    db.execute_sql(
        'CREATE INDEX IF NOT EXISTS "case_extension_requested" ON "case" ("state")'
        " WHERE \"extension_state\" = 'requested'"
    )


#: Version 5 (issue 12): complaints, 差评 follow-up, petitions. The complaint and petition
#: tables of version 1 were never written; their new columns are added here (a NOT NULL one
#: with its default: _with_default), and new tables go in _V5_TABLES (created as the models
#: stand, like SubTask and Refusal in version 2).
_V5_COLUMNS: tuple[tuple[str, str, pw.Field], ...] = (
    # 信访 (policies.petitions)
    ("petition", "urgent", _with_default(pw.BooleanField(default=False), "FALSE")),
    ("petition", "leader_reception", _with_default(pw.BooleanField(default=False), "FALSE")),
    ("petition", "channel", _with_default(pw.CharField(max_length=16, default="visit"), "'visit'")),
    ("petition", "visitors", _with_default(pw.IntegerField(default=1), "1")),
    ("petition", "handed_at", UtcDateTimeField(null=True)),
    ("petition", "handed_by_id", pw.IntegerField(null=True)),
    ("petition", "closed_by_id", pw.IntegerField(null=True)),
    ("petition", "alarm_seen_at", UtcDateTimeField(null=True)),
    ("petition", "alarm_seen_by_id", pw.IntegerField(null=True)),
    ("petition", "phone_enc", pw.BlobField(null=True)),
    ("petition", "department_reply_enc", pw.BlobField(null=True)),
)


#: 差评整改回访、申诉复核 (policies.followup): appended to _V5_COLUMNS below.
_V5_RATING_COLUMNS: tuple[tuple[str, str, pw.Field], ...] = (
    ("rating", "fix_due", pw.DateField(null=True)),
    ("rating", "rectify_due", pw.DateField(null=True)),
    ("rating", "followup_complex", pw.BooleanField(null=True)),
    ("rating", "contacted_at", UtcDateTimeField(null=True)),
    ("rating", "verified_at", UtcDateTimeField(null=True)),
    ("rating", "verified_by_id", pw.IntegerField(null=True)),
    ("rating", "findings_enc", pw.BlobField(null=True)),
    ("rating", "rectified_at", UtcDateTimeField(null=True)),
    ("rating", "rectified_by_id", pw.IntegerField(null=True)),
    ("rating", "measures_enc", pw.BlobField(null=True)),
    ("rating", "evidence_enc", pw.BlobField(null=True)),
    ("rating", "closed_at", UtcDateTimeField(null=True)),
    ("rating", "satisfaction", _with_default(pw.CharField(max_length=8, default=""), "''")),
    ("rating", "appeal_state", _with_default(pw.CharField(max_length=16, default=""), "''")),
    ("rating", "appeal_at", UtcDateTimeField(null=True)),
    ("rating", "appeal_reason_enc", pw.BlobField(null=True)),
    ("rating", "appeal_decided_at", UtcDateTimeField(null=True)),
    ("rating", "appeal_decided_by_id", pw.IntegerField(null=True)),
    ("rating", "appeal_note_enc", pw.BlobField(null=True)),
)
_V5_COLUMNS = _V5_COLUMNS + _V5_RATING_COLUMNS


#: 投诉 (policies.complaints): appended to _V5_COLUMNS below.
_V5_COMPLAINT_COLUMNS: tuple[tuple[str, str, pw.Field], ...] = (
    ("complaint", "grounds", _with_default(pw.TextField(default="[]"), "'[]'")),
    ("complaint", "anonymous", _with_default(pw.BooleanField(default=False), "FALSE")),
    ("complaint", "due_provisional", _with_default(pw.BooleanField(default=False), "FALSE")),
    ("complaint", "extended_from", pw.DateField(null=True)),
    ("complaint", "extended_at", UtcDateTimeField(null=True)),
    ("complaint", "extension_reason_enc", pw.BlobField(null=True)),
    ("complaint", "investigated_at", UtcDateTimeField(null=True)),
    ("complaint", "decided_at", UtcDateTimeField(null=True)),
    ("complaint", "measures_enc", pw.BlobField(null=True)),
    ("complaint", "reply_how", _with_default(pw.CharField(max_length=16, default=""), "''")),
    ("complaint", "reply_note_enc", pw.BlobField(null=True)),
    ("complaint", "satisfaction", _with_default(pw.CharField(max_length=16, default=""), "''")),
    ("complaint", "closed_at", UtcDateTimeField(null=True)),
    ("complaint", "closed_by_id", pw.IntegerField(null=True)),
    ("notice", "complaint_id", pw.IntegerField(null=True)),
)
_V5_COLUMNS = _V5_COLUMNS + _V5_COMPLAINT_COLUMNS


def _v5_tables() -> list[type[pw.Model]]:
    from store.models import RatingCallback

    return [RatingCallback]


def _m0005_complaints_petitions(db: pw.Database) -> None:
    db.create_tables(_v5_tables(), safe=True)
    add_missing_columns(db, _V5_COLUMNS)
    db.execute_sql(  # 投诉: the queue's and the board's open complaints by due date
        'CREATE INDEX IF NOT EXISTS "complaint_state_due_date" ON "complaint" ("state", "due_date")'
    )
    db.execute_sql(  # 信访: the board's open and overdue petitions
        'CREATE INDEX IF NOT EXISTS "petition_state_due_date" ON "petition" ("state", "due_date")'
    )


#: Version 6: blind indexes of a caller who gave no ID number, so 查询 finds them by name
#: or phone (rows written before are indexed on first search: store.caller_index).
_V6_COLUMNS: tuple[tuple[str, str, pw.Field], ...] = (
    ("inquiry", "caller_name_bidx", pw.CharField(max_length=32, null=True)),
    ("inquiry", "caller_phone_bidx", pw.CharField(max_length=32, null=True)),
)


def _m0006_caller_index(db: pw.Database) -> None:
    add_missing_columns(db, _V6_COLUMNS)
    for _, column, _ in _V6_COLUMNS:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "inquiry_{column}" ON "inquiry" ("{column}")')


def _m0007_inquiry_answer(db: pw.Database) -> None:
    """当场答复: the answer given, sealed like the topic."""
    add_missing_columns(db, (("inquiry", "answer_enc", pw.BlobField(null=True)),))


def _m0008_person_row_mac(db: pw.Database) -> None:
    """A MAC over each person row's sealed fields and indexes (store.row_macs)."""
    add_missing_columns(db, (("person", "row_mac", pw.CharField(max_length=64, null=True)),))


#: Version 9: the row MAC of every other table with sealed fields or blind indexes (the
#: tables as they were then). Their rows get theirs from the daily job (row_macs.backfill).
_V9_ROW_MAC_TABLES = (
    "staff",
    "case",
    "inquiry",
    "handover",
    "complaint",
    "rating",
    "rating_callback",
    "petition",
    "notice",
    "refusal",
)


def _m0009_row_macs(db: pw.Database) -> None:
    """The row MACs (store.row_macs) and each key slot's witness of the audit chain's head
    (store.witness)."""
    row_macs = tuple(
        (table, "row_mac", pw.CharField(max_length=64, null=True)) for table in _V9_ROW_MAC_TABLES
    )
    add_missing_columns(db, (*row_macs, ("key_slot", "witness", pw.TextField(null=True))))


MIGRATIONS: list[Migration] = [
    Migration(1, "初始结构：登记本全部数据表", _m0001_initial),
    Migration(
        2,
        "办件流程：跑动次数、代办人、补正、延期、上报、联办分工、否定报备、未评价",
        _m0002_case_workflow,
    ),
    Migration(
        3,
        "办件规则：办件时限随件保存、需重新告知、告知书所载日期、未评价改为回访评价；转办督办至办结",
        _m0003_lifecycle,
    ),
    Migration(4, "AB岗：交接、顶岗与收岗；否定报备的审核结论；办件经办记录", _m0004_handover),
    Migration(5, "投诉、差评整改回访与申诉、信访", _m0005_complaints_petitions),
    Migration(6, "查询：无证件号码的来电人可按姓名、电话查找", _m0006_caller_index),
    Migration(7, "首问登记：当场答复的答复内容（加密保存）", _m0007_inquiry_answer),
    Migration(8, "来访人记录的行校验：加密字段与索引绑定到记录", _m0008_person_row_mac),
    Migration(
        9,
        "全部含加密字段的记录加行校验（办件、首问登记、投诉、信访、评价等）；密钥槽记录审计链见证",
        _m0009_row_macs,
    ),
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
