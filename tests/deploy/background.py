"""The Debian root of the install-script test, built in the background of the test session.

debootstrap and apt take minutes, mostly waiting on the mirror: tests/conftest.py starts
build_root.sh as soon as it knows the session will run test_install_script.py (after
collection, before the first test) and moves that test to the end, so the build overlaps the
rest of the suite. The test then waits for it. Everything lives in one temporary directory,
removed at the end of the session once nothing is mounted under it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEST_FILE = HERE / "test_install_script.py"
BUILD_SCRIPT = HERE / "build_root.sh"
#: CHUANGKOU_DEPLOY_TEST=0 leaves the build (and so the test) out.
ENV_SWITCH = "CHUANGKOU_DEPLOY_TEST"
#: The suite runs about 14 minutes; the build takes about 3 alone.
WAIT_SECONDS = 1500
#: Under pytest-xdist the main process builds; its workers find the build here.
ENV_DIR = "CHUANGKOU_DEPLOY_BUILD_DIR"


@dataclass
class Build:
    workdir: Path
    process: subprocess.Popen | None  # None: built by the main process of pytest-xdist
    log_path: Path
    pid: int | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def root(self) -> Path:
        return self.workdir / "fs" / "root"  # fs: a tmpfs mounted by build_root.sh

    def wait(self, timeout: float = WAIT_SECONDS) -> str:
        """The build's status line: "ok", "skip: …" or "fail: …"."""
        if self.process is None:  # another process's build: its status file says
            return self._wait_for_status(timeout)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(self)
            return f"fail: 构建超过 {timeout:.0f} 秒未完成"
        if self.finished is None:
            self.finished = time.monotonic()
        status = self.workdir / "status"
        if status.is_file():
            return status.read_text(encoding="utf-8").strip()
        return f"fail: build_root.sh 退出码 {self.process.returncode}，没有写出状态"

    def _wait_for_status(self, timeout: float) -> str:
        status, limit = self.workdir / "status", time.monotonic() + timeout
        while not status.is_file():
            if time.monotonic() > limit:
                return f"fail: 构建超过 {timeout:.0f} 秒未完成"
            if self.pid is not None and not _alive(self.pid):
                time.sleep(1)  # the status is written just before the script ends
                if not status.is_file():
                    return "fail: build_root.sh 已结束，没有写出状态"
            time.sleep(1)
        if self.finished is None:
            self.finished = time.monotonic()
        return status.read_text(encoding="utf-8").strip()

    def log_tail(self, lines: int = 150) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"(没有构建日志：{exc})"
        return "\n".join(text.splitlines()[-lines:])


_build: Build | None = None


def debian_mirror() -> str | None:
    """The mirror this machine's apt uses for bookworm (None: debootstrap's own default)."""
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            for stanza in path.read_text(encoding="utf-8").split("\n\n"):
                fields = {}
                for line in stanza.splitlines():
                    key, sep, value = line.partition(":")
                    if sep and not line.startswith(("#", " ")):
                        fields[key.strip().lower()] = value.split()
                if "bookworm" in fields.get("suites", []) and fields.get("uris"):
                    return fields["uris"][0].rstrip("/")
    with contextlib.suppress(OSError, UnicodeDecodeError):
        for line in Path("/etc/apt/sources.list").read_text(encoding="utf-8").splitlines():
            words = [w for w in line.split("#")[0].split() if not w.startswith("[")]
            if len(words) >= 3 and words[0] == "deb" and words[2] == "bookworm":
                return words[1].rstrip("/")
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)


def _state(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    return ""


def named(config) -> bool:
    """Whether a run's arguments take in the install-script test (the main process of
    pytest-xdist decides before anything is collected; -k and -m are not looked at)."""
    if os.environ.get(ENV_SWITCH) == "0":
        return False
    if not config.args or config.args_source.name == "TESTPATHS":
        return True
    for arg in config.args:
        path = Path(config.invocation_params.dir, arg.split("::")[0]).resolve()
        if path == TEST_FILE or TEST_FILE.is_relative_to(path):
            return True
    return False


def wanted(items) -> bool:
    """Whether this session runs the install-script test."""
    if os.environ.get(ENV_SWITCH) == "0":
        return False
    return any(Path(str(item.path)).resolve() == TEST_FILE for item in items)


def start() -> Build:
    """Start the build (once per session) and return at once; its directory and process
    are left in the environment for pytest-xdist's workers (started after this)."""
    global _build
    if _build is None:
        _build = launch(BUILD_SCRIPT)
        os.environ[ENV_DIR] = f"{_build.workdir}:{_build.process.pid}"
    return _build


def launch(script: Path) -> Build:
    """Run `script WORKDIR PYTHON MIRROR` in the background, its output in WORKDIR/build.log."""
    workdir = Path(tempfile.mkdtemp(prefix="chuangkou-deploy-"))
    log_path = workdir / "build.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["bash", str(script), str(workdir), sys.executable, debian_mirror() or ""],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stoppable as a group, and no Ctrl+C from the terminal
        )
    return Build(workdir, process, log_path)


def current() -> Build | None:
    """This session's build: started here, or (a pytest-xdist worker) by the main process."""
    if _build is None and os.environ.get(ENV_DIR):
        workdir, _, pid = os.environ[ENV_DIR].rpartition(":")
        return Build(Path(workdir), None, Path(workdir) / "build.log", pid=int(pid))
    return _build


def stop(build: Build) -> None:
    if build.process is None:
        return  # the main process's: it stops and removes it at the end of the session
    if build.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(build.process.pid, signal.SIGTERM)
        try:
            build.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(build.process.pid, signal.SIGKILL)
            build.process.wait(timeout=30)


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below `path` (from /proc/self/mountinfo)."""
    prefix = str(path.resolve())
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            point = line.split()[4]
            # mountinfo escapes space, tab, newline and backslash as octal
            for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
                point = point.replace(code, char)
            if point == prefix or point.startswith(prefix + "/"):
                found.append(point)
    return found


def remove(build: Build) -> None:
    """Stop the build, unmount whatever is left under its directory, then delete it —
    never across a mount point (a bound /dev or /proc must not be emptied)."""
    stop(build)
    for point in sorted(mounts_under(build.workdir), key=len, reverse=True):
        subprocess.run(["umount", "--lazy", point], check=False)
    left = mounts_under(build.workdir)
    if left:
        raise RuntimeError(f"仍有挂载点，不删除 {build.workdir}：{left}")
    if shutil.which("rm"):
        subprocess.run(["rm", "-rf", "--one-file-system", str(build.workdir)], check=False)
    else:  # pragma: no cover
        shutil.rmtree(build.workdir, ignore_errors=True)


def finish() -> None:
    """End of session: nothing of the build is left running, mounted or on disk."""
    global _build
    if _build is not None:
        build, _build = _build, None
        remove(build)
