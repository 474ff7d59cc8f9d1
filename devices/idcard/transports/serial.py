"""Serial readers and embedded modules (115200 8N1), via pyserial (§5.2).

`port` is a device path (/dev/ttyUSB0, COM3) or any pyserial URL (loop://, rfc2217://…),
so a reader behind a serial server works too.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

import serial

from devices.idcard.errors import DeviceGone, DeviceNotFound, ReaderTimeout, TransportError

DEFAULT_BAUDRATE = 115200


class SerialTransport:
    def __init__(
        self,
        port: str,
        baudrate: int = DEFAULT_BAUDRATE,
        *,
        write_timeout: float = 1.0,
        factory: Callable[..., Any] = serial.serial_for_url,
    ) -> None:
        try:
            self._ser = factory(
                port,
                baudrate=baudrate,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_ONE,
                timeout=0.5,
                write_timeout=write_timeout,
            )
        except (serial.SerialException, OSError, ValueError):
            # The port name is configuration, not personal data, but keep the line short.
            raise DeviceNotFound(f"无法打开串口读卡器（{port}）") from None
        self.description = f"串口读卡器 {port}（{baudrate} 8N1）"
        self._closed = False

    def write(self, data: bytes) -> None:
        if self._closed:
            raise TransportError("读卡器连接已关闭")
        try:
            self._ser.write(data)
            self._ser.flush()
        except serial.SerialTimeoutException:
            raise ReaderTimeout("串口发送超时") from None
        except (serial.SerialException, OSError):
            raise DeviceGone("读卡器已断开（串口不可用）") from None

    def read_exact(self, n: int, timeout: float) -> bytes:
        if self._closed:
            raise TransportError("读卡器连接已关闭")
        deadline = time.monotonic() + timeout
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReaderTimeout("读卡器应答超时")
            try:
                self._ser.timeout = remaining
                chunk = self._ser.read(n - len(buf))
            except (serial.SerialException, OSError):
                raise DeviceGone("读卡器已断开（串口不可用）") from None
            if not chunk:
                # pyserial returns nothing only once `timeout` has passed.
                raise ReaderTimeout("读卡器应答超时")
            buf += chunk
        return bytes(buf)

    def discard_input(self) -> None:
        try:
            self._ser.reset_input_buffer()
        except (serial.SerialException, OSError):
            raise DeviceGone("读卡器已断开（串口不可用）") from None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            with contextlib.suppress(serial.SerialException, OSError):
                self._ser.close()
