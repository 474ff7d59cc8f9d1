"""Frame codec of the SAM protocol (GA/T 467 业务终端接口), idcard-reader.md §1.

    command:  AA AA AA 96 69 | LenH LenL | CMD PARA | DATA… | XOR
    reply:    AA AA AA 96 69 | LenH LenL | SW1 SW2 SW3 | DATA… | XOR

Length counts every byte after the two length bytes, checksum included; the XOR runs
over everything but the preamble and the checksum itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from devices.idcard.errors import ChecksumError, FrameError, ReaderTimeout

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_SIZE = 7  # preamble + 2 length bytes
MIN_REPLY_LENGTH = 4  # SW1 SW2 SW3 CHK
# The longest known reply is 30 10 with a fingerprint: 2321 bytes (length 2314). Leave room
# for readers that send more, but refuse absurd lengths found while resynchronising.
MAX_LENGTH = 8192
# How much noise read_frame() skips looking for a preamble before it gives up.
MAX_SKIP = 4096


def xor_checksum(data: bytes | bytearray | memoryview) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def build_frame(cmd: int, para: int, data: bytes = b"") -> bytes:
    """Build a command frame (命令帧): `build_frame(0x20, 0x01)` → AA AA AA 96 69 00 03 20 01 22."""
    body = bytes((cmd & 0xFF, para & 0xFF)) + data
    length = len(body) + 1
    if length > 0xFFFF:
        raise FrameError("命令数据过长")
    head = length.to_bytes(2, "big")
    return PREAMBLE + head + body + bytes((xor_checksum(head) ^ xor_checksum(body),))


def build_reply(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """Build a reply frame (应答帧), as the reader sends it; used by the simulator and tests."""
    body = bytes((sw1 & 0xFF, sw2 & 0xFF, sw3 & 0xFF)) + data
    length = len(body) + 1
    if length > 0xFFFF:
        raise FrameError("应答数据过长")
    head = length.to_bytes(2, "big")
    return PREAMBLE + head + body + bytes((xor_checksum(head) ^ xor_checksum(body),))


@dataclass(frozen=True, repr=False)
class Reply:
    """A parsed reply frame. `data` may hold card data, so repr shows only its size."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes

    def __repr__(self) -> str:
        return f"Reply(sw1={self.sw1:02X}, sw2={self.sw2:02X}, sw3={self.sw3:02X}, {len(self.data)} 字节)"


@dataclass(frozen=True, repr=False)
class Command:
    """A parsed command frame (the simulator's view of a request)."""

    cmd: int
    para: int
    data: bytes

    def __repr__(self) -> str:
        return f"Command({self.cmd:02X} {self.para:02X}, {len(self.data)} 字节)"


def _check_frame(frame: bytes, min_length: int) -> None:
    if len(frame) < HEADER_SIZE + min_length:
        raise FrameError(f"应答帧过短（{len(frame)} 字节）")
    if frame[:5] != PREAMBLE:
        raise FrameError("帧头错误（应为 AA AA AA 96 69）")
    length = (frame[5] << 8) | frame[6]
    if length != len(frame) - HEADER_SIZE:
        raise FrameError(f"帧长度错误（长度字段 {length}，实际 {len(frame) - HEADER_SIZE}）")
    expected = xor_checksum(memoryview(frame)[5:-1])
    if expected != frame[-1]:
        raise ChecksumError(expected, frame[-1])


def parse_reply(frame: bytes) -> Reply:
    """Parse one complete reply frame; raise FrameError / ChecksumError if it is malformed."""
    frame = bytes(frame)
    _check_frame(frame, MIN_REPLY_LENGTH)
    return Reply(frame[7], frame[8], frame[9], frame[10:-1])


def parse_command(frame: bytes) -> Command:
    """Parse one complete command frame (CMD PARA DATA); used by the simulator."""
    frame = bytes(frame)
    _check_frame(frame, 3)
    return Command(frame[7], frame[8], frame[9:-1])


class FrameScanner:
    """Cuts complete frames out of a byte stream that may start mid-frame (帧同步).

    Bytes before a preamble are skipped (counted in `skipped`). A preamble followed by an
    impossible length is taken for noise: the scan goes on one byte later. Checksums are
    not verified here, so that a corrupted reply is still reported as a checksum error.
    """

    def __init__(self, max_length: int = MAX_LENGTH) -> None:
        self._buf = bytearray()
        self._max_length = max_length
        self.skipped = 0

    @property
    def pending(self) -> int:
        """Bytes held back, waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes; return every frame completed by them, in order."""
        self._buf += data
        frames = []
        while (frame := self._next()) is not None:
            frames.append(frame)
        return frames

    def needed(self) -> int:
        """The fewest bytes that might complete the next frame; never more than that, so
        reading exactly this many never swallows the start of a following frame."""
        buf = self._buf
        if len(buf) >= HEADER_SIZE and buf[:5] == PREAMBLE:
            return HEADER_SIZE + ((buf[5] << 8) | buf[6]) - len(buf)
        return HEADER_SIZE - len(buf) if len(buf) < HEADER_SIZE else 1

    def _next(self) -> bytes | None:
        buf = self._buf
        while True:
            start = buf.find(PREAMBLE)
            if start < 0:
                keep = _partial_preamble(buf)
                self.skipped += len(buf) - keep
                del buf[: len(buf) - keep]
                return None
            if start:
                self.skipped += start
                del buf[:start]
            if len(buf) < HEADER_SIZE:
                return None
            length = (buf[5] << 8) | buf[6]
            if length < 3 or length > self._max_length:
                self.skipped += 1  # noise that looked like a preamble
                del buf[:1]
                continue
            total = HEADER_SIZE + length
            if len(buf) < total:
                return None
            frame = bytes(buf[:total])
            del buf[:total]
            return frame


def _partial_preamble(buf: bytearray) -> int:
    """Length of the longest tail of `buf` that is a start of the preamble."""
    for k in range(min(len(buf), len(PREAMBLE) - 1), 0, -1):
        if buf[-k:] == PREAMBLE[:k]:
            return k
    return 0


class _Reads(Protocol):
    def read_exact(self, n: int, timeout: float) -> bytes: ...


def read_frame(transport: _Reads, timeout: float, *, max_skip: int = MAX_SKIP) -> bytes:
    """Read one whole frame from a transport, resynchronising on the preamble.

    Reads the 7-byte header, then exactly the announced length (the strategy of nearly all
    implementations, §1.2), so no byte of a following frame is consumed.
    """
    deadline = time.monotonic() + timeout
    scanner = FrameScanner()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ReaderTimeout("读卡器应答超时")
        frames = scanner.feed(transport.read_exact(scanner.needed(), remaining))
        if frames:
            return frames[0]
        if scanner.skipped > max_skip:
            raise FrameError("数据流中找不到帧头（AA AA AA 96 69）")
