"""A pyusb backend (usb.backend.IBackend) with a SimulatedReader behind it.

`usb.core.find(backend=FakeUsbBackend(reader))` yields a device with one vendor-class
interface and two endpoints, so the real pyusb code path runs in tests: descriptors,
claiming, endpoint writes and reads. Failures look the way libusb reports them:
USBTimeoutError(…, -7, ETIMEDOUT) when nothing arrives, USBError(…, -4, ENODEV) when the
device is gone. Replies go out in packets of `packet_size`; faults can strike after a
number of packets (a reply split by a timeout, an unplug in the middle of a read).
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
    ) -> None:
        super().__init__()
        self.reader = reader
        self.vid, self.pid, self.bus = vid, pid, bus
        self.packet_size = packet_size
        self._attributes = 0x02 if endpoint_type == "bulk" else 0x03
        self._out = FrameScanner()
        self._in: deque[bytes] = deque()
        self._after: tuple[int, str] | None = None
        self.written: list[bytes] = []  # complete command frames received, in order
        self.write_sizes: list[int] = []  # size of every OUT transfer
        self.packets_read = 0
        self.claimed: set[int] = set()

    # --- faults ---------------------------------------------------------------------

    def fail_after_packets(self, packets: int, what: Literal["timeout", "unplug"]) -> None:
        """After `packets` more IN packets, the rest of the reply never comes ("timeout")
        or the reader vanishes ("unplug")."""
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
            bNumEndpoints=2, bInterfaceClass=0xFF, bInterfaceSubClass=0,
            bInterfaceProtocol=0, iInterface=0, extra_descriptors=[],
        )  # fmt: skip

    def get_endpoint_descriptor(self, dev, ep, intf, alt, config):
        if ep not in (0, 1):
            raise IndexError("Invalid endpoint index " + str(ep))
        return SimpleNamespace(
            bLength=7, bDescriptorType=5, bEndpointAddress=EP_OUT if ep == 0 else EP_IN,
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
        self._in.clear()
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
        if ep != EP_OUT:
            raise usb.core.USBError("Pipe error", -9, errno.EPIPE)
        self.write_sizes.append(len(data))
        for frame in self._out.feed(bytes(data)):
            self.written.append(frame)
            reply = self.reader.handle(frame)
            if reply:
                size = self.packet_size
                self._in.extend(reply[i : i + size] for i in range(0, len(reply), size))
        return len(data)

    def bulk_read(self, dev_handle, ep, intf, buff, timeout):
        self._alive(dev_handle.dev)
        if ep != EP_IN:
            raise usb.core.USBError("Pipe error", -9, errno.EPIPE)
        if not self._in:
            raise timeout_error()
        packet = self._in.popleft()
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
        self._in.clear()

    intr_write = bulk_write
    intr_read = bulk_read
