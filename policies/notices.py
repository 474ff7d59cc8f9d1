"""The notices (告知书) a counter hands over, as Chinese text filled from the case.

One :class:`NoticeData` (plain values, taken from the case by the caller) goes in, one
:class:`Notice` (title, lines, signature block) comes out; ``tui.printing`` lays it out as
a PDF and the screen shows :meth:`Notice.text` as the preview. Pure: no I/O, no clock.

Kinds and where their wording comes from:

- ``supplement`` 《办件通知书》（一次性告知）: every missing material, numbered, in one go
  (seed 000 篇7 补办件; seed 002 附件3 二; 附件5 三.9: the clock starts the day after the
  supplements arrive, or after the *first* supplement if the list missed something).
- ``acceptance`` 《承诺件受理通知》: the promised completion date (seed 000 篇7 承诺件);
  the applicant may ask about progress at any time within the limit.
- ``return`` 《退回件通知书》: the reasons, in writing (seed 000 篇7 退回件).
- ``joint`` 《联办件通知书》: the lead window and the windows joining the review
  (seed 000 篇7 联办件).
- ``escalated`` 上报件告知单: the promised forwarding date (seed 000 篇7 上报件).
- ``tolerance`` 容缺受理通知书: the form of seed 002 附件8 — missing material, the date by
  which the applicant will bring it, "逾期自愿作退件处理", signature and phone lines.
- ``extension`` 延期告知书: why and until when (seed 002 附件5 三.10).
- ``done`` 办结通知书: the result (准予 / 不予; a 不予 needs its reasons).
- ``immediate`` 办理结果告知单: a slip for a 即办件 done on the spot.
- ``correction`` 期限更正告知书: a date told on an earlier notice has changed because the
  State Council's holiday notice for its year was imported (the earlier notice said the
  date was provisional); the old and the new date of each.
- ``petition_handover`` 信访事项交办单 and ``petition_notice`` 信访告知书 (seed 000 篇7
  信访接待制度): the matter and the answer limit, to the department and to the visitor.

A date counted through a year whose holiday notice is not yet published is provisional
(暂定): every notice stating one says so, and that the date follows the State Council's
notice for that year once it is published (``provisional_years``).

Bad input (a supplement notice without a missing material, an acceptance notice without a
due date …) raises :class:`NoticeError`, a :class:`~policies.errors.PolicyError` with a
Chinese message for the clerk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from policies.cases import FLAGS, KINDS
from policies.errors import PolicyError

__all__ = [
    "DATED_NOTICES",
    "NOTICE_FOR_CASE_KIND",
    "NOTICE_KINDS",
    "PETITION_NOTICES",
    "RESULTS",
    "Notice",
    "NoticeData",
    "NoticeError",
    "NoticeLine",
    "chinese_date",
    "render_notice",
]


class NoticeError(PolicyError):
    """The notice cannot be filled from these data (something the rules require is missing)."""


# Notice kind -> title. Titles of the six kinds come from policies.cases so that the
# register, the screens and the paper use the same names.
NOTICE_KINDS = MappingProxyType(
    {
        "supplement": KINDS["supplement"].notice or "办件通知书",
        "acceptance": KINDS["promised"].notice or "承诺件受理通知",
        "return": KINDS["returned"].notice or "退回件通知书",
        "joint": KINDS["joint"].notice or "联办件通知书",
        "escalated": KINDS["escalated"].notice or "上报件告知单",
        "tolerance": FLAGS["tolerance"].notice or "容缺受理通知书",
        "extension": "延期告知书",
        "done": "办结通知书",
        "immediate": "办理结果告知单",
        "correction": "期限更正告知书",
        "petition_handover": "信访事项交办单",
        "petition_notice": "信访告知书",
    }
)

#: The notices of a petition (信访, policies.petitions): to the responsible department and
#: to the visitor. ``case_number`` holds the petition's number, ``item_name`` the matter.
PETITION_NOTICES = ("petition_handover", "petition_notice")

# Which notice a case of each kind gets when it is registered (a 容缺 case gets
# ``tolerance`` in addition to its kind's notice).
NOTICE_FOR_CASE_KIND = MappingProxyType(
    {
        "immediate": "immediate",
        "promised": "acceptance",
        "supplement": "supplement",
        "returned": "return",
        "joint": "joint",
        "escalated": "escalated",
    }
)

RESULTS = ("准予", "不予")

_BLANK = "＿" * 8  # a line to write on by hand


def chinese_date(day: dt.date) -> str:
    """2026年11月23日 (no leading zeros, as on official paper)."""
    return f"{day.year}年{day.month}月{day.day}日"


def _texts(values: Iterable[str] | str | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):  # one string is one entry, not a sequence of characters
        values = (values,)
    return tuple(str(v).strip() for v in values)


@dataclass(frozen=True, kw_only=True)
class NoticeData:
    """Everything a notice may say, as plain values. Text fields may be empty when the
    notice kind does not use them; which ones a kind requires is checked by
    :func:`render_notice`. Sequences are stored as tuples (the value is immutable)."""

    kind: str  # one of NOTICE_KINDS
    hall_name: str  # XX镇便民服务中心
    case_number: str
    applicant_name: str
    item_name: str  # the service item (办事事项)
    window_name: str  # the issuing window (民政窗口)
    issued_on: dt.date
    notice_number: str = ""  # empty on a preview before the number is assigned
    window_phone: str = ""
    clerk_name: str = ""  # 经办人
    received_on: dt.date | None = None  # the application was received; default issued_on
    due_on: dt.date | None = None  # promised completion date (承诺办结日期)
    promised_limit: str = ""  # 承诺期限 as published: "5个工作日", "当日即办"
    missing_materials: tuple[str, ...] = ()
    present_materials: tuple[str, ...] = ()  # received (已收材料)
    reasons: tuple[str, ...] = ()  # 退回 / 不予 reasons
    bring_by: dt.date | None = None  # 容缺: the date the applicant commits to; 补办: 补正期限
    applicant_phone: str = ""  # prefilled on the 容缺 commitment when known
    previous_due_on: dt.date | None = None  # extension: the due date before it
    extended_to: dt.date | None = None
    extension_reason: str = ""
    approved_by: str = ""  # extension: who approved it (大厅主任 …)
    result: str = ""  # done: 准予 / 不予
    result_detail: str = ""  # 证照名称、批准文号、办理结果 …
    legal_basis: str = ""  # 办事依据
    fee: str = ""  # 收费标准 / 收费金额; empty = not printed
    procedure: str = ""  # 办理程序, on the 一次性告知
    lead_window: str = ""  # joint: the lead window, default window_name
    joint_windows: tuple[str, ...] = ()  # joint: the other windows / departments
    escalate_to: str = ""  # escalated: the approving authority (县民政局 …)
    forward_by: dt.date | None = None  # escalated: promised forwarding date
    pickup: str = ""  # where / how the result is collected
    supervision_phone: str = ""  # 监督电话 (complaints)
    #: Years without the State Council's holiday notice that a stated date was counted
    #: through: the date is provisional (暂定) and the notice says so.
    provisional_years: tuple[int, ...] = ()
    #: correction: (what, the date told before, the date now), e.g. ("办结期限", old, new).
    corrections: tuple[tuple[str, dt.date, dt.date], ...] = ()
    #: correction: the years whose holiday notice moved the dates.
    calendar_years: tuple[int, ...] = ()
    #: petitions: the responsible department (交办) and how the petition came (来访 …).
    department: str = ""
    channel: str = ""

    def __post_init__(self) -> None:
        for name in ("missing_materials", "present_materials", "reasons", "joint_windows"):
            object.__setattr__(self, name, _texts(getattr(self, name)))
        for name in ("provisional_years", "calendar_years"):
            object.__setattr__(self, name, tuple(sorted(set(getattr(self, name)))))
        object.__setattr__(self, "corrections", tuple(tuple(c) for c in self.corrections))
        for name in (
            "hall_name",
            "case_number",
            "applicant_name",
            "item_name",
            "window_name",
            "notice_number",
            "extension_reason",
            "result",
        ):
            object.__setattr__(self, name, str(getattr(self, name)).strip())


@dataclass(frozen=True)
class NoticeLine:
    """One paragraph of a notice. ``style`` tells the layout what it is:

    - ``salutation``: "张三：" at the left margin;
    - ``body``: a paragraph, first line indented two characters;
    - ``item``: one entry of a numbered list (the number is part of ``text``);
    - ``field``: a form field ("申请人：张三"), at the left margin;
    - ``box``: an empty framed area with ``text`` as its caption (ID copy);
    - ``sign``: a line the applicant fills in by hand, with space above it.
    """

    text: str
    style: str = "body"


STYLES = ("salutation", "body", "item", "field", "box", "sign")


@dataclass(frozen=True)
class Notice:
    kind: str
    title: str  # 办件通知书
    subtitle: str  # （一次性告知）, or ""
    header: str  # the hall's name, above the title
    reference: str  # 编号：…, or "" on a preview
    lines: tuple[NoticeLine, ...]
    signature: tuple[str, ...]  # right-aligned block: hall, window, clerk, date

    @property
    def paragraphs(self) -> list[str]:
        return [line.text for line in self.lines]

    def text(self) -> str:
        """The notice as plain text, for the screen preview."""
        out = [self.header, f"《{self.title}》" + self.subtitle]
        if self.reference:
            out.append(self.reference)
        out.append("")
        for line in self.lines:
            if line.style == "body":
                out.append("　　" + line.text)
            elif line.style == "box":
                out.append(f"［{line.text}］")
            elif line.style == "sign":
                out.extend(("", line.text))
            else:
                out.append(line.text)
        out.append("")
        out.extend(self.signature)
        return "\n".join(out)


# -- helpers -------------------------------------------------------------------------


def _require(ok: object, message: str) -> None:
    if not ok:
        raise NoticeError(message)


def _numbered(values: Iterable[str]) -> list[NoticeLine]:
    return [NoticeLine(f"{i}. {v}", "item") for i, v in enumerate(values, 1)]


def _check_list(values: tuple[str, ...], what: str) -> None:
    _require(all(values), f"{what}中有空白项，请删除或填写完整。")


def _item_phrase(d: NoticeData) -> str:
    received = chinese_date(d.received_on or d.issued_on)
    return f"您于{received}申请办理的“{d.item_name}”事项（办件编号：{d.case_number}）"


def _hello(d: NoticeData) -> NoticeLine:
    return NoticeLine(f"{d.applicant_name}：", "salutation")


def _contact(d: NoticeData) -> str:
    phone = f"（电话：{d.window_phone}）" if d.window_phone else ""
    return f"{d.window_name}{phone}"


def _common_tail(d: NoticeData, *, fee: bool = True) -> list[NoticeLine]:
    out: list[NoticeLine] = []
    if d.legal_basis:
        out.append(NoticeLine(f"办事依据：{d.legal_basis}", "field"))
    if fee and d.fee:
        out.append(NoticeLine(f"收费标准：{d.fee}", "field"))
    if d.supervision_phone:
        out.append(NoticeLine(f"监督电话：{d.supervision_phone}", "field"))
    return out


def _due_not_before_issue(day: dt.date, d: NoticeData, what: str) -> None:
    _require(
        day >= d.issued_on,
        f"{what}（{chinese_date(day)}）早于出具日期（{chinese_date(d.issued_on)}），请核对。",
    )


# -- the kinds -----------------------------------------------------------------------


def _supplement(d: NoticeData) -> list[NoticeLine]:
    _require(
        d.missing_materials,
        "办件通知书（一次性告知）必须列明需补办的全部材料，目前一项也没有填写。",
    )
    _check_list(d.missing_materials, "需补办的材料")
    lines = [
        _hello(d),
        NoticeLine(
            f"{_item_phrase(d)}，经本窗口审查，申请材料不齐全或不符合法定形式。"
            f"现一次性书面告知您需补齐补正的全部材料（共{len(d.missing_materials)}项）如下："
        ),
        *_numbered(d.missing_materials),
    ]
    if d.present_materials:
        _check_list(d.present_materials, "已收材料")
        lines.append(NoticeLine(f"已收取的材料：{'、'.join(d.present_materials)}。"))
    if d.bring_by is not None:
        _due_not_before_issue(d.bring_by, d, "补正期限")
        lines.append(
            NoticeLine(f"请您于{chinese_date(d.bring_by)}前将上述材料补齐，送交{_contact(d)}。")
        )
    else:
        lines.append(NoticeLine(f"请您将上述材料补齐后送交{_contact(d)}。"))
    limit = f"，承诺期限为{d.promised_limit}" if d.promised_limit else ""
    lines.append(
        NoticeLine(
            f"本事项的办理时限自收到全部补正材料的次日起计算{limit}。"
            "如因本窗口告知的补正材料有遗漏，办理时限自第一次收到补正材料的次日起计算。"
        )
    )
    if d.procedure:
        lines.append(NoticeLine(f"办理程序：{d.procedure}", "field"))
    lines += _common_tail(d)
    lines.append(NoticeLine(f"申请人签收：{_BLANK}", "sign"))
    return lines


def _acceptance(d: NoticeData) -> list[NoticeLine]:
    _require(d.due_on is not None, "承诺件受理通知必须写明承诺办结日期，请先计算办结期限。")
    assert d.due_on is not None
    _due_not_before_issue(d.due_on, d, "承诺办结日期")
    limit = f"本事项承诺期限为{d.promised_limit}，" if d.promised_limit else ""
    lines = [
        _hello(d),
        NoticeLine(f"{_item_phrase(d)}，申请材料齐全，符合受理条件，本窗口已予受理。"),
        NoticeLine(f"{limit}承诺于{chinese_date(d.due_on)}前办结。"),
    ]
    if d.present_materials:
        _check_list(d.present_materials, "已收材料")
        lines.append(NoticeLine("已收取的材料："))
        lines += _numbered(d.present_materials)
    lines.append(
        NoticeLine(
            f"办理期间，您可随时凭本通知向{_contact(d)}查询办理进度。"
            "如因特殊情况需要延期办结，本中心将书面告知延期的理由和具体时间。"
        )
    )
    if d.pickup:
        lines.append(NoticeLine(f"领取方式：{d.pickup}", "field"))
    return lines + _common_tail(d)


def _return(d: NoticeData) -> list[NoticeLine]:
    _require(d.reasons, "退回件通知书必须书面注明退回原因，目前没有填写。")
    _check_list(d.reasons, "退回原因")
    lines = [
        _hello(d),
        NoticeLine(f"{_item_phrase(d)}，经审查，因下列原因不予受理，现将申请材料退回："),
        *_numbered(d.reasons),
    ]
    if d.missing_materials:
        _check_list(d.missing_materials, "缺少的材料")
        lines.append(NoticeLine("缺少的材料："))
        lines += _numbered(d.missing_materials)
    lines.append(
        NoticeLine(
            f"待具备条件后，您可重新提出申请。如有疑问，请向{_contact(d)}咨询；"
            "如对本决定有异议，可向本中心大厅主任反映。"
        )
    )
    lines += _common_tail(d, fee=False)
    lines.append(NoticeLine(f"申请人签收：{_BLANK}", "sign"))
    return lines


def _joint(d: NoticeData) -> list[NoticeLine]:
    _require(d.joint_windows, "联办件通知书必须列明参与联合办理的窗口或部门。")
    _check_list(d.joint_windows, "联办窗口（部门）")
    _require(d.due_on is not None, "联办件通知书必须写明承诺办结日期，请先计算办结期限。")
    assert d.due_on is not None
    _due_not_before_issue(d.due_on, d, "承诺办结日期")
    lead = d.lead_window or d.window_name
    limit = f"本事项承诺期限为{d.promised_limit}，" if d.promised_limit else ""
    return [
        _hello(d),
        NoticeLine(
            f"{_item_phrase(d)}，需由{lead}与{'、'.join(d.joint_windows)}共同审核办理，"
            f"属联办件。本事项由{lead}牵头受理，本中心组织联合审核，各窗口（部门）在承诺时限内一次性办结。"
        ),
        NoticeLine(f"{limit}承诺于{chinese_date(d.due_on)}前办结。"),
        NoticeLine(
            "如联合审核需要补充文件、图纸或资料，将由牵头窗口一次性告知。"
            f"办理期间，您可随时向{_contact(d)}查询办理进度。"
        ),
        *_common_tail(d),
    ]


def _escalated(d: NoticeData) -> list[NoticeLine]:
    _require(d.forward_by is not None, "上报件告知单必须写明承诺的上报时间。")
    assert d.forward_by is not None
    _due_not_before_issue(d.forward_by, d, "承诺上报日期")
    authority = d.escalate_to or "上级主管部门"
    lines = [
        _hello(d),
        NoticeLine(
            f"{_item_phrase(d)}，审批权限在{authority}，属上报件。"
            f"本窗口已予受理，承诺于{chinese_date(d.forward_by)}前上报，并协助您全过程办理。"
        ),
    ]
    if d.due_on is not None:
        lines.append(NoticeLine(f"预计于{chinese_date(d.due_on)}前办结。"))
    lines.append(NoticeLine(f"办理期间，您可随时向{_contact(d)}查询办理进度。"))
    return lines + _common_tail(d)


def _tolerance(d: NoticeData) -> list[NoticeLine]:
    _require(d.missing_materials, "容缺受理通知书必须写明所缺的材料。")
    _check_list(d.missing_materials, "所缺材料")
    _require(d.bring_by is not None, "容缺受理通知书必须写明申请人承诺补齐材料的日期。")
    assert d.bring_by is not None
    _due_not_before_issue(d.bring_by, d, "承诺补齐日期")
    phone = d.applicant_phone or _BLANK
    lines = [
        NoticeLine(f"受理窗口：{d.window_name}", "field"),
        NoticeLine(f"申请人：{d.applicant_name}", "field"),
        NoticeLine("申请人身份证复印件粘贴处", "box"),
        NoticeLine(f"审批服务事项：{d.item_name}（办件编号：{d.case_number}）", "field"),
        NoticeLine("缺少材料：", "field"),
        *_numbered(d.missing_materials),
        NoticeLine(
            "您申请办理的上述事项主要申报材料齐全、符合法定条件，本窗口予以容缺受理，先行受理和审查。"
            "请您在承诺的时间内将所缺材料补齐补正；逾期未补齐补正的，视为放弃申请，作退件处理。"
        ),
    ]
    if d.due_on is not None:
        lines.append(NoticeLine(f"材料补齐后，本事项承诺于{chinese_date(d.due_on)}前办结。"))
    lines += [
        NoticeLine(
            f"申请人承诺：本人将于{chinese_date(d.bring_by)}前，将所缺申报材料送达受理窗口，"
            "逾期自愿作退件处理。"
        ),
        NoticeLine(f"申请人签名：{_BLANK}　　联系电话：{phone}", "sign"),
        NoticeLine(chinese_date(d.issued_on), "field"),
    ]
    return lines


def _extension(d: NoticeData) -> list[NoticeLine]:
    _require(d.extension_reason, "延期告知书必须写明延期的理由。")
    _require(d.extended_to is not None, "延期告知书必须写明延长后的办结日期。")
    assert d.extended_to is not None
    _due_not_before_issue(d.extended_to, d, "延长后的办结日期")
    previous = d.previous_due_on or d.due_on
    if previous is not None:
        _require(
            d.extended_to > previous,
            f"延长后的办结日期（{chinese_date(d.extended_to)}）必须晚于原承诺办结日期"
            f"（{chinese_date(previous)}）。",
        )
    was = f"原承诺于{chinese_date(previous)}前办结。" if previous is not None else ""
    approved = f"经{d.approved_by}批准" if d.approved_by else "经批准"
    reason = d.extension_reason.rstrip("。；，")
    return [
        _hello(d),
        NoticeLine(
            f"{_item_phrase(d)}，{was}因{reason}，该事项不能按时办结。{approved}，"
            f"办结期限延长至{chinese_date(d.extended_to)}。"
        ),
        NoticeLine(f"给您带来不便，敬请谅解。办理期间，您可随时向{_contact(d)}查询办理进度。"),
        *_common_tail(d, fee=False),
    ]


def _done(d: NoticeData) -> list[NoticeLine]:
    _require(d.result in RESULTS, "办结通知书必须写明办理结果：准予或不予。")
    lines = [_hello(d), NoticeLine(f"{_item_phrase(d)}，已办理完毕。")]
    if d.result == "准予":
        detail = f"：{d.result_detail}" if d.result_detail else ""
        lines.append(NoticeLine(f"办理结果：准予办理{detail}。"))
        pickup = d.pickup or f"请您携带本通知及有效身份证件，到{d.window_name}领取办理结果"
        lines.append(NoticeLine(f"{pickup.rstrip('。')}。"))
    else:
        _require(d.reasons, "不予办理的办结通知书必须写明不予办理的理由。")
        _check_list(d.reasons, "不予办理的理由")
        lines.append(NoticeLine("办理结果：不予办理。理由如下："))
        lines += _numbered(d.reasons)
        lines.append(NoticeLine("如对办理结果有异议，可向本中心大厅主任反映。"))
    lines.append(NoticeLine(f"如有疑问，请向{_contact(d)}咨询。欢迎您对本次服务作出评价。"))
    return lines + _common_tail(d)


def _immediate(d: NoticeData) -> list[NoticeLine]:
    detail = f"办理结果：{d.result_detail}" if d.result_detail else "办理结果：已办结。"
    return [
        _hello(d),
        NoticeLine(f"{_item_phrase(d)}，属即办件，已于{chinese_date(d.issued_on)}当场办结。"),
        NoticeLine(detail.rstrip("。") + "。"),
        NoticeLine(f"如有疑问，请向{_contact(d)}咨询。欢迎您对本次服务作出评价。"),
        *_common_tail(d),
    ]


def _years(years: tuple[int, ...]) -> str:
    return "、".join(f"{y}年" for y in years)


def _correction(d: NoticeData) -> list[NoticeLine]:
    _require(d.corrections, "期限更正告知书必须列明更正的日期。")
    for _what, old, new in d.corrections:
        _require(old != new, "期限更正告知书所列日期没有变化，请核对。")
    because = (
        f"国务院办公厅公布了{_years(d.calendar_years)}部分节假日安排，"
        if d.calendar_years
        else "国务院办公厅公布了节假日安排，"
    )
    return [
        _hello(d),
        NoticeLine(
            f"{_item_phrase(d)}，此前书面告知的日期系按法定节假日暂定。{because}"
            "按法定工作日重新计算，现更正如下："
        ),
        *(
            NoticeLine(f"{i}. {what}：原告知{chinese_date(old)}，更正为{chinese_date(new)}", "item")
            for i, (what, old, new) in enumerate(d.corrections, 1)
        ),
        NoticeLine(f"以本告知书为准。给您带来不便，敬请谅解。如有疑问，请向{_contact(d)}咨询。"),
        *_common_tail(d, fee=False),
    ]


def _department(d: NoticeData) -> str:
    return d.department or _BLANK


def _petition_handover(d: NoticeData) -> list[NoticeLine]:
    """交办单 (seed 000 篇7 信访接待制度): the matter, the limit, the hall's contact."""
    _require(d.due_on, "信访事项交办单必须写明答复期限。")
    received = chinese_date(d.received_on or d.issued_on)
    channel = f"以{d.channel}方式" if d.channel else ""
    return [
        NoticeLine(f"{_department(d)}：", "salutation"),
        NoticeLine(
            f"信访人{d.applicant_name}于{received}{channel}向本中心反映的问题"
            f"（信访编号：{d.case_number}），现交你单位办理。"
        ),
        NoticeLine(f"反映的主要问题：{d.item_name}", "field"),
        NoticeLine(
            f"请于{chinese_date(d.due_on)}前将办理结果答复信访人，并将答复情况书面反馈本中心"
            f"{_contact(d)}。"
        ),
        NoticeLine("请为信访人保守秘密，不得将控告、检举材料转给被控告、被检举的对象。"),
        NoticeLine("承办单位签收：", "sign"),
    ]


