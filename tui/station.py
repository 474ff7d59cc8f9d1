"""The station file (工位配置): which counter this is, and its devices.

Found at $CHUANGKOU_CONFIG, else /etc/chuangkou/station.toml, else the user config directory
(platformdirs: ~/.config/chuangkou/station.toml on Linux). No file → defaults with simulated
devices. Example:

    [station]
    id = "xz-bmfw-03"                   # this terminal, in audit entries
    window = "民政"                      # the counter's window
    register = "postgresql://chuangkou@10.0.0.2/register"   # omit: local SQLite
    theme = "console"

    [keymap]                            # action id → key, overriding the defaults
    "inquiry" = "f2"

    [devices.reader]
    kind = "reader"
    transport = "usb"

    [devices.evaluator]
    kind = "evaluator"
    transport = "evdev"
    path = "/dev/input/by-id/usb-XXXX-event-kbd"
    vendor = "a"

    [printer]                           # omit: no printer (notices are previewed and stored)
    queue = "counter3"                  # the CUPS queue notices are streamed to (lp -d)
    copies = 1                          # optional, 1–9

Unknown keys and bad values stop with a Chinese message naming the key. The [devices]
part is validated by devices.config.
"""

from __future__ import annotations

import os
import re
import socket
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from devices.config import (
    ConfigError,
    DevicesConfig,
    default_devices_config,
    parse_devices_config,
)
from tui.textfiles import TextFileError, read_text_file

ENV_VAR = "CHUANGKOU_CONFIG"
SYSTEM_PATH = Path("/etc/chuangkou/station.toml")
FILE_NAME = "station.toml"
DEFAULT_SOURCE = "（默认配置）"
DEFAULT_THEME = "default"

_STATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_THEME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_URL_SCHEMES = ("sqlite://", "postgresql://", "postgres://")
# A CUPS queue name: printable, no space, '/', '#' or '\\', not starting with '-' (an option).
_QUEUE = re.compile(r"[^\s/#\\\-][^\s/#\\]{0,126}")
MAX_COPIES = 9


@dataclass(frozen=True)
class PrinterConfig:
    """[printer]: the CUPS queue this counter's notices go to."""

    queue: str
    copies: int = 1


@dataclass(frozen=True)
class StationConfig:
    station_id: str
    window: str = ""
    register_url: str | None = None  # None: the store's default local SQLite
    theme: str = DEFAULT_THEME
    keymap: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    devices: DevicesConfig = field(default_factory=default_devices_config)
    printer: PrinterConfig | None = None  # None: no printer configured (未配置打印机)
    path: Path | None = None  # the file read, None for defaults

    @property
    def source(self) -> str:
        return str(self.path) if self.path else DEFAULT_SOURCE


def default_station() -> StationConfig:
    return StationConfig(station_id=_default_station_id())


def _default_station_id() -> str:
    host = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname())[:64].strip("-.")
    return host or "counter"


def candidate_paths(env: Mapping[str, str] | None = None) -> list[Path]:
    """Where the station file is looked for, in order."""
    from platformdirs import user_config_dir

    env = os.environ if env is None else env
    paths = []
    if env.get(ENV_VAR):
        paths.append(Path(env[ENV_VAR]))
    paths += [SYSTEM_PATH, Path(user_config_dir("chuangkou")) / FILE_NAME]
    return paths


def find_station_file(
    env: Mapping[str, str] | None = None, paths: Sequence[Path] | None = None
) -> Path | None:
    """$CHUANGKOU_CONFIG if set, else the first of `paths` (default: the standard places)."""
    env = os.environ if env is None else env
    if env.get(ENV_VAR):
        explicit = Path(env[ENV_VAR])
        if not explicit.is_file():
            # an explicit setting that points nowhere is a mistake, not "use the defaults"
            raise ConfigError(f"配置文件 {explicit}：文件不存在（由环境变量 {ENV_VAR} 指定）")
        return explicit
    for path in paths if paths is not None else candidate_paths(env):
        if path.is_file():
            return path
    return None


#: A station file is a few dozen lines.
STATION_FILE_LIMIT = 256 << 10


