"""`python -X importtime`: at start the application imports no device library (pyusb,
pyserial), no pynput and no evdev, unless a configured device needs one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEVICE_LIBRARIES = {"usb", "serial", "evdev", "pynput"}

PROBE = """
import os
from tui.app import ChuangkouApp
from tui.cli.common import register_url
from tui.station import load_station
from devices.manager import DeviceManager

class Probe(ChuangkouApp):
    def on_mount(self):
        super().on_mount()
        self.set_interval(0.01, self._probe)
    def _probe(self):
        # Started: the register is open and every configured device has reported once.
        if self.register is not None and len(self.device_states) == len(self.devices.states()):
            self.exit()

station = load_station()
Probe(station=station, register_url=os.environ["PROBE_DB"], devices=DeviceManager(station.devices, log_path=None)).run(
    headless=True, size=(80, 24))
"""


def _imported(tmp_path: Path, station: str) -> set[str]:
    from store.database import close_database
    from store.keyslots import OWASP_MINIMUM_KDF
    from store.setup import create_register

    url = f"sqlite:///{tmp_path / 'register.db'}"
    create_register(
        url,
        hall_name="甲镇",
        hall_code="JZ",
        supervisor_number="0001",
        supervisor_name="林主任",
        password="zhuren-mima-1",
        kdf=OWASP_MINIMUM_KDF,
    )
    close_database()
    (tmp_path / "station.toml").write_text(station, encoding="utf-8")
    env = {
        **os.environ,
        "PROBE_DB": url,
        "CHUANGKOU_CONFIG": str(tmp_path / "station.toml"),
        "CHUANGKOU_LOG_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    modules = {
        line.split("|")[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    return {m.split(".")[0] for m in modules}


@pytest.mark.timeout(180)
def test_simulated_devices_pull_in_no_device_library(tmp_path):
    top = _imported(tmp_path, '[station]\nid = "probe"\n')  # no station devices: simulated ones
    assert "devices" in top and "textual" in top, (
        "the probe must have started the app and its devices"
    )
    assert not DEVICE_LIBRARIES & top


@pytest.mark.timeout(180)
def test_a_configured_usb_reader_imports_pyusb_only(tmp_path):
    station = '[station]\nid = "probe"\n[devices.reader]\nkind = "reader"\ntransport = "usb"\n'
    top = _imported(tmp_path, station)
    assert "usb" in top
    assert not {"evdev", "pynput", "serial"} & top
