"""Twenty counter stations, each its own process and connection, working at once against one
PostgreSQL register (the CI server on loopback): every station registers visitors (ID card)
and accepts and closes their cases, and refers phone callers (a name and a phone only) to
the next window. Afterwards nothing reported committed is missing, no number was given
twice, the audit chain verifies, and every referral is on its receiving window's queue.

The figures (throughput, p50/p99 per call) are printed, not asserted: bench/hall.py
measures them. Skipped without CHUANGKOU_TEST_PG_URL (see .ci/postgres.sh).
"""

from __future__ import annotations

from collections import Counter

import pytest

from store.database import close_database
from tests.hall.stations import check_hall, latencies, percentile, prepare_hall, run_hall
from tests.store.test_postgres import PG_URL, _wipe

STATIONS = 20
#: Calls per station: three whole cycles (visitor, case, close, referral).
OPS = 12

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not PG_URL,
        reason="CHUANGKOU_TEST_PG_URL is not set: no PostgreSQL server to test against "
        '(start one with: eval "$(bash .ci/postgres.sh)")',
    ),
]


@pytest.fixture
def hall_url():
    close_database()
    _wipe(PG_URL)
    yield PG_URL
    close_database()


def test_twenty_stations_at_once_lose_nothing_and_keep_one_chain(hall_url, tmp_path):
    plan = prepare_hall(hall_url, STATIONS)
    stations, seconds = run_hall(plan, ops=OPS, out_dir=tmp_path / "stations", timeout=240)

    reported = [r for s in stations for r in s.results()]
    assert [len(s.results()) for s in stations] == [OPS] * STATIONS
    ops = Counter(r["op"] for r in reported)
    assert ops == {"inquiry": 3 * STATIONS, "case": 3 * STATIONS, "close": 3 * STATIONS,
                   "referral": 3 * STATIONS}  # fmt: skip
    assert check_hall(plan, stations) == []

    # The check finds what it looks for: a referral lost and an event edited.
    from store.database import open_database
    from store.models import AuditEvent, Inquiry

    lost = next(r["number"] for r in reported if r["op"] == "referral")
    open_database(hall_url)
    Inquiry.delete().where(Inquiry.number == lost).execute()
    AuditEvent.update(detail="{}").where(AuditEvent.seq == 5).execute()
    close_database()
    problems = "\n".join(check_hall(plan, stations))
    assert "1 inquiries reported committed are missing" in problems
    assert "1 referrals not on" in problems
    assert "audit verify" in problems and "first bad 5" in problems

    ms = latencies(stations)
    print(
        f"\n{STATIONS} stations, {len(ms)} calls in {seconds:.1f} s: "
        f"{len(ms) / seconds:.0f} calls/s, p50 {percentile(ms, 50):.0f} ms, "
        f"p99 {percentile(ms, 99):.0f} ms"
    )
