"""The 评价器 contract, against the simulator: one arming → exactly one outcome."""

from __future__ import annotations

import pytest

from devices.evaluator import RatingContext, SimulatedEvaluator
from devices.evaluator.levels import (
    KeyMap,
    choice_for_value,
    level_for_reason,
    level_labels,
    reason_text,
    vendor_codes,
    vendors,
)
from devices.events import DeviceFound, DeviceLost, RatingCancelled, RatingGiven, RatingTimeout


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(clock: FakeClock) -> SimulatedEvaluator:
    ev = SimulatedEvaluator("ev", clock=clock)
    assert [type(e) for e in ev.poll()] == [DeviceFound]
    return ev


def outcomes(events):
    return [e for e in events if not isinstance(e, DeviceFound)]


def test_one_key_gives_one_rating_with_context(sim: SimulatedEvaluator) -> None:
    ctx = RatingContext(clerk_name="李工", clerk_number="07", service_ref="case-1")
    sim.arm(ctx, timeout=10)
    sim.press(2)
    [event] = sim.poll()
    assert isinstance(event, RatingGiven)
    assert (event.level, event.reason_code, event.context) == (2, None, ctx)
    assert sim.shown == [ctx]
    assert not sim.armed


def test_second_key_is_ignored_in_same_and_later_polls(sim: SimulatedEvaluator) -> None:
    sim.arm(timeout=10)
    sim.press(1)
    sim.press(5)
    events = sim.poll()
    sim.press(3)
    events += sim.poll()
    assert [(type(e), e.level) for e in events] == [(RatingGiven, 1)]


def test_keys_before_arming_are_ignored(sim: SimulatedEvaluator) -> None:
    sim.press(4)
    assert sim.poll() == []  # not armed: dropped
    sim.press(5)  # pressed, not yet read, before the arming
    sim.arm(timeout=10)
    assert sim.poll() == []
    sim.press(3)
    [event] = sim.poll()
    assert event.level == 3


def test_unmapped_key_does_not_end_the_arming(sim: SimulatedEvaluator) -> None:
    sim.arm(timeout=10)
    sim.press(9)
    assert sim.poll() == []
    assert sim.armed
    sim.press(1)
    assert [e.level for e in sim.poll()] == [1]


def test_timeout_uses_the_injected_clock(sim: SimulatedEvaluator, clock: FakeClock) -> None:
    ctx = RatingContext(service_ref="x")
    sim.arm(ctx, timeout=10)
    clock.now += 9.9
    assert sim.poll() == []
    clock.now += 0.1
    [event] = sim.poll()
    assert isinstance(event, RatingTimeout) and event.context == ctx
    sim.press(1)  # too late
    assert sim.poll() == []


def test_cancel(sim: SimulatedEvaluator) -> None:
    sim.arm(timeout=10)
    sim.cancel()
    sim.press(1)
    [event] = sim.poll()
    assert isinstance(event, RatingCancelled)
    sim.cancel()  # not armed: nothing
    assert sim.poll() == []


def test_rearming_cancels_the_pending_arming(sim: SimulatedEvaluator) -> None:
    sim.arm(RatingContext(service_ref="a"), timeout=10)
    sim.arm(RatingContext(service_ref="b"), timeout=10)
    sim.press(2)
    events = sim.poll()
    assert [type(e) for e in events] == [RatingCancelled, RatingGiven]
    assert [e.context.service_ref for e in events] == ["a", "b"]


def test_offline_while_armed_gives_device_lost_then_reconnects(
    sim: SimulatedEvaluator, clock: FakeClock
) -> None:
    sim.arm(timeout=10)
    sim.go_offline()
    [event] = sim.poll()
    assert isinstance(event, DeviceLost)
    assert not sim.armed and not sim.online
    clock.now += 100  # no timeout after the loss: the arming is over
    assert sim.poll() == []
    sim.come_online()
    clock.now += 5
    assert [type(e) for e in sim.poll()] == [DeviceFound]


def test_arming_while_offline_gives_device_lost(sim: SimulatedEvaluator) -> None:
    sim.go_offline()
    assert [type(e) for e in sim.poll()] == [DeviceLost]
    sim.arm(timeout=10)
    events = sim.poll()
    assert [type(e) for e in events] == [DeviceLost]
    assert "未连接" in events[0].message


def test_poll_never_raises_on_a_driver_bug(clock: FakeClock) -> None:
    class Broken(SimulatedEvaluator):
        def _read(self):
            raise ZeroDivisionError

    ev = Broken("ev", clock=clock)
    assert [type(e) for e in ev.poll()] == [DeviceFound, DeviceLost]
    ev.arm(timeout=10)  # reconnects, then the read fails: the arming ends as DeviceLost
    assert [type(e) for e in ev.poll()][-1] is DeviceLost
    assert not ev.armed


def test_vendor_b_three_keys(clock: FakeClock) -> None:
    ev = SimulatedEvaluator("ev", vendor="b", clock=clock)
    ev.poll()
    got = []
    for key in (1, 2, 3):
        ev.arm(timeout=10)
        ev.press(key)
        got += [e.level for e in ev.poll()]
    assert got == [2, 3, 4]  # 满意, 基本满意, 不满意


def test_explicit_keys_with_reason_code(clock: FakeClock) -> None:
    ev = SimulatedEvaluator("ev", keys={"x": 209, "y": 1}, clock=clock)
    ev.poll()
    ev.arm(timeout=10)
    ev.press("x")
    [event] = ev.poll()
    assert (event.level, event.reason_code) == (4, 209)


# -- normalisation table ----------------------------------------------------------------------
def test_levels_and_vendor_tables() -> None:
    assert level_labels() == {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
    assert vendor_codes("a") == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
    assert vendor_codes("b") == {1: 2, 2: 3, 3: 4}
    assert vendor_codes("score")[5] == 1 and vendor_codes("score")[1] == 5
    assert set(vendors()) >= {"a", "b", "score"}
    for name in vendors():
        assert set(vendor_codes(name).values()) <= set(range(1, 6))


@pytest.mark.parametrize(
    ("code", "level"),
    [
        (510, 1),
        (517, 1),
        (108, 5),
        (115, 5),
        (307, 3),
        (209, 4),
        (518, None),
        (107, None),
        (99, None),
    ],
)
def test_reason_codes(code: int, level: int | None) -> None:
    assert level_for_reason(code) == level


def test_reason_texts_and_values() -> None:
    assert reason_text(307) == "一次性告知需要补正的材料"
    assert reason_text(209) == "未在承诺时间内办结"
    assert choice_for_value(3).level == 3
    assert choice_for_value(512).level == 1
    with pytest.raises(ValueError):
        choice_for_value(0)
    with pytest.raises(ValueError):
        choice_for_value(600)


def test_keymap_explicit_wins_over_vendor() -> None:
    km = KeyMap.build({"k": 5}, "a", lambda n: (n,))
    assert km("k").level == 5 and km(1) is None
