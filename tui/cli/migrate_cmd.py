"""`chuangkou migrate-to URL`: move this station's SQLite register to a hall's PostgreSQL
server (store.migrate_to), with progress, and say what was verified.

Who: a 大厅主任 or 系统管理员 (`--as`). A backup may be made by anyone at the station (it
copies the file's bytes, still sealed); the move must verify the audit chain, which needs
the audit key — a technician's slot does not hold it — and it decides which register the
hall works in from now on.
"""

from __future__ import annotations

import argparse
import sys

from tui.cli.base import CliError, mask_secrets
from tui.cli.common import add_actor_args, read_secret, register_url

#: Progress of a table is printed at every tenth of it (and when it is done).
_STEPS = 10


def register(sub) -> None:
    p = sub.add_parser(
        "migrate-to",
        help="把本机 SQLite 登记本迁移到大厅服务器（PostgreSQL），迁移后逐表核对",
        description=(
            "把本机的 SQLite 登记本（--db 或站点文件所指）完整复制到大厅服务器上一个新建的空"
            "数据库：全部数据、密钥槽和审计链，复制后逐表核对行数与每行内容，并用审计密钥核对"
            "审计链；任何一项不符则目标库不留下任何数据。源登记本只读打开，不会改动。\n"
            "迁移前请关闭本机所有窗口终端；迁移后各终端的站点文件改用新地址。\n"
            "地址中可不写密码：由环境变量 PGPASSWORD 或 ~/.pgpass 提供（命令行上的密码"
            "会被本机其他用户在进程列表中看到）。"
        ),
    )
    p.add_argument(
        "url",
        metavar="地址",
        help="目标 PostgreSQL 地址，如 postgresql://chuangkou@服务器/chuangkou（须为空数据库）",
    )
    add_actor_args(p)
    p.set_defaults(handler=run)


class _Progress:
    """One line per tenth of a table (a 100,000-case register shows it moving)."""

    def __init__(self, out=None) -> None:
        self.out = out or sys.stdout
        self.shown: dict[tuple[str, str], int] = {}

    def __call__(self, phase: str, table: str, done: int, total: int) -> None:
        if not done:  # an empty table, or a table's start: its first batch says enough
            return
        step = done * _STEPS // total
        key = (phase, table)
        if step <= self.shown.get(key, -1):
            return
        self.shown[key] = step
        print(f"  {phase} {table}：{done}/{total}", file=self.out, flush=True)


def run(args: argparse.Namespace) -> int:
    from store.database import default_url
    from store.migrate_to import migrate_to
    from tui.station import load_station

    if not getattr(args, "actor", None):
        raise CliError("迁移登记本需要大厅主任或系统管理员登录：请用 --as 工号 指定")
    station = load_station()
    source = register_url(args, station) or default_url()
    target = args.url
    password = read_secret(f"工号 {args.actor} 的密码：")
    print(f"迁移到 {mask_secrets(target)}（源登记本只读打开，不会改动）", flush=True)
    report = migrate_to(
        source,
        target,
        args.actor,
        password,
        station=station.station_id,
        progress=_Progress(),
    )
    filled = sum(1 for t in report.tables if t.rows)
    print(
        f"迁移完成：{len(report.tables)} 个数据表（{filled} 个有数据），共 {report.rows} 行；"
        "逐表核对行数与每行内容，全部一致。"
    )
    print(f"{report.chain}（含本次迁移的记录）")
    print(
        "请把各窗口终端的站点文件中的登记本地址改为新地址；本机 SQLite 登记本保持原样，"
        "迁移后不要再在其中登记（可留作备份）。"
    )
    return 0
