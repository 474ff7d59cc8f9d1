"""A pyusb backend (usb.backend.IBackend) with a SimulatedReader behind it.

`usb.core.find(backend=FakeUsbBackend(reader))` yields a device with one vendor-class
interface, so the real pyusb code path runs in tests: descriptors, claiming, endpoint
writes and reads. Two layouts (idcard-reader.md §5.3): "single" — two endpoints, whole
frames both ways; "split" — the SAM_V pipes of the iDR200, the 7-byte header of every frame
on OUT 0x02 / IN 0x81 and the rest on OUT 0x06 / IN 0x85 (a whole frame written to the
header pipe is not understood and gets no reply, as on the device). `endpoints` gives
other addresses, e.g. two pairs that do not say which layout they are. Failures look the way libusb reports them:
USBTimeoutError(…, -7, ETIMEDOUT) when nothing arrives, USBError(…, -4, ENODEV) when the
device is gone. Replies go out in packets of `packet_size`; faults can strike after a
number of packets (a reply split by a timeout, a short packet, an unplug in the middle of
a read).
"""

from __future__ import annotations

import array
import errno
from collections import deque
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Literal

import usb.backend
import usb.core

from devices.idcard.frames import FrameScanner
from devices.idcard.simulator import SimulatedReader

# libusb's codes and texts (usb/backend/libusb1.py), so errors look like the real ones.
LIBUSB_ERROR_NO_DEVICE = -4
LIBUSB_ERROR_TIMEOUT = -7
LIBUSB_ERROR_OVERFLOW = -8

EP_OUT = 0x02
EP_IN = 0x81
EP_BODY_OUT = 0x06  # SAM_V: the rest of every frame after its 7-byte header
EP_BODY_IN = 0x85
SPLIT_ENDPOINTS = (EP_OUT, EP_IN, EP_BODY_OUT, EP_BODY_IN)
HEADER_SIZE = 7


def no_device_error() -> usb.core.USBError:
    return usb.core.USBError(
        "No such device (it may have been disconnected)", LIBUSB_ERROR_NO_DEVICE, errno.ENODEV
    )


def timeout_error() -> usb.core.USBTimeoutError:
    return usb.core.USBTimeoutError("Operation timed out", LIBUSB_ERROR_TIMEOUT, errno.ETIMEDOUT)


@dataclass(frozen=True)
class _Dev:
    generation: int  # a replugged reader is a new device


@dataclass(frozen=True)
class _Handle:
    dev: _Dev


