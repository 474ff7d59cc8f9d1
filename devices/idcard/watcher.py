"""CardWatcher (读卡监视器): turns a reader into a stream of device events.

The device manager calls poll() from its own worker thread, every few hundred ms. One
poll is one step: connect if needed, look for a card, read it once per placement.
poll() never raises and never sleeps; all it returns is events.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from devices.events import CardError, CardRead, DeviceEvent, DeviceFound, DeviceLost
from devices.idcard.errors import (
    CardDataError,
    FrameError,
    IdCardError,
    ReaderTimeout,
    StatusError,
    TransportError,
)
from devices.idcard.session import Session
from devices.idcard.transports.base import Transport, describe


class CardWatcher:
    """Watches one reader.

    * The first poll opens the transport (DeviceFound once it answers the status check);
      if it cannot, DeviceLost is reported once, and later polls try again quietly.
    * A card is read once per placement (CardRead). The same card left on the reader is
      not reported again until a find says the field is empty (the card was lifted).
      A reconnect starts afresh: a card still lying there is read again.
    * A read that fails is retried `retries` times within the same poll (the read alone
      after a timeout or a bad frame; find → select → read after a status error); then
      CardError with a Chinese message asking to place the card again.
    * The reader vanishing mid-way → DeviceLost once; when it is back → DeviceFound.
    """

    def __init__(
        self,
        name: str,
        transport_factory: Callable[[], Transport],
        *,
        retries: int = 2,
        read_address: bool = False,
        read_fingerprint: bool = False,
    ) -> None:
        self.name = name
        self.retries = max(0, retries)
        self.read_address = read_address
        self.read_fingerprint = read_fingerprint
        self._factory = transport_factory
        self._transport: Transport | None = None
        self._session: Session | None = None
        self._available: bool | None = None  # None: not known yet
        self._placement_done = False  # the card in the field was read or reported failed

    @property
    def connected(self) -> bool:
        return self._session is not None

    @property
    def transport(self) -> Transport | None:
        """The open link, if any (the demo's hands reach a simulated reader through it)."""
        return self._transport

    def poll(self) -> list[DeviceEvent]:
        try:
            events: list[DeviceEvent] = []
            if self._session is None:
                events += self._connect()
                if self._session is None:
                    return events
            try:
                return events + self._step(self._session)
            except ReaderTimeout:
                self._drop()
                return events + self._lost("读卡器无响应")
            except TransportError as exc:
                self._drop()
                return events + self._lost(exc.message)
        except Exception as exc:  # poll() must never raise
            self._drop()
            return self._lost(f"读卡器驱动内部错误（{type(exc).__name__}）")

    def close(self) -> None:
        self._drop()

    # --- connection ---------------------------------------------------------------------

    def _connect(self) -> list[DeviceEvent]:
        try:
            transport = self._factory()
        except IdCardError as exc:
            return self._lost(exc.message)
        session = Session(transport)
        try:
            session.status()
        except IdCardError as exc:
            _close_quietly(transport)
            return self._lost(f"读卡器不可用：{exc.message}")
        self._transport, self._session = transport, session
        self._available = True
        self._placement_done = False
        return [DeviceFound(self.name, description=describe(transport))]

    def _lost(self, message: str) -> list[DeviceEvent]:
        if self._available is False:
            return []  # already reported
        self._available = False
        return [DeviceLost(self.name, message=message)]

    def _drop(self) -> None:
        transport, self._transport, self._session = self._transport, None, None
        if transport is not None:
            _close_quietly(transport)

    # --- cards -------------------------------------------------------------------------

    def _step(self, session: Session) -> list[DeviceEvent]:
        try:
            present = self._find(session)
        except StatusError as exc:  # e.g. 40: a card that is not an ID card
            if self._placement_done:
                return []
            self._placement_done = True
            return [self._error(exc)]
        if not present:
            self._placement_done = False  # lifted (or the reader will not see it again)
            return []
        if self._placement_done:
            return []
        return self._read(session)

    def _find(self, session: Session) -> bool:
        """find, retried on a timeout or a garbled reply; the last such error escapes."""
        for attempt in range(self.retries + 1):
            try:
                return session.find()
            except (ReaderTimeout, FrameError):
                if attempt == self.retries:
                    raise
        raise AssertionError("unreachable")

    def _read(self, session: Session) -> list[DeviceEvent]:
        last: IdCardError | None = None
        selected = False
        for attempt in range(self.retries + 1):
            try:
                if not selected:
                    if attempt and not session.find():
                        self._placement_done = False
                        return [self._error(last, moved=True)]
                    session.select()
                    selected = True
                card = session.read_card(
                    read_address=self.read_address, fingerprint=self.read_fingerprint
                )
            except StatusError as exc:
                last, selected = exc, False  # start again from find
            except (ReaderTimeout, FrameError, CardDataError) as exc:
                last = exc  # retry the read itself, as the card stays selected
            else:
                self._placement_done = True
                return [CardRead(self.name, card=card)]
        self._placement_done = True
        return [self._error(last)]

    def _error(self, exc: IdCardError | None, *, moved: bool = False) -> CardError:
        reason = exc.message if exc is not None else "未知错误"
        if moved:
            message = f"读卡未完成（{reason}），证件已移开。请重新放置证件。"
        else:
            message = f"读卡失败：{reason}。请移开证件后重新放置。"
        return CardError(self.name, message=message, code=exc.code if exc is not None else "")


def _close_quietly(transport: Transport) -> None:
    # Closing a vanished device may fail in any way; it is gone either way.
    with contextlib.suppress(Exception):
        transport.close()
