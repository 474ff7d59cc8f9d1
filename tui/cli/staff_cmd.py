"""`chuangkou staff add|list|disable|reset-password`."""

from __future__ import annotations

import argparse
import sys

from tui.cli.base import CliError
from tui.cli.common import add_actor_args, login_actor, open_register, read_new_secret, read_secret


def register(sub) -> None:
    p = sub.add_parser("staff", help="人员管理：添加、列出、停用、重设密码")
    ssub = p.add_subparsers(dest="staff_command", metavar="操作", title="操作", required=True)

    add = ssub.add_parser("add", help="添加人员（需主任登录：新人员的密钥槽要包入数据密钥）")
    add.add_argument("number", metavar="工号")
    add.add_argument("--name", required=True, metavar="姓名")
    add.add_argument(
        "--role",
        required=True,
        metavar="角色",
        help="clerk 窗口工作人员 | supervisor 大厅主任 | complaint_officer 投诉受理人 | technician 技术员 | admin 系统管理员",
    )
    add.add_argument("--window", metavar="窗口代码")
    add_actor_args(add)
    add.set_defaults(handler=run_add)

    lst = ssub.add_parser("list", help="列出人员（技术员登录时不显示姓名）")
    add_actor_args(lst)
    lst.set_defaults(handler=run_list)

    dis = ssub.add_parser("disable", help="停用账号并销毁其密钥槽")
    dis.add_argument("number", metavar="工号")
    dis.add_argument(
        "--rotate",
        action="store_true",
        help="停用后立即轮换数据密钥（此人曾解开过的数据密钥从此不再用于新数据）",
    )
    add_actor_args(dis)
    dis.set_defaults(handler=run_disable)

    reset = ssub.add_parser("reset-password", help="重设密码（主任登录，或凭恢复码）")
    reset.add_argument("number", metavar="工号")
    reset.add_argument("--recovery", action="store_true", help="用恢复码代替主任登录")
    add_actor_args(reset)
    reset.set_defaults(handler=run_reset)


def run_add(args: argparse.Namespace) -> int:
    from store.staff import add_staff

    register = open_register(args)
    session = login_actor(register, args)
    password = read_new_secret(f"新人员 {args.number} 的初始密码：")
    info = add_staff(
        session,
        number=args.number,
        name=args.name,
        role=args.role,
        password=password,
        window=args.window,
    )
    print(f"已添加：{info.number}（{info.role_label}），首次登录须修改密码")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from policies.masking import mask_name
    from store.staff import list_staff

    register = open_register(args)
    session = login_actor(register, args) if args.actor else register.anonymous()
    rows = list_staff(session)
    print(f"{'工号':<8}{'姓名':<8}{'角色':<10}{'窗口':<12}状态")
    for s in rows:
        # Names of colleagues are personal too: a terminal over SSH shows them masked.
        name = mask_name(s.name) if s.name else "—"
        state = "停用" if not s.active else ("锁定" if s.locked else "正常")
        print(f"{s.number:<8}{name:<8}{s.role_label:<10}{(s.window or '—'):<12}{state}")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    from store.staff import disable_staff

    register = open_register(args)
    session = login_actor(register, args)
    disable_staff(session, args.number)
    print(f"已停用：{args.number}（其密码不再能解锁登记本）")
    rotate = args.rotate or (
        sys.stdin.isatty()
        and input("现在轮换数据密钥吗？[y/N] ").strip().lower() in ("y", "yes", "是")
    )
    if rotate:
        from store.rotation import rotate_keys

        status = rotate_keys(session)
        print(
            f"数据密钥已轮换：当前版本 {status.current}"
            if status.finished
            else "密钥轮换未完成，请再运行 chuangkou keys rotate"
        )
    else:
        print(ROTATION_ADVICE)
    return 0


#: What rotating after a departure protects against, and what it cannot.
ROTATION_ADVICE = (
    "提示：停用只销毁此人的密钥槽。若此人可能留有数据密钥（曾在本机登录并可取得内存或文件），"
    "请运行 chuangkou keys rotate（或 staff disable --rotate）轮换数据密钥：此后登记本中的数据"
    "全部改用新密钥加密，此人留下的旧密钥解不开现在的登记本；轮换收不回此前已被拷走的文件副本或备份。"
)


def run_reset(args: argparse.Namespace) -> int:
    from store.auth import unlock_with_recovery
    from store.staff import reset_password

    register = open_register(args)
    if args.recovery:
        session = unlock_with_recovery(register, read_secret("恢复码："))
    elif args.actor:
        session = login_actor(register, args)
    else:
        raise CliError("重设密码需要主任登录（--as 工号）或恢复码（--recovery）")
    reset_password(session, args.number, read_new_secret(f"{args.number} 的新密码："))
    print(f"已重设 {args.number} 的密码，首次登录须修改")
    return 0
