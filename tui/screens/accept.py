"""受理: the item's materials checklist, the kind the store proposes (live, with its due
date), and the case registered once the clerk confirms (Enter or Ctrl+S)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.gateway import user_message
from tui.messages import StoreFailed
from tui.widgets.footer import CounterFooter
from tui.widgets.status_bar import StatusBar

#: Space cycles a material through these (keys of policies.cases.MATERIAL_STATUSES).
CYCLE = ("present", "not_brought", "missing")
SHORT = {"present": "已带", "not_brought": "未带", "missing": "缺"}


@dataclass(frozen=True)
class Preview:
    kind: str  # the kind to accept with
    label: str
    reasons: tuple[str, ...]
    to_bring: tuple[str, ...]
    due_date: dt.date | None
    provisional: bool
    note: str = ""


class PreviewReady(Message):
    def __init__(self, preview: Preview, materials: dict[str, str]) -> None:
        super().__init__()
        self.preview = preview
        self.materials = materials


class CaseAccepted(Message):
    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


def preview(session, item_code: str, promised_days: int | None, materials: dict[str, str]):
    """The store's proposal for these materials and the due date it would give (store thread)."""
    from policies.cases import KINDS, initial_state
    from policies.deadlines import case_limit_working_days
    from store.cases import propose
    from store.clock import local_date

    proposal = propose(session, item_code, materials)
    kind, note = proposal.kind, ""
    if proposal.tolerance:
        # 容缺受理 needs the applicant's signed commitment date: taken as 补办件 here.
        kind, note = "supplement", "可容缺受理（需承诺日期），此处按补办件受理"
    due, provisional = None, False
    if kind != "returned" and initial_state(kind) != "awaiting_supplement":
        limit = case_limit_working_days(
            kind, session.register.policy, item_promised_days=promised_days
        )
        if limit is not None:
            today = local_date(session.now())
            result = session.register.calendar.due(today, limit, allow_provisional=True)
            due, provisional = result.date, result.provisional
    return Preview(
        kind,
        KINDS[kind].label,
        tuple(r for r in proposal.reasons if r),
        proposal.to_bring,
        due,
        provisional,
        note,
    )


