"""The personal-data audit (issue 15): after the whole test suite, every file the suite left
is searched for the invented persons' names, ID numbers, phones and addresses in UTF-8,
UTF-16 (LE and BE) and GBK; a find fails the run.

Where it looks: pytest's base temporary directory of this session (every tmp_path: the
registers and their -wal, backups, exports, logs, each test's station state directory),
files written during the session in the system's temporary directory and in chuangkou's
own user directories (data, state, log, config, cache), and the PostgreSQL test server's
data directory (after a CHECKPOINT, so the heap and the WAL are on disk) and its log.

Whom it looks for: tests/people.py, and store/demo.py's citizens — the persons every demo
register draws first (store.demo.demo_persons; a demo built with fewer draws a prefix of
them) and the complainants and petitioners it names.

What it reports: the file, the kind of value, whose list, the encoding and the offset —
never the value. A file a test wrote in clear on purpose (a notice it printed into its own
folder, an export it asked for) is excluded by name only, by the test that wrote it, with
the `explicit_export` fixture.

When: at the end of a run of the whole suite (`pytest` with its testpaths and nothing
deselected, as .ci/run does), or any run with CHUANGKOU_PII_AUDIT=1; never with
CHUANGKOU_PII_AUDIT=0.

Not sought: a demo citizen's name of two characters (a quarter of them). It is a common
word — 何文 is in 任何文件, which every failed backup writes into the audit trail — and its
four bytes in UTF-16 or GBK turn up by chance in every few gigabytes of sealed data. Their
ID numbers, phones and addresses are sought, and every longer name.

Not read: trees that are software, not files the suite's code wrote — a copy of this
project's source (its pyproject.toml names chuangkou; tests/people.py defines the persons),
an installed Python package directory or a built one (.whl), and a whole operating-system root (tests/deploy
installs a station into one: its dictionaries and fonts hold every common name).
"""

from __future__ import annotations

import ast
import base64
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gbk")
_CHUNK = 8 << 20
#: Reported per file at most (the kinds are summed up after).
_SHOWN_PER_FILE = 5
#: A compressed part is read unpacked up to this size.
_UNPACK_LIMIT = 256 << 20
_PDF_STREAM = re.compile(rb"(?<![a-z])stream\r?\n(.*?)endstream", re.DOTALL)

#: Paths a test wrote personal data to in clear on purpose (`explicit_export`).
_EXPLICIT: set[Path] = set()


@dataclass(frozen=True)
class Sought:
    kind: str  # 姓名 | 证件号码 | 证件号码前17位 | 电话 | 住址
    source: str  # tests/people.py | store/demo.py
    encoding: str


@dataclass(frozen=True)
class Find:
    path: Path
    offset: int
    sought: Sought
    inside: str = ""  # a compressed part: a zip member, a PDF stream, gzip


# --- whom -----------------------------------------------------------------------------------


def _demo_named() -> list[tuple[str, str]]:
    """(kind, value) of the citizens store/demo.py names in its calls (complainants,
    petitioners): every string given to such a keyword, read from the source itself so a
    new one is sought too."""
    import store.demo

    kinds = {
        "complainant_name": "姓名",
        "name": "姓名",
        "complainant_contact": "电话",
        "phone": "电话",
        "address": "住址",
    }
    tree = ast.parse(Path(store.demo.__file__).read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                value = kw.value
                if (
                    kw.arg in kinds
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                    and value.value.strip()
                ):
                    found.append((kinds[kw.arg], value.value))
    return found


def values() -> list[tuple[str, str, str]]:
    """(kind, source, value) of every invented person's personal data."""
    from store.demo import demo_persons
    from tests.people import PEOPLE

    out: list[tuple[str, str, str]] = []

    def person(source: str, name: str, id_number: str | None, phone: str, address: str) -> None:
        out.extend([(("姓名"), source, name), ("电话", source, phone), ("住址", source, address)])
        if id_number:
            out.append(("证件号码", source, id_number))
            out.append(("证件号码前17位", source, id_number[:17]))
            if id_number.endswith("X"):
                out.append(("证件号码", source, id_number[:-1] + "x"))

    for who in PEOPLE:
        person("tests/people.py", who.name, who.id_number, who.phone, who.address)
    for draft in demo_persons(300):
        person("store/demo.py", draft.name, draft.id_number, draft.phone, draft.address)
    out.extend((kind, "store/demo.py", value) for kind, value in _demo_named())
    return out


def patterns() -> tuple[list[bytes], list[Sought]]:
    """Every value in every encoding it can be sought in (bytes, and what each is)."""
    seen: dict[bytes, Sought] = {}
    for kind, source, value in values():
        for encoding in ENCODINGS:
            if kind == "姓名" and len(value) < 3:
                continue  # a common word, and four bytes found by chance (module doc)
            try:
                data = value.encode(encoding)
            except UnicodeEncodeError:
                continue
            seen.setdefault(data, Sought(kind, source, encoding))
    return list(seen), list(seen.values())


# --- where ----------------------------------------------------------------------------------


def _software(folder: Path) -> str | None:
    """Why a directory holds software rather than what the suite wrote (module doc)."""
    if folder.name in ("site-packages", "dist-packages"):
        return "Python 软件包目录"
    if (folder / "etc" / "os-release").exists() and (folder / "usr").is_dir():
        return "操作系统根目录"
    project = folder / "pyproject.toml"
    if (folder / "tests" / "people.py").is_file() and project.is_file():
        try:
            if 'name = "chuangkou"' in project.read_text(encoding="utf-8", errors="replace"):
                return "本项目源代码副本"
        except OSError:
            return None
    return None


def _walk(root: Path, skipped: list[str]) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root, followlinks=False):
        keep = []
        for name in dirs:
            why = _software(Path(folder, name))
            if why is None:
                keep.append(name)
            else:
                skipped.append(f"{why}：{Path(folder, name)}")
        dirs[:] = keep
        for name in names:
            if name.endswith(".whl"):  # a built package (tests/deploy builds ours)
                skipped.append(f"Python 软件包：{Path(folder, name)}")
                continue
            yield Path(folder, name)


