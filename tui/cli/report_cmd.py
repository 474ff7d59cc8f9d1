"""`chuangkou report`: a report (F8's figures, store.reports) written as CSV, XLSX or PDF
from the command line, e.g. from cron at the end of each quarter:

    chuangkou report --period 2026Q4 --scope hall --format xlsx --out q4.xlsx --as 0001

Periods: 2026Q4 · 2026-11 · 2026-11-23 · 2026-10-01..2026-12-31 (policies.reports).
Scopes: hall · window CODE · clerk NUMBER — a clerk may ask for their own and their
window's only. Needs a login (--as 工号; the password from the terminal or stdin). Prints
where the file went, never a figure about a person.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tui.cli.base import CliError
from tui.cli.common import add_actor_args, login_actor, open_register

FORMATS = ("csv", "xlsx", "pdf")


def register(sub) -> None:
    r = sub.add_parser(
        "report",
        help="统计报表：按日、月、季度或任意期间导出 CSV / XLSX / PDF（需登录）",
    )
    r.add_argument(
        "--period",
        required=True,
        metavar="期间",
        help="2026Q4、2026-11、2026-11-23 或 2026-10-01..2026-12-31",
    )
    r.add_argument(
        "--scope",
        nargs="+",
        default=["hall"],
        metavar="范围",
        help="hall（全大厅）、window 窗口代码、clerk 工号（默认 hall）",
    )
    r.add_argument("--format", choices=FORMATS, default=None, help="csv、xlsx 或 pdf")
    r.add_argument("--out", metavar="文件", help="输出文件（默认：文档目录/窗口报表/…）")
    add_actor_args(r)
    r.set_defaults(handler=run_report)


def _scope(words: list[str]) -> tuple[str, str | None]:
    scope = words[0].lower()
    if scope == "hall" and len(words) == 1:
        return "hall", None
    if scope in ("window", "clerk") and len(words) == 2:
        return scope, words[1]
    if scope == "clerk" and len(words) == 1:
        return "clerk", None  # one's own
    raise CliError("统计范围应为：hall、window 窗口代码 或 clerk 工号")


def run_report(args: argparse.Namespace) -> int:
    from policies.reports import parse_period
    from store.reports import report
    from tui.exports import export_report

    period = parse_period(args.period)
    scope, key = _scope(args.scope)
    out = Path(args.out) if args.out else None
    fmt = args.format or (out.suffix.lstrip(".").lower() if out is not None else "csv")
    if fmt not in FORMATS:
        raise CliError(f"无法从文件名判断导出格式：{out}（请用 --format csv / xlsx / pdf）")
    register = open_register(args)
    session = login_actor(register, args)
    result = report(
        session, start=period.first, end=period.last, scope=scope, key=key, label=period.label
    )
    try:
        path = export_report(result, fmt, out)
    except OSError as exc:
        raise CliError(f"无法写入报表文件：{out or '文档目录'}（{exc.strerror or exc}）") from exc
    print(f"报表已导出：{path}（{result.scope_label}，{period.label}）")
    return 0
