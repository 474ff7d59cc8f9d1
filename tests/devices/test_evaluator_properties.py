"""Bad input, fuzzed (issue 15): whatever bytes a serial 评价器 sends and whatever key events a
keypad delivers, the driver never loses the device over them (a driver error would be
swallowed by poll() as 评价器断开), gives at most one rating per 请评价, and only levels 1–5.
The [devices] section of a station file: a device or a ConfigError in Chinese, nothing else.
"""

from __future__ import annotations

import logging
import tomllib

import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from devices.config import ConfigError, parse_devices_config
from devices.evaluator import RatingContext, open_evaluator
from devices.evaluator.keycodes import EV_KEY
from devices.evaluator.serial_protocol import ReplyParser
from devices.events import DeviceLost, RatingGiven
from tests.devices.test_evaluator_drivers import (
    EVDEV_TOML,
    SERIAL_TOML,
    FakeClock,
    FakePort,
    InputEvent,
    Opener,
    evaluator_cfg,
)
from tests.hostile import fuzz, has_chinese, hostile_text


@fuzz(200)
@given(st.binary(max_size=3), st.lists(st.binary(max_size=300), max_size=12))
def test_reply_parser_takes_any_stream_in_any_chunks(prefix, chunks):
    parser = ReplyParser(prefix)
    for chunk in chunks:
        codes = parser.feed(chunk)
        assert all(0 <= c <= 255 for c in codes)
        assert len(parser._buf) <= ReplyParser.MAX_BUFFER  # bounded, whatever arrives


def steps(data: st.SearchStrategy) -> st.SearchStrategy[list]:
    """A counter's session with the device: arm, cancel, time passing, data arriving."""
    return st.lists(
        st.one_of(
            st.just(("arm",)),
            st.just(("cancel",)),
            st.tuples(st.just("wait"), st.floats(0, 30)),
            st.tuples(st.just("data"), data),
        ),
        max_size=25,
    )


def run_session(ev, clock, feed, plan) -> None:
    armings = ratings = 0
    for step in plan:
        if step[0] == "arm":
            ev.arm(RatingContext(clerk_number="1002"), timeout=10)
            armings += 1
        elif step[0] == "cancel":
            ev.cancel()
        elif step[0] == "wait":
            clock.now += step[1]
        else:
            feed(step[1])
        for event in ev.poll():
            assert not isinstance(event, DeviceLost), event
            if isinstance(event, RatingGiven):
                ratings += 1
                assert 1 <= event.level <= 5
    assert ratings <= armings


@fuzz(150)
@given(steps(st.binary(min_size=1, max_size=64)))
def test_a_serial_evaluator_takes_any_bytes(caplog, plan):
    port, clock = FakePort(), FakeClock()
    ev = open_evaluator(evaluator_cfg(SERIAL_TOML), clock=clock, open_port=lambda: port)
    ev.poll()
    with caplog.at_level(logging.ERROR):
        run_session(ev, clock, port.incoming.extend, plan)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


key_events = st.lists(
    st.builds(
        InputEvent,
        st.one_of(st.just(EV_KEY), st.integers(0, 0x1F)),
        st.integers(0, 0x2FF),
        st.integers(-1, 3),
    ),
    min_size=1,
    max_size=16,
)


@fuzz(150)
@given(steps(key_events))
def test_a_keypad_evaluator_takes_any_key_events(caplog, plan):
    clock, opener = FakeClock(), Opener()
    ev = open_evaluator(evaluator_cfg(EVDEV_TOML), clock=clock, open_device=opener)
    ev.poll()
    with caplog.at_level(logging.ERROR):
        run_session(ev, clock, lambda events: opener.opened[-1].queue.extend(events), plan)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


DEVICE_KEYS = (
    "kind",
    "transport",
    "port",
    "baudrate",
    "vid",
    "pid",
    "arm",
    "cancel",
    "reply_prefix",
    "vendor",
    "replies",
    "keys",
    "timeout",
    "retries",
    "read_address",
    "plugin",
)


def toml_value() -> st.SearchStrategy:
    return st.one_of(
        hostile_text(surrogates=False),
        st.sampled_from(["evaluator", "reader", "serial", "evdev", "usb", "02 41 {number} 03"]),
        st.integers(-(2**63), 2**63 - 1),
        st.booleans(),
        st.floats(allow_nan=True),
        st.dictionaries(hostile_text(surrogates=False, max_size=4), st.integers(), max_size=3),
        st.lists(st.integers(), max_size=3),
    )


@fuzz(200)
@given(
    st.sampled_from([SERIAL_TOML, EVDEV_TOML]),
    st.dictionaries(st.sampled_from(DEVICE_KEYS), toml_value(), max_size=4),
    hostile_text(surrogates=False, max_size=6),
)
def test_a_devices_section_is_read_or_refused_in_chinese(base, changes, name):
    devices = tomllib.loads(base)["devices"]
    [(old, table)] = devices.items()
    table.update(changes)
    text = tomli_w.dumps({"devices": {name or old: table}})
    try:
        config = parse_devices_config(tomllib.loads(text)["devices"], "station.toml")
    except ConfigError as exc:
        assert has_chinese(str(exc)), str(exc)[:200]
        return
    for device in (d for d in config.devices if d.kind == "evaluator"):
        try:
            ev = open_evaluator(device, clock=FakeClock(), open_port=FakePort, open_device=Opener())
        except ConfigError as exc:  # a vendor plugin that is not installed, say
            assert has_chinese(str(exc))
            continue
        ev.poll()
        ev.arm(RatingContext(clerk_number="\x1b[2J" + name), timeout=1)
        ev.poll()
