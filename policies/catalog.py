"""The service catalog (办事指南): schema, parse, validate, dump and search.

A catalog is a TOML text (imported into the store; a sample ships as
``policies/data/catalog.toml``)::

    version = 1
    [[windows]]
    code = "minzheng"          # ascii, unique
    name = "民政窗口"
    phone = "0371-6xxxxxxx"    # optional: read out to a phone caller on 转办
    description = "…"          # optional
    [[items]]
    code = "MZ001"             # unique
    name = "低保申请"
    aliases = ["最低生活保障申请"]   # optional extra search names
    window = "minzheng"        # must be a window code
    basis = ["《社会救助暂行办法》（国务院令第649号）"]
    procedure = ["申请", "受理", "入户调查", "审核审批", "公示"]
    legal_limit_days = 30      # working days; 0 = same day
    promised_limit_days = 20   # <= legal_limit_days
    fee = "不收费"              # text shown to the applicant
    fee_cents = 0              # optional numeric (reports)
    default_kind = "promised"  # immediate | promised | joint | escalated
    authority = "county"       # township | county | city | province (who approves)
    tolerance_allowed = true   # optional (default false); 容缺受理; false for immediate/escalated
    result = "低保证"           # optional
    windows_involved = ["minzheng"]  # optional, for joint items
    [[items.materials]]        # optional (an item may need none)
    name = "户口簿"
    main = true                # 主件 (true) or 辅件/secondary (false)
    copies = 1                 # optional
    note = "原件及复印件"        # optional

Parsing is all or nothing: every problem found is listed in one :class:`CatalogError`.
Further rules: an immediate item promises 0 days; a joint item lists at least two windows
(its own included); ``tolerance_allowed`` is refused on kinds the policy excludes.

Search (:meth:`Catalog.search`) matches Chinese substrings, pinyin initials (``dbsq`` →
低保申请) and full-pinyin prefixes, ranked exact > prefix > substring, names before
aliases, shorter first. The pinyin index is built once per catalog, on first search.
"""

from __future__ import annotations

import functools
import itertools
import re
import tomllib
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import tomli_w

from policies.cases import AUTHORITIES, CATALOG_KINDS
from policies.errors import PolicyError

__all__ = [
    "CATALOG_VERSION",
    "DEFAULT_TOLERANCE_INELIGIBLE",
    "Catalog",
    "CatalogError",
    "Material",
    "ServiceItem",
    "Window",
    "dump_catalog",
    "load_sample_catalog",
    "parse_catalog",
]

CATALOG_VERSION = 1
# Kinds excluded from 容缺受理 when no policy is given (seed 002 附件8 第二条).
DEFAULT_TOLERANCE_INELIGIBLE = ("immediate", "escalated")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_MAX_PROBLEMS = 50
# A limit is counted day by day through the calendar: a year bounds the walk (and no
# statutory limit at a counter is longer).
MAX_LIMIT_DAYS = 365
# Codes and names are kept in columns of these widths (VARCHAR on PostgreSQL).
_WINDOW_LENGTHS = {"code": 32, "name": 64, "phone": 32}
_ITEM_LENGTHS = {"code": 32, "name": 128}


class CatalogError(PolicyError):
    """The catalog text is not valid; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            message = f"办事指南有误：{self.problems[0]}"
        else:
            lines = "\n".join(f"- {p}" for p in self.problems)
            message = f"办事指南有 {len(self.problems)} 处错误：\n{lines}"
        super().__init__(message)


@dataclass(frozen=True)
class Window:
    code: str
    name: str
    phone: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Material:
    name: str
    main: bool  # 主件 (True) or 辅件 (False)
    copies: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class ServiceItem:
    code: str
    name: str
    window: str
    basis: tuple[str, ...]
    procedure: tuple[str, ...]
    legal_limit_days: int
    promised_limit_days: int
    fee: str
    default_kind: str
    authority: str
    aliases: tuple[str, ...] = ()
    fee_cents: int | None = None
    tolerance_allowed: bool = False
    result: str | None = None
    windows_involved: tuple[str, ...] = ()
    materials: tuple[Material, ...] = ()

    @property
    def main_materials(self) -> tuple[Material, ...]:
        return tuple(m for m in self.materials if m.main)

    @property
    def secondary_materials(self) -> tuple[Material, ...]:
        return tuple(m for m in self.materials if not m.main)

    @property
    def window_count(self) -> int:
        """Windows involved, the item's own window included (for the 联办 threshold)."""
        return len({self.window, *self.windows_involved})


