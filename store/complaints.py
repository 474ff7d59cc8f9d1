"""投诉 — logging a complaint and taking it through 受理 → 调查 → 处理决定 → 答复投诉人 →
办结 (seed 000 篇7, seed 002 附件6; the rules are policies.complaints).

The complainant's identity (name, contact) and every free text (description, findings,
measures, reply, extension reason) are sealed. Whoever is first asked may log a complaint
(首问负责制: written down and passed on); only IDENTITY_ROLES (the complaint officer, the
admin) see the complainant and the texts, and only they take the steps. Everyone else sees
a complaint's frame (number, channel, grounds, against whom, state, dates) and never the
complainant — not in a view, a list, the queue, the board, or the audit (whose details
hold numbers and codes only). Complaints are not linked to persons, so the search finds
no complaint by a complainant's name or phone.

Deadlines: policies.deadlines.complaint_limit_working_days on the hall's working-day
calendar, counted from the day after receipt; an oral or phone complaint is answered on the
spot or at the latest on the next working day; a written one in 5 working days; a complex
one may be extended once, with a reason, to 15 working days from receipt, and the
complainant is told by a 投诉办理延期告知书 (preview, issue sealed, print).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field

from peewee import fn

from policies.cases import TransitionError
from policies.complaints import (
    CHANNEL_LABELS,
    GROUND_LABELS,
    IDENTITY_ROLES,
    OPEN_STATES,
    REPLY_LABELS,
    SATISFACTION_LABELS,
    STATE_LABELS,
    UNANSWERED_STATES,
    ComplaintAction,
    ComplaintState,
    allowed_steps,
    check_grounds,
    check_step,
    extension_notice,
    is_overdue,
    limit_category,
)
from policies.deadlines import complaint_limit_working_days
from policies.errors import PolicyError
from policies.notices import Notice as NoticeDocument
from store import row_macs
from store.cases.common import clean, count_due, find_by_number, find_case, required
from store.cases.notices import notice_body, notice_from_body
from store.clock import local_date, to_local
from store.errors import InvalidInput, NotFound, PermissionDenied, Refused
from store.models import Complaint, Notice, Staff, Window, new_uuid
from store.numbers import COMPLAINT, NOTICE, next_number
from store.roles import DATA_ROLES
from store.session import Session, operation

__all__ = [
    "EXTENSION_NOTICE",
    "ComplaintRefused",
    "ComplaintResult",
    "ComplaintRow",
    "ComplaintView",
    "IssuedComplaintNotice",
    "close_complaint",
    "complaint_detail",
    "complaint_notice",
    "complaints_waiting",
    "decide_complaint",
    "extend_complaint",
    "investigate_complaint",
    "issue_extension_notice",
    "list_complaints",
    "log_complaint",
    "open_complaint_items",
    "overdue_complaints",
    "preview_extension_notice",
    "record_complaint_printed",
    "reply_complaint",
    "substantiated_counts",
]

EXTENSION_NOTICE = "complaint_extension"
HIDDEN = "（保密）"


class ComplaintRefused(Refused):
    """A step the complaint rules forbid now (policies.complaints): the message says why."""


@dataclass(frozen=True)
class ComplaintResult:
    number: str
    state: str
    due_date: dt.date
    due_provisional: bool


@dataclass(frozen=True)
class ComplaintRow:
    """One line of a list, the queue or the board: never the complainant."""

    number: str
    received_on: dt.date
    channel_label: str
    grounds_label: str
    against: str
    complex: bool
    state: str
    state_label: str
    due_date: dt.date | None
    due_provisional: bool
    overdue: bool


@dataclass(frozen=True)
class ComplaintView:
    number: str
    received_at: dt.datetime  # hall time
    channel: str
    channel_label: str
    grounds: tuple[str, ...]
    grounds_label: str
    against: str
    complex: bool
    state: str
    state_label: str
    due_date: dt.date | None
    due_provisional: bool
    overdue: bool
    extended: bool
    substantiated: bool | None
    reply_how_label: str
    replied_on: dt.date | None
    satisfaction_label: str
    anonymous: bool
    #: Whether the one looking may see the complainant and the texts (IDENTITY_ROLES).
    identity_shown: bool
    complainant_name: str = field(default="", repr=False)
    complainant_contact: str = field(default="", repr=False)
    description: str = field(default="", repr=False)
    findings: str = field(default="", repr=False)
    measures: str = field(default="", repr=False)
    reply_note: str = field(default="", repr=False)
    extension_reason: str = field(default="", repr=False)
    #: The steps the one looking may take now (policies.complaints.allowed_steps).
    steps: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class IssuedComplaintNotice:
    number: str
    notice: NoticeDocument = dataclasses.field(repr=False)  # names the complainant


# --- helpers ------------------------------------------------------------------------------


def _may_see(session: Session) -> bool:
    return session.role in IDENTITY_ROLES


def _who(session: Session) -> set[str]:
    return {"officer"} if _may_see(session) else set()


def _find(number: str) -> Complaint:
    return find_by_number(Complaint, number, "投诉编号", "投诉")


def _visible(session: Session, row: Complaint) -> None:
    """Outside IDENTITY_ROLES one sees only the complaints one logged."""
    if not _may_see(session) and row.received_by_id != session.staff_id:
        raise NotFound(f"没有投诉编号为 {row.number} 的投诉")


def _open(session: Session, row: Complaint, column: str) -> str:
    return row_macs.open_text(session.keys, row, column) or ""


def _grounds(row: Complaint) -> tuple[str, ...]:
    codes = json.loads(row.grounds or "[]")
    return tuple(codes) or ((row.ground,) if row.ground else ())


def _grounds_label(codes: tuple[str, ...]) -> str:
    return "、".join(GROUND_LABELS.get(c, c) for c in codes)


def _against(row: Complaint, windows: dict[int, str], staff: dict[int, str], cases) -> str:
    parts = []
    if row.against_window_id:
        parts.append(windows.get(row.against_window_id, ""))
    if row.against_staff_id:
        parts.append(f"工号 {staff.get(row.against_staff_id, '')}")
    if row.case_id:
        parts.append(f"办件 {cases.get(row.case_id, '')}")
    return "；".join(p for p in parts if p) or "（未指明）"


def _names(rows: list[Complaint]):
    from store.models import Case

    window_ids = {r.against_window_id for r in rows if r.against_window_id}
    staff_ids = {r.against_staff_id for r in rows if r.against_staff_id}
    case_ids = {r.case_id for r in rows if r.case_id}
    windows = (
        dict(Window.select(Window.id, Window.name).where(Window.id.in_(window_ids)).tuples())
        if window_ids
        else {}
    )
    staff = (
        dict(Staff.select(Staff.id, Staff.number).where(Staff.id.in_(staff_ids)).tuples())
        if staff_ids
        else {}
    )
    cases = (
        dict(Case.select(Case.id, Case.number).where(Case.id.in_(case_ids)).tuples())
        if case_ids
        else {}
    )
    return windows, staff, cases


def _row(row: Complaint, today: dt.date, names) -> ComplaintRow:
    codes = _grounds(row)
    return ComplaintRow(
        number=row.number,
        received_on=local_date(row.received_at),
        channel_label=CHANNEL_LABELS.get(row.channel, row.channel),
        grounds_label=_grounds_label(codes),
        against=_against(row, *names),
        complex=bool(row.complex),
        state=row.state,
        state_label=STATE_LABELS.get(row.state, row.state),
        due_date=row.due_date,
        due_provisional=bool(row.due_provisional),
        overdue=is_overdue(row.state, row.due_date, today),
    )


def _rows(rows: list[Complaint], today: dt.date) -> tuple[ComplaintRow, ...]:
    names = _names(rows)
    return tuple(_row(r, today, names) for r in rows)


def _step(session: Session, row: Complaint, action: ComplaintAction) -> None:
    """Ask the rules; move the state. A refusal is recorded by the operation."""
    try:
        to = check_step(
            row.state,
            action,
            _who(session),
            complex_=bool(row.complex),
            extended=row.extended_at is not None,
        )
    except TransitionError as exc:
        if not _may_see(session):
            raise PermissionDenied(str(exc)) from None
        raise ComplaintRefused(str(exc)) from None
    if to is not None:
        row.state = to


def _seal(session: Session, row: Complaint, column: str, text: str | None):
    return session.keys.seal("complaint", column, row.uuid, clean(text) or None)


# --- logging ------------------------------------------------------------------------------


def log_complaint(
    session: Session,
    *,
    channel: str,
    grounds: list[str] | tuple[str, ...],
    description: str,
    complainant_name: str = "",
    complainant_contact: str = "",
    anonymous: bool = False,
    against_window: str | None = None,
    against_staff: str | None = None,
    case_number: str | None = None,
    complex_: bool = False,
) -> ComplaintResult:
    """投诉登记: anyone at the counter may log a complaint (首问负责制); the complaint officer
    handles it. ``against_window`` a window code, ``against_staff`` a staff number,
    ``case_number`` the case complained about (its window and clerk fill what is not given).
    The due date follows the channel and complexity (policies.complaints.limit_category)."""
    try:
        codes = check_grounds(list(grounds))
        category = limit_category(channel, complex_)
    except TransitionError as exc:
        raise InvalidInput(str(exc)) from None
    text = required(description, "投诉内容")
    name, contact = clean(complainant_name), clean(complainant_contact)
    if anonymous and name:
        raise InvalidInput("匿名投诉不登记投诉人姓名")
    if not anonymous and not name:
        raise InvalidInput("请填写投诉人姓名，或标为匿名投诉")
    with operation(session, "complaint.log", roles=DATA_ROLES, record_table="complaint") as event:
        now = session.now()
        today = local_date(now)
        case = find_case(case_number) if clean(case_number) else None
        window = staff = None
        if clean(against_window):
            window = Window.get_or_none(Window.code == clean(against_window))
            if window is None:
                raise InvalidInput(f"没有代码为 {clean(against_window)} 的窗口")
        if clean(against_staff):
            staff = Staff.get_or_none(Staff.number == clean(against_staff))
            if staff is None:
                raise InvalidInput(f"没有工号为 {clean(against_staff)} 的工作人员")
        if case is not None:
            window = window or case.window
            staff = staff or (Staff.get_by_id(case.accepted_by_id) if case.accepted_by_id else None)
        if window is None and staff is not None and staff.window_id:
            window = staff.window
        limit = complaint_limit_working_days(category, session.register.policy)
        due, provisional = count_due(session, today, limit)
        row = Complaint(
            uuid=new_uuid(),
            key_id=session.keys.current,
            number=next_number(COMPLAINT, today),
            received_at=now,
            channel=channel,
            ground=codes[0],
            grounds=json.dumps(list(codes)),
            against_staff=staff,
            against_window=window,
            case=case,
            complex=bool(complex_),
            due_date=due,
            due_provisional=provisional,
            state=ComplaintState.RECEIVED,
            handler=session.staff_id if _may_see(session) else None,
            received_by=session.staff_id,
            anonymous=bool(anonymous),
        )
        row.complainant_name_enc = _seal(session, row, "complainant_name_enc", name)
        row.complainant_contact_enc = _seal(session, row, "complainant_contact_enc", contact)
        row.description_enc = _seal(session, row, "description_enc", text)
        row_macs.save(session, row, force_insert=True)
        event.record_id = row.uuid
        event.detail = {
            "number": row.number,
            "channel": channel,
            "grounds": list(codes),
            "complex": bool(complex_),
            "due": due.isoformat(),
        }
        return ComplaintResult(row.number, row.state, due, provisional)


# --- reading ------------------------------------------------------------------------------


def complaint_detail(session: Session, number: str) -> ComplaintView:
    """One complaint as the one looking may see it: the complainant and the texts only for
    IDENTITY_ROLES; others see the frame of the complaints they logged."""
    with operation(session, "complaint.view", roles=DATA_ROLES, record_table="complaint") as event:
        row = _find(number)
        _visible(session, row)
        event.record_id, event.detail = row.uuid, {"number": row.number}
        today = local_date(session.now())
        codes = _grounds(row)
        shown = _may_see(session)

        def text(column: str) -> str:
            return _open(session, row, column) if shown else ""

        notices = ()
        if shown:
            notices = tuple(
                n
                for (n,) in Notice.select(Notice.number)
                .where(Notice.complaint == row)
                .order_by(Notice.id)
                .tuples()
            )
        return ComplaintView(
            number=row.number,
            received_at=to_local(row.received_at),
            channel=row.channel,
            channel_label=CHANNEL_LABELS.get(row.channel, row.channel),
            grounds=codes,
            grounds_label=_grounds_label(codes),
            against=_against(row, *_names([row])),
            complex=bool(row.complex),
            state=row.state,
            state_label=STATE_LABELS.get(row.state, row.state),
            due_date=row.due_date,
            due_provisional=bool(row.due_provisional),
            overdue=is_overdue(row.state, row.due_date, today),
            extended=row.extended_at is not None,
            substantiated=row.confirmed,
            reply_how_label=REPLY_LABELS.get(row.reply_how, ""),
            replied_on=local_date(row.replied_at) if row.replied_at else None,
            satisfaction_label=SATISFACTION_LABELS.get(row.satisfaction, ""),
            anonymous=bool(row.anonymous),
            identity_shown=shown,
            complainant_name=(
                text("complainant_name_enc") or ("匿名" if row.anonymous else "")
                if shown
                else HIDDEN
            ),
            complainant_contact=text("complainant_contact_enc") if shown else HIDDEN,
            description=text("description_enc") if shown else HIDDEN,
            findings=text("finding_enc"),
            measures=text("measures_enc"),
            reply_note=text("reply_note_enc"),
            extension_reason=text("extension_reason_enc"),
            steps=tuple(
                allowed_steps(
                    row.state,
                    _who(session),
                    complex_=bool(row.complex),
                    extended=row.extended_at is not None,
                )
            ),
            notices=notices,
        )


def list_complaints(
    session: Session, *, open_only: bool = False, limit: int = 200
) -> tuple[ComplaintRow, ...]:
    """Complaints the one looking may see, newest first: all for IDENTITY_ROLES, the ones
    one logged for everyone else. Rows carry no complainant."""
    with operation(session, "complaint.list", roles=DATA_ROLES, record_table="complaint") as event:
        query = Complaint.select()
        if not _may_see(session):
            query = query.where(Complaint.received_by == session.staff_id)
        if open_only:
            query = query.where(Complaint.state.in_(OPEN_STATES))
        rows = list(query.order_by(Complaint.received_at.desc(), Complaint.id.desc()).limit(limit))
        event.detail = {"count": len(rows), "open_only": open_only}
        return _rows(rows, local_date(session.now()))


def complaints_waiting(session: Session, *, limit: int = 50) -> tuple[ComplaintRow, ...]:
    """The queue: open complaints awaiting the logged-in complaint officer (theirs, or not
    yet taken by anyone), the earliest due first. Empty for everyone else. Read inside the
    caller's operation (store.queue) or on its own."""
    if session.role not in IDENTITY_ROLES or session.staff_id is None:
        return ()
    rows = list(
        Complaint.select()
        .where(
            Complaint.state.in_(OPEN_STATES)
            & ((Complaint.handler == session.staff_id) | Complaint.handler.is_null())
        )
        .order_by(Complaint.due_date, Complaint.id)
        .limit(limit)
    )
    return _rows(rows, local_date(session.now()))


