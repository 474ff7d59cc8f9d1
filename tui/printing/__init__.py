"""Printing notices: lay a :class:`policies.notices.Notice` out as a PDF in memory
(:func:`notice_pdf`) and stream the bytes to a CUPS queue (:func:`print_pdf`).

Light to import: reportlab is imported only when the first PDF is made, and nothing is
ever written to disk here (the PDF lives in a ``bytes`` value; ``lp`` reads it on stdin).
"""

from __future__ import annotations

from tui.printing.lp import PrintError, print_pdf
from tui.printing.pdf import notice_pdf

__all__ = ["PrintError", "notice_pdf", "print_pdf"]
