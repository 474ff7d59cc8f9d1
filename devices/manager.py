"""Runs the configured devices and hands their events to the TUI.

One background thread per device polls it (reader: find/select/read; 评价器: keys and
timeout), reconnects after unplugging, and puts typed events on a thread-safe channel the
TUI consumes (`get(timeout)`, `drain()`). A failing device never raises into its consumer:
a driver error becomes DeviceLost and the device is retried. Every event also goes to a
bounded in-memory log and a small JSON-lines file, stripped of personal data (a CardRead
keeps only the card type and a masked number), for `chuangkou devices log`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from devices.config import DeviceConfig, DevicesConfig
from devices.devlog import default_log_path, mask_number, read_log, scrub
from devices.errors import DeviceError
from devices.events import (
    CardError,
    CardRead,
    DeviceEvent,
    DeviceFound,
    DeviceLost,
    RatingGiven,
)

log = logging.getLogger(__name__)

STATE_ONLINE, STATE_OFFLINE, STATE_SIMULATED = "在线", "离线", "模拟"
RETRY_OPEN_AFTER = 5.0  # seconds before building a device whose driver failed to load again
CHANNEL_SIZE = 1000


class PolledDevice(Protocol):
    """What the manager needs of a device: CardWatcher and every Evaluator fit."""

    def poll(self) -> list[DeviceEvent]: ...
    def close(self) -> None: ...


DeviceFactory = Callable[[DeviceConfig], PolledDevice]


# -- the channel ---------------------------------------------------------------------------
class EventChannel:
    """A bounded thread-safe queue of events; when full, the oldest event is dropped."""

    def __init__(self, maxsize: int = CHANNEL_SIZE) -> None:
        self._queue: queue.Queue[DeviceEvent] = queue.Queue(maxsize)
        self._lock = threading.Lock()

    def put(self, event: DeviceEvent) -> None:
        with self._lock:
            while True:
                try:
                    self._queue.put_nowait(event)
                    return
                except queue.Full:
                    with contextlib.suppress(queue.Empty):
                        self._queue.get_nowait()  # drop the oldest

    def get(self, timeout: float | None = None) -> DeviceEvent | None:
        """The next event, waiting up to `timeout` seconds (None: forever); None if none came."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def drain(self) -> list[DeviceEvent]:
        """Every event waiting now, without blocking."""
        out: list[DeviceEvent] = []
        while True:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                return out

    def __iter__(self) -> Iterator[DeviceEvent]:
        return iter(self.drain())


# -- the device log (no personal data) -------------------------------------------------------
def _card_type(card: Any) -> str:
    value = getattr(card, "card_type", "")
    return str(getattr(value, "value", value) or type(card).__name__)


def log_entry(event: DeviceEvent, wall_time: float) -> dict[str, Any]:
    """The log line for an event: whitelisted fields only, never a name, address or photo."""
    entry: dict[str, Any] = {
        "time": datetime.fromtimestamp(wall_time, UTC).isoformat(timespec="seconds"),
        "device": event.device,
        "event": type(event).__name__,
    }
    if isinstance(event, CardRead):
        entry["card_type"] = _card_type(event.card)
        entry["id_masked"] = mask_number(getattr(event.card, "id_number", "") or "")
    elif isinstance(event, CardError):
        entry["message"] = scrub(event.message)
        if event.code:
            entry["code"] = event.code
    elif isinstance(event, RatingGiven):
        entry["level"] = event.level
        if event.reason_code is not None:
            entry["reason_code"] = event.reason_code
    elif isinstance(event, DeviceLost):
        entry["message"] = scrub(event.message)
    elif isinstance(event, DeviceFound):
        entry["description"] = scrub(event.description)
    return entry


