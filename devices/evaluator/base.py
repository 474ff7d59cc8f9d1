"""The 评价器 driver interface: arm (请评价), then exactly one outcome.

After `arm(context, timeout)` the device ends that arming with exactly ONE of RatingGiven,
RatingTimeout, RatingCancelled (after `cancel()`) or DeviceLost. Keys pressed while not
armed, and every key after the first, are ignored: each service is rated once.

A driver subclasses `Evaluator` and supplies three hooks: `_connect()` (open the device or
raise), `_read()` (the raw codes received since the last call, or raise when the device is
gone) and `_disconnect()`. `_on_arm`/`_on_cancel` tell devices that light up or show the
clerk. The base class does the state machine, the timeout (with an injected clock, so tests
never sleep) and reconnection; `poll()` never raises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from devices.errors import DeviceError
from devices.evaluator.levels import KeyMap
from devices.events import (
    DeviceEvent,
    DeviceFound,
    DeviceLost,
    RatingCancelled,
    RatingGiven,
    RatingTimeout,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  # seconds; the real value comes from the hall's policy via the TUI
RECONNECT_INTERVAL = 2.0

Clock = Callable[[], float]


@dataclass(frozen=True)
class RatingContext:
    """What the device may show while armed, and what the TUI gets back with the outcome.

    `service_ref` is opaque to devices (the TUI's case or inquiry id).
    """

    clerk_name: str = ""
    clerk_number: str = ""
    window: str = ""
    service_ref: str = ""


@dataclass
class _Arming:
    context: RatingContext
    deadline: float


class Evaluator:
    """Base of every 评价器 driver. Thread-safe: the TUI arms/cancels, a device thread polls."""

    kind = "evaluator"
    transport = "?"

    def __init__(
        self,
        name: str,
        keymap: KeyMap,
        *,
        clock: Clock = time.monotonic,
        reconnect_interval: float = RECONNECT_INTERVAL,
        description: str = "",
    ) -> None:
        self.name = name
        self.keymap = keymap
        self.description = description
        self._clock = clock
        self._reconnect_interval = reconnect_interval
        self._lock = threading.RLock()
        self._outbox: list[DeviceEvent] = []
        self._arming: _Arming | None = None
        self._connected = False
        self._next_attempt = float("-inf")
        self._closed = False
        self.last_error = ""  # why the last connection attempt failed, in Chinese

    # -- driver hooks ---------------------------------------------------------------------
    def _connect(self) -> str:
        """Open the device; return a short description. Raise DeviceError/OSError if absent."""
        raise NotImplementedError

    def _read(self) -> Iterable[Hashable]:
        """Raw codes received since the last call (non-blocking). Raise when the device is gone."""
        raise NotImplementedError

    def _disconnect(self) -> None:
        """Release the device; must not raise."""

    def _on_arm(self, context: RatingContext, timeout: float) -> None:
        """Tell the device a rating is wanted (light, prompt, clerk's name). May raise."""

    def _on_cancel(self) -> None:
        """Tell the device the arming ended without a rating. May raise."""

    # -- public interface -----------------------------------------------------------------
    @property
    def online(self) -> bool:
        return self._connected

    @property
    def armed(self) -> bool:
        return self._arming is not None

    def arm(self, context: RatingContext | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        """请评价: accept one key for `timeout` seconds. A pending arming is cancelled first."""
        context = context or RatingContext()
        with self._lock:
            if self._arming is not None:
                self._finish(RatingCancelled(self.name, context=self._arming.context))
            if not self._connected:
                self._try_connect(force=True)
            if not self._connected:
                self._outbox.append(DeviceLost(self.name, message="评价器未连接，无法评价"))
                return
            try:
                list(self._read())  # keys pressed before the arming are not a rating
                self._arming = _Arming(context, self._clock() + max(0.0, timeout))
                self._on_arm(context, timeout)
            except Exception as exc:
                self._arming = _Arming(context, float("inf"))  # so the loss ends this arming
                self._lose(exc)

    def cancel(self) -> None:
        """End the arming without a rating (RatingCancelled); nothing if not armed."""
        with self._lock:
            if self._arming is None:
                return
            context = self._arming.context
            self._finish(RatingCancelled(self.name, context=context))
            try:
                self._on_cancel()
            except Exception as exc:
                self._lose(exc)

    def poll(self) -> list[DeviceEvent]:
        """One step: (re)connect, read keys, check the timeout. Returns the events; never raises."""
        with self._lock:
            try:
                self._step()
            except Exception as exc:  # a driver bug must not reach the consumer
                log.exception("评价器 %s 出错", self.name)
                self._lose(exc)
            out, self._outbox = self._outbox, []
            return out

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._connected:
                self._connected = False
                self._safe_disconnect()

    # -- state machine --------------------------------------------------------------------
    def _step(self) -> None:
        if self._closed:
            return
        if not self._connected:
            self._try_connect()
            if not self._connected:
                return
        try:
            codes = list(self._read())
        except Exception as exc:
            self._lose(exc)
            return
        for raw in codes:
            if self._arming is None:
                break  # not armed, or already rated: the rest are ignored
            choice = self.keymap(raw)
            if choice is None:
                log.debug("评价器 %s：未映射的键 %r", self.name, raw)
                continue
            self._finish(
                RatingGiven(
                    self.name,
                    level=choice.level,
                    reason_code=choice.reason_code,
                    context=self._arming.context,
                )
            )
        if self._arming is not None and self._clock() >= self._arming.deadline:
            context = self._arming.context
            self._finish(RatingTimeout(self.name, context=context))
            try:
                self._on_cancel()
            except Exception as exc:
                self._lose(exc)

    def _finish(self, event: DeviceEvent) -> None:
        self._arming = None
        self._outbox.append(event)

    def _try_connect(self, *, force: bool = False) -> None:
        now = self._clock()
        if self._closed or (not force and now < self._next_attempt):
            return
        self._next_attempt = now + self._reconnect_interval
        try:
            description = self._connect()
        except Exception as exc:
            log.debug("评价器 %s 连接失败：%s", self.name, exc)
            self.last_error = str(exc) if isinstance(exc, DeviceError) else "无法连接"
            return
        self.last_error = ""
        self._connected = True
        self.description = description or self.description
        self._outbox.append(DeviceFound(self.name, description=self.description))

    def _lose(self, exc: BaseException) -> None:
        """The device went away: one DeviceLost, which also ends any arming."""
        was_connected = self._connected
        self._connected = False
        self._next_attempt = self._clock() + self._reconnect_interval
        self._safe_disconnect()
        message = str(exc) if isinstance(exc, DeviceError) else "评价器断开或无响应"
        if was_connected or self._arming is not None:
            self._arming = None
            self._outbox.append(DeviceLost(self.name, message=message))

    def _safe_disconnect(self) -> None:
        try:
            self._disconnect()
        except Exception:
            log.debug("评价器 %s 关闭时出错", self.name, exc_info=True)
