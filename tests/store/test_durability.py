"""A writer killed with SIGKILL at random moments loses nothing it reported committed, and
leaves a database that passes integrity_check and an audit chain that verifies."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from store import audit
from store.models import Person
from tests.conftest import CLERK_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
KILLS = 30


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_committed(hall, register_url):
    keys = hall.supervisor.keys
    db_file = Path(register_url.removeprefix("sqlite:///"))
    rng = random.Random(20261122)
    committed: list[str] = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for round_no in range(KILLS):
        lines_before_kill = rng.randint(1, 12)
        writer = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.store.writer_process",
                register_url,
                f"13{round_no:03d}",
                CLERK_PASSWORD,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        for _ in range(lines_before_kill):
            line = writer.stdout.readline()
            if not line:
                pytest.fail(f"writer died on its own: {writer.stderr.read()[-500:]}")
            committed.append(line.strip())
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        writer.stdout.close()
        writer.stderr.close()

        raw = sqlite3.connect(db_file)
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        raw.close()
        result = audit.verify(keys.audit_key)
        assert result.ok, f"round {round_no}: {result.message}"
        wanted = {keys.blind("phone", phone) for phone in committed}
        found = {
            p.phone_bidx
            for p in Person.select(Person.phone_bidx).where(Person.phone_bidx.in_(list(wanted)))
        }
        assert wanted == found, f"round {round_no}: {len(wanted - found)} committed records lost"
    assert len(committed) >= KILLS
