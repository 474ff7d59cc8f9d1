"""Bytes from the terminal that are not UTF-8 (Alt sending the eighth bit, a terminal set to
GBK, noise on a serial console) are typed as U+FFFD: the counter application stays up.
Before, one 0xFF byte ended it with a traceback on the screen (Textual decodes its input
strictly; found by feeding the real application bytes through a pseudo-terminal)."""

from __future__ import annotations

import os
import select
import signal
import sys
import time

import pytest

pytestmark = pytest.mark.timeout(120)


def test_the_drivers_decode_what_is_not_utf8_as_a_replacement_character():
    from tui.safe_text import install_lenient_input

    install_lenient_input()
    from textual.drivers import linux_driver

    decoder = linux_driver.getincrementaldecoder("utf-8")()
    assert decoder.decode(b"a\xff\xc0b\xe4\xb8", final=False) == "a\ufffd\ufffdb"
    assert decoder.decode(b"\xad", final=False) == "中"  # a character split over reads


def _read(fd: int, seconds: float, until: bytes | None = None) -> tuple[bytes, bool]:
    """What the application wrote within `seconds` (or until `until` appeared); whether the
    terminal is still open."""
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # the application closed the terminal: it exited
            return out, False
        if not data:
            return out, False
        out += data
        if until is not None and until in out:
            break
    return out, True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pseudo-terminal (Linux)")
def test_the_application_stays_up_when_the_terminal_sends_bytes_that_are_not_utf8(tmp_path):
    import pty

    from store.database import close_database
    from store.keyslots import OWASP_MINIMUM_KDF
    from store.setup import create_register

    url = f"sqlite:///{tmp_path / 'register.db'}"
    create_register(
        url,
        hall_name="示例镇便民服务中心",
        hall_code="SLZ",
        supervisor_number="0001",
        supervisor_name="林主任",
        password="zhuren-mima-2026",
        kdf=OWASP_MINIMUM_KDF,
    )
    close_database()
    env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", COLUMNS="100", LINES="30")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the counter application on this pseudo-terminal
        os.execve(sys.executable, [sys.executable, "-m", "tui.cli", "--db", url], env)
    try:
        shown, alive = _read(fd, 60, until="工号".encode())
        assert alive and "工号".encode() in shown, shown[-2000:]
        os.write(fd, b"\xff\xfe12\xc0\x80")  # bytes no UTF-8 terminal sends, then "12"
        shown, alive = _read(fd, 3)
        assert alive, shown.decode("utf-8", "replace")[-3000:]
        assert os.waitpid(pid, os.WNOHANG) == (0, 0), "the application exited"
        assert b"Traceback" not in shown and b"UnicodeDecodeError" not in shown
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
