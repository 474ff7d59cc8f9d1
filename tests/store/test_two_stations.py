"""Two stations sharing one register on PostgreSQL, each a process with its own register
object and connection: what one commits, the other sees at its next call — a referral on
the receiving window's queue, the board's 报主任 and open cases, an imported calendar year
— without reopening anything (no per-process cache stands in the way).

Runs only when CHUANGKOU_TEST_PG_URL names a test database (see .ci/postgres.sh).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from store.database import close_database
from tests.store.test_postgres import PG_URL, _wipe

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="CHUANGKOU_TEST_PG_URL is not set"),
]

ROOT = Path(__file__).resolve().parents[2]
YEAR_2027 = ROOT / "tests" / "policies" / "data" / "calendar-2027.toml"


class OtherStation:
    def __init__(self, url: str, clerk: str, password: str, boss: str, boss_password: str):
        command = ["tests.store.other_station", url, clerk, password, boss, boss_password]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *command],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert json.loads(self._line())["ready"]

    def _line(self) -> str:
        line = self.proc.stdout.readline()
        assert line, f"the other station ended ({self.proc.wait(timeout=10)})"
        return line

    def look(self) -> dict:
        self.proc.stdin.write("look\n")
        self.proc.stdin.flush()
        return json.loads(self._line())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


@pytest.mark.timeout(120)
def test_another_station_sees_each_commit_at_its_next_call(tmp_path, monkeypatch):
    from store.auth import login
    from store.calendar_years import import_year
    from store.cases import accept_case
    from store.inquiries import PersonInput, register_inquiry
    from store.session import Register

    harness = pytest.importorskip("tests.hall.stations", reason="the hall load harness")
    worker = pytest.importorskip("tests.hall.station_worker", reason="the hall load harness")
    password, boss, boss_password = (
        harness.CLERK_PASSWORD,
        harness.SUPERVISOR,
        harness.SUPERVISOR_PASSWORD,
    )

    monkeypatch.setenv("CHUANGKOU_STATE_DIR", str(tmp_path / "state-here"))
    close_database()
    _wipe(PG_URL)
    plan = harness.prepare_hall(PG_URL, stations=2)  # 2001 at w01, 2002 at w02
    here, there = plan.stations
    register = Register.open(PG_URL, station="本窗口")
    clerk = login(register, here.staff, password)
    supervisor = login(register, boss, boss_password)

    other = OtherStation(PG_URL, there.staff, password, boss, boss_password)
    try:
        before = other.look()
        assert before["referrals"] == [] and before["escalated"] == []
        assert before["calendar_2027"] is False

        referral = register_inquiry(
            clerk,
            channel="phone",
            caller_name="转办来电",
            caller_phone="13700001111",
            topic="咨询办理条件",
            disposition="referred",
            referred_to=there.window,
        ).number
        escalated = register_inquiry(
            clerk,
            channel="phone",
            caller_name="报主任来电",
            caller_phone="13700002222",
            topic="反映情况",
            disposition="escalated",
        ).number
        asked = register_inquiry(
            clerk,
            channel="visit",
            person=PersonInput(**worker.visitor(0, 0)),
            item_code=here.item,
            disposition="accepted",
        )
        accept_case(
            clerk,
            inquiry_number=asked.number,
            item_code=here.item,
            person_uuid=asked.person_uuid,
            materials=dict.fromkeys(harness.MATERIALS, "present"),
            kind="promised",
        )
        import_year(supervisor, YEAR_2027.read_text("utf-8"))

        after = other.look()
        assert after["referrals"] == [referral]
        assert after["escalated"] == [escalated]
        assert after["open_cases"][here.window] == before["open_cases"][here.window] + 1
        assert after["calendar_2027"] is True
    finally:
        other.close()
        close_database()
