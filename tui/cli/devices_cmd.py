"""`chuangkou devices …`: the technician's device tools, over SSH, without an X server.

list, test-reader, test-evaluator, udev-rules, log. Nothing printed here shows a citizen's
personal data in clear: a test read shows the card type and masked name and number only.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tui.cli.base import CliError

DEFAULT_GROUP = "chuangkou"
RATING_KEYS = ("1", "2", "3", "4", "5")
# `devices log`: a missing, an empty and a damaged file each have their own exit code.
EXIT_LOG_MISSING, EXIT_LOG_EMPTY, EXIT_LOG_DAMAGED = 3, 4, 5

_EVENT_LABELS = {
    "CardRead": "读卡成功",
    "CardError": "读卡失败",
    "RatingGiven": "收到评价",
    "RatingTimeout": "评价超时",
    "RatingCancelled": "评价取消",
    "DeviceLost": "设备断开",
    "DeviceFound": "设备连接",
    "Armed": "请评价",
}
_CATEGORY_LABELS = {"reader": "读卡器", "keypad": "小键盘", "serial": "串口"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "devices",
        help="查看和测试读卡器、评价器（技术员用）",
        description="查看、测试和配置本窗口的身份证读卡器和评价器。可通过 SSH 使用，无需图形界面；"
        "不会显示任何个人信息原文。",
    )
    parser.set_defaults(handler=lambda args: _print_help(parser))
    sub = parser.add_subparsers(dest="devices_command", metavar="子命令", title="子命令")

    p = sub.add_parser("list", help="列出 USB 读卡器、小键盘和已配置的设备及其状态")
    _config_option(p)
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser(
        "test-reader", help="测试读卡：寻卡、选卡、读卡，显示用时和证件类型（已脱敏）"
    )
    _config_option(p)
    p.add_argument("--sim", action="store_true", help="使用模拟读卡器（不需要硬件）")
    p.add_argument("--sample", metavar="样例", help="模拟读卡器上放的样例证件（默认 resident）")
    p.add_argument("--device", metavar="名称", help="配置文件中的读卡器名称（默认第一个）")
    p.add_argument("--read-address", action="store_true", help="同时读取追加住址（不显示内容）")
    p.set_defaults(handler=cmd_test_reader)

    p = sub.add_parser("test-evaluator", help="测试评价器：启动评价并显示按下的等级")
    _config_option(p)
    p.add_argument("--sim", action="store_true", help="使用模拟评价器（不需要硬件）")
    p.add_argument(
        "--key",
        metavar="键",
        type=_rating_key,
        help="模拟评价器启动后自动按下的键：1–5（1 非常满意 … 5 非常不满意）",
    )
    p.add_argument("--device", metavar="名称", help="配置文件中的评价器名称（默认第一个）")
    p.add_argument(
        "--timeout", metavar="秒", type=float, default=10.0, help="等待按键的时间（默认 10 秒）"
    )
    p.set_defaults(handler=cmd_test_evaluator)

    p = sub.add_parser("udev-rules", help="输出 udev 规则，使窗口用户组可访问读卡器和评价器")
    _config_option(p)
    p.add_argument(
        "--group",
        default=DEFAULT_GROUP,
        metavar="用户组",
        help=f"获得访问权限的用户组（默认 {DEFAULT_GROUP}）",
    )
    p.set_defaults(handler=cmd_udev_rules)

    p = sub.add_parser(
        "log",
        help="显示最近的设备事件（不含个人信息）",
        epilog=f"退出码：0 正常；{EXIT_LOG_MISSING} 日志文件不存在；{EXIT_LOG_EMPTY} 日志为空；"
        f"{EXIT_LOG_DAMAGED} 日志有损坏的行（其余照常显示）。",
    )
    _config_option(p)
    p.add_argument(
        "-n", "--limit", type=int, default=50, metavar="条数", help="显示条数（默认 50）"
    )
    p.add_argument("--file", metavar="文件", help="设备日志文件（默认按配置）")
    p.set_defaults(handler=cmd_log)


def _rating_key(text: str) -> str:
    """--key: checked while parsing, so a wrong key is refused before any device opens."""
    if text.strip() not in RATING_KEYS:
        raise argparse.ArgumentTypeError("评价键应为 1–5 之一")
    return text.strip()


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="文件",
        help="工位配置文件（默认：$CHUANGKOU_CONFIG、/etc/chuangkou/station.toml、用户配置目录）",
    )


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _station(args: argparse.Namespace) -> Any:
    from tui.station import load_station

    return load_station(getattr(args, "config", None))


# -- list ------------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    from devices.discovery import (
        classify,
        list_input_keyboards,
        presence,
        pyusb_backend_note,
        scan_usb,
    )

    station = _station(args)
    scan = scan_usb()
    keyboards = list_input_keyboards()

    print("USB 设备（读卡器、小键盘、USB 串口）：")
    findings = [f for f in (classify(d) for d in scan.devices) if f is not None]
    if not findings:
        print("  （未发现）" if scan.complete else "  （无法枚举）")
    for f in findings:
        product = f" [{f.device.product}]" if f.device.product else ""
        print(
            f"  {_CATEGORY_LABELS[f.category]:<4} {f.device.ids}  {f.label}{product}"
            + (f" — {f.note}" if f.note else "")
        )
    notes = list(scan.notes)
    backend = pyusb_backend_note()
    if backend and not any("libusb" in n for n in notes):
        notes.append(backend)
    for note in notes:
        print(f"  注意：{note}")

    if keyboards:
        print("输入设备（键盘，可作 evdev 评价器）：")
        for kb in keyboards:
            where = kb.by_id[0] if kb.by_id else kb.event
            print(f"  {kb.vid:04x}:{kb.pid:04x}  {kb.name}  {where}")

    print(f"已配置的设备，来自 {station.source}：")
    if not station.devices.devices:
        print("  （无）")
    for cfg in station.devices.devices:
        state, remark = presence(cfg, scan, keyboards)
        print(f"  {cfg.name:<12} {cfg.kind_label}  {cfg.transport:<7} {state}  {remark}")
    return 0


# -- test-reader -----------------------------------------------------------------------------
def _pick(station: Any, kind: str, name: str | None) -> Any:
    if name:
        cfg = station.devices.get(name)
        if cfg is None or cfg.kind != kind:
            raise CliError(f"配置文件 {station.source} 中没有名为 {name} 的{_kind_label(kind)}")
        return cfg
    found = station.devices.of_kind(kind)
    if not found:
        raise CliError(f"配置文件 {station.source} 中没有配置{_kind_label(kind)}；可用 --sim 测试")
    return found[0]


def _kind_label(kind: str) -> str:
    from devices.config import KINDS

    return KINDS[kind]


def _device_log(station: Any) -> Callable[[Any], None]:
    """Record a test of a configured device in the device log, as the counter does while
    it runs (connect, read, fault; personal data stripped by manager.log_entry)."""
    from devices.devlog import default_log_path
    from devices.manager import DeviceLog, log_entry

    cfg = station.devices
    path = Path(cfg.log_file) if cfg.log_file else default_log_path()
    log = DeviceLog(path, keep=cfg.log_keep, max_bytes=cfg.log_max_bytes)
    return lambda event: log.append(log_entry(event, time.time()))


def _no_log(event: Any) -> None:
    """--sim runs are rehearsals without hardware: they stay out of the device log."""


def cmd_test_reader(args: argparse.Namespace) -> int:
    from types import MappingProxyType

    from devices.config import DeviceConfig
    from devices.errors import DeviceError
    from devices.events import CardError, CardRead, DeviceFound, DeviceLost
    from devices.manager import reader_transport_options

    record = _no_log
    if args.sim:
        options = {"sample": args.sample} if args.sample else {}
        cfg = DeviceConfig("reader", "reader", "sim", 0.5, MappingProxyType(options))
    else:
        if args.sample:
            raise CliError("--sample 只能与 --sim 一起使用")
        station = _station(args)
        cfg = _pick(station, "reader", args.device)
        record = _device_log(station)
    try:
        from devices.idcard import open_transport, read_card_once
    except ImportError as exc:
        raise CliError("读卡器驱动（devices.idcard）不可用") from exc
    try:
        options = reader_transport_options(cfg)
    except KeyError:
        raise CliError(f"没有名为 {args.sample} 的样例证件") from None
    print(f"读卡器：{cfg.name}（{cfg.transport}）")
    try:
        transport = open_transport(cfg.transport, **options)
    except DeviceError as exc:
        record(DeviceLost(cfg.name, message=str(exc)))
        raise CliError(f"无法连接读卡器：{exc}") from exc
    record(DeviceFound(cfg.name, description=getattr(transport, "description", "")))
    try:
        card, timings = read_card_once(
            transport, read_address=bool(args.read_address or cfg.options.get("read_address"))
        )
    except DeviceError as exc:
        record(CardError(cfg.name, message=f"读卡失败：{exc}", code=getattr(exc, "code", "")))
        raise CliError(f"读卡失败：{exc}") from exc
    else:
        record(CardRead(cfg.name, card=card))
    finally:
        close = getattr(transport, "close", None)
        if close is not None:
            close()
    for line in _card_lines(card):
        print(line)
    for step, seconds in _timings(timings):
        print(f"  {step}：{seconds * 1000:.1f} 毫秒")
    return 0


def _card_lines(card: Any) -> list[str]:
    """Only what a technician needs: the type and masked identity. Never address or photo."""
    from policies.masking import mask_id_number, mask_name

    lines = [f"证件类型：{getattr(card, 'card_type', type(card).__name__)}"]
    name = getattr(card, "name", "")
    if name:
        lines.append(f"姓名：{mask_name(str(name))}（已脱敏）")
    number = getattr(card, "id_number", "")
    if number:
        lines.append(f"证件号码：{mask_id_number(str(number))}（已脱敏）")
    photo = getattr(card, "photo_wlt", b"")
    lines.append(f"照片：{'已读取 ' + str(len(photo)) + ' 字节' if photo else '无'}")
    if getattr(card, "appended_address", None):
        lines.append("追加住址：已读取（不显示）")
    lines.append("用时：")
    return lines


def _timings(timings: Any) -> list[tuple[str, float]]:
    """The read's step timings as (Chinese step, seconds), whatever shape the driver gives."""
    import dataclasses

    if dataclasses.is_dataclass(timings) and not isinstance(timings, type):
        items: Mapping[str, Any] = dataclasses.asdict(timings)
    elif isinstance(timings, Mapping):
        items = timings
    else:
        items = dict(timings or ())
    labels = {"status": "状态检测", "find": "寻卡", "select": "选卡", "read": "读卡",
              "decode": "解码", "address": "读追加住址", "total": "合计"}  # fmt: skip
    out = []
    for key, value in items.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append((labels.get(key.removesuffix("_s").removesuffix("_seconds"), key), value))
    return out


