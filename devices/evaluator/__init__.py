"""评价器 (rating keypad) drivers: arm (请评价), then exactly one outcome.

Drivers: simulator, USB keypad via evdev (exclusive grab), pynput fallback (X only, cannot
tell keyboards apart), serial with a configurable byte protocol, and vendor plugins from the
`chuangkou.evaluators` entry-point group. Every driver reports our five levels
(1 非常满意 … 5 非常不满意); vendor numberings and reason codes are normalised by data.
Hardware libraries (evdev, pynput, pyserial) are imported only when a driver opens a device.
"""

from devices.evaluator.base import DEFAULT_TIMEOUT, Evaluator, RatingContext
from devices.evaluator.factory import ENTRY_POINT_GROUP, open_evaluator, plugin_names
from devices.evaluator.levels import (
    Choice,
    KeyMap,
    level_for_reason,
    level_label,
    level_labels,
    reason_text,
    vendors,
)
from devices.evaluator.sim import SimulatedEvaluator

__all__ = [
    "DEFAULT_TIMEOUT",
    "ENTRY_POINT_GROUP",
    "Choice",
    "Evaluator",
    "KeyMap",
    "RatingContext",
    "SimulatedEvaluator",
    "level_for_reason",
    "level_label",
    "level_labels",
    "open_evaluator",
    "plugin_names",
    "reason_text",
    "vendors",
]
