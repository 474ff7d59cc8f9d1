"""The `chuangkou` command: set a hall up, and refuse bad input with one Chinese line,
a non-zero exit code, no traceback, and no change to the register."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from store.database import close_database
from tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
SUPERVISOR_PW = "zhuren-mima-2026"


@pytest.fixture
def cli(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("CHUANGKOU_LOG_DIR", str(tmp_path / "logs"))

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse
            code = exc.code
        finally:
            close_database()
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def db(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'hall' / 'register.db'}"
    code, _out, err = cli(
        "--db",
        url,
        "init",
        "--hall",
        "示例镇便民服务中心",
        "--hall-code",
        "SLZ",
        "--supervisor",
        "0001",
        "--name",
        "林主任",
        stdin=SUPERVISOR_PW + "\n",
    )
    assert code == 0, err
    return url


def _file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _data_snapshot(url: str) -> str:
    """Every table except the audit trail (a refused attempt is audited, by design), the
    station keys a login registers and the head of the chain a login records in the key
    slot (store.witness)."""
    conn = sqlite3.connect(_file(url))
    digest = hashlib.sha256()
    tables = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
    ]
    for table in tables:
        if table.startswith("audit_"):
            continue
        cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')
        names = [d[0] for d in cursor.description]
        for row in cursor:
            if table == "register_secret" and str(row[0]).startswith("pending:"):
                continue  # a login registers its station's key (store.pending_keys)
            if table == "key_slot":  # a login records the head it saw (store.witness)
                row = tuple(v for n, v in zip(names, row, strict=True) if n != "witness")
            digest.update(repr((table, row)).encode())
    conn.close()
    return digest.hexdigest()


def _one_chinese_line(code: int, err: str) -> None:
    assert code != 0
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：")


def test_init_prints_the_recovery_code_once(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    code, out, _ = cli(
        "--db",
        url,
        "init",
        "--hall",
        "甲镇",
        "--hall-code",
        "JZ",
        "--supervisor",
        "0001",
        "--name",
        "林主任",
        stdin=SUPERVISOR_PW + "\n",
    )
    assert code == 0
    recovery = [line.strip() for line in out.splitlines() if line.startswith("    ")]
    assert len(recovery) == 1 and len(recovery[0]) == 29
    assert recovery[0] not in _file(url).read_bytes().decode("latin-1")
    code, _, err = cli(
        "--db",
        url,
        "init",
        "--hall",
        "甲镇",
        "--hall-code",
        "JZ",
        "--supervisor",
        "0001",
        "--name",
        "林主任",
        stdin=SUPERVISOR_PW + "\n",
    )
    _one_chinese_line(code, err)
    assert "已有登记本" in err


def test_staff_add_needs_a_supervisor_and_list_masks_names(cli, db):
    code, out, err = cli(
        "--db",
        db,
        "staff",
        "add",
        "1001",
        "--name",
        "王小英",
        "--role",
        "clerk",
        "--as",
        "0001",
        stdin=f"{SUPERVISOR_PW}\nclerk-pass-1\n",
    )
    assert code == 0, err
    code, out, err = cli("--db", db, "staff", "list", "--as", "0001", stdin=SUPERVISOR_PW + "\n")
    assert code == 0, err
    assert "王*英" in out and "王小英" not in out and "林*任" in out
    # A technician (nobody logged in) sees numbers and roles, no names.
    code, out, _ = cli("--db", db, "staff", "list")
    assert "1001" in out and "王" not in out
    # A clerk may not add staff.
    before = _data_snapshot(db)
    code, _, err = cli(
        "--db",
        db,
        "staff",
        "add",
        "1002",
        "--name",
        "某人",
        "--role",
        "clerk",
        "--as",
        "1001",
        stdin="clerk-pass-1\nanother-pass\n",
    )
    _one_chinese_line(code, err)
    assert "无权" in err and _data_snapshot(db) == before


def test_malformed_catalog_changes_nothing(cli, db, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('version = 1\n[[windows]]\ncode = "mz"\nname = \n', encoding="utf-8")
    before = _data_snapshot(db)
    code, _, err = cli(
        "--db", db, "catalog", "import", str(bad), "--as", "0001", stdin=SUPERVISOR_PW + "\n"
    )
    _one_chinese_line(code, err)
    assert "TOML" in err and "第 4 行" in err
    assert _data_snapshot(db) == before


def test_unknown_window_changes_nothing(cli, db, tmp_path):
    text = (ROOT / "tests/policies/data/catalog-small.toml").read_text(encoding="utf-8")
    first_window = text.split('window = "', 1)[1].split('"', 1)[0]
    bad = tmp_path / "unknown-window.toml"
    bad.write_text(
        text.replace(f'window = "{first_window}"', 'window = "nosuch"', 1), encoding="utf-8"
    )
    before = _data_snapshot(db)
    code, _, err = cli(
        "--db", db, "catalog", "import", str(bad), "--as", "0001", stdin=SUPERVISOR_PW + "\n"
    )
    _one_chinese_line(code, err)
    assert "nosuch" in err
    assert _data_snapshot(db) == before
    code, _, err = cli(
        "--db",
        db,
        "staff",
        "add",
        "1001",
        "--name",
        "王小英",
        "--role",
        "clerk",
        "--window",
        "nosuch",
        "--as",
        "0001",
        stdin=f"{SUPERVISOR_PW}\nclerk-pass-1\n",
    )
    _one_chinese_line(code, err)
    assert "未知的窗口" in err and _data_snapshot(db) == before


def test_catalog_import_search_and_export_round_trip(cli, db, tmp_path):
    code, out, err = cli(
        "--db", db, "catalog", "import", "--as", "0001", stdin=SUPERVISOR_PW + "\n"
    )
    assert code == 0, err
    code, out, _ = cli("--db", db, "catalog", "search", "dbsq")
    assert code == 0 and out.splitlines()[0].split()[1].startswith("低保申请")
    exported = tmp_path / "out.toml"
    assert cli("--db", db, "catalog", "export", str(exported))[0] == 0
    from policies.catalog import load_sample_catalog, parse_catalog

    back, sample = parse_catalog(exported.read_text(encoding="utf-8")), load_sample_catalog()
    assert back.windows == sample.windows
    assert {i.code: i for i in back.items} == {i.code: i for i in sample.items}


def test_wrong_password_is_one_line_and_counts(cli, db):
    code, _, err = cli("--db", db, "staff", "list", "--as", "0001", stdin="not-the-password\n")
    _one_chinese_line(code, err)
    assert "工号或密码错误" in err


def test_missing_register_is_reported_and_not_created(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'nowhere' / 'register.db'}"
    code, _, err = cli("--db", url, "staff", "list")
    _one_chinese_line(code, err)
    assert "登记本不存在" in err and "chuangkou init" in err
    assert not (tmp_path / "nowhere").exists()


def test_newer_schema_is_refused_and_left_alone(cli, db):
    conn = sqlite3.connect(_file(db))
    conn.execute("UPDATE register_meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    before = _file(db).read_bytes()
    code, _, err = cli("--db", db, "staff", "list")
    _one_chinese_line(code, err)
    assert "请升级" in err
    assert _file(db).read_bytes() == before


def test_audit_verify_names_the_broken_link(cli, db):
    assert cli("--db", db, "audit", "verify", "--as", "0001", stdin=SUPERVISOR_PW + "\n")[0] == 0
    conn = sqlite3.connect(_file(db))
    conn.execute("UPDATE audit_event SET action = 'staff.add' WHERE seq = 1")
    conn.commit()
    conn.close()
    code, _, err = cli("--db", db, "audit", "verify", "--as", "0001", stdin=SUPERVISOR_PW + "\n")
    _one_chinese_line(code, err)
    assert "第 1 条" in err


def test_calendar_import_covers_2027(cli, db):
    code, out, _ = cli("--db", db, "calendar", "status")
    assert "2027  暂定（法定节假日）" in out and "缺少 2027" in out
    assert "双休日和法定节假日暂定" in out and "chuangkou calendar import" in out
    year_file = ROOT / "tests/policies/data/calendar-2027.toml"
    code, out, err = cli(
        "--db", db, "calendar", "import", str(year_file), "--as", "0001", stdin=SUPERVISOR_PW + "\n"
    )
    assert code == 0, err
    code, out, _ = cli("--db", db, "calendar", "status")
    assert "2027  导入" in out and "2027  暂定" not in out


def test_doctor_prints_the_audit_head(cli, db):
    _code, out, _ = cli("--db", db, "doctor")
    assert "审计链头" in out and "audit verify --expect" in out
    assert "[故障]" not in out


def test_backup_verify_and_restore(cli, db, tmp_path):
    target = tmp_path / "b.ckbak"
    assert cli("--db", db, "backup", str(target))[0] == 0
    code, out, _ = cli("backup", "--verify", str(target))
    assert code == 0 and "备份完好" in out
    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    assert cli("--db", restored, "restore", str(target))[0] == 0
    code, _, err = cli("--db", restored, "restore", str(target))
    _one_chinese_line(code, err)


def test_the_console_script_runs_without_a_traceback(tmp_path):
    url = f"sqlite:///{tmp_path / 'none.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--db", url, "doctor"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "CHUANGKOU_LOG_DIR": str(tmp_path)},
    )
    assert result.returncode == 1
    assert "登记本不存在" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


async def test_status_doctor_and_the_home_screen_say_the_same_about_the_calendar(cli, db, clock):
    """One text (policies.calendar.coverage) in three places, each line whole at 80×24."""
    import datetime as dt

    from rich.cells import cell_len

    from policies.calendar import WorkCalendar, coverage
    from store.clock import HALL_TZ, local_date
    from tests.tui.conftest import make_app
    from tests.tui.helpers import screen_text, settle
    from tests.tui.test_app import login

    clock.set(dt.datetime.now(HALL_TZ))  # the CLI runs on the machine's clock
    message = coverage(WorkCalendar(), local_date(clock.now())).message
    lines = message.splitlines()
    assert "缺少" in message and "chuangkou calendar import" in message
    assert all(cell_len(line) <= 80 for line in lines)
    for command in (("calendar", "status"), ("doctor",)):
        _code, out, _ = cli("--db", db, *command)
        assert all(line in out.splitlines() for line in lines), (command, out)

    app = make_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await login(pilot, "0001", SUPERVISOR_PW)
        await pilot.press("escape")  # no window today
        await settle(pilot)
        shown = screen_text(app).splitlines()
        assert all(line in shown for line in lines), shown


def test_control_characters_from_the_register_reach_the_terminal_only_as_escapes(cli, db, tmp_path):
    """An item named with ESC ] 0 ; … BEL and ESC [ 2 J (a file an insider prepared): the
    search prints it with visible escapes, never the raw bytes that would retitle and clear
    the terminal."""
    from importlib import resources

    from policies.catalog import load_sample_catalog

    text = resources.files("policies").joinpath("data/catalog.toml").read_text(encoding="utf-8")
    name = load_sample_catalog().items[0].name
    hostile = tmp_path / "hostile.toml"
    hostile.write_text(
        text.replace(f'"{name}"', f'"{name}\\u001b]0;pwned\\u0007\\u001b[2J"', 1),
        encoding="utf-8",
    )
    code, _, err = cli(
        "--db", db, "catalog", "import", str(hostile), "--as", "0001", stdin=SUPERVISOR_PW + "\n"
    )
    assert code == 0, err
    code, out, _ = cli("--db", db, "catalog", "search", name)
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in out


def test_db_is_accepted_after_the_command_and_its_password_never_printed(cli, db):
    code, out, err = cli("audit", "verify", "--as", "0001", "--db", db, stdin=SUPERVISOR_PW + "\n")
    assert code == 0, err
    secret_url = "postgresql://clerk:hunter2-secret@127.0.0.1:1/register"
    code, out, err = cli("audit", "verify", "--db", secret_url, "--as", "0001", stdin="x\n")
    assert code != 0
    assert "hunter2-secret" not in out + err
    assert "unrecognized" not in err and "命令参数有误" not in err
    code, out, err = cli("audit", "verify", "--db", secret_url, "--bogus")
    assert code == 2 and "hunter2-secret" not in out + err


def test_doctor_reads_the_register_from_the_environment_and_checks_integrity(cli, db, monkeypatch):
    monkeypatch.setenv("CHUANGKOU_DB", db)
    code, out, _ = cli("doctor")
    assert code == 0, out
    assert "[正常] 数据完整性" in out and "完整性检查通过" in out


def test_doctor_fails_on_a_damaged_file_and_on_a_wrong_url(cli, db):
    path = Path(db.removeprefix("sqlite:///"))
    close_database()
    data = bytearray(path.read_bytes())
    for page in range(2, len(data) // 4096):  # every page but the header page: garbage
        data[page * 4096 + 8 : page * 4096 + 400] = b"\xa5" * 392
    path.write_bytes(bytes(data))
    for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    code, out, err = cli("--db", db, "doctor")
    assert code == 1
    assert "[故障]" in out and "Traceback" not in out + err
    code, out, err = cli("doctor", "--db", "postgresql://tech:s3cret-pw@127.0.0.1:1/none")
    assert code == 1 and "[故障] 登记本" in out
    assert "s3cret-pw" not in out + err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_files_handed_to_the_cli_are_read_with_a_limit(cli, db):
    for command in (("catalog", "import", "/dev/zero"), ("calendar", "import", "/dev/zero")):
        code, _out, err = cli("--db", db, *command, "--as", "0001", stdin=SUPERVISOR_PW + "\n")
        assert code == 1, command
        assert "过大" in err and "Traceback" not in err


def test_staff_disable_offers_a_key_rotation_and_says_what_it_protects_against(cli, db):
    from store.auth import login
    from store.session import Register
    from store.staff import add_staff

    register = Register.open(db)
    supervisor = login(register, "0001", SUPERVISOR_PW)
    for number in ("1001", "1002"):
        add_staff(supervisor, number=number, name="离岗者", role="clerk", password="clerk-pass-1")
    close_database()
    code, out, err = cli(
        "--db", db, "staff", "disable", "1001", "--as", "0001", stdin=SUPERVISOR_PW + "\n"
    )
    assert code == 0, err
    assert "keys rotate" in out and "轮换收不回此前已被拷走的文件副本" in out
    code, out, err = cli(
        "--db",
        db,
        "staff",
        "disable",
        "1002",
        "--rotate",
        "--as",
        "0001",
        stdin=SUPERVISOR_PW + "\n",
    )
    assert code == 0, err
    assert "数据密钥已轮换：当前版本 2" in out
