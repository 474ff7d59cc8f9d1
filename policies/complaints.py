"""投诉 — channels, grounds, the flow and who may take each step (seed 000 篇7, seed 002
附件6). Every "may this happen now?" about a complaint is answered here; the store reads
the facts and asks.

    received ──investigate──▶ investigated ──decide──▶ decided ──reply──▶ replied ──close──▶ closed
    (受理)       (调查: findings)              (处理决定)          (答复投诉人)          (办结, 满意度)

A complex complaint (several units involved) may be extended once, with a reason, up to
the policy's complex limit (seed 002 附件6 五: +10 days to 15 working days); the
complainant is told by a notice (投诉办理延期告知书).

The complainant's identity is sealed and shown only to IDENTITY_ROLES (DOMAIN.md: the
complaint officer is "the only role that may see a complainant's identity"; the system
administrator holds every key of the hall and may act as the officer). Not the supervisor:
the hall head may be the very person complained about, and the seeds name no exception.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from policies.cases import TransitionError

__all__ = [
    "CHANNEL_LABELS",
    "GROUND_LABELS",
    "IDENTITY_ROLES",
    "OPEN_STATES",
    "REPLY_LABELS",
    "SATISFACTION_LABELS",
    "STATE_LABELS",
    "Channel",
    "ComplaintAction",
    "ComplaintState",
    "Ground",
    "Reply",
    "Satisfaction",
    "allowed_steps",
    "check_grounds",
    "check_step",
    "extension_notice",
    "is_overdue",
    "limit_category",
    "step_label",
]


class Channel(StrEnum):
    """投诉渠道 (seed 000 篇7: 口头、电话、书面; 网上 for the online portal)."""

    ORAL = "oral"
    PHONE = "phone"
    WRITTEN = "written"
    ONLINE = "online"


CHANNEL_LABELS: dict[str, str] = {
    Channel.ORAL: "口头",
    Channel.PHONE: "电话",
    Channel.WRITTEN: "书面",
    Channel.ONLINE: "网上",
}


class Ground(StrEnum):
    """投诉事由 — the nine of seed 002 附件6 二."""

    DISCLOSURE = "disclosure"
    HANDLING = "handling"
    CORRUPTION = "corruption"
    ATTITUDE = "attitude"
    OVERDUE = "overdue"
    REFUSAL = "refusal"
    NOT_ONCE = "not_once"
    ONE_TRIP = "one_trip"
    OTHER = "other"


GROUND_LABELS: dict[str, str] = {
    Ground.DISCLOSURE: "违反办事公开规定",
    Ground.HANDLING: "对办理结果有异议",
    Ground.CORRUPTION: "吃拿卡要等不廉洁行为",
    Ground.ATTITUDE: "服务质量差、态度不好",
    Ground.OVERDUE: "超过承诺时限",
    Ground.REFUSAL: "应办不办、推诿拒办",
    Ground.NOT_ONCE: "未一次性告知致多次往返",
    Ground.ONE_TRIP: "未兑现“最多跑一次”承诺",
    Ground.OTHER: "其他违规违纪行为",
}


class ComplaintState(StrEnum):
    RECEIVED = "received"  # 已受理: to investigate
    INVESTIGATED = "investigated"  # 已调查: to decide
    DECIDED = "decided"  # 已处理: to answer the complainant
    REPLIED = "replied"  # 已答复: to close with the complainant's satisfaction
    CLOSED = "closed"  # 已办结


STATE_LABELS: dict[str, str] = {
    ComplaintState.RECEIVED: "待调查",
    ComplaintState.INVESTIGATED: "待处理决定",
    ComplaintState.DECIDED: "待答复",
    ComplaintState.REPLIED: "待办结",
    ComplaintState.CLOSED: "已办结",
}

#: Still awaiting the handler (the queue, the board).
OPEN_STATES = (
    ComplaintState.RECEIVED,
    ComplaintState.INVESTIGATED,
    ComplaintState.DECIDED,
    ComplaintState.REPLIED,
)
#: The reply deadline binds until the complainant has been answered.
UNANSWERED_STATES = (ComplaintState.RECEIVED, ComplaintState.INVESTIGATED, ComplaintState.DECIDED)


class ComplaintAction(StrEnum):
    INVESTIGATE = "investigate"
    DECIDE = "decide"
    REPLY = "reply"
    CLOSE = "close"
    EXTEND = "extend"


_ALLOWED: dict[ComplaintAction, tuple[ComplaintState, ...]] = {
    ComplaintAction.INVESTIGATE: (ComplaintState.RECEIVED,),
    ComplaintAction.DECIDE: (ComplaintState.INVESTIGATED,),
    ComplaintAction.REPLY: (ComplaintState.DECIDED,),
    ComplaintAction.CLOSE: (ComplaintState.REPLIED,),
    ComplaintAction.EXTEND: UNANSWERED_STATES,
}

_NEXT: dict[ComplaintAction, ComplaintState | None] = {
    ComplaintAction.INVESTIGATE: ComplaintState.INVESTIGATED,
    ComplaintAction.DECIDE: ComplaintState.DECIDED,
    ComplaintAction.REPLY: ComplaintState.REPLIED,
    ComplaintAction.CLOSE: ComplaintState.CLOSED,
    ComplaintAction.EXTEND: None,  # the state stays, the due date moves
}

_ACTION_LABELS: dict[ComplaintAction, str] = {
    ComplaintAction.INVESTIGATE: "调查",
    ComplaintAction.DECIDE: "处理决定",
    ComplaintAction.REPLY: "答复投诉人",
    ComplaintAction.CLOSE: "办结",
    ComplaintAction.EXTEND: "延期",
}

#: Every step is the complaint officer's ("officer": the handler or any complaint officer).
_WHO: dict[ComplaintAction, tuple[str, ...]] = {action: ("officer",) for action in ComplaintAction}

#: Roles that may see a complainant's identity and handle complaints (policies.roles values).
IDENTITY_ROLES = frozenset({"complaint_officer", "admin"})


class Reply(StrEnum):
    """答复方式."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    WRITTEN = "written"
    ONLINE = "online"


