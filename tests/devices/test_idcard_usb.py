"""The pyusb path end to end: real usb.core code over the fake backend (no hardware)."""

from __future__ import annotations

import errno
import math

import pytest
import usb.core
import usb.util

from devices.events import CardRead, DeviceFound, DeviceLost
from devices.idcard import CardWatcher, commands, open_transport, samples
from devices.idcard.errors import DeviceGone, DeviceNotFound, ReaderTimeout, TransportError
from devices.idcard.fakeusb import EP_IN, EP_OUT, FakeUsbBackend
from devices.idcard.session import Session, read_card_once
from devices.idcard.simulator import Fault, SimulatedReader
from devices.idcard.transports.usb import UsbTransport, map_usb_error


@pytest.fixture
def reader() -> SimulatedReader:
    return SimulatedReader(samples.RESIDENT)


@pytest.fixture
def backend(reader) -> FakeUsbBackend:
    return FakeUsbBackend(reader)


def test_pyusb_finds_the_fake_reader(backend):
    dev = usb.core.find(backend=backend, idVendor=0x0400, idProduct=0xC35A)
    assert dev is not None and (dev.bus, dev.address) == (1, 2)
    intf = dev.get_active_configuration()[(0, 0)]
    assert intf.bInterfaceClass == 0xFF
    assert [ep.bEndpointAddress for ep in intf] == [EP_OUT, EP_IN]
    assert usb.core.find(backend=backend, idVendor=0x0316) is None
    usb.util.dispose_resources(dev)


def test_find_select_read_through_pyusb(reader, backend):
    transport = open_transport("usb", vid=0x0400, pid=0xC35A, backend=backend)
    assert "0400:C35A" in transport.description
    card, _ = read_card_once(transport)
    assert card.id_number == samples.RESIDENT.id_number
    assert card.photo_wlt == samples.RESIDENT.photo_wlt
    assert backend.written == [
        commands.STATUS.frame,
        commands.FIND.frame,
        commands.SELECT.frame,
        commands.READ_BASE.frame,
    ]
    assert backend.claimed == {0}
    # 11 + 15 + 19 + 1295 bytes in 64-byte packets.
    assert backend.packets_read == 1 + 1 + 1 + math.ceil(1295 / 64)
    transport.close()


@pytest.mark.parametrize(
    ("packet_size", "kind"), [(8, "bulk"), (5, "interrupt"), (64, "interrupt")]
)
def test_reply_split_across_many_packets(reader, packet_size, kind):
    backend = FakeUsbBackend(reader, packet_size=packet_size, endpoint_type=kind)
    reader.place(samples.RESIDENT_MALE)
    transport = open_transport("usb", vid=0x0400, pid=0xC35A, backend=backend)
    session = Session(transport)
    assert session.find()
    session.select()
    card = session.read_card(fingerprint=True, read_address=True)
    assert card == samples.RESIDENT_MALE
    assert backend.packets_read >= math.ceil(2321 / packet_size)
    # Writes go out in wMaxPacketSize pieces.
    assert max(backend.write_sizes) <= packet_size
    assert ("中断" if kind == "interrupt" else "批量") in transport.description


def test_known_ids_are_tried_when_none_given(reader):
    backend = FakeUsbBackend(reader, vid=0x0316, pid=0x5020)
    transport = open_transport("usb", backend=backend)
    assert "0316:5020" in transport.description
    with pytest.raises(DeviceNotFound):
        open_transport("usb", backend=FakeUsbBackend(SimulatedReader(), vid=0x1234, pid=1))


def test_bus_and_address_select_the_device(backend):
    UsbTransport(0x0400, 0xC35A, bus=1, address=2, backend=backend).close()
    with pytest.raises(DeviceNotFound):
        UsbTransport(0x0400, 0xC35A, bus=1, address=9, backend=backend)


def test_timeout_when_no_reply(reader, backend):
    transport = UsbTransport(0x0400, 0xC35A, backend=backend)
    reader.inject(Fault.TIMEOUT, on=commands.FIND)
    with pytest.raises(ReaderTimeout):
        Session(transport).find()
    assert Session(transport).find()  # the next exchange works


def test_timeout_in_the_middle_of_a_reply(reader, backend):
    session = Session(UsbTransport(0x0400, 0xC35A, backend=backend))
    assert session.find()
    session.select()
    backend.fail_after_packets(5, "timeout")
    with pytest.raises(ReaderTimeout):
        session.read_base()
    assert backend.packets_read == 2 + 5


def test_unplug_in_the_middle_of_a_read(reader, backend):
    transport = UsbTransport(0x0400, 0xC35A, backend=backend)
    session = Session(transport)
    assert session.find()
    session.select()
    backend.fail_after_packets(3, "unplug")
    with pytest.raises(DeviceGone) as info:
        session.read_base()
    assert "断开" in info.value.message
    with pytest.raises(DeviceGone):
        transport.write(commands.STATUS.frame)
    transport.close()  # closing a vanished device does not raise
    with pytest.raises(DeviceNotFound):
        UsbTransport(0x0400, 0xC35A, backend=backend)
    reader.plug()
    again = UsbTransport(0x0400, 0xC35A, backend=backend)
    assert "地址 3" in again.description  # re-enumerated
    assert read_card_once(again)[0].id_number == samples.RESIDENT.id_number


def test_watcher_over_usb_unplug_and_replug(reader, backend):
    watcher = CardWatcher(
        "usb-reader", lambda: open_transport("usb", vid=0x0400, pid=0xC35A, backend=backend)
    )
    reader.inject(Fault.UNPLUG, on=commands.READ_BASE)
    events = watcher.poll()
    assert [type(e) for e in events] == [DeviceFound, DeviceLost]
    assert watcher.poll() == []
    reader.plug()
    events = watcher.poll()
    assert [type(e) for e in events] == [DeviceFound, CardRead]
    assert events[1].card.id_number == samples.RESIDENT.id_number


@pytest.mark.parametrize(
    ("exc", "cls", "needle"),
    [
        (
            usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT),
            ReaderTimeout,
            "超时",
        ),
        (usb.core.USBError("No such device", -4, errno.ENODEV), DeviceGone, "断开"),
        (usb.core.USBError("Access denied", -3, errno.EACCES), TransportError, "权限"),
        (usb.core.USBError("Resource busy", -6, errno.EBUSY), TransportError, "占用"),
        (usb.core.USBError("Input/Output Error", -1, errno.EIO), TransportError, "USB 通信错误"),
        (usb.core.NoBackendError("No backend available"), TransportError, "libusb"),
    ],
)
def test_usb_errors_are_mapped(exc, cls, needle):
    mapped = map_usb_error(exc, "接收")
    assert type(mapped) is cls
    assert needle in mapped.message
