"""The device manager: events on a channel, states, arming, logging without personal data."""

from __future__ import annotations

import json
import threading
import tomllib
from pathlib import Path

import pytest

from devices.config import DeviceConfig, DevicesConfig, parse_devices_config
from devices.errors import DeviceError
from devices.evaluator import RatingContext, SimulatedEvaluator
from devices.events import (
    CardRead,
    DeviceFound,
    DeviceLost,
    RatingCancelled,
    RatingGiven,
    RatingTimeout,
)
from devices.idcard import samples
from devices.manager import (
    RETRY_OPEN_AFTER,
    DeviceLog,
    DeviceManager,
    EventChannel,
    read_device_log,
)

SIM_BOTH = """
[reader]
kind = "reader"
transport = "sim"
[evaluator]
kind = "evaluator"
transport = "sim"
"""


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeWatcher:
    """Stands in for devices.idcard.CardWatcher: scripted poll results."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.script: list[list] = [[DeviceFound(name, description="假读卡器")]]
        self.closed = False

    def poll(self):
        return self.script.pop(0) if self.script else []

    def close(self) -> None:
        self.closed = True


class SignallingEvaluator(SimulatedEvaluator):
    """Tells the test when the device thread has armed it (no sleeping, no races)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.armed_event = threading.Event()

    def _on_arm(self, context, timeout) -> None:
        super()._on_arm(context, timeout)
        self.armed_event.set()


def config(text: str = SIM_BOTH) -> DevicesConfig:
    return parse_devices_config(tomllib.loads(text), "test")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def parts(tmp_path: Path, clock: FakeClock):
    made: dict[str, object] = {}

    def make_reader(cfg: DeviceConfig):
        made[cfg.name] = FakeWatcher(cfg.name)
        return made[cfg.name]

    def make_evaluator(cfg: DeviceConfig):
        made[cfg.name] = SignallingEvaluator(cfg.name, clock=clock)
        return made[cfg.name]

    manager = DeviceManager(
        config(),
        reader_factory=make_reader,
        evaluator_factory=make_evaluator,
        clock=clock,
        wall_clock=lambda: 1_700_000_000.0,
        log_path=tmp_path / "devices.jsonl",
    )
    return manager, made


def test_states_follow_found_and_lost(parts) -> None:
    manager, made = parts
    assert {s.name: s.state for s in manager.states()} == {"reader": "离线", "evaluator": "离线"}
    manager.poll_once()
    assert [type(e) for e in manager.drain()] == [DeviceFound, DeviceFound]
    states = {s.name: s for s in manager.states()}
    assert states["reader"].state == "模拟" and states["reader"].kind_label == "读卡器"
    assert states["evaluator"].description == "模拟评价器"
    made["evaluator"].go_offline()
    manager.poll_once()
    assert [type(e) for e in manager.drain()] == [DeviceLost]
    assert {s.name: s.state for s in manager.states()}["evaluator"] == "离线"


def test_arm_gives_exactly_one_outcome_on_the_channel(parts, clock: FakeClock) -> None:
    manager, made = parts
    manager.poll_once()
    manager.drain()
    ctx = RatingContext(clerk_number="5", service_ref="case-9")
    assert manager.arm_evaluator(ctx, timeout=8)
    made["evaluator"].press(1)
    made["evaluator"].press(2)
    manager.poll_once()
    manager.poll_once()
    [event] = manager.drain()
    assert isinstance(event, RatingGiven) and (event.level, event.context) == (1, ctx)

    manager.arm_evaluator(ctx, timeout=8)
    clock.now += 8
    manager.poll_once()
    assert [type(e) for e in manager.drain()] == [RatingTimeout]

    manager.arm_evaluator(ctx)
    manager.cancel_evaluator()
    manager.poll_once()
    assert [type(e) for e in manager.drain()] == [RatingCancelled]


def test_no_evaluator_configured(tmp_path: Path) -> None:
    manager = DeviceManager(DevicesConfig(), log_path=None)
    assert manager.arm_evaluator(None) is False
    [event] = manager.drain()
    assert isinstance(event, DeviceLost) and event.message == "未配置评价器"
    manager.cancel_evaluator()  # nothing to cancel, no error


def test_a_failing_factory_never_raises_and_is_retried(clock: FakeClock) -> None:
    calls = []

    def broken(cfg):
        calls.append(cfg.name)
        if len(calls) < 3:
            raise DeviceError("读卡器驱动不可用")
        return FakeWatcher(cfg.name)

    text = '[reader]\nkind = "reader"\ntransport = "usb"\n'
    manager = DeviceManager(config(text), reader_factory=broken, clock=clock, log_path=None)
    manager.poll_once()
    manager.poll_once()  # not retried before RETRY_OPEN_AFTER
    [event] = manager.drain()
    assert isinstance(event, DeviceLost) and event.message == "读卡器驱动不可用"
    assert calls == ["reader"]
    clock.now += RETRY_OPEN_AFTER
    manager.poll_once()
    assert manager.drain() == []  # reported once
    clock.now += RETRY_OPEN_AFTER
    manager.poll_once()
    assert [type(e) for e in manager.drain()] == [DeviceFound]
    assert manager.states()[0].state == "在线"


