"""Registers and apps for the pilot tests: a demo register built once and copied per test,
a fixed clock, and no station file of the machine's."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from store.clock import FixedClock
from store.database import close_database

# Monday 23 November 2026, 09:10 at the hall.
NOW = dt.datetime(2026, 11, 23, 1, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def no_station_file(tmp_path, monkeypatch):
    station = tmp_path / "station.toml"
    station.write_text('[station]\nid = "test-counter"\n', encoding="utf-8")
    monkeypatch.setenv("CHUANGKOU_CONFIG", str(station))
    monkeypatch.setenv("CHUANGKOU_LOG_DIR", str(tmp_path / "logs"))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    from store.demo import create_demo_register

    folder = tmp_path_factory.mktemp("demo-template")
    info = create_demo_register(
        f"sqlite:///{folder / 'register.db'}", clock=FixedClock(NOW), persons=80, cases=160
    )
    close_database()
    return folder / "register.db", info


@pytest.fixture
def demo(demo_template, tmp_path):
    """A fresh copy of the demo register: (url, DemoInfo)."""
    source, info = demo_template
    target = tmp_path / "demo" / "register.db"
    target.parent.mkdir()
    shutil.copy(source, target)
    yield f"sqlite:///{target}", info
    close_database()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def make_app(url: str, clock, **kwargs):
    from tui.app import ChuangkouApp
    from tui.station import load_station

    # The daily job after login changes the demo register (未评价 recorded): off unless a
    # test is about it.
    kwargs.setdefault("daily_job", False)
    return ChuangkouApp(station=load_station(), register_url=url, clock=clock, **kwargs)


FAKE_LP = """#!{python}
import os, sys
out = os.environ["FAKE_LP_OUT"]
with open(os.path.join(out, "job.pdf"), "wb") as f:
    f.write(sys.stdin.buffer.read())
with open(os.path.join(out, "argv.txt"), "w", encoding="utf-8") as f:
    f.write("\\n".join(sys.argv[1:]))
code = int(os.environ.get("FAKE_LP_EXIT", "0"))
if code:
    sys.stderr.write("lp: The printer or class does not exist.\\n")
sys.exit(code)
"""


@pytest.fixture
def fake_lp(tmp_path, monkeypatch, explicit_export) -> Path:
    """A fake ``lp`` first on PATH that copies stdin to out/job.pdf; an empty working
    directory and TMPDIR; returns out/. The job is the notice printed, in clear on purpose:
    left out of the personal-data audit (tests/pii_audit.py) by its name."""
    bin_dir, out, cwd = tmp_path / "bin", tmp_path / "out", tmp_path / "cwd"
    for d in (bin_dir, out, cwd):
        d.mkdir()
    explicit_export(out / "job.pdf")
    lp = bin_dir / "lp"
    lp.write_text(FAKE_LP.format(python=sys.executable), encoding="utf-8")
    lp.chmod(lp.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_LP_OUT", str(out))
    monkeypatch.setenv("TMPDIR", str(cwd))
    monkeypatch.chdir(cwd)
    return out