REPLY_LABELS: dict[str, str] = {
    Reply.IN_PERSON: "当面",
    Reply.PHONE: "电话",
    Reply.WRITTEN: "书面",
    Reply.ONLINE: "网上",
}


class Satisfaction(StrEnum):
    """投诉人对处理的满意度 (seed 002 附件1 15: 投诉处理满意率)."""

    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"
    UNKNOWN = "unknown"  # the complainant said nothing, or is anonymous


SATISFACTION_LABELS: dict[str, str] = {
    Satisfaction.SATISFIED: "满意",
    Satisfaction.BASIC: "基本满意",
    Satisfaction.UNSATISFIED: "不满意",
    Satisfaction.UNKNOWN: "未表态",
}


def limit_category(channel: str, complex_: bool) -> str:
    """The policies.deadlines complaint category of a complaint: a complex one is
    "complex"; a written or online one "written" (5 working days); an oral or phone one
    "general" (on the spot if possible, at the latest the next working day)."""
    if channel not in CHANNEL_LABELS:
        raise TransitionError(f"未知的投诉渠道：{channel}")
    if complex_:
        return "complex"
    if channel in (Channel.WRITTEN, Channel.ONLINE):
        return "written"
    return "general"


def check_grounds(grounds: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The grounds, each once, in the order of the seed; at least one, all known."""
    if not grounds:
        raise TransitionError("请至少选择一项投诉事由")
    unknown = [g for g in grounds if g not in GROUND_LABELS]
    if unknown:
        raise TransitionError(f"未知的投诉事由：{'、'.join(unknown)}")
    return tuple(g for g in Ground if g in set(grounds))


def check_step(
    state: str,
    action: ComplaintAction,
    who: set[str],
    *,
    complex_: bool = False,
    extended: bool = False,
) -> ComplaintState | None:
    """Refuse (TransitionError, in Chinese) a step the state or the person may not take;
    return the state it leads to (None: the state stays). ``who``: "officer" when the person
    may handle complaints."""
    label = STATE_LABELS.get(state, state)
    name = _ACTION_LABELS[action]
    if state not in _ALLOWED[action]:
        raise TransitionError(f"投诉处于「{label}」，不能「{name}」")
    if not who & set(_WHO[action]):
        raise TransitionError(f"「{name}」须由投诉受理人办理")
    if action == ComplaintAction.EXTEND:
        if not complex_:
            raise TransitionError("只有较复杂的投诉可以延期")
        if extended:
            raise TransitionError("该投诉已延期一次，不能再延期")
    return _NEXT[action]


def allowed_steps(
    state: str, who: set[str], *, complex_: bool = False, extended: bool = False
) -> tuple[ComplaintAction, ...]:
    """The steps this person may take on a complaint in this state (for the screen's keys)."""
    out = []
    for action in ComplaintAction:
        try:
            check_step(state, action, who, complex_=complex_, extended=extended)
        except TransitionError:
            continue
        out.append(action)
    return tuple(out)


def step_label(action: ComplaintAction) -> str:
    return _ACTION_LABELS[action]


def is_overdue(state: str, due: dt.date | None, today: dt.date) -> bool:
    """Not yet answered and past its due date."""
    return due is not None and state in UNANSWERED_STATES and today > due


def extension_notice(
    *,
    hall_name: str,
    complaint_number: str,
    complainant_name: str,
    channel: str,
    received_on: dt.date,
    previous_due_on: dt.date,
    extended_to: dt.date,
    reason: str,
    officer_name: str,
    issued_on: dt.date,
    notice_number: str = "",
    provisional_years: tuple[int, ...] = (),
):
    """投诉办理延期告知书 (seed 002 附件6 五; DOMAIN: if a deadline cannot be met the
    complainant is told why): a policies.notices.Notice. Anonymous: no name on it."""
    from policies.notices import Notice, NoticeError, NoticeLine, chinese_date

    reason = reason.strip().rstrip("。；，")
    if not reason:
        raise NoticeError("延期告知书必须写明延期的理由。")
    if extended_to <= previous_due_on:
        raise NoticeError("延长后的答复期限必须晚于原答复期限。")
    how = CHANNEL_LABELS.get(channel, "")
    lines = [
        NoticeLine(f"{complainant_name.strip() or '投诉人'}：", "salutation"),
        NoticeLine(
            f"您于{chinese_date(received_on)}{how}反映的投诉（投诉编号 {complaint_number}），"
            f"本中心已受理。原定于{chinese_date(previous_due_on)}前答复您；因{reason}，"
            f"需进一步调查核实，不能按期答复。经研究，答复期限延长至{chinese_date(extended_to)}。"
        ),
        NoticeLine("本中心将在延长的期限内调查处理，并将处理结果答复您。给您带来不便，敬请谅解。"),
    ]
    if provisional_years:
        years = "、".join(f"{y}年" for y in provisional_years)
        lines.append(
            NoticeLine(
                f"注：上述日期跨入{years}，{years}节假日安排尚未公布，暂按法定节假日推算；"
                f"以国务院办公厅公布的{years}节假日安排为准，日期如有变动，本中心将书面告知。"
            )
        )
    return Notice(
        kind="complaint_extension",
        title="投诉办理延期告知书",
        subtitle="",
        header=hall_name,
        reference=f"编号：{notice_number}" if notice_number else "",
        lines=tuple(lines),
        signature=(hall_name, f"投诉受理人：{officer_name}", chinese_date(issued_on)),
    )