# --- the schema -------------------------------------------------------------------------

# key → (type, required); the order is the order dump_catalog writes.
_LIST = "list[str]"
_WINDOW_KEYS: dict[str, tuple[Any, bool]] = {
    "code": (str, True),
    "name": (str, True),
    "phone": (str, False),
    "description": (str, False),
}
_ITEM_KEYS: dict[str, tuple[Any, bool]] = {
    "code": (str, True),
    "name": (str, True),
    "aliases": (_LIST, False),
    "window": (str, True),
    "basis": (_LIST, True),
    "procedure": (_LIST, True),
    "legal_limit_days": (int, True),
    "promised_limit_days": (int, True),
    "fee": (str, True),
    "fee_cents": (int, False),
    "default_kind": (str, True),
    "authority": (str, True),
    "tolerance_allowed": (bool, False),
    "result": (str, False),
    "windows_involved": (_LIST, False),
    "materials": (list, False),
}
_MATERIAL_KEYS: dict[str, tuple[Any, bool]] = {
    "name": (str, True),
    "main": (bool, True),
    "copies": (int, False),
    "note": (str, False),
}
_TOP_KEYS = {"version", "windows", "items"}
_TYPE_NAMES = {
    str: "文字",
    int: "整数",
    bool: "布尔值（true/false）",
    _LIST: "文字列表",
    list: "表的列表",
}


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        if len(self.items) < _MAX_PROBLEMS:
            self.items.append(message)


def _typed(value: Any, kind: Any) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == _LIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind is list:
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return isinstance(value, kind)


def _read_table(
    table: Any, schema: dict[str, tuple[Any, bool]], where: str, problems: _Problems
) -> dict[str, Any] | None:
    """Type-check one table against its schema; None when it is unusable."""
    if not isinstance(table, dict):
        problems.add(f"{where}：应为表，实为 {table!r}")
        return None
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in schema:
            problems.add(f"{where}：未知字段 {key!r}（可用：{'、'.join(schema)}）")
            continue
        kind, _ = schema[key]
        if not _typed(value, kind):
            problems.add(f"{where} 的 {key}：应为{_TYPE_NAMES[kind]}，实为 {value!r}")
            continue
        if isinstance(value, str):
            value = value.strip()
            if not value:
                problems.add(f"{where} 的 {key}：不能为空")
                continue
        elif kind == _LIST:
            value = [v.strip() for v in value]
            if any(not v for v in value):
                problems.add(f"{where} 的 {key}：列表中有空文字")
                continue
        out[key] = value
    for key, (_, required) in schema.items():
        if required and key not in table:
            problems.add(f"{where}：缺少必填字段 {key}")
    return out


def _toml_error(exc: tomllib.TOMLDecodeError) -> str:
    text = str(exc)
    match = re.search(r"\(at line (\d+), column (\d+)\)", text)
    if match:
        detail = text[: match.start()].strip()
        return f"不是有效的 TOML（第 {match[1]} 行第 {match[2]} 列）：{detail}"
    return f"不是有效的 TOML：{text}"


