"""Opening the register and logging in from the command line."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from tui.cli.base import CliError


def read_secret(prompt: str) -> str:
    """A password: asked without echo at a terminal, else the next line of stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise CliError(f"缺少输入：{prompt.rstrip('：: ')}（从标准输入读取，每行一个）")
    return line.rstrip("\r\n")


def read_new_secret(prompt: str) -> str:
    """A new password: typed twice at a terminal, once from stdin."""
    first = read_secret(prompt)
    if sys.stdin is not None and sys.stdin.isatty() and read_secret("再输入一次：") != first:
        raise CliError("两次输入的密码不一致")
    return first


def add_actor_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="工号",
        default=os.environ.get("CHUANGKOU_USER"),
        help="以此工号登录执行（密码从终端或标准输入读取）",
    )


def register_url(args: argparse.Namespace, station=None) -> str | None:
    """--db, else $CHUANGKOU_DB, else the station file's register (None: the store's default)."""
    if getattr(args, "db", None):
        return args.db
    if os.environ.get("CHUANGKOU_DB"):
        return os.environ["CHUANGKOU_DB"]
    if station is None:
        from tui.station import load_station

        station = load_station()
    return station.register_url


def open_register(args: argparse.Namespace):
    from store.session import Register
    from tui.station import load_station

    station = load_station()
    return Register.open(register_url(args, station), station=station.station_id)


def login_actor(register, args: argparse.Namespace):
    from store.auth import login

    if not getattr(args, "actor", None):
        raise CliError("此命令需要登录：请用 --as 工号 指定（或设置 CHUANGKOU_USER）")
    return login(register, args.actor, read_secret(f"工号 {args.actor} 的密码："))