def overdue_complaints(today: dt.date, *, limit: int = 50) -> tuple[int, tuple[ComplaintRow, ...]]:
    """The supervisor's board: (how many, the first ``limit``) unanswered complaints past
    their due date, oldest due first. Numbers, channels, grounds, against whom: never the
    complainant. Read inside the caller's operation (an index range on state, due date)."""
    where = Complaint.state.in_(UNANSWERED_STATES) & (Complaint.due_date < today)
    count = Complaint.select(fn.COUNT(Complaint.id)).where(where).scalar() or 0
    rows = list(
        Complaint.select().where(where).order_by(Complaint.due_date, Complaint.id).limit(limit)
    )
    return count, _rows(rows, today)


def open_complaint_items(staff_ids: list[int]) -> list[dict]:
    """AB岗: the open complaints these officers handle, in the handover's snapshot form."""
    if not staff_ids:
        return []
    numbers = dict(Staff.select(Staff.id, Staff.number).where(Staff.id.in_(staff_ids)).tuples())
    return [
        {
            "type": "complaint",
            "number": number,
            "owner": numbers[handler],
            "due": due.isoformat() if due else None,
            "state": STATE_LABELS.get(state, state),
        }
        for number, state, due, handler in Complaint.select(
            Complaint.number, Complaint.state, Complaint.due_date, Complaint.handler
        )
        .where(Complaint.handler.in_(staff_ids) & Complaint.state.in_(OPEN_STATES))
        .tuples()
    ]


