"""The SAM commands this driver sends (idcard-reader.md §2), with their expected status
and a reply timeout (practical defaults from §8)."""

from __future__ import annotations

from dataclasses import dataclass, field

from devices.idcard import status
from devices.idcard.frames import build_frame


@dataclass(frozen=True)
class SamCommand:
    cmd: int
    para: int
    label: str  # Chinese name, used in messages
    ok: frozenset[int]  # SW3 values meaning success
    timeout: float  # seconds to wait for the whole reply
    frame: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "frame", build_frame(self.cmd, self.para))

    @property
    def key(self) -> tuple[int, int]:
        return (self.cmd, self.para)


_OK = frozenset({status.OK})

RESET = SamCommand(0x10, 0xFF, "复位SAM", _OK, 2.0)
STATUS = SamCommand(0x11, 0xFF, "SAM状态检测", _OK, 0.5)
SAM_ID = SamCommand(0x12, 0xFF, "读SAM编号", _OK, 0.5)
FIND = SamCommand(0x20, 0x01, "寻卡", frozenset({status.FOUND}), 0.5)
SELECT = SamCommand(0x20, 0x02, "选卡", _OK, 0.5)
READ_BASE = SamCommand(0x30, 0x01, "读基本信息", _OK, 3.0)
READ_ADDRESS = SamCommand(0x30, 0x03, "读追加住址", frozenset({status.OK, status.NO_CONTENT}), 1.5)
READ_WITH_FINGERPRINT = SamCommand(0x30, 0x10, "读基本信息和指纹", _OK, 4.0)

ALL = (RESET, STATUS, SAM_ID, FIND, SELECT, READ_BASE, READ_ADDRESS, READ_WITH_FINGERPRINT)
BY_KEY: dict[tuple[int, int], SamCommand] = {c.key: c for c in ALL}
