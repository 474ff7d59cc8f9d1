"""deploy/install-station.sh run into a Debian 12 root made by debootstrap (issue 15).

The root is built in the background while the rest of the suite runs (tests/deploy/
background.py, started from tests/conftest.py); these tests run last and wait for it. They
check what can be checked without booting it: the packages, the files, the unit with
`systemd-analyze verify` and `security`, and that the installed application starts in the
root. Skipped, with the reason, when not root, without debootstrap or without the mirror.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy import background

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = "chuangkou-counter.service"
#: `systemd-analyze security`: 0 is locked down, 10 is exposed; the issue asks below 4.0.
MAX_EXPOSURE = 4.0

pytestmark = [pytest.mark.slow, pytest.mark.timeout(background.WAIT_SECONDS + 300)]


@pytest.fixture(scope="module")
def root():
    if os.environ.get(background.ENV_SWITCH) == "0":
        pytest.skip(f"{background.ENV_SWITCH}=0：不构建 Debian 根目录")
    build = background.current() or background.start()
    try:
        status = build.wait()
        if status.startswith("skip:"):
            pytest.skip(status.removeprefix("skip:").strip())
        if status != "ok":
            pytest.fail(f"{status}\n--- 构建日志（末尾）---\n{build.log_tail()}", pytrace=False)
        yield build.root
    finally:
        background.finish()


def in_root(root: Path, *cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["chroot", str(root), "/usr/bin/env", "-i", "LANG=C.UTF-8", "HOME=/root",
         "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", *cmd],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def station_packages() -> list[str]:
    lines = (DEPLOY / "station-packages.txt").read_text(encoding="utf-8").splitlines()
    return [word for line in lines if (word := line.split("#")[0].strip())]


def systemd_analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("本机没有 systemd-analyze")
    return tool


def test_the_install_left_nothing_mounted_or_behind(root: Path) -> None:
    # Checked first: the other tests' chroot calls mount nothing.
    assert background.mounts_under(root) == []
    assert not (root / "usr/sbin/policy-rc.d").exists()
    assert not list((root / "tmp").glob("chuangkou-wheelhouse*"))


def test_the_packages_are_installed(root: Path) -> None:
    packages = station_packages()
    assert {"kmscon", "fonts-noto-cjk", "cups-client", "python3-venv", "udev"} <= set(packages)
    for package in packages:
        done = in_root(root, "dpkg-query", "-W", "-f=${db:Status-Status}", package)
        assert done.stdout == "installed", (package, done.stdout, done.stderr)


def test_the_unit_rules_and_station_files_are_in_place(root: Path) -> None:
    for deployed, source in (
        ("etc/systemd/system/chuangkou-counter.service", "chuangkou-counter.service"),
        ("etc/udev/rules.d/70-chuangkou.rules", "70-chuangkou.rules"),
        ("etc/chuangkou/station.toml", "station.example.toml"),
        ("etc/chuangkou/counter.env", "counter.env"),
        ("etc/modules-load.d/chuangkou.conf", "modules-load.conf"),
    ):
        assert (root / deployed).read_bytes() == (DEPLOY / source).read_bytes(), deployed
    wants = root / "etc/systemd/system/multi-user.target.wants" / UNIT
    assert wants.is_symlink() and wants.resolve().name == UNIT
    assert not (root / "etc/systemd/system/getty.target.wants/getty@tty1.service").exists()
    # the station file may hold the register's address: root writes it, the user reads it
    stat = in_root(root, "stat", "-c", "%a %U %G", "/etc/chuangkou/station.toml")
    assert stat.stdout.split() == ["640", "root", "chuangkou"]
    user = in_root(root, "getent", "passwd", "chuangkou").stdout.strip().split(":")
    assert user[5:] == ["/var/lib/chuangkou", "/usr/sbin/nologin"]
    groups = in_root(root, "id", "-nG", "chuangkou").stdout.split()
    assert {"chuangkou", "dialout", "video", "input"} <= set(groups)
    for path, mode in (("/var/lib/chuangkou/station", "700"), ("/var/log/chuangkou", "750")):
        stat = in_root(root, "stat", "-c", "%a %U", path)
        assert stat.stdout.split() == [mode, "chuangkou"], path


def test_systemd_analyze_verifies_the_unit(root: Path) -> None:
    done = subprocess.run(
        [systemd_analyze(), "verify", f"--root={root}", UNIT],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    # verify also checks that ExecStart's binary exists in the root; warnings count as failures
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_the_unit_is_hardened_below_4(root: Path) -> None:
    done = subprocess.run(
        [systemd_analyze(), "security", f"--root={root}", "--offline=yes",
         f"--threshold={int(MAX_EXPOSURE * 10) - 1}", UNIT],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    assert found, done.stdout + done.stderr
    assert float(found.group(1)) < MAX_EXPOSURE, done.stdout
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_application_and_console_work_in_the_root(root: Path) -> None:
    # `chuangkou` on PATH starts the installed application (its help, in Chinese)
    done = in_root(root, "chuangkou", "--help")
    assert done.returncode == 0 and "用法" in done.stdout, done.stdout + done.stderr
    # as the station's user, with the unit's directories: a register is made and checks out
    as_user = ("runuser", "-u", "chuangkou", "--", "chuangkou")
    done = subprocess.run(
        ["chroot", str(root), "/usr/bin/env", "-i", "LANG=C.UTF-8",
         "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin", *as_user,
         "init", "--hall", "示例镇便民服务中心", "--hall-code", "SLZ", "--supervisor", "0001",
         "--name", "林主任"],
        input="zhuren-mima-2026\n", capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "登记本已建立" in done.stdout, done.stdout + done.stderr
    done = in_root(root, *as_user, "doctor")
    assert done.returncode == 0 and "[故障]" not in done.stdout, done.stdout + done.stderr
    register = root / "var/lib/chuangkou/.local/share/chuangkou/register.db"
    assert register.stat().st_mode & 0o777 == 0o600
    # the station file template is one the application accepts
    done = in_root(
        root,
        "/opt/chuangkou/venv/bin/python",
        "-c",
        "from tui.station import load_station; print(load_station('/etc/chuangkou/station.toml').theme)",
    )
    assert done.stdout.strip() == "console", done.stderr
    # the font the unit starts kmscon with resolves to the CJK font, not a fallback
    unit = (root / "etc/systemd/system" / UNIT).read_text(encoding="utf-8")
    font = re.search(r'--font-name="([^"]+)"', unit)
    assert font and "--login -- /opt/chuangkou/venv/bin/chuangkou" in unit
    match = in_root(root, "fc-match", "-f", "%{family}|%{file}", font.group(1))
    assert font.group(1) in match.stdout and "NotoSansCJK" in match.stdout, match.stdout
    # kmscon, lp and the USB library are where the unit and the application look
    for path in ("usr/bin/kmscon", "usr/bin/lp"):
        assert (root / path).is_file(), path
    assert list(root.glob("usr/lib/x86_64-linux-gnu/libusb-1.0.so.0*")) or list(
        root.glob("usr/lib/*/libusb-1.0.so.0*")
    )
