"""Typed errors of the ID-card reader (二代证阅读器).

Every message is Chinese and fit for the operator, and none ever carries a card's
personal data: messages name a field or a status, never a value read from a card.
"""

from __future__ import annotations

from devices.errors import DeviceError


class IdCardError(DeviceError):
    """Base of all errors of devices.idcard. `code` is a short stable tag for logs."""

    code = "idcard"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- protocol (协议) ---------------------------------------------------------------


class ProtocolError(IdCardError):
    """The reader's reply does not follow the SAM protocol."""

    code = "protocol"


class FrameError(ProtocolError):
    """帧格式错误 — bad preamble, impossible length, truncated frame."""

    code = "frame"


class ChecksumError(FrameError):
    """校验和错误 — the XOR checksum of a reply does not match."""

    code = "checksum"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"读卡器应答校验和错误（应为 {expected:02X}，实为 {actual:02X}）")
        self.expected = expected
        self.actual = actual


class StatusError(ProtocolError):
    """The SAM answered with a status (SW3) other than the one expected."""

    def __init__(self, sw3: int, meaning: str, *, sw1: int = 0, sw2: int = 0, command: str = ""):
        where = f"{command}：" if command else ""
        super().__init__(f"{where}{meaning}（状态码 {sw3:02X}）")
        self.sw1 = sw1
        self.sw2 = sw2
        self.sw3 = sw3
        self.meaning = meaning
        self.command = command

    @property
    def code(self) -> str:  # type: ignore[override]
        return f"sw3-{self.sw3:02X}"


class NoCardError(StatusError):
    """寻找证/卡失败 — no card in the reader's field (SW3 80)."""


# --- card data (证件数据) ------------------------------------------------------------


class CardDataError(IdCardError):
    """The card's data blocks cannot be decoded (lengths, layout)."""

    code = "card-data"


class UnknownCardTypeError(CardDataError):
    """无法识别的证件类型 — the type letter at text offset 248 is not one we know."""

    code = "card-type"


# --- transport (连接) ----------------------------------------------------------------


class TransportError(IdCardError):
    """The link to the reader failed (USB, serial, simulator)."""

    code = "transport"


class ReaderTimeout(TransportError):
    """读卡器应答超时 — nothing (or not enough) arrived before the deadline."""

    code = "timeout"


class DeviceGone(TransportError):
    """读卡器已断开 — the device disappeared (unplugged, powered off, handle invalid)."""

    code = "gone"


class DeviceNotFound(DeviceGone):
    """未找到读卡器 — no matching device when opening."""

    code = "not-found"


class ConfigError(IdCardError):
    """读卡器配置错误 — e.g. an unknown transport kind or a missing option."""

    code = "config"
