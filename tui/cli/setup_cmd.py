"""`chuangkou init`: create the hall's register."""

from __future__ import annotations

import argparse
import sys

from tui.cli.base import CliError
from tui.cli.common import read_new_secret, register_url


def register(sub) -> None:
    p = sub.add_parser(
        "init",
        help="新建登记本（大厅名称、第一位主任），并一次性显示恢复码",
        description="新建登记本。缺少的信息在终端上询问；脚本中请用参数给出，密码从标准输入读取。",
    )
    p.add_argument("--hall", metavar="名称", help="大厅名称，如：某某镇便民服务中心")
    p.add_argument("--hall-code", metavar="代码", help="大厅代码（用于编号），如：SLZ")
    p.add_argument("--supervisor", metavar="工号", help="第一位大厅主任的工号")
    p.add_argument("--name", metavar="姓名", help="第一位大厅主任的姓名")
    p.set_defaults(handler=run)


def _ask(value: str | None, prompt: str) -> str:
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"缺少参数：{prompt}（非交互方式请用命令参数给出）")
    answer = input(f"{prompt}：").strip()
    if not answer:
        raise CliError(f"{prompt}不能为空")
    return answer


def run(args: argparse.Namespace) -> int:
    from store.setup import create_register

    hall = _ask(args.hall, "大厅名称")
    code = _ask(args.hall_code, "大厅代码")
    number = _ask(args.supervisor, "主任工号")
    name = _ask(args.name, "主任姓名")
    password = read_new_secret("主任密码：")
    register, _session, recovery = create_register(
        register_url(args),
        hall_name=hall,
        hall_code=code,
        supervisor_number=number,
        supervisor_name=name,
        password=password,
    )
    print(f"登记本已建立：{register.sqlite_file or '（PostgreSQL）'}")
    print("恢复码（只显示这一次，请抄写后封存；忘记所有密码时凭它重设）：")
    print(f"    {recovery}")
    register.close()
    return 0
