"""USB readers with a vendor-class interface (class FF), driven with pyusb.

The reader takes raw SAM frames on its first OUT endpoint and answers on its first IN
endpoint, bulk or interrupt (SYN, BAD1, CT in idcard-reader.md §5.3). Writes go out in
wMaxPacketSize pieces; replies arrive in several packets and are buffered here.
Linux needs a udev rule giving the counter's user access; Windows a WinUSB/libusb driver.
"""

from __future__ import annotations

import contextlib
import errno
import math
import time
from typing import Any

import usb.core
import usb.util

from devices.idcard.errors import DeviceGone, DeviceNotFound, ReaderTimeout, TransportError

# VID:PID of readers seen driving raw SAM frames over a vendor interface (§5.1).
KNOWN_IDS: tuple[tuple[int, int, str], ...] = (
    (0x0400, 0xC35A, "精伦/Routon iDR200 USB（及兼容型号）"),
    (0x0316, 0x5020, "新中新（Synjones）"),
)
VENDOR_CLASS = 0xFF
_GONE_ERRNOS = {errno.ENODEV, errno.ENXIO, errno.ESHUTDOWN}
_LIBUSB_ERROR_NO_DEVICE = -4
_MAX_READ = 4096


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


def map_usb_error(exc: BaseException, doing: str) -> TransportError:
    """pyusb's exceptions → ours, with a Chinese message for the technician."""
    if isinstance(exc, usb.core.USBTimeoutError):
        return ReaderTimeout("读卡器应答超时")
    if isinstance(exc, usb.core.USBError):
        code = getattr(exc, "errno", None)
        if code in _GONE_ERRNOS or exc.backend_error_code == _LIBUSB_ERROR_NO_DEVICE:
            return DeviceGone("读卡器已断开（USB 设备不存在）")
        if code == errno.EACCES:
            return TransportError("没有访问 USB 读卡器的权限（需安装 udev 规则或以相应用户运行）")
        if code == errno.EBUSY:
            return TransportError("USB 读卡器被其他程序占用")
    if isinstance(exc, usb.core.NoBackendError):
        return TransportError("找不到 libusb 库，无法访问 USB 读卡器")
    if isinstance(exc, NotImplementedError):
        return TransportError(f"USB 后端不支持此操作（{doing}）")
    return TransportError(f"USB 通信错误（{doing}）")


class UsbTransport:
    def __init__(
        self,
        vid: int,
        pid: int,
        *,
        bus: int | None = None,
        address: int | None = None,
        backend: Any = None,
        write_timeout: float = 1.0,
    ) -> None:
        self.vid, self.pid = vid, pid
        self.write_timeout = write_timeout
        self._buf = bytearray()
        self._dev = None
        match: dict[str, int] = {"idVendor": vid, "idProduct": pid}
        if bus is not None:
            match["bus"] = bus
        if address is not None:
            match["address"] = address
        try:
            dev = usb.core.find(backend=backend, **match)
        except (usb.core.USBError, usb.core.NoBackendError) as exc:
            raise map_usb_error(exc, "查找设备") from None
        if dev is None:
            raise DeviceNotFound(f"未找到 USB 读卡器 {vid:04X}:{pid:04X}")
        self._dev = dev
        try:
            self._setup(dev)
        except usb.core.USBError as exc:
            self._dispose()
            raise map_usb_error(exc, "打开设备") from None
        except TransportError:
            self._dispose()
            raise
        self.description = (
            f"USB 读卡器 {vid:04X}:{pid:04X}（总线 {dev.bus}，地址 {dev.address}，"
            f"{'中断' if self._interrupt else '批量'}端点）"
        )

    def _setup(self, dev: Any) -> None:
        try:
            cfg = dev.get_active_configuration()
        except usb.core.USBError:
            dev.set_configuration()
            cfg = dev.get_active_configuration()
        intf = usb.util.find_descriptor(cfg, bInterfaceClass=VENDOR_CLASS)
        if intf is None:
            raise TransportError(
                "该 USB 设备没有厂商自定义接口（可能是 HID 型读卡器，需使用厂商 SDK）"
            )
        try:
            if dev.is_kernel_driver_active(intf.bInterfaceNumber):
                dev.detach_kernel_driver(intf.bInterfaceNumber)
        except (NotImplementedError, usb.core.USBError):
            pass  # not on this platform, or nothing to detach
        transfer_types = (usb.util.ENDPOINT_TYPE_BULK, usb.util.ENDPOINT_TYPE_INTR)

        def first(direction: int) -> Any:
            return usb.util.find_descriptor(
                intf,
                custom_match=lambda e: (
                    usb.util.endpoint_direction(e.bEndpointAddress) == direction
                    and usb.util.endpoint_type(e.bmAttributes) in transfer_types
                ),
            )

        self._ep_out = first(usb.util.ENDPOINT_OUT)
        self._ep_in = first(usb.util.ENDPOINT_IN)
        if self._ep_out is None or self._ep_in is None:
            raise TransportError("USB 读卡器接口缺少收发端点")
        self._interrupt = usb.util.endpoint_type(self._ep_in.bmAttributes) == transfer_types[1]
        self._packet = int(self._ep_in.wMaxPacketSize) or 64
        self._out_packet = int(self._ep_out.wMaxPacketSize) or 64
        usb.util.claim_interface(dev, intf)

    def write(self, data: bytes) -> None:
        if self._dev is None:
            raise TransportError("读卡器连接已关闭")
        try:
            for i in range(0, len(data), self._out_packet):
                self._ep_out.write(data[i : i + self._out_packet], _ms(self.write_timeout))
        except (usb.core.USBError, NotImplementedError) as exc:
            raise map_usb_error(exc, "发送") from None

    def read_exact(self, n: int, timeout: float) -> bytes:
        if self._dev is None:
            raise TransportError("读卡器连接已关闭")
        deadline = time.monotonic() + timeout
        while len(self._buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReaderTimeout("读卡器应答超时")
            # Whole packets only: a buffer smaller than a packet would overflow.
            size = min(_MAX_READ, self._packet * math.ceil((n - len(self._buf)) / self._packet))
            try:
                chunk = self._ep_in.read(size, _ms(remaining))
            except (usb.core.USBError, NotImplementedError) as exc:
                raise map_usb_error(exc, "接收") from None
            self._buf += bytes(chunk)
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def discard_input(self) -> None:
        # Only what is buffered here: draining the endpoint would wait a timeout each time.
        self._buf.clear()

    def _dispose(self) -> None:
        dev, self._dev = self._dev, None
        if dev is not None:
            # A vanished device cannot be released cleanly; any failure here is moot.
            with contextlib.suppress(Exception):
                usb.util.dispose_resources(dev)

    def close(self) -> None:
        self._buf.clear()
        self._dispose()
