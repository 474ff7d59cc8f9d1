"""Bad input, fuzzed (issue 15): the station file, any bytes handed over as a text file, and
the `chuangkou catalog import` / `calendar import` commands given hostile files and
arguments. Each is read or refused with a Chinese message; the CLI exits 0 or 1 with no
traceback and prints no control character.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from devices.config import ConfigError
from tests.hostile import fuzz, has_chinese, hostile_text
from tests.policies.test_hostile_files import CATALOG_TEXT, YEAR_TEXT, any_document
from tests.tui.test_cli import SUPERVISOR_PW, cli  # noqa: F401 — fixture
from tui.keys import KeymapError, keymap_from_station
from tui.station import STATION_FILE_LIMIT, load_station
from tui.textfiles import TextFileError, read_text_file

ROOT = Path(__file__).resolve().parents[2]
STATION_TEXT = (ROOT / "deploy" / "station.example.toml").read_text(encoding="utf-8")


@fuzz(150)
@given(any_document(STATION_TEXT))
def test_a_station_file_is_read_or_refused_in_chinese(tmp_path, text):
    path = tmp_path / "station.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    try:
        station = load_station(path)
        keymap = keymap_from_station(dict(station.keymap))
    except (ConfigError, KeymapError) as exc:
        assert has_chinese(str(exc)), str(exc)[:200]
        return
    assert 1 <= len(station.station_id) <= 64 and station.station_id.isascii()
    assert all(isinstance(k, str) for k in keymap.values())


@fuzz(150)
@given(
    st.one_of(
        st.binary(max_size=300),
        st.sampled_from(
            [
                b"\xef\xbb\xbf" + STATION_TEXT.encode(),  # a BOM (Notepad)
                STATION_TEXT.encode("utf-16"),
                STATION_TEXT.encode("gbk"),
                b"\x00" * 64,
                b"a" * (STATION_FILE_LIMIT + 1),
            ]
        ),
    )
)
def test_any_bytes_as_a_text_file_are_read_or_refused_in_chinese(tmp_path, data):
    path = tmp_path / "file.toml"
    path.write_bytes(data)
    try:
        text = read_text_file(path, limit=STATION_FILE_LIMIT, what="配置文件")
    except TextFileError as exc:
        assert has_chinese(str(exc))
        return
    assert text.encode("utf-8") == data  # nothing guessed, nothing lost


@pytest.fixture(scope="module")
def register_file(tmp_path_factory) -> Path:
    """A register made once for the module (the CLI's own `init` takes seconds each time)."""
    from store.database import close_database
    from store.keyslots import OWASP_MINIMUM_KDF
    from store.setup import create_register

    path = tmp_path_factory.mktemp("hostile-cli") / "register.db"
    create_register(
        f"sqlite:///{path}",
        hall_name="示例镇便民服务中心",
        hall_code="SLZ",
        supervisor_number="0001",
        supervisor_name="林主任",
        password=SUPERVISOR_PW,
        kdf=OWASP_MINIMUM_KDF,
    )
    close_database()
    return path


@pytest.fixture
def db(register_file, tmp_path) -> str:
    target = tmp_path / "hall" / "register.db"
    target.parent.mkdir(mode=0o700)
    shutil.copy(register_file, target)
    return f"sqlite:///{target}"


def _catalog_with(name: str) -> str:
    doc = tomllib.loads(CATALOG_TEXT)
    doc["items"][0]["name"] = name
    doc["windows"][0]["description"] = name
    return tomli_w.dumps(doc)


FILES = {
    "not-utf8": b"\xff\xfe\x00[",
    "utf16": CATALOG_TEXT.encode("utf-16"),
    "nul": b"version = 1\x00\n",
    "nesting": b"a = " + b"[" * 5000,
    "escapes-in-names": _catalog_with("示例\x1b]0;pwned\x07\x1b[2J\x9b31m中心\u202e").encode(),
    "10k-name": _catalog_with("中" * 10_240).encode(),
    "astral-name": _catalog_with("𠀀😀\U000e0041\U0010fffd").encode(),
    "year-escapes": YEAR_TEXT.replace('"元旦"', '"元旦\\u001b[2J\\u0000"').encode(),
}


def _calm(code: int, out: str, err: str) -> None:
    assert code in (0, 1), (code, err)
    assert "Traceback" not in out + err
    for control in ("\x1b", "\x07", "\x9b", "\x00", "\u202e"):
        assert control not in out + err, repr(control)
    assert has_chinese(out + err)
    if code:
        assert err.startswith("错误："), err[:200]


@pytest.mark.parametrize("name", FILES)
def test_import_commands_take_hostile_files(cli, db, tmp_path, name):  # noqa: F811
    path = tmp_path / "file.toml"
    path.write_bytes(FILES[name])
    for command in ("catalog", "calendar"):
        code, out, err = cli(
            "--db", db, command, "import", str(path), "--as", "0001", stdin=SUPERVISOR_PW + "\n"
        )
        _calm(code, out, err)


@pytest.mark.parametrize(
    "args",
    [
        ("catalog", "search", "\udcff\udcfe"),  # bytes that are not UTF-8, as argv gets them
        ("catalog", "search", "\x1b]0;pwned\x07" + "中" * 10_240),
        ("staff", "add", "1003", "--name", "\udcff王", "--role", "clerk", "--as", "0001"),
        ("staff", "add", "\x1b[2J", "--name", "王", "--role", "clerk", "--as", "0001"),
        ("staff", "add", "\udcff", "--name", "王", "--role", "clerk", "--as", "0001"),
    ],
    ids=[
        "search-surrogates",
        "search-escapes-10k",
        "name-surrogate",
        "number-escape",
        "number-surrogate",
    ],
)
def test_commands_take_hostile_arguments(cli, db, args):  # noqa: F811
    code, out, err = cli("--db", db, *args, stdin=f"{SUPERVISOR_PW}\nchuangkou-mima-7\n")
    assert code in (0, 1), (code, err)
    assert "Traceback" not in out + err
    assert "\x1b" not in out + err
    assert has_chinese(out + err)


@fuzz(6)
@given(hostile_text())
def test_the_first_run_wizard_refuses_or_keeps_any_hall_name(tmp_path, text):
    """chuangkou init / the first-run screen's fields, straight to the store."""
    from store.database import close_database
    from store.errors import StoreError
    from store.keyslots import OWASP_MINIMUM_KDF
    from store.setup import create_register

    for field in ("hall_name", "hall_code", "supervisor_number", "supervisor_name"):
        values = {
            "hall_name": "示例镇便民服务中心",
            "hall_code": "SLZ",
            "supervisor_number": "0001",
            "supervisor_name": "林主任",
        } | {field: text}
        target = tmp_path / f"{field}-{abs(hash(text))}" / "register.db"
        try:
            register, _, _ = create_register(
                f"sqlite:///{target}", password=SUPERVISOR_PW, kdf=OWASP_MINIMUM_KDF, **values
            )
        except StoreError as exc:
            assert has_chinese(str(exc)), (field, str(exc)[:200])
        else:
            if field == "hall_name":
                assert register.meta("hall_name") == text.strip()
        finally:
            close_database()
