"""`chuangkou migrate-to URL`: a register moved with progress shown, the URL's password never
printed, a target that holds a register refused in one Chinese line, the source unchanged.

Needs a PostgreSQL test database (CHUANGKOU_TEST_PG_URL), as tests/store/test_migrate_to.py.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlparse

from tests.store import test_migrate_to
from tests.store.test_migrate_to import PG_URL, target  # noqa: F401 — fixture
from tests.tui.test_cli import SUPERVISOR_PW, _one_chinese_line, cli, db  # noqa: F401 — fixtures

pytestmark = test_migrate_to.pytestmark


def _state(url: str) -> dict[str, str]:
    folder = Path(url.removeprefix("sqlite:///")).parent
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_migrate_to_shows_progress_masks_the_password_and_refuses_a_second_time(
    cli,  # noqa: F811
    db,  # noqa: F811
    target,  # noqa: F811
):
    code, _, err = cli(
        "--db", db, "staff", "add", "1001", "--name", "王小英", "--role", "clerk", "--as", "0001",
        stdin=f"{SUPERVISOR_PW}\nchuangkou-mima-1\n",
    )  # fmt: skip
    assert code == 0, err
    before = _state(db)
    password = urlparse(target).password
    assert password  # the test URL carries one: it must not come back

    code, out, err = cli("--db", db, "migrate-to", target, "--as", "0001", stdin=SUPERVISOR_PW)

    assert code == 0, err
    assert f":{password}@" not in out + err and ":***@" in out
    assert "复制 staff：2/2" in out and "核对 audit_event" in out
    assert "逐表核对行数与每行内容，全部一致" in out and "审计链完整" in out
    assert _state(db) == before

    code, out, err = cli("--db", db, "migrate-to", target, "--as", "0001", stdin=SUPERVISOR_PW)
    _one_chinese_line(code, err)
    assert "目标数据库中已有登记本" in err
    assert f":{password}@" not in out + err


def test_migrate_to_needs_a_login_and_a_server(cli, db, tmp_path):  # noqa: F811
    code, _, err = cli("--db", db, "migrate-to", PG_URL)
    _one_chinese_line(code, err)
    assert "--as" in err
    code, _, err = cli(
        "--db", db, "migrate-to", f"sqlite:///{tmp_path / 'x.db'}", "--as", "0001",
        stdin=SUPERVISOR_PW,
    )  # fmt: skip
    _one_chinese_line(code, err)
    assert "PostgreSQL" in err
    # A server that does not answer: one line, the password masked.
    code, out, err = cli(
        "--db", db, "migrate-to", "postgresql://someone:s3cret-pw@127.0.0.1:1/chuangkou_test",
        "--as", "0001", stdin=SUPERVISOR_PW,
    )  # fmt: skip
    _one_chinese_line(code, err)
    assert "s3cret-pw" not in out + err
