"""A log that cannot be written (the disk under the log directory is full) costs one
Chinese line on stderr, never a traceback, and the work goes on."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import pytest

from tui.logsetup import setup_logging


@pytest.fixture
def fresh_chuangkou_logger():
    root = logging.getLogger("chuangkou")
    saved = root.handlers[:]
    root.handlers.clear()
    yield root
    for handler in root.handlers:
        with contextlib.suppress(OSError):  # as logging.shutdown does at exit
            handler.close()
    root.handlers[:] = saved


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_under_the_log_directory_prints_one_line_not_a_traceback(
    tmp_path, monkeypatch, capfd, fresh_chuangkou_logger
):
    logs = tmp_path / "logs"
    logs.mkdir()
    os.symlink("/dev/full", logs / "chuangkou.log")  # every write: ENOSPC
    monkeypatch.setenv("CHUANGKOU_LOG_DIR", str(logs))
    setup_logging()
    log = logging.getLogger("chuangkou.store")
    for i in range(5):
        log.info("case.view case:%s", i)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "OSError" not in err
    assert err.count("日志无法写入") == 1
