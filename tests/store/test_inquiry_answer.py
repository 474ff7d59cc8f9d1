"""当场答复: the answer given is stored sealed with the inquiry (never in clear in the
register), only for 当场答复, and a register of schema version 6 gets its column — on
SQLite and, with CHUANGKOU_TEST_PG_URL, on PostgreSQL."""

from __future__ import annotations

import os

import pytest
from playhouse.migrate import SchemaMigrator
from playhouse.migrate import migrate as run_migrate

from store import migrations
from store.database import close_database, database
from store.errors import InvalidInput
from store.inquiries import register_inquiry
from store.models import Inquiry, RegisterMeta
from store.session import Register
from tests.people import PEOPLE
from tests.store.test_cases import desk  # noqa: F401 — fixture

PG_URL = os.environ.get("CHUANGKOU_TEST_PG_URL", "")
ANSWER = "低保申请须带户口簿和收入证明，每月十日前交到民政窗口"


@pytest.fixture(params=["sqlite", "postgresql"])
def register_url(request, tmp_path):
    """The register on SQLite, and on the PostgreSQL test database when there is one."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'register.db'}"
        return
    if not PG_URL:
        pytest.skip("CHUANGKOU_TEST_PG_URL is not set: no PostgreSQL server to test against")
    from tests.store.test_postgres import _wipe

    close_database()
    _wipe(PG_URL)
    yield PG_URL
    close_database()


def _answered(session, answer=ANSWER, **kw):
    kw.setdefault("disposition", "answered")
    return register_inquiry(
        session,
        channel="phone",
        caller_name=PEOPLE[1].name,
        caller_phone=PEOPLE[1].phone,
        topic="低保怎么申请",
        answer=answer,
        **kw,
    )


def test_the_answer_is_stored_sealed_with_the_inquiry(desk, register_url):  # noqa: F811
    result = _answered(desk)
    row = Inquiry.get(Inquiry.number == result.number)
    assert row.answer_enc is not None and ANSWER.encode() not in bytes(row.answer_enc)
    assert desk.keys.open_text("inquiry", "answer_enc", row.uuid, row.answer_enc) == ANSWER
    if register_url.startswith("sqlite"):
        close_database()
        raw = (desk.register.sqlite_file).read_bytes()
        for text in (ANSWER, ANSWER[:8]):
            for encoding in ("utf-8", "utf-16-le"):
                assert text.encode(encoding) not in raw


def test_no_answer_is_nothing_stored_and_other_dispositions_take_none(desk):  # noqa: F811
    result = _answered(desk, answer="  ")
    assert Inquiry.get(Inquiry.number == result.number).answer_enc is None
    before = Inquiry.select().count()
    with pytest.raises(InvalidInput, match="只有当场答复才填写答复内容"):
        _answered(desk, disposition="escalated")
    assert Inquiry.select().count() == before


def test_a_register_of_version_6_gets_the_answer_column(desk, register_url):  # noqa: F811
    db = database.obj
    run_migrate(SchemaMigrator.from_database(db).drop_column("inquiry", "answer_enc"))
    RegisterMeta.update(value="6").where(RegisterMeta.key == "schema_version").execute()
    close_database()
    register = Register.open(register_url)
    assert register.meta("schema_version") == str(migrations.latest_version())
    assert "answer_enc" in {c.name for c in database.obj.get_columns("inquiry")}
