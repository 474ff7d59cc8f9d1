"""Where chuangkou logs: a rotating file in the platform's log directory. The log is for a
technician and carries no personal data (operations log action names and record ids)."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path


def log_dir() -> Path:
    override = os.environ.get("CHUANGKOU_LOG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_log_dir("chuangkou", appauthor=False))


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Log to chuangkou.log; a read-only or missing directory just means no file log."""
    root = logging.getLogger("chuangkou")
    if root.handlers:
        return None
    root.setLevel(level)
    root.propagate = False
    path = log_dir() / "chuangkou.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        root.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    return path
