"""The device log file (JSON lines): where it lives, reading it back, and keeping personal
data out of it.

The log is for a technician. Entries are built from whitelisted fields (manager.log_entry);
free text (an error message, a device description) also passes `scrub()`, so that even a
driver message that carried an ID number or a phone would be written masked, by the rules of
policies.masking (ID number: region prefix and last four; phone: first three, last four).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOG_NAME = "devices.jsonl"

# 18-character ID numbers (and the old 15-digit ones), mainland mobile numbers.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


def mask_number(number: str) -> str:
    """1101**********002X: region prefix and last four only (same rule as policies.masking,
    which devices/ may not import)."""
    number = str(number).strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def _mask_phone(phone: str) -> str:
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def scrub(text: str) -> str:
    """Mask anything in free text that looks like an ID number or a mobile phone number."""
    text = _ID_NUMBER.sub(lambda m: mask_number(m.group(1)), str(text))
    return _PHONE.sub(lambda m: _mask_phone(m.group(1)), text)


def default_log_path() -> Path:
    """devices.jsonl beside chuangkou.log (tui/logsetup.py): $CHUANGKOU_LOG_DIR, else the
    platform's log directory."""
    override = os.environ.get("CHUANGKOU_LOG_DIR")
    if override:
        return Path(override) / LOG_NAME
    from platformdirs import user_log_dir

    return Path(user_log_dir("chuangkou", appauthor=False)) / LOG_NAME


# -- reading it back -------------------------------------------------------------------------
MISSING, EMPTY, DAMAGED, OK = "missing", "empty", "damaged", "ok"


@dataclass(frozen=True)
class LogReading:
    """What `chuangkou devices log` found: the entries, and how the file was."""

    state: str  # missing | empty | damaged | ok
    entries: list[dict[str, Any]] = field(default_factory=list)
    damaged_lines: int = 0  # lines that are not a JSON object (a cut write, another file)


def read_log(path: Path, limit: int = 50) -> LogReading:
    """The last `limit` entries of the log and its rotated predecessor (`.1`).

    missing: neither file exists; empty: no line at all; damaged: some line could not be
    read (the readable entries are still returned); ok otherwise.
    """
    lines: list[str] = []
    found = False
    damaged = 0
    for candidate in (path.with_name(path.name + ".1"), path):
        try:
            raw = candidate.read_bytes()
        except FileNotFoundError:
            continue
        found = True
        for line in raw.splitlines():
            try:
                lines.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                damaged += 1
    if not found:
        return LogReading(MISSING)
    entries: list[dict[str, Any]] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            item = None
        if isinstance(item, dict) and "event" in item:
            entries.append(item)
        else:
            damaged += 1
    if not entries and not damaged:
        return LogReading(EMPTY)
    shown = entries[-limit:] if limit else entries
    return LogReading(DAMAGED if damaged else OK, shown, damaged)