def substantiated_counts(start: dt.datetime, end: dt.datetime) -> dict[str, dict]:
    """For the reports: substantiated complaints decided in [start, end), counted against
    the staff member (by number) and the window (by code). No complainant."""
    by_staff: dict[str, int] = {}
    by_window: dict[str, int] = {}
    query = (
        Complaint.select(Complaint.against_staff, Complaint.against_window)
        .where(
            (Complaint.confirmed == True)  # noqa: E712
            & (Complaint.decided_at >= start)
            & (Complaint.decided_at < end)
        )
        .tuples()
    )
    staff_numbers = dict(Staff.select(Staff.id, Staff.number).tuples())
    window_codes = dict(Window.select(Window.id, Window.code).tuples())
    for staff_id, window_id in query:
        if staff_id:
            key = staff_numbers[staff_id]
            by_staff[key] = by_staff.get(key, 0) + 1
        if window_id:
            key = window_codes[window_id]
            by_window[key] = by_window.get(key, 0) + 1
    return {"staff": by_staff, "window": by_window}


# --- the steps ----------------------------------------------------------------------------


def _take(session: Session, action: str, number: str, event) -> Complaint:
    row = _find(number)
    event.record_id, event.detail = row.uuid, {"number": row.number}
    return row


def investigate_complaint(session: Session, number: str, findings: str) -> str:
    """调查: record the findings. Returns the new state."""
    text = required(findings, "调查情况")
    with operation(
        session, "complaint.investigate", roles=DATA_ROLES, record_table="complaint"
    ) as event:
        row = _take(session, "investigate", number, event)
        _step(session, row, ComplaintAction.INVESTIGATE)
        row.finding_enc = _seal(session, row, "finding_enc", text)
        row.investigated_at = session.now()
        row.handler = row.handler_id or session.staff_id
        row_macs.save(session, row)
        return row.state


