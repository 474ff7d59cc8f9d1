"""`chuangkou post list|assign`: the AB岗 roster (who holds each window's A and B post, who
is away today, which windows are flagged) and the supervisor's changes to it."""

from __future__ import annotations

import argparse

from tui.cli.base import CliError
from tui.cli.common import add_actor_args, login_actor, open_register


def register(sub) -> None:
    p = sub.add_parser("post", help="AB岗：列出各窗口的 A/B 岗，调整岗位（主任）")
    psub = p.add_subparsers(dest="post_command", metavar="操作", title="操作", required=True)

    lst = psub.add_parser(
        "list", help="列出各窗口的 A/B 岗与提示（无B岗、离岗；技术员登录时不显示姓名）"
    )
    add_actor_args(lst)
    lst.set_defaults(handler=run_list)

    assign = psub.add_parser("assign", help="把某人安排到某窗口的 A 岗或 B 岗（需主任登录）")
    assign.add_argument("window", metavar="窗口代码")
    assign.add_argument("post", metavar="A|B")
    assign.add_argument("number", metavar="工号", nargs="?")
    assign.add_argument("--vacate", action="store_true", help="空出该岗（不写工号）")
    add_actor_args(assign)
    assign.set_defaults(handler=run_assign)


def _pad(text: str, cells: int) -> str:
    """Left-aligned in `cells` terminal columns (a Chinese character takes two)."""
    from rich.cells import cell_len

    return text + " " * max(cells - cell_len(text), 1)


def run_list(args: argparse.Namespace) -> int:
    from store.roster import roster

    register = open_register(args)
    session = login_actor(register, args) if args.actor else register.anonymous()
    widths = (14, 18, 6, 10, 16)
    heading = ("窗口代码", "窗口", "岗位", "工号", "姓名")
    print("".join(_pad(h, w) for h, w in zip(heading, widths, strict=True)) + "提示")
    previous = None
    for v in roster(session):
        first = v.window_code != previous  # the window's flags on its first row
        previous = v.window_code
        name = v.staff_name_masked or ("—" if v.staff_number else "")
        if v.away:
            name = f"{name}（离岗）"
        cells = (v.window_code, v.window_name, f"{v.post}岗", v.staff_number or "（空缺）", name)
        flags = "、".join(v.flags) if first else ""
        print(("".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)) + flags).rstrip())
    return 0


def run_assign(args: argparse.Namespace) -> int:
    from store.staff import assign_post

    number = (args.number or "").strip() or None
    if args.vacate and number:
        raise CliError("--vacate 空出该岗时不写工号")
    if not args.vacate and not number:
        raise CliError("请写要安排的工号，或用 --vacate 空出该岗")
    register = open_register(args)
    session = login_actor(register, args)
    assign_post(session, args.window, args.post, number)
    post = args.post.strip().upper()
    if number:
        print(f"已安排：{args.window} {post}岗 → {number}")
    else:
        print(f"已空出：{args.window} {post}岗")
    return 0
