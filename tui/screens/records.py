"""Opening a record by its number from a list (查询, 一人一档), and fitting list cells to
the terminal (80×24: every column header whole)."""

from __future__ import annotations

from typing import Any


def open_record(node: Any, kind: str, number: str) -> None:
    """Open a case (办件 screen) or an inquiry (首问登记, read only) over ``node``'s screen."""
    if kind == "case":
        from tui.screens.case import open_case

        open_case(node, number)
    else:
        from tui.screens.inquiry_view import InquiryViewScreen

        node.app.push_screen(InquiryViewScreen(number))


def fit(text: str, cells: int) -> str:
    """Cut text to a number of terminal cells (Chinese characters take two), with "…"."""
    from rich.cells import cell_len

    if cell_len(text) <= cells:
        return text
    out = ""
    for ch in text:
        if cell_len(out + ch) > cells - 1:
            break
        out += ch
    return out + "…"


def flexible_width(total: int, fixed: list[int]) -> int:
    """The width left for one flexible column of a DataTable ``total`` cells wide whose other
    columns are ``fixed`` wide: each column has one cell of padding either side, and the
    vertical scrollbar takes two."""
    columns = len(fixed) + 1
    return max(8, total - 2 - sum(fixed) - 2 * columns)