def decide_complaint(session: Session, number: str, *, substantiated: bool, measures: str) -> str:
    """处理决定: substantiated or not, and the measures taken. A substantiated complaint
    counts against the staff member and the window (substantiated_counts)."""
    text = required(measures, "处理意见")
    with operation(
        session, "complaint.decide", roles=DATA_ROLES, record_table="complaint"
    ) as event:
        row = _take(session, "decide", number, event)
        _step(session, row, ComplaintAction.DECIDE)
        row.confirmed = bool(substantiated)
        row.measures_enc = _seal(session, row, "measures_enc", text)
        decision = "投诉属实" if substantiated else "投诉不属实"
        row.decision_enc = _seal(session, row, "decision_enc", decision)
        row.decided_at = session.now()
        row_macs.save(session, row)
        event.detail["substantiated"] = bool(substantiated)
        return row.state


def reply_complaint(
    session: Session, number: str, *, how: str, note: str = "", replied_on: dt.date | None = None
) -> str:
    """答复投诉人: how and when (today by default; not in the future, not before receipt)."""
    if how not in REPLY_LABELS:
        raise InvalidInput(f"未知的答复方式：{how}")
    with operation(session, "complaint.reply", roles=DATA_ROLES, record_table="complaint") as event:
        row = _take(session, "reply", number, event)
        _step(session, row, ComplaintAction.REPLY)
        now = session.now()
        today = local_date(now)
        day = replied_on or today
        if day > today:
            raise InvalidInput("答复日期不能晚于今天")
        if day < local_date(row.received_at):
            raise InvalidInput("答复日期不能早于受理日期")
        row.reply_how = how
        row.reply_note_enc = _seal(session, row, "reply_note_enc", note)
        row.replied_at = now if day == today else dt.datetime.combine(day, now.timetz())
        row_macs.save(session, row)
        event.detail.update(how=how, on_time=row.due_date is None or day <= row.due_date)
        return row.state


