"""差评整改回访 — the follow-up of a 不满意 / 非常不满意 rating as store operations: 核实,
整改, callback attempts (回访), and 申诉复核 decided by the supervisor. The rules and limits
are policies.followup's; this module reads the facts, asks, and writes the Rating row (and
a RatingCallback per attempt) with one audit event each. Free text (findings, measures,
evidence, notes, the appeal's reasons) is sealed; audit details hold numbers and codes only.

A follow-up is named by its service's number (the case's or the inquiry's): a service is
rated once, so the number finds one rating.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN

from policies import followup as rules
from policies.cases import TransitionError
from policies.followup import (
    APPEAL_LABELS,
    CALLBACK_HOWS,
    CALLBACK_OUTCOMES,
    OPEN_STATES,
    REACHED,
    SATISFACTION,
    STATE_LABELS,
    AppealState,
    FollowupAction,
    FollowupState,
)
from policies.masking import mask_name
from policies.settings import RATING_LEVELS
from store import row_macs
from store.clock import local_date, to_local
from store.cover import acting_for, covered_by
from store.errors import InvalidInput, NotFound, Refused
from store.models import (
    Case,
    Inquiry,
    Person,
    Rating,
    RatingCallback,
    ServiceItem,
    Staff,
    Window,
)
from store.ratings import CHANNELS
from store.roles import DATA_ROLES, SUPERVISOR_ROLES, WORK_ROLES
from store.session import Session, operation

__all__ = [
    "CallbackView",
    "FollowupRefused",
    "FollowupRow",
    "FollowupView",
    "appeal_rating",
    "appeals_waiting",
    "decide_appeal",
    "followup_detail",
    "log_callback",
    "my_followups",
    "overdue_followups",
    "rectify_followup",
    "verify_followup",
]

TEXT_LIMIT = 500


class FollowupRefused(Refused):
    """A step the follow-up's rules forbid now (policies.followup): the message says why."""


@dataclass(frozen=True)
class CallbackView:
    at: dt.datetime  # local
    how: str
    how_label: str
    outcome: str
    outcome_label: str
    satisfaction: str
    reason_code: int | None
    by_number: str
    note: str


@dataclass(frozen=True)
class FollowupView:
    uuid: str
    service_number: str
    service_name: str
    level: int
    level_label: str
    reason_code: int | None
    channel_label: str
    rated_at: dt.datetime  # local
    staff_number: str
    staff_name: str  # masked
    window_name: str
    rater: str  # masked (王*英); never the full name
    state: str
    state_label: str
    appeal_state: str
    appeal_label: str
    contact_due: dt.date | None
    fix_due: dt.date | None
    rectify_due: dt.date | None
    next_due: dt.date | None
    provisional: bool
    overdue: bool
    complex_matter: bool | None
    contacted: bool
    findings: str
    measures: str
    evidence: str
    satisfaction: str
    appeal_reason: str
    appeal_note: str
    callbacks: tuple[CallbackView, ...]
    #: FollowupAction values this session may take now (the screen's keys)
    steps: tuple[str, ...]


@dataclass(frozen=True)
class FollowupRow:
    """One follow-up in a list (the queue, the board): numbers and dates only."""

    service_number: str
    level_label: str
    state: str
    state_label: str
    appeal_state: str
    staff_number: str
    next_due: dt.date | None
    overdue: bool


# --- reading -------------------------------------------------------------------------------


def _find(number: str) -> tuple[Rating, str]:
    text = "".join((number or "").split()).upper()
    if not text:
        raise InvalidInput("请填写办件号或登记号")
    rating = (
        Rating.select().join(Case, on=(Rating.case == Case.id)).where(Case.number == text).first()
    ) or (
        Rating.select()
        .join(Inquiry, on=(Rating.inquiry == Inquiry.id))
        .where(Inquiry.number == text)
        .first()
    )
    if rating is None:
        raise NotFound(f"{text} 没有评价记录")
    return rating, text


def _who(session: Session, rating: Rating) -> set[str]:
    who = set()
    if session.staff_id is not None and session.staff_id == rating.staff_id:
        who.add("owner")
    elif acting_for(session.staff_id, rating.staff_id) is not None:
        who.add("cover")
    if session.role in SUPERVISOR_ROLES:
        who.add("supervisor")
    return who


def _next_due(rating: Rating) -> dt.date | None:
    return rules.next_due(
        rating.followup_state,
        rating.followup_due,
        rating.fix_due,
        rating.rectify_due,
        rating.contacted_at is not None,
    )


def _open(session: Session, rating: Rating, column: str) -> str:
    return row_macs.open_text(session.keys, rating, column) or ""


