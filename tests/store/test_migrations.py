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
from store.models import ALL_MODELS, RegisterMeta
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

    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        [*migrations.MIGRATIONS, migrations.Migration(2, "测试", add_column)],
    )
    register = Register.open(register_url)
    assert register.meta("schema_version") == "2"
    assert "floor" in {c.name for c in database.obj.get_columns("window")}
    backups = list((register.sqlite_file.parent / "backups").glob("*before-v2*"))
    assert len(backups) == 1
    assert verify_backup(backups[0]).schema_version == 1
