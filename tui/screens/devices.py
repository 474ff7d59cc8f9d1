"""设备 (F9): the reader and the 评价器 as the device manager sees them, and recent events
(with no personal data: a card read shows its type only)."""

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
        yield CounterFooter()

    def on_mount(self) -> None:
        self.query_one("#devices", DataTable).add_columns("名称", "类型", "状态", "说明")
        self.query_one("#events", DataTable).add_columns("时间", "设备", "事件")
        self.action_refresh()

    def action_refresh(self) -> None:
        devices = self.app.devices
        table = self.query_one("#devices", DataTable)
        table.clear()
        events = self.query_one("#events", DataTable)
        events.clear()
        if devices is None:
            table.add_row("—", "—", "未配置", "本工位未启用设备")
            return
        for state in devices.states():
            table.add_row(state.name, state.kind_label, state.state, state.description)
        for entry in devices.recent_events(20):
            events.add_row(*_event_cells(entry))

    def action_back(self) -> None:
        self.app.pop_screen()


EVENT_LABELS = {
    "CardRead": "读卡成功",
    "CardError": "读卡失败",
    "RatingGiven": "评价",
    "RatingTimeout": "评价超时",
    "RatingCancelled": "评价取消",
    "DeviceLost": "断开",
    "DeviceFound": "连接",
}


def _event_cells(entry: dict) -> tuple[str, str, str]:
    """A device-log entry (already without personal data) as table cells."""
    what = EVENT_LABELS.get(entry.get("event", ""), entry.get("event", ""))
    detail = entry.get("card_type") or entry.get("message") or entry.get("description") or ""
    if "level" in entry:
        detail = f"{entry['level']} 级"
    return (
        str(entry.get("time", ""))[11:19],
        str(entry.get("device", "")),
        f"{what} {detail}".strip(),
    )