def _rater(session: Session, rating: Rating) -> tuple[str, str]:
    """(service name, masked rater)."""
    keys = session.keys
    item_id, person_id, name = None, None, ""
    if rating.case_id is not None:
        case = Case.get_by_id(rating.case_id)
        item_id, person_id = case.item_id, case.person_id
    else:
        inquiry = Inquiry.get_by_id(rating.inquiry_id)
        item_id, person_id = inquiry.item_id, inquiry.person_id
        if person_id is None:
            name = row_macs.open_text(keys, inquiry, "caller_name_enc")
    if person_id is not None:
        person = Person.get_by_id(person_id)
        name = row_macs.open_text(keys, person, "name_enc")
    item = ServiceItem.get_or_none(ServiceItem.id == item_id) if item_id else None
    return (item.name if item else "（未指定事项）"), mask_name(name or "")


def followup_detail(session: Session, number: str) -> FollowupView:
    """The rating of service ``number`` with its follow-up, callbacks and appeal."""
    with operation(
        session, "rating.followup.view", roles=DATA_ROLES, record_table="rating"
    ) as event:
        rating, text = _find(number)
        event.record_id, event.detail = rating.uuid, {"service": text}
        keys = session.keys
        staff = Staff.get_by_id(rating.staff_id)
        staff_name = row_macs.open_text(keys, staff, "name_enc") or ""
        window = Window.get_by_id(rating.window_id)
        service_name, rater = _rater(session, rating)
        numbers = dict(Staff.select(Staff.id, Staff.number).tuples())
        callbacks = tuple(
            CallbackView(
                at=to_local(c.at),
                how=c.how,
                how_label=CALLBACK_HOWS.get(c.how, c.how),
                outcome=c.outcome,
                outcome_label=CALLBACK_OUTCOMES.get(c.outcome, c.outcome),
                satisfaction=c.satisfaction,
                reason_code=c.reason_code,
                by_number=numbers.get(c.by_id, ""),
                note=row_macs.open_text(keys, c, "note_enc") or "",
            )
            for c in RatingCallback.select()
            .where(RatingCallback.rating == rating.id)
            .order_by(RatingCallback.at, RatingCallback.id)
        )
        today = local_date(session.now())
        due = _next_due(rating)
        calendar = session.register.calendar
        dates = [d for d in (rating.followup_due, rating.fix_due, rating.rectify_due) if d]
        provisional = bool(dates) and bool(
            calendar.missing_years(local_date(rating.at), max(dates))
        )
        level = rating.level
        return FollowupView(
            uuid=rating.uuid,
            service_number=text,
            service_name=service_name,
            level=level,
            level_label=RATING_LEVELS[level - 1] if 1 <= level <= 5 else "未评价",
            reason_code=rating.reason_code,
            channel_label=CHANNELS.get(rating.channel, rating.channel),
            rated_at=to_local(rating.at),
            staff_number=staff.number,
            staff_name=mask_name(staff_name),
            window_name=window.name,
            rater=rater,
            state=rating.followup_state,
            state_label=STATE_LABELS.get(rating.followup_state, rating.followup_state),
            appeal_state=rating.appeal_state,
            appeal_label=APPEAL_LABELS.get(rating.appeal_state, rating.appeal_state),
            contact_due=rating.followup_due,
            fix_due=rating.fix_due,
            rectify_due=rating.rectify_due,
            next_due=due,
            provisional=provisional,
            overdue=due is not None and due < today,
            complex_matter=rating.followup_complex,
            contacted=rating.contacted_at is not None,
            findings=_open(session, rating, "findings_enc"),
            measures=_open(session, rating, "measures_enc"),
            evidence=_open(session, rating, "evidence_enc"),
            satisfaction=rating.satisfaction,
            appeal_reason=_open(session, rating, "appeal_reason_enc"),
            appeal_note=_open(session, rating, "appeal_note_enc"),
            callbacks=callbacks,
            steps=tuple(
                str(a)
                for a in rules.allowed_steps(
                    rating.followup_state, rating.appeal_state, _who(session, rating)
                )
            ),
        )


def _rows(session: Session, query) -> list[FollowupRow]:
    today = local_date(session.now())
    numbers = dict(Staff.select(Staff.id, Staff.number).tuples())
    rows = []
    for rating in (
        query.select(
            Rating, Case.number.alias("case_number"), Inquiry.number.alias("inquiry_number")
        )
        .join(Case, on=(Rating.case == Case.id), join_type=JOIN.LEFT_OUTER)
        .switch(Rating)
        .join(Inquiry, on=(Rating.inquiry == Inquiry.id), join_type=JOIN.LEFT_OUTER)
        .objects()
    ):
        due = _next_due(rating)
        rows.append(
            FollowupRow(
                service_number=rating.case_number or rating.inquiry_number or "",
                level_label=RATING_LEVELS[rating.level - 1] if 1 <= rating.level <= 5 else "",
                state=rating.followup_state,
                state_label=STATE_LABELS.get(rating.followup_state, rating.followup_state),
                appeal_state=rating.appeal_state,
                staff_number=numbers.get(rating.staff_id, ""),
                next_due=due,
                overdue=due is not None and due < today,
            )
        )
    rows.sort(key=lambda r: (r.next_due or dt.date.max, r.service_number))
    return rows


