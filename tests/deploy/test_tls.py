"""TLS between a station and the hall's server: make-certs.sh and counter.env, end to end.

A throwaway PostgreSQL cluster (initdb in a temporary directory, its own port, TLS with the
certificates make-certs.sh made) is reached the way a station reaches the hall's server: the
application's register URL without a password, libpq's settings from deploy/counter.env
(verify-full against the hall CA, the password from a pgpass file).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import peewee as pw
import psycopg2
import pytest

from store.database import make_database

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SERVER_NAME = "reg.hall.lan"
BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(os.geteuid() != 0, reason="需要 root（以 postgres 用户运行临时服务器）"),
    pytest.mark.skipif(not BINARIES, reason="没有 PostgreSQL 服务器程序（/usr/lib/postgresql）"),
    pytest.mark.skipif(not shutil.which("openssl"), reason="没有 openssl"),
]


def as_postgres(*cmd: str) -> None:
    done = subprocess.run(
        ["runuser", "-u", "postgres", "--", *cmd], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def make_certs(ca: Path, server: Path, name: str = SERVER_NAME) -> None:
    done = subprocess.run(
        ["bash", str(DEPLOY / "server" / "make-certs.sh"), str(ca), str(server), name],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    work = Path(tempfile.mkdtemp(prefix="chuangkou-tls-"))
    data = work / "data"
    try:
        (work / "ca").mkdir()
        (work / "server").mkdir()
        shutil.chown(work, "postgres", "postgres")
        shutil.chown(work / "server", "postgres", "postgres")
        make_certs(work / "ca", work / "server")
        bin_dir = BINARIES[-1].parent
        as_postgres(str(bin_dir / "initdb"), "--no-sync", "-U", "postgres", "-D", str(data))
        # The rule install-server.sh writes: TLS and SCRAM, anything else refused.
        (data / "pg_hba.conf").write_text(
            "local all postgres trust\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "hostnossl all all 0.0.0.0/0 reject\n"
        )
        port = free_port()
        options = (
            f"-p {port} -k {work} -c listen_addresses=127.0.0.1 -c ssl=on "
            f"-c ssl_cert_file={work}/server/server.crt -c ssl_key_file={work}/server/server.key "
            "-c ssl_min_protocol_version=TLSv1.2 -c fsync=off"
        )
        # -l: the server logs to a file and holds none of this test's pipes open
        log = str(work / "server.log")
        as_postgres(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "start"
        )
        psql = ("psql", "-X", "-q", "-h", str(work), "-p", str(port), "-d", "postgres", "-c")
        as_postgres(*psql, "CREATE ROLE station_bmfw_03 LOGIN PASSWORD 'station-mima-1'")
        as_postgres(*psql, "CREATE DATABASE register OWNER station_bmfw_03")
        # The station's files, as deploy/README.md has them installed.
        pgpass = work / "pgpass"
        pgpass.write_text("*:*:register:station_bmfw_03:station-mima-1\n")
        pgpass.chmod(0o600)
        yield work, port
    finally:
        if (data / "postmaster.pid").exists():
            as_postgres(
                str(BINARIES[-1].parent / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"
            )
        shutil.rmtree(work, ignore_errors=True)


def counter_env(work: Path, monkeypatch) -> None:
    """deploy/counter.env's settings, its two files put where this test made them."""
    values = {}
    for line in (DEPLOY / "counter.env").read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[key] = value
    assert values["PGSSLMODE"] == "verify-full"
    values["PGSSLROOTCERT"] = str(work / "ca" / "hall-ca.crt")
    values["PGPASSFILE"] = str(work / "pgpass")
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def connect(url: str) -> pw.Database:
    db = make_database(url)  # the application's own URL → driver path
    db.connect()
    return db


def refusal(url: str) -> str:
    """What libpq said when the application could not connect (under its Chinese message)."""
    with pytest.raises(Exception) as caught:  # the store's own error, or the driver's
        connect(url).close()
    texts, exc = [], caught.value
    while exc is not None:
        texts.append(str(exc))
        exc = exc.__cause__
    return " | ".join(texts)


def test_a_station_reaches_the_server_over_verified_tls_without_a_password_in_its_url(
    server, monkeypatch
) -> None:
    work, port = server
    counter_env(work, monkeypatch)
    # libpq resolves the name; the certificate is checked against it (hostaddr: no DNS here)
    monkeypatch.setenv("PGHOSTADDR", "127.0.0.1")
    db = connect(f"postgresql://station_bmfw_03@{SERVER_NAME}:{port}/register")
    try:
        ssl, version = db.execute_sql(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
        assert ssl and version in ("TLSv1.2", "TLSv1.3")
    finally:
        db.close()


def test_a_server_with_another_name_or_another_ca_is_refused(server, monkeypatch) -> None:
    work, port = server
    counter_env(work, monkeypatch)
    monkeypatch.setenv("PGHOSTADDR", "127.0.0.1")
    # a name the certificate does not carry (a server pretending to be the register)
    said = refusal(f"postgresql://station_bmfw_03@other.hall.lan:{port}/register")
    assert "does not match host name" in said
    # a certificate from another CA
    other = work / "other-ca"
    other.mkdir()
    make_certs(other, other)
    monkeypatch.setenv("PGSSLROOTCERT", str(other / "hall-ca.crt"))
    said = refusal(f"postgresql://station_bmfw_03@{SERVER_NAME}:{port}/register")
    assert "certificate verify failed" in said


def test_a_connection_without_tls_is_refused(server) -> None:
    _, port = server
    with pytest.raises(psycopg2.OperationalError, match="no encryption"):
        psycopg2.connect(
            host="127.0.0.1", port=port, user="station_bmfw_03", password="station-mima-1",
            dbname="register", sslmode="disable",
        )  # fmt: skip
