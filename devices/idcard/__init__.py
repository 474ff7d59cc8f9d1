"""二代证阅读器 — driver for Chinese ID-card readers speaking the SAM protocol (GA/T 467).

    transport = open_transport("usb")                  # or "serial", port=…; or "sim"
    card, timings = read_card_once(transport)          # the technician's test-reader
    watcher = CardWatcher("窗口1读卡器", lambda: open_transport("usb"))
    events = watcher.poll()                            # DeviceFound, CardRead, CardError …

Cards never show personal data in repr()/str(); errors are typed (IdCardError and its
subclasses, all devices.errors.DeviceError) and their messages are Chinese.
See /work/shared/idcard-reader.md for the protocol.
"""

from __future__ import annotations

from devices.idcard import status
from devices.idcard.cards import (
    Card,
    ForeignPermanentResidentCard,
    ForeignPermanentResidentCard2023,
    HkMacaoTaiwanResidencePermit,
    ResidentIdCard,
    mask_number,
)
from devices.idcard.decode import (
    BaseMessage,
    decode_appended_address,
    decode_base_message,
    decode_text_block,
    split_base_message,
)
from devices.idcard.errors import (
    CardDataError,
    ChecksumError,
    ConfigError,
    DeviceGone,
    DeviceNotFound,
    FrameError,
    IdCardError,
    NoCardError,
    ProtocolError,
    ReaderTimeout,
    StatusError,
    TransportError,
    UnknownCardTypeError,
)
from devices.idcard.frames import (
    PREAMBLE,
    FrameScanner,
    Reply,
    build_frame,
    build_reply,
    parse_reply,
    read_frame,
)
from devices.idcard.session import SamId, Session, read_card_once
from devices.idcard.simulator import CardImage, Fault, SimulatedReader
from devices.idcard.transports import Transport, open_transport
from devices.idcard.watcher import CardWatcher

__all__ = [
    "PREAMBLE",
    "BaseMessage",
    "Card",
    "CardDataError",
    "CardImage",
    "CardWatcher",
    "ChecksumError",
    "ConfigError",
    "DeviceGone",
    "DeviceNotFound",
    "Fault",
    "ForeignPermanentResidentCard",
    "ForeignPermanentResidentCard2023",
    "FrameError",
    "FrameScanner",
    "HkMacaoTaiwanResidencePermit",
    "IdCardError",
    "NoCardError",
    "ProtocolError",
    "ReaderTimeout",
    "Reply",
    "ResidentIdCard",
    "SamId",
    "Session",
    "SimulatedReader",
    "StatusError",
    "Transport",
    "TransportError",
    "UnknownCardTypeError",
    "build_frame",
    "build_reply",
    "decode_appended_address",
    "decode_base_message",
    "decode_text_block",
    "mask_number",
    "open_transport",
    "parse_reply",
    "read_card_once",
    "read_frame",
    "split_base_message",
    "status",
]