class DeviceLog:
    """Recent entries in memory, and appended to a JSON-lines file rotated at `max_bytes`."""

    def __init__(self, path: Path | None, *, keep: int = 200, max_bytes: int = 256 * 1024) -> None:
        self.path = path
        self._recent: deque[dict[str, Any]] = deque(maxlen=keep)
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._warned = False

    def append(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._recent.append(entry)
            if self.path is not None:
                self._write(entry)

    def recent(self, limit: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._recent)
        return items[-limit:] if limit else items

    def _write(self, entry: dict[str, Any]) -> None:
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists() and self.path.stat().st_size >= self._max_bytes:
                os.replace(self.path, self.path.with_name(self.path.name + ".1"))
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as exc:  # a full or read-only disk must not stop the devices
            if not self._warned:
                log.warning("设备日志无法写入：%s", exc.strerror)
                self._warned = True


def read_device_log(path: Path, limit: int = 50) -> list[dict[str, Any]]:
    """The last `limit` readable entries of the log file (and its rotated predecessor);
    devlog.read_log() also tells a missing, empty or damaged file apart."""
    return read_log(path, limit).entries


# -- device states -------------------------------------------------------------------------
@dataclass(frozen=True)
class DeviceState:
    """One line of the status bar."""

    name: str
    kind: str  # "reader" | "evaluator"
    kind_label: str  # 读卡器 | 评价器
    state: str  # 在线 | 离线 | 模拟
    description: str
    transport: str


# -- default factories ---------------------------------------------------------------------
def reader_transport_options(cfg: DeviceConfig) -> dict[str, Any]:
    """The keyword arguments of devices.idcard.open_transport for a configured reader.
    A simulated reader is built once here, so reconnecting finds the same simulator."""
    options = {k: v for k, v in cfg.options.items() if k not in ("retries", "read_address")}
    if cfg.transport == "sim":
        from devices.idcard import samples
        from devices.idcard.simulator import SimulatedReader

        options["reader"] = SimulatedReader(samples.ALL[options.pop("sample", "resident")])
    return options


def default_reader_factory(cfg: DeviceConfig) -> PolledDevice:
    from devices.idcard import CardWatcher, open_transport

    options = reader_transport_options(cfg)
    return CardWatcher(
        cfg.name,
        lambda: open_transport(cfg.transport, **dict(options)),
        retries=cfg.options.get("retries", 2),
        read_address=cfg.options.get("read_address", False),
    )


def default_evaluator_factory(cfg: DeviceConfig, clock: Callable[[], float]) -> PolledDevice:
    from devices.evaluator.factory import open_evaluator

    return open_evaluator(cfg, clock=clock)


# -- one device and its thread -------------------------------------------------------------
class _Worker:
    def __init__(
        self, cfg: DeviceConfig, build: Callable[[], PolledDevice], manager: DeviceManager
    ):
        self.cfg = cfg
        self.device: PolledDevice | None = None
        self._build = build
        self._manager = manager
        self._retry_at = float("-inf")
        self._build_failed = False
        self.wake = threading.Event()
        self.commands: deque[Callable[[], None]] = deque()  # run on this device's thread
        self.thread: threading.Thread | None = None
        self.lock = threading.RLock()

    def ensure_device(self) -> PolledDevice | None:
        with self.lock:
            if self.device is not None:
                return self.device
            now = self._manager.clock()
            if now < self._retry_at:
                return None
            self._retry_at = now + RETRY_OPEN_AFTER
            try:
                self.device = self._build()
            except Exception as exc:
                message = str(exc) if isinstance(exc, DeviceError) else "设备驱动无法加载"
                if not isinstance(exc, DeviceError):
                    log.warning("设备 %s 的驱动无法加载", self.cfg.name, exc_info=True)
                if not self._build_failed:
                    self._build_failed = True
                    self._manager.publish(DeviceLost(self.cfg.name, message=message))
                return None
            self._build_failed = False
            return self.device

    def step(self) -> None:
        while self.commands:
            command = self.commands.popleft()
            try:
                command()
            except Exception:
                log.exception("设备 %s 的命令出错", self.cfg.name)
        device = self.ensure_device()
        if device is None:
            return
        try:
            events = device.poll()
        except Exception:  # poll() must not raise; if a driver does anyway, it is offline
            log.exception("设备 %s 轮询出错", self.cfg.name)
            events = [DeviceLost(self.cfg.name, message="设备驱动出错")]
        for event in events:
            self._manager.publish(event)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.step()
            self.wake.wait(self.cfg.poll_interval)
            self.wake.clear()

    def close(self) -> None:
        with self.lock:
            device, self.device = self.device, None
        if device is not None:
            try:
                device.close()
            except Exception:
                log.debug("设备 %s 关闭出错", self.cfg.name, exc_info=True)


# -- the manager ---------------------------------------------------------------------------
_DEFAULT = object()


class DeviceManager:
    """Opens the configured devices, polls them, and publishes their events.

    Use `start()`/`stop()` (or `with`) for background threads; tests and the CLI may call
    `poll_once()` instead, synchronously, without starting threads.
    """

    def __init__(
        self,
        config: DevicesConfig,
        *,
        reader_factory: DeviceFactory | None = None,
        evaluator_factory: DeviceFactory | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        log_path: Path | str | object | None = _DEFAULT,
    ) -> None:
        self.config = config
        self.clock = clock
        self._wall_clock = wall_clock
        self.events = EventChannel()
        if log_path is _DEFAULT:
            log_path = config.log_file or default_log_path()
        self.log = DeviceLog(
            Path(log_path) if log_path is not None else None,  # type: ignore[arg-type]
            keep=config.log_keep,
            max_bytes=config.log_max_bytes,
        )
        make_reader = reader_factory or default_reader_factory
        make_evaluator = evaluator_factory or (lambda c: default_evaluator_factory(c, clock))
        self._workers: dict[str, _Worker] = {}
        for cfg in config.devices:
            factory = make_reader if cfg.kind == "reader" else make_evaluator
            self._workers[cfg.name] = _Worker(cfg, lambda f=factory, c=cfg: f(c), self)
        self._online: dict[str, bool] = {name: False for name in self._workers}
        self._descriptions: dict[str, str] = {c.name: c.description for c in config.devices}
        self._state_lock = threading.Lock()
        self._stop = threading.Event()
        self._started = False

    # -- consuming ---------------------------------------------------------------------------
    def get(self, timeout: float | None = None) -> DeviceEvent | None:
        return self.events.get(timeout)

    def drain(self) -> list[DeviceEvent]:
        return self.events.drain()

    def publish(self, event: DeviceEvent) -> None:
        """Record an event's effect on the device state, log it, and queue it for the TUI."""
        with self._state_lock:
            if isinstance(event, DeviceFound):
                self._online[event.device] = True
                if event.description:
                    self._descriptions[event.device] = event.description
            elif isinstance(event, DeviceLost):
                self._online[event.device] = False
                if event.message:
                    self._descriptions[event.device] = event.message
        try:
            self.log.append(log_entry(event, self._wall_clock()))
        except Exception:
            log.debug("设备日志记录失败", exc_info=True)
        self.events.put(event)

    # -- running -----------------------------------------------------------------------------
    def start(self) -> DeviceManager:
        if self._started:
            return self
        self._started = True
        self._stop.clear()
        for worker in self._workers.values():
            worker.thread = threading.Thread(
                target=worker.run, args=(self._stop,), name=f"device-{worker.cfg.name}", daemon=True
            )
            worker.thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for worker in self._workers.values():
            worker.wake.set()
        for worker in self._workers.values():
            if worker.thread is not None:
                worker.thread.join(timeout)
                worker.thread = None
            worker.close()
        self._started = False

    def __enter__(self) -> DeviceManager:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def poll_once(self) -> None:
        """One polling step of every device, in the calling thread (tests, CLI)."""
        for worker in self._workers.values():
            worker.step()

    # -- the 评价器 ----------------------------------------------------------------------------
    def evaluator_names(self) -> list[str]:
        return [n for n, w in self._workers.items() if w.cfg.kind == "evaluator"]

    def arm_evaluator(
        self, context: Any = None, timeout: float = 10.0, *, device: str | None = None
    ) -> bool:
        """请评价 on the (first) 评价器; returns at once. The outcome arrives as exactly one
        event on the channel: RatingGiven, RatingTimeout, RatingCancelled or DeviceLost.
        Returns False, after publishing DeviceLost, when no 评价器 is configured."""
        worker = self._evaluator_worker(device)
        if worker is None:
            self.publish(DeviceLost(device or "evaluator", message="未配置评价器"))
            return False
        self._run_on(worker, lambda: self._arm(worker, context, timeout))
        return True

    def cancel_evaluator(self, *, device: str | None = None) -> None:
        """End the pending arming (RatingCancelled); nothing if none is pending."""
        worker = self._evaluator_worker(device)
        if worker is not None:
            self._run_on(worker, lambda: self._cancel(worker))

    def _run_on(self, worker: _Worker, command: Callable[[], None]) -> None:
        """Device I/O happens on the device's thread, never on the caller's (the UI's)."""
        if self._started:
            worker.commands.append(command)
            worker.wake.set()
        else:
            command()

    def _arm(self, worker: _Worker, context: Any, timeout: float) -> None:
        evaluator = worker.ensure_device()
        if evaluator is None or not hasattr(evaluator, "arm"):
            self.publish(DeviceLost(worker.cfg.name, message="评价器不可用"))
            return
        try:
            evaluator.arm(context, timeout)
        except Exception:
            log.exception("评价器 %s 启动评价出错", worker.cfg.name)
            self.publish(DeviceLost(worker.cfg.name, message="评价器出错"))
            return
        when = datetime.fromtimestamp(self._wall_clock(), UTC).isoformat(timespec="seconds")
        self.log.append(
            {"time": when, "device": worker.cfg.name, "event": "Armed", "timeout": timeout}
        )
        for event in evaluator.poll():  # e.g. RatingCancelled of a replaced arming
            self.publish(event)

    def _cancel(self, worker: _Worker) -> None:
        evaluator = worker.device
        if evaluator is None or not hasattr(evaluator, "cancel"):
            return
        try:
            evaluator.cancel()
        except Exception:
            log.exception("评价器 %s 取消出错", worker.cfg.name)
        for event in evaluator.poll():
            self.publish(event)

    # -- hands on simulated devices (the demo, tests) -----------------------------------------
    def simulated(self, kind: str) -> bool:
        """Whether a device of `kind` ("reader" | "evaluator") is configured, all simulated:
        only then may the demo place cards or press 评价器 keys."""
        configs = [w.cfg for w in self._workers.values() if w.cfg.kind == kind]
        return bool(configs) and all(c.simulated for c in configs)

    def place_card(self, card: Any, *, read_fault: bool = False) -> bool:
        """Put `card` on the simulated reader (it goes through the reader's protocol like a
        real one); `read_fault`: every read of this placement fails (读证/卡操作失败).
        False when there is no simulated reader."""
        worker = self._simulated_worker("reader")
        if worker is None:
            return False

        def place() -> None:
            from devices.idcard.simulator import Fault

            reader = self._sim_reader(worker)
            if reader is None:
                log.warning("模拟读卡器尚未连接，无法放卡")
                return
            reader.clear_faults()
            if reader.has_card:  # a hand lifts the card lying there first, and the watcher
                reader.lift()  # sees the field empty (else it would not read the new card)
                for event in worker.device.poll():  # type: ignore[union-attr]
                    self.publish(event)
            reader.place(card)
            if read_fault:  # the watcher's first read and each of its retries
                reader.inject(
                    Fault.READ_FAILED, times=int(worker.cfg.options.get("retries", 2)) + 1
                )

        self._run_on(worker, place)
        return True

    def lift_card(self) -> bool:
        """Take the card off the simulated reader; False when there is none."""
        worker = self._simulated_worker("reader")
        if worker is None:
            return False

        def lift() -> None:
            reader = self._sim_reader(worker)
            if reader is not None:
                reader.clear_faults()
                reader.lift()

        self._run_on(worker, lift)
        return True

    def evaluator_armed(self) -> bool:
        """Whether the (first) 评价器 waits for a key now."""
        worker = self._evaluator_worker(None)
        return bool(worker is not None and getattr(worker.device, "armed", False))

    def press_evaluator_key(self, level: int) -> bool:
        """Press the key meaning `level` (1 非常满意 … 5 非常不满意) on the simulated 评价器,
        in its own numbering; False when there is none."""
        worker = self._simulated_worker("evaluator")
        if worker is None:
            return False

        def press() -> None:
            evaluator = worker.ensure_device()
            keymap = getattr(evaluator, "keymap", None)
            if evaluator is None or keymap is None or not hasattr(evaluator, "press"):
                return
            keys = [raw for raw, c in keymap.items() if c.level == level and c.reason_code is None]
            keys = keys or [raw for raw, c in keymap.items() if c.level == level]
            if keys:
                evaluator.press(keys[0])

        self._run_on(worker, press)
        return True

    def _simulated_worker(self, kind: str) -> _Worker | None:
        if not self.simulated(kind):
            return None
        return next(w for w in self._workers.values() if w.cfg.kind == kind)

    @staticmethod
    def _sim_reader(worker: _Worker) -> Any:
        """The SimulatedReader behind a simulated reader's open link, or None."""
        from devices.idcard.simulator import SimulatedReader

        with worker.lock:
            device = worker.device
        reader = getattr(getattr(device, "transport", None), "reader", None)
        return reader if isinstance(reader, SimulatedReader) else None

    def _evaluator_worker(self, name: str | None) -> _Worker | None:
        names = [name] if name else self.evaluator_names()
        for n in names:
            worker = self._workers.get(n)
            if worker is not None and worker.cfg.kind == "evaluator":
                return worker
        return None

    # -- status ------------------------------------------------------------------------------
    def states(self) -> list[DeviceState]:
        with self._state_lock:
            out = []
            for name, worker in self._workers.items():
                cfg = worker.cfg
                online = self._online[name]
                if online:
                    state = STATE_SIMULATED if cfg.simulated else STATE_ONLINE
                else:
                    state = STATE_OFFLINE
                description = self._descriptions.get(name, "")
                if not online:  # why it is not connected, when the driver knows
                    description = getattr(worker.device, "last_error", "") or description
                out.append(
                    DeviceState(
                        name=name,
                        kind=cfg.kind,
                        kind_label=cfg.kind_label,
                        state=state,
                        description=description,
                        transport=cfg.transport,
                    )
                )
            return out

    def recent_events(self, limit: int | None = None) -> list[dict[str, Any]]:
        return self.log.recent(limit)
