"""Where chuangkou logs: a rotating file in the platform's log directory. The log is for a
technician and carries no personal data (operations log action names and record ids)."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import sys
from pathlib import Path


def log_dir() -> Path:
    override = os.environ.get("CHUANGKOU_LOG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_log_dir("chuangkou", appauthor=False))


class _QuietRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A log that cannot be written (a full disk) says so once, in one Chinese line, and
    then stays quiet: logging's default prints a traceback for every record."""

    _told = False

    def handleError(self, record: logging.LogRecord) -> None:
        if not self._told:
            self._told = True  # this handler's; a class-wide flag would hide a later log's
            with contextlib.suppress(Exception):
                sys.stderr.write("注意：日志无法写入（磁盘已满或无权限），工作不受影响。\n")


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Log to chuangkou.log; a read-only or missing directory just means no file log."""
    root = logging.getLogger("chuangkou")
    if any(isinstance(h, (_QuietRotatingFileHandler, logging.NullHandler)) for h in root.handlers):
        return None  # set up already (another handler, e.g. a test's capture, is not ours)
    root.setLevel(level)
    root.propagate = False
    path = log_dir() / "chuangkou.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _QuietRotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        root.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    return path