class AcceptScreen(Screen):
    """受理办件."""

    DEFAULT_CSS = """
    AcceptScreen #materials { height: auto; max-height: 12; }
    AcceptScreen .line { height: auto; padding: 0 1; }
    AcceptScreen #accepted { color: $success; text-style: bold; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "返回", id="accept.back", show=False),
        Binding("space", "cycle", "切换", id="accept.cycle", show=False),
        Binding("ctrl+s", "accept", "受理", id="accept.accept", show=False, priority=True),
    ]

    def __init__(
        self,
        *,
        item: Any,
        person_uuid: str | None,
        inquiry_number: str | None = None,
        applicant: str = "",
    ) -> None:
        super().__init__()
        self.item = item
        self.person_uuid = person_uuid
        self.inquiry_number = inquiry_number
        self.applicant = applicant
        self.statuses = {m.name: "present" for m in item.materials}
        self.result: Any = None
        self.busy = False

    def compose(self) -> ComposeResult:
        from policies.masking import mask_name

        who = f"　申请人 {mask_name(self.applicant)}" if self.applicant else ""
        origin = f"（登记号 {self.inquiry_number}）" if self.inquiry_number else ""
        yield StatusBar()
        yield Static(f"受理：{self.item.name}{origin}{who}", classes="title")
        yield Static(
            "↑↓ 选材料  空格 切换 已带/未带/缺  回车或 Ctrl+S 确认受理  Esc 返回", classes="hint"
        )
        yield DataTable(id="materials", cursor_type="row", zebra_stripes=True)
        yield Static("", id="proposal", classes="line")
        yield Static("", id="accept-error", classes="error-line")
        yield Static("", id="accepted", classes="line")
        yield CounterFooter()

    def on_mount(self) -> None:
        table = self.query_one("#materials", DataTable)
        table.add_column("主/辅", width=5, key="main")
        table.add_column("状态", width=4, key="status")
        table.add_column("材料", key="name")
        for m in self.item.materials:
            table.add_row("主件" if m.main else "辅件", SHORT["present"], m.name, key=m.name)
        table.focus()
        self._preview()

    # -- materials ---------------------------------------------------------------------------
    def action_cycle(self) -> None:
        if self.result is not None or not self.item.materials:
            return
        table = self.query_one("#materials", DataTable)
        name = self.item.materials[table.cursor_row].name
        status = CYCLE[(CYCLE.index(self.statuses[name]) + 1) % len(CYCLE)]
        self.statuses[name] = status
        table.update_cell(name, "status", SHORT[status])
        self._preview()

    @work(thread=True, exclusive=True, group="accept-preview", exit_on_error=False)
    def _preview(self) -> None:
        app = self.app
        materials = dict(self.statuses)
        try:
            found = app.store.run(
                preview, app.session, self.item.code, self.item.promised_limit_days, materials
            )
        except Exception as exc:
            self.post_message(StoreFailed(user_message(exc), "preview"))
            return
        self.post_message(PreviewReady(found, materials))

    @on(PreviewReady)
    def _show_preview(self, message: PreviewReady) -> None:
        p = message.preview
        text = f"建议：{p.label}"
        if p.due_date is not None:
            text += f"　办结期限 {p.due_date:%Y-%m-%d}" + ("（暂定）" if p.provisional else "")
        if p.to_bring:
            text += f"\n需补齐：{'、'.join(p.to_bring)}"
        if p.reasons:
            text += f"\n{'；'.join(p.reasons)}"
        if p.note:
            text += f"\n{p.note}"
        self.query_one("#proposal", Static).update(text)

    @on(StoreFailed)
    def _failed(self, message: StoreFailed) -> None:
        self.busy = False
        self.query_one("#accept-error", Static).update(message.message)

    # -- accept ------------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#materials")
    def _enter(self) -> None:
        self.action_accept()

    def action_accept(self) -> None:
        if self.busy or self.result is not None:
            return
        if not self.person_uuid:
            self.query_one("#accept-error", Static).update("请先读取身份证或登记申请人")
            return
        self.busy = True
        self.query_one("#accept-error", Static).update("正在受理…")
        self._accept(dict(self.statuses))

    @work(thread=True, exclusive=True, group="accept", exit_on_error=False)
    def _accept(self, materials: dict[str, str]) -> None:
        from store.cases import accept_case

        app = self.app

        def run(session):
            p = preview(session, self.item.code, self.item.promised_limit_days, materials)
            return accept_case(
                session,
                inquiry_number=self.inquiry_number,
                item_code=self.item.code,
                person_uuid=self.person_uuid,
                materials=materials,
                kind=p.kind,
                return_reasons="；".join(p.reasons) if p.kind == "returned" else None,
            )

        try:
            result = app.store.run(run, app.session)
        except Exception as exc:
            self.post_message(StoreFailed(user_message(exc), "accept"))
            return
        self.post_message(CaseAccepted(result))

    @on(CaseAccepted)
    def _accepted(self, message: CaseAccepted) -> None:
        from policies.cases import KINDS

        r = self.result = message.result
        self.busy = False
        label = KINDS[r.kind].label if r.kind in KINDS else r.kind
        if r.tolerance:
            label += "（容缺受理）"
        text = f"已受理：办件号 {r.number}　{label}"
        if r.due_date is not None:
            text += f"　办结期限 {r.due_date:%Y-%m-%d}" + ("（暂定）" if r.due_provisional else "")
        if r.missing_materials:
            text += f"\n缺：{'、'.join(r.missing_materials)}"
        text += "\nEsc 返回"
        self.query_one("#accept-error", Static).update("")
        self.query_one("#accepted", Static).update(text)
        self.app.notify(f"已受理：办件号 {r.number}", timeout=8)

    def action_back(self) -> None:
        self.app.pop_screen()
