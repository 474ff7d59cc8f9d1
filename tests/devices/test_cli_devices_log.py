"""`chuangkou devices log` and `test-evaluator --key`: a wrong key is refused before any
device opens; a missing, an empty and a damaged log file each get their own Chinese line and
exit code; a simulated device session writes the log, with no personal data in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devices.config import parse_devices_config
from devices.devlog import default_log_path, scrub
from devices.events import DeviceLost
from devices.idcard import CardWatcher, open_transport, samples
from devices.idcard.simulator import Fault, SimulatedReader
from devices.manager import DeviceManager
from tests.people import PEOPLE
from tui.cli import main
from tui.cli.devices_cmd import EXIT_LOG_DAMAGED, EXIT_LOG_EMPTY, EXIT_LOG_MISSING


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "devices.jsonl"
    station = tmp_path / "station.toml"
    station.write_text(
        f'[station]\nid = "t1"\n[devices]\nlog_file = "{path}"\n'
        '[devices.reader]\nkind = "reader"\ntransport = "sim"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CHUANGKOU_CONFIG", str(station))
    monkeypatch.setenv("CHUANGKOU_LOG_DIR", str(tmp_path / "logs"))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["devices", *argv])
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


# -- test-evaluator --key ----------------------------------------------------------------------
@pytest.mark.parametrize("key", ["0", "6", "x", "11", ""])
def test_a_key_outside_1_to_5_is_refused_before_any_device_opens(
    capsys, log_file, monkeypatch, key: str
) -> None:
    def no_device(*args, **kwargs):
        raise AssertionError("a device was opened")

    monkeypatch.setattr("devices.evaluator.open_evaluator", no_device)
    monkeypatch.setattr("devices.evaluator.factory.open_evaluator", no_device)
    monkeypatch.setattr("tui.station.load_station", no_device)
    code, out, err = run(capsys, "test-evaluator", "--sim", "--key", key)
    assert code == 2 and out == ""
    first = err.splitlines()[0]
    assert first.startswith("错误：") and "评价键应为 1–5 之一" in first
    assert "--key" in first


@pytest.mark.parametrize("key", ["1", "5"])
def test_keys_1_to_5_are_pressed(capsys, log_file, key: str) -> None:
    code, out, err = run(capsys, "test-evaluator", "--sim", "--key", key)
    assert code == 0, err
    assert f"收到评价：{key} " in out


# -- devices log: missing, empty, damaged ------------------------------------------------------
def test_missing_log_file(capsys, log_file) -> None:
    code, out, err = run(capsys, "log")
    assert code == EXIT_LOG_MISSING and out == ""
    assert err.strip() == (
        f"错误：设备日志文件不存在（{log_file}）：设备尚未运行过，或日志位置配置不同"
    )


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_empty_log_file(capsys, log_file, content: str) -> None:
    log_file.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "log")
    assert code == EXIT_LOG_EMPTY and err == ""
    assert out.strip() == f"设备日志为空（{log_file}）：尚无设备事件"


def test_damaged_log_file_shows_what_it_can(capsys, log_file) -> None:
    good = {"time": "2026-05-01T01:00:00+00:00", "device": "reader", "event": "DeviceFound"}
    log_file.write_bytes(
        json.dumps(good).encode()
        + b"\n"
        + b'{"time": "2026-05-01T01:00:01+00:00", "dev'  # a write cut short
        + b"\n\xff\xfe\x00garbage\n"
        + b"[1, 2]\n"
    )
    code, out, err = run(capsys, "log")
    assert code == EXIT_LOG_DAMAGED
    assert "设备连接" in out and len(out.splitlines()) == 1
    assert err.strip() == f"错误：设备日志已损坏（{log_file}）：3 行无法读取，已跳过"


def test_the_three_states_have_distinct_exit_codes() -> None:
    codes = {0, 1, 2, EXIT_LOG_MISSING, EXIT_LOG_EMPTY, EXIT_LOG_DAMAGED}
    assert len(codes) == 6


def test_default_log_path_follows_the_log_directory(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CHUANGKOU_LOG_DIR", str(tmp_path / "logs"))
    assert default_log_path() == tmp_path / "logs" / "devices.jsonl"


def test_log_without_a_configured_file_reads_the_default(capsys, tmp_path, monkeypatch) -> None:
    station = tmp_path / "station.toml"
    station.write_text('[station]\nid = "t1"\n', encoding="utf-8")
    monkeypatch.setenv("CHUANGKOU_CONFIG", str(station))
    monkeypatch.setenv("CHUANGKOU_LOG_DIR", str(tmp_path / "logs"))
    manager = DeviceManager(parse_devices_config({}))
    manager.publish(DeviceLost("reader", message="读卡器已断开"))
    code, out, _ = run(capsys, "log")
    assert code == 0 and "设备断开" in out
    assert (tmp_path / "logs" / "devices.jsonl").exists()


# -- a simulated session writes the log ---------------------------------------------------------
def personal_values() -> list[str]:
    values = []
    for card in samples.ALL.values():
        values += [card.id_number, card.id_number[4:-4]]
        for attr in ("name", "chinese_name", "english_name", "address", "appended_address"):
            if getattr(card, attr, None):
                values.append(str(getattr(card, attr)))
    for person in PEOPLE:
        values += [person.name, person.id_number, person.phone, person.address]
    return values


def test_a_simulated_session_writes_connect_read_and_faults(capsys, log_file) -> None:
    sim = SimulatedReader(samples.RESIDENT)
    cfg = parse_devices_config(
        {"log_file": str(log_file), "reader": {"kind": "reader", "transport": "sim"}}
    )
    manager = DeviceManager(
        cfg,
        reader_factory=lambda c: CardWatcher(
            c.name, lambda: open_transport("sim", reader=sim), retries=0
        ),
    )
    manager.poll_once()  # connects and reads the card on the reader
    sim.lift()
    manager.poll_once()
    sim.place(samples.RESIDENT_MALE)
    sim.inject(Fault.READ_FAILED)
    manager.poll_once()  # the read fails
    sim.unplug()
    manager.poll_once()  # the reader is gone
    # A driver message that carried personal data would still be written masked.
    person = PEOPLE[0]
    manager.publish(DeviceLost("reader", message=f"异常 {person.id_number} {person.phone}"))

    written = log_file.read_text(encoding="utf-8")
    events = [json.loads(line)["event"] for line in written.splitlines()]
    assert events == ["DeviceFound", "CardRead", "CardError", "DeviceLost", "DeviceLost"]
    read = json.loads(written.splitlines()[1])
    number = samples.RESIDENT.id_number
    assert read["id_masked"] == number[:4] + "*" * 10 + number[-4:]
    assert scrub(person.id_number) in written and scrub(person.phone) in written

    code, out, err = run(capsys, "log")
    assert code == 0, err
    for label in ("设备连接", "读卡成功", "读卡失败", "设备断开"):
        assert label in out
    for value in personal_values():
        assert value not in written, f"{value!r} in the device log"
        assert value not in out + err


def test_scrub_masks_id_numbers_and_phones_only() -> None:
    person = PEOPLE[1]
    text = scrub(f"号码 {person.id_number}，电话 {person.phone}，总线 1 地址 12，0400:C35A")
    assert person.id_number not in text and person.phone not in text
    assert person.id_number[:4] + "*" * 10 + person.id_number[-4:] in text
    assert person.phone[:3] + "****" + person.phone[-4:] in text
    assert text.endswith("总线 1 地址 12，0400:C35A")


def test_test_reader_on_a_configured_reader_is_logged_but_a_sim_run_is_not(
    capsys, log_file
) -> None:
    code, _out, err = run(capsys, "test-reader", "--sim")
    assert code == 0, err
    assert not log_file.exists()
    code, _out, err = run(capsys, "test-reader")
    assert code == 0, err
    events = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in events] == ["DeviceFound", "CardRead"]
    assert (
        events[1]["id_masked"]
        == samples.RESIDENT.id_number[:4] + "*" * 10 + (samples.RESIDENT.id_number[-4:])
    )
    written = log_file.read_text(encoding="utf-8")
    for value in personal_values():
        assert value not in written


def test_test_evaluator_on_an_offline_configured_evaluator_is_logged(
    capsys, log_file, tmp_path, monkeypatch
) -> None:
    station = tmp_path / "station2.toml"
    station.write_text(
        f'[station]\nid = "t1"\n[devices]\nlog_file = "{log_file}"\n'
        f'[devices.com]\nkind = "evaluator"\ntransport = "serial"\nport = "{tmp_path / "ttyX"}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CHUANGKOU_CONFIG", str(station))
    code, _out, err = run(capsys, "test-evaluator")
    assert code == 1 and "未连接" in err
    events = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert [(e["device"], e["event"]) for e in events] == [("com", "DeviceLost")]
    code, out, _err = run(capsys, "log")
    assert code == 0 and "设备断开" in out
