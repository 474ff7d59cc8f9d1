"""The `chuangkou` command: with no arguments it starts the counter application;
subcommands set up and look after a register and its devices.

Each subcommand lives in its own module with `register(subparsers)`; errors surface as
one Chinese line on stderr with a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tui.cli.base import ChineseArgumentParser, CliError, run_guarded
from tui.safe_text import sanitised_output

# Subcommand modules, in the order their help is shown.
_COMMAND_MODULES = (
    "tui.cli.setup_cmd",
    "tui.cli.staff_cmd",
    "tui.cli.post_cmd",
    "tui.cli.catalog_cmd",
    "tui.cli.calendar_cmd",
    "tui.cli.maintenance_cmd",
    "tui.cli.daily_cmd",
    "tui.cli.devices_cmd",
    "tui.cli.demo_cmd",
    "tui.cli.report_cmd",
    "tui.cli.migrate_cmd",
)


def build_parser() -> ChineseArgumentParser:
    import importlib

    parser = ChineseArgumentParser(
        prog="chuangkou",
        description="窗口 — 便民服务中心窗口登记与办件系统。不带参数时启动窗口应用。",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="登记本地址（默认：用户数据目录中的 SQLite；也可为 postgresql://…）",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令", title="命令")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # a room not built yet
        module.register(sub)
    _db_anywhere(parser)
    return parser


def _db_anywhere(parser: argparse.ArgumentParser) -> None:
    """`--db` before or after the command (`chuangkou audit verify --db URL`): every
    subcommand's parser takes it too. SUPPRESS: a subcommand that was not given it does
    not reset the value given before the command."""
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        for child in set(action.choices.values()):
            if not any("--db" in a.option_strings for a in child._actions):
                child.add_argument(
                    "--db", metavar="URL", default=argparse.SUPPRESS, help="登记本地址（同上）"
                )
            _db_anywhere(child)


def main(argv: Sequence[str] | None = None) -> int:
    # Every file the app creates (register, backups, logs, exports) is its owner's only.
    os.umask(0o077)
    args_list = list(sys.argv[1:] if argv is None else argv)
    # What a command prints (argparse's echo of an argument too) cannot drive the terminal;
    # the application draws through Textual, sanitised there (tui.safe_text).
    with sanitised_output():
        parser = build_parser()
        args = parser.parse_args(args_list)
        from tui.logsetup import setup_logging

        setup_logging()
        handler = getattr(args, "handler", None)
        if handler is not None:
            return run_guarded(handler, args)
    return run_guarded(_start_app, args)


def _start_app(args) -> int:
    try:
        from tui.app import run_app
    except ModuleNotFoundError as exc:
        if exc.name != "tui.app":
            raise
        raise CliError(
            "窗口应用尚未安装本模块（tui.app）；请使用子命令，见 chuangkou --help"
        ) from exc
    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