def close_complaint(session: Session, number: str, *, satisfaction: str) -> str:
    """办结, with the complainant's satisfaction with the handling."""
    if satisfaction not in SATISFACTION_LABELS:
        raise InvalidInput(f"未知的满意度：{satisfaction}")
    with operation(session, "complaint.close", roles=DATA_ROLES, record_table="complaint") as event:
        row = _take(session, "close", number, event)
        _step(session, row, ComplaintAction.CLOSE)
        row.satisfaction = satisfaction
        row.closed_at = session.now()
        row.closed_by = session.staff_id
        row_macs.save(session, row)
        event.detail["satisfaction"] = satisfaction
        return row.state


def extend_complaint(session: Session, number: str, reason: str) -> ComplaintResult:
    """延期: a complex complaint, once, with a reason, to the policy's complex limit counted
    from receipt. The complainant is to be told: issue_extension_notice."""
    text = required(reason, "延期理由")
    with operation(
        session, "complaint.extend", roles=DATA_ROLES, record_table="complaint"
    ) as event:
        row = _take(session, "extend", number, event)
        _step(session, row, ComplaintAction.EXTEND)
        limit = complaint_limit_working_days("complex", session.register.policy, extended=True)
        due, provisional = count_due(session, local_date(row.received_at), limit)
        if row.due_date is not None and due <= row.due_date:
            raise ComplaintRefused("按现行政策，延期后的答复期限不晚于原期限，无需延期")
        row.extended_from = row.due_date
        row.due_date, row.due_provisional = due, provisional
        row.extended_at = session.now()
        row.extension_reason_enc = _seal(session, row, "extension_reason_enc", text)
        row_macs.save(session, row)
        event.detail.update(due=due.isoformat(), was=row.extended_from.isoformat())
        return ComplaintResult(row.number, row.state, due, provisional)


