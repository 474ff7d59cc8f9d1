"""The import rules of ARCHITECTURE.md, each checked in a fresh interpreter: import every
module of a room, then look at what else ended up in sys.modules (as Harlequin does)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
failed = []
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    try:
        importlib.import_module(info.name)
    except ImportError as exc:  # an optional driver whose library is absent
        failed.append(f"{info.name}: {exc}")
print(json.dumps({"modules": sorted(sys.modules), "failed": failed}))
"""

RULES = {
    # room: what it must never pull in
    "policies": (
        "store",
        "tui",
        "devices",
        "themes",
        "textual",
        "peewee",
        "sqlite3",
        "usb",
        "serial",
    ),
    "store": ("tui", "devices", "textual"),
    "devices": ("store", "tui", "policies", "themes", "textual"),
    "themes": ("store", "tui", "devices", "policies", "peewee"),
}


def _imported(package: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, package],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("room", sorted(RULES))
def test_room_imports_only_what_it_may(room):
    result = _imported(room)
    forbidden = RULES[room]
    offenders = sorted(m for m in result["modules"] if m.split(".")[0] in forbidden)
    assert offenders == [], f"{room} imports {offenders}"


def test_devices_imports_without_x_or_input_libraries():
    """The application must start with no X server and no /dev/input: pynput and evdev are
    imported only by the driver that needs them."""
    result = _imported("devices")
    assert not {"pynput", "evdev"} & {m.split(".")[0] for m in result["modules"]}
    assert result["failed"] == []
