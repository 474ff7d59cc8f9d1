"""The deployment files themselves, without a Debian root (fast; see test_install_script.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tui.station import load_station

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "chuangkou-counter.service"


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith(("#", ";")):
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_the_unit_is_rated_below_4_offline() -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("本机没有 systemd-analyze")
    done = subprocess.run(
        [tool, "security", "--offline=yes", "--threshold=39", str(UNIT)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    assert found and float(found.group(1)) < 4.0, done.stdout + done.stderr
    assert done.returncode == 0


def test_the_unit_runs_the_application_in_kmscon_not_a_login() -> None:
    settings = unit_settings()
    (exec_start,) = settings["ExecStart"]
    assert exec_start.startswith("/usr/bin/kmscon ")
    # kmscon starts `--login -- argv` instead of /bin/login; without --no-reset-env the
    # application would lose CHUANGKOU_CONFIG and the state directory
    assert exec_start.endswith(" --login -- /opt/chuangkou/venv/bin/chuangkou")
    assert "--no-reset-env" in exec_start and "--font-name=" in exec_start
    assert settings["UMask"] == ["0077"]
    assert settings["User"] == ["chuangkou"]
    assert "CHUANGKOU_STATE_DIR=/var/lib/chuangkou/station" in settings["Environment"]
    # the state directory it names is one systemd creates for the user, 0700
    assert "chuangkou/station" in settings["StateDirectory"][0].split()
    assert settings["StateDirectoryMode"] == ["0700"]


def test_the_station_template_is_accepted() -> None:
    station = load_station(DEPLOY / "station.example.toml")
    assert station.theme == "console"


@pytest.mark.parametrize(
    "script",
    ["install-station.sh", "build-wheelhouse.sh", "chuangkou-wrapper.sh", "server/install-server.sh",
     "server/chuangkou-pg-backup.sh", "server/restore-drill.sh", "server/make-certs.sh"],
)  # fmt: skip
def test_the_scripts_parse(script: str) -> None:
    shell = "sh" if script.endswith("wrapper.sh") else "bash"
    done = subprocess.run([shell, "-n", str(DEPLOY / script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_failed_background_build_reports_its_log_and_leaves_nothing(tmp_path) -> None:
    from tests.deploy import background

    script = tmp_path / "fails.sh"
    script.write_text('echo "E: 无法下载 libfoo"; mkdir "$1/root"; exit 3\n')
    build = background.launch(script)
    try:
        assert build.wait(timeout=60) == "fail: build_root.sh 退出码 3，没有写出状态"
        assert "E: 无法下载 libfoo" in build.log_tail()
    finally:
        background.remove(build)
    assert not build.workdir.exists()

    script.write_text('printf "skip: 没有网络\\n" > "$1/status"\n')
    build = background.launch(script)
    try:
        assert build.wait(timeout=60) == "skip: 没有网络"
    finally:
        background.remove(build)
