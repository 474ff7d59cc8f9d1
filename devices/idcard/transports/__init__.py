"""Links to a reader behind one interface, and `open_transport()` to pick one by name."""

from __future__ import annotations

import inspect
from typing import Any

from devices.idcard.errors import ConfigError, DeviceNotFound
from devices.idcard.transports.base import Transport, describe

KINDS = ("usb", "serial", "sim")


def open_transport(kind: str, **options: Any) -> Transport:
    """Open a link to a reader.

    * "usb":    vid, pid (both optional: then the known IDs are tried), bus, address,
                backend (a pyusb backend, e.g. devices.idcard.fakeusb in tests)
    * "serial": port (required), baudrate (115200)
    * "sim":    reader (a SimulatedReader; default: one holding a sample resident card)
    """
    if kind == "usb":
        from devices.idcard.transports.usb import KNOWN_IDS, UsbTransport

        vid, pid = options.pop("vid", None), options.pop("pid", None)
        _check_options(UsbTransport, kind, {"vid": 0, "pid": 0, **options})
        if vid is not None and pid is not None:
            return UsbTransport(vid, pid, **options)
        if vid is not None or pid is not None:
            raise ConfigError("USB 读卡器需要同时指定 vid 和 pid")
        for known_vid, known_pid, _label in KNOWN_IDS:
            try:
                return UsbTransport(known_vid, known_pid, **options)
            except DeviceNotFound:
                continue
        raise DeviceNotFound("未找到已知型号的 USB 读卡器")
    if kind == "serial":
        from devices.idcard.transports.serial import SerialTransport

        if not options.get("port"):
            raise ConfigError("串口读卡器需要指定端口（port）")
        _check_options(SerialTransport, kind, options)
        return SerialTransport(**options)
    if kind == "sim":
        from devices.idcard.transports.sim import SimTransport

        reader = options.pop("reader", None)
        if reader is None:
            reader = _default_reader()
        _check_options(SimTransport, kind, {"reader": reader, **options})
        return SimTransport(reader, **options)
    raise ConfigError(f"未知的读卡器连接方式（{kind}），可用：{'、'.join(KINDS)}")


def _check_options(cls: type, kind: str, options: dict[str, Any]) -> None:
    try:
        inspect.signature(cls).bind(**options)
    except TypeError:
        raise ConfigError(f"读卡器连接参数有误（{kind}：{'、'.join(options)}）") from None


def _default_reader() -> Any:
    from devices.idcard import samples
    from devices.idcard.simulator import SimulatedReader

    return SimulatedReader(samples.RESIDENT)


__all__ = ["KINDS", "Transport", "describe", "open_transport"]
