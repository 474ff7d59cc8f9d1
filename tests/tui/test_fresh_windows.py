"""The windows a login offers are read at the login, not kept from when the application
started: a window a supervisor added at another counter meanwhile is there to choose."""

from __future__ import annotations

import asyncio

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import settle
from tests.tui.test_app import login

pytestmark = pytest.mark.timeout(120)

NEW_WINDOW = "新设便民窗口"


def _add_window(register) -> None:
    """On the store thread, as the supervisor at another counter would (catalog import)."""
    from store.auth import login as store_login
    from store.catalog import export_catalog, import_catalog
    from store.demo import SUPERVISOR_ACCOUNT, demo_password

    number = SUPERVISOR_ACCOUNT[0]
    supervisor = store_login(register, number, demo_password(number))
    text = export_catalog(supervisor)
    import_catalog(supervisor, text + f'\n[[windows]]\ncode = "w99"\nname = "{NEW_WINDOW}"\n')


async def test_a_window_added_elsewhere_is_offered_at_the_next_login(demo, clock):
    from textual.widgets import Select

    from tui.screens.post import PostScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.windows and NEW_WINDOW not in dict(app.windows).values()
        await asyncio.to_thread(app.store.run, _add_window, app.register)
        clerk = next(a for a in info.accounts if a.number == "1001")
        await login(pilot, clerk.number, clerk.password)
        assert isinstance(app.screen, PostScreen)
        options = app.screen.query_one("#window", Select)._options
        assert NEW_WINDOW in [str(label) for label, _ in options]
