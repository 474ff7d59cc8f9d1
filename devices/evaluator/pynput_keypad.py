"""Fallback 评价器 through pynput, only where an X session exists and evdev cannot be used.

LIMITATION: pynput hears the whole X keyboard, it cannot tell devices apart. While armed,
a key pressed on ANY keyboard (the clerk's too) counts as the rating, and the keypad's keys
also reach the clerk's application. Prefer the evdev driver; this one logs a warning.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from devices.errors import DeviceError
from devices.evaluator.base import Evaluator
from devices.evaluator.levels import KeyMap

log = logging.getLogger(__name__)

WARNING = "pynput 无法区分键盘：评价期间任何键盘上的按键都会被当作评价。建议改用 evdev 驱动。"


def _key_names(n: int) -> tuple[str, ...]:
    return (str(n),)


def _key_name(key: Any) -> str:
    """pynput gives KeyCode(char='1') or Key.f1; both become a plain name: "1", "f1"."""
    char = getattr(key, "char", None)
    if char:
        return str(char).lower()
    name = getattr(key, "name", None)
    if name:
        return str(name).lower()
    return str(key).removeprefix("Key.").lower()


def _default_listener_factory(on_press: Callable[[Any], None]) -> Any:
    if not os.environ.get("DISPLAY"):
        raise DeviceError("没有 X 图形会话（DISPLAY 未设置），pynput 评价器不可用")
    try:
        from pynput import keyboard  # lazy: needs an X server at import time
    except Exception as exc:
        raise DeviceError("无法加载 pynput（请安装 chuangkou[x11] 并在图形会话中运行）") from exc
    return keyboard.Listener(on_press=on_press)


class PynputEvaluator(Evaluator):
    transport = "pynput"

    def __init__(
        self,
        name: str,
        *,
        keys: Mapping[Hashable, int] | None = None,
        vendor: str | None = None,
        listener_factory: Callable[[Callable[[Any], None]], Any] = _default_listener_factory,
        **kwargs: Any,
    ) -> None:
        explicit = {str(k).lower(): v for k, v in keys.items()} if keys else None
        super().__init__(name, KeyMap.build(explicit, vendor, _key_names), **kwargs)
        self._listener_factory = listener_factory
        self._listener: Any = None
        self._pressed: list[str] = []
        self._pressed_lock = threading.Lock()

    def _on_press(self, key: Any) -> None:  # runs on pynput's thread
        with self._pressed_lock:
            self._pressed.append(_key_name(key))

    def _connect(self) -> str:
        listener = self._listener_factory(self._on_press)
        listener.start()
        self._listener = listener
        log.warning(WARNING)
        return "键盘评价器（pynput，无法区分键盘）"

    def _read(self) -> list[Hashable]:
        if self._listener is None or not self._listener.is_alive():
            raise DeviceError("pynput 键盘监听已停止")
        with self._pressed_lock:
            pressed, self._pressed = self._pressed, []
        return list(pressed)

    def _disconnect(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()
