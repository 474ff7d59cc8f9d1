"""One conversation with a reader: status → find → select → read (§2.2).

A Session sends a command, reads the reply frame (resynchronising if needed), checks
its XOR and its SW3, and decodes card data. It does not retry: CardWatcher does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from devices.idcard import commands, status
from devices.idcard.cards import Card
from devices.idcard.commands import SamCommand
from devices.idcard.decode import (
    BaseMessage,
    decode_appended_address,
    decode_text_block,
    split_base_message,
    with_appended_address,
)
from devices.idcard.errors import NoCardError, StatusError
from devices.idcard.frames import Reply, build_frame, parse_reply, read_frame
from devices.idcard.transports.base import Transport


@dataclass(frozen=True)
class SamId:
    """SAM_A 编号 (12 FF): 16 bytes, little-endian u16 u16 u32 u32 u32 (§2.1)."""

    raw: bytes

    def __str__(self) -> str:
        if len(self.raw) < 16:
            return self.raw.hex().upper()
        r = self.raw
        a, b = int.from_bytes(r[0:2], "little"), int.from_bytes(r[2:4], "little")
        c, d, e = (int.from_bytes(r[i : i + 4], "little") for i in (4, 8, 12))
        return f"{a:02d}-{b:02d}-{c:08d}-{d:010d}-{e:010d}"


class Session:
    """会话 — the commands of §2 over one transport; one thread at a time."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def exchange(self, command: SamCommand, data: bytes = b"") -> Reply:
        """Send one command and return its reply, whatever its status."""
        discard = getattr(self.transport, "discard_input", None)
        if discard is not None:
            discard()  # a late reply to an earlier command must not pass for this one
        frame = build_frame(command.cmd, command.para, data) if data else command.frame
        self.transport.write(frame)
        return parse_reply(read_frame(self.transport, command.timeout))

    def transact(self, command: SamCommand, data: bytes = b"") -> Reply:
        """Send one command; raise StatusError unless its SW3 means success."""
        reply = self.exchange(command, data)
        if reply.sw3 not in command.ok:
            raise _status_error(reply, command)
        return reply

    def reset(self) -> None:
        self.transact(commands.RESET)

    def status(self) -> None:
        """SAM_A 状态检测: returns if the SAM answers 90."""
        self.transact(commands.STATUS)

    def sam_id(self) -> SamId:
        return SamId(self.transact(commands.SAM_ID).data)

    def find(self) -> bool:
        """寻卡: True if a card is in the field (9F), False if none (80)."""
        reply = self.exchange(commands.FIND)
        if reply.sw3 == status.FOUND:
            return True
        if reply.sw3 == status.NOT_FOUND:
            return False
        raise _status_error(reply, commands.FIND)

    def select(self) -> None:
        """选卡 (after a successful find)."""
        self.transact(commands.SELECT)

    def read_base(self, *, fingerprint: bool = False) -> BaseMessage:
        """读基本信息 (30 01), or with fingerprint (30 10): the raw blocks."""
        command = commands.READ_WITH_FINGERPRINT if fingerprint else commands.READ_BASE
        reply = self.transact(command)
        return split_base_message(reply.data, with_fingerprint=fingerprint)

    def read_appended_address(self) -> str | None:
        """读追加住址 (30 03): the latest appended address, or None (91: the card has none)."""
        reply = self.transact(commands.READ_ADDRESS)
        if reply.sw3 == status.NO_CONTENT:
            return None
        return decode_appended_address(reply.data)

    def read_card(self, *, read_address: bool = False, fingerprint: bool = False) -> Card:
        """Read and decode the selected card (call find() and select() first)."""
        msg = self.read_base(fingerprint=fingerprint)
        card = decode_text_block(msg.text, photo=msg.photo, fingerprint=msg.fingerprint)
        if read_address and hasattr(card, "appended_address"):
            card = with_appended_address(card, self.appended_address_or_none())
        return card

    def appended_address_or_none(self) -> str | None:
        """Like read_appended_address(), but a status error means "no appended address"."""
        try:
            return self.read_appended_address()
        except StatusError:
            # Readers without 30 03 answer 21 (命令错): the base read still stands.
            return None


def read_card_once(
    transport: Transport, *, read_address: bool = False, read_fingerprint: bool = False
) -> tuple[Card, dict[str, float]]:
    """One full read for the technician's test-reader command.

    Returns the card and the seconds each step took: status, find, select, read
    (30 01 / 30 10 transfer), decode, address (if asked), total. Raises NoCardError if
    the reader finds no card, and the usual typed errors otherwise.
    """
    session = Session(transport)
    timings: dict[str, float] = {}
    clock = time.perf_counter
    start = t = clock()

    def lap(step: str) -> None:
        nonlocal t
        now = clock()
        timings[step] = now - t
        t = now

    session.status()
    lap("status")
    if not session.find():
        raise NoCardError(status.NOT_FOUND, status.meaning(status.NOT_FOUND), command="寻卡")
    lap("find")
    session.select()
    lap("select")
    msg = session.read_base(fingerprint=read_fingerprint)
    lap("read")
    card = decode_text_block(msg.text, photo=msg.photo, fingerprint=msg.fingerprint)
    lap("decode")
    if read_address and hasattr(card, "appended_address"):
        card = with_appended_address(card, session.appended_address_or_none())
        lap("address")
    timings["total"] = clock() - start
    return card, timings


def _status_error(reply: Reply, command: SamCommand) -> StatusError:
    cls = NoCardError if reply.sw3 == status.NOT_FOUND else StatusError
    return cls(
        reply.sw3, status.meaning(reply.sw3), sw1=reply.sw1, sw2=reply.sw2, command=command.label
    )
