"""Finding the counter's USB devices, for the technician (`chuangkou devices list`).

Linux sysfs is read first: it needs neither libusb nor permission on the device. pyusb is the
fallback elsewhere; when it has no backend or no permission, the scan says so in Chinese
instead of failing. Nothing here opens a device or reads a card.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devices.config import DeviceConfig

SYSFS_USB = Path("/sys/bus/usb/devices")
PROC_INPUT = Path("/proc/bus/input/devices")
INPUT_BY_ID = Path("/dev/input/by-id")

HID_CLASS, HID_PROTOCOL_KEYBOARD = 0x03, 0x01
VENDOR_CLASS = 0xFF
CDC_CLASSES = (0x02, 0x0A)


@dataclass(frozen=True)
class KnownReader:
    label: str
    usable: bool  # can our SAM driver talk to it directly?
    note: str


# idcard-reader.md §5.1. Only IDs seen in public code; unknown models are not guessed.
KNOWN_READERS: Mapping[tuple[int, int], KnownReader] = {
    (0x0400, 0xC35A): KnownReader(
        "精伦/Routon iDR200 等（USBIDR）", True, "USB 批量端点，可直接读取"
    ),
    (0x0316, 0x5020): KnownReader("新中新 Synjones 读卡器", True, "厂商类接口，可直接读取"),
    (0x2B46, 0xBB01): KnownReader("升腾 Centerm T5 终端读卡模块", True, "HID 接口收发 SAM 帧"),
    (0x0425, 0x8159): KnownReader(
        "精伦/Routon iDR210（HIDIDR）", False, "HID 报文格式未公开，需厂商 SDK"
    ),
    (0x0483, 0xDF11): KnownReader("精伦/Routon 固件升级模式（DFU）", False, "升级模式，不能读卡"),
    (0x0483, 0x5652): KnownReader("未知厂商读卡器（仅见于一个应用）", False, "未经验证"),
}
# USB-serial bridge chips (general knowledge): serial readers and serial 评价器 sit behind them.
USB_SERIAL_BRIDGES: Mapping[tuple[int, int], str] = {
    (0x1A86, 0x7523): "CH340",
    (0x1A86, 0x55D4): "CH9102",
    (0x10C4, 0xEA60): "CP210x",
    (0x0403, 0x6001): "FTDI FT232R",
    (0x0403, 0x6015): "FTDI FT-X",
    (0x067B, 0x2303): "PL2303",
}


@dataclass(frozen=True)
class UsbDevice:
    vid: int
    pid: int
    location: str = ""  # sysfs name (1-1.2) or bus:address
    manufacturer: str = ""
    product: str = ""
    interfaces: tuple[tuple[int, int, int], ...] = ()  # (class, subclass, protocol)

    @property
    def ids(self) -> str:
        return f"{self.vid:04x}:{self.pid:04x}"


@dataclass(frozen=True)
class Finding:
    category: str  # reader | keypad | serial
    device: UsbDevice
    label: str
    note: str = ""


@dataclass(frozen=True)
class UsbScan:
    devices: tuple[UsbDevice, ...] = ()
    notes: tuple[str, ...] = ()  # Chinese remarks: no libusb, no permission, no sysfs …
    complete: bool = True  # False when the bus could not be enumerated at all


@dataclass(frozen=True)
class InputKeyboard:
    name: str
    vid: int
    pid: int
    event: str = ""  # /dev/input/eventN
    by_id: tuple[str, ...] = field(default=())  # stable /dev/input/by-id links


# -- enumeration -----------------------------------------------------------------------------
def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _hex(text: str) -> int | None:
    try:
        return int(text, 16)
    except ValueError:
        return None


def scan_sysfs(root: Path = SYSFS_USB) -> list[UsbDevice] | None:
    """USB devices from sysfs; None when there is no sysfs (not Linux, or a container)."""
    if not root.is_dir():
        return None
    found = []
    for entry in sorted(root.iterdir()):
        vid, pid = _hex(_read(entry / "idVendor")), _hex(_read(entry / "idProduct"))
        if vid is None or pid is None:
            continue  # an interface directory (1-1:1.0) or a root hub's odd entry
        interfaces = []
        for intf in sorted(entry.glob(f"{entry.name}:*")):
            codes = [_hex(_read(intf / f)) for f in ("bInterfaceClass", "bInterfaceSubClass",
                                                     "bInterfaceProtocol")]  # fmt: skip
            if all(c is not None for c in codes):
                interfaces.append(tuple(codes))
        found.append(
            UsbDevice(
                vid,
                pid,
                entry.name,
                _read(entry / "manufacturer"),
                _read(entry / "product"),
                tuple(interfaces),  # type: ignore[arg-type]
            )
        )
    return found


def scan_pyusb(find: Callable[..., Iterable[Any]] | None = None) -> UsbScan:
    """USB devices through pyusb. No backend, no pyusb or no permission → notes, not errors."""
    notes: list[str] = []
    if find is None:
        try:
            import usb.core
        except ImportError:
            return UsbScan((), ("未安装 pyusb，无法枚举 USB 设备",), complete=False)
        find = usb.core.find
    try:
        raw = list(find(find_all=True))
    except Exception as exc:
        if type(exc).__name__ == "NoBackendError":
            note = "pyusb 未找到 libusb 后端（请安装 libusb-1.0），无法枚举 USB 设备"
        elif isinstance(exc, PermissionError) or getattr(exc, "errno", None) == 13:
            note = "没有权限枚举 USB 设备（请安装 udev 规则或加入 chuangkou 组）"
        else:
            note = f"枚举 USB 设备失败（{type(exc).__name__}）"
        return UsbScan((), (note,), complete=False)
    devices = []
    unnamed = False
    for dev in raw:
        interfaces: list[tuple[int, int, int]] = []
        try:
            for cfg in dev:
                for intf in cfg:
                    interfaces.append(
                        (intf.bInterfaceClass, intf.bInterfaceSubClass, intf.bInterfaceProtocol)
                    )
        except Exception:
            unnamed = True
        manufacturer, product = _pyusb_strings(dev)
        unnamed = unnamed or not product
        devices.append(
            UsbDevice(
                int(dev.idVendor),
                int(dev.idProduct),
                f"{getattr(dev, 'bus', '?')}:{getattr(dev, 'address', '?')}",
                manufacturer,
                product,
                tuple(interfaces),
            )
        )
    if unnamed:
        notes.append("部分设备的名称或接口无法读取（可能没有权限），仅按 VID:PID 识别")
    return UsbScan(tuple(devices), tuple(notes))


def _pyusb_strings(dev: Any) -> tuple[str, str]:
    out = []
    for attr in ("manufacturer", "product"):
        try:
            out.append(str(getattr(dev, attr) or ""))
        except Exception:  # ValueError/USBError when the device may not be opened
            out.append("")
    return out[0], out[1]


def pyusb_backend_note() -> str | None:
    """A Chinese remark when the reader's USB path (pyusb + libusb) would not work."""
    try:
        import usb.backend.libusb1 as libusb1
    except ImportError:
        return "未安装 pyusb：USB 读卡器不可用"
    try:
        backend = libusb1.get_backend()
    except Exception:
        backend = None
    if backend is None:
        return "pyusb 未找到 libusb 后端（请安装 libusb-1.0）：USB 读卡器不可用"
    return None


