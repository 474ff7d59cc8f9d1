"""A configurable byte protocol for serial 评价器: arm bytes, reply byte → level, cancel bytes.

Written in the station file as hex, e.g. arm = "02 41 {number} 03": `{number}` is replaced by
the clerk's number in ASCII, for devices that display it. A reply is one code byte, after
`reply_prefix` when the device frames its replies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PLACEHOLDERS = ("{number}",)


def parse_hex(text: str, *, allow_placeholders: bool = False) -> tuple[bytes | str, ...]:
    """ "02 41 {number} 03" → (b"\\x02\\x41", "{number}", b"\\x03"). ValueError if malformed."""
    parts: list[bytes | str] = []
    buf = bytearray()
    for token in text.replace(",", " ").split():
        if allow_placeholders and token in PLACEHOLDERS:
            if buf:
                parts.append(bytes(buf))
                buf.clear()
            parts.append(token)
            continue
        token = token.lower().removeprefix("0x")
        if len(token) % 2 or not token:
            raise ValueError(f"无效的十六进制字节 {token!r}")
        buf.extend(bytes.fromhex(token))
    if buf:
        parts.append(bytes(buf))
    return tuple(parts)


@dataclass(frozen=True)
class SerialProtocol:
    arm: tuple[bytes | str, ...] = ()
    cancel: bytes = b""
    reply_prefix: bytes = b""
    replies: Mapping[int, int] = field(default_factory=dict)  # reply byte → level/reason

    @classmethod
    def from_options(
        cls,
        *,
        arm: str = "",
        cancel: str = "",
        reply_prefix: str = "",
        replies: Mapping[str | int, int] | None = None,
    ) -> SerialProtocol:
        return cls(
            arm=parse_hex(arm, allow_placeholders=True),
            cancel=b"".join(p for p in parse_hex(cancel) if isinstance(p, bytes)),
            reply_prefix=b"".join(p for p in parse_hex(reply_prefix) if isinstance(p, bytes)),
            replies={_byte(k): int(v) for k, v in (replies or {}).items()},
        )

    def arm_bytes(self, clerk_number: str) -> bytes:
        out = bytearray()
        for part in self.arm:
            out.extend(clerk_number.encode("ascii", "replace") if part == "{number}" else part)
        return bytes(out)


def _byte(key: str | int) -> int:
    value = key if isinstance(key, int) else int(str(key), 0)
    if not 0 <= value <= 255:
        raise ValueError(f"应答字节 {key} 超出 0–255")
    return value


class ReplyParser:
    """Splits the received byte stream into reply codes."""

    MAX_BUFFER = 1024

    def __init__(self, prefix: bytes) -> None:
        self._prefix = prefix
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[int]:
        if not self._prefix:
            return list(data)
        self._buf.extend(data)
        codes: list[int] = []
        while True:
            at = self._buf.find(self._prefix)
            if at < 0:
                # keep a possible partial prefix at the end, drop the rest
                del self._buf[: max(0, len(self._buf) - len(self._prefix) + 1)]
                break
            end = at + len(self._prefix)
            if end >= len(self._buf):
                del self._buf[:at]
                break
            codes.append(self._buf[end])
            del self._buf[: end + 1]
        if len(self._buf) > self.MAX_BUFFER:
            self._buf.clear()
        return codes