def test_a_raising_poll_becomes_device_lost(clock: FakeClock) -> None:
    class Exploding(FakeWatcher):
        def poll(self):
            raise RuntimeError("bug")

    text = '[reader]\nkind = "reader"\ntransport = "usb"\n'
    manager = DeviceManager(config(text), reader_factory=Exploding, log_path=None)
    manager.poll_once()
    [event] = manager.drain()
    assert isinstance(event, DeviceLost)


def test_card_read_is_logged_without_personal_data(parts, tmp_path: Path) -> None:
    manager, made = parts
    card = samples.RESIDENT
    manager.poll_once()
    made["reader"].script.append([CardRead("reader", card=card)])
    manager.poll_once()
    events = manager.drain()
    assert isinstance(events[-1], CardRead) and events[-1].card is card  # the TUI gets the card
    text = (tmp_path / "devices.jsonl").read_text(encoding="utf-8")
    for secret in (card.name, card.id_number, card.address, card.id_number[4:-4]):
        assert secret not in text
    entry = read_device_log(tmp_path / "devices.jsonl")[-1]
    assert entry == {
        "time": "2023-11-14T22:13:20+00:00",
        "device": "reader",
        "event": "CardRead",
        "card_type": "居民身份证",
        "id_masked": card.id_number[:4] + "*" * 10 + card.id_number[-4:],
    }
    recent = manager.recent_events()
    assert recent[-1] == entry and card.name not in json.dumps(recent, ensure_ascii=False)


def test_real_card_watcher_with_the_simulated_reader(tmp_path: Path) -> None:
    manager = DeviceManager(config('[r]\nkind = "reader"\ntransport = "sim"\n'), log_path=None)
    seen: list = []
    for _ in range(5):
        manager.poll_once()
        seen += manager.drain()
        if any(isinstance(e, CardRead) for e in seen):
            break
    assert isinstance(seen[0], DeviceFound)
    [read] = [e for e in seen if isinstance(e, CardRead)]
    assert read.card.id_number == samples.RESIDENT.id_number
    manager.stop()


def test_threads_deliver_events_and_stop(parts) -> None:
    manager, made = parts
    with manager:
        found = {manager.get(timeout=5).device, manager.get(timeout=5).device}
        assert found == {"reader", "evaluator"}
        assert manager.arm_evaluator(RatingContext(), timeout=60)
        assert made["evaluator"].armed_event.wait(5)  # armed on the device's own thread
        made["evaluator"].press(3)
        event = manager.get(timeout=5)
        assert isinstance(event, RatingGiven) and event.level == 3
    assert made["reader"].closed
    assert manager.get(timeout=0) is None


def test_offline_state_explains_why(clock: FakeClock) -> None:
    made = []

    def make(cfg):
        made.append(SimulatedEvaluator(cfg.name, clock=clock))
        made[-1].go_offline()
        return made[-1]

    text = '[pj]\nkind = "evaluator"\ntransport = "sim"\n'
    manager = DeviceManager(config(text), evaluator_factory=make, clock=clock, log_path=None)
    manager.poll_once()
    [state] = manager.states()
    assert (state.state, state.description) == ("离线", "模拟评价器已离线")
    assert manager.arm_evaluator(None)
    assert [type(e) for e in manager.drain()] == [DeviceLost]  # the arming's one outcome


def test_channel_is_bounded_and_drops_the_oldest() -> None:
    channel = EventChannel(maxsize=2)
    for n in range(3):
        channel.put(DeviceLost(str(n)))
    assert [e.device for e in channel] == ["1", "2"]
    assert channel.get(timeout=0) is None


def test_log_is_bounded_and_rotates(tmp_path: Path) -> None:
    path = tmp_path / "log" / "devices.jsonl"
    log = DeviceLog(path, keep=3, max_bytes=4096)
    for n in range(200):
        log.append({"event": "DeviceFound", "device": f"d{n}", "description": "x" * 40})
    assert [e["device"] for e in log.recent()] == ["d197", "d198", "d199"]
    assert path.stat().st_size < 4096 + 200
    assert path.with_name("devices.jsonl.1").exists()
    assert read_device_log(path, 2)[-1]["device"] == "d199"


def test_unwritable_log_does_not_stop_devices(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    log = DeviceLog(blocker / "devices.jsonl")  # parent is a file: cannot be created
    log.append({"event": "DeviceFound"})
    assert log.recent() == [{"event": "DeviceFound"}]
