"""In-memory transport to a SimulatedReader: real frames, no hardware, no waiting."""

from __future__ import annotations

from devices.idcard.errors import DeviceGone, DeviceNotFound, ReaderTimeout, TransportError
from devices.idcard.frames import FrameScanner
from devices.idcard.simulator import SimulatedReader


class SimTransport:
    """Opening fails with DeviceNotFound while the simulator is unplugged; a transport
    opened before an unplug stays dead (DeviceGone) even after the reader is plugged back,
    as a USB handle does. A missing reply raises ReaderTimeout at once (simulated time)."""

    def __init__(self, reader: SimulatedReader) -> None:
        if not reader.plugged:
            raise DeviceNotFound("未找到读卡器（模拟读卡器未连接）")
        self.reader = reader
        self.description = "模拟读卡器"
        self._generation = reader.generation
        self._tx = FrameScanner()
        self._rx = bytearray()
        self._closed = False

    def _check(self) -> None:
        if self._closed:
            raise TransportError("读卡器连接已关闭")
        if not self.reader.plugged or self.reader.generation != self._generation:
            raise DeviceGone("读卡器已断开（模拟）")

    def write(self, data: bytes) -> None:
        self._check()
        for frame in self._tx.feed(bytes(data)):
            reply = self.reader.handle(frame)
            if reply:
                self._rx += reply

    def read_exact(self, n: int, timeout: float) -> bytes:
        self._check()
        if len(self._rx) < n:
            self._rx.clear()  # a real read would have consumed what arrived
            raise ReaderTimeout("读卡器应答超时")
        out = bytes(self._rx[:n])
        del self._rx[:n]
        return out

    def discard_input(self) -> None:
        self._rx.clear()

    def close(self) -> None:
        self._closed = True
