"""Typed events the devices emit to their consumer (the TUI or the technician's CLI).

Every event is an immutable value: a device thread builds it and puts it on the
manager's channel; a consumer never receives an exception from a device, only these.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


def _now() -> float:
    return time.monotonic()


@dataclass(frozen=True)
class DeviceEvent:
    """Base of all device events. `device` is the configured device's name."""

    device: str
    at: float = field(default_factory=_now, kw_only=True)


@dataclass(frozen=True)
class CardRead(DeviceEvent):
    """读卡成功 — a card was read. `card` is a decoded card object of devices.idcard."""

    card: Any


@dataclass(frozen=True)
class CardError(DeviceEvent):
    """读卡失败 — a read failed after retries; `message` is Chinese, for the screen."""

    message: str
    code: str = ""


@dataclass(frozen=True)
class RatingGiven(DeviceEvent):
    """评价结果 — one of the five levels (1 = 非常满意 … 5 = 非常不满意), maybe a reason code."""

    level: int
    reason_code: int | None = None
    context: Any = None


@dataclass(frozen=True)
class RatingTimeout(DeviceEvent):
    """评价超时 — the applicant pressed nothing before the arming ran out."""

    context: Any = None


@dataclass(frozen=True)
class RatingCancelled(DeviceEvent):
    """评价取消 — the clerk cancelled the arming."""

    context: Any = None


@dataclass(frozen=True)
class DeviceLost(DeviceEvent):
    """设备断开 — the device disappeared or stopped answering."""

    message: str = ""


@dataclass(frozen=True)
class DeviceFound(DeviceEvent):
    """设备连接 — the device is present and answering (again)."""

    description: str = ""