def my_followups(session: Session, limit: int = 200) -> list[FollowupRow]:
    """The open follow-ups of the clerk logged in, and of those they cover (AB岗): read
    through the index (followup_state, followup_due) — only open 差评 are read."""
    staff = [session.staff_id, *covered_by(session.staff_id)]
    query = (
        Rating.select()
        .where(Rating.followup_state.in_(OPEN_STATES) & Rating.staff.in_(staff))
        .order_by(Rating.followup_due)
        .limit(limit)
    )
    return _rows(session, query)


def overdue_followups(session: Session, limit: int = 200) -> list[FollowupRow]:
    """Open follow-ups whose next step is past its limit, the whole hall (the board)."""
    today = local_date(session.now())
    late = (
        (
            (Rating.followup_state == FollowupState.OPEN)
            & Rating.contacted_at.is_null()
            & (Rating.followup_due < today)
        )
        | ((Rating.followup_state == FollowupState.VERIFIED) & (Rating.fix_due < today))
        | (Rating.rectify_due < today)
    )
    query = Rating.select().where(Rating.followup_state.in_(OPEN_STATES) & late).limit(limit)
    return [row for row in _rows(session, query) if row.overdue]


def appeals_waiting(session: Session, limit: int = 200) -> list[FollowupRow]:
    """Appeals (申诉) waiting for the supervisor's decision."""
    query = Rating.select().where(Rating.appeal_state == AppealState.PENDING).limit(limit)
    return _rows(session, query)


# --- steps ---------------------------------------------------------------------------------


