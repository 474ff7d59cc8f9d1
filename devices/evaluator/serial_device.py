"""A serial 评价器 speaking a configurable byte protocol (see serial_protocol).

pyserial is imported lazily when a real port is opened; tests pass `open_port` returning a
fake port object with write(), read(n), in_waiting and close().
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable
from typing import Any, Protocol

from devices.errors import DeviceError
from devices.evaluator.base import Evaluator, RatingContext
from devices.evaluator.levels import KeyMap
from devices.evaluator.serial_protocol import ReplyParser, SerialProtocol


class PortLike(Protocol):
    in_waiting: int

    def write(self, data: bytes) -> int | None: ...
    def read(self, size: int) -> bytes: ...
    def close(self) -> None: ...


def default_port_opener(port: str, baudrate: int = 9600) -> Callable[[], PortLike]:
    def open_port() -> PortLike:
        try:
            import serial
        except ImportError as exc:
            raise DeviceError("未安装 pyserial，无法使用串口评价器") from exc
        try:
            return serial.serial_for_url(port, baudrate=baudrate, timeout=0, write_timeout=1)
        except (OSError, serial.SerialException) as exc:
            raise DeviceError(f"无法打开串口 {port}") from exc

    return open_port


def _digit_bytes(n: int) -> tuple[int, ...]:
    """Without an explicit reply table a vendor's key n arrives as byte n or ASCII digit n."""
    return (n, 0x30 + n)


class SerialEvaluator(Evaluator):
    transport = "serial"

    def __init__(
        self,
        name: str,
        *,
        open_port: Callable[[], PortLike],
        protocol: SerialProtocol,
        vendor: str | None = None,
        port_label: str = "",
        **kwargs: Any,
    ) -> None:
        keymap = KeyMap.build(dict(protocol.replies) or None, vendor, _digit_bytes)
        super().__init__(name, keymap, **kwargs)
        self._open_port = open_port
        self._protocol = protocol
        self._port: PortLike | None = None
        self._parser = ReplyParser(protocol.reply_prefix)
        self._label = port_label

    def _connect(self) -> str:
        self._port = self._open_port()
        self._parser = ReplyParser(self._protocol.reply_prefix)
        return f"串口评价器 {self._label}".strip()

    def _read(self) -> list[Hashable]:
        assert self._port is not None
        waiting = self._port.in_waiting  # raises once a USB-serial adapter is unplugged
        if not waiting:
            return []
        return list(self._parser.feed(self._port.read(waiting)))

    def _on_arm(self, context: RatingContext, timeout: float) -> None:
        data = self._protocol.arm_bytes(context.clerk_number)
        if data and self._port is not None:
            self._port.write(data)

    def _on_cancel(self) -> None:
        if self._protocol.cancel and self._port is not None:
            self._port.write(self._protocol.cancel)

    def _disconnect(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):  # already gone
                port.close()
