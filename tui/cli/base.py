"""What every subcommand shares: a Chinese argument parser and one-line errors."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from typing import Any, NoReturn


class CliError(Exception):
    """An error to show the operator as one Chinese line (exit code `code`)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with Chinese help headings and a one-line Chinese error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        print(f"错误：命令参数有误（{message}）。用 {self.prog} --help 查看用法。", file=sys.stderr)
        sys.exit(2)


def known_errors() -> tuple[type[BaseException], ...]:
    """The error types whose message is already fit for the operator."""
    errors: list[type[BaseException]] = [CliError]
    for module, name in (
        ("store.errors", "StoreError"),
        ("policies.errors", "PolicyError"),
        ("devices.errors", "DeviceError"),
    ):
        with contextlib.suppress(ImportError, AttributeError):
            errors.append(getattr(__import__(module, fromlist=[name]), name))
    return tuple(errors)


def run_guarded(
    handler: Callable[[argparse.Namespace], int | None], args: argparse.Namespace
) -> int:
    """Run a handler; turn every failure into one Chinese line and an exit code."""
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except known_errors() as exc:
        # One line, even when the error lists several problems (a catalog file).
        print(
            "错误：" + "；".join(part.strip("- ") for part in str(exc).splitlines()),
            file=sys.stderr,
        )
        return getattr(exc, "code", 1) if isinstance(getattr(exc, "code", 1), int) else 1
    except OSError as exc:
        # File and device errors: the OS message, without a path that may hold anything personal.
        print(f"错误：系统操作失败（{exc.strerror or type(exc).__name__}）", file=sys.stderr)
        return 1
    except Exception as exc:  # last resort: never a traceback at the counter
        print(f"错误：内部错误（{type(exc).__name__}），请联系技术员查看日志。", file=sys.stderr)
        return 1
