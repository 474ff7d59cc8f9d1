"""F1 lists only the keys this person may use here, each with its 说明, in one notation; the
footer and every hint write keys the same way (tui.keys.key_name)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle
from tests.tui.test_app import demo_clerk_home
from tests.tui.test_roster_screen import open_roster, supervisor_home
from tui.keys import key_name

pytestmark = pytest.mark.timeout(180)

#: One key as written on screen; several keys for one action are joined by "/".
KEY = r"(F\d{1,2}|Ctrl\+[A-Z0-9]|Shift\+Tab|Tab|Esc|回车|空格|[A-Z0-9]|[↑↓←→]|PgUp|PgDn|Home|End)"
NOTATION = re.compile(rf"{KEY}(/{KEY})*")
TUI = Path(__file__).resolve().parents[2] / "tui"


def test_key_name():
    assert key_name("ctrl+s") == "Ctrl+S"
    assert key_name("shift+tab") == "Shift+Tab"
    assert key_name("escape") == "Esc"
    assert key_name("enter") == "回车"
    assert key_name("space") == "空格"
    assert key_name("n") == "N"
    assert key_name("f10") == "F10"
    assert key_name("escape,f1") == "Esc/F1"


async def help_rows(pilot) -> list[tuple[str, str, str]]:
    from textual.widgets import DataTable

    await pilot.press("f1")
    await settle(pilot)
    table = pilot.app.screen.query_one("#keys", DataTable)
    rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
    await pilot.press("escape")
    await settle(pilot)
    return rows


def check_rows(rows, where: str) -> None:
    assert rows, where
    for key, what, why in rows:
        assert NOTATION.fullmatch(key), f"{where}: key {key!r} not in the notation"
        assert what.strip() and why.strip(), f"{where}: {key} has no 功能 or 说明"


async def test_a_clerks_f1_lists_no_supervisor_key(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        home = await help_rows(pilot)
        check_rows(home, "clerk home")
        assert not [r for r in home if "否定报备" in r[1]], home
        assert any(r[0] == "F2" for r in home)
        await open_roster(pilot)
        roster = await help_rows(pilot)
        check_rows(roster, "clerk roster")
        assert not [r for r in roster if r[1] == "调整"], roster


async def test_a_supervisors_f1_lists_their_keys(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await supervisor_home(pilot)
        check_rows(await help_rows(pilot), "board")
        await open_roster(pilot)
        roster = await help_rows(pilot)
        check_rows(roster, "supervisor roster")
        assert ("E", "调整") in {r[:2] for r in roster}


async def test_the_footer_writes_keys_as_f1_does(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("f5")
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "N 登记离岗" in footer and "n 登记离岗" not in footer


#: Ways of writing a key that are not the notation (回车, not Enter; Esc, not ESC …).
WRONG = re.compile(
    r"\bEnter\b|\bENTER\b|\bESC\b|\bEscape\b|\bctrl[+-]|\bCtrl-|\bCTRL\b|\bSpace\b|空格键|回车键"
    r"|\bShift-|\bPageUp\b|\bPageDown\b|\^[a-z]\b"
)


def screen_strings(path: Path):
    """The string constants of a module that may reach the screen (not docstrings)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and re.search(r"[\u4e00-\u9fff]", node.value)  # Chinese: shown text
        ):
            yield node.lineno, node.value


def test_every_hint_writes_keys_in_one_notation():
    bad = [
        f"{path.relative_to(TUI)}:{line}: {text}"
        for path in sorted([*TUI.glob("screens/*.py"), *TUI.glob("widgets/*.py")])
        for line, text in screen_strings(path)
        if WRONG.search(text)
    ]
    assert not bad, "\n".join(bad)


async def test_f1_on_a_case_lists_only_the_steps_allowed_now(demo, clock):
    from tests.tui.test_case_screen import open_from_home
    from tui.screens.case import KEYS, offered_keys

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(80, 24)) as pilot:
        await demo_clerk_home(pilot, info)
        row = next(r for r in app.screen.queue.rows if r.section == "case")
        await open_from_home(pilot, row.number)
        offered = {key_name(k) for k in offered_keys(app.screen.detail)}
        step_labels = {label for _, _, label in KEYS}
        rows = await help_rows(pilot)
        check_rows(rows, "case")
        steps = {key for key, what, _ in rows if what in step_labels}
        assert steps == offered, (steps, offered)
        assert len(offered) < len(KEYS)  # some steps are not open to this case or clerk
