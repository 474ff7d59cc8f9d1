"""Devices at the counter: the ID-card reader and the 评价器, their simulators and discovery.

`import devices` is light: it loads only the event and error types. Everything else is
loaded on first use (PEP 562), and hardware libraries (pyusb, pyserial, evdev, pynput) only
when a driver opens a real device, so the package imports with no X server, no libusb and
none of the optional extras installed.
"""

from __future__ import annotations

import importlib
from typing import Any

from devices.errors import DeviceError
from devices.events import (
    CardError,
    CardRead,
    DeviceEvent,
    DeviceFound,
    DeviceLost,
    RatingCancelled,
    RatingGiven,
    RatingTimeout,
)

_LAZY = {
    "ConfigError": "devices.config",
    "DeviceConfig": "devices.config",
    "DevicesConfig": "devices.config",
    "default_devices_config": "devices.config",
    "parse_devices_config": "devices.config",
    "DeviceManager": "devices.manager",
    "DeviceState": "devices.manager",
    "EventChannel": "devices.manager",
    "read_device_log": "devices.manager",
    "Evaluator": "devices.evaluator",
    "RatingContext": "devices.evaluator",
    "SimulatedEvaluator": "devices.evaluator",
    "open_evaluator": "devices.evaluator",
    "level_label": "devices.evaluator",
}

__all__ = [
    "CardError",
    "CardRead",
    "DeviceError",
    "DeviceEvent",
    "DeviceFound",
    "DeviceLost",
    "RatingCancelled",
    "RatingGiven",
    "RatingTimeout",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'devices' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
