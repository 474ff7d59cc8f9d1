"""Fixtures shared by every room's tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from store.clock import FixedClock
from store.database import close_database
from store.keyslots import OWASP_MINIMUM_KDF

#: After the whole suite, every file it left is searched for the invented persons' data
#: (tests/pii_audit.py); `explicit_export` marks a file a test wrote in clear on purpose.
#: tests/parallel.py: which tests share a worker under pytest-xdist.
pytest_plugins = ["tests.pii_audit", "tests.parallel"]

SUPERVISOR_PASSWORD = "zhuren-mima-2026"
CLERK_PASSWORD = "chuangkou-mima-1"


@pytest.fixture(autouse=True)
def station_state_dir(tmp_path, monkeypatch):
    """This station's audit witness (store.witness) lives in the test's own directory."""
    state = tmp_path / "station-state"
    monkeypatch.setenv("CHUANGKOU_STATE_DIR", str(state))
    return state


@pytest.fixture
def clock() -> FixedClock:
    # Monday 23 November 2026, 08:30 in the hall (00:30 UTC).
    return FixedClock(dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC))


@pytest.fixture
def register_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'register.db'}"


@pytest.fixture
def hall(register_url, clock):
    """A new register with a supervisor (0001) and a clerk (1001); OWASP-minimum Argon2id."""
    from store.setup import create_register
    from store.staff import add_staff

    register, supervisor, recovery = create_register(
        register_url,
        hall_name="示例镇便民服务中心",
        hall_code="SLZ",
        supervisor_number="0001",
        supervisor_name="林主任",
        password=SUPERVISOR_PASSWORD,
        clock=clock,
        kdf=OWASP_MINIMUM_KDF,
    )
    add_staff(supervisor, number="1001", name="王小英", role="clerk", password=CLERK_PASSWORD)
    yield Hall(register, supervisor, recovery)
    close_database()


class Hall:
    def __init__(self, register, supervisor, recovery_code: str) -> None:
        self.register = register
        self.supervisor = supervisor
        self.recovery_code = recovery_code

    def login(self, number: str = "1001", password: str = CLERK_PASSWORD):
        from store.auth import login

        return login(self.register, number, password)


# --- The install-script test's Debian root, built in the background (tests/deploy) ---------


@pytest.hookimpl(trylast=True)  # after -k/-m have deselected: only if the test really runs
def pytest_collection_modifyitems(config, items) -> None:
    from tests.deploy import background
    from tests.parallel import worker_id

    if config.option.collectonly or not background.wanted(items):
        return
    # The build takes minutes and overlaps the other tests: its test waits for it, last.
    items.sort(key=lambda item: Path(str(item.path)).resolve() == background.TEST_FILE)
    if worker_id(config) is None:  # a pytest-xdist worker finds the main process's build
        background.start()


def pytest_sessionstart(session) -> None:
    from tests.deploy import background
    from tests.parallel import runs_workers

    # With workers, the main process collects nothing: it starts the build before they
    # start (they find it by its directory, in their environment), when the run is the
    # whole suite or names the deploy tests.
    if runs_workers(session.config) and background.named(session.config):
        background.start()


def pytest_sessionfinish(session) -> None:
    from tests.deploy import background

    background.finish()