def load_station(
    path: Path | str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    paths: Sequence[Path] | None = None,
) -> StationConfig:
    """Read the station file (`path`, or the first one found); defaults if none exists."""
    file = Path(path) if path is not None else find_station_file(env, paths)
    if file is None:
        return default_station()
    try:
        data = tomllib.loads(read_text_file(file, limit=STATION_FILE_LIMIT, what="配置文件"))
    except TextFileError as exc:
        raise ConfigError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+)", str(exc))
        at = f"第 {where.group(1)} 行" if where else "某处"
        raise ConfigError(f"配置文件 {file}：TOML 格式错误（{at}）") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise ConfigError(f"配置文件 {file}：嵌套层数过多") from None
    return parse_station(data, file)


def parse_station(data: Mapping[str, Any], path: Path | None = None) -> StationConfig:
    source = str(path) if path else DEFAULT_SOURCE
    for key in data:
        if key not in ("station", "keymap", "devices", "printer"):
            raise ConfigError(f"配置文件 {source}：未知的键 {key}")
    station = _table(data, "station", source)
    values: dict[str, Any] = {}
    for key, value in station.items():
        dotted = f"station.{key}"
        if key == "id":
            values["station_id"] = _match(
                value, _STATION_ID, dotted, source, "字母数字开头的工位编号"
            )
        elif key == "window":
            values["window"] = _text(value, dotted, source)
        elif key == "register":
            url = _text(value, dotted, source)
            if not url.startswith(_URL_SCHEMES):
                # the URL may carry a password: never echo it
                raise _bad(source, dotted, "…", "sqlite:// 或 postgresql:// 开头的地址")
            values["register_url"] = url
        elif key == "theme":
            values["theme"] = _match(value, _THEME, dotted, source, "主题名（小写字母开头）")
        else:
            raise ConfigError(f"配置文件 {source}：未知的键 {dotted}")
    values.setdefault("station_id", _default_station_id())
    keymap = _keymap(_table(data, "keymap", source), source)
    devices = (
        parse_devices_config(_table(data, "devices", source), source)
        if "devices" in data
        else default_devices_config()
    )
    printer = _printer(_table(data, "printer", source), source) if "printer" in data else None
    return StationConfig(keymap=keymap, devices=devices, printer=printer, path=path, **values)


def _printer(table: Mapping[str, Any], source: str) -> PrinterConfig:
    for key in table:
        if key not in ("queue", "copies"):
            raise ConfigError(f"配置文件 {source}：未知的键 printer.{key}")
    if "queue" not in table:
        raise ConfigError(f"配置文件 {source}：[printer] 缺少键 printer.queue（CUPS 打印队列名）")
    queue = table["queue"]
    if not isinstance(queue, str) or not queue.isprintable() or not _QUEUE.fullmatch(queue):
        raise _bad(source, "printer.queue", queue, "CUPS 打印队列名（不含空格、/、#，不以 - 开头）")
    copies = table.get("copies", 1)
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise _bad(source, "printer.copies", copies, f"1 至 {MAX_COPIES} 的整数")
    return PrinterConfig(queue=queue, copies=copies)


def _table(data: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise _bad(source, key, value, "一个表（[" + key + "]）")
    return value


def _keymap(table: Mapping[str, Any], source: str, prefix: str = "") -> Mapping[str, str]:
    """action id → key. Unquoted dotted ids (inquiry.new = "f2") arrive nested: flatten them."""
    out: dict[str, str] = {}
    for key, value in table.items():
        action = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_keymap(value, source, f"{action}."))
        elif isinstance(value, str) and value.strip():
            out[action] = value.strip()
        else:
            raise _bad(source, f"keymap.{action}", value, '按键名（如 "f2"、"ctrl+n"）')
    return MappingProxyType(out) if not prefix else out


def _text(value: Any, dotted: str, source: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(source, dotted, value, "非空字符串")
    return value.strip()


def _match(value: Any, pattern: re.Pattern[str], dotted: str, source: str, expected: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _bad(source, dotted, value, expected)
    return value


def _bad(source: str, dotted: str, value: Any, expected: str) -> ConfigError:
    return ConfigError(f"配置文件 {source}：键 {dotted} 的值 {value!r} 无效，应为{expected}")
