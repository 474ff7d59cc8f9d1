"""The PostgreSQL server of CHUANGKOU_TEST_PG_URL, stopped and started by a test the Debian
way (pg_ctlcluster, as .ci/postgres.sh starts it), and always left running.

Stopping it ends every session on it — another test's too: the tests that use this are
marked ``pgfault`` and run serially (CI runs the suite in one process); deselect them with
``-m "not pgfault"`` when other PostgreSQL tests run beside them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str
    port: int

    def stop(self) -> None:
        """A fast shutdown (pg_ctlcluster's default): every session is ended at once."""
        _ctl(self, "stop")

    def start(self) -> None:
        """Started, and answering (pg_ctlcluster waits for that)."""
        _ctl(self, "start")

    def online(self) -> bool:
        return _status(self) == "online"


def _sudo() -> list[str]:
    return [] if os.geteuid() == 0 else ["sudo", "-n"]


def _ctl(cluster: Cluster, action: str) -> None:
    subprocess.run(
        [*_sudo(), "pg_ctlcluster", cluster.version, cluster.name, action],
        check=True,
        capture_output=True,
        timeout=60,
    )


def _clusters() -> list[list[str]]:
    out = subprocess.run(
        ["pg_lsclusters", "-h"], check=True, capture_output=True, text=True, timeout=30
    ).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def _status(cluster: Cluster) -> str:
    for fields in _clusters():
        if fields[:3] == [cluster.version, cluster.name, str(cluster.port)]:
            return fields[3]
    return "missing"


def find_cluster(url: str) -> Cluster | str:
    """The local cluster serving `url`, or why it cannot be controlled here."""
    parts = urlparse(url)
    if (parts.hostname or "") not in LOCAL_HOSTS:
        return f"{parts.hostname} is not this machine"
    if not shutil.which("pg_lsclusters") or not shutil.which("pg_ctlcluster"):
        return "pg_lsclusters/pg_ctlcluster not found (Debian's postgresql-common)"
    if os.geteuid() != 0:
        probe = subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=30)
        if probe.returncode != 0:
            return "stopping the server needs root (or sudo without a password)"
    port = parts.port or 5432
    for fields in _clusters():
        if len(fields) >= 4 and fields[2] == str(port):
            return Cluster(fields[0], fields[1], port)
    return f"no local cluster listens on port {port}"


@pytest.fixture
def pg_server():
    """The cluster of CHUANGKOU_TEST_PG_URL; running again after the test, whatever it did."""
    url = os.environ.get("CHUANGKOU_TEST_PG_URL", "")
    if not url:
        pytest.skip("CHUANGKOU_TEST_PG_URL is not set")
    cluster = find_cluster(url)
    if isinstance(cluster, str):
        pytest.skip(f"cannot stop and start the test server: {cluster}")
    if not cluster.online():
        cluster.start()
    try:
        yield cluster
    finally:
        if not cluster.online():
            cluster.start()
        wait_until_answering(url)


def wait_until_answering(url: str, timeout: float = 30) -> None:
    """Until a new connection to `url` gets an answer (a restarted server takes a moment)."""
    import psycopg2

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg2.connect(url, connect_timeout=2).close()
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def wait_for(condition, timeout: float, what: str) -> None:
    """Poll `condition` until true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.05)