def _text(value: str | None, what: str, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写{what}")
    if len(text) > TEXT_LIMIT:
        raise InvalidInput(f"{what}不能超过 {TEXT_LIMIT} 字")
    return text


def _step(session: Session, event, number: str, action: FollowupAction) -> Rating:
    rating, text = _find(number)
    event.record_id = rating.uuid
    event.acting_for = acting_for(session.staff_id, rating.staff_id)
    event.detail = {"service": text}
    try:
        rules.check_step(rating.followup_state, rating.appeal_state, action, _who(session, rating))
    except TransitionError as exc:
        raise FollowupRefused(f"{text}：{exc}") from None
    return rating


def _seal(session: Session, rating: Rating, column: str, text: str) -> bytes | None:
    return session.keys.seal("rating", column, rating.uuid, text or None)


def verify_followup(
    session: Session, number: str, *, findings: str, complex_matter: bool
) -> FollowupView:
    """核实: what happened, and whether the matter is simple or complex (its fix limit)."""
    findings = _text(findings, "核实情况")
    with operation(
        session, "rating.followup.verify", roles=WORK_ROLES, record_table="rating"
    ) as event:
        rating = _step(session, event, number, FollowupAction.VERIFY)
        limits = rules.limits(
            session.register.calendar,
            local_date(rating.at),
            session.register.policy.ratings,
            complex_matter=bool(complex_matter),
        )
        rating.followup_state = FollowupState.VERIFIED
        rating.followup_complex = bool(complex_matter)
        rating.fix_due = limits.fix_due
        rating.rectify_due = rating.rectify_due or limits.rectify_due
        rating.verified_at = session.now()
        rating.verified_by = session.staff_id
        rating.findings_enc = _seal(session, rating, "findings_enc", findings)
        row_macs.save(session, rating, only=rating.dirty_fields)
        event.detail["complex"] = bool(complex_matter)
        event.detail["fix_due"] = limits.fix_due.isoformat() if limits.fix_due else None
    return followup_detail(session, number)


def rectify_followup(
    session: Session, number: str, *, measures: str, evidence: str = ""
) -> FollowupView:
    """整改: the measures taken and their evidence (佐证: a document number, photos kept …)."""
    measures = _text(measures, "整改措施")
    evidence = _text(evidence, "整改佐证", required=False)
    with operation(
        session, "rating.followup.rectify", roles=WORK_ROLES, record_table="rating"
    ) as event:
        rating = _step(session, event, number, FollowupAction.RECTIFY)
        rating.followup_state = FollowupState.RECTIFIED
        rating.rectified_at = session.now()
        rating.rectified_by = session.staff_id
        rating.measures_enc = _seal(session, rating, "measures_enc", measures)
        rating.evidence_enc = _seal(session, rating, "evidence_enc", evidence)
        row_macs.save(session, rating, only=rating.dirty_fields)
        event.detail["evidence"] = bool(evidence)
    return followup_detail(session, number)


def log_callback(
    session: Session,
    number: str,
    *,
    how: str,
    outcome: str,
    satisfaction: str = "",
    reason_code: int | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> FollowupView:
    """One callback attempt (回访): when (now unless given), how, the outcome. An attempt
    that reaches the person meets the contact limit; after the rectification it closes the
    follow-up with the person's satisfaction, which it then needs."""
    if how not in CALLBACK_HOWS:
        raise InvalidInput(f"未知的回访方式：{how}（可选：{'、'.join(CALLBACK_HOWS.values())}）")
    if outcome not in CALLBACK_OUTCOMES:
        raise InvalidInput(f"未知的回访结果：{outcome}")
    if satisfaction and satisfaction not in SATISFACTION:
        raise InvalidInput(f"满意度应为：{'、'.join(SATISFACTION)}")
    if satisfaction and outcome != REACHED:
        raise InvalidInput("未联系上评价人，不能记录满意度")
    if reason_code is not None and (
        isinstance(reason_code, bool) or not isinstance(reason_code, int)
    ):
        raise InvalidInput("评价原因代码应为整数")
    note = _text(note, "回访记录", required=False)
    with operation(
        session, "rating.followup.callback", roles=WORK_ROLES, record_table="rating"
    ) as event:
        rating = _step(session, event, number, FollowupAction.CALLBACK)
        now = session.now()
        when = now if at is None else at
        if when.tzinfo is None:
            raise InvalidInput("回访时间须带时区")
        if when > now:
            raise InvalidInput("回访时间不能晚于现在")
        if when < rating.at:
            raise InvalidInput("回访时间不能早于评价时间")
        closing = outcome == REACHED and rating.followup_state == FollowupState.RECTIFIED
        if closing and not satisfaction:
            raise InvalidInput("已整改的差评回访联系上评价人时，请记录其满意度")
        row = row_macs.create(
            session.keys,
            RatingCallback,
            key_id=session.keys.current,
            rating=rating.id,
            at=when,
            how=how,
            outcome=outcome,
            satisfaction=satisfaction,
            reason_code=reason_code,
            by=session.staff_id,
        )
        if note:
            row.note_enc = session.keys.seal("rating_callback", "note_enc", row.uuid, note)
            row_macs.save(session, row, only=[RatingCallback.note_enc])
        if outcome == REACHED and rating.contacted_at is None:
            rating.contacted_at = when
        if closing:
            rating.followup_state = FollowupState.CLOSED
            rating.closed_at = now
            rating.satisfaction = satisfaction
        if rating.dirty_fields:
            row_macs.save(session, rating, only=rating.dirty_fields)
        event.detail.update(
            {"how": how, "outcome": outcome, "closed": closing, "reason_code": reason_code}
        )
    return followup_detail(session, number)


def appeal_rating(session: Session, number: str, *, reason: str) -> FollowupView:
    """申诉: the rated clerk holds the rating mistaken (e.g. the wrong key pressed, another
    window's matter); the supervisor decides."""
    reason = _text(reason, "申诉理由")
    with operation(session, "rating.appeal", roles=WORK_ROLES, record_table="rating") as event:
        rating = _step(session, event, number, FollowupAction.APPEAL)
        rating.appeal_state = AppealState.PENDING
        rating.appeal_at = session.now()
        rating.appeal_reason_enc = _seal(session, rating, "appeal_reason_enc", reason)
        row_macs.save(session, rating, only=rating.dirty_fields)
    return followup_detail(session, number)


def decide_appeal(session: Session, number: str, *, upheld: bool, note: str = "") -> FollowupView:
    """申诉复核 by the supervisor: upheld — the rating was mistaken, is not counted, and
    its follow-up ends (withdrawn); rejected — the follow-up goes on. Recorded either way."""
    note = _text(note, "复核意见", required=not upheld)
    action = FollowupAction.UPHOLD if upheld else FollowupAction.REJECT
    with operation(
        session, "rating.appeal.decide", roles=SUPERVISOR_ROLES, record_table="rating"
    ) as event:
        rating = _step(session, event, number, action)
        now = session.now()
        rating.appeal_state = AppealState.UPHELD if upheld else AppealState.REJECTED
        rating.appeal_decided_at = now
        rating.appeal_decided_by = session.staff_id
        rating.appeal_note_enc = _seal(session, rating, "appeal_note_enc", note)
        if upheld:
            rating.followup_state = FollowupState.WITHDRAWN
            rating.closed_at = now
        row_macs.save(session, rating, only=rating.dirty_fields)
        event.detail["upheld"] = bool(upheld)
    return followup_detail(session, number)