def scan_usb(sysfs_root: Path = SYSFS_USB, pyusb_find: Callable[..., Any] | None = None) -> UsbScan:
    from_sysfs = scan_sysfs(sysfs_root)
    if from_sysfs is not None:
        return UsbScan(tuple(from_sysfs))
    result = scan_pyusb(pyusb_find)
    return UsbScan(
        result.devices, ("未找到 sysfs，改用 pyusb 枚举", *result.notes), result.complete
    )


def classify(dev: UsbDevice) -> Finding | None:
    """Readers by known VID:PID, keypads by the HID keyboard interface, serial bridges."""
    known = KNOWN_READERS.get((dev.vid, dev.pid))
    if known is not None:
        return Finding("reader", dev, known.label, known.note)
    bridge = USB_SERIAL_BRIDGES.get((dev.vid, dev.pid))
    if bridge is not None or any(i[0] in CDC_CLASSES for i in dev.interfaces):
        chip = bridge or "CDC"
        return Finding("serial", dev, f"USB 串口（{chip}）", "可能是串口读卡器或串口评价器")
    if any(i[0] == HID_CLASS and i[2] == HID_PROTOCOL_KEYBOARD for i in dev.interfaces):
        return Finding("keypad", dev, "HID 键盘/小键盘", "可作评价器；也可能是工作人员的键盘")
    return None


