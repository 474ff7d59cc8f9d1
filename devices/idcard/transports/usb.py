"""USB readers with a vendor-class interface (class FF), driven with pyusb.

Two layouts (idcard-reader.md §5.3):

* single pipe — the reader takes raw SAM frames on its first OUT endpoint and answers on
  its first IN endpoint, bulk or interrupt (SYN, BAD1, CT);
* split pipes (SAM_V USB, the iDR200 0400:C35A) — the 7-byte header of every frame travels
  on OUT 0x02 / IN 0x81 and the rest on OUT 0x06 / IN 0x85.

The layout is chosen from the interface's endpoints; when they do not tell (two pairs at
other addresses), from the model. Writes go out in wMaxPacketSize pieces; replies arrive
in several packets and are buffered here.
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
from devices.idcard.frames import HEADER_SIZE

# VID:PID of readers seen driving raw SAM frames over a vendor interface (§5.1).
KNOWN_IDS: tuple[tuple[int, int, str], ...] = (
    (0x0400, 0xC35A, "精伦/Routon iDR200 USB（及兼容型号）"),
    (0x0316, 0x5020, "新中新（Synjones）"),
)
VENDOR_CLASS = 0xFF
# The SAM_V pipe pairs: (OUT, IN) for the header, (OUT, IN) for the rest of a frame.
SPLIT_HEADER_PIPES = (0x02, 0x81)
SPLIT_BODY_PIPES = (0x06, 0x85)
# Models known to split their frames, for interfaces whose endpoints are ambiguous.
SPLIT_MODELS = frozenset({(0x0400, 0xC35A)})
LAYOUTS = ("auto", "single", "split")
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


def choose_layout(
    outs: list[int], ins: list[int], model: tuple[int, int], wanted: str = "auto"
) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """(header pipes, body pipes or None) from the endpoint addresses of the interface.

    The SAM_V addresses decide at once; one OUT and one IN mean a single pipe; two pairs at
    other addresses are ambiguous, and then the model decides (0400:C35A splits).
    """
    if not outs or not ins:
        raise TransportError("USB 读卡器接口缺少收发端点")
    sam_v = {*SPLIT_HEADER_PIPES, *SPLIT_BODY_PIPES} <= {*outs, *ins}
    if wanted == "auto":
        ambiguous = len(outs) >= 2 and len(ins) >= 2
        wanted = "split" if sam_v or (ambiguous and model in SPLIT_MODELS) else "single"
    if wanted == "single":
        return (outs[0], ins[0]), None
    if sam_v:
        return SPLIT_HEADER_PIPES, SPLIT_BODY_PIPES
    if len(outs) < 2 or len(ins) < 2:
        raise TransportError("USB 读卡器接口只有一对收发端点，不能按双通道（SAM_V）方式通信")
    return (outs[0], ins[0]), (outs[1], ins[1])


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
        layout: str = "auto",
    ) -> None:
        if layout not in LAYOUTS:
            raise TransportError(f"未知的 USB 端点布局（{layout}），可用：{'、'.join(LAYOUTS)}")
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
            self._setup(dev, layout)
        except usb.core.USBError as exc:
            self._dispose()
            raise map_usb_error(exc, "打开设备") from None
        except TransportError:
            self._dispose()
            raise
        pipes = "，双通道（SAM_V）" if self.split else ""
        self.description = (
            f"USB 读卡器 {vid:04X}:{pid:04X}（总线 {dev.bus}，地址 {dev.address}，"
            f"{'中断' if self._interrupt else '批量'}端点{pipes}）"
        )

    @property
    def split(self) -> bool:
        """True when frames are split across the two SAM_V pipe pairs."""
        return self._body_out is not None

    def _setup(self, dev: Any, layout: str) -> None:
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
        endpoints = {
            int(e.bEndpointAddress): e
            for e in intf
            if usb.util.endpoint_type(e.bmAttributes) in transfer_types
        }

        def direction(d: int) -> list[int]:
            return [a for a in endpoints if usb.util.endpoint_direction(a) == d]

        header, body = choose_layout(
            direction(usb.util.ENDPOINT_OUT),
            direction(usb.util.ENDPOINT_IN),
            (self.vid, self.pid),
            layout,
        )
        self._ep_out, self._ep_in = endpoints[header[0]], endpoints[header[1]]
        self._body_out = endpoints[body[0]] if body else None
        self._body_in = endpoints[body[1]] if body else None
        self._interrupt = usb.util.endpoint_type(self._ep_in.bmAttributes) == transfer_types[1]
        usb.util.claim_interface(dev, intf)

    def write(self, data: bytes) -> None:
        if self._dev is None:
            raise TransportError("读卡器连接已关闭")
        try:
            if self._body_out is None:
                self._write_pipe(self._ep_out, data)
            else:  # SAM_V: the header on the first pipe, the rest on the second
                self._write_pipe(self._ep_out, data[:HEADER_SIZE])
                if len(data) > HEADER_SIZE:
                    self._write_pipe(self._body_out, data[HEADER_SIZE:])
        except (usb.core.USBError, NotImplementedError) as exc:
            raise map_usb_error(exc, "发送") from None

    def _write_pipe(self, ep: Any, data: bytes) -> None:
        size = int(ep.wMaxPacketSize) or 64
        for i in range(0, len(data), size):
            ep.write(data[i : i + size], _ms(self.write_timeout))

    def read_exact(self, n: int, timeout: float) -> bytes:
        if self._dev is None:
            raise TransportError("读卡器连接已关闭")
        deadline = time.monotonic() + timeout
        while len(self._buf) < n:
            if self._body_in is None:
                self._buf += self._read_pipe(self._ep_in, n - len(self._buf), deadline)
            else:
                self._buf += self._read_split_frame(deadline)
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def _read_pipe(self, ep: Any, wanted: int, deadline: float) -> bytes:
        """One transfer of whole packets (a buffer smaller than a packet would overflow)."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ReaderTimeout("读卡器应答超时")
        packet = int(ep.wMaxPacketSize) or 64
        size = min(_MAX_READ, packet * math.ceil(wanted / packet))
        try:
            return bytes(ep.read(size, _ms(remaining)))
        except (usb.core.USBError, NotImplementedError) as exc:
            raise map_usb_error(exc, "接收") from None

    def _read_split_frame(self, deadline: float) -> bytes:
        """One reply frame over the SAM_V pipes: the header, then the announced rest.

        Bytes beyond the header that arrive on the first pipe count towards the rest, so a
        reader that answers whole frames there is still understood.
        """
        frame = bytearray()
        while len(frame) < HEADER_SIZE:
            frame += self._read_pipe(self._ep_in, HEADER_SIZE - len(frame), deadline)
        if not frame.startswith(b"\xaa\xaa\xaa\x96\x69"):
            return bytes(frame)  # noise: read_frame() resynchronises on the preamble
        total = HEADER_SIZE + ((frame[5] << 8) | frame[6])
        while len(frame) < total:
            try:
                frame += self._read_pipe(self._body_in, total - len(frame), deadline)
            except ReaderTimeout:
                got, want = len(frame) - HEADER_SIZE, total - HEADER_SIZE
                raise ReaderTimeout(
                    f"读卡器应答不完整（数据通道超时，收到 {got}/{want} 字节）"
                ) from None
        return bytes(frame)

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