class FakeUsbBackend(usb.backend.IBackend):
    def __init__(
        self,
        reader: SimulatedReader,
        *,
        vid: int = 0x0400,
        pid: int = 0xC35A,
        packet_size: int = 64,
        endpoint_type: Literal["bulk", "interrupt"] = "bulk",
        bus: int = 1,
        layout: Literal["single", "split"] = "single",
        endpoints: tuple[int, ...] | None = None,
    ) -> None:
        super().__init__()
        self.reader = reader
        self.vid, self.pid, self.bus = vid, pid, bus
        self.packet_size = packet_size
        self._attributes = 0x02 if endpoint_type == "bulk" else 0x03
        self.layout = layout
        # single: (OUT, IN); split: (header OUT, header IN, body OUT, body IN)
        default = SPLIT_ENDPOINTS if layout == "split" else (EP_OUT, EP_IN)
        self.endpoints = tuple(endpoints or default)
        if len(self.endpoints) != len(default):
            raise ValueError(f"{layout} layout needs {len(default)} endpoints")
        self._out = FrameScanner()
        self._head = bytearray()  # split: header bytes received so far
        self._body = bytearray()  # split: the rest
        self.misrouted = 0  # split: writes the reader could not make sense of
        self._in: dict[int, deque[bytes]] = {ep: deque() for ep in self.endpoints[1::2]}
        self._after: tuple[int, str] | None = None
        self.written: list[bytes] = []  # complete command frames received, in order
        self.write_sizes: list[int] = []  # size of every OUT transfer
        self.packets_read = 0
        self.claimed: set[int] = set()

    # --- faults ---------------------------------------------------------------------

    def fail_after_packets(self, packets: int, what: Literal["timeout", "short", "unplug"]) -> None:
        """After `packets` more IN packets, the rest of the reply never comes ("timeout")
        or the reader vanishes ("unplug"); with "short", the last of those packets arrives
        cut to half its size and then nothing more."""
        self._after = (packets, what)

    # --- enumeration and descriptors ---------------------------------------------------

    def enumerate_devices(self):
        if self.reader.plugged:
            yield _Dev(self.reader.generation)

    def get_parent(self, dev):
        return None

    def get_device_descriptor(self, dev):
        return SimpleNamespace(
            bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0,
            bDeviceProtocol=0, bMaxPacketSize0=64, idVendor=self.vid, idProduct=self.pid,
            bcdDevice=0x0100, iManufacturer=0, iProduct=0, iSerialNumber=0,
            bNumConfigurations=1, bus=self.bus, address=2 + dev.generation,
            port_number=1, port_numbers=(1,), speed=2,
        )  # fmt: skip

    def get_configuration_descriptor(self, dev, config):
        if config != 0:
            raise IndexError("Invalid configuration index " + str(config))
        return SimpleNamespace(
            bLength=9, bDescriptorType=2, wTotalLength=32, bNumInterfaces=1,
            bConfigurationValue=1, iConfiguration=0, bmAttributes=0x80, bMaxPower=50,
            extra_descriptors=[],
        )  # fmt: skip

    def get_interface_descriptor(self, dev, intf, alt, config):
        if config != 0 or intf != 0 or alt != 0:
            raise IndexError("Invalid interface index " + str(intf))
        return SimpleNamespace(
            bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0,
            bNumEndpoints=len(self.endpoints), bInterfaceClass=0xFF, bInterfaceSubClass=0,
            bInterfaceProtocol=0, iInterface=0, extra_descriptors=[],
        )  # fmt: skip

    def get_endpoint_descriptor(self, dev, ep, intf, alt, config):
        if not 0 <= ep < len(self.endpoints):
            raise IndexError("Invalid endpoint index " + str(ep))
        return SimpleNamespace(
            bLength=7, bDescriptorType=5, bEndpointAddress=self.endpoints[ep],
            bmAttributes=self._attributes, wMaxPacketSize=self.packet_size,
            bInterval=1, bRefresh=0, bSynchAddress=0, extra_descriptors=[],
        )  # fmt: skip

    # --- handles --------------------------------------------------------------------

    def _alive(self, dev: _Dev) -> None:
        if not self.reader.plugged or dev.generation != self.reader.generation:
            raise no_device_error()

    def open_device(self, dev):
        self._alive(dev)
        self._out = FrameScanner()
        self._head.clear()
        self._body.clear()
        self._clear_in()
        return _Handle(dev)

    def close_device(self, dev_handle):
        pass

    def set_configuration(self, dev_handle, config_value):
        self._alive(dev_handle.dev)

    def get_configuration(self, dev_handle):
        self._alive(dev_handle.dev)
        return 1

    def set_interface_altsetting(self, dev_handle, intf, altsetting):
        self._alive(dev_handle.dev)

    def claim_interface(self, dev_handle, intf):
        self._alive(dev_handle.dev)
        self.claimed.add(intf)

    def release_interface(self, dev_handle, intf):
        self.claimed.discard(intf)
        self._alive(dev_handle.dev)

    def is_kernel_driver_active(self, dev_handle, intf):
        return False

    def detach_kernel_driver(self, dev_handle, intf):
        pass

    def clear_halt(self, dev_handle, ep):
        self._alive(dev_handle.dev)

    # --- transfers ------------------------------------------------------------------

    def bulk_write(self, dev_handle, ep, intf, data, timeout):
        self._alive(dev_handle.dev)
        if ep not in self.endpoints[0::2]:
            raise usb.core.USBError("Pipe error", -9, errno.EPIPE)
        self.write_sizes.append(len(data))
        if self.layout == "single":
            for frame in self._out.feed(bytes(data)):
                self._answer(frame)
        elif ep == self.endpoints[0]:
            self._head += data
            if len(self._head) > HEADER_SIZE:  # a whole frame on the header pipe
                self.misrouted += 1
                self._head.clear()
                self._body.clear()
            self._split_frame()
        else:
            self._body += data
            self._split_frame()
        return len(data)

    def _split_frame(self) -> None:
        if len(self._head) < HEADER_SIZE:
            return
        need = (self._head[5] << 8) | self._head[6]
        if len(self._body) < need:
            return
        frame = bytes(self._head) + bytes(self._body[:need])
        self._head.clear()
        del self._body[:need]
        self._answer(frame)

    def _answer(self, frame: bytes) -> None:
        self.written.append(frame)
        reply = self.reader.handle(frame)
        if not reply:
            return
        if self.layout == "single":
            self._queue(self.endpoints[1], reply)
        else:
            self._queue(self.endpoints[1], reply[:HEADER_SIZE])
            self._queue(self.endpoints[3], reply[HEADER_SIZE:])

    def _queue(self, ep: int, data: bytes) -> None:
        size = self.packet_size
        self._in[ep].extend(data[i : i + size] for i in range(0, len(data), size))

    def _clear_in(self) -> None:
        for pipe in self._in.values():
            pipe.clear()

    def bulk_read(self, dev_handle, ep, intf, buff, timeout):
        self._alive(dev_handle.dev)
        pipe = self._in.get(ep)
        if pipe is None:
            raise usb.core.USBError("Pipe error", -9, errno.EPIPE)
        if not pipe:
            raise timeout_error()
        packet = pipe.popleft()
        if self._after == (1, "short"):
            packet = packet[: len(packet) // 2]
        if len(packet) > len(buff):
            raise usb.core.USBError("Overflow", LIBUSB_ERROR_OVERFLOW, errno.EOVERFLOW)
        buff[: len(packet)] = array.array("B", packet)
        self.packets_read += 1
        self._count_down()
        return len(packet)

    def _count_down(self) -> None:
        if self._after is None:
            return
        left, what = self._after
        left -= 1
        if left > 0:
            self._after = (left, what)
            return
        self._after = None
        if what == "unplug":
            self.reader.unplug()
        self._clear_in()

    intr_write = bulk_write
    intr_read = bulk_read
