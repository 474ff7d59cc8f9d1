"""`chuangkou backup|restore|audit verify|keys rotate|doctor`: looking after a register."""

from __future__ import annotations

import argparse
from pathlib import Path

from tui.cli.base import CliError
from tui.cli.common import add_actor_args, login_actor, open_register, read_secret, register_url


def register(sub) -> None:
    b = sub.add_parser("backup", help="在线备份登记本到一个文件（仍是加密的），或校验备份")
    b.add_argument(
        "file", nargs="?", type=Path, metavar="文件", help="备份文件（默认：数据目录 backups/ 下）"
    )
    b.add_argument("--verify", type=Path, metavar="备份文件", help="只校验此备份，不恢复")
    add_actor_args(b)  # --as: verify the signature with the backup's own key (another station)
    b.set_defaults(handler=run_backup)

    r = sub.add_parser("restore", help="把备份恢复到一个空位置（--db 指定，默认位置须为空）")
    r.add_argument("file", type=Path, metavar="备份文件")
    add_actor_args(r)
    r.set_defaults(handler=run_restore)

    a = sub.add_parser("audit", help="审计链")
    asub = a.add_subparsers(dest="audit_command", metavar="操作", title="操作", required=True)
    v = asub.add_parser("verify", help="逐条核对审计链，报告第一处断开（需登录）")
    v.add_argument("--expect", metavar="条数:指纹", help="与抄录的链头核对（doctor 打印）")
    add_actor_args(v)
    v.set_defaults(handler=run_audit_verify)

    k = sub.add_parser("keys", help="数据密钥")
    ksub = k.add_subparsers(dest="keys_command", metavar="操作", title="操作", required=True)
    rot = ksub.add_parser("rotate", help="轮换数据密钥（可中断，再次运行即继续）")
    rot.add_argument("--batch-size", type=int, default=500, metavar="条数")
    rot.add_argument(
        "--max-batches", type=int, metavar="批数", help="最多处理的批数（之后可再次运行继续）"
    )
    rot.add_argument("--recovery", action="store_true", help="用恢复码代替主任登录")
    add_actor_args(rot)
    rot.set_defaults(handler=run_rotate)

    d = sub.add_parser("doctor", help="检查：登记本、结构版本、工作日历、磁盘空间、时钟、审计链头")
    d.set_defaults(handler=run_doctor)


def run_backup(args: argparse.Namespace) -> int:
    from store.backup import backup, verify_backup

    if args.verify:
        info = verify_backup(args.verify, login=_backup_login(args))
        print(
            f"备份完好：{info.path}（{info.created_at}，结构版本 {info.schema_version}，{info.size} 字节，SHA-256 {info.sha256[:16]}…）"
        )
        return 0
    register = open_register(args)
    session = login_actor(register, args) if args.actor else register.anonymous()
    info = backup(session, args.file)
    print(f"已备份到：{info.path}（{info.size} 字节，SHA-256 {info.sha256[:16]}…）")
    return 0


def _backup_login(args: argparse.Namespace) -> tuple[str, str] | None:
    """(工号, 密码) to check a backup's signature with the key sealed in the backup itself."""
    if not getattr(args, "actor", None):
        return None
    return args.actor, read_secret(f"工号 {args.actor} 的密码（备份中的登记本）：")


def run_restore(args: argparse.Namespace) -> int:
    from store.backup import restore_backup
    from store.database import default_url

    info = restore_backup(args.file, register_url(args) or default_url(), login=_backup_login(args))
    print(f"已恢复（备份时间 {info.created_at}，结构版本 {info.schema_version}）")
    return 0


def run_audit_verify(args: argparse.Namespace) -> int:
    from store.audit import matches_written_head, verify

    register = open_register(args)
    session = login_actor(register, args)
    if session.audit_key is None:
        raise CliError("核对审计链需要能解锁数据的账号（技术员账号不能核对）")
    result = verify(session.audit_key)
    if not result.ok:
        raise CliError(result.message)
    if session.audit_alarm:  # the chain is shorter than, or differs from, what this station saw
        raise CliError(session.audit_alarm)
    if args.expect:
        try:
            count_text, fingerprint = args.expect.split(":", 1)
            problem = matches_written_head(int(count_text), fingerprint)
        except ValueError:
            raise CliError("--expect 的格式应为 条数:指纹，如 1234:0123abcd…") from None
        if problem:
            raise CliError(problem)
    print(result.message)
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    from store.auth import unlock_with_recovery
    from store.rotation import rotate_keys

    register = open_register(args)
    session = (
        unlock_with_recovery(register, read_secret("恢复码："))
        if args.recovery
        else login_actor(register, args)
    )
    status = rotate_keys(session, batch_size=args.batch_size, max_batches=args.max_batches)
    if status.finished:
        print(f"密钥轮换完成：当前数据密钥版本 {status.current}")
    else:
        print(f"密钥轮换进行中：还有 {status.rows_left} 条记录待换用新密钥（再次运行本命令继续）")
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    from store.doctor import FAIL, check_register, run_checks

    checks, register = check_register(register_url(args))  # --db, $CHUANGKOU_DB, station
    if register is not None:
        checks += run_checks(register)
    width = max(len(c.name) for c in checks)
    for c in checks:
        first, *more = c.message.splitlines() or [""]
        if more:  # a message of several lines (the calendar's) stands whole, one per line
            print(f"[{c.status}] {c.name}")
            for line in (first, *more):
                print(line)
        else:
            print(f"[{c.status}] {c.name:<{width}}  {first}")
    return 1 if any(c.status == FAIL for c in checks) else 0