# -- test-evaluator --------------------------------------------------------------------------
def cmd_test_evaluator(args: argparse.Namespace) -> int:
    from types import MappingProxyType

    from devices.config import DeviceConfig
    from devices.errors import DeviceError
    from devices.evaluator import RatingContext, level_label, open_evaluator, reason_text
    from devices.events import (
        DeviceFound,
        DeviceLost,
        RatingCancelled,
        RatingGiven,
        RatingTimeout,
    )

    if args.timeout < 0:
        raise CliError("--timeout 不能为负数")
    record = _no_log
    if args.sim:
        cfg = DeviceConfig("evaluator", "evaluator", "sim", 0.05, MappingProxyType({}))
    else:
        if args.key is not None:
            raise CliError("--key 只能与 --sim 一起使用")
        station = _station(args)
        cfg = _pick(station, "evaluator", args.device)
        record = _device_log(station)
    inject: dict[str, Any] = {}
    if args.key is not None:
        inject["press_on_arm"] = [int(args.key)]
    try:
        evaluator = open_evaluator(cfg, **inject)
    except DeviceError as exc:
        record(DeviceLost(cfg.name, message=str(exc)))
        raise CliError(f"无法使用评价器：{exc}") from exc
    try:
        evaluator.poll()
        if not evaluator.online:
            record(DeviceLost(cfg.name, message=evaluator.last_error or "评价器未连接"))
            reason = f"：{evaluator.last_error}" if evaluator.last_error else ""
            raise CliError(f"评价器 {cfg.name}（{cfg.transport}）未连接{reason}")
        record(DeviceFound(cfg.name, description=evaluator.description))
        print(f"评价器：{cfg.name}（{evaluator.description}）")
        evaluator.arm(RatingContext(clerk_name="技术员测试", clerk_number="0000"), args.timeout)
        print(f"已启动评价（请评价），请在 {args.timeout:g} 秒内按键 …", flush=True)
        while True:
            for event in evaluator.poll():
                record(event)
                if isinstance(event, RatingGiven):
                    reason = ""
                    if event.reason_code is not None:
                        text = reason_text(event.reason_code) or ""
                        reason = f"，原因代码 {event.reason_code} {text}".rstrip()
                    print(f"收到评价：{event.level} {level_label(event.level)}{reason}")
                    return 0
                if isinstance(event, RatingTimeout):
                    raise CliError(f"评价超时：{args.timeout:g} 秒内没有按键")
                if isinstance(event, RatingCancelled):
                    raise CliError("评价已取消")
                if isinstance(event, DeviceLost):
                    raise CliError(f"评价器断开：{event.message}")
            time.sleep(cfg.poll_interval)  # a real device: wait for the applicant's key
    except KeyboardInterrupt:
        evaluator.cancel()
        raise
    finally:
        evaluator.close()


