"""The hall's register server (deploy/server): roles, the nightly dump, the restore drill.

Run against the test PostgreSQL server (CHUANGKOU_TEST_PG_URL, .ci/postgres.sh) as root,
in a database and roles of this test's own, all removed afterwards. install-server.sh
`setup` itself (apt, TLS, pg_hba.conf) changes a whole server and is not run here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import pytest

from store.auth import login
from store.database import close_database
from store.keyslots import OWASP_MINIMUM_KDF
from store.persons import find_by_id_number, upsert_person
from store.session import Register
from store.setup import create_register
from store.staff import add_staff
from tests.conftest import CLERK_PASSWORD, SUPERVISOR_PASSWORD
from tests.people import PEOPLE

SERVER = Path(__file__).resolve().parents[2] / "deploy" / "server"
PG_URL = os.environ.get("CHUANGKOU_TEST_PG_URL", "")
APP = Path(sys.executable).with_name("chuangkou")
SUFFIX = f"t{os.getpid()}"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="CHUANGKOU_TEST_PG_URL 未设置：没有测试用的 PostgreSQL"),
    pytest.mark.skipif(os.geteuid() != 0, reason="需要 root（以 postgres 用户运行服务器脚本）"),
    pytest.mark.skipif(not shutil.which("runuser"), reason="没有 runuser"),
]


class Server:
    def __init__(self) -> None:
        url = urlparse(PG_URL)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 5432
        self.db = f"ck_deploy_{SUFFIX}"
        self.owner = f"ck_owner_{SUFFIX}"
        self.counter = f"ck_counter_{SUFFIX}"
        self.env = {
            **os.environ,
            "PGPORT": str(self.port),
            "CHUANGKOU_PG_DB": self.db,
            "CHUANGKOU_PG_OWNER": self.owner,
            "CHUANGKOU_PG_COUNTER": self.counter,
        }
        self.station_role = ""
        self.station_password = ""

    def url(self, role: str, password: str) -> str:
        return f"postgresql://{role}:{password}@{self.host}:{self.port}/{self.db}"

    def run(self, *cmd: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            cmd, env=self.env, input=input, capture_output=True, text=True, timeout=120, check=False
        )

    def sql(self, statement: str, db: str = "postgres") -> str:
        done = self.run(
            "runuser", "-u", "postgres", "--",
            "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", statement,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def server():
    server = Server()
    try:
        done = server.run("bash", str(SERVER / "install-server.sh"), "grants")
        assert done.returncode == 0, done.stderr
        server.sql(f"ALTER ROLE {server.owner} PASSWORD 'owner-mima-1'")
        _, supervisor, _ = create_register(
            server.url(server.owner, "owner-mima-1"),
            hall_name="示例镇便民服务中心",
            hall_code="SLZ",
            supervisor_number="0001",
            supervisor_name="林主任",
            password=SUPERVISOR_PASSWORD,
            kdf=OWASP_MINIMUM_KDF,
        )
        add_staff(supervisor, number="1001", name="王小英", role="clerk", password=CLERK_PASSWORD)
        close_database()
        # after `chuangkou init`: the audit trail becomes append-only for the stations
        done = server.run("bash", str(SERVER / "install-server.sh"), "grants")
        assert done.returncode == 0, done.stderr
        done = server.run(
            "bash", str(SERVER / "install-server.sh"), "add-station", f"bmfw-{SUFFIX}"
        )
        assert done.returncode == 0, done.stderr
        (pgpass,) = done.stdout.splitlines()  # *:*:db:role:password, for the station's pgpass
        _, _, db, server.station_role, server.station_password = pgpass.split(":")
        assert (db, server.station_role) == (server.db, f"station_bmfw_{SUFFIX}")
        yield server
    finally:
        close_database()
        server.sql(f"DROP DATABASE IF EXISTS {server.db} WITH (FORCE)")
        for role in (f"station_bmfw_{SUFFIX}", server.counter, server.owner):
            server.sql(f"DROP ROLE IF EXISTS {role}")


def test_a_station_works_the_register_but_cannot_change_its_tables_or_its_audit(server) -> None:
    station_url = server.url(server.station_role, server.station_password)
    register = Register.open(station_url, station="bmfw-03")
    try:
        clerk = login(register, "1001", CLERK_PASSWORD)
        person = PEOPLE[0]
        upsert_person(clerk, name=person.name, id_number=person.id_number, phone=person.phone)
        assert find_by_id_number(clerk, person.id_number).phone == person.phone
    finally:
        close_database()

    refused = [
        "CREATE TABLE intruder (x int)",
        "DROP TABLE person",
        "ALTER TABLE person ADD COLUMN x int",
        "UPDATE audit_event SET action = action",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ]
    with psycopg2.connect(station_url) as conn:
        for statement in refused:
            with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(statement)
            conn.rollback()
        with conn.cursor() as cur:  # what the application does, it may
            cur.execute("SELECT count(*) FROM audit_event")
            assert cur.fetchone()[0] > 0

    # A lost station is shut out alone.
    done = server.run("bash", str(SERVER / "install-server.sh"), "remove-station", f"bmfw-{SUFFIX}")
    assert done.returncode == 0, done.stderr
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(station_url).close()


def test_the_nightly_dump_is_still_sealed_and_the_restore_drill_opens_it(server) -> None:
    backups = Path(tempfile.mkdtemp(prefix="chuangkou-pgdump-"))
    try:
        shutil.chown(backups, "postgres", "postgres")
        server.env["CHUANGKOU_BACKUP_DIR"] = str(backups)
        done = server.run(
            "runuser", "-u", "postgres", "--", "bash", str(SERVER / "chuangkou-pg-backup.sh")
        )
        assert done.returncode == 0, done.stderr
        (dump,) = backups.iterdir()
        assert dump.name.startswith(server.db) and dump.suffix == ".dump"
        assert dump.stat().st_mode & 0o777 == 0o600

        # The dump as SQL: the person is in it, sealed; nothing of them in clear.
        sql = subprocess.run(
            ["pg_restore", "--file=-", str(dump)], capture_output=True, timeout=120, check=True
        ).stdout
        assert b"COPY public.person " in sql and b"COPY public.audit_event " in sql
        person = PEOPLE[0]
        for secret in (person.name, person.id_number, person.phone):
            for encoding in ("utf-8", "gbk", "utf-16-le"):
                assert secret.encode(encoding) not in sql, (secret, encoding)

        # The drill: restored into a scratch database, opened, the chain verified, dropped.
        server.env["CHUANGKOU"] = str(APP)
        done = server.run(
            "bash", str(SERVER / "restore-drill.sh"), str(dump), "--as", "0001",
            input=SUPERVISOR_PASSWORD + "\n",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert "演练通过" in done.stderr and "person 1" in done.stdout, done.stdout + done.stderr
        left = server.sql("SELECT datname FROM pg_database WHERE datname LIKE 'chuangkou_drill_%'")
        assert left == ""
    finally:
        shutil.rmtree(backups, ignore_errors=True)
