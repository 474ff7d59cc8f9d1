"""What every subcommand shares: a Chinese argument parser and one-line errors."""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections.abc import Callable
from typing import Any, NoReturn


class CliError(Exception):
    """An error to show the operator as one Chinese line (exit code `code`)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# `user:secret@` in anything echoed back (a database URL with its password).
_CREDENTIALS = re.compile(r"(?P<user>[^\s:/@'\"()（）、，]*):(?P<secret>[^\s'\"/]*)@")


def mask_secrets(text: str) -> str:
    """postgresql://clerk:hunter2@db/x → postgresql://clerk:***@db/x, in any text echoed back.

    The one place that masks credentials; every argument value shown on an error goes
    through it.
    """
    return _CREDENTIALS.sub(lambda m: f"{m['user']}:***@", text)


def _names(text: str) -> str:
    """'a', 'b' or a, b (argparse's lists) → a、b."""
    quoted = re.findall(r"'([^']*)'", text)
    items = quoted or [part.strip() for part in text.split(",")]
    return "、".join(item for item in items if item)


_TYPE_NAMES = {"int": "整数", "float": "数字"}

# argparse's messages (Python 3.11–3.13) → Chinese. Each pattern matches a whole message.
_MESSAGES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = tuple(
    (re.compile(pattern, re.DOTALL), render)
    for pattern, render in (
        (r"argument (.+?): (.*)", lambda m: f"参数 {m[1]}：{translate_argparse(m[2])}"),
        (
            r"invalid choice: (.*?) \(choose from (.*)\)",
            lambda m: f"无效的选择 {m[1]}（可选：{_names(m[2])}）",
        ),
        (
            r"unknown parser (.*?) \(choices: (.*)\)",
            lambda m: f"无效的命令 {m[1]}（可选：{_names(m[2])}）",
        ),
        (
            r"the following arguments are required: (.*)",
            lambda m: f"缺少必需的参数：{_names(m[1])}",
        ),
        (r"unrecognized arguments: (.*)", lambda m: f"无法识别的参数：{m[1]}"),
        (r"expected one argument", lambda m: "需要一个值"),
        (r"expected at most one argument", lambda m: "至多一个值"),
        (r"expected at least one argument", lambda m: "至少需要一个值"),
        (r"expected (\d+) arguments?", lambda m: f"需要 {m[1]} 个值"),
        (
            r"invalid (\w+) value: (.*)",
            lambda m: f"值 {m[2]} 无效，应为{_TYPE_NAMES.get(m[1], '有效的值')}",
        ),
        (
            r"ambiguous option: (\S+) could match (.*)",
            lambda m: f"选项 {m[1]} 不明确，可能是：{_names(m[2])}",
        ),
        (
            r"option '?(\S+?)'? is ambiguous; could match (.*)",
            lambda m: f"选项 {m[1]} 不明确，可能是：{_names(m[2])}",
        ),
        (r"not allowed with argument (.*)", lambda m: f"不能与参数 {m[1]} 同时使用"),
        (
            r"one of the arguments (.*) is required",
            lambda m: f"必须指定其中一个参数：{_names(m[1])}",
        ),
        (r"ignored explicit argument (.*)", lambda m: f"此选项不接受值（{m[1]}）"),
        (r"can't open (.*?): (.*)", lambda m: f"无法打开文件 {m[1]}"),
    )
)
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def translate_argparse(message: str) -> str:
    """argparse's English message in Chinese; our own (Chinese) messages pass unchanged.

    A message not known here never reaches the operator in English: it becomes a general
    Chinese line (a new Python may add messages).
    """
    for pattern, render in _MESSAGES:
        match = pattern.fullmatch(message.strip())
        if match:
            return render(match)
    if re.search(r"[\u4e00-\u9fff]", message) or not _LATIN_WORD.search(message):
        return message
    return "参数格式不正确"


class ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)

    def format_help(self) -> str:
        # Section headings come out as "选项:"; Chinese punctuation wants "选项：".
        return re.sub(r"(?m)^(\S[^\n:]*):$", r"\1：", super().format_help())


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
        """One Chinese error line, then the Chinese usage line; exit code 2 as argparse."""
        text = mask_secrets(translate_argparse(message))
        print(f"错误：命令参数有误（{text}）。用 {self.prog} --help 查看用法。", file=sys.stderr)
        print(mask_secrets(self.format_usage().strip()), file=sys.stderr)
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
            "错误：" + mask_secrets("；".join(part.strip("- ") for part in str(exc).splitlines())),
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