# --- the extension notice -----------------------------------------------------------------


def _notice(session: Session, row: Complaint, notice_number: str = "") -> NoticeDocument:
    if row.extended_at is None or row.extended_from is None:
        raise InvalidInput(f"投诉 {row.number} 未延期，没有延期告知书")
    calendar = session.register.calendar
    issued_on = local_date(session.now())
    try:
        return extension_notice(
            hall_name=session.register.meta("hall_name"),
            complaint_number=row.number,
            complainant_name=_open(session, row, "complainant_name_enc"),
            channel=row.channel,
            received_on=local_date(row.received_at),
            previous_due_on=row.extended_from,
            extended_to=row.due_date,
            reason=_open(session, row, "extension_reason_enc"),
            officer_name=session.staff_name,
            issued_on=issued_on,
            notice_number=notice_number,
            provisional_years=tuple(calendar.missing_years(issued_on, row.due_date)),
        )
    except PolicyError as exc:
        raise InvalidInput(str(exc)) from None


def preview_extension_notice(session: Session, number: str) -> NoticeDocument:
    """The 投诉办理延期告知书 as it would be issued now, without its number."""
    with operation(
        session, "complaint.notice_preview", roles=IDENTITY_ROLES, record_table="complaint"
    ) as event:
        row = _take(session, "notice", number, event)
        return _notice(session, row)


def issue_extension_notice(session: Session, number: str) -> IssuedComplaintNotice:
    """出具: the notice takes its number (TZ…) and is stored sealed with the complaint."""
    with operation(
        session, "complaint.notice_issue", roles=IDENTITY_ROLES, record_table="notice"
    ) as event:
        row = _find(number)
        _notice(session, row)  # refuse before a number is taken
        now = session.now()
        notice_uuid = new_uuid()
        notice_number = next_number(NOTICE, local_date(now))
        document = _notice(session, row, notice_number)
        notice = row_macs.create(
            session.keys,
            Notice,
            uuid=notice_uuid,
            key_id=session.keys.current,
            number=notice_number,
            kind=EXTENSION_NOTICE,
            complaint=row,
            issued_at=now,
            issued_by=session.staff_id,
            body_enc=session.keys.seal("notice", "body_enc", notice_uuid, notice_body(document)),
            stated=json.dumps({"due_date": row.due_date.isoformat()}),
        )
        event.record_id = notice.uuid
        event.detail = {"number": notice.number, "complaint": row.number, "kind": EXTENSION_NOTICE}
        return IssuedComplaintNotice(notice.number, document)


def _complaint_notice(notice_number: str) -> Notice:
    row = find_by_number(Notice, notice_number, "编号", "通知书")
    if row.complaint_id is None:
        raise NotFound(f"通知书 {row.number} 不是投诉告知书")
    return row


def complaint_notice(session: Session, notice_number: str) -> NoticeDocument:
    """An issued complaint notice exactly as issued (补打)."""
    with operation(
        session, "complaint.notice_view", roles=IDENTITY_ROLES, record_table="notice"
    ) as event:
        row = _complaint_notice(notice_number)
        event.record_id, event.detail = row.uuid, {"number": row.number}
        body = row_macs.open_text(session.keys, row, "body_enc") or ""
        return notice_from_body(row.kind, body)


def record_complaint_printed(session: Session, notice_number: str) -> int:
    """A complaint notice went to the printer: count it."""
    with operation(
        session, "complaint.notice_print", roles=IDENTITY_ROLES, record_table="notice"
    ) as event:
        row = _complaint_notice(notice_number)
        row.printed_count += 1
        row_macs.save(session, row)
        event.record_id = row.uuid
        event.detail = {"number": row.number, "printed": row.printed_count}
        return row.printed_count
