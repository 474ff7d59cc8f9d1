"""evdev, serial, pynput and plugin 评价器 drivers through fakes: no hardware, no sleeping."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from types import MappingProxyType

import pytest

from devices.config import parse_devices_config
from devices.errors import DeviceError
from devices.evaluator import Evaluator, RatingContext, open_evaluator
from devices.evaluator.keycodes import EV_KEY, key_code
from devices.evaluator.serial_protocol import ReplyParser, SerialProtocol, parse_hex
from devices.evaluator.sim import SimulatedEvaluator
from devices.events import DeviceFound, DeviceLost, RatingCancelled, RatingGiven, RatingTimeout


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def evaluator_cfg(body: str):
    import tomllib

    return parse_devices_config(tomllib.loads(body)["devices"], "test.toml").devices[0]


# -- evdev ------------------------------------------------------------------------------------
@dataclass
class InputEvent:
    type: int
    code: int
    value: int


class FakeInputDevice:
    """Stands in for evdev.InputDevice: grab/ungrab/read_one/close."""

    name = "Fake Keypad"

    def __init__(self, grab_error: int | None = None) -> None:
        self.queue: list[InputEvent] = []
        self.grabbed = False
        self.closed = False
        self.unplugged = False
        self.grab_error = grab_error

    def type_key(self, name: str) -> None:
        code = key_code(name)
        self.queue += [InputEvent(EV_KEY, code, 1), InputEvent(EV_KEY, code, 0)]

    def grab(self) -> None:
        if self.grab_error:
            raise OSError(self.grab_error, "busy")
        self.grabbed = True

    def ungrab(self) -> None:
        if self.unplugged:
            raise OSError(errno.ENODEV, "No such device")
        self.grabbed = False

    def read_one(self):
        if self.unplugged:
            raise OSError(errno.ENODEV, "No such device")
        return self.queue.pop(0) if self.queue else None

    def close(self) -> None:
        self.closed = True


class Opener:
    def __init__(self) -> None:
        self.present = True
        self.opened: list[FakeInputDevice] = []
        self.grab_error: int | None = None

    def __call__(self) -> FakeInputDevice:
        if not self.present:
            raise DeviceError("未找到评价器小键盘")
        dev = FakeInputDevice(self.grab_error)
        self.opened.append(dev)
        return dev


EVDEV_TOML = """
[devices.evaluator]
kind = "evaluator"
transport = "evdev"
vid = 0x1a2c
pid = "0e24"
"""


@pytest.fixture
def evdev_setup():
    clock, opener = FakeClock(), Opener()
    ev = open_evaluator(evaluator_cfg(EVDEV_TOML), clock=clock, open_device=opener)
    assert [type(e) for e in ev.poll()] == [DeviceFound]
    return ev, opener, clock


def test_evdev_grabs_exclusively_and_rates_once(evdev_setup) -> None:
    ev, opener, _ = evdev_setup
    dev = opener.opened[0]
    assert dev.grabbed  # keys never reach the clerk's terminal
    dev.type_key("KEY_KP2")
    assert ev.poll() == []  # not armed: ignored
    ev.arm(RatingContext(clerk_number="3"), timeout=10)
    dev.type_key("KEY_KP1")
    dev.type_key("KEY_5")
    [event] = ev.poll()
    assert isinstance(event, RatingGiven) and event.level == 1
    dev.type_key("KEY_4")
    assert ev.poll() == []


def test_evdev_key_up_and_repeat_do_not_count(evdev_setup) -> None:
    ev, opener, _ = evdev_setup
    dev = opener.opened[0]
    ev.arm(timeout=10)
    dev.queue += [
        InputEvent(EV_KEY, key_code("KEY_3"), 0),
        InputEvent(EV_KEY, key_code("KEY_3"), 2),
    ]
    dev.queue += [InputEvent(4, 4, 458_782)]  # EV_MSC scan code
    assert ev.poll() == []
    dev.type_key("KEY_3")
    assert [e.level for e in ev.poll()] == [3]


def test_evdev_timeout(evdev_setup) -> None:
    ev, _, clock = evdev_setup
    ev.arm(timeout=10)
    clock.now += 10
    assert [type(e) for e in ev.poll()] == [RatingTimeout]


def test_evdev_unplug_gives_device_lost_and_replug_regrabs(evdev_setup) -> None:
    ev, opener, clock = evdev_setup
    ev.arm(timeout=10)
    opener.opened[0].unplugged = True
    opener.present = False
    assert [type(e) for e in ev.poll()] == [DeviceLost]
    assert opener.opened[0].closed
    clock.now += 1
    assert ev.poll() == []
    opener.present = True
    clock.now += 5
    assert [type(e) for e in ev.poll()] == [DeviceFound]
    assert opener.opened[-1].grabbed
    ev.close()
    assert opener.opened[-1].closed and not opener.opened[-1].grabbed


def test_evdev_busy_grab_stays_offline() -> None:
    opener = Opener()
    opener.grab_error = errno.EBUSY
    ev = open_evaluator(evaluator_cfg(EVDEV_TOML), clock=FakeClock(), open_device=opener)
    assert ev.poll() == []
    assert not ev.online and opener.opened[0].closed


def test_evdev_configured_keys() -> None:
    body = EVDEV_TOML + "[devices.evaluator.keys]\nKEY_F1 = 5\nKEY_A = 510\n"
    opener = Opener()
    ev = open_evaluator(evaluator_cfg(body), clock=FakeClock(), open_device=opener)
    ev.poll()
    ev.arm(timeout=10)
    opener.opened[0].type_key("KEY_1")  # not in the explicit map
    opener.opened[0].type_key("KEY_A")
    [event] = ev.poll()
    assert (event.level, event.reason_code) == (1, 510)


def test_evdev_missing_library_is_a_chinese_error(monkeypatch) -> None:
    import sys

    from devices.evaluator.evdev_keypad import default_opener

    monkeypatch.setitem(sys.modules, "evdev", None)  # import evdev → ImportError
    with pytest.raises(DeviceError, match="evdev"):
        default_opener(path="/dev/input/event9")()


# -- serial -----------------------------------------------------------------------------------
class FakePort:
    def __init__(self) -> None:
        self.incoming = bytearray()
        self.written: list[bytes] = []
        self.gone = False
        self.closed = False

    @property
    def in_waiting(self) -> int:
        if self.gone:
            raise OSError(errno.EIO, "Input/output error")
        return len(self.incoming)

    def read(self, n: int) -> bytes:
        data = bytes(self.incoming[:n])
        del self.incoming[:n]
        return data

    def write(self, data: bytes) -> int:
        self.written.append(data)
        return len(data)

    def close(self) -> None:
        self.closed = True


SERIAL_TOML = """
[devices.pj]
kind = "evaluator"
transport = "serial"
port = "/dev/ttyUSB1"
baudrate = 9600
arm = "02 41 {number} 03"
cancel = "02 43 03"
reply_prefix = "02 52"
[devices.pj.replies]
0x31 = 1
0x32 = 2
0x33 = 3
"0x39" = 307
"""


@pytest.fixture
def serial_setup():
    port, clock = FakePort(), FakeClock()
    ev = open_evaluator(evaluator_cfg(SERIAL_TOML), clock=clock, open_port=lambda: port)
    assert [type(e) for e in ev.poll()] == [DeviceFound]
    return ev, port, clock


def test_serial_arm_bytes_reply_and_second_reply_ignored(serial_setup) -> None:
    ev, port, _ = serial_setup
    port.incoming += b"\x02R3"  # before arming: ignored
    ev.poll()
    ev.arm(RatingContext(clerk_number="12"), timeout=10)
    assert port.written == [b"\x02A12\x03"]
    port.incoming += b"\x02R"  # a reply split across reads
    assert ev.poll() == []
    port.incoming += b"2\x02R1"
    [event] = ev.poll()
    assert isinstance(event, RatingGiven) and event.level == 2


def test_serial_reason_code_reply(serial_setup) -> None:
    ev, port, _ = serial_setup
    ev.arm(timeout=10)
    port.incoming += b"\x02R9"
    [event] = ev.poll()
    assert (event.level, event.reason_code) == (3, 307)


def test_serial_cancel_and_timeout_send_cancel_bytes(serial_setup) -> None:
    ev, port, clock = serial_setup
    ev.arm(timeout=10)
    ev.cancel()
    assert [type(e) for e in ev.poll()] == [RatingCancelled]
    ev.arm(timeout=5)
    clock.now += 6
    assert [type(e) for e in ev.poll()] == [RatingTimeout]
    assert port.written[1::2] == [b"\x02C\x03", b"\x02C\x03"]


def test_serial_unplugged_gives_device_lost(serial_setup) -> None:
    ev, port, _ = serial_setup
    ev.arm(timeout=10)
    port.gone = True
    assert [type(e) for e in ev.poll()] == [DeviceLost]
    assert port.closed


def test_serial_vendor_digits_without_reply_table() -> None:
    body = '[devices.pj]\nkind = "evaluator"\ntransport = "serial"\nport = "COM3"\nvendor = "b"\n'
    port = FakePort()
    ev = open_evaluator(evaluator_cfg(body), clock=FakeClock(), open_port=lambda: port)
    ev.poll()
    ev.arm(timeout=10)
    port.incoming += b"3"  # ASCII '3' = vendor B 不满意
    assert [e.level for e in ev.poll()] == [4]


def test_reply_parser_and_hex() -> None:
    parser = ReplyParser(b"\xaa\x55")
    assert parser.feed(b"\x00\xaa") == []
    assert parser.feed(b"\x55\x01\xaa\x55\x02\xaa") == [1, 2]
    assert parser.feed(b"\x55\x03") == [3]
    assert parse_hex("02 41 {number} 0x03", allow_placeholders=True) == (
        b"\x02A",
        "{number}",
        b"\x03",
    )
    with pytest.raises(ValueError):
        parse_hex("0g")
    assert SerialProtocol.from_options(arm="01 {number}").arm_bytes("7") == b"\x017"


# -- pynput -----------------------------------------------------------------------------------
class FakeListener:
    def __init__(self, on_press) -> None:
        self.on_press = on_press
        self.alive = False

    def start(self) -> None:
        self.alive = True

    def stop(self) -> None:
        self.alive = False

    def is_alive(self) -> bool:
        return self.alive


@dataclass
class KeyCode:
    char: str


def test_pynput_fallback_warns_and_rates(caplog) -> None:
    listeners: list[FakeListener] = []

    def factory(on_press):
        listeners.append(FakeListener(on_press))
        return listeners[-1]

    body = '[devices.kb]\nkind = "evaluator"\ntransport = "pynput"\n'
    ev = open_evaluator(evaluator_cfg(body), clock=FakeClock(), listener_factory=factory)
    with caplog.at_level("WARNING"):
        assert [type(e) for e in ev.poll()] == [DeviceFound]
    assert "无法区分键盘" in caplog.text
    ev.arm(timeout=10)
    listeners[0].on_press(KeyCode("4"))
    assert [e.level for e in ev.poll()] == [4]
    listeners[0].stop()
    assert [type(e) for e in ev.poll()] == [DeviceLost]


def test_pynput_without_display_is_offline(monkeypatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    body = '[devices.kb]\nkind = "evaluator"\ntransport = "pynput"\n'
    ev = open_evaluator(evaluator_cfg(body), clock=FakeClock())
    assert ev.poll() == []
    ev.arm(timeout=10)
    [event] = ev.poll()
    assert isinstance(event, DeviceLost)


# -- plugins ----------------------------------------------------------------------------------
def test_plugin_entry_point_builds_the_vendor_driver() -> None:
    seen = {}

    def make(name, options, *, clock):
        seen.update(options)
        return SimulatedEvaluator(name, clock=clock)

    body = (
        '[devices.v]\nkind = "evaluator"\ntransport = "plugin"\nplugin = "acme"\n'
        "[devices.v.options]\nspeed = 3\n"
    )
    ev = open_evaluator(evaluator_cfg(body), plugin_loader={"acme": make}.__getitem__)
    assert isinstance(ev, Evaluator) and seen == {"speed": 3}


def test_plugin_found_through_the_entry_point_group(monkeypatch) -> None:
    from devices.evaluator import factory

    class FakeEntryPoint:
        name = "acme"

        def load(self):
            return lambda name, options, *, clock: SimulatedEvaluator(name, clock=clock)

    def fake_entry_points(*, group):
        assert group == "chuangkou.evaluators"
        return [FakeEntryPoint()]

    monkeypatch.setattr(factory, "entry_points", fake_entry_points)
    assert factory.plugin_names() == ["acme"]
    body = '[devices.v]\nkind = "evaluator"\ntransport = "plugin"\nplugin = "acme"\n'
    assert open_evaluator(evaluator_cfg(body)).name == "v"


def test_unknown_plugin_is_a_chinese_error() -> None:
    body = '[devices.v]\nkind = "evaluator"\ntransport = "plugin"\nplugin = "nope"\n'
    with pytest.raises(DeviceError, match="未安装评价器插件 nope"):
        open_evaluator(evaluator_cfg(body))


def test_config_options_are_read_only() -> None:
    assert isinstance(evaluator_cfg(EVDEV_TOML).options, MappingProxyType)


def test_default_opener_picks_the_keypad_node_with_digit_keys(monkeypatch) -> None:
    """The real opener against a fake evdev module: by vid/pid, the node with digit keys."""
    import sys
    from types import ModuleType, SimpleNamespace

    from devices.evaluator.evdev_keypad import default_opener

    nodes = {
        "/dev/input/event3": ("Keypad Consumer Control", 0x1A2C, 0x0E24, [113, 114]),
        "/dev/input/event4": ("Keypad", 0x1A2C, 0x0E24, [2, 3, 79, 80]),
        "/dev/input/event5": ("Other Keyboard", 0x046D, 0xC31C, [2, 3]),
    }
    closed: list[str] = []

    class InputDevice:
        def __init__(self, path: str) -> None:
            self.path = path
            self.name, vendor, product, self._keys = nodes[path]
            self.info = SimpleNamespace(vendor=vendor, product=product)

        def capabilities(self):
            return {EV_KEY: self._keys}

        def close(self) -> None:
            closed.append(self.path)

    fake = ModuleType("evdev")
    fake.InputDevice = InputDevice
    fake.list_devices = lambda: sorted(nodes)
    monkeypatch.setitem(sys.modules, "evdev", fake)
    dev = default_opener(vid=0x1A2C, pid=0x0E24)()
    assert dev.path == "/dev/input/event4"
    assert closed == ["/dev/input/event3"]
    with pytest.raises(DeviceError, match="未找到评价器小键盘"):
        default_opener(vid=0x1234, pid=0x5678)()