def parse_catalog(
    text: str, *, tolerance_ineligible: Collection[str] = DEFAULT_TOLERANCE_INELIGIBLE
) -> Catalog:
    """Parse and validate a catalog; raise CatalogError listing every problem.

    ``tolerance_ineligible``: kinds on which ``tolerance_allowed = true`` is an error; pass
    ``policy.tolerance.ineligible_kinds`` to follow the hall's policy.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError([_toml_error(exc)]) from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise CatalogError(["嵌套层数过多，不是有效的事项目录"]) from None
    problems = _Problems()
    for key in data:
        if key not in _TOP_KEYS:
            problems.add(f"顶层：未知字段 {key!r}（可用：version、windows、items）")
    version = data.get("version")
    if version != CATALOG_VERSION or isinstance(version, bool):
        problems.add(f"version：应为 {CATALOG_VERSION}，实为 {version!r}")

    windows = _parse_windows(data.get("windows"), problems)
    codes = {w.code for w in windows}
    items = _parse_items(data.get("items"), codes, set(tolerance_ineligible), problems)
    if problems.items:
        raise CatalogError(problems.items)
    return Catalog(CATALOG_VERSION, tuple(windows), tuple(items))


def _parse_windows(raw: Any, problems: _Problems) -> list[Window]:
    if not isinstance(raw, list) or not raw:
        problems.add("windows：至少要有一个窗口（[[windows]]）")
        return []
    windows: list[Window] = []
    seen: set[str] = set()
    for i, table in enumerate(raw):
        label = table.get("code") if isinstance(table, dict) else None
        where = f"窗口 {label}（windows[{i}]）" if isinstance(label, str) else f"windows[{i}]"
        values = _read_table(table, _WINDOW_KEYS, where, problems)
        if values is None or "code" not in values or "name" not in values:
            continue
        _check_lengths(values, _WINDOW_LENGTHS, where, problems)
        code = values["code"]
        if not _CODE.fullmatch(code):
            problems.add(f"{where} 的 code：只能用英文字母、数字和 _ . -（实为 {code!r}）")
        if code in seen:
            problems.add(f"{where}：窗口代码 {code!r} 重复")
        seen.add(code)
        windows.append(Window(**values))
    return windows


def _parse_items(
    raw: Any, window_codes: set[str], ineligible: set[str], problems: _Problems
) -> list[ServiceItem]:
    if not isinstance(raw, list) or not raw:
        problems.add("items：至少要有一个事项（[[items]]）")
        return []
    items: list[ServiceItem] = []
    seen: set[str] = set()
    for i, table in enumerate(raw):
        label = table.get("code") if isinstance(table, dict) else None
        where = f"事项 {label}（items[{i}]）" if isinstance(label, str) else f"items[{i}]"
        values = _read_table(table, _ITEM_KEYS, where, problems)
        if values is None:
            continue
        ok = _check_lengths(values, _ITEM_LENGTHS, where, problems)
        ok &= all(k in values for k, (_, required) in _ITEM_KEYS.items() if required)
        code = values.get("code")
        if code is not None:
            if not _CODE.fullmatch(code):
                problems.add(f"{where} 的 code：只能用英文字母、数字和 _ . -（实为 {code!r}）")
            if code in seen:
                problems.add(f"{where}：事项代码 {code!r} 重复")
            seen.add(code)
        ok &= _check_item(values, where, window_codes, ineligible, problems)
        materials = _parse_materials(values.pop("materials", []), where, problems)
        if ok and materials is not None:
            items.append(_item(values, materials))
    return items


def _check_item(
    v: dict[str, Any], where: str, window_codes: set[str], ineligible: set[str], problems: _Problems
) -> bool:
    before = len(problems.items)
    if "window" in v and v["window"] not in window_codes:
        problems.add(f"{where} 的 window：没有代码为 {v['window']!r} 的窗口")
    for code in v.get("windows_involved", []):
        if code not in window_codes:
            problems.add(f"{where} 的 windows_involved：没有代码为 {code!r} 的窗口")
    if len(set(v.get("windows_involved", []))) != len(v.get("windows_involved", [])):
        problems.add(f"{where} 的 windows_involved：窗口重复")
    for key in ("basis", "procedure"):
        if key in v and not v[key]:
            problems.add(f"{where} 的 {key}：不能为空列表")
    for key in ("legal_limit_days", "promised_limit_days", "fee_cents"):
        if key in v and v[key] < 0:
            problems.add(f"{where} 的 {key}：不能为负数（实为 {v[key]}）")
    for key in ("legal_limit_days", "promised_limit_days"):
        if key in v and v[key] > MAX_LIMIT_DAYS:
            problems.add(f"{where} 的 {key}：不能超过 {MAX_LIMIT_DAYS} 个工作日（实为 {v[key]}）")
    legal, promised = v.get("legal_limit_days"), v.get("promised_limit_days")
    if legal is not None and promised is not None and promised > legal:
        problems.add(
            f"{where}：承诺期限 promised_limit_days（{promised}）不能长于法定期限（{legal}）"
        )
    kind = v.get("default_kind")
    if kind is not None and kind not in CATALOG_KINDS:
        problems.add(
            f"{where} 的 default_kind：应为 {'、'.join(CATALOG_KINDS)} 之一，实为 {kind!r}"
        )
    if "authority" in v and v["authority"] not in AUTHORITIES:
        problems.add(
            f"{where} 的 authority：应为 {'、'.join(AUTHORITIES)} 之一，实为 {v['authority']!r}"
        )
    authority = v.get("authority", "township")
    if kind == "immediate" and authority in AUTHORITIES and authority != "township":
        # Approval above the hall makes it a 上报件 at the counter (policies.cases.propose_kind):
        # such an item can never be done on the spot.
        problems.add(
            f"{where}：审批权限在{AUTHORITIES[authority]}的事项不能是即办件（须上报）；"
            '若由进驻窗口当场审批办结，authority 应为 "township"'
        )
    if kind == "immediate" and promised not in (None, 0):
        problems.add(f"{where}：即办件的 promised_limit_days 应为 0（当日办结），实为 {promised}")
    if kind == "joint" and len({v.get("window"), *v.get("windows_involved", [])}) < 2:
        problems.add(f"{where}：联办件须在 windows_involved 中列出至少两个窗口")
    if v.get("tolerance_allowed") and kind in ineligible:
        problems.add(f"{where}：{kind} 类事项不适用容缺受理，tolerance_allowed 应为 false")
    return len(problems.items) == before


def _check_lengths(
    values: dict[str, Any], lengths: dict[str, int], where: str, problems: _Problems
) -> bool:
    ok = True
    for key, most in lengths.items():
        if key in values and len(values[key]) > most:
            problems.add(
                f"{where} 的 {key}：过长（最多 {most} 个字符，实为 {len(values[key])} 个）"
            )
            ok = False
    return ok


def _parse_materials(raw: list[Any], where: str, problems: _Problems) -> list[Material] | None:
    materials: list[Material] = []
    names: set[str] = set()
    ok = True
    for j, table in enumerate(raw):
        mwhere = f"{where} 的 materials[{j}]"
        values = _read_table(table, _MATERIAL_KEYS, mwhere, problems)
        if values is None or "name" not in values or "main" not in values:
            ok = False
            continue
        if values["name"] in names:
            problems.add(f"{mwhere}：材料「{values['name']}」重复")
            ok = False
        names.add(values["name"])
        if "copies" in values and values["copies"] < 1:
            problems.add(f"{mwhere} 的 copies：至少为 1（实为 {values['copies']}）")
            ok = False
        materials.append(Material(**values))
    return materials if ok else None


def _item(values: dict[str, Any], materials: list[Material]) -> ServiceItem:
    tuples = {k: tuple(v) for k, v in values.items() if isinstance(v, list)}
    return ServiceItem(**(values | tuples), materials=tuple(materials))


# --- dump -------------------------------------------------------------------------------


def _table(obj: Any, schema: dict[str, tuple[Any, bool]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, (_, required) in schema.items():
        value = getattr(obj, key)
        if key == "materials":
            value = [_table(m, _MATERIAL_KEYS) for m in value]
        elif isinstance(value, tuple):
            value = list(value)
        # optional keys at their default are left out, except tolerance_allowed (visible)
        if not required and key != "tolerance_allowed" and value in (None, []):
            continue
        out[key] = value
    return out


def dump_catalog(catalog: Catalog) -> str:
    """Write the catalog as TOML; :func:`parse_catalog` reads it back equal.

    Every window, item and material gets its own ``[[…]]`` block, the layout people edit
    (tomli_w alone would inline the short tables).
    """
    parts = [tomli_w.dumps({"version": catalog.version})]
    for window in catalog.windows:
        parts.append("\n[[windows]]\n" + tomli_w.dumps(_table(window, _WINDOW_KEYS)))
    for item in catalog.items:
        table = _table(item, _ITEM_KEYS)
        materials = table.pop("materials", [])
        parts.append("\n[[items]]\n" + tomli_w.dumps(table))
        parts.extend("\n[[items.materials]]\n" + tomli_w.dumps(m) for m in materials)
    return "".join(parts)


def load_sample_catalog() -> Catalog:
    """The sample catalog bundled as ``policies/data/catalog.toml``."""
    text = resources.files("policies").joinpath("data/catalog.toml").read_text(encoding="utf-8")
    return parse_catalog(text)


# --- search -----------------------------------------------------------------------------

# Above this many heteronym combinations only the default reading's initials are indexed.
_MAX_VARIANTS = 16


def _normalise(text: str) -> str:
    # NFKC folds full-width letters/digits (ＤＢＳＱ) to ASCII; spaces carry no meaning here.
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


@dataclass(frozen=True)
class _Key:
    index: int  # position of the item in the catalog
    is_alias: bool
    length: int
    text: str  # normalised name
    full: str  # full pinyin of the default reading, no separators: dibaoshenqing
    initials: frozenset[str]  # initials strings: default reading and heteronym variants
    initials_lines: str  # the same joined by "\n", for C-speed prefix/substring tests


def _pinyin_key(index: int, name: str, is_alias: bool) -> _Key:
    from pypinyin import Style, lazy_pinyin, pinyin

    text = _normalise(name)
    # errors=list keeps one entry per non-Chinese character, so readings align with text
    readings = lazy_pinyin(text, style=Style.NORMAL, errors=lambda s: list(s))
    if len(readings) != len(text):
        readings = [lazy_pinyin(c, style=Style.NORMAL, errors=lambda s: list(s))[0] for c in text]
    full: list[str] = []
    letters: list[list[str]] = []
    for char, reading in zip(text, readings, strict=True):
        if _is_han(char):
            full.append(reading)
            alternatives = pinyin(char, style=Style.NORMAL, heteronym=True)[0]
            firsts = [reading[0]] + [a[0] for a in alternatives if a and a[0] != reading[0]]
            letters.append(list(dict.fromkeys(firsts)))
        elif char.isascii() and char.isalnum():
            full.append(char)
            letters.append([char])
    count = 1
    for options in letters:
        count *= len(options)
    if count > _MAX_VARIANTS:
        letters = [options[:1] for options in letters]
    variants = ["".join(combo) for combo in itertools.product(*letters)]
    return _Key(
        index, is_alias, len(text), text, "".join(full), frozenset(variants), "\n".join(variants)
    )


@dataclass(frozen=True)
class Catalog:
    version: int
    windows: tuple[Window, ...]
    items: tuple[ServiceItem, ...]

    def window(self, code: str) -> Window:
        for window in self.windows:
            if window.code == code:
                return window
        raise KeyError(code)

    def item(self, code: str) -> ServiceItem:
        for item in self.items:
            if item.code == code:
                return item
        raise KeyError(code)

    def items_for_window(self, code: str) -> list[ServiceItem]:
        return [item for item in self.items if item.window == code]

    @functools.cached_property
    def _index(self) -> tuple[tuple[str, tuple[_Key, ...]], ...]:
        """Per item: one blob of every searchable string (a fast first filter) and its keys."""
        index = []
        for i, item in enumerate(self.items):
            keys = [_pinyin_key(i, item.name, False)]
            keys.extend(_pinyin_key(i, alias, True) for alias in item.aliases)
            code = _normalise(item.code)
            keys.append(_Key(i, True, len(code), code, "", frozenset(), ""))
            blob = "\n".join(f"{k.text}\n{k.full}\n{k.initials_lines}" for k in keys)
            index.append((blob, tuple(keys)))
        return tuple(index)

    def prepare_search(self) -> None:
        """Build the pinyin index now (e.g. in a worker at start-up) instead of on first search.

        The first build imports pypinyin (~0.1 s); afterwards a search is well under 1 ms.
        """
        _ = self._index

    def search(self, query: str, limit: int = 10) -> list[ServiceItem]:
        """Items matching ``query``: Chinese text, pinyin initials, full pinyin or item code.

        Ranked by match (exact, then prefix, then substring), then names before aliases
        and codes, then shorter names, then catalog order.
        """
        q = _normalise(query)
        if not q or limit <= 0:
            return []
        nq = "\n" + q
        ranked: list[tuple[int, bool, int, int]] = []
        for blob, keys in self._index:
            if q not in blob:
                continue
            best = None
            for key in keys:
                if q == key.text or q == key.full or q in key.initials:
                    tier = 0
                elif (
                    key.text.startswith(q)
                    or key.full.startswith(q)
                    or key.initials_lines.startswith(q)
                    or nq in key.initials_lines
                ):
                    tier = 1
                elif q in key.text or q in key.initials_lines or (len(q) >= 3 and q in key.full):
                    tier = 2
                else:
                    continue
                rank = (tier, key.is_alias, key.length, key.index)
                if best is None or rank < best:
                    best = rank
            if best is not None:
                ranked.append(best)
        ranked.sort()
        return [self.items[rank[3]] for rank in ranked[:limit]]
