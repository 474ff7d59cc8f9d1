"""The one sanitiser between the register (or a file) and a terminal.

A name, a hall name or a catalog entry may hold control characters: typed by nobody at a
counter, but written into the database or a file by an insider. ``ESC ] 0 ; … BEL`` would
retitle the terminal and ``ESC [ 2 J`` clear it. Every text shown goes through
:func:`visible`, which turns C0 and C1 control characters (except newline and tab), DEL and
the bidirectional overrides into visible escapes such as ``\\x1b``: what was stored can
still be seen, and nothing is executed.

- CLI: :func:`sanitised_output` wraps stdout and stderr while a subcommand runs.
- Input: :func:`install_lenient_input` decodes what the terminal sends leniently (a byte
  that is not UTF-8 is shown as U+FFFD instead of ending the application).
- TUI: :func:`install_in_renderers` makes Textual's and Rich's control-code tables (through
  which every drawn text passes, Content and Text alike) show the same escapes instead of
  passing ESC and the other controls through to the terminal.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator
from typing import TextIO

__all__ = [
    "ESCAPES",
    "install_in_renderers",
    "install_lenient_input",
    "sanitised_output",
    "visible",
]

_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))  # LRE…RLO, LRI…PDI

#: Code point → what is shown instead. Newline and tab keep their meaning.
ESCAPES: dict[int, str] = {
    code: f"\\x{code:02x}"
    for code in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))
    if code not in (0x09, 0x0A)
} | {code: f"\\u{code:04x}" for code in _BIDI}


def visible(text: str) -> str:
    """`text` with every control character shown as a visible escape."""
    return text.translate(ESCAPES)


class _VisibleStream:
    """A text stream that writes only visible text to the one it wraps."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(visible(text))
        return len(text)

    def __getattr__(self, name: str):  # flush, fileno, isatty, encoding …
        return getattr(self._stream, name)


@contextlib.contextmanager
def sanitised_output() -> Iterator[None]:
    """While a CLI command runs, nothing it prints can drive the terminal."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _VisibleStream(out), _VisibleStream(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def install_in_renderers() -> None:
    """Show control characters as escapes in everything Textual and Rich draw. Both strip
    only BEL, BS, VT, FF and CR from text, through a module-level table that every Content
    and Text is built with; extending that table is the one place where all drawn text
    passes (screens, tables, inputs, notifications)."""
    import rich.control
    import textual.content

    for table in (
        textual.content._CONTROL_STRIP_TRANSLATE,
        rich.control._CONTROL_STRIP_TRANSLATE,
    ):
        table.update({code: shown for code, shown in ESCAPES.items() if code != 0x0D})


def install_lenient_input() -> None:
    """A byte from the terminal that is not UTF-8 — Alt sending the eighth bit, a terminal
    set to GBK, noise on a serial console — becomes U+FFFD in what is typed. Textual's
    Linux drivers decode their input strictly: one such byte raised UnicodeDecodeError in
    the input thread, and the application answered with a traceback on the counter's
    screen and exited. Their decoder factory is imported into each driver module; it is
    replaced there."""
    import codecs
    import functools

    def lenient(encoding: str):
        return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")

    for name in ("linux_driver", "linux_inline_driver"):
        try:
            module = importlib.import_module(f"textual.drivers.{name}")
        except ImportError:  # not on this platform (termios)
            continue
        module.getincrementaldecoder = lenient
