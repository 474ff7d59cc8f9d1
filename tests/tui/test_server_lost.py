"""The counter application on a hall's PostgreSQL server that goes away and comes back
(pg_ctlcluster stop/start): a save says 「服务器连接中断」 and keeps the form; the lock and
its unlock work meanwhile (the password checked against the key slot read at login), so
does leaving with Ctrl+Q; once the server is back the status line says so and the same
form saves.

Stops the server of CHUANGKOU_TEST_PG_URL: marked ``pgfault`` (tests/store/pg_server.py).
"""

from __future__ import annotations

import re
import time

import pytest

from store.database import close_database
from tests.hall.stations import CLERK_PASSWORD
from tests.people import PEOPLE
from tests.store.pg_server import pg_server  # noqa: F401 — a fixture
from tests.store.test_postgres import PG_URL, _wipe
from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle
from tests.tui.test_app import login

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.pgfault,
    pytest.mark.skipif(not PG_URL, reason="CHUANGKOU_TEST_PG_URL is not set"),
    pytest.mark.timeout(180),
]

CALLER = PEOPLE[2]
MATTER = "xiangwen dibao zenme banli"
LOST = "服务器连接中断"


@pytest.fixture
def pg_hall():
    """A small register on the PostgreSQL test server: one window's catalog and its clerk
    (tests/hall's: 2001 at window w01). Returns (url, clerk number)."""
    from tests.hall.stations import prepare_hall

    close_database()
    _wipe(PG_URL)
    plan = prepare_hall(PG_URL, stations=1)
    yield PG_URL, plan.stations[0].staff
    close_database()


async def _until(pilot, condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        await pilot.pause(0.05)


def _unwrapped(app) -> str:
    """The screen's text with wrapped lines (a toast's too) joined again."""
    return re.sub(r"\n▌?", "", screen_text(app))


def _status(app) -> str:
    return str(app.screen.query_one("#status-right").render())


async def _password(pilot, password: str) -> None:
    """The lock screen's password (the field filled: typing costs a second a key on a
    loaded machine), then 回车."""
    pilot.app.screen.query_one("#password").value = password
    await pilot.press("enter")
    await settle(pilot)


async def _idle_lock(pilot, now) -> None:
    from tui.screens.lock import LockScreen

    app = pilot.app
    now[0] += app.register.policy.login.idle_lock_seconds + 1
    app.lock_if_idle()
    await settle(pilot)
    assert isinstance(app.screen, LockScreen)


async def test_the_counter_says_the_server_is_lost_keeps_the_form_and_carries_on(
    pg_hall,
    clock,
    pg_server,  # noqa: F811 — the fixture
):
    from tui.screens.home import HomeScreen
    from tui.screens.inquiry import InquiryScreen

    url, clerk = pg_hall
    now = [1000.0]
    app = make_app(url, clock, idle_clock=lambda: now[0])
    app.server_probe_seconds = 0.2
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await login(pilot, clerk, CLERK_PASSWORD)
        await pilot.press("enter")  # today's post: the clerk's window
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen), type(app.screen).__name__
        await pilot.press("f2")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, InquiryScreen)
        await pilot.press("ctrl+n")  # 电话
        form.query_one("#name").value = CALLER.name
        form.query_one("#phone").value = CALLER.phone
        form.query_one("#matter").value = MATTER
        form.query_one("#matter").focus()
        await settle(pilot)

        pg_server.stop()
        await pilot.press("ctrl+d")  # 保存
        await settle(pilot)
        text = screen_text(app)
        assert LOST in text and "内部错误" not in text
        assert LOST in _status(app)
        assert app.screen is form
        fields = ("#name", "#phone", "#matter")
        assert [form.query_one(f).value for f in fields] == [CALLER.name, CALLER.phone, MATTER]

        # The idle lock, and the same clerk's unlock, while the server is away.
        await _idle_lock(pilot, now)
        await _password(pilot, CLERK_PASSWORD)
        form = app.screen
        assert isinstance(form, InquiryScreen), type(form).__name__
        assert [form.query_one(f).value for f in fields] == [CALLER.name, CALLER.phone, MATTER]
        assert "已按本机登录时的密钥核对密码解锁" in _unwrapped(app)

        pg_server.start()
        await _until(pilot, lambda: not app.server_lost, "the probe finds the server back")
        await settle(pilot)
        assert LOST not in _status(app)
        assert "服务器连接已恢复" in _unwrapped(app)
        await pilot.press("ctrl+d")  # the same form, saved now
        await settle(pilot)
        assert "已登记：登记号" in screen_text(app)

        # Leaving while the server is away: the lock, Ctrl+Q and the password.
        pg_server.stop()
        await pilot.press("f4")  # the queue: its load meets the stopped server
        await settle(pilot)
        await _until(pilot, lambda: app.server_lost, "the app sees the server lost")
        await _idle_lock(pilot, now)
        await pilot.press("ctrl+q")
        await _password(pilot, CLERK_PASSWORD)
    assert app.return_code == 0

    # Registered once: the save while the server was away left nothing behind; the offline
    # unlock was recorded once the server was back.
    from store.database import open_database
    from store.models import AuditEvent, Inquiry

    pg_server.start()
    close_database()
    open_database(url)
    assert Inquiry.select().count() == 1
    assert AuditEvent.select().where(AuditEvent.action == "unlock.offline").count() == 1
