"""`chuangkou daily`: the register's daily job (store.daily) — services not rated within
the policy's window recorded as not rated (or the hall's default level), overdue 容缺 cases
proposed for 退件. Needs a login (--as 工号); prints counts only, never a name or number.

Run it once a day, e.g. from a systemd timer or cron after the hall closes; running it
twice does nothing the second time.
"""

from __future__ import annotations

import argparse

from tui.cli.common import add_actor_args, login_actor, open_register


def register(sub) -> None:
    d = sub.add_parser(
        "daily",
        help="每日任务：超期未评价的服务记为未评价（或默认评价），容缺逾期的办件提出退件（需登录）",
    )
    add_actor_args(d)
    d.set_defaults(handler=run_daily_job)


def run_daily_job(args: argparse.Namespace) -> int:
    from store.clock import local_date
    from store.daily import run_daily

    register = open_register(args)
    session = login_actor(register, args)
    today = local_date(session.now())
    result = run_daily(session, today)
    rated = "按默认评价记入" if result.default_level else "记为未评价"
    print(f"每日任务（{today:%Y-%m-%d}）完成：")
    print(f"  超期未评价的服务：{len(result.not_rated)} 件，已{rated}")
    print(f"  容缺逾期未补齐的办件：{len(result.tolerance_proposed)} 件，已提出退件（待窗口确认）")
    if result.skipped:
        print(f"  无法记入评价的服务：{len(result.skipped)} 件（缺少所属窗口，请主任核查）")
    return 0