# -- udev-rules ------------------------------------------------------------------------------
def udev_rules(station: Any, group: str = DEFAULT_GROUP) -> str:
    """Rules giving `group` access to the known readers and the configured devices."""
    from devices.discovery import KNOWN_READERS

    mode = f'MODE="0660", GROUP="{group}"'
    lines = [
        "# chuangkou 窗口：读卡器和评价器的设备权限（chuangkou devices udev-rules 生成）",
        "# 安装：sudo cp 本文件 /etc/udev/rules.d/70-chuangkou.rules",
        "#       sudo udevadm control --reload && sudo udevadm trigger",
        "",
        "# 已知型号的身份证读卡器（USB）",
    ]
    for (vid, pid), known in KNOWN_READERS.items():
        lines.append(f"# {known.label}")
        lines.append(
            f'SUBSYSTEM=="usb", ATTR{{idVendor}}=="{vid:04x}", ATTR{{idProduct}}=="{pid:04x}", {mode}'
        )
    configured: list[str] = []
    serial_ports: list[str] = []
    for cfg in station.devices.devices:
        opts = cfg.options
        if cfg.transport in ("usb", "evdev") and "vid" in opts and "pid" in opts:
            vid, pid = opts["vid"], opts["pid"]
            if cfg.transport == "usb" and (vid, pid) in KNOWN_READERS:
                continue
            configured.append(f"# {cfg.name}（{cfg.kind_label}，{cfg.transport}）")
            if cfg.transport == "usb":
                configured.append(
                    f'SUBSYSTEM=="usb", ATTR{{idVendor}}=="{vid:04x}", '
                    f'ATTR{{idProduct}}=="{pid:04x}", {mode}'
                )
            else:
                configured.append(
                    f'SUBSYSTEM=="input", KERNEL=="event*", ATTRS{{idVendor}}=="{vid:04x}", '
                    f'ATTRS{{idProduct}}=="{pid:04x}", {mode}, SYMLINK+="chuangkou-{cfg.name}"'
                )
        elif cfg.transport == "evdev":
            configured.append(
                f"# {cfg.name}（评价器，evdev）：按路径 {opts.get('path', '?')} 配置，无法生成规则；"
                "请在配置中写明 vid 和 pid"
            )
        elif cfg.transport == "serial":
            serial_ports.append(f"{cfg.name}（{opts['port']}）")
    if configured:
        lines += ["", "# 配置文件中的设备", *configured]
    if serial_ports:
        lines += [
            "",
            f"# 串口设备 {'、'.join(serial_ports)}：串口属于 dialout 组，",
            f"# 请执行 sudo usermod -aG dialout {group}（用户名与组名相同时）",
        ]
    return "\n".join(lines) + "\n"


