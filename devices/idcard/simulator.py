"""A simulated reader (模拟读卡器) that answers requests with real protocol bytes.

It keeps the state a SAM keeps (card in the field, found, selected, read) and lets a test
place and lift cards, unplug and plug the reader back, and inject faults into its next
replies. It never sleeps: a "timeout" is a reply that never comes, which the transports
turn into ReaderTimeout at once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from devices.idcard import commands, status
from devices.idcard.cards import Card
from devices.idcard.encode import appended_address_data, base_message_data, encode_text_block
from devices.idcard.errors import ChecksumError, FrameError
from devices.idcard.frames import build_reply, parse_command


class Fault(enum.Enum):
    NO_CARD = "no_card"  # find answers 80 although a card is present
    READ_FAILED = "read_failed"  # the command answers 41 (读证/卡操作失败)
    CHECKSUM = "checksum"  # the reply's checksum byte is wrong
    TIMEOUT = "timeout"  # no reply at all
    TRUNCATE = "truncate"  # only the first half of the reply arrives
    NOISE = "noise"  # junk bytes precede the reply (the host must resynchronise)
    UNPLUG = "unplug"  # the reader disappears instead of answering


# Faults that only make sense for some commands target those when `on` is not given.
_DEFAULT_TARGETS: dict[Fault, frozenset[tuple[int, int]]] = {
    Fault.NO_CARD: frozenset({commands.FIND.key}),
    Fault.READ_FAILED: frozenset(
        {commands.READ_BASE.key, commands.READ_WITH_FINGERPRINT.key, commands.READ_ADDRESS.key}
    ),
}

NOISE = b"\x13\x00\xaa\xaa\x96\x05\x69\xaa"  # includes a false start of the preamble


@dataclass(frozen=True, repr=False)
class CardImage:
    """A card as the SAM holds it: the raw blocks (a test may craft any bytes here)."""

    text: bytes
    photo: bytes = bytes(1024)
    fingerprint: bytes = b""
    appended_address: bytes | None = None  # 70 bytes UTF-16LE, or None (answers 91)

    @classmethod
    def from_card(cls, card: Card) -> CardImage:
        address = getattr(card, "appended_address", None)
        return cls(
            text=encode_text_block(card),
            photo=card.photo_wlt,
            fingerprint=card.fingerprint or b"",
            appended_address=None if address is None else appended_address_data(address),
        )

    def __repr__(self) -> str:
        return f"CardImage(text={len(self.text)}, photo={len(self.photo)})"


@dataclass
class _Injected:
    fault: Fault
    targets: frozenset[tuple[int, int]] | None  # None: any command
    times: int
    after: int  # matching commands to let pass first


class SimulatedReader:
    """The reader side of the protocol. `handle(frame)` → reply bytes, or None (no reply)."""

    def __init__(
        self,
        card: Card | CardImage | None = None,
        *,
        rereads_present_card: bool = False,
        sam_id: bytes = bytes.fromhex("01000200030000000400000005000000"),
    ) -> None:
        # Many readers do not find a card again after reading it until it is lifted
        # (idcard-reader.md §2.2 step 6); rereads_present_card=True models those that do.
        self.rereads_present_card = rereads_present_card
        self.sam_id = sam_id
        self.plugged = True
        self.generation = 0  # bumped on every plug: handles of the old one are dead
        self.received: list[tuple[int, int]] = []  # commands seen, for assertions
        self._faults: list[_Injected] = []
        self._card: CardImage | None = None
        self._found = self._selected = self._read_done = False
        if card is not None:
            self.place(card)

    # --- what a test does with its hands ------------------------------------------

    def place(self, card: Card | CardImage) -> None:
        """Put a card on the reader (放证)."""
        self._card = card if isinstance(card, CardImage) else CardImage.from_card(card)
        self._found = self._selected = self._read_done = False

    def lift(self) -> None:
        """Take the card away (拿开)."""
        self._card = None
        self._found = self._selected = self._read_done = False

    @property
    def has_card(self) -> bool:
        return self._card is not None

    def unplug(self) -> None:
        self.plugged = False

    def plug(self) -> None:
        if not self.plugged:
            self.plugged = True
            self.generation += 1
            self._found = self._selected = self._read_done = False

    def inject(
        self,
        fault: Fault,
        *,
        on: commands.SamCommand | tuple[int, int] | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make `times` replies to `on` (default: see _DEFAULT_TARGETS, else any command)
        fail, once `after` matching commands have been answered normally."""
        if isinstance(on, commands.SamCommand):
            targets: frozenset[tuple[int, int]] | None = frozenset({on.key})
        elif on is not None:
            targets = frozenset({on})
        else:
            targets = _DEFAULT_TARGETS.get(fault)
        self._faults.append(_Injected(fault, targets, times, after))

    def clear_faults(self) -> None:
        self._faults.clear()

    # --- the protocol ------------------------------------------------------------------

    def handle(self, request: bytes) -> bytes | None:
        if not self.plugged:
            return None
        try:
            cmd = parse_command(request)
        except ChecksumError:
            return build_reply(0x10)  # 接收数据校验和错
        except FrameError:
            return build_reply(0x11)  # 接收数据长度错
        key = (cmd.cmd, cmd.para)
        self.received.append(key)
        fault = self._take_fault(key)
        if fault is Fault.UNPLUG:
            self.unplug()
            return None
        if fault is Fault.TIMEOUT:
            return None
        if fault is Fault.NO_CARD:
            reply = build_reply(status.NOT_FOUND)
        elif fault is Fault.READ_FAILED:
            reply = build_reply(status.READ_FAILED)
        else:
            reply = self._answer(key)
        if fault is Fault.CHECKSUM:
            reply = reply[:-1] + bytes((reply[-1] ^ 0x5A,))
        elif fault is Fault.TRUNCATE:
            reply = reply[: len(reply) // 2]
        elif fault is Fault.NOISE:
            reply = NOISE + reply
        return reply

    def _take_fault(self, key: tuple[int, int]) -> Fault | None:
        for injected in self._faults:
            if injected.targets is None or key in injected.targets:
                if injected.after > 0:
                    injected.after -= 1
                    continue
                injected.times -= 1
                if injected.times <= 0:
                    self._faults.remove(injected)
                return injected.fault
        return None

    def _answer(self, key: tuple[int, int]) -> bytes:
        card = self._card
        if key in (commands.STATUS.key, commands.RESET.key):
            if key == commands.RESET.key:
                self._found = self._selected = False
            return build_reply(status.OK)
        if key == commands.SAM_ID.key:
            return build_reply(status.OK, self.sam_id)
        if key == commands.FIND.key:
            if card is None or (self._read_done and not self.rereads_present_card):
                return build_reply(status.NOT_FOUND)
            self._found = True
            return build_reply(status.FOUND, bytes(4))
        if key == commands.SELECT.key:
            if card is None or not self._found:
                return build_reply(status.SELECT_FAILED)
            self._selected = True
            return build_reply(status.OK, bytes(8))
        if key in (commands.READ_BASE.key, commands.READ_WITH_FINGERPRINT.key):
            if card is None or not self._selected:
                return build_reply(status.READ_FAILED)
            self._read_done = True
            fingerprint = card.fingerprint if key == commands.READ_WITH_FINGERPRINT.key else None
            return build_reply(status.OK, base_message_data(card.text, card.photo, fingerprint))
        if key == commands.READ_ADDRESS.key:
            if card is None or not self._selected:
                return build_reply(status.READ_FAILED)
            if card.appended_address is None:
                return build_reply(status.NO_CONTENT)
            return build_reply(status.OK, card.appended_address)
        return build_reply(0x21)  # 接收数据命令错
