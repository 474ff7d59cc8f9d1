"""Small modal forms for the case and referral actions (办件操作).

Each form checks what it can itself (a date's format), then runs its store call on the
store thread; a refusal (a forbidden transition, an empty reason) shows the store's Chinese
message in the form, which stays open with what was typed. On success it is dismissed with
:class:`Done`; Esc dismisses it with None and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.dates import hall_today
from tui.messages import StoreFailed
from tui.screens.base import CounterModal

#: A store call made on submit: (session, the form's values) → result.
StoreCall = Callable[[Any, dict], Any]


@dataclass(frozen=True)
class Done:
    """What a form is dismissed with once its store call succeeded."""

    values: dict
    result: Any = None


class FormError(ValueError):
    """Input the form itself refuses (the message is Chinese, for the form)."""


class _Saved(Message):
    def __init__(self, values: dict, result: Any) -> None:
        super().__init__()
        self.values = values
        self.result = result


class _Failed(StoreFailed):
    """The form's store call refused (the form's own: the screen under it never sees it)."""


def split_names(text: str) -> list[str]:
    """Materials typed in one field, separated by 、，, ; or spaces."""
    return [part for part in re.split(r"[、，,；;\s]+", text or "") if part]


def parse_date(
    text: str, what: str, *, today: dt.date | None = None, future: bool = False
) -> dt.date:
    """A date typed in a form (tui.dates.parse_date: ``today`` for one typed without its
    year), required: FormError otherwise."""
    from tui.dates import parse_date as parse_typed

    if not (text or "").strip():
        raise FormError(f"请填写{what}（YYYY-MM-DD）")
    try:
        return parse_typed(text, what, today=today, future=future)
    except ValueError as exc:
        raise FormError(str(exc)) from None


def _flat(widget):
    """Lists and tables as tall as their rows, without a border (inline styles win over the
    app's stylesheet and the widgets' own; the bare console lacks the border glyphs)."""
    if isinstance(widget, OptionList | DataTable):
        widget.styles.height = "auto"
        widget.styles.max_height = 8
        widget.styles.border = ("none", "black")
        widget.styles.padding = 0
    return widget


class ActionForm(CounterModal):
    """A titled form: fields, an error line, a hint; Ctrl+S (or Enter in the last field)
    submits, Esc cancels."""

    DEFAULT_CSS = """
    ActionForm { align: center middle; }
    ActionForm .line { height: auto; }
    """

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "取消", id="form.cancel", show=False),
        Binding("ctrl+s", "submit", "确定", id="form.submit", show=False, priority=True),
    ]
    HINT = "回车 确定　Esc 取消"

    def __init__(self, title: str, run: StoreCall | None = None, *, note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.run = run
        self.note = note
        self.busy = False

    def compose(self) -> ComposeResult:
        with Center(), Vertical(classes="form"):
            yield Static(self.title_text, classes="title")
            if self.note:
                yield Static(self.note, classes="line")
            for widget in self.fields():
                yield _flat(widget)
            yield Static("", classes="error-line", id="form-error", markup=False)
            yield Static(self.HINT, classes="hint")

    def fields(self) -> ComposeResult:
        yield from ()

    def values(self) -> dict:
        """The form's values, or FormError with what is wrong."""
        return {}

    def error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(text)

    def action_submit(self) -> None:
        if self.busy:
            return
        try:
            values = self.values()
        except FormError as exc:
            self.error(str(exc))
            self.app.bell()
            return
        if self.run is None:
            self.dismiss(Done(values))
            return
        self.busy = True
        self.error("正在保存…")
        self.call_store(
            self.run,
            self.app.session,
            values,
            done=lambda result: _Saved(values, result),
            failed=_Failed,
            what="form",
        )

    @on(_Saved)
    def _saved(self, message: _Saved) -> None:
        self.busy = False
        self.dismiss(Done(message.values, message.result))

    @on(_Failed)
    def _failed(self, message: _Failed) -> None:
        self.busy = False
        self.error(message.message)
        self.app.bell()

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    # Enter in a field moves on; in the last field it submits.
    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        fields = list(self.query(Input))
        if event.input is fields[-1]:
            self.action_submit()
        else:
            self.focus_next()


