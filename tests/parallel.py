"""Which tests share a pytest-xdist worker (the suite runs on every CPU: pyproject.toml).

Tests that share one server or one build run on one worker, one after another: the
PostgreSQL test server (each module wipes its database, and pgfault tests stop it) and the
install-script test's Debian root (tests/deploy/background.py). Every other test goes to
whichever worker is free. (xdist's own ``xdist_group`` marks do not reach its scheduler
under pytest 9.2, whose node ids are no longer a plain string xdist can extend.)"""

from __future__ import annotations

from pathlib import Path

import pytest

#: A word in a test module's source that puts the module in a group.
_SHARED = {"CHUANGKOU_TEST_PG_URL": "postgres", "pg_server": "postgres"}


def worker_id(config: pytest.Config) -> str | None:
    """gw0, gw1 … in a pytest-xdist worker; None in the main process."""
    workerinput = getattr(config, "workerinput", None)
    return workerinput["workerid"] if workerinput else None


def runs_workers(config: pytest.Config) -> bool:
    """This is the main process of a run with pytest-xdist workers."""
    distributed = config.getoption("dist", default="no") != "no"
    return worker_id(config) is None and distributed and bool(config.getoption("tx", default=None))


def group_of(path: Path) -> str | None:
    """The group a test module's tests run in, or None (any worker)."""
    from tests.deploy import background

    if path.resolve() == background.TEST_FILE:
        return "deploy"
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return next((group for word, group in _SHARED.items() if word in source), None)


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    groups: dict[str, str | None] = {}

    class SharedScheduling(LoadScopeScheduling):
        """Each test on its own, but a module of a group with the rest of its group."""

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module not in groups:
                groups[module] = group_of(Path(config.rootpath, module))
            return groups[module] or nodeid

    return SharedScheduling(config, log)
