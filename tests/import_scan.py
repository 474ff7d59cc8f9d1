"""Every import a module's source can make, read from its AST (no module is imported).

tests/test_import_rules.py uses this beside its sys.modules probe: the probe sees what
importing a room pulls in transitively, this sees the imports that never ran — inside
functions, methods, classes, `if TYPE_CHECKING:` blocks, `try:` blocks.

What counts as an import, at any depth of the tree:
- `import a.b` and `import a.b as c`: the name `a.b`;
- `from a.b import c, d`: the names `a.b.c` and `a.b.d` (c may be a submodule or an
  attribute; naming it keeps `from store import models` visible as `store.models`);
  `from a.b import *`: the name `a.b`;
- relative imports, resolved against the file's own package: in store/foo.py
  `from . import x` is `store.x`, `from .a import b` is `store.a.b`; in
  store/sub/foo.py `from ..a import b` is `store.a.b`; a relative import that climbs
  above the top-level package is an error;
- a call to `import_module` or `__import__`, bare or as an attribute
  (`importlib.import_module`, `il.import_module`, `builtins.__import__`), whose first
  argument is a string literal; a literal relative name with a literal `package` is
  resolved; `__import__` with a literal `fromlist` also yields `a.b.<item>` for each
  literal item, as the `from` form does.

Imports under `if TYPE_CHECKING:` count like any other: a type-only dependency on a room
above is still a layering violation, and a type-only use of a library still ties the
room to it.

Not seen: an import whose module name is computed at run time (a variable, an f-string)
— e.g. tui.app's SCREEN_FACTORIES strings, loaded through `importlib.import_module(module)`,
or tui.cli.base's `__import__(module, fromlist=[name])` over a tuple of names.
The sys.modules probe covers what such code imports when it runs at import time.

A file that does not parse raises SyntaxError: it is never skipped.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

_IMPORT_FUNCTIONS = {"import_module", "__import__"}


@dataclass(frozen=True, order=True)
class Import:
    path: Path
    line: int
    name: str  # absolute dotted name

    def describe(self, root: Path | None = None) -> str:
        path = self.path.relative_to(root) if root is not None else self.path
        return f"{path.as_posix()}:{self.line} imports {self.name}"


def module_name(path: Path, root: Path) -> str:
    """store/foo.py -> store.foo; store/__init__.py -> store."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_of(path: Path, root: Path) -> str:
    module = module_name(path, root)
    if path.name == "__init__.py":
        return module
    return module.rpartition(".")[0]


def _resolve(package: str, level: int, module: str | None, where: str) -> str:
    """The absolute name of a relative import of `level` dots from `package`."""
    parts = package.split(".") if package else []
    if level - 1 >= len(parts):
        raise ImportError(f"{where}: relative import beyond the top-level package")
    base = parts[: len(parts) - (level - 1)]
    if module:
        base.append(module)
    return ".".join(base)


def _literal(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _call_names(call: ast.Call, package: str, where: str) -> list[str]:
    func = call.func
    if isinstance(func, ast.Name):
        fname = func.id
    elif isinstance(func, ast.Attribute):
        fname = func.attr
    else:
        return []
    if fname not in _IMPORT_FUNCTIONS:
        return []
    args = list(call.args)
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    target = _literal(args[0]) if args else _literal(keywords.get("name"))
    if target is None:
        return []  # computed at run time: out of reach of a static reader
    if fname == "import_module":
        if target.startswith("."):
            anchor = _literal(args[1]) if len(args) > 1 else _literal(keywords.get("package"))
            if anchor is None:
                return []
            level = len(target) - len(target.lstrip("."))
            return [_resolve(anchor, level, target.lstrip(".") or None, where)]
        return [target]
    # __import__(name, globals, locals, fromlist, level)
    level_node = args[4] if len(args) > 4 else keywords.get("level")
    level = level_node.value if isinstance(level_node, ast.Constant) else 0
    if isinstance(level, int) and level > 0:
        target = _resolve(package, level, target or None, where)
    names = [target]
    fromlist = args[3] if len(args) > 3 else keywords.get("fromlist")
    if isinstance(fromlist, ast.List | ast.Tuple | ast.Set):
        for item in fromlist.elts:
            text = _literal(item)
            if text and text != "*":
                names.append(f"{target}.{text}")
    return names


def imports_in_source(source: str | bytes, path: Path, package: str) -> Iterator[Import]:
    """Every import in one module's source; `package` anchors its relative imports."""
    tree = ast.parse(source, filename=str(path))  # SyntaxError propagates
    for node in ast.walk(tree):
        where = f"{path}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = (
                _resolve(package, node.level, node.module, where)
                if node.level
                else node.module or ""
            )
            for alias in node.names:
                name = base if alias.name == "*" else f"{base}.{alias.name}"
                yield Import(path, node.lineno, name)
        elif isinstance(node, ast.Call):
            for name in _call_names(node, package, where):
                yield Import(path, node.lineno, name)


def imports_in_file(path: Path, root: Path) -> list[Import]:
    return sorted(imports_in_source(path.read_bytes(), path, _package_of(path, root)))


def python_files(room_dir: Path) -> list[Path]:
    return sorted(p for p in room_dir.rglob("*.py") if "__pycache__" not in p.parts)


def imports_in_room(root: Path, room: str) -> list[Import]:
    """Every import of every .py file under the package `room` (dotted) found in root."""
    room_dir = root.joinpath(*room.split("."))
    if not (room_dir / "__init__.py").is_file():
        raise FileNotFoundError(f"{room_dir} is not a package")
    found: list[Import] = []
    for path in python_files(room_dir):
        found.extend(imports_in_file(path, root))
    return found


def is_within(name: str, module: str) -> bool:
    """True when `name` is `module` or something inside it ("store" covers "store.models",
    not "storefront")."""
    return name == module or name.startswith(module + ".")


def violations(root: Path, room: str, forbidden: Iterable[str]) -> list[str]:
    """`path:line imports name` for each import, anywhere in the room's source, of a
    forbidden module or of anything inside one."""
    forbidden = tuple(forbidden)
    return [
        imp.describe(root)
        for imp in imports_in_room(root, room)
        if any(is_within(imp.name, f) for f in forbidden)
    ]
