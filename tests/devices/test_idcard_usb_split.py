"""SAM_V USB readers (the iDR200, 0400:C35A) that split every frame across two pipe pairs:
the 7-byte header on OUT 0x02 / IN 0x81, the rest on OUT 0x06 / IN 0x85 (idcard-reader.md
§5.3). Real pyusb code over the fake backend, no hardware."""

from __future__ import annotations

import pytest
import usb.core
import usb.util

from devices.events import CardError, CardRead, DeviceFound
from devices.idcard import CardWatcher, commands, open_transport, samples
from devices.idcard.errors import ReaderTimeout, TransportError
from devices.idcard.fakeusb import SPLIT_ENDPOINTS, FakeUsbBackend
from devices.idcard.session import Session, read_card_once
from devices.idcard.simulator import SimulatedReader
from devices.idcard.transports.usb import UsbTransport, choose_layout

# Two pipe pairs at addresses that do not say which layout they are.
AMBIGUOUS = (0x01, 0x82, 0x03, 0x84)


@pytest.fixture
def reader() -> SimulatedReader:
    return SimulatedReader(samples.RESIDENT)


@pytest.fixture
def backend(reader) -> FakeUsbBackend:
    return FakeUsbBackend(reader, layout="split")


def test_the_fake_exposes_the_four_sam_v_endpoints(backend):
    dev = usb.core.find(backend=backend, idVendor=0x0400, idProduct=0xC35A)
    intf = dev.get_active_configuration()[(0, 0)]
    assert [ep.bEndpointAddress for ep in intf] == list(SPLIT_ENDPOINTS)
    usb.util.dispose_resources(dev)


def test_layout_is_chosen_from_the_endpoints():
    # SAM_V addresses: split, whatever the model.
    assert choose_layout([0x02, 0x06], [0x81, 0x85], (0x0316, 0x5020)) == (
        (0x02, 0x81),
        (0x06, 0x85),
    )
    # One pair: a single pipe, even for the iDR200's IDs (CT, SYN, BAD1 drive it so).
    assert choose_layout([0x02], [0x81], (0x0400, 0xC35A)) == ((0x02, 0x81), None)
    # Two pairs elsewhere: the model decides.
    assert choose_layout([0x01, 0x03], [0x82, 0x84], (0x0400, 0xC35A)) == (
        (0x01, 0x82),
        (0x03, 0x84),
    )
    assert choose_layout([0x01, 0x03], [0x82, 0x84], (0x0316, 0x5020)) == ((0x01, 0x82), None)
    with pytest.raises(TransportError, match="只有一对"):
        choose_layout([0x02], [0x81], (0x0400, 0xC35A), "split")


def test_find_select_read_over_split_pipes(reader, backend):
    transport = open_transport("usb", vid=0x0400, pid=0xC35A, backend=backend)
    assert transport.split and "双通道" in transport.description
    session = Session(transport)
    session.status()
    assert session.find()
    session.select()
    card = session.read_card()
    assert card == samples.RESIDENT
    assert backend.written == [
        commands.STATUS.frame,
        commands.FIND.frame,
        commands.SELECT.frame,
        commands.READ_BASE.frame,
    ]
    # Every frame went out as a 7-byte header on 0x02 and the rest on 0x06.
    assert backend.write_sizes == [7, 3] * 4
    assert backend.misrouted == 0
    transport.close()


def test_no_card_over_split_pipes(reader, backend):
    reader.lift()
    session = Session(UsbTransport(0x0400, 0xC35A, backend=backend))
    assert session.find() is False