def cmd_udev_rules(args: argparse.Namespace) -> int:
    import re

    if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", args.group):
        raise CliError(f"用户组名无效：{args.group}")
    print(udev_rules(_station(args), args.group), end="")
    return 0


# -- log -------------------------------------------------------------------------------------
def _local_zone() -> Any:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Shanghai")
    except Exception:  # no tz database on the machine: China has no DST
        return timezone(timedelta(hours=8))


def format_log_entry(entry: Mapping[str, Any]) -> str:
    """One line; only whitelisted, already non-personal fields are shown."""
    try:
        when = datetime.fromisoformat(str(entry.get("time"))).astimezone(_local_zone())
        stamp = when.strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        stamp = "????-??-?? ??:??:??"
    kind = str(entry.get("event", ""))
    details: list[str] = []
    if kind == "CardRead":
        details += [str(entry.get("card_type", "")), str(entry.get("id_masked", ""))]
    elif kind == "RatingGiven":
        from devices.evaluator import level_label

        level = entry.get("level")
        details.append(f"{level} {level_label(level)}" if isinstance(level, int) else "?")
        if entry.get("reason_code") is not None:
            details.append(f"原因代码 {entry['reason_code']}")
    elif kind == "Armed":
        details.append(f"{entry.get('timeout', '?')} 秒")
    for key in ("message", "description", "code"):
        if entry.get(key):
            details.append(str(entry[key]))
    from devices.devlog import scrub

    label = _EVENT_LABELS.get(kind, kind)
    device = str(entry.get("device", "?"))
    # scrub: a hand-edited or foreign file must not put an ID number or phone on screen
    return scrub(f"{stamp}  {device:<10} {label}  {' '.join(d for d in details if d)}")


def cmd_log(args: argparse.Namespace) -> int:
    from devices.devlog import DAMAGED, EMPTY, MISSING, default_log_path, read_log

    if args.limit < 1:
        raise CliError("条数至少为 1")
    if args.file:
        path = Path(args.file)
    else:
        station = _station(args)
        path = Path(station.devices.log_file) if station.devices.log_file else default_log_path()
    reading = read_log(path, args.limit)
    if reading.state == MISSING:
        raise CliError(
            f"设备日志文件不存在（{path}）：设备尚未运行过，或日志位置配置不同", EXIT_LOG_MISSING
        )
    if reading.state == EMPTY:
        print(f"设备日志为空（{path}）：尚无设备事件")
        return EXIT_LOG_EMPTY
    for entry in reading.entries:
        print(format_log_entry(entry))
    if reading.state == DAMAGED:
        raise CliError(
            f"设备日志已损坏（{path}）：{reading.damaged_lines} 行无法读取，已跳过",
            EXIT_LOG_DAMAGED,
        )
    return 0