def list_input_keyboards(
    proc_path: Path = PROC_INPUT, by_id_dir: Path = INPUT_BY_ID
) -> list[InputKeyboard]:
    """Keyboards the kernel exposes as input devices (for the evdev 评价器's `path`)."""
    text = _read(proc_path)
    links: dict[str, list[str]] = {}
    if by_id_dir.is_dir():
        for link in sorted(by_id_dir.iterdir()):
            links.setdefault(os.path.basename(os.path.realpath(link)), []).append(str(link))
    keyboards = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if len(line) > 3 and line[1] == ":":
                fields[line[0]] = fields.get(line[0], "") + " " + line[3:].strip()
        info = dict(p.split("=", 1) for p in fields.get("I", "").split() if "=" in p)
        handlers = fields.get("H", "").replace("Handlers=", "").split()
        if "kbd" not in handlers:
            continue
        event = next((h for h in handlers if h.startswith("event")), "")
        name = fields.get("N", "").strip().removeprefix("Name=").strip('"')
        keyboards.append(
            InputKeyboard(
                name,
                _hex(info.get("Vendor", "")) or 0,
                _hex(info.get("Product", "")) or 0,
                f"/dev/input/{event}" if event else "",
                tuple(links.get(event, ())),
            )
        )
    return keyboards


# -- presence of configured devices (no running manager needed) -------------------------------
STATE_UNKNOWN = "未知"


def presence(
    cfg: DeviceConfig,
    scan: UsbScan,
    keyboards: list[InputKeyboard],
    env: Mapping[str, str] | None = None,
    exists: Callable[[str], bool] = os.path.exists,
) -> tuple[str, str]:
    """(state, remark) for a configured device from what is plugged in now."""
    from devices.manager import STATE_OFFLINE, STATE_ONLINE, STATE_SIMULATED

    env = os.environ if env is None else env
    opts = cfg.options
    ids = {(d.vid, d.pid) for d in scan.devices}
    if cfg.transport == "sim":
        return STATE_SIMULATED, "模拟设备"
    if cfg.transport == "serial" or ("path" in opts and cfg.transport == "evdev"):
        path = opts.get("port") or opts.get("path")
        if exists(path):
            return STATE_ONLINE, f"{path} 存在"
        return STATE_OFFLINE, f"{path} 不存在"
    if cfg.transport == "pynput":
        if env.get("DISPLAY"):
            return STATE_UNKNOWN, "依赖 X 会话（无法区分键盘）"
        return STATE_OFFLINE, "没有 X 会话（DISPLAY 未设置）"
    if cfg.transport == "plugin":
        from devices.evaluator.factory import plugin_names

        name = opts["plugin"]
        installed = name in plugin_names()
        return STATE_UNKNOWN, f"插件 {name} {'已安装' if installed else '未安装'}"
    wanted = None
    if "vid" in opts and "pid" in opts:
        wanted = {(opts["vid"], opts["pid"])}
    elif cfg.transport == "usb":
        wanted = {k for k, v in KNOWN_READERS.items() if v.usable}
    if cfg.transport == "evdev":
        matches = [
            k
            for k in keyboards
            if (opts.get("vid") in (None, k.vid))
            and (opts.get("pid") in (None, k.pid))
            and (opts.get("device_name") in (None, k.name))
        ]
        if matches:
            return STATE_ONLINE, matches[0].event or matches[0].name
    if wanted and ids & wanted:
        found = sorted(ids & wanted)[0]
        return STATE_ONLINE, f"{found[0]:04x}:{found[1]:04x} 已连接"
    if not scan.complete:
        return STATE_UNKNOWN, "无法枚举 USB 设备"
    return STATE_OFFLINE, "未找到设备"
