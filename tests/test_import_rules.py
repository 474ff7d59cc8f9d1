"""The import rules of ARCHITECTURE.md, checked two ways.

1. In a fresh interpreter: import every module of a room, then look at what else ended up in
   sys.modules (as Harlequin does). This catches what a room pulls in transitively, e.g. a
   third-party library that imports another.
2. From the source: parse every .py file of a room and read every import in its AST, at any
   depth (tests/import_scan.py), so an import inside a function that no import-time code
   runs (a lazy import) is caught too. Imports under `if TYPE_CHECKING:` count: a type-only
   dependency on a room above is still a layering violation. Pure AST, no subprocess.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import import_scan
from tests.import_scan import imports_in_room, violations

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

ROOMS = ("policies", "store", "devices", "themes", "tui")

RULES = {
    # room: what it must never pull in (a module and everything inside it)
    "policies": (
        # nothing of ours but policies itself
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


# -- 2. the source: every import in the AST ------------------------------------------------

#: Modules a room may not import although the packages holding them are allowed.
MODULE_RULES = {
    # The TUI calls store operations; it never touches a Peewee model.
    "tui": ("store.models",),
}


def test_policies_imports_nothing_of_ours():
    assert set(ROOMS) - {"policies"} <= set(RULES["policies"])


@pytest.mark.parametrize("room", ROOMS)
def test_room_source_is_read(room):
    """Guards the checks below against passing on an empty scan (a wrong ROOT, a moved room)."""
    assert imports_in_room(ROOT, room), f"no import found in {room}/"


@pytest.mark.parametrize("room", sorted(RULES))
def test_room_source_imports_only_what_it_may(room):
    offenders = violations(ROOT, room, RULES[room])
    assert offenders == [], f"{room} imports what it may not:\n" + "\n".join(offenders)


@pytest.mark.parametrize("room", sorted(MODULE_RULES))
def test_room_source_avoids_forbidden_modules(room):
    offenders = violations(ROOT, room, MODULE_RULES[room])
    assert offenders == [], f"{room} imports what it may not:\n" + "\n".join(offenders)


# -- the checker itself, on modules planted in tmp_path ------------------------------------


def _plant(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (path relative to root: source) with every package's __init__.py."""
    for rel, source in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        package = path.parent
        while package != root:
            (package / "__init__.py").touch(exist_ok=True)
            package = package.parent
    return root


def test_checker_reports_a_module_level_import(tmp_path):
    _plant(tmp_path, {"devices/reader.py": "import os\nimport store.models as m\n"})
    assert violations(tmp_path, "devices", RULES["devices"]) == [
        "devices/reader.py:2 imports store.models"
    ]


def test_checker_reports_an_import_inside_a_function(tmp_path):
    source = "def read():\n    import json\n\n    from textual.app import App\n    return App\n"
    _plant(tmp_path, {"store/lazy.py": source})
    assert violations(tmp_path, "store", RULES["store"]) == [
        "store/lazy.py:4 imports textual.app.App"
    ]


def test_checker_reports_an_import_inside_a_method(tmp_path):
    source = (
        "class Calendar:\n"
        "    def load(self):\n"
        "        if True:\n"
        "            from peewee import Model\n"
        "        return Model\n"
    )
    _plant(tmp_path, {"policies/calendar.py": source})
    assert violations(tmp_path, "policies", RULES["policies"]) == [
        "policies/calendar.py:4 imports peewee.Model"
    ]


def test_checker_reports_a_type_checking_import(tmp_path):
    source = (
        "from typing import TYPE_CHECKING\n"
        "\n"
        "if TYPE_CHECKING:\n"
        "    from tui.app import ChuangkouApp\n"
    )
    _plant(tmp_path, {"store/hooks.py": source})
    assert violations(tmp_path, "store", RULES["store"]) == [
        "store/hooks.py:4 imports tui.app.ChuangkouApp"
    ]


