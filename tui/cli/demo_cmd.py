"""`chuangkou demo`: the counter application on a ready demo register (invented people,
simulated devices), in its own clearly named location — never the hall's register."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="演示：用虚构数据和模拟设备启动窗口应用（演示登记本单独存放）",
        description="首次运行时建立演示登记本（数据目录 demo/ 下），登录界面列出演示账号与密码。",
    )
    p.add_argument("--fresh", action="store_true", help="删除并重建演示登记本")
    p.add_argument("--build-only", action="store_true", help="只建立演示登记本，不启动界面")
    p.set_defaults(handler=run)


def ensure_demo(url: str, *, fresh: bool = False):
    """Build the demo register if it is not there (or anew); returns its DemoInfo."""
    from store.clock import SystemClock
    from store.database import sqlite_path
    from store.demo import create_demo_register, demo_info

    path = sqlite_path(url)
    if path is not None and fresh:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
    if path is None or not path.exists():
        return create_demo_register(url, clock=SystemClock())
    return demo_info()


def run(args: argparse.Namespace) -> int:
    from store.demo import default_demo_url
    from tui.station import load_station

    url = args.db or default_demo_url()
    info = ensure_demo(url, fresh=args.fresh)
    if args.build_only:
        print(f"演示登记本：{url.removeprefix('sqlite:///')}")
        for account in info.accounts:
            print(f"  {account.number}  {account.role_label}  密码 {account.password}")
        return 0
    from devices.config import default_devices_config
    from devices.manager import DeviceManager
    from tui.app import ChuangkouApp

    station = load_station()
    devices = DeviceManager(default_devices_config(), log_path=None)  # the demo's are simulated
    return ChuangkouApp(station=station, register_url=url, devices=devices, demo=info).run() or 0
