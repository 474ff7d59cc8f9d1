"""Reading a text file someone hands the app (a catalog, a year file, a station file) with a
size limit: `/dev/zero` or a huge file is refused after `limit` bytes, never read whole."""

from __future__ import annotations

from pathlib import Path

__all__ = ["TextFileError", "read_text_file"]


class TextFileError(ValueError):
    """The file is missing, too large, unreadable or not UTF-8; the message is Chinese."""


def read_text_file(path: Path, *, limit: int, what: str = "文件") -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise TextFileError(f"{what}不存在：{path}") from None
    except IsADirectoryError:
        raise TextFileError(f"{what}是一个目录：{path}") from None
    except PermissionError:
        raise TextFileError(f"{what}没有读取权限：{path}") from None
    if len(data) > limit:
        raise TextFileError(f"{what}过大（超过 {limit // 1024} KB），不是可用的{what}：{path}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise TextFileError(f"{what}不是 UTF-8 文本：{path}") from None
