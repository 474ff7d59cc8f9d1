"""CardWatcher: one event per placement, retries, hot-plug, and no personal data in events."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from devices.events import CardError, CardRead, DeviceFound, DeviceLost
from devices.idcard import CardWatcher, commands, samples
from devices.idcard.errors import ReaderTimeout
from devices.idcard.simulator import CardImage, Fault, SimulatedReader
from devices.idcard.text import encode_field
from devices.idcard.transports.sim import SimTransport

CJK = re.compile(r"[\u4e00-\u9fff]")


def kinds(events) -> list[type]:
    return [type(e) for e in events]


@pytest.fixture(params=[False, True], ids=["finds-once", "rereads"])
def reader(request) -> SimulatedReader:
    return SimulatedReader(samples.RESIDENT, rereads_present_card=request.param)


@pytest.fixture
def watcher(reader) -> CardWatcher:
    return CardWatcher("窗口1", lambda: SimTransport(reader), retries=2)


def test_found_then_card_read_once(reader, watcher):
    events = watcher.poll()
    assert kinds(events) == [DeviceFound, CardRead]
    assert events[0].device == "窗口1" and events[0].description == "模拟读卡器"
    assert events[1].card.id_number == samples.RESIDENT.id_number
    for _ in range(5):
        assert watcher.poll() == []  # the same card left on the reader
    assert reader.has_card


def test_card_reported_again_after_lift_and_place(reader, watcher):
    watcher.poll()
    reader.lift()
    assert watcher.poll() == []
    reader.place(samples.HMT_PERMIT)
    events = watcher.poll()
    assert kinds(events) == [CardRead]
    assert events[0].card.card_type == "港澳台居民居住证"
    assert watcher.poll() == []


def test_no_card_no_event(reader, watcher):
    reader.lift()
    assert kinds(watcher.poll()) == [DeviceFound]
    assert watcher.poll() == []
    assert watcher.connected


def test_mid_read_failure_is_retried(reader, watcher):
    reader.inject(Fault.CHECKSUM, on=commands.READ_BASE, times=2)
    events = watcher.poll()
    assert kinds(events) == [DeviceFound, CardRead]
    assert reader.received.count((0x30, 0x01)) == 3


def test_timeout_mid_read_is_retried(reader, watcher):
    reader.inject(Fault.TRUNCATE, on=commands.READ_BASE)
    assert kinds(watcher.poll()) == [DeviceFound, CardRead]


def test_failure_after_retries_is_a_chinese_card_error_once(reader, watcher):
    reader.inject(Fault.CHECKSUM, on=commands.READ_BASE, times=3)
    events = watcher.poll()
    assert kinds(events) == [DeviceFound, CardError]
    error = events[1]
    assert error.code == "checksum"
    assert error.message.startswith("读卡失败：") and "重新放置" in error.message
    assert CJK.search(error.message)
    assert reader.received.count((0x30, 0x01)) == 3  # 1 + retries
    assert watcher.poll() == []  # not repeated while the card stays
    reader.lift()
    watcher.poll()
    reader.place(samples.RESIDENT)
    assert kinds(watcher.poll()) == [CardRead]


def test_status_failure_restarts_from_find(reader, watcher):
    reader.inject(Fault.READ_FAILED, times=3)
    events = watcher.poll()
    assert kinds(events) == [DeviceFound, CardError]
    assert events[1].code == "sw3-41" and "读证/卡操作失败" in events[1].message
    assert reader.received.count((0x20, 0x02)) == 3  # select again before each retry


def test_retries_zero(reader):
    watcher = CardWatcher("w", lambda: SimTransport(reader), retries=0)
    reader.inject(Fault.CHECKSUM, on=commands.READ_BASE)
    assert kinds(watcher.poll()) == [DeviceFound, CardError]
    assert reader.received.count((0x30, 0x01)) == 1


def test_card_moved_away_during_retries(reader, watcher):
    reader.inject(Fault.READ_FAILED)
    reader.inject(Fault.NO_CARD, after=1)  # the retry's find sees an empty field
    events = watcher.poll()
    assert kinds(events) == [DeviceFound, CardError]
    assert "证件已移开" in events[1].message


def test_unknown_card_type(reader, watcher):
    text = bytearray(256)
    text[248:250] = encode_field("K", 2)
    reader.place(CardImage(bytes(text)))
    events = watcher.poll()
    assert kinds(events) == [DeviceFound, CardError]
    assert events[1].code == "card-type" and "证件类型" in events[1].message


def test_unplug_lost_once_then_found(reader, watcher):
    watcher.poll()
    reader.unplug()
    events = watcher.poll()
    assert kinds(events) == [DeviceLost]
    assert "断开" in events[0].message
    assert watcher.poll() == [] and watcher.poll() == []
    assert not watcher.connected
    reader.plug()
    events = watcher.poll()
    # A reconnect starts afresh: the card still lying there is read again.
    assert kinds(events) == [DeviceFound, CardRead]


def test_unplug_in_the_middle_of_a_read(reader, watcher):
    reader.inject(Fault.UNPLUG, on=commands.READ_BASE)
    assert kinds(watcher.poll()) == [DeviceFound, DeviceLost]
    assert watcher.poll() == []
    reader.plug()
    assert kinds(watcher.poll()) == [DeviceFound, CardRead]


def test_no_reader_at_start(reader, watcher):
    reader.unplug()
    events = watcher.poll()
    assert kinds(events) == [DeviceLost]
    assert "未找到读卡器" in events[0].message
    assert watcher.poll() == []
    reader.plug()
    assert kinds(watcher.poll()) == [DeviceFound, CardRead]


def test_reader_that_stops_answering_is_lost_then_found(reader, watcher):
    watcher.poll()
    reader.lift()
    reader.inject(Fault.TIMEOUT, on=commands.FIND, times=3)
    events = watcher.poll()
    assert kinds(events) == [DeviceLost] and events[0].message == "读卡器无响应"
    assert kinds(watcher.poll()) == [DeviceFound]


def test_a_single_find_timeout_is_absorbed(reader, watcher):
    watcher.poll()
    reader.inject(Fault.TIMEOUT, on=commands.FIND)
    assert watcher.poll() == []
    assert watcher.connected


def test_status_check_failing_on_open(reader, watcher):
    reader.inject(Fault.TIMEOUT, on=commands.STATUS)
    events = watcher.poll()
    assert kinds(events) == [DeviceLost] and events[0].message.startswith("读卡器不可用")
    assert kinds(watcher.poll()) == [DeviceFound, CardRead]


def test_poll_never_raises():
    def broken_factory():
        raise RuntimeError("bug with 陈晓雨 inside")

    watcher = CardWatcher("w", broken_factory)
    events = watcher.poll()
    assert kinds(events) == [DeviceLost]
    assert events[0].message == "读卡器驱动内部错误（RuntimeError）"  # no exception text
    assert watcher.poll() == []

    class ExplodingTransport:
        def write(self, data):
            raise ValueError("boom")

        def read_exact(self, n, timeout):
            raise ReaderTimeout("读卡器应答超时")

        def close(self):
            raise OSError("already gone")

    watcher = CardWatcher("w", ExplodingTransport)
    assert kinds(watcher.poll()) == [DeviceLost]
    watcher.close()


def test_read_address_and_fingerprint_options(reader):
    reader.place(samples.RESIDENT_MALE)
    watcher = CardWatcher(
        "w", lambda: SimTransport(reader), read_address=True, read_fingerprint=True
    )
    events = watcher.poll()
    assert events[1].card == samples.RESIDENT_MALE


def test_close_closes_the_transport(reader):
    opened: list[SimTransport] = []

    def factory():
        opened.append(SimTransport(reader))
        return opened[-1]

    watcher = CardWatcher("w", factory)
    watcher.poll()
    watcher.close()
    assert opened[0]._closed and not watcher.connected


# --- nothing personal in any event ---------------------------------------------------


def personal_values(card) -> list[str]:
    values = []
    for f in dataclasses.fields(card):
        if f.name in {"gender_code", "ethnicity_code", "issue_count", "renewal_count",
                      "card_version", "authority_code"}:  # fmt: skip
            continue  # one- or two-digit codes, not identifying (and found in timestamps)
        value = getattr(card, f.name)
        if isinstance(value, dt.date):
            values += [value.isoformat(), value.strftime("%Y%m%d"), repr(value)]
        elif isinstance(value, bytes) and value:
            values += [repr(value)[2:40], value[:16].hex()]
        elif isinstance(value, str) and len(value) >= 2:
            values.append(value)
    return values


@pytest.mark.parametrize("key", samples.ALL)
def test_repr_of_cards_and_events_holds_no_personal_field(key):
    card = samples.ALL[key]
    reader = SimulatedReader(card)
    watcher = CardWatcher("w", lambda: SimTransport(reader), read_address=True)
    events = watcher.poll()  # DeviceFound, CardRead
    reader.lift()
    watcher.poll()
    reader.place(card)
    reader.inject(Fault.CHECKSUM, on=commands.READ_BASE, times=3)
    events += watcher.poll()  # CardError
    reader.unplug()
    events += watcher.poll()  # DeviceLost
    assert kinds(events) == [DeviceFound, CardRead, CardError, DeviceLost]
    read = events[1].card
    values = personal_values(read)
    assert read.id_number in values and len(values) >= 6
    for item in [read, *events]:
        for text in (repr(item), str(item)):
            text = re.sub(r"at=[0-9.e+-]+", "at=…", text)  # the monotonic timestamp
            for value in values:
                assert value not in text, f"{type(item).__name__} shows a personal field"
