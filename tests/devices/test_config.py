"""The station file and its [devices] part: found, parsed, and refused with a Chinese error."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path

import pytest

from devices.config import ConfigError, default_devices_config, parse_devices_config
from tui.station import (
    ENV_VAR,
    PrinterConfig,
    find_station_file,
    load_station,
    parse_station,
)

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"

FULL = """
[station]
id = "bmfw-03"
window = "民政"
register = "sqlite:////var/lib/chuangkou/register.db"
theme = "console"

[keymap]
"inquiry.new" = "f2"
case.accept = "f3"

[devices]
log_file = "/tmp/devices.jsonl"
log_keep = 50

[devices.reader]
kind = "reader"
transport = "serial"
port = "/dev/ttyUSB0"
baudrate = 115200
retries = 3

[devices.pj]
kind = "evaluator"
transport = "evdev"
path = "/dev/input/by-id/usb-keypad-event-kbd"
poll_interval = 0.1
[devices.pj.keys]
KEY_KP1 = 1
KEY_F5 = 209
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_station(write(tmp_path, text))
    return str(info.value)


def test_full_file(tmp_path: Path) -> None:
    station = load_station(write(tmp_path, FULL))
    assert (station.station_id, station.window, station.theme) == ("bmfw-03", "民政", "console")
    assert station.register_url.startswith("sqlite:")
    assert dict(station.keymap) == {"inquiry.new": "f2", "case.accept": "f3"}
    reader, pj = station.devices.devices
    assert (reader.kind, reader.transport, reader.poll_interval) == ("reader", "serial", 0.5)
    assert dict(reader.options) == {"port": "/dev/ttyUSB0", "baudrate": 115200, "retries": 3}
    assert (pj.kind, pj.poll_interval, dict(pj.options["keys"])) == (
        "evaluator",
        0.1,
        {"KEY_KP1": 1, "KEY_F5": 209},
    )
    assert station.devices.log_keep == 50
    with pytest.raises(dataclasses.FrozenInstanceError):
        station.window = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        station.keymap["x"] = "y"  # type: ignore[index]
    with pytest.raises(TypeError):
        reader.options["port"] = "y"  # type: ignore[index]


def test_shipped_example_is_valid() -> None:
    station = load_station(DEPLOY / "station.example.toml")
    assert [d.kind for d in station.devices.devices] == ["reader", "evaluator"]


def test_no_file_means_simulated_devices(tmp_path: Path) -> None:
    station = load_station(env={}, paths=[tmp_path / "nope.toml"])
    assert station.path is None
    assert {(d.kind, d.transport) for d in station.devices.devices} == {
        ("reader", "sim"),
        ("evaluator", "sim"),
    }
    assert station.station_id


def test_search_order(tmp_path: Path) -> None:
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    second.write_text("", encoding="utf-8")
    assert find_station_file(env={}, paths=[first, second]) == second
    first.write_text("", encoding="utf-8")
    assert find_station_file(env={}, paths=[first, second]) == first
    env_file = write(tmp_path, '[station]\nid = "e1"\n')
    assert find_station_file(env={ENV_VAR: str(env_file)}, paths=[first]) == env_file
    assert load_station(env={ENV_VAR: str(env_file)}).station_id == "e1"


def test_env_pointing_nowhere_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=ENV_VAR):
        find_station_file(env={ENV_VAR: str(tmp_path / "missing.toml")})


