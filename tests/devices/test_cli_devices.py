"""`chuangkou devices …`: works with the simulators, and never prints personal data in clear."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.config import parse_devices_config
from devices.events import CardRead
from devices.idcard import samples
from devices.manager import DeviceManager
from tui.cli import main
from tui.cli.devices_cmd import format_log_entry


@pytest.fixture
def station(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(
        f"""
[station]
id = "t1"
[devices]
log_file = "{tmp_path / "devices.jsonl"}"
[devices.reader]
kind = "reader"
transport = "sim"
[devices.pj]
kind = "evaluator"
transport = "evdev"
vid = 0x1a2c
pid = 0x0e24
[devices.com]
kind = "evaluator"
transport = "serial"
port = "{tmp_path / "ttyUSB9"}"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("CHUANGKOU_CONFIG", str(path))
    monkeypatch.delenv("DISPLAY", raising=False)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["devices", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def secrets_of(card) -> list[str]:
    """Every personal field of a sample card, as it could appear in output."""
    values = [card.id_number, card.id_number[4:-4]]
    for attr in ("name", "chinese_name", "english_name", "address", "appended_address"):
        value = getattr(card, attr, None)
        if value:
            values.append(str(value))
    if card.birth_date:
        values += [card.birth_date.isoformat(), card.birth_date.strftime("%Y%m%d")]
    return values


@pytest.mark.parametrize("sample", sorted(samples.ALL))
def test_test_reader_masks_every_personal_field(capsys, station, sample: str) -> None:
    code, out, err = run(capsys, "test-reader", "--sim", "--sample", sample, "--read-address")
    assert code == 0, err
    card = samples.ALL[sample]
    assert card.card_type in out
    assert card.id_number[:4] + "*" in out and card.id_number[-4:] in out
    assert "毫秒" in out and "寻卡" in out
    for secret in secrets_of(card):
        assert secret not in out + err, f"{sample}: {secret!r} printed in clear"


def test_every_devices_command_keeps_personal_data_masked(capsys, station, tmp_path) -> None:
    # fill the device log through a real manager reading every sample card
    cfg = parse_devices_config({"reader": {"kind": "reader", "transport": "sim"}})
    manager = DeviceManager(cfg, log_path=tmp_path / "devices.jsonl")
    for card in samples.ALL.values():
        manager.publish(CardRead("reader", card=card))
    outputs = []
    for argv in (
        ("list",),
        ("test-reader",),
        ("test-reader", "--sim"),
        ("test-evaluator", "--sim", "--key", "1"),
        ("udev-rules",),
        ("log",),
        ("log", "-n", "3"),
    ):
        code, out, err = run(capsys, *argv)
        assert code == 0, (argv, err)
        outputs.append(out + err)
    text = "\n".join(outputs)
    assert text.count("读卡成功") == len(samples.ALL) + 3
    for card in samples.ALL.values():
        for secret in secrets_of(card):
            assert secret not in text


def test_list_shows_configured_devices_and_states(capsys, station) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert "已配置的设备" in out and str(station) in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "模拟" in lines["reader"]
    assert "离线" in lines["com"] and "不存在" in lines["com"]


def test_test_evaluator_sim(capsys, station) -> None:
    code, out, _ = run(capsys, "test-evaluator", "--sim", "--key", "4")
    assert code == 0 and "收到评价：4 不满意" in out


def test_test_evaluator_timeout_is_an_error(capsys, station) -> None:
    code, _, err = run(capsys, "test-evaluator", "--sim", "--timeout", "0")
    assert code == 1 and "评价超时" in err


def test_test_evaluator_offline_device_is_a_chinese_error(capsys, station) -> None:
    code, _, err = run(capsys, "test-evaluator", "--device", "com")
    assert code == 1 and err.startswith("错误：") and "未连接" in err


def test_key_needs_sim(capsys, station) -> None:
    code, _, err = run(capsys, "test-evaluator", "--key", "1")
    assert code == 1 and "--sim" in err


def test_unknown_device_and_sample(capsys, station) -> None:
    code, _, err = run(capsys, "test-reader", "--device", "nope")
    assert code == 1 and "nope" in err
    code, _, err = run(capsys, "test-reader", "--sim", "--sample", "nobody")
    assert code == 1 and "nobody" in err


def test_udev_rules(capsys, station) -> None:
    code, out, _ = run(capsys, "udev-rules", "--group", "counter")
    assert code == 0
    assert 'ATTR{idVendor}=="0400", ATTR{idProduct}=="c35a", MODE="0660", GROUP="counter"' in out
    assert 'SUBSYSTEM=="input", KERNEL=="event*", ATTRS{idVendor}=="1a2c"' in out
    assert "dialout" in out
    code, _, err = run(capsys, "udev-rules", "--group", "bad group")
    assert code == 1 and "用户组名无效" in err


def test_deploy_rules_cover_the_known_readers(capsys, station) -> None:
    from devices.discovery import KNOWN_READERS

    rules = (Path(__file__).resolve().parents[2] / "deploy" / "70-chuangkou.rules").read_text()
    for vid, pid in KNOWN_READERS:
        assert f'ATTR{{idVendor}}=="{vid:04x}", ATTR{{idProduct}}=="{pid:04x}"' in rules


def test_bad_station_file_is_one_chinese_line(capsys, station) -> None:
    station.write_text('[devices.reader]\nkind = "reader"\ntransport = "usb"\nbaud = 1\n')
    code, out, err = run(capsys, "list")
    assert code == 1 and out == ""
    assert err.strip() == f"错误：配置文件 {station}：未知的键 devices.reader.baud"


def test_log_missing_and_formatting(capsys, station, tmp_path) -> None:
    code, out, err = run(capsys, "log")
    assert code == 3 and out == "" and "设备日志文件不存在" in err
    line = format_log_entry(
        {"time": "2024-05-01T01:00:00+00:00", "device": "pj", "event": "RatingGiven",
         "level": 4, "reason_code": 209}
    )  # fmt: skip
    assert line.startswith("2024-05-01 09:00:00") and "收到评价" in line and "4 不满意" in line


def test_no_subcommand_prints_help(capsys) -> None:
    code, out, _ = run(capsys)
    assert code == 0 and "test-evaluator" in out
