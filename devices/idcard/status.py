"""SAM_A operation status SW3 (SAM_A 操作状态) and its Chinese meaning.

Texts follow idcard-reader.md §1.3 (HSL DefaultLanguage.cs / ZYB ISdtApi.h).
"""

from __future__ import annotations

OK = 0x90  # 操作成功
NO_CONTENT = 0x91  # 证/卡中此项无内容 (e.g. no appended address)
FOUND = 0x9F  # 寻找证/卡成功 — only the find command answers this
NOT_FOUND = 0x80  # 寻找证/卡失败
SELECT_FAILED = 0x81  # 选取证/卡失败
READ_FAILED = 0x41  # 读证/卡操作失败

SW3_MEANINGS: dict[int, str] = {
    0x90: "操作成功",
    0x9F: "寻找证/卡成功",
    0x91: "证/卡中此项无内容",
    0x10: "接收数据校验和错",
    0x11: "接收数据长度错",
    0x21: "接收数据命令错",
    0x23: "越权操作",
    0x24: "无法识别的错误",
    0x31: "证/卡认证 SAM 失败",
    0x32: "SAM 认证证/卡失败",
    0x33: "信息验证错误",
    0x40: "无法识别的卡类型",
    0x41: "读证/卡操作失败",
    0x47: "取随机数失败",
    0x60: "SAM 自检失败",
    0x66: "SAM 未经授权",
    0x80: "寻找证/卡失败",
    0x81: "选取证/卡失败",
}


def meaning(sw3: int) -> str:
    """The Chinese meaning of an SW3 value; unknown values are named by their hex code."""
    return SW3_MEANINGS.get(sw3, f"未知状态（{sw3:02X}）")


def is_success(sw3: int) -> bool:
    return sw3 in (OK, FOUND)
