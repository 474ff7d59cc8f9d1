"""One counter station of the hall load (tests/hall/stations.py starts these as processes).

    python -m tests.hall.station_worker '<json spec>'

Opens the register, logs its clerk in (with ``warm_up``, makes one unreported cycle of the
calls below), prints ``ready`` and waits for ``go`` on stdin (so every station starts
together, after its imports and its login), then runs `ops` store calls in a fixed cycle of
four:

0. 首问登记 of a visitor read from an ID card, 本窗口受理;
1. the case accepted from it (all materials present, 承诺件);
2. that case closed (办结, 准予);
3. a phone caller with only a name and a phone, 转办 to another window.

After each call returns — committed — one JSON line is appended to the result file and
flushed: ``{"op", "number", "ms", "cpu_ms", "t"}`` (to: the receiving window of a referral;
cpu_ms: this process's CPU time in the call). What
is in that file is what the station was told was committed. The line carries numbers and
timings only, never the invented persons' fields. At the end it prints ``done``.

Retrying: with ``retry_seconds`` > 0 a call failing with one of `RETRYABLE` (the store's
error for a lost server, when store.errors has one) is tried again until it succeeds or
the time is up; each retry is counted in the line (``retries``). A call whose COMMIT was
lost with the connection may have committed: its retry then registers a second inquiry
(a new number) or finds the case already accepted or closed, which counts as done.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any


def retryable() -> tuple[type[BaseException], ...]:
    """The store's errors for a lost server (none before the store has one)."""
    from store import errors

    return tuple(
        getattr(errors, name)
        for name in ("ServerUnavailable", "ConnectionLost")
        if isinstance(getattr(errors, name, None), type)
    )


def visitor(station: int, cycle: int) -> dict[str, str]:
    """An invented visitor, distinct for every (station, cycle): a valid-checksum ID number."""
    from tests.people import id_number

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=station * 1000 + cycle % 1000)
    sequence = f"{(cycle // 1000) % 1000:03d}"
    return {
        "name": f"负载访客{station}甲{cycle}",
        "id_number": id_number("110105", birth.strftime("%Y%m%d"), sequence),
        "phone": f"139{station:02d}{cycle % 1_000_000:06d}",
    }


def caller(station: int, cycle: int) -> tuple[str, str]:
    """An invented phone caller (name and phone only)."""
    return f"负载来电{station}乙{cycle}", f"137{station:02d}{cycle % 1_000_000:06d}"


