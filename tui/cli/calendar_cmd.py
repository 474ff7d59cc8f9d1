"""`chuangkou calendar import|status`: the working-day calendar's years."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.cli.base import CliError
from tui.cli.common import add_actor_args, login_actor, open_register
from tui.textfiles import TextFileError, read_text_file


def register(sub) -> None:
    p = sub.add_parser("calendar", help="工作日历：导入国务院放假通知的年度文件、查看覆盖年份")
    csub = p.add_subparsers(dest="calendar_command", metavar="操作", title="操作", required=True)
    imp = csub.add_parser("import", help="导入一年的节假日与调休文件（需主任登录）")
    imp.add_argument("file", metavar="文件", type=Path)
    add_actor_args(imp)
    imp.set_defaults(handler=run_import)
    status = csub.add_parser("status", help="列出已覆盖的年份")
    status.set_defaults(handler=run_status)


def run_import(args: argparse.Namespace) -> int:
    from store.calendar_years import import_year

    try:  # a year file is a few KB
        text = read_text_file(args.file, limit=256 << 10, what="年历文件")
    except TextFileError as exc:
        raise CliError(str(exc)) from None
    register = open_register(args)

    def progress(done: int, total: int) -> None:
        print(f"重算期限：{done}/{total}", file=sys.stderr)

    done = import_year(login_actor(register, args), text, progress=progress)
    print(f"已导入 {done.year} 年工作日历")
    print(
        f"重算期限：办件 {done.cases} 件（{len(done.changed)} 件日期有变），"
        f"差评联系期限 {done.ratings} 条（{done.ratings_changed} 条有变）"
    )
    if done.renotify:
        print(f"需重新告知 {len(done.renotify)} 件（已书面告知的日期有变，请出具期限更正告知书）：")
        for number in done.renotify:
            print(f"  {number}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from policies.calendar import coverage
    from store.calendar_years import calendar_status
    from store.clock import local_date

    register = open_register(args)
    today = local_date(register.clock.now())
    rows = calendar_status(register)
    for row in rows:
        print(f"{row.year}  {row.source}")
    covered = {r.year for r in rows}
    for year in (today.year, today.year + 1):
        if year not in covered:
            print(f"{year}  暂定（法定节假日）")
    print(coverage(register.calendar, today).message)
    return 0
