"""Session over the in-memory simulator: the protocol flow and every injectable fault."""

from __future__ import annotations

import dataclasses

import pytest

from devices.idcard import commands, open_transport, samples
from devices.idcard.cards import ResidentIdCard
from devices.idcard.errors import (
    ChecksumError,
    ConfigError,
    DeviceGone,
    DeviceNotFound,
    NoCardError,
    ReaderTimeout,
    StatusError,
    TransportError,
)
from devices.idcard.frames import build_frame, parse_reply, read_frame
from devices.idcard.session import SamId, Session, read_card_once
from devices.idcard.simulator import CardImage, Fault, SimulatedReader
from devices.idcard.transports.sim import SimTransport


@pytest.fixture
def reader() -> SimulatedReader:
    return SimulatedReader(samples.RESIDENT)


@pytest.fixture
def session(reader) -> Session:
    return Session(SimTransport(reader))


def read(session: Session, **kw):
    assert session.find()
    session.select()
    return session.read_card(**kw)


def test_status_find_select_read(reader, session):
    session.status()
    card = read(session)
    assert card == dataclasses.replace(samples.RESIDENT, fingerprint=None)
    assert reader.received == [(0x11, 0xFF), (0x20, 0x01), (0x20, 0x02), (0x30, 0x01)]


def test_read_card_once_reports_each_step(reader):
    card, timings = read_card_once(SimTransport(reader))
    assert card.id_number == samples.RESIDENT.id_number
    assert list(timings) == ["status", "find", "select", "read", "decode", "total"]
    assert all(t >= 0 for t in timings.values())
    assert timings["total"] >= sum(v for k, v in timings.items() if k != "total") * 0.99


def test_read_card_once_without_a_card(reader):
    reader.lift()
    with pytest.raises(NoCardError) as info:
        read_card_once(SimTransport(reader))
    assert info.value.sw3 == 0x80 and "寻找证/卡失败" in info.value.message


def test_appended_address_and_fingerprint(reader, session):
    reader.place(samples.RESIDENT_MALE)
    card = read(session, read_address=True, fingerprint=True)
    assert card == samples.RESIDENT_MALE
    assert card.current_address == "江西省九江市样例区新城路9号"
    assert reader.received[-2:] == [(0x30, 0x10), (0x30, 0x03)]
    reader.place(samples.RESIDENT_MALE)  # placed again: this reader finds a card only once
    card, timings = read_card_once(SimTransport(reader), read_address=True)
    assert "address" in timings and card.appended_address is not None


def test_card_without_appended_address_answers_91(reader, session):
    assert read(session, read_address=True).appended_address is None
    assert session.exchange(commands.READ_ADDRESS).sw3 == 0x91


def test_address_is_not_read_for_foreigner_cards(reader, session):
    reader.place(samples.FOREIGNER)
    read(session, read_address=True)
    assert (0x30, 0x03) not in reader.received


def test_reader_does_not_find_the_same_card_again_until_lifted(reader, session):
    read(session)
    assert session.find() is False
    reader.lift()
    reader.place(samples.RESIDENT)
    assert session.find() is True


def test_reader_that_rereads_a_present_card():
    reader = SimulatedReader(samples.RESIDENT, rereads_present_card=True)
    session = Session(SimTransport(reader))
    read(session)
    assert session.find() is True


def test_select_without_find_and_read_without_select(reader, session):
    with pytest.raises(StatusError) as info:
        session.select()
    assert info.value.sw3 == 0x81
    with pytest.raises(StatusError) as info:
        session.read_base()
    assert info.value.sw3 == 0x41


def test_sam_id(session):
    sam = session.sam_id()
    assert isinstance(sam, SamId)
    assert str(sam) == "01-02-00000003-0000000004-0000000005"


def test_unknown_command_answers_21(session):
    unknown = commands.SamCommand(0x55, 0x01, "未知命令", frozenset({0x90}), 0.5)
    with pytest.raises(StatusError) as info:
        session.transact(unknown)
    assert info.value.sw3 == 0x21 and "接收数据命令错" in info.value.message