def _petition_notice(d: NoticeData) -> list[NoticeLine]:
    """告知书 to the visitor: received, who handles it, by when."""
    _require(d.due_on, "信访告知书必须写明答复期限。")
    received = chinese_date(d.received_on or d.issued_on)
    channel = f"以{d.channel}方式" if d.channel else ""
    who = f"已交{d.department}办理" if d.department else "由本中心办理"
    return [
        _hello(d),
        NoticeLine(
            f"您于{received}{channel}反映的问题（信访编号：{d.case_number}）本中心已登记受理，"
            f"{who}，将于{chinese_date(d.due_on)}前给予答复。"
        ),
        NoticeLine(f"反映的主要问题：{d.item_name}", "field"),
        NoticeLine(f"如有疑问，请向{_contact(d)}咨询。本中心为您反映的情况保守秘密。"),
        *_common_tail(d, fee=False),
    ]


#: Kinds that tell the applicant a date counted in working days (they carry the 暂定
#: sentence, and a change of that date later calls for a correction).
DATED_NOTICES = ("acceptance", "joint", "escalated", "tolerance", "extension", "correction")


def _provisional_note(d: NoticeData) -> NoticeLine:
    years = _years(d.provisional_years)
    return NoticeLine(
        f"注：上述日期跨入{years}，{years}节假日安排尚未公布，暂按法定节假日推算；"
        f"以国务院办公厅公布的{years}节假日安排为准，日期如有变动，本中心将书面告知。"
    )