def test_file_without_devices_gets_simulated_devices(tmp_path: Path) -> None:
    station = load_station(write(tmp_path, '[station]\nwindow = "社保"\n'))
    assert station.devices == default_devices_config()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[devices.reader]\nkind = "reader"\ntransport = "serial"\nport = "x"\nbaud = 9600\n',
         "devices.reader.baud"),
        ('[station]\nname = "x"\n', "station.name"),
        ("[printer]\nx = 1\n", "printer.x"),
        ('[printer]\nqueue = "a"\nduplex = true\n', "printer.duplex"),
        ("[devices]\nverbose = true\n", "devices.verbose"),
        ('[devices.pj]\nkind = "evaluator"\ntransport = "sim"\nport = "x"\n', "devices.pj.port"),
        ('[devices.r]\nkind = "reader"\ntransport = "usb"\nvendor = "a"\n', "devices.r.vendor"),
    ],
)  # fmt: skip
def test_unknown_key_is_named(tmp_path: Path, text: str, key: str) -> None:
    message = error_of(tmp_path, text)
    assert f"未知的键 {key}" in message
    assert str(tmp_path / "station.toml") in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[devices.r]\nkind = "reader"\ntransport = "serial"\nport = "x"\nbaudrate = 12345\n',
         "devices.r.baudrate"),
        ('[devices.r]\nkind = "reader"\ntransport = "bluetooth"\n', "devices.r.transport"),
        ('[devices.r]\nkind = "printer"\ntransport = "usb"\n', "devices.r.kind"),
        ('[devices.r]\nkind = "reader"\ntransport = "usb"\nvid = 70000\n', "devices.r.vid"),
        ('[devices.r]\nkind = "reader"\ntransport = "usb"\npoll_interval = 0\n',
         "devices.r.poll_interval"),
        ('[devices.r]\nkind = "reader"\ntransport = "usb"\nread_address = "yes"\n',
         "devices.r.read_address"),
        ('[devices.e]\nkind = "evaluator"\ntransport = "sim"\nvendor = "z"\n', "devices.e.vendor"),
        ('[devices.e]\nkind = "evaluator"\ntransport = "sim"\n[devices.e.keys]\nx = 9\n',
         "devices.e.keys.x"),
        ('[devices.e]\nkind = "evaluator"\ntransport = "evdev"\n[devices.e.keys]\n"a b" = 1\n',
         "devices.e.keys.a b"),
        ('[devices.e]\nkind = "evaluator"\ntransport = "serial"\nport = "x"\narm = "zz"\n',
         "devices.e.arm"),
        ('[devices.e]\nkind = "evaluator"\ntransport = "serial"\nport = "x"\n'
         '[devices.e.replies]\n0x131 = 1\n', "devices.e.replies.0x131"),
        ('[station]\nregister = "mysql://u:secret@h/db"\n', "station.register"),
        ('[station]\nid = "has space"\n', "station.id"),
        ("[keymap]\n\"inquiry.new\" = 3\n", "keymap.inquiry.new"),
        ("[devices]\nlog_keep = 1\n", "devices.log_keep"),
        ('printer = "counter3"\n', "printer"),
        ('[printer]\nqueue = "-o evil"\n', "printer.queue"),
        ('[printer]\nqueue = "a b"\n', "printer.queue"),
        ('[printer]\nqueue = "a/b"\n', "printer.queue"),
        ('[printer]\nqueue = ""\n', "printer.queue"),
        ("[printer]\nqueue = 3\n", "printer.queue"),
        ('[printer]\nqueue = "a"\ncopies = 0\n', "printer.copies"),
        ('[printer]\nqueue = "a"\ncopies = 10\n', "printer.copies"),
        ('[printer]\nqueue = "a"\ncopies = true\n', "printer.copies"),
        ('[printer]\nqueue = "a"\ncopies = "2"\n', "printer.copies"),
    ],
)  # fmt: skip
def test_bad_value_is_named(tmp_path: Path, text: str, key: str) -> None:
    message = error_of(tmp_path, text)
    assert f"{key} " in message and "无效" in message, message
    assert "secret" not in message  # a database URL is never echoed


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[devices.r]\ntransport = "usb"\n', "devices.r.kind"),
        ('[devices.r]\nkind = "reader"\n', "devices.r.transport"),
        ('[devices.r]\nkind = "reader"\ntransport = "serial"\n', "devices.r.port"),
        ('[devices.e]\nkind = "evaluator"\ntransport = "plugin"\n', "devices.e.plugin"),
        ("[printer]\ncopies = 2\n", "printer.queue"),
    ],
)
def test_missing_key_is_named(tmp_path: Path, text: str, key: str) -> None:
    assert f"缺少键 {key}" in error_of(tmp_path, text)


def test_toml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[station]\nid = "a"\nwindow = \n')
    assert "TOML 格式错误" in message and "第 3 行" in message


def test_sim_reader_sample_is_checked() -> None:
    table = tomllib.loads('[r]\nkind = "reader"\ntransport = "sim"\nsample = "hmt"\n')
    assert parse_devices_config(table).devices[0].options["sample"] == "hmt"
    table["r"]["sample"] = "nobody"
    with pytest.raises(ConfigError, match=r"devices\.r\.sample"):
        parse_devices_config(table)


def test_parse_station_from_mapping() -> None:
    station = parse_station({"station": {"id": "x1"}})
    assert station.station_id == "x1" and station.source == "（默认配置）"


def test_printer_queue_and_copies(tmp_path: Path) -> None:
    """[printer]: the CUPS queue notices go to; absent → no printer configured."""
    station = load_station(write(tmp_path, FULL + '\n[printer]\nqueue = "counter3"\ncopies = 2\n'))
    assert station.printer == PrinterConfig(queue="counter3", copies=2)
    station = load_station(write(tmp_path, '[printer]\nqueue = "minzheng-laser"\n'))
    assert station.printer == PrinterConfig(queue="minzheng-laser", copies=1)
    assert load_station(write(tmp_path, FULL)).printer is None
    assert load_station(env={}, paths=[tmp_path / "nope.toml"]).printer is None


def test_a_deeply_nested_station_file_is_refused_in_chinese(tmp_path):
    deep = "a = " + "[" * 100_000 + "]" * 100_000 + "\n"
    with pytest.raises(ConfigError, match="嵌套层数过多"):
        load_station(write(tmp_path, deep))


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this system")
def test_an_endless_station_file_is_refused_after_a_limit():
    with pytest.raises(ConfigError, match="过大"):
        load_station("/dev/zero")
