"""Cold start of the counter application against a minimal Textual app, measured in the
same run; and, on a register of 1M cases, login → home queue drawn and a search by ID
number from key press to result shown.

    .venv/bin/python bench/cold_start.py               # start-up only
    .venv/bin/python bench/cold_start.py --cases 1000000

Prints figures and the issue's targets as "目标 … 达到/未达到"; never fails on a clock.
Start-up: each app runs headless (80×24) in its own process, from process start until its
first screen is mounted (chuangkou: the login screen, and separately the register opened);
peak RSS is the child's ru_maxrss. The median of several runs is reported.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = _HERE.parent

# Peak RSS: VmHWM of the child's own image (ru_maxrss would include the pages a forked
# child shares with this process before exec).
PEAK = """
import atexit, sys
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("PEAK " + line.split()[1] + "\\n")
atexit.register(_peak)
"""

HELLO = (
    PEAK
    + """
import sys, time
from textual.app import App
from textual.widgets import Static
class Hello(App):
    def compose(self):
        yield Static("你好")
    def on_mount(self):
        self.call_after_refresh(self.exit)
Hello().run(headless=True, size=(80, 24))
"""
)

CHUANGKOU = (
    PEAK
    + """
import os, sys
from tui.app import ChuangkouApp
from tui.screens.login import LoginScreen
from tui.station import load_station
wait_for_register = sys.argv[1] == "register"
class Probe(ChuangkouApp):
    def _register_ready(self, hall_name):
        super()._register_ready(hall_name)
        if wait_for_register:
            self.call_after_refresh(self.exit)
    def on_mount(self):
        super().on_mount()
        if not wait_for_register:
            self.set_interval(0.002, self._probe)
    def _probe(self):
        # The login screen is mounted and has been drawn once.
        if isinstance(self.screen, LoginScreen) and self.screen.is_mounted:
            self.call_after_refresh(self.exit)
station = load_station()
Probe(station=station, register_url=os.environ["BENCH_DB"]).run(headless=True, size=(80, 24))
"""
)


def run_child(code: str, *args: str, env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds from spawn to exit, and the child's peak RSS in KiB."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, _ = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if status != 0 or "PEAK " not in err:
        raise SystemExit(f"child failed: {err[-2000:]}")
    return elapsed, int(err.rsplit("PEAK ", 1)[1].split()[0])


def median_run(code: str, *args: str, env: dict[str, str], runs: int) -> tuple[float, int]:
    samples = [run_child(code, *args, env=env) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), int(statistics.median(s[1] for s in samples))


def make_register(path: Path) -> str:
    from store.database import close_database
    from store.setup import create_register

    url = f"sqlite:///{path}"
    create_register(
        url,
        hall_name="基准测试镇便民服务中心",
        hall_code="JZ",
        supervisor_number="0001",
        supervisor_name="测试主任",
        password="bench-password-1",
    )
    close_database()
    return url


def verdict(ok: bool) -> str:
    return "达到" if ok else "未达到"


def start_up(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="chuangkou-cold-") as tmp:
        url = make_register(Path(tmp) / "register.db")
        env = {
            **os.environ,
            "BENCH_DB": url,
            "PYTHONPATH": str(ROOT),
            "CHUANGKOU_LOG_DIR": tmp,
            "CHUANGKOU_CONFIG": str(Path(tmp) / "none.toml"),
        }
        (Path(tmp) / "none.toml").write_text('[station]\nid = "bench"\n', encoding="utf-8")
        # Warm the OS file cache once for each so neither pays for a cold disk.
        run_child(HELLO, env=env)
        run_child(CHUANGKOU, "login", env=env)
        hello_t, hello_rss = median_run(HELLO, env=env, runs=runs)
        login_t, login_rss = median_run(CHUANGKOU, "login", env=env, runs=runs)
        reg_t, reg_rss = median_run(CHUANGKOU, "register", env=env, runs=runs)
    print(f"启动（中位数，{runs} 次；无头模式 80×24）")
    print(
        f"  Textual 最小应用        {hello_t * 1000:7.0f} ms   峰值内存 {hello_rss / 1024:6.1f} MiB"
    )
    print(
        f"  窗口：登录界面就绪      {login_t * 1000:7.0f} ms   峰值内存 {login_rss / 1024:6.1f} MiB"
    )
    print(f"  窗口：登记本已打开      {reg_t * 1000:7.0f} ms   峰值内存 {reg_rss / 1024:6.1f} MiB")
    t_ratio, m_ratio = login_t / hello_t, login_rss / hello_rss
    print(
        f"  目标 启动 ≤ 1.5× 最小应用 — {t_ratio:.2f}×（登记本打开时 {reg_t / hello_t:.2f}×）— {verdict(t_ratio <= 1.5)}"
    )
    print(
        f"  目标 峰值内存 ≤ 1.5× 最小应用 — {m_ratio:.2f}×（登记本打开时 {reg_rss / hello_rss:.2f}×）— {verdict(m_ratio <= 1.5)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="窗口冷启动基准")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--cases", type=int, default=0, help="另测：登记本有这么多办件时的首页与查询（如 1000000）"
    )
    args = parser.parse_args()
    start_up(args.runs)
    if args.cases:
        from bench.large_register import home_and_search

        home_and_search(args.cases)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
