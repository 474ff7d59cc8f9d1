"""argparse speaks Chinese in every subcommand: errors, the usage line and -h headings; no
English of argparse's own reaches the operator, and a password in an echoed URL is masked."""

from __future__ import annotations

import argparse
import re

import pytest

from tui.cli import build_parser, main
from tui.cli.base import ChineseArgumentParser, mask_secrets, translate_argparse

# Words of argparse's own messages and help headings (Python 3.11–3.13).
ARGPARSE_ENGLISH = re.compile(
    r"\b(usage|error|invalid|choice|choose|required|unrecognized|arguments?|expected|"
    r"options|optional|positional|show this help|value|ambiguous|allowed|ignored|"
    r"explicit|could match|following|parser|choices)\b",
    re.IGNORECASE,
)


@pytest.fixture
def cli(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("CHUANGKOU_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("CHUANGKOU_CONFIG", str(tmp_path / "absent.toml"))

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


def assert_chinese_error(code: int, out: str, err: str, prog: str) -> str:
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0].startswith("错误：命令参数有误（"), err
    assert lines[1].startswith(f"用法：{prog}"), err
    assert not ARGPARSE_ENGLISH.search(err), err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "prog", "expected"),
    [
        (["nope"], "chuangkou", "参数 命令：无效的选择 'nope'（可选：init、"),
        (["devices", "nope"], "chuangkou devices", "无效的选择 'nope'（可选：list、test-reader"),
        (["report", "--format", "doc"], "chuangkou report", "可选：csv、xlsx、pdf"),
        (["staff", "add"], "chuangkou staff add", "缺少必需的参数：工号、--name、--role"),
        (["catalog"], "chuangkou catalog", "缺少必需的参数：操作"),
        (["devices", "log", "--file"], "chuangkou devices log", "参数 --file：需要一个值"),
        (["--db"], "chuangkou", "参数 --db：需要一个值"),
        (["devices", "log", "-n", "x"], "chuangkou devices log", "值 'x' 无效，应为整数"),
        (
            ["devices", "test-evaluator", "--timeout", "soon"],
            "chuangkou devices test-evaluator",
            "值 'soon' 无效，应为数字",
        ),
        (["devices", "list", "--bogus"], "chuangkou", "无法识别的参数：--bogus"),
        (["calendar", "status", "extra"], "chuangkou", "无法识别的参数：extra"),
    ],
)
def test_argparse_errors_are_chinese(cli, argv, prog, expected) -> None:
    first = assert_chinese_error(*cli(*argv), prog)
    assert expected in first


def test_a_password_in_an_echoed_argument_is_masked(cli) -> None:
    url = "postgresql://clerk:s3cr3t-pw@db.example/hall"
    code, out, err = cli("devices", "list", url)
    assert_chinese_error(code, out, err, "chuangkou")
    assert "s3cr3t-pw" not in err and "clerk:***@db.example" in err
    code, out, err = cli(url)
    assert_chinese_error(code, out, err, "chuangkou")
    assert "s3cr3t-pw" not in err


def test_mask_secrets() -> None:
    assert mask_secrets("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert mask_secrets("postgresql://u:p@ss@h/db") == "postgresql://u:***@h/db"
    assert mask_secrets("sqlite:////tmp/a.db 10:30") == "sqlite:////tmp/a.db 10:30"
    assert mask_secrets("postgresql://u@h/db") == "postgresql://u@h/db"


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def test_every_parser_is_chinese_and_its_help_has_no_argparse_english(capsys) -> None:
    parsers = list(_parsers(build_parser()))
    assert len(parsers) > 20
    for path, parser in parsers:
        assert isinstance(parser, ChineseArgumentParser), path
        text = parser.format_help()
        assert text.startswith("用法："), path
        assert "选项：" in text, path
        assert not ARGPARSE_ENGLISH.search(text), (path, ARGPARSE_ENGLISH.search(text))


@pytest.mark.parametrize("argv", [["-h"], ["devices", "log", "--help"], ["staff", "add", "-h"]])
def test_help_is_chinese(cli, argv) -> None:
    code, out, err = cli(*argv)
    assert code == 0 and err == ""
    assert out.startswith("用法：") and "显示本帮助并退出" in out
    assert not ARGPARSE_ENGLISH.search(out)


def test_unknown_argparse_messages_never_reach_the_screen_in_english() -> None:
    assert translate_argparse("some brand new message: x") == "参数格式不正确"
    assert translate_argparse("评价键应为 1–5 之一") == "评价键应为 1–5 之一"
    assert (
        translate_argparse("argument --x: ambiguous option: --fo could match --foo, --for")
        == "参数 --x：选项 --fo 不明确，可能是：--foo、--for"
    )
    assert translate_argparse("one of the arguments --a --b is required").startswith(
        "必须指定其中一个参数"
    )
    assert translate_argparse("argument --a: not allowed with argument --b") == (
        "参数 --a：不能与参数 --b 同时使用"
    )
    assert translate_argparse("argument -v: ignored explicit argument 'x'") == (
        "参数 -v：此选项不接受值（'x'）"
    )