@pytest.mark.parametrize("packet_size", [3, 8, 64])
def test_reply_across_many_packets_on_both_pipes(reader, packet_size):
    backend = FakeUsbBackend(reader, layout="split", packet_size=packet_size)
    reader.place(samples.RESIDENT_MALE)
    session = Session(UsbTransport(0x0400, 0xC35A, backend=backend))
    assert session.find()
    session.select()
    before = backend.packets_read
    card = session.read_card(fingerprint=True, read_address=True)
    assert card == samples.RESIDENT_MALE
    # 30 10 (2321 bytes) and 30 03: each header in ceil(7/size) packets, the rest in many.
    header_packets = -(-7 // packet_size)
    body_packets = -(-(2321 - 7) // packet_size)
    assert backend.packets_read - before >= header_packets + body_packets
    assert max(backend.write_sizes) <= packet_size


def test_layout_from_the_model_when_endpoints_are_ambiguous(reader):
    backend = FakeUsbBackend(reader, layout="split", endpoints=AMBIGUOUS)
    transport = open_transport("usb", vid=0x0400, pid=0xC35A, backend=backend)
    assert transport.split
    assert read_card_once(transport)[0].id_number == samples.RESIDENT.id_number
    assert backend.misrouted == 0


def test_another_model_with_ambiguous_endpoints_keeps_one_pipe(reader):
    backend = FakeUsbBackend(
        reader, layout="single", vid=0x0316, pid=0x5020, endpoints=AMBIGUOUS[:2]
    )
    transport = open_transport("usb", vid=0x0316, pid=0x5020, backend=backend)
    assert not transport.split and "双通道" not in transport.description
    assert read_card_once(transport)[0].id_number == samples.RESIDENT.id_number


def test_a_single_pipe_driver_gets_no_answer_from_a_split_reader(reader, backend):
    # Why the layout matters: a whole frame on the header pipe is not understood.
    transport = UsbTransport(0x0400, 0xC35A, backend=backend, layout="single")
    with pytest.raises(ReaderTimeout):
        Session(transport).status()
    assert backend.misrouted == 1


@pytest.mark.parametrize("fault", ["timeout", "short"])
def test_second_pipe_timeout_or_short_read_is_a_chinese_error(reader, backend, fault):
    session = Session(UsbTransport(0x0400, 0xC35A, backend=backend))
    assert session.find()
    session.select()
    # The header arrives on 0x81, then the rest stops after (part of) one packet on 0x85.
    backend.fail_after_packets(2, fault)
    with pytest.raises(ReaderTimeout) as info:
        session.read_base()
    message = info.value.message
    assert message.startswith("读卡器应答不完整（数据通道超时")
    assert "/1288 字节" in message
    assert not any(c.isascii() and c.isalpha() for c in message)
    # The next exchange starts clean: nothing of the broken reply is left over.
    session.status()


def test_watcher_reports_a_broken_split_reply_in_chinese(reader, backend):
    watcher = CardWatcher(
        "idr200",
        lambda: open_transport("usb", vid=0x0400, pid=0xC35A, backend=backend),
        retries=0,
    )
    reader.lift()
    assert [type(e) for e in watcher.poll()] == [DeviceFound]
    reader.place(samples.RESIDENT)
    # find and select answer (2 + 2 packets), then the read's header, then nothing.
    backend.fail_after_packets(5, "timeout")
    events = watcher.poll()
    assert [type(e) for e in events] == [CardError]
    assert "读卡失败：读卡器应答不完整" in events[0].message
    reader.lift()
    watcher.poll()
    reader.place(samples.RESIDENT)
    events = watcher.poll()
    assert [type(e) for e in events] == [CardRead]


def test_the_station_file_can_force_the_layout(reader):
    from devices.config import USB_LAYOUTS, ConfigError, parse_devices_config
    from devices.idcard.transports.usb import LAYOUTS
    from devices.manager import reader_transport_options

    assert USB_LAYOUTS == LAYOUTS
    table = {"kind": "reader", "transport": "usb", "vid": 0x0316, "pid": 0x5020}
    cfg = parse_devices_config({"r": {**table, "layout": "split"}}).devices[0]
    backend = FakeUsbBackend(reader, layout="split", vid=0x0316, pid=0x5020, endpoints=AMBIGUOUS)
    transport = open_transport("usb", **reader_transport_options(cfg), backend=backend)
    assert transport.split
    assert read_card_once(transport)[0].id_number == samples.RESIDENT.id_number
    with pytest.raises(ConfigError, match="auto、single、split 之一"):
        parse_devices_config({"r": {**table, "layout": "both"}})
