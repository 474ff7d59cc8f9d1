"""The `[devices]` part of the station file: validated into frozen dataclasses.

    [devices]
    log_file = "/var/log/chuangkou/devices.jsonl"   # optional

    [devices.reader]
    kind = "reader"            # reader | evaluator
    transport = "usb"          # reader: usb | serial | sim
    vid = 0x0400               # usb: optional, else the known reader ids
    pid = 0xC35A
    layout = "auto"            # usb: auto | single | split (SAM_V pipes 0x02/0x81 + 0x06/0x85)

    [devices.evaluator]
    kind = "evaluator"
    transport = "evdev"        # evaluator: sim | evdev | pynput | serial | plugin
    vid = 0x1a2c
    pid = 0x0e24
    vendor = "a"               # vendor numbering; or an explicit [devices.evaluator.keys]

Every unknown key and bad value is a ConfigError naming the key, in Chinese, e.g.
`配置文件 /etc/chuangkou/station.toml：未知的键 devices.reader.baud`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from devices.errors import DeviceError

KINDS = {"reader": "读卡器", "evaluator": "评价器"}
READER_TRANSPORTS = ("usb", "serial", "sim")
EVALUATOR_TRANSPORTS = ("sim", "evdev", "pynput", "serial", "plugin")
DEFAULT_POLL = {"reader": 0.5, "evaluator": 0.05}
USB_LAYOUTS = ("auto", "single", "split")  # transports.usb.LAYOUTS (not imported: pyusb)
SERIAL_BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
DEFAULT_LOG_KEEP = 200
DEFAULT_LOG_MAX_BYTES = 256 * 1024


class ConfigError(DeviceError):
    """A station file problem; the message names the file and the key."""


@dataclass(frozen=True)
class DeviceConfig:
    name: str
    kind: str  # "reader" | "evaluator"
    transport: str
    poll_interval: float
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    description: str = ""

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def simulated(self) -> bool:
        return self.transport == "sim"


@dataclass(frozen=True)
class DevicesConfig:
    devices: tuple[DeviceConfig, ...] = ()
    log_file: str | None = None
    log_keep: int = DEFAULT_LOG_KEEP
    log_max_bytes: int = DEFAULT_LOG_MAX_BYTES

    def of_kind(self, kind: str) -> tuple[DeviceConfig, ...]:
        return tuple(d for d in self.devices if d.kind == kind)

    def get(self, name: str) -> DeviceConfig | None:
        return next((d for d in self.devices if d.name == name), None)


def default_devices_config() -> DevicesConfig:
    """No station file: a simulated reader and a simulated 评价器."""
    return DevicesConfig(
        devices=(
            DeviceConfig("reader", "reader", "sim", DEFAULT_POLL["reader"]),
            DeviceConfig("evaluator", "evaluator", "sim", DEFAULT_POLL["evaluator"]),
        )
    )


# -- value checkers: each returns the clean value or raises ValueError(expected) ------------
Checker = Callable[[Any], Any]


def _str(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("非空字符串")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("true 或 false")
    return value


def _int_in(lo: int, hi: int) -> Checker:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"{lo}–{hi} 之间的整数")
        return value

    return check


def _float_in(lo: float, hi: float) -> Checker:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise ValueError(f"{lo}–{hi} 之间的数（秒）")
        return float(value)

    return check


def _choice(options: tuple[Any, ...]) -> Checker:
    def check(value: Any) -> Any:
        if value not in options:
            raise ValueError("、".join(str(o) for o in options) + " 之一")
        return value

    return check


def _usb_id(value: Any) -> int:
    """0x0400, 1024 or "0400" (hex, as lsusb prints it)."""
    if isinstance(value, str) and re.fullmatch(r"(0x)?[0-9a-fA-F]{1,4}", value.strip()):
        return int(value.strip().lower().removeprefix("0x"), 16)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFF:
        return value
    raise ValueError('USB 编号（0x0000–0xFFFF，如 0x0400 或 "c35a"）')


def _hex_bytes(*, placeholders: bool = False) -> Checker:
    def check(value: Any) -> str:
        from devices.evaluator.serial_protocol import parse_hex

        if not isinstance(value, str):
            raise ValueError('十六进制字节串（如 "02 41 03"）')
        try:
            parse_hex(value, allow_placeholders=placeholders)
        except ValueError:
            hint = "，可含 {number}" if placeholders else ""
            raise ValueError(f'十六进制字节串（如 "02 41 03"{hint}）') from None
        return value

    return check


def _sample(value: Any) -> str:
    """An invented card of devices.idcard.samples for the simulated reader."""
    from devices.idcard.samples import ALL

    if value not in ALL:
        raise ValueError("、".join(ALL) + " 之一")
    return value


def _vendor(value: Any) -> str:
    from devices.evaluator.levels import vendors

    known = tuple(vendors())
    if value not in known:
        raise ValueError("、".join(known) + " 之一")
    return value


def _rating_value(value: Any) -> int:
    from devices.evaluator.levels import choice_for_value

    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("评价等级 1–5 或评价原因代码")
    try:
        choice_for_value(value)
    except ValueError:
        raise ValueError("评价等级 1–5 或已知的评价原因代码") from None
    return value


_EVDEV_KEY = re.compile(r"KEY_[A-Z0-9_]+|\d{1,3}")


def _evdev_key(key: str) -> None:
    if not _EVDEV_KEY.fullmatch(key.upper()):
        raise ValueError("键名（如 KEY_KP1）或键码")


def _reply_byte(key: str) -> None:
    try:
        value = int(key, 0)
    except ValueError:
        raise ValueError("应答字节（如 0x31）") from None
    if not 0 <= value <= 255:
        raise ValueError("应答字节 0x00–0xFF")


# -- schemas: key → checker; a key in REQUIRED must be present ------------------------------
_COMMON: dict[str, Checker] = {
    "kind": _choice(tuple(KINDS)),
    "transport": _str,
    "poll_interval": _float_in(0.01, 60.0),
    "description": _str,
}
_SCHEMAS: dict[tuple[str, str], dict[str, Checker]] = {
    ("reader", "usb"): {"vid": _usb_id, "pid": _usb_id, "layout": _choice(USB_LAYOUTS)},
    ("reader", "serial"): {"port": _str, "baudrate": _choice(SERIAL_BAUDRATES)},
    ("reader", "sim"): {"sample": _sample},
    ("evaluator", "sim"): {"vendor": _vendor},
    ("evaluator", "evdev"): {
        "path": _str,
        "vid": _usb_id,
        "pid": _usb_id,
        "device_name": _str,
        "vendor": _vendor,
    },
    ("evaluator", "pynput"): {"vendor": _vendor},
    ("evaluator", "serial"): {
        "port": _str,
        "baudrate": _choice(SERIAL_BAUDRATES),
        "vendor": _vendor,
        "arm": _hex_bytes(placeholders=True),
        "cancel": _hex_bytes(),
        "reply_prefix": _hex_bytes(),
    },
    ("evaluator", "plugin"): {"plugin": _str},
}
_READER_EXTRA: dict[str, Checker] = {"retries": _int_in(0, 10), "read_address": _bool}
_REQUIRED = {("reader", "serial"): ("port",), ("evaluator", "serial"): ("port",),
             ("evaluator", "plugin"): ("plugin",)}  # fmt: skip
# Sub-tables a device may have: name → key check (or None: free-form, for plugins).
_TABLES: dict[tuple[str, str], dict[str, Callable[[str], None] | None]] = {
    ("evaluator", "sim"): {"keys": lambda k: None},
    ("evaluator", "evdev"): {"keys": _evdev_key},
    ("evaluator", "pynput"): {"keys": lambda k: None},
    ("evaluator", "serial"): {"replies": _reply_byte},
    ("evaluator", "plugin"): {"options": None},
}
_SETTINGS: dict[str, Checker] = {
    "log_file": _str,
    "log_keep": _int_in(10, 100_000),
    "log_max_bytes": _int_in(4096, 100 * 1024 * 1024),
}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")


class _Errors:
    def __init__(self, source: str) -> None:
        self.source = source

    def unknown(self, key: str) -> ConfigError:
        return ConfigError(f"配置文件 {self.source}：未知的键 {key}")

    def bad(self, key: str, value: Any, expected: str) -> ConfigError:
        return ConfigError(f"配置文件 {self.source}：键 {key} 的值 {value!r} 无效，应为{expected}")

    def bad_key(self, key: str, expected: str) -> ConfigError:
        return ConfigError(f"配置文件 {self.source}：键名 {key} 无效，应为{expected}")

    def missing(self, key: str) -> ConfigError:
        return ConfigError(f"配置文件 {self.source}：缺少键 {key}")


def parse_devices_config(table: Mapping[str, Any], source: str = "（内置）") -> DevicesConfig:
    """Validate the [devices] table of a station file."""
    err = _Errors(source)
    settings: dict[str, Any] = {}
    devices: list[DeviceConfig] = []
    for key, value in table.items():
        dotted = f"devices.{key}"
        if isinstance(value, Mapping):
            if not _NAME.fullmatch(key):
                raise err.bad_key(dotted, "设备名（字母开头，字母数字 _ -，至多 32 个字符）")
            devices.append(_parse_device(key, value, err))
        elif key in _SETTINGS:
            settings[key] = _check(_SETTINGS[key], dotted, value, err)
        else:
            raise err.unknown(dotted)
    return DevicesConfig(devices=tuple(devices), **settings)


def _check(checker: Checker, dotted: str, value: Any, err: _Errors) -> Any:
    try:
        return checker(value)
    except ValueError as exc:
        raise err.bad(dotted, value, str(exc)) from None


def _parse_device(name: str, table: Mapping[str, Any], err: _Errors) -> DeviceConfig:
    prefix = f"devices.{name}"
    if "kind" not in table:
        raise err.missing(f"{prefix}.kind")
    kind = _check(_COMMON["kind"], f"{prefix}.kind", table["kind"], err)
    if "transport" not in table:
        raise err.missing(f"{prefix}.transport")
    transports = READER_TRANSPORTS if kind == "reader" else EVALUATOR_TRANSPORTS
    transport = _check(_choice(transports), f"{prefix}.transport", table.get("transport"), err)
    schema = dict(_COMMON) | _SCHEMAS[(kind, transport)]
    if kind == "reader":
        schema |= _READER_EXTRA
    tables = _TABLES.get((kind, transport), {})
    options: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}"
        if key in tables:
            options[key] = _parse_subtable(dotted, value, tables[key], err)
        elif key in schema:
            if isinstance(value, Mapping):
                raise err.bad(dotted, "{…}", "单个值，而不是表")
            options[key] = _check(schema[key], dotted, value, err)
        else:
            raise err.unknown(dotted)
    for key in _REQUIRED.get((kind, transport), ()):
        if key not in options:
            raise err.missing(f"{prefix}.{key}")
    options.pop("kind")
    options.pop("transport")
    poll = options.pop("poll_interval", DEFAULT_POLL[kind])
    description = options.pop("description", "")
    return DeviceConfig(name, kind, transport, poll, MappingProxyType(options), description)


def _parse_subtable(
    dotted: str,
    value: Any,
    key_check: Callable[[str], None] | None,
    err: _Errors,
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise err.bad(dotted, value, "一个表")
    if key_check is None:  # a plugin's own options: passed on unchecked
        return MappingProxyType(dict(value))
    clean: dict[str, int] = {}
    for key, item in value.items():
        try:
            key_check(key)
        except ValueError as exc:
            raise err.bad_key(f"{dotted}.{key}", str(exc)) from None
        clean[key] = _check(_rating_value, f"{dotted}.{key}", item, err)
    if not clean:
        raise err.bad(dotted, {}, "至少一个键")
    return MappingProxyType(clean)
