"""`chuangkou catalog import|export|search`: the service catalog (办事指南)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tui.cli.base import CliError
from tui.cli.common import add_actor_args, login_actor, open_register
from tui.textfiles import TextFileError, read_text_file


def register(sub) -> None:
    p = sub.add_parser("catalog", help="服务事项目录：导入、导出、按名称或拼音首字母查找")
    csub = p.add_subparsers(dest="catalog_command", metavar="操作", title="操作", required=True)
    imp = csub.add_parser("import", help="导入目录文件（TOML；整份校验通过才写入；需主任登录）")
    imp.add_argument(
        "file", metavar="文件", type=Path, nargs="?", help="目录文件（省略则导入内置示例目录）"
    )
    add_actor_args(imp)
    imp.set_defaults(handler=run_import)
    exp = csub.add_parser("export", help="导出登记本中的目录为 TOML")
    exp.add_argument("file", metavar="文件", type=Path, nargs="?", help="输出文件（省略则打印）")
    exp.set_defaults(handler=run_export)
    search = csub.add_parser("search", help="查找事项：中文名称或拼音首字母，如 dbsq")
    search.add_argument("query", metavar="关键词")
    search.add_argument("--limit", type=int, default=10, metavar="条数")
    search.set_defaults(handler=run_search)


#: A hall's whole catalog is a few hundred KB; far more is not a catalog.
CATALOG_LIMIT = 8 << 20


def _read_text(path: Path) -> str:
    try:
        return read_text_file(path, limit=CATALOG_LIMIT, what="目录文件")
    except TextFileError as exc:
        raise CliError(str(exc)) from None


def run_import(args: argparse.Namespace) -> int:
    from importlib import resources

    from store.catalog import check_catalog, import_catalog

    if args.file is None:
        text = resources.files("policies").joinpath("data/catalog.toml").read_text(encoding="utf-8")
    else:
        text = _read_text(args.file)
    register = open_register(args)
    check_catalog(register, text)  # a bad file is refused before anyone logs in
    s = import_catalog(login_actor(register, args), text)
    print(
        f"已导入：窗口新增 {s.windows_added}、更新 {s.windows_updated}；"
        f"事项新增 {s.items_added}、更新 {s.items_updated}、停用 {s.items_deactivated}"
    )
    return 0


def run_export(args: argparse.Namespace) -> int:
    from store.catalog import export_catalog

    register = open_register(args)
    text = export_catalog(register.anonymous())
    if args.file is None:
        print(text, end="")
    else:
        args.file.write_text(text, encoding="utf-8")
        print(f"已导出到：{args.file}")
    return 0


def run_search(args: argparse.Namespace) -> int:
    from policies.catalog import load_sample_catalog
    from store.catalog import load_catalog
    from store.errors import RegisterNotFound

    try:
        catalog = load_catalog(open_register(args))
        source = ""
    except RegisterNotFound:
        catalog, source = load_sample_catalog(), "（尚无登记本：查的是内置示例目录）"
    hits = catalog.search(args.query, limit=args.limit)
    if source:
        print(source)
    if not hits:
        print(f"没有找到与“{args.query}”相符的事项")
        return 1
    for item in hits:
        window = catalog.window(item.window).name
        limit = (
            "当日即办"
            if item.promised_limit_days == 0
            else f"承诺 {item.promised_limit_days} 个工作日"
        )
        print(f"{item.code:<8}{item.name}　［{window}｜{limit}｜{item.fee}］")
    return 0
