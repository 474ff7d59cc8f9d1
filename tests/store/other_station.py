"""Another counter station, in a process of its own, for tests/store/test_two_stations.py:
it opens the register once, logs in once (a clerk of window w02 and the supervisor), and
answers on stdout, one JSON line per line read from stdin, what its own register object
shows now — its queue, the board, the calendar — so that anything it cached from before
another station's commit would show as stale.

    python -m tests.store.other_station URL CLERK PASSWORD SUPERVISOR PASSWORD
"""

from __future__ import annotations

import json
import sys


def main(url: str, clerk: str, clerk_password: str, boss: str, boss_password: str) -> None:
    from store.auth import login
    from store.board import board
    from store.queue import counter_queue
    from store.session import Register

    register = Register.open(url, station="另一窗口")
    at_window = login(register, clerk, clerk_password)
    supervisor = login(register, boss, boss_password)
    print(json.dumps({"ready": True}), flush=True)
    for _ in sys.stdin:
        queue = counter_queue(at_window, window_code="w02", limit=1000)
        seen = board(supervisor)
        print(
            json.dumps(
                {
                    "referrals": sorted(
                        r.number
                        for r in queue.rows
                        if r.section == "referral" and r.kind == "referred_in"
                    ),
                    "escalated": sorted(e.number for e in seen.escalated.rows),
                    "open_cases": {w.code: w.open_cases for w in seen.windows},
                    "calendar_2027": register.calendar.is_covered(2027),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main(*sys.argv[1:6])
