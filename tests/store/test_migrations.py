"""Schema versions: newer refused, older migrated after an automatic backup; the models and
the migrated schema never drift apart."""

from __future__ import annotations

import peewee as pw
import pytest
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrate

from store import migrations
from store.backup import verify_backup
from store.database import close_database, database
from store.errors import SchemaTooNew
from store.models import ALL_MODELS, Refusal, RegisterMeta, SubTask
from store.session import Register


def test_fresh_schema_has_exactly_the_models_columns(hall):
    db = database.obj
    for model in ALL_MODELS:
        table = model._meta.table_name
        in_db = {c.name for c in db.get_columns(table)}
        in_model = {f.column_name for f in model._meta.sorted_fields}
        assert in_db == in_model, f"{table}: migrate the change (new numbered migration)"


def test_newer_schema_is_refused(hall, register_url):
    RegisterMeta.update(value="99").where(RegisterMeta.key == "schema_version").execute()
    close_database()
    with pytest.raises(SchemaTooNew, match="版本为 99"):
        Register.open(register_url)


def test_older_schema_migrates_after_a_backup(hall, register_url, monkeypatch):
    close_database()

    def add_column(db: pw.Database) -> None:
        run_migrate(
            SchemaMigrator.from_database(db).add_column(
                "window", "floor", pw.IntegerField(default=1)
            )
        )

    version = migrations.latest_version()
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        [*migrations.MIGRATIONS, migrations.Migration(version + 1, "测试", add_column)],
    )
    register = Register.open(register_url)
    assert register.meta("schema_version") == str(version + 1)
    assert "floor" in {c.name for c in database.obj.get_columns("window")}
    backups = list((register.sqlite_file.parent / "backups").glob(f"*before-v{version + 1}*"))
    assert len(backups) == 1
    assert verify_backup(backups[0]).schema_version == version


def _as_before_issue_11(db: pw.Database) -> None:
    """The register as version 3 left it: the never-written draft tables of AB岗 (handover
    and 请假), no 否定报备 decision, no indexes for a clerk's open work, extension requests
    and a record's audit history."""
    for index in ("audit_event_record_id", "case_accepted_by_id_state", "case_extension_requested"):
        db.execute_sql(f'DROP INDEX IF EXISTS "{index}"')
    db.execute_sql('ALTER TABLE "refusal" DROP COLUMN "decision"')
    db.execute_sql('DROP TABLE "handover"')
    db.execute_sql('CREATE TABLE "handover" ("id" INTEGER NOT NULL PRIMARY KEY, "reason" TEXT)')
    db.execute_sql('CREATE TABLE "leave" ("id" INTEGER NOT NULL PRIMARY KEY, "kind" TEXT)')
    RegisterMeta.update(value="3").where(RegisterMeta.key == "schema_version").execute()


def _as_before_issue_10(db: pw.Database) -> None:
    """The register as version 2 left it: no limits stored with cases, no re-notification,
    no stated dates, no replaced 未评价."""
    _as_before_issue_11(db)
    db.execute_sql('DROP INDEX IF EXISTS "case_renotify"')
    db.execute_sql('DROP INDEX IF EXISTS "rating_followup_state_followup_due"')
    for table, column, _field in migrations._V3_COLUMNS:
        db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    RegisterMeta.update(value="2").where(RegisterMeta.key == "schema_version").execute()


def _as_before_issue_5(db: pw.Database) -> None:
    """The register as version 1 left it: no case-workflow columns, no 联办/否定报备 tables."""
    _as_before_issue_10(db)
    for table, column, _field in migrations._V2_COLUMNS:
        db.execute_sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    db.execute_sql(f'DROP TABLE "{Refusal._meta.table_name}"')
    db.execute_sql(f'DROP TABLE "{SubTask._meta.table_name}"')
    RegisterMeta.update(value="1").where(RegisterMeta.key == "schema_version").execute()


def test_a_register_of_version_3_gets_the_handover_table(hall, register_url):
    """The draft handover table (never written) is replaced; one holding rows is refused
    with the register unchanged."""
    from store.models import Handover

    _as_before_issue_11(database.obj)
    close_database()
    register = Register.open(register_url)
    assert register.meta("schema_version") == str(migrations.latest_version())
    db = database.obj
    assert not db.table_exists("leave")
    assert {c.name for c in db.get_columns("handover")} == {
        f.column_name for f in Handover._meta.sorted_fields
    }
    assert "case_extension_requested" in {i.name for i in db.get_indexes("case")}


def test_a_draft_handover_table_with_rows_is_not_dropped(hall, register_url):
    from store.errors import StoreError

    db = database.obj
    _as_before_issue_11(db)
    db.execute_sql("INSERT INTO \"leave\" (kind) VALUES ('x')")
    close_database()
    with pytest.raises(StoreError, match="数据表 leave 中已有数据"):
        Register.open(register_url)


def migrate_from_before_issue_5(hall, register_url) -> Register:
    """Cases and a rating written, the register cut back to version 1, opened again: the
    schema is the models' and the old cases go on through the workflow (SQLite and, from
    tests/store/test_postgres.py, PostgreSQL)."""
    from store.cases import case_detail, close_case, return_case
    from store.catalog import import_catalog
    from store.persons import upsert_person
    from store.ratings import rating_of, record_rating
    from tests.conftest import SUPERVISOR_PASSWORD
    from tests.people import PEOPLE
    from tests.store.test_cases import CATALOG, accept

    import_catalog(hall.supervisor, CATALOG)
    clerk = hall.supervisor
    who = PEOPLE[0]
    person = upsert_person(clerk, name=who.name, id_number=who.id_number).uuid
    open_case = accept(clerk, person)
    rated = accept(
        clerk, person, item_code="I001", materials={"居民身份证": "present"}, kind="immediate"
    )
    close_case(clerk, rated.number, granted=True, reasons="准予")
    record_rating(clerk, case_number=rated.number, level=1, channel="device")
    _as_before_issue_5(database.obj)
    close_database()

    register = Register.open(register_url)
    assert register.meta("schema_version") == str(migrations.latest_version())
    db = database.obj
    for model in ALL_MODELS:
        in_db = {c.name for c in db.get_columns(model._meta.table_name)}
        assert in_db == {f.column_name for f in model._meta.sorted_fields}, model

    # The cases of before read as they were and go on through the workflow.
    session = hall.login("0001", SUPERVISOR_PASSWORD)
    detail = case_detail(session, open_case.number)
    assert detail.trips == 1 and detail.state == "accepted" and detail.extension_state == ""
    assert case_detail(session, rated.number).state == "done"
    assert rating_of(session, case_number=rated.number).rated
    return_case(session, open_case.number, reasons="经核查不符合条件")
    assert case_detail(session, open_case.number).state == "returned"
    return register


def test_a_register_from_before_issue_5_gets_the_case_workflow(hall, register_url):
    register = migrate_from_before_issue_5(hall, register_url)
    backups = list((register.sqlite_file.parent / "backups").glob("*before-v2*"))
    assert len(backups) == 1 and verify_backup(backups[0]).schema_version == 1
