"""Every action of the counter application: its binding id, default key and Chinese name.

The same table builds the app's bindings (shown in the footer), the command palette and
the F1 help; a hall overrides keys in its station file's [keymap] by binding id.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    id: str  # binding id, used by a hall's keymap
    key: str
    action: str  # Textual action on the app
    label: str  # the footer's short name (it must fit ten keys in 80 columns)
    help: str  # the palette's and F1's longer text
    show: bool = True


ACTIONS: tuple[Action, ...] = (
    Action("chuangkou.help", "f1", "help", "帮助", "显示当前界面的按键"),
    Action(
        "chuangkou.inquiry", "f2", "open('inquiry')", "首问", "首问登记：来访或来电（首问负责）"
    ),
    Action(
        "chuangkou.search",
        "f3",
        "open('search')",
        "查询",
        "按证件号码、电话、姓名、办件号或登记号查询",
    ),
    Action(
        "chuangkou.queue",
        "f4",
        "open('home')",
        "办件",
        "我的办件：回到窗口首页：待办、督办与待补正（大厅主任：大厅看板）",
    ),
    Action(
        "chuangkou.handover",
        "f5",
        "open('handover')",
        "AB岗",
        "AB岗：离岗登记与交接、主动顶岗、收岗；岗位安排",
    ),
    Action("chuangkou.complaint", "f6", "open('complaint')", "投诉", "投诉登记"),
    Action("chuangkou.rating", "f7", "open('rating')", "评价", "请申请人在评价器上评价"),
    Action(
        "chuangkou.report",
        "f8",
        "open('report')",
        "报表",
        "统计报表：今日、本月、本季度、自定义；职员为本人及本窗口，主任为全大厅；可导出",
    ),
    Action("chuangkou.devices", "f9", "open('devices')", "设备", "读卡器与评价器的状态"),
    Action("chuangkou.lock", "f10", "lock", "锁屏", "锁定屏幕（个人信息离开屏幕）"),
    Action("chuangkou.palette", "ctrl+p", "command_palette", "命令", "打开命令面板", show=False),
)

#: The demo's hands on simulated devices: the app offers these (keys, palette, F1) only
#: when the device is simulated, never on a real reader or 评价器 (ChuangkouApp.check_action).
SIM_ACTIONS: tuple[Action, ...] = (
    Action(
        "chuangkou.sim_place",
        "ctrl+k",
        "sim_place",
        "放卡",
        "演示：把一张演示人员的身份证（或读卡出错的证件）放到模拟读卡器上",
        show=False,
    ),
    Action(
        "chuangkou.sim_lift",
        "ctrl+l",
        "sim_lift",
        "取卡",
        "演示：从模拟读卡器上取走证件",
        show=False,
    ),
    Action(
        "chuangkou.sim_rate",
        "ctrl+r",
        "sim_rate",
        "评价器按键",
        "演示：评价器等待评价时，在模拟评价器上按 1–5",
        show=False,
    ),
)

ACTION_BY_ID = {a.id: a for a in (*ACTIONS, *SIM_ACTIONS)}


def app_bindings() -> list[Binding]:
    # priority: the F-keys work even while an input field has focus.
    return [
        Binding(
            a.key,
            a.action,
            a.label,
            show=a.show,
            id=a.id,
            priority=True,
            tooltip=a.help,
            key_display=a.key.upper() if a.key.startswith("f") else None,
        )
        for a in (*ACTIONS, *SIM_ACTIONS)
    ]


class KeymapError(ValueError):
    """A station file's [keymap] names an action that does not exist."""


def keymap_from_station(keymap: dict[str, str]) -> dict[str, str]:
    """Binding id → key; a hall's file may name an id with or without the prefix."""
    out: dict[str, str] = {}
    for key, value in keymap.items():
        binding_id = key if key in ACTION_BY_ID else f"chuangkou.{key}"
        if binding_id not in ACTION_BY_ID:
            known = "、".join(a.id.removeprefix("chuangkou.") for a in ACTION_BY_ID.values())
            raise KeymapError(f"配置文件 [keymap]：未知的操作 {key}（可用：{known}）")
        out[binding_id] = value
    return out


#: How a key is written on screen — in the footer, F1 and every hint, one notation.
KEY_NAMES = {
    "escape": "Esc",
    "enter": "回车",
    "space": "空格",
    "tab": "Tab",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "delete": "Del",
    "backspace": "退格",
    "ctrl": "Ctrl",
    "shift": "Shift",
    "alt": "Alt",
}


def key_name(key: str) -> str:
    """A key as written on screen: ctrl+s → Ctrl+S, shift+tab → Shift+Tab, escape → Esc,
    enter → 回车, n → N; several keys (escape,f1) → Esc/F1."""

    def one(part: str) -> str:
        part = part.strip()
        return KEY_NAMES.get(part, part.upper() if len(part) <= 3 else part.title())

    return "/".join("+".join(one(p) for p in k.split("+")) for k in key.split(","))