_RENDER = {
    "supplement": _supplement,
    "acceptance": _acceptance,
    "return": _return,
    "joint": _joint,
    "escalated": _escalated,
    "tolerance": _tolerance,
    "extension": _extension,
    "done": _done,
    "immediate": _immediate,
    "correction": _correction,
    "petition_handover": _petition_handover,
    "petition_notice": _petition_notice,
}

_SUBTITLES = {"supplement": "（一次性告知）"}


def render_notice(data: NoticeData) -> Notice:
    """The Chinese text of the notice ``data.kind``; NoticeError when the data lack what
    the rules require for that kind."""
    if data.kind not in _RENDER:
        raise NoticeError(f"未知的告知书类型 {data.kind!r}")
    _require(data.hall_name, "告知书缺少便民服务中心名称。")
    _require(data.applicant_name, "告知书缺少申请人姓名。")
    _require(data.item_name, "告知书缺少办理事项名称。")
    _require(data.case_number, "告知书缺少办件编号。")
    _require(data.window_name, "告知书缺少窗口名称。")
    if data.received_on is not None:
        _require(
            data.received_on <= data.issued_on,
            f"收件日期（{chinese_date(data.received_on)}）晚于出具日期，请核对。",
        )
    lines = _RENDER[data.kind](data)
    if data.provisional_years and data.kind in DATED_NOTICES:
        lines.append(_provisional_note(data))
    signature = [data.hall_name, data.window_name]
    if data.clerk_name:
        signature.append(f"经办人：{data.clerk_name}")
    signature.append(chinese_date(data.issued_on))
    return Notice(
        kind=data.kind,
        title=NOTICE_KINDS[data.kind],
        subtitle=_SUBTITLES.get(data.kind, ""),
        header=data.hall_name,
        reference=f"编号：{data.notice_number}" if data.notice_number else "",
        lines=tuple(lines),
        signature=tuple(signature),
    )


assert set(_RENDER) == set(NOTICE_KINDS), "every notice kind needs a renderer"
