"""devices.idcard imports nothing of ours outside devices/, never textual, and loads the
hardware libraries (pyusb, pyserial) only when a real transport is opened."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "devices" / "idcard"


def imported_roots(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_forbidden_imports():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) >= 15
    for path in files:
        roots = imported_roots(path)
        assert not roots & {"store", "tui", "policies", "themes", "textual"}, path
        ours = roots - set(sys.stdlib_module_names) - {"usb", "serial"}
        assert ours <= {"devices"}, (path, ours)


def test_importing_the_package_loads_no_hardware_library():
    code = (
        "import json, sys, devices.idcard as ic\n"
        "ic.open_transport('sim')\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules}"
        " & {'usb', 'serial', 'textual', 'store', 'tui', 'policies'})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
