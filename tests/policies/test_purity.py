"""policies/ is pure: it imports nothing of ours outside policies/ and does no I/O of its own
(bundled data files are read through importlib.resources)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

POLICIES = Path(__file__).resolve().parents[2] / "policies"
THIRD_PARTY = {"chinese_calendar", "holidays", "pypinyin", "stdnum", "tomli_w"}
OURS = {"store", "tui", "devices", "themes", "bench"}
FORBIDDEN_CALLS = {"open", "print", "input", "exec", "eval"}
FORBIDDEN_MODULES = {"os", "pathlib", "subprocess", "socket", "shutil", "logging", "io"}
SOURCES = sorted(POLICIES.glob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_imports_and_calls(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            assert top not in OURS, f"{path.name} imports {name}"
            assert top not in FORBIDDEN_MODULES, f"{path.name} imports {name} (I/O)"
            assert top == "policies" or top in THIRD_PARTY or top in sys.stdlib_module_names, name
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{path.name} calls {node.func.id}()"


def test_package_import_is_light() -> None:
    code = (
        "import sys, policies; "
        "heavy = [m for m in ('pypinyin', 'chinese_calendar', 'holidays', 'stdnum', 'tomli_w') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
