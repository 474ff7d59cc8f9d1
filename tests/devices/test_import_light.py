"""`import devices` and `chuangkou devices list` need no X server, no evdev, no pynput."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Makes pynput and evdev unimportable, as on a counter without the optional extras.
SHIM = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pynput", "evdev"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
        return None
sys.meta_path.insert(0, _Block())
"""


def run_python(code: str, tmp_path: Path, station: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = str(ROOT)
    env["HOME"] = str(tmp_path)  # no user config or log from the machine
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    if station:
        path = tmp_path / "station.toml"
        path.write_text(station, encoding="utf-8")
        env["CHUANGKOU_CONFIG"] = str(path)
    else:
        env.pop("CHUANGKOU_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-c", SHIM + code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_import_devices_is_light(tmp_path: Path) -> None:
    code = """
import devices
heavy = ("pynput", "evdev", "textual", "usb", "serial", "store", "tui", "policies")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
devices.RatingGiven, devices.DeviceManager, devices.open_evaluator  # lazy names resolve
"""
    result = run_python("import json\n" + code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


HARDWARE_STATION = """
[devices.reader]
kind = "reader"
transport = "usb"
[devices.pj]
kind = "evaluator"
transport = "evdev"
vid = 0x1a2c
pid = 0x0e24
[devices.kb]
kind = "evaluator"
transport = "pynput"
"""


def test_devices_list_without_x_evdev_or_pynput(tmp_path: Path) -> None:
    code = """
from tui.cli import main
rc = main(["devices", "list"])
assert not any(m.split(".")[0] in ("pynput", "evdev") for m in sys.modules)
sys.exit(rc)
"""
    result = run_python(code, tmp_path, HARDWARE_STATION)
    assert result.returncode == 0, result.stderr
    assert "已配置的设备" in result.stdout
    assert "没有 X 会话" in result.stdout  # the pynput evaluator, explained
    assert "Traceback" not in result.stderr


def test_devices_list_with_defaults(tmp_path: Path) -> None:
    result = run_python("from tui.cli import main\nsys.exit(main(['devices', 'list']))", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "模拟" in result.stdout


def test_evdev_evaluator_without_evdev_is_a_chinese_error(tmp_path: Path) -> None:
    code = (
        "from tui.cli import main\nsys.exit(main(['devices', 'test-evaluator', '--device', 'pj']))"
    )
    result = run_python(code, tmp_path, HARDWARE_STATION)
    assert result.returncode == 1
    assert result.stderr.startswith("错误：") and "Traceback" not in result.stderr
    assert "未安装 evdev" in result.stderr


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_devices_layering_of_evaluator_manager_config_discovery() -> None:
    files = [
        ROOT / "devices" / f for f in ("__init__.py", "config.py", "manager.py", "discovery.py")
    ]
    files += sorted((ROOT / "devices" / "evaluator").glob("*.py"))
    for path in files:
        assert not _imports(path) & {"store", "tui", "policies", "textual"}, path