def _files(
    root: Path, since: float | None = None, skipped: list[str] | None = None
) -> Iterator[Path]:
    """Regular files under `root` (not following links, not into software: _software);
    `since`: modified from then on."""
    if root.is_file():
        candidates: Iterable[Path] = [root]
    elif root.is_dir():
        candidates = _walk(root, skipped if skipped is not None else [])
    else:
        return
    for path in candidates:
        try:
            st = path.lstat()
        except OSError:
            continue
        if not path.is_symlink() and path.is_file() and (since is None or st.st_mtime >= since):
            yield path


def _chuangkou_user_dirs() -> list[Path]:
    import platformdirs

    return [
        Path(getter("chuangkou", appauthor=False))
        for getter in (
            platformdirs.user_data_dir,
            platformdirs.user_state_dir,
            platformdirs.user_log_dir,
            platformdirs.user_config_dir,
            platformdirs.user_cache_dir,
        )
    ]


def postgres_files(notes: list[str]) -> list[Path]:
    """The test server's data directory and log, after a CHECKPOINT (needs the server's
    superuser: as root through `runuser -u postgres`)."""
    url = os.environ.get("CHUANGKOU_TEST_PG_URL", "")
    if not url:
        notes.append("未设置 CHUANGKOU_TEST_PG_URL：未检查 PostgreSQL 数据目录")
        return []
    port = str(urlparse(url).port or 5432)
    clusters = shutil.which("pg_lsclusters")
    if clusters is None:
        notes.append("没有 pg_lsclusters：未找到 PostgreSQL 数据目录")
        return []
    rows = subprocess.run(
        [clusters, "-h"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    # version cluster port status owner datadir logfile
    found = [row.split() for row in rows if len(row.split()) >= 6 and row.split()[2] == port]
    if not found:
        notes.append(f"端口 {port} 上没有本机的 PostgreSQL 集群：未检查数据目录")
        return []
    fields = found[0]
    checkpoint = ["psql", "-X", "-q", "-p", port, "-d", "postgres", "-c", "CHECKPOINT"]
    if os.geteuid() == 0 and shutil.which("runuser"):
        checkpoint = ["runuser", "-u", "postgres", "--", *checkpoint]
    done = subprocess.run(checkpoint, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        notes.append("CHECKPOINT 未能执行（需要数据库超级用户）：WAL 中的内容可能尚未全部写到磁盘")
    paths = [Path(fields[5])]
    if len(fields) >= 7 and fields[6] != "custom":
        paths.append(Path(fields[6]))
    return paths


def roots(
    basetemp: Path | None, started: float, notes: list[str]
) -> list[tuple[Path, float | None]]:
    """(root, since): whole trees, or files written since the session started."""
    out: list[tuple[Path, float | None]] = []
    if basetemp is not None:
        out.append((basetemp, None))
    system_tmp = Path(tempfile.gettempdir())
    out.append((system_tmp, started))
    out.extend((d, started) for d in _chuangkou_user_dirs())
    out.extend((p, None) for p in postgres_files(notes))
    return out


# --- the search -----------------------------------------------------------------------------


_PDF_ESCAPE = re.compile(rb"\\([0-7]{1,3}|[\s\S])")
_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(match: re.Match) -> bytes:
    code = match.group(1)
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xFF])
    return _PDF_ESCAPES.get(code, code)


def _pdf_stream(raw: bytes) -> bytes | None:
    """A PDF stream inflated: Flate, or ASCII85 then Flate (as ReportLab writes them)."""
    for decode in (lambda b: b, lambda b: base64.a85decode(b.strip().removesuffix(b"~>"))):
        try:
            return zlib.decompressobj().decompress(decode(raw), _UNPACK_LIMIT)
        except (zlib.error, ValueError):
            continue
    return None


def _unpacked(path: Path, head: bytes) -> Iterator[tuple[str, bytes]]:
    """The compressed contents of a zip (an XLSX export), a PDF (a notice: its Flate
    streams) or a gzip file, as (label, bytes): a name in them is not in the file's bytes."""
    try:
        if head.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(path) as archive:
                for member in archive.infolist():
                    if member.file_size <= _UNPACK_LIMIT:
                        yield f"压缩包成员 {member.filename}", archive.read(member)
        elif head.startswith(b"%PDF"):
            data = path.read_bytes()
            for number, match in enumerate(_PDF_STREAM.finditer(data)):
                inflated = _pdf_stream(match.group(1))
                if inflated:
                    # Text is in literal strings with escapes (UTF-16BE bytes as \\227 …).
                    yield f"PDF 第 {number + 1} 个数据流", _PDF_ESCAPE.sub(_unescape, inflated)
        elif head.startswith(b"\x1f\x8b"):
            with gzip.open(path) as fh:
                yield "gzip 内容", fh.read(_UNPACK_LIMIT)
    except (OSError, EOFError, zipfile.BadZipFile, RuntimeError, ValueError):
        return


def search(
    paths: Iterable[Path], wanted: list[bytes], what: list[Sought]
) -> tuple[list[Find], int, int]:
    """Every file's finds; (finds, files read, bytes read). A file is read in chunks that
    overlap by the longest value, so one across two chunks is found too; a compressed
    file's contents are read unpacked as well (_unpacked)."""
    import ahocorasick_rs

    # A DFA: about three times the speed of the default over a gigabyte (measured).
    automaton = ahocorasick_rs.BytesAhoCorasick(
        wanted, implementation=ahocorasick_rs.Implementation.DFA
    )
    overlap = max(len(w) for w in wanted) - 1
    finds: list[Find] = []
    files = total = 0

    def found(path: Path, data: bytes, start: int, seen: set, inside: str = "") -> None:
        for index, begin, _end in automaton.find_matches_as_indexes(data, overlapping=True):
            key = (inside, index, start + begin)
            if key not in seen:
                seen.add(key)
                finds.append(Find(path, start + begin, what[index], inside))

    for path in paths:
        try:
            fh = open(path, "rb")  # noqa: SIM115 — closed below
        except OSError:
            continue
        files += 1
        seen: set[tuple[str, int, int]] = set()
        head = b""
        with fh:
            base, tail = 0, b""
            while True:
                try:
                    chunk = fh.read(_CHUNK)
                except OSError:
                    break
                if not chunk:
                    break
                head = head or chunk[:8]
                data = tail + chunk
                found(path, data, base - len(tail), seen)
                total += len(chunk)
                base += len(chunk)
                tail = data[-overlap:] if overlap else b""
        for inside, data in _unpacked(path, head):
            found(path, data, 0, seen, inside)
    return finds, files, total


def audit(basetemp: Path | None, started: float) -> tuple[list[Find], list[str], str]:
    """(finds outside the explicit exports, notes, a line of figures)."""
    notes: list[str] = []
    wanted, what = patterns()
    timer = time.perf_counter()
    paths: dict[Path, None] = {}
    # Other pytest sessions' trees (a developer's run at the same time: pytest-of-<user>/,
    # and the folder beside ours) are theirs to audit, with their own explicit exports;
    # ours is read once, as a whole.
    others = [Path(tempfile.gettempdir()) / f"pytest-of-{_user()}"]
    if basetemp is not None:
        others.append(basetemp.parent)
    skipped: list[str] = []
    for root, since in roots(basetemp, started, notes):
        for path in _files(root, since, skipped):
            if root != basetemp and any(_under(path, other) for other in others):
                continue
            paths.setdefault(path, None)
    if skipped:
        shown = "；".join(skipped[:3]) + (f"；…共 {len(skipped)} 处" if len(skipped) > 3 else "")
        notes.append(f"未读（软件，不是测试写下的文件）：{shown}")
    finds, files, total = search(paths, wanted, what)
    explicit = {p.resolve() for p in _EXPLICIT} | _workers_exports(basetemp)
    kept = [f for f in finds if f.path.resolve() not in explicit]
    excused = {f.path for f in finds} - {f.path for f in kept}
    figures = (
        f"{files} 个文件，{total / 1e6:.0f} MB，{len(wanted)} 个检索串，"
        f"{time.perf_counter() - timer:.1f} 秒；测试声明的明文导出 {len(explicit)} 个"
        f"（其中 {len(excused)} 个含个人信息，已按声明排除）"
    )
    return kept, notes, figures


def _user() -> str:
    """The user name in pytest's own temporary folder (pytest-of-<user>)."""
    import getpass

    try:
        return getpass.getuser()
    except (ImportError, KeyError, OSError):
        return "unknown"


def _under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def report(finds: list[Find]) -> list[str]:
    """What a find is, never the value."""
    lines = []
    by_file: dict[Path, list[Find]] = {}
    for find in finds:
        by_file.setdefault(find.path, []).append(find)
    for path, found in sorted(by_file.items()):
        lines.append(f"{path}：{len(found)} 处")
        for find in found[:_SHOWN_PER_FILE]:
            s = find.sought
            where = f"{find.inside}的" if find.inside else ""
            lines.append(f"    {s.kind}（{s.source}，{s.encoding}）于{where}偏移 {find.offset}")
        if len(found) > _SHOWN_PER_FILE:
            lines.append(f"    …另有 {len(found) - _SHOWN_PER_FILE} 处")
    return lines


# --- pytest ---------------------------------------------------------------------------------


#: Under pytest-xdist each worker lists its explicit exports here, in the main process's
#: temp folder (the workers' are inside it), for the audit the main process runs.
_SHARED_EXPORTS = "explicit-exports"


@pytest.fixture
def explicit_export(request):
    """`explicit_export(path)`: this file holds personal data in clear because the test
    asked for it (a printed notice in its own folder, an export it requested). Only that
    file is left out of the audit; returns the path."""
    from tests.parallel import worker_id

    worker = worker_id(request.config)

    def mark(path: os.PathLike | str) -> Path:
        path = Path(path)
        _EXPLICIT.add(path)
        if worker is not None:
            shared = request.config._tmp_path_factory.getbasetemp().parent / _SHARED_EXPORTS
            shared.mkdir(exist_ok=True)
            with open(shared / f"{worker}.txt", "a", encoding="utf-8") as fh:
                fh.write(f"{path.resolve()}\n")
        return path

    return mark


def _workers_exports(basetemp: Path | None) -> set[Path]:
    folder = basetemp / _SHARED_EXPORTS if basetemp is not None else None
    if folder is None or not folder.is_dir():
        return set()
    return {
        Path(line)
        for listed in folder.glob("*.txt")
        for line in listed.read_text(encoding="utf-8").splitlines()
        if line
    }


_state: dict[str, object] = {"deselected": 0}


def pytest_sessionstart(session: pytest.Session) -> None:
    _state["started"] = time.time() - 1  # mtimes are coarse: a second of slack


def pytest_deselected(items) -> None:
    _state["deselected"] = int(_state["deselected"]) + len(items)


def _wanted(session: pytest.Session) -> bool:
    from tests.parallel import worker_id

    if worker_id(session.config) is not None:
        return False  # the main process audits, once all the workers are done
    switch = os.environ.get("CHUANGKOU_PII_AUDIT", "")
    if switch in ("0", "1"):
        return switch == "1"
    config = session.config
    whole = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    return whole and not _state["deselected"] and not config.option.keyword


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if exitstatus == pytest.ExitCode.INTERRUPTED or not _wanted(session):
        return
    factory = getattr(session.config, "_tmp_path_factory", None)
    basetemp = factory.getbasetemp() if factory is not None else None
    finds, notes, figures = audit(basetemp, float(_state.get("started", time.time())))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    write = (
        reporter.write_line if reporter is not None else lambda line: print(line, file=sys.stderr)
    )
    write("")
    write(f"个人信息审计：{figures}")
    for note in notes:
        write(f"  注意：{note}")
    if finds:
        write(f"个人信息审计未通过：{len(finds)} 处明文个人信息（只列出文件、种类和编码）")
        for line in report(finds):
            write("  " + line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    else:
        write("个人信息审计通过：未发现明文个人信息")
