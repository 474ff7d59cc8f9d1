"""Builds the configured 评价器 driver; vendor drivers come in through an entry point.

A vendor package declares, in its pyproject.toml:

    [project.entry-points."chuangkou.evaluators"]
    acme = "acme_chuangkou:make_evaluator"

where `make_evaluator(name: str, options: Mapping, *, clock) -> devices.evaluator.Evaluator`.
The station file then says `transport = "plugin"`, `plugin = "acme"` and passes
`[devices.evaluator.options]` through unchecked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any

from devices.config import DeviceConfig
from devices.errors import DeviceError
from devices.evaluator.base import Clock, Evaluator

ENTRY_POINT_GROUP = "chuangkou.evaluators"


def plugin_names() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


def load_plugin(name: str) -> Callable[..., Evaluator]:
    matches = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not matches:
        known = "、".join(plugin_names()) or "无"
        raise DeviceError(f"未安装评价器插件 {name}（已安装：{known}）")
    try:
        return matches[0].load()
    except Exception as exc:
        raise DeviceError(f"评价器插件 {name} 加载失败（{type(exc).__name__}）") from exc


def open_evaluator(cfg: DeviceConfig, *, clock: Clock = time.monotonic, **inject: Any) -> Evaluator:
    """The driver for one configured 评价器. `inject` replaces hardware access in tests:
    open_device (evdev), open_port (serial), listener_factory (pynput), press_on_arm (sim),
    plugin_loader (plugin)."""
    opts: Mapping[str, Any] = cfg.options
    common: dict[str, Any] = {"clock": clock}
    if cfg.description:
        common["description"] = cfg.description
    vendor = opts.get("vendor")
    if cfg.transport == "sim":
        from devices.evaluator.sim import SimulatedEvaluator

        return SimulatedEvaluator(
            cfg.name,
            vendor=vendor,
            keys=opts.get("keys"),
            press_on_arm=inject.get("press_on_arm", ()),
            **common,
        )
    if cfg.transport == "evdev":
        from devices.evaluator.evdev_keypad import EvdevEvaluator, default_opener

        opener = inject.get("open_device") or default_opener(
            opts.get("path"), opts.get("vid"), opts.get("pid"), opts.get("device_name")
        )
        return EvdevEvaluator(
            cfg.name, open_device=opener, keys=opts.get("keys"), vendor=vendor, **common
        )
    if cfg.transport == "pynput":
        from devices.evaluator.pynput_keypad import PynputEvaluator

        if "listener_factory" in inject:
            common["listener_factory"] = inject["listener_factory"]
        return PynputEvaluator(cfg.name, keys=opts.get("keys"), vendor=vendor, **common)
    if cfg.transport == "serial":
        from devices.evaluator.serial_device import SerialEvaluator, default_port_opener
        from devices.evaluator.serial_protocol import SerialProtocol

        protocol = SerialProtocol.from_options(
            arm=opts.get("arm", ""),
            cancel=opts.get("cancel", ""),
            reply_prefix=opts.get("reply_prefix", ""),
            replies=opts.get("replies"),
        )
        opener = inject.get("open_port") or default_port_opener(
            opts["port"], opts.get("baudrate", 9600)
        )
        return SerialEvaluator(
            cfg.name,
            open_port=opener,
            protocol=protocol,
            vendor=vendor,
            port_label=opts["port"],
            **common,
        )
    if cfg.transport == "plugin":
        loader = inject.get("plugin_loader", load_plugin)
        make = loader(opts["plugin"])
        evaluator = make(cfg.name, dict(opts.get("options", {})), clock=clock)
        if not isinstance(evaluator, Evaluator):
            raise DeviceError(f"评价器插件 {opts['plugin']} 返回的不是评价器驱动")
        return evaluator
    raise DeviceError(f"未知的评价器连接方式 {cfg.transport}")
