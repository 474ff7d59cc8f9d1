"""设备 (F9): the reader and the 评价器 as the device manager sees them, and recent events
(with no personal data: a card read shows its type only). Devices by their Chinese names,
event times in the hall's time as the status bar shows it; with simulated devices, the
demo's keys (tui.sim_devices)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui.screens.base import CounterScreen
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar


class DevicesScreen(CounterScreen):
    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="devices.back", show=False),
        Binding("r", "refresh", "刷新", id="devices.refresh", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("设备状态", classes="title")
        yield DataTable(id="devices", cursor_type="row")
        yield Static("最近事件", classes="title")
        yield DataTable(id="events", cursor_type="row", zebra_stripes=True)
        yield Static("", id="sim-hint", classes="hint")
        yield CounterFooter()

    def on_mount(self) -> None:
        from tui.sim_devices import keys_hint

        self.query_one("#devices", DataTable).add_columns("设备", "状态", "说明")
        self.query_one("#events", DataTable).add_columns("时间", "设备", "事件")
        hint = keys_hint(self.app) if self.app.devices is not None else ""
        self.query_one("#sim-hint", Static).update(hint)
        self.query_one("#sim-hint", Static).display = bool(hint)
        self.action_refresh()

    def action_refresh(self) -> None:
        devices = self.app.devices
        table = self.query_one("#devices", DataTable)
        table.clear()
        events = self.query_one("#events", DataTable)
        events.clear()
        if devices is None:
            table.add_row("—", "未配置", "本工位未启用设备")
            return
        states = devices.states()
        names = device_names([(s.name, s.kind) for s in states])
        for state in states:
            table.add_row(names[state.name], state.state, state.description)
        for entry in devices.recent_events(20):
            events.add_row(*_event_cells(entry, names))

    def action_back(self) -> None:
        self.app.pop_screen()


EVENT_LABELS = {
    "CardRead": "读卡成功",
    "CardError": "读卡失败",
    "Armed": "请评价",
    "RatingGiven": "评价",
    "RatingTimeout": "评价超时",
    "RatingCancelled": "评价取消",
    "DeviceLost": "断开",
    "DeviceFound": "连接",
}
KIND_NAMES = {"reader": "身份证阅读器", "evaluator": "评价器"}


def device_names(devices: list[tuple[str, str]]) -> dict[str, str]:
    """Configured name → Chinese name by kind (身份证阅读器, 评价器; numbered when a counter
    has more than one of a kind): the configured names are identifiers, not for the screen."""
    kinds = [kind for _, kind in devices]
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    for name, kind in devices:
        seen[kind] = seen.get(kind, 0) + 1
        label = KIND_NAMES.get(kind, "设备")
        out[name] = f"{label}{seen[kind]}" if kinds.count(kind) > 1 else label
    return out


def hall_time(iso: str) -> str:
    """A log entry's UTC time as the status bar shows the hour: 11-23 09:10, hall time."""
    import datetime as dt

    from store.clock import to_local

    try:
        at = dt.datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return f"{to_local(at):%m-%d %H:%M}"


def _event_cells(entry: dict, names: dict[str, str] | None = None) -> tuple[str, str, str]:
    """A device-log entry (already without personal data) as table cells."""
    from devices.evaluator.levels import level_label

    what = EVENT_LABELS.get(entry.get("event", ""), "其他事件")
    detail = entry.get("card_type") or entry.get("message") or entry.get("description") or ""
    if "level" in entry:
        detail = level_label(int(entry["level"]))
    device = str(entry.get("device", ""))
    return (
        hall_time(str(entry.get("time", ""))),
        (names or {}).get(device, "设备"),
        detail if detail.startswith(what) else f"{what} {detail}".strip(),
    )