class Station:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.index = int(spec["index"])
        self.retry_seconds = float(spec.get("retry_seconds", 0))
        self.pace = float(spec.get("pace_ms", 0)) / 1000
        self.out = open(spec["out"], "a", encoding="utf-8")  # noqa: SIM115 — closed in run
        self.retryable = retryable()
        self.session = None
        # What the cycle carries from one call to the next.
        self.inquiry: str | None = None
        self.person_uuid: str | None = None
        self.case: str | None = None
        #: The first cycle's calls made before the clock starts (`warm_up`), not reported.
        self.first = 0

    def open(self) -> None:
        from store.auth import login
        from store.session import Register

        register = Register.open(self.spec["url"], station=f"负载站{self.index:02d}")
        self.session = login(register, self.spec["staff"], self.spec["password"])
        # Warm, as a counter that has been running: the modules its calls import, the
        # policy and the calendar (the first call would otherwise time their loading).
        import store.cases
        import store.inquiries  # noqa: F401

        register.policy  # noqa: B018
        register.calendar.due(dt.date.today(), 10, allow_provisional=True)

    def warm_up(self) -> None:
        """One cycle of the four calls, not reported: a counter that has served its first
        visitor (the first call of a process builds what later ones reuse — peewee's
        queries, derived keys, the station's pending key)."""
        for n in range(4):
            self.step(n)
        self.first = 4

    def call(self, fn: Callable[[], Any]) -> tuple[Any, int]:
        """Run one store call; retry on a lost server while retrying is allowed."""
        deadline = time.monotonic() + self.retry_seconds
        retries = 0
        while True:
            try:
                return fn(), retries
            except self.retryable:
                if time.monotonic() >= deadline:
                    raise
                retries += 1
                time.sleep(0.1)  # the server is being restarted: ask again shortly

    def step(self, n: int) -> dict[str, Any]:
        from store.cases import accept_case, close_case
        from store.errors import InvalidInput
        from store.inquiries import PersonInput, register_inquiry

        cycle, part = divmod(n, 4)
        spec, session = self.spec, self.session
        if part == 0:
            person = visitor(self.index, cycle)
            result, retries = self.call(
                lambda: register_inquiry(
                    session,
                    channel="visit",
                    person=PersonInput(**person),
                    item_code=spec["item"],
                    disposition="accepted",
                )
            )
            self.inquiry, self.person_uuid = result.number, result.person_uuid
            return {"op": "inquiry", "number": result.number, "retries": retries}
        if part == 1:
            try:
                result, retries = self.call(
                    lambda: accept_case(
                        session,
                        inquiry_number=self.inquiry,
                        item_code=spec["item"],
                        person_uuid=self.person_uuid,
                        materials=dict.fromkeys(spec["materials"], "present"),
                        kind="promised",
                    )
                )
            except InvalidInput:
                if not self.retry_seconds:
                    raise
                # A retried acceptance whose first COMMIT went through: find that case.
                number, retries = self.accepted_case(), -1
            else:
                number = result.number
            self.case = number
            return {"op": "case", "number": number, "inquiry": self.inquiry, "retries": retries}
        if part == 2:
            try:
                _, retries = self.call(
                    lambda: close_case(session, self.case, granted=True, reasons="准予")
                )
            except InvalidInput:
                if not self.retry_seconds:
                    raise
                retries = -1  # closed by the first try, whose COMMIT went through
            return {"op": "close", "number": self.case, "retries": retries}
        name, phone = caller(self.index, cycle)
        result, retries = self.call(
            lambda: register_inquiry(
                session,
                channel="phone",
                caller_name=name,
                caller_phone=phone,
                topic="咨询办理条件",
                disposition="referred",
                referred_to=spec["refer_to"],
            )
        )
        return {
            "op": "referral",
            "number": result.number,
            "to": spec["refer_to"],
            "retries": retries,
        }

    def accepted_case(self) -> str:
        from store.models import Case, Inquiry

        inquiry = Inquiry.get(Inquiry.number == self.inquiry)
        return Case.get_by_id(inquiry.case_id).number

    def run(self) -> None:
        ops = int(self.spec["ops"])
        start = time.monotonic()
        due = start
        # Clerks are not clocked to each other: each station's calls come at random, on
        # average one a pace apart (a Poisson stream, seeded by the station), unless
        # `lockstep` — every station's n-th call due n paces after the common start.
        arrivals = random.Random(self.index)
        lockstep = bool(self.spec.get("lockstep"))
        try:
            for i, n in enumerate(range(self.first, self.first + ops)):
                if self.pace:
                    if lockstep:
                        due = start + i * self.pace
                    else:
                        due += arrivals.expovariate(1 / self.pace)
                    wait = due - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                began, cpu = time.monotonic(), time.process_time()
                line = self.step(n)
                ended = time.monotonic()
                line["ms"] = round((ended - began) * 1000, 2)
                line["cpu_ms"] = round((time.process_time() - cpu) * 1000, 2)
                line["t"] = round(ended - start, 4)
                self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
                self.out.flush()
        finally:
            self.out.close()


def main(argv: list[str]) -> int:
    spec = json.loads(argv[1])
    station = Station(spec)
    try:
        station.open()
        if spec.get("warm_up"):
            station.warm_up()
    except Exception as exc:
        print(f"failed {type(exc).__name__}", flush=True)
        raise
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 2
    try:
        station.run()
    except Exception as exc:
        # The type and the place only: a message could carry what was typed.
        frames = traceback.extract_tb(exc.__traceback__)
        where = "; ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in frames[-4:])
        print(f"failed {type(exc).__name__} at {where}", flush=True)
        return 1
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
