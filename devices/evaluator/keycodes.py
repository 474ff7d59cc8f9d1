"""Linux input key codes by name, so key maps can be written and tested without evdev.

The numbers are the kernel's (include/uapi/linux/input-event-codes.h), stable ABI. Names
not listed here are looked up in evdev.ecodes when evdev is installed.
"""

from __future__ import annotations

EV_KEY = 1
KEY_DOWN = 1  # event.value: 0 = up, 1 = down, 2 = autorepeat

_CODES: dict[str, int] = {
    "KEY_ESC": 1,
    "KEY_MINUS": 12,
    "KEY_EQUAL": 13,
    "KEY_BACKSPACE": 14,
    "KEY_TAB": 15,
    "KEY_ENTER": 28,
    "KEY_KPASTERISK": 55,
    "KEY_SPACE": 57,
    "KEY_NUMLOCK": 69,
    "KEY_KP7": 71,
    "KEY_KP8": 72,
    "KEY_KP9": 73,
    "KEY_KPMINUS": 74,
    "KEY_KP4": 75,
    "KEY_KP5": 76,
    "KEY_KP6": 77,
    "KEY_KPPLUS": 78,
    "KEY_KP1": 79,
    "KEY_KP2": 80,
    "KEY_KP3": 81,
    "KEY_KP0": 82,
    "KEY_KPDOT": 83,
    "KEY_KPENTER": 96,
    "KEY_KPSLASH": 98,
    "KEY_F11": 87,
    "KEY_F12": 88,
}
_CODES.update({f"KEY_{n}": n + 1 for n in range(1, 10)})  # KEY_1 = 2 … KEY_9 = 10
_CODES["KEY_0"] = 11
_CODES.update({f"KEY_F{n}": 58 + n for n in range(1, 11)})  # KEY_F1 = 59 … KEY_F10 = 68
for _row, _start in (("QWERTYUIOP", 16), ("ASDFGHJKL", 30), ("ZXCVBNM", 44)):
    _CODES.update({f"KEY_{c}": _start + i for i, c in enumerate(_row)})

_NAMES = {code: name for name, code in _CODES.items()}

_KEYPAD_DIGITS = {1: "KEY_KP1", 2: "KEY_KP2", 3: "KEY_KP3", 4: "KEY_KP4", 5: "KEY_KP5",
                  6: "KEY_KP6", 7: "KEY_KP7", 8: "KEY_KP8", 9: "KEY_KP9", 0: "KEY_KP0"}  # fmt: skip


def key_code(name: str | int) -> int:
    """KEY_KP1 → 79. Raises ValueError for a name neither here nor in evdev."""
    if isinstance(name, int):
        return name
    text = name.strip().upper()
    if text.isdigit():
        return int(text)
    if text in _CODES:
        return _CODES[text]
    try:
        from evdev import ecodes  # lazy: only where evdev is installed
    except ImportError:
        ecodes = None
    if ecodes is not None and isinstance(ecodes.ecodes.get(text), int):
        return int(ecodes.ecodes[text])
    raise ValueError(f"未知的键名 {name}")


def key_name(code: int) -> str:
    return _NAMES.get(code, f"KEY_#{code}")


def digit_codes(n: int) -> tuple[int, ...]:
    """The codes of the key labelled n: the top-row digit and the keypad digit."""
    if not 0 <= n <= 9:
        return ()
    return (key_code(f"KEY_{n}"), key_code(_KEYPAD_DIGITS[n]))
