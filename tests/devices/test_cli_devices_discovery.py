"""USB and input discovery for `chuangkou devices list`, against fake sysfs/proc trees."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType, SimpleNamespace

from devices.config import DeviceConfig
from devices.discovery import (
    InputKeyboard,
    UsbDevice,
    UsbScan,
    classify,
    list_input_keyboards,
    presence,
    scan_pyusb,
    scan_sysfs,
    scan_usb,
)


def make_usb(root: Path, name: str, vid: str, pid: str, product: str, intfs=()) -> None:
    dev = root / name
    dev.mkdir(parents=True)
    (dev / "idVendor").write_text(vid + "\n")
    (dev / "idProduct").write_text(pid + "\n")
    (dev / "product").write_text(product + "\n")
    for n, (cls, sub, proto) in enumerate(intfs):
        intf = dev / f"{name}:1.{n}"  # as in sysfs: interfaces are children of the device
        intf.mkdir()
        for f, v in (("bInterfaceClass", cls), ("bInterfaceSubClass", sub),
                     ("bInterfaceProtocol", proto)):  # fmt: skip
            (intf / f).write_text(v + "\n")


def test_sysfs_scan_and_classification(tmp_path: Path) -> None:
    make_usb(tmp_path, "1-1", "0400", "c35a", "USBIDR", [("ff", "00", "00")])
    make_usb(tmp_path, "1-2", "1a2c", "0e24", "USB Keypad", [("03", "01", "01")])
    make_usb(tmp_path, "1-3", "1a86", "7523", "USB Serial")
    make_usb(tmp_path, "1-4", "0425", "8159", "HIDIDR", [("03", "00", "00")])
    make_usb(tmp_path, "1-5", "046d", "c077", "Mouse", [("03", "01", "02")])
    devices = scan_sysfs(tmp_path)
    assert [d.ids for d in devices] == ["0400:c35a", "1a2c:0e24", "1a86:7523", "0425:8159",
                                        "046d:c077"]  # fmt: skip
    kinds = [(f.category, f.device.ids) if f else None for f in map(classify, devices)]
    assert kinds == [
        ("reader", "0400:c35a"),
        ("keypad", "1a2c:0e24"),
        ("serial", "1a86:7523"),
        ("reader", "0425:8159"),
        None,  # a mouse is neither
    ]
    assert "SDK" in classify(devices[3]).note  # the HID reader cannot be driven directly


def test_no_sysfs_falls_back_to_pyusb_notes(tmp_path: Path) -> None:
    class NoBackendError(Exception):
        pass

    def find(**_):
        raise NoBackendError

    scan = scan_usb(tmp_path / "missing", pyusb_find=find)
    assert not scan.complete and scan.devices == ()
    assert any("libusb" in n for n in scan.notes)


def test_pyusb_without_permission_still_lists_ids() -> None:
    class Locked(SimpleNamespace):
        @property
        def product(self):
            raise ValueError("The device has no langid (permission issue, no string descriptors)")

        manufacturer = product

        def __iter__(self):
            raise PermissionError

    dev = Locked(idVendor=0x0400, idProduct=0xC35A, bus=1, address=4)
    scan = scan_pyusb(lambda **_: [dev])
    assert [d.ids for d in scan.devices] == ["0400:c35a"]
    assert scan.complete and any("权限" in n for n in scan.notes)


def test_pyusb_permission_error_on_enumeration() -> None:
    def find(**_):
        raise PermissionError(13, "Access denied")

    scan = scan_pyusb(find)
    assert not scan.complete and "权限" in scan.notes[0]


PROC = """I: Bus=0003 Vendor=1a2c Product=0e24 Version=0110
N: Name="SEMICO USB Keyboard"
P: Phys=usb-0000:00:14.0-2/input0
H: Handlers=sysrq kbd leds event5
B: EV=120013

I: Bus=0003 Vendor=046d Product=c077 Version=0111
N: Name="Logitech USB Optical Mouse"
H: Handlers=mouse0 event6
B: EV=17
"""


def test_input_keyboards(tmp_path: Path) -> None:
    proc = tmp_path / "devices"
    proc.write_text(PROC)
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    (by_id / "usb-SEMICO_USB_Keyboard-event-kbd").symlink_to(tmp_path / "event5")
    [kb] = list_input_keyboards(proc, by_id)
    assert (kb.name, kb.vid, kb.pid, kb.event) == ("SEMICO USB Keyboard", 0x1A2C, 0x0E24,
                                                   "/dev/input/event5")  # fmt: skip
    assert kb.by_id == (str(by_id / "usb-SEMICO_USB_Keyboard-event-kbd"),)
    assert list_input_keyboards(tmp_path / "none", by_id) == []


def cfg(kind: str, transport: str, **options) -> DeviceConfig:
    return DeviceConfig("d", kind, transport, 0.5, MappingProxyType(options))


def test_presence_of_configured_devices() -> None:
    scan = UsbScan((UsbDevice(0x0400, 0xC35A),))
    kbs = [InputKeyboard("Keypad", 0x1A2C, 0x0E24, "/dev/input/event5")]
    assert presence(cfg("reader", "sim"), scan, kbs)[0] == "模拟"
    assert presence(cfg("reader", "usb"), scan, kbs)[0] == "在线"
    assert presence(cfg("reader", "usb"), UsbScan(()), kbs)[0] == "离线"
    assert presence(cfg("reader", "usb"), UsbScan((), complete=False), kbs)[0] == "未知"
    assert presence(cfg("evaluator", "evdev", vid=0x1A2C, pid=0x0E24), scan, kbs) == (
        "在线",
        "/dev/input/event5",
    )
    assert presence(cfg("evaluator", "evdev", vid=0x1, pid=0x2), scan, kbs)[0] == "离线"
    serial = cfg("evaluator", "serial", port="/dev/ttyUSB7")
    assert presence(serial, scan, kbs, exists=lambda p: True)[0] == "在线"
    assert presence(serial, scan, kbs, exists=lambda p: False)[0] == "离线"
    assert presence(cfg("evaluator", "pynput"), scan, kbs, env={})[0] == "离线"
    plugin = presence(cfg("evaluator", "plugin", plugin="acme"), scan, kbs)
    assert plugin == ("未知", "插件 acme 未安装")