class ConfirmForm(ActionForm):
    """One question, Enter to confirm (e.g. 记一次来访, 批准延期)."""

    BINDINGS = [Binding("enter", "submit", "确定", id="form.confirm", show=False)]  # noqa: RUF012
    HINT = "回车 确定　Esc 取消"


class ReasonForm(ActionForm):
    """One line of text: a reason (退回原因, 撤回原因) or a note (审核意见)."""

    def __init__(
        self, title: str, label: str, run: StoreCall | None, *, value: str = "", note: str = ""
    ) -> None:
        super().__init__(title, run, note=note)
        self.label = label
        self.value = value

    def fields(self) -> ComposeResult:
        yield Label(self.label)
        yield Input(self.value, id="reason", max_length=200, compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def values(self) -> dict:
        return {"reason": self.query_one("#reason", Input).value.strip()}


class _Choice(OptionList):
    """准予 / 不予: ↑↓ to choose, Enter moves on."""


class ChoiceForm(ActionForm):
    """One choice among a few (↑↓; Enter moves on) and one line of text after it."""

    CHOICES: tuple[tuple[str, Any], ...] = ()
    CHOICE_LABEL = ""
    TEXT_LABEL = ""
    TEXT_ID = "text"

    def fields(self) -> ComposeResult:
        yield Label(self.CHOICE_LABEL)
        yield _Choice(*(Option(label) for label, _ in self.CHOICES), id="choice")
        yield Label(self.TEXT_LABEL)
        yield Input(id=self.TEXT_ID, max_length=200, compact=True)

    def on_mount(self) -> None:
        choice = self.query_one("#choice", _Choice)
        choice.highlighted = 0
        choice.focus()

    @on(OptionList.OptionSelected, "#choice")
    def _chosen(self) -> None:
        self.query_one(f"#{self.TEXT_ID}", Input).focus()

    def chosen(self) -> Any:
        """The value of the choice under the cursor."""
        return self.CHOICES[self.query_one("#choice", _Choice).highlighted or 0][1]

    def text(self) -> str:
        return self.query_one(f"#{self.TEXT_ID}", Input).value.strip()


class CloseForm(ChoiceForm):
    """办结: 准予 or 不予, and the result with its reasons."""

    CHOICES = (("准予", True), ("不予", False))
    CHOICE_LABEL = "办理结果"
    TEXT_LABEL = "办理结果和理由"
    TEXT_ID = "reasons"
    HINT = "↑↓ 准予/不予　回车 下一项　Ctrl+S 或在理由栏 回车 办结　Esc 取消"

    def values(self) -> dict:
        return {"granted": self.chosen(), "reasons": self.text()}


class ExtensionForm(ActionForm):
    """申请延期: the reason and the new due date."""

    def fields(self) -> ComposeResult:
        yield Label("延期理由")
        yield Input(id="reason", max_length=200, compact=True)
        yield Label("新的办结日期（YYYY-MM-DD）")
        yield Input(id="date", max_length=10, placeholder="YYYY-MM-DD", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def values(self) -> dict:
        return {
            "reason": self.query_one("#reason", Input).value.strip(),
            "date": parse_date(
                self.query_one("#date", Input).value,
                "新的办结日期",
                today=hall_today(self.app),
                future=True,
            ),
        }


class ForwardForm(ActionForm):
    """上报进度: the higher authority's reference, and its result once it has decided."""

    CHOICES = CloseForm.CHOICES
    HINT = "回车 下一项　Ctrl+S 保存　Esc 取消（结果未出时只填文号）"

    def __init__(self, title: str, run: StoreCall, *, reference: str = "", note: str = "") -> None:
        super().__init__(title, run, note=note)
        self.reference = reference

    def fields(self) -> ComposeResult:
        yield Label("上级受理文号或编号")
        yield Input(self.reference, id="reference", max_length=64, compact=True)
        yield Label("上级办理结果（已办结时填写）")
        yield _Choice(*(Option(label) for label, _ in self.CHOICES), id="choice")
        yield Input(id="result", max_length=200, compact=True)

    def on_mount(self) -> None:
        self.query_one("#choice", _Choice).highlighted = 0
        self.query_one("#reference", Input).focus()

    @on(OptionList.OptionSelected, "#choice")
    def _chosen(self) -> None:
        self.query_one("#result", Input).focus()

    def values(self) -> dict:
        result = self.query_one("#result", Input).value.strip()
        index = self.query_one("#choice", _Choice).highlighted or 0
        return {
            "reference": self.query_one("#reference", Input).value.strip(),
            "result": result or None,
            "granted": self.CHOICES[index][1] if result else None,
        }


class ChecklistForm(ActionForm):
    """Materials ticked with the space bar, and more named in a field (补齐材料 with what the
    first notice missed; 通知补正 with materials not on the checklist)."""

    BINDINGS = [  # noqa: RUF012
        Binding("space", "toggle", "勾选", id="form.toggle", show=False),
    ]
    HINT = "↑↓ 选材料　空格 勾选/取消　Tab 下一栏　回车 或 Ctrl+S 确定　Esc 取消"

    def __init__(
        self, title: str, names: Iterable[str], extra_label: str, run: StoreCall, *, note: str = ""
    ) -> None:
        super().__init__(title, run, note=note)
        self.names = list(dict.fromkeys(names))
        self.extra_label = extra_label
        self.chosen: set[str] = set()

    def fields(self) -> ComposeResult:
        yield DataTable(id="checklist", cursor_type="row", zebra_stripes=True)
        yield Label(self.extra_label)
        yield Input(id="extra", max_length=200, placeholder="多项用顿号分隔", compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#checklist", DataTable)
        table.add_column("", width=3, key="mark")
        table.add_column("材料", key="name")
        for name in self.names:
            table.add_row("[ ]", name, key=name)
        if self.names:
            table.focus()
        else:
            table.display = False
            self.query_one("#extra", Input).focus()

    def action_toggle(self) -> None:
        table = self.query_one("#checklist", DataTable)
        if not self.names or self.focused is not table:
            return
        name = self.names[table.cursor_row]
        self.chosen ^= {name}
        table.update_cell(name, "mark", "[x]" if name in self.chosen else "[ ]")

    @on(DataTable.RowSelected, "#checklist")
    def _enter(self) -> None:
        self.action_submit()

    def values(self) -> dict:
        return {
            "chosen": [n for n in self.names if n in self.chosen],
            "extra": split_names(self.query_one("#extra", Input).value),
        }


class PickForm(ActionForm):
    """Pick one of a few (a window): ↑↓ and Enter."""

    HINT = "↑↓ 选择　回车 确定　Esc 取消"

    def __init__(
        self, title: str, options: list[tuple[str, str]], run: StoreCall, *, note: str = ""
    ) -> None:
        super().__init__(title, run, note=note)
        self.options = options  # (value, label)

    def fields(self) -> ComposeResult:
        yield OptionList(*(Option(label) for _, label in self.options), id="pick")

    def on_mount(self) -> None:
        pick = self.query_one("#pick", OptionList)
        pick.highlighted = 0
        pick.focus()

    @on(OptionList.OptionSelected, "#pick")
    def _picked(self) -> None:
        self.action_submit()

    def values(self) -> dict:
        if not self.options:
            raise FormError("没有可选的项目")
        return {"value": self.options[self.query_one("#pick", OptionList).highlighted or 0][0]}


__all__ = [
    "ActionForm",
    "ChecklistForm",
    "ChoiceForm",
    "CloseForm",
    "ConfirmForm",
    "Done",
    "ExtensionForm",
    "FormError",
    "ForwardForm",
    "PickForm",
    "ReasonForm",
    "parse_date",
    "split_names",
]
