"""A full disk, for real: a small tmpfs (mounted where the test runs as root; skipped with a
reason otherwise). A backup onto it fails with one Chinese line and leaves nothing there;
a log directory on it costs one line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tui.test_cli import SUPERVISOR_PW, cli, db  # noqa: F401 — fixtures


@pytest.fixture
def full_disk(tmp_path):
    """A 64 KiB tmpfs, filled up."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the full-disk cases run in CI as root)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode(errors='replace').strip()})")
    try:
        filler = mount / "filler"
        with open(filler, "wb", buffering=0) as fh, pytest.raises(OSError):
            while True:
                fh.write(b"\0" * 4096)
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_backup_onto_a_full_disk_fails_in_one_line_and_leaves_nothing(cli, db, full_disk):  # noqa: F811
    before = sorted(p.name for p in full_disk.iterdir())
    code, _out, err = cli("--db", db, "backup", str(full_disk / "b.ckbak"))
    assert code == 1
    assert err.strip().count("\n") == 0 and "磁盘已满" in err and "Traceback" not in err
    assert sorted(p.name for p in full_disk.iterdir()) == before  # no .part, no copy


def test_a_log_directory_on_a_full_disk_prints_one_line(db, full_disk, tmp_path):  # noqa: F811
    env = {**os.environ, "CHUANGKOU_LOG_DIR": str(full_disk / "logs")}
    root = Path(__file__).resolve().parents[2]
    # The directory can still be made (no blocks), the log file's first write cannot.
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--db", db, "doctor"],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=120,
    )
    assert "Traceback" not in done.stderr
    assert done.stderr.count("日志无法写入") <= 1
    assert "[正常] 数据完整性" in done.stdout
