"""A USB keypad used as 评价器, read through evdev with an exclusive grab (Linux).

The grab (EVIOCGRAB) means the keypad's keys reach only us, never the clerk's terminal or
the console. evdev is imported lazily, only when this driver opens a real device; tests
inject `open_device` returning a fake input device.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Protocol

from devices.errors import DeviceError
from devices.evaluator.base import Evaluator
from devices.evaluator.keycodes import EV_KEY, KEY_DOWN, digit_codes, key_code
from devices.evaluator.levels import KeyMap

MAX_EVENTS_PER_POLL = 256
_DIGITS = {code for n in range(10) for code in digit_codes(n)}


class InputDeviceLike(Protocol):
    """What we use of evdev.InputDevice."""

    name: str

    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def read_one(self) -> Any: ...  # an InputEvent (type, code, value) or None
    def close(self) -> None: ...


def _import_evdev() -> Any:
    try:
        import evdev
    except ImportError as exc:
        raise DeviceError(
            "未安装 evdev，无法读取 USB 小键盘评价器（请安装 chuangkou[keypad]）"
        ) from exc
    return evdev


def default_opener(
    path: str | None = None,
    vid: int | None = None,
    pid: int | None = None,
    device_name: str | None = None,
) -> Callable[[], InputDeviceLike]:
    """An opener for a real keypad, chosen by path or by USB ids / name."""

    def open_device() -> InputDeviceLike:
        evdev = _import_evdev()
        if path:
            try:
                return evdev.InputDevice(path)
            except FileNotFoundError as exc:
                raise DeviceError(f"未找到评价器小键盘 {path}") from exc
            except PermissionError as exc:
                raise DeviceError(f"无权读取 {path}（请安装 udev 规则）") from exc
        # One keypad often has several event nodes (keys, consumer control …): take the
        # node that has digit keys.
        fallback = None
        for candidate in evdev.list_devices():
            try:
                dev = evdev.InputDevice(candidate)
            except OSError:
                continue
            if (
                (vid is None or dev.info.vendor == vid)
                and (pid is None or dev.info.product == pid)
                and (device_name is None or dev.name == device_name)
            ):
                keys = set(dev.capabilities().get(EV_KEY, ()))
                if keys & _DIGITS:
                    if fallback is not None:
                        fallback.close()
                    return dev
                if fallback is None:
                    fallback = dev
                    continue
            dev.close()
        if fallback is not None:
            return fallback
        raise DeviceError("未找到评价器小键盘（请检查 USB 连接和 udev 权限）")

    return open_device


class EvdevEvaluator(Evaluator):
    transport = "evdev"

    def __init__(
        self,
        name: str,
        *,
        open_device: Callable[[], InputDeviceLike],
        keys: Mapping[Hashable, int] | None = None,
        vendor: str | None = None,
        **kwargs: Any,
    ) -> None:
        explicit = {key_code(k): v for k, v in keys.items()} if keys else None
        super().__init__(name, KeyMap.build(explicit, vendor, digit_codes), **kwargs)
        self._open_device = open_device
        self._device: InputDeviceLike | None = None

    def _connect(self) -> str:
        device = self._open_device()
        try:
            device.grab()
        except OSError as exc:
            device.close()
            if exc.errno == errno.EBUSY:
                raise DeviceError("评价器小键盘已被其他程序独占，无法独占读取") from exc
            raise
        self._device = device
        return f"USB 小键盘 {getattr(device, 'name', '')}".strip()

    def _read(self) -> list[Hashable]:
        assert self._device is not None
        codes: list[Hashable] = []
        for _ in range(MAX_EVENTS_PER_POLL):
            event = self._device.read_one()  # OSError(ENODEV) once unplugged
            if event is None:
                break
            if event.type == EV_KEY and event.value == KEY_DOWN:
                codes.append(event.code)
        return codes

    def _disconnect(self) -> None:
        device, self._device = self._device, None
        if device is None:
            return
        for release in (device.ungrab, device.close):
            with contextlib.suppress(OSError):  # already gone: unplugged
                release()
