"""A simulated 评价器 for development, demos and tests: keys are pressed from code.

`press(n)` is the key numbered n in the configured vendor numbering (vendor "a" by default,
so press(1) = 非常满意); `go_offline()`/`come_online()` simulate unplugging. `press_on_arm`
scripts a key for the technician's `test-evaluator --sim --key N`.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from devices.errors import DeviceError
from devices.evaluator.base import Evaluator, RatingContext
from devices.evaluator.levels import KeyMap


class SimulatedEvaluator(Evaluator):
    transport = "sim"

    def __init__(
        self,
        name: str = "evaluator",
        *,
        vendor: str | None = None,
        keys: Mapping[Hashable, int] | None = None,
        press_on_arm: Iterable[Hashable] = (),
        **kwargs: Any,
    ) -> None:
        keymap = KeyMap.build(keys, vendor, lambda n: (n, str(n)))
        kwargs.setdefault("description", "模拟评价器")
        super().__init__(name, keymap, **kwargs)
        self._keys: list[Hashable] = []
        self._keys_lock = threading.Lock()
        self._present = True
        self._press_on_arm = list(press_on_arm)
        self.shown: list[RatingContext] = []  # what the device "displayed" on each arming

    # -- simulation controls --------------------------------------------------------------
    def press(self, key: Hashable) -> None:
        with self._keys_lock:
            self._keys.append(key)

    def go_offline(self) -> None:
        self._present = False

    def come_online(self) -> None:
        self._present = True

    # -- driver hooks ---------------------------------------------------------------------
    def _connect(self) -> str:
        if not self._present:
            raise DeviceError("模拟评价器已离线")
        with self._keys_lock:
            self._keys.clear()  # nothing pressed before the device was there counts
        return "模拟评价器"

    def _read(self) -> list[Hashable]:
        if not self._present:
            raise DeviceError("模拟评价器已离线")
        with self._keys_lock:
            keys, self._keys = self._keys, []
        return keys

    def _on_arm(self, context: RatingContext, timeout: float) -> None:
        self.shown.append(context)
        with self._keys_lock:
            self._keys.extend(self._press_on_arm)