def test_checker_resolves_relative_imports(tmp_path):
    _plant(
        tmp_path,
        {
            "store/foo.py": "from . import x\n",
            "store/sub/bar.py": "from ..a import b\nfrom .c import *\n",
            "store/__init__.py": "from .models import Case\n",
        },
    )
    found = {imp.describe(tmp_path) for imp in imports_in_room(tmp_path, "store")}
    assert found == {
        "store/foo.py:1 imports store.x",
        "store/sub/bar.py:1 imports store.a.b",
        "store/sub/bar.py:2 imports store.sub.c",
        "store/__init__.py:1 imports store.models.Case",
    }


def test_checker_reports_a_relative_import_into_a_forbidden_room(tmp_path):
    """Our rooms are top-level packages, so here the house sits in a package `hall` to let a
    relative import reach a neighbouring room."""
    _plant(
        tmp_path,
        {
            "hall/devices/sim.py": "x = 1\n\n\ndef f():\n    from ..store import models\n",
            "hall/store/models.py": "",
        },
    )
    assert violations(tmp_path, "hall.devices", ["hall.store"]) == [
        "hall/devices/sim.py:5 imports hall.store.models"
    ]


def test_checker_refuses_a_relative_import_above_the_top_level(tmp_path):
    _plant(tmp_path, {"devices/sim.py": "def f():\n    from .. import store\n"})
    with pytest.raises(ImportError, match=r"sim\.py:2: relative import beyond"):
        imports_in_room(tmp_path, "devices")


def test_checker_reports_import_module_with_a_literal(tmp_path):
    source = (
        "import importlib\n"
        "\n"
        "\n"
        "def model(name):\n"
        '    return getattr(importlib.import_module("store.models"), name)\n'
    )
    _plant(tmp_path, {"tui/screens/case.py": source})
    assert violations(tmp_path, "tui", MODULE_RULES["tui"]) == [
        "tui/screens/case.py:5 imports store.models"
    ]


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("from store import models\n", "store.models"),
        ("from store import errors, models\n", "store.models"),
        ("import store.models\n", "store.models"),
        ("from store.models import Case\n", "store.models.Case"),
        ('__import__("store.models")\n', "store.models"),
        ('__import__("store", fromlist=["models"])\n', "store.models"),
        ('from importlib import import_module\nimport_module("store.models")\n', "store.models"),
        ('import importlib\nimportlib.import_module(".models", package="store")\n', "store.models"),
    ],
)
def test_checker_reports_every_spelling_of_store_models(tmp_path, source, name):
    _plant(tmp_path, {"tui/home.py": source})
    line = source.count("\n")  # the import is on the last line
    assert violations(tmp_path, "tui", MODULE_RULES["tui"]) == [
        f"tui/home.py:{line} imports {name}"
    ]


def test_checker_passes_a_clean_module(tmp_path):
    source = (
        "import importlib\n"
        "from typing import TYPE_CHECKING\n"
        "\n"
        "from store import cases\n"
        "from store.cases import accept_case\n"
        "from tui.messages import Done\n"
        "\n"
        "if TYPE_CHECKING:\n"
        "    from store.session import Register\n"
        "\n"
        'SCREEN_FACTORIES = {"home": "tui.screens.home:HomeScreen"}\n'
        'NOT_AN_IMPORT = "store.models"\n'
        "\n"
        "\n"
        "def load(path):\n"
        '    module, name = path.split(":")\n'
        "    return getattr(importlib.import_module(module), name)\n"
    )
    _plant(tmp_path, {"tui/app.py": source})
    assert violations(tmp_path, "tui", MODULE_RULES["tui"]) == []
    assert violations(tmp_path, "tui", ["devices", "themes", "textual", "peewee"]) == []


def test_checker_fails_loudly_on_a_syntax_error(tmp_path):
    _plant(tmp_path, {"themes/ok.py": "import textual\n", "themes/broken.py": "def f(:\n"})
    with pytest.raises(SyntaxError) as raised:
        violations(tmp_path, "themes", RULES["themes"])
    assert raised.value.filename.endswith("broken.py")


def test_checker_refuses_a_missing_room(tmp_path):
    with pytest.raises(FileNotFoundError):
        imports_in_room(tmp_path, "store")


def test_checker_module_names():
    assert import_scan.module_name(ROOT / "store" / "__init__.py", ROOT) == "store"
    assert import_scan.module_name(ROOT / "tui" / "screens" / "home.py", ROOT) == "tui.screens.home"