def test_host_checksum_error_answers_10(reader):
    transport = SimTransport(reader)
    frame = bytearray(build_frame(0x11, 0xFF))
    frame[-1] ^= 1
    transport.write(bytes(frame))
    assert parse_reply(read_frame(transport, 1.0)).sw3 == 0x10


def test_request_written_in_pieces_is_reassembled(reader):
    transport = SimTransport(reader)
    for b in build_frame(0x11, 0xFF):
        transport.write(bytes([b]))
    assert parse_reply(read_frame(transport, 1.0)).sw3 == 0x90


# --- faults -------------------------------------------------------------------------


def test_fault_no_card(reader, session):
    reader.inject(Fault.NO_CARD)
    assert session.find() is False
    assert session.find() is True  # only the next one


def test_fault_checksum_on_next_reply(reader, session):
    reader.inject(Fault.CHECKSUM)
    with pytest.raises(ChecksumError):
        session.status()
    session.status()


def test_fault_timeout_is_immediate(reader, session):
    reader.inject(Fault.TIMEOUT, on=commands.FIND)
    session.status()  # not targeted
    with pytest.raises(ReaderTimeout):
        session.find()


def test_fault_truncate_times_out(reader, session):
    assert session.find()
    session.select()
    reader.inject(Fault.TRUNCATE, on=commands.READ_BASE)
    with pytest.raises(ReaderTimeout):
        session.read_base()


def test_fault_noise_is_resynchronised(reader, session):
    reader.inject(Fault.NOISE, times=3)
    assert read(session).name == samples.RESIDENT.name


def test_fault_read_failed(reader, session):
    reader.inject(Fault.READ_FAILED)
    assert session.find()
    session.select()
    with pytest.raises(StatusError) as info:
        session.read_base()
    assert (info.value.sw3, info.value.meaning) == (0x41, "读证/卡操作失败")


def test_fault_times_and_clear(reader, session):
    reader.inject(Fault.CHECKSUM, on=commands.STATUS, times=2)
    for _ in range(2):
        with pytest.raises(ChecksumError):
            session.status()
    session.status()
    reader.inject(Fault.CHECKSUM, times=5)
    reader.clear_faults()
    session.status()


def test_unplug_mid_read_and_plug_back(reader, session):
    assert session.find()
    session.select()
    reader.inject(Fault.UNPLUG, on=commands.READ_BASE)
    with pytest.raises(DeviceGone):
        session.read_base()
    assert not reader.plugged
    with pytest.raises(DeviceNotFound):
        SimTransport(reader)
    reader.plug()
    with pytest.raises(DeviceGone):  # the old handle stays dead
        session.status()
    assert read(Session(SimTransport(reader))).id_number == samples.RESIDENT.id_number


def test_closed_transport_refuses_io(reader):
    transport = SimTransport(reader)
    transport.close()
    with pytest.raises(TransportError):
        transport.write(build_frame(0x11, 0xFF))


def test_crafted_card_image(reader, session):
    text = bytearray(256)
    text[:6] = "王五".encode("utf-16-le") + b"\x1b\x00"
    reader.place(CardImage(bytes(text)))
    card = read(session)
    assert isinstance(card, ResidentIdCard) and card.name == "王五"


# --- open_transport ------------------------------------------------------------------


def test_open_transport_sim(reader):
    transport = open_transport("sim", reader=reader)
    assert isinstance(transport, SimTransport) and transport.reader is reader
    default = open_transport("sim")
    assert read(Session(default)).id_number == samples.RESIDENT.id_number


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("bluetooth", {}),
        ("serial", {}),
        ("sim", {"colour": "red"}),
        ("usb", {"vid": 0x0400}),
        ("usb", {"speed": 12}),
    ],
)
def test_open_transport_refuses_bad_configuration(kind, options):
    with pytest.raises(ConfigError) as info:
        open_transport(kind, **options)
    assert "读卡器" in info.value.message
