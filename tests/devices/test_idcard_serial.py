"""Serial transport: real pyserial (loop://) for the port settings and I/O, and a
pyserial-shaped fake wired to the simulator for a whole read in small chunks."""

from __future__ import annotations

import pytest
import serial

from devices.idcard import commands, open_transport, samples
from devices.idcard.errors import DeviceGone, DeviceNotFound, ReaderTimeout, TransportError
from devices.idcard.session import read_card_once
from devices.idcard.simulator import Fault, SimulatedReader
from devices.idcard.transports.serial import SerialTransport


class SimSerial:
    """The parts of serial.Serial the transport uses; replies come `chunk` bytes a read,
    as a UART delivers them; an empty read stands for an elapsed timeout."""

    def __init__(self, reader: SimulatedReader, chunk: int = 7, **settings) -> None:
        self.reader = reader
        self.chunk = chunk
        self.settings = settings
        self.timeout = settings.get("timeout")
        self.rx = bytearray()
        self.resets = 0

    def write(self, data: bytes) -> int:
        if not self.reader.plugged:
            raise serial.SerialException("write failed: [Errno 5] Input/output error")
        self.rx += self.reader.handle(bytes(data)) or b""
        return len(data)

    def flush(self) -> None:
        pass

    def read(self, size: int) -> bytes:
        if not self.reader.plugged:
            raise serial.SerialException("device reports readiness to read but returned no data")
        out = bytes(self.rx[: min(size, self.chunk)])
        del self.rx[: len(out)]
        return out

    def reset_input_buffer(self) -> None:
        self.resets += 1
        self.rx.clear()

    def close(self) -> None:
        pass


def sim_factory(reader: SimulatedReader, created: list):
    def factory(port, **settings):
        ser = SimSerial(reader, **settings)
        created.append((port, ser))
        return ser

    return factory


def test_loopback_with_real_pyserial():
    transport = open_transport("serial", port="loop://")
    ser = transport._ser
    assert (ser.baudrate, ser.bytesize, ser.parity, ser.stopbits) == (115200, 8, "N", 1)
    transport.write(commands.FIND.frame)
    assert transport.read_exact(7, 1.0) == commands.FIND.frame[:7]
    assert transport.read_exact(3, 1.0) == commands.FIND.frame[7:]
    with pytest.raises(ReaderTimeout):
        transport.read_exact(1, 0.0)
    transport.close()
    with pytest.raises(TransportError):
        transport.write(b"\x00")
    assert "115200" in transport.description


def test_a_whole_read_in_seven_byte_chunks():
    reader = SimulatedReader(samples.HMT_PERMIT)
    created: list = []
    transport = SerialTransport("/dev/ttyUSB0", factory=sim_factory(reader, created))
    card, _ = read_card_once(transport)
    assert card.id_number == samples.HMT_PERMIT.id_number
    port, ser = created[0]
    assert port == "/dev/ttyUSB0"
    assert ser.settings["baudrate"] == 115200
    assert (ser.settings["bytesize"], ser.settings["parity"], ser.settings["stopbits"]) == (
        serial.EIGHTBITS,
        serial.PARITY_NONE,
        serial.STOPBITS_ONE,
    )
    assert ser.resets == 4  # input flushed before each of the four commands


def test_timeout_and_unplug():
    reader = SimulatedReader(samples.RESIDENT)
    transport = SerialTransport("COM3", factory=sim_factory(reader, []))
    reader.inject(Fault.TIMEOUT)
    with pytest.raises(ReaderTimeout):
        read_card_once(transport)
    reader.unplug()
    with pytest.raises(DeviceGone):
        read_card_once(transport)


def test_port_that_cannot_be_opened():
    def factory(port, **settings):
        raise serial.SerialException(f"could not open port {port}")

    with pytest.raises(DeviceNotFound) as info:
        SerialTransport("/dev/ttyUSB9", factory=factory)
    assert "串口" in info.value.message
    with pytest.raises(DeviceNotFound):
        open_transport("serial", port="/nonexistent/ttyUSB0")
