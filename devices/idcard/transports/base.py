"""The one interface every link to a reader offers (USB, serial, simulator)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Transport(Protocol):
    """A byte pipe to a reader.

    write() sends a whole command frame; read_exact() returns exactly `n` bytes or raises
    ReaderTimeout once `timeout` seconds have passed; a vanished device raises DeviceGone.
    Optional extras, looked up with getattr: `discard_input()` (drop stale bytes before a
    command) and `description` (a line for the technician, no personal data).
    """

    def write(self, data: bytes) -> None: ...

    def read_exact(self, n: int, timeout: float) -> bytes: ...

    def close(self) -> None: ...


def describe(transport: object) -> str:
    return str(getattr(transport, "description", type(transport).__name__))
