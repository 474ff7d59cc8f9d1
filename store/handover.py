"""AB岗交接 — absence, handover, cover and return as store operations (seed 002 附件4,
seed 003 篇5). The rules are policies.handover's; this module reads the facts, asks, and
writes the Handover row and its audit event.

Who covers whom is read from the active handovers (a handful of rows): A's work is with
the end of A's chain — A→B, and B away with B→C: C covers both A and B. An operation on
an item of someone the session covers is audited as "B for A" (store.cover).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from peewee import JOIN, fn

from policies import handover as rules
from policies.cases import STATES, TransitionError
from policies.followup import OPEN_STATES as FOLLOWUP_OPEN
from policies.handover import (
    ABSENCE_LABELS,
    MODE_LABELS,
    OPEN_STATES,
    STATE_LABELS,
    UNANNOUNCED,
    Absence,
    HandoverAction,
    HandoverState,
    Mode,
)
from policies.masking import mask_name
from store import row_macs
from store.clock import local_date, to_local
from store.cover import ACTION_WORDS, active_covers, covered_by, covered_through
from store.errors import InvalidInput, NotFound, Refused
from store.models import Attendance, Case, Handover, Inquiry, Post, Rating, Staff, Window
from store.numbers import HANDOVER, next_number
from store.roles import DATA_ROLES, SUPERVISOR_ROLES, WORK_ROLES
from store.session import Session, operation

__all__ = [
    "CoverReasonNeeded",
    "HandoverItem",
    "HandoverRefused",
    "HandoverView",
    "LoginNotice",
    "Orphan",
    "ReturnSummary",
    "absences",
    "accept_return",
    "approvals_waiting",
    "approve_absence",
    "assign_cover",
    "away_staff",
    "board_feeds",
    "cancel_handover",
    "confirm_handover",
    "covers_to_review",
    "hand_back",
    "handover_detail",
    "login_cover",
    "login_notices",
    "my_handovers",
    "open_items",
    "orphans",
    "overdue_returns",
    "refuse_absence",
    "register_absence",
    "return_summary",
    "review_cover",
    "settle_handovers",
    "take_over",
]

OPEN_CASE_STATES = tuple(s for s, st in STATES.items() if not st.terminal)
SUPPLEMENT_STATE = "awaiting_supplement"
ITEM_LABELS = {
    "case": "办件",
    "supplement": "待补正",
    "referral": "督办",
    "callback": "差评回访",
    "complaint": "投诉答复",
}
#: Days ahead the board lists coming absences.
COMING_DAYS = 14


class HandoverRefused(Refused):
    """A step the AB岗 rules forbid now (policies.handover): the message says why."""


@dataclass(frozen=True)
class HandoverItem:
    """One open matter of the absent clerk, as snapshot (numbers and dates only)."""

    type: str  # case | supplement | referral | callback | complaint
    type_label: str
    number: str
    owner: str  # the staff number whose work it is
    due: dt.date | None
    state_label: str


@dataclass(frozen=True)
class HandoverView:
    number: str
    mode: str
    mode_label: str
    absence: str
    absence_label: str
    starts_on: dt.date
    ends_on: dt.date
    state: str
    state_label: str
    from_number: str | None
    from_name: str | None  # masked (陈*雨)
    to_number: str | None
    to_name: str | None  # masked
    window_code: str | None
    window_name: str
    late: bool
    approval: str  # "" | pending | approved | refused
    approver: str  # the policy's level that must approve
    item_count: int
    registered_at: dt.datetime  # hall time
    needs_review: bool  # taken without a handover, not yet seen by the supervisor
    overdue_return: bool  # the period is over and the absent clerk has not come back
    reason: str = field(default="", repr=False)
    note: str = field(default="", repr=False)
    items: tuple[HandoverItem, ...] = field(default=(), repr=False)
    #: The steps the one looking may take now (policies.handover.allowed_steps).
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class DoneEntry:
    """One thing the coverer did for the absent clerk (from the audit chain)."""

    at: dt.datetime  # hall time
    action: str
    action_label: str
    record: str  # the case or inquiry number, when the event names one


@dataclass(frozen=True)
class ReturnSummary:
    handover: HandoverView
    done: tuple[DoneEntry, ...]
    still_open: tuple[HandoverItem, ...]
    closed: tuple[HandoverItem, ...]


@dataclass(frozen=True)
class LoginNotice:
    """What a clerk is told at login about AB岗."""

    kind: str  # confirm | covered | returned | unannounced
    handover: str
    text: str


@dataclass(frozen=True)
class Orphan:
    """Someone away whose open work nobody covers (the board's alarm)."""

    staff_number: str
    staff_name: str  # masked
    items: int
    why: str


# --- reading --------------------------------------------------------------------------


def _masked(session: Session, staff: Staff | None) -> str | None:
    if staff is None:
        return None
    if not session.has_data_key:
        return staff.number
    return mask_name(row_macs.open_text(session.keys, staff, "name_enc") or "")


def _open_text(session: Session, row: Handover, column: str) -> str:
    if not session.has_data_key:
        return ""
    return row_macs.open_text(session.keys, row, column) or ""


def _items(row: Handover) -> tuple[HandoverItem, ...]:
    out = []
    for item in json.loads(row.items or "[]"):
        due = dt.date.fromisoformat(item["due"]) if item.get("due") else None
        out.append(
            HandoverItem(
                item["type"],
                ITEM_LABELS.get(item["type"], item["type"]),
                item["number"],
                item.get("owner", ""),
                due,
                item.get("state", ""),
            )
        )
    return tuple(out)


def _view(session: Session, row: Handover, *, with_items: bool = False) -> HandoverView:
    today = local_date(session.now())
    items = _items(row)
    return HandoverView(
        number=row.number,
        mode=row.mode,
        mode_label=MODE_LABELS.get(row.mode, row.mode),
        absence=row.absence,
        absence_label=ABSENCE_LABELS.get(row.absence, row.absence),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        state=row.state,
        state_label=STATE_LABELS.get(row.state, row.state),
        from_number=row.from_staff.number if row.from_staff_id else None,
        from_name=_masked(session, row.from_staff) if row.from_staff_id else None,
        to_number=row.to_staff.number if row.to_staff_id else None,
        to_name=_masked(session, row.to_staff) if row.to_staff_id else None,
        window_code=row.window.code if row.window_id else None,
        window_name=row.window.name if row.window_id else "",
        late=bool(row.late),
        approval=row.approval,
        approver=row.approver,
        item_count=len(items),
        registered_at=to_local(row.registered_at),
        needs_review=row.mode in UNANNOUNCED
        and row.reviewed_at is None
        and row.state not in (HandoverState.CANCELLED, HandoverState.REFUSED),
        overdue_return=row.state == HandoverState.ACTIVE and row.ends_on < today,
        reason=_open_text(session, row, "reason_enc"),
        note=_open_text(session, row, "notes_enc"),
        items=items if with_items else (),
        actions=tuple(rules.allowed_steps(row.state, _who(session, row))),
    )


def _find(number: str) -> Handover:
    text = "".join((number or "").split()).upper()
    row = Handover.get_or_none(Handover.number == text) if text else None
    if row is None:
        raise NotFound(f"没有交接单号为 {text or '（空）'} 的交接")
    return row


def _staff(number: str | None, what: str) -> Staff:
    text = (number or "").strip()
    if not text:
        raise InvalidInput(f"请填写{what}的工号")
    staff = Staff.get_or_none(Staff.number == text)
    if staff is None or not staff.active:
        raise InvalidInput(f"没有工号为 {text} 的在岗人员")
    if staff.role not in WORK_ROLES:
        raise InvalidInput(f"工号 {text} 不是窗口工作人员，不能顶岗")
    return staff


def open_items(staff_ids: list[int]) -> list[dict]:
    """The open work of these clerks (snapshot form): cases they accepted, referrals they
    follow (督办), 差评 callbacks they owe — most urgent first."""
    if not staff_ids:
        return []
    numbers = dict(Staff.select(Staff.id, Staff.number).where(Staff.id.in_(staff_ids)).tuples())
    items: list[dict] = []
    for number, state, due, owner in (
        Case.select(Case.number, Case.state, Case.due_date, Case.accepted_by)
        .where(Case.accepted_by.in_(staff_ids) & Case.state.in_(OPEN_CASE_STATES))
        .tuples()
    ):
        items.append(
            {
                "type": "supplement" if state == SUPPLEMENT_STATE else "case",
                "number": number,
                "owner": numbers[owner],
                "due": due.isoformat() if due else None,
                "state": STATES[state].label if state in STATES else state,
            }
        )
    for number, owner in (
        Inquiry.select(Inquiry.number, Inquiry.first_asker)
        .where(
            Inquiry.first_asker.in_(staff_ids)
            & (Inquiry.state == "open")
            & (Inquiry.disposition == "referred")
        )
        .tuples()
    ):
        items.append(
            {
                "type": "referral",
                "number": number,
                "owner": numbers[owner],
                "due": None,
                "state": "待办结",
            }
        )
    for case_number, inquiry_number, due, owner in (
        Rating.select(Case.number, Inquiry.number, Rating.followup_due, Rating.staff)
        .join(Case, on=(Rating.case == Case.id), join_type=JOIN.LEFT_OUTER)
        .switch(Rating)
        .join(Inquiry, on=(Rating.inquiry == Inquiry.id), join_type=JOIN.LEFT_OUTER)
        .where(Rating.staff.in_(staff_ids) & Rating.followup_state.in_(FOLLOWUP_OPEN))
        .tuples()
    ):
        items.append(
            {
                "type": "callback",
                "number": case_number or inquiry_number or "",
                "owner": numbers[owner],
                "due": due.isoformat() if due else None,
                "state": "待回访",
            }
        )
    from store.complaints import open_complaint_items  # 投诉 awaiting the officer's reply

    items += open_complaint_items(staff_ids)
    items.sort(key=lambda i: (i["due"] or "9999", i["type"], i["number"]))
    return items


def _signed_in(staff_id: int, on: dt.date) -> bool:
    return (
        Attendance.select()
        .where(
            (Attendance.staff == staff_id)
            & (Attendance.work_date == on)
            & Attendance.signed_in_at.is_null(False)
        )
        .exists()
    )


def _signed_in_after(staff_id: int, day: dt.date) -> bool:
    return (
        Attendance.select()
        .where(
            (Attendance.staff == staff_id)
            & (Attendance.work_date > day)
            & Attendance.signed_in_at.is_null(False)
        )
        .exists()
    )


def _post_window(staff_id: int) -> Window | None:
    post = (
        Post.select(Post, Window)
        .join(Window)
        .where((Post.staff == staff_id) & Window.active)
        .order_by(Post.post, Window.id)
        .first()
    )
    if post is not None:
        return post.window
    staff = Staff.get_by_id(staff_id)
    return staff.window if staff.window_id else None


def _backup_of(staff_id: int) -> Staff | None:
    """The clerk on the other post of A's window (B for an A, A for a B), if any."""
    post = (
        Post.select()
        .join(Window)
        .where((Post.staff == staff_id) & Window.active)
        .order_by(Post.post, Window.id)
        .first()
    )
    if post is None:
        return None
    other = Post.get_or_none(
        (Post.window == post.window_id) & (Post.post != post.post) & Post.staff.is_null(False)
    )
    if other is None or other.staff_id == staff_id or not other.staff.active:
        return None
    return other.staff


def _who(session: Session, row: Handover) -> set[str]:
    """What the session's staff member is to this handover (for policies.handover)."""
    me = session.staff_id
    who = set()
    if me is not None and row.from_staff_id == me:
        who.add("from")
    if (
        me is not None
        and row.to_staff_id is not None
        and (row.to_staff_id == me or row.to_staff_id in covered_by(me))
    ):
        who.add("to")
    if session.role in SUPERVISOR_ROLES:
        who.add("supervisor")
    return who


def _step(session: Session, row: Handover, action: HandoverAction, event) -> None:
    event.record_id = row.uuid
    try:
        rules.check_step(row.state, action, _who(session, row))
    except TransitionError as exc:
        raise HandoverRefused(f"交接 {row.number}：{exc}") from None


def _snapshot(row: Handover) -> None:
    """A's open work into the record; a chain's link carries what A covers too."""
    if row.from_staff_id is None:
        row.items = "[]"
        return
    ids = [row.from_staff_id, *covered_through(row.from_staff_id)]
    row.items = json.dumps(open_items(ids), ensure_ascii=False)


def _seal(session: Session, row: Handover, column: str, text: str) -> None:
    setattr(row, column, session.keys.seal("handover", column, row.uuid, text or None))


def _reseal(session: Session, row: Handover) -> None:
    """Every sealed column under the current key (the row's key_id names one key)."""
    for column in ("reason_enc", "notes_enc"):
        _seal(session, row, column, _open_text(session, row, column))
    row.key_id = session.keys.current


def _overlaps(staff_id: int, starts_on: dt.date, ends_on: dt.date) -> Handover | None:
    return (
        Handover.select()
        .where(
            (Handover.from_staff == staff_id)
            & Handover.state.in_(OPEN_STATES)
            & (Handover.starts_on <= ends_on)
            & (Handover.ends_on >= starts_on)
        )
        .first()
    )


def _new(
    session: Session,
    *,
    from_staff: Staff | None,
    to_staff: Staff | None,
    window: Window | None,
    mode: str,
    absence: str,
    starts_on: dt.date,
    ends_on: dt.date,
    state: str,
    reason: str = "",
    note: str = "",
) -> Handover:
    now = session.now()
    row = Handover(
        number=next_number(HANDOVER, local_date(now)),
        from_staff=from_staff,
        to_staff=to_staff,
        window=window,
        mode=mode,
        absence=absence,
        starts_on=starts_on,
        ends_on=ends_on,
        state=state,
        registered_by=session.staff_id,
        registered_at=now,
        key_id=session.keys.current,
    )
    if state == HandoverState.ACTIVE:
        row.confirmed_at = now
    _seal(session, row, "reason_enc", reason)
    _seal(session, row, "notes_enc", note)
    _snapshot(row)
    row_macs.save(session, row)
    return row


def _absence(text: str) -> str:
    try:
        return Absence(text)
    except ValueError:
        for key, label in ABSENCE_LABELS.items():
            if text == label:
                return key
    known = "、".join(ABSENCE_LABELS.values())
    raise InvalidInput(f"未知的离岗原因：{text}（可选：{known}）")


def _period(session: Session, starts_on: dt.date, ends_on: dt.date, mode: str) -> None:
    try:
        rules.check_period(starts_on, ends_on, local_date(session.now()), mode)
    except TransitionError as exc:
        raise InvalidInput(str(exc)) from None


def _detail(event, row: Handover, **more) -> None:
    event.record_id = row.uuid
    event.detail = {
        "number": row.number,
        "from": row.from_staff_id,
        "to": row.to_staff_id,
        "state": row.state,
        **more,
    }


# --- operations -----------------------------------------------------------------------


def register_absence(
    session: Session,
    *,
    absence: str,
    starts_on: dt.date,
    ends_on: dt.date,
    to_number: str | None = None,
    note: str = "",
) -> HandoverView:
    """A registers an absence and hands over to B (by default the other post of A's window).
    Late against the policy's notice: flagged. Longer than the policy's threshold: waits for
    approval first. No B: waits for the supervisor to name a stand-in."""
    policy = session.register.policy.ab_posts
    today = local_date(session.now())
    kind = _absence(absence)
    _period(session, starts_on, ends_on, Mode.PLANNED)
    with operation(
        session, "handover.register", roles=WORK_ROLES, record_table="handover"
    ) as event:
        me = Staff.get_by_id(session.staff_id)
        to_staff = _staff(to_number, "顶岗人") if to_number else _backup_of(me.id)
        if to_staff is not None and to_staff.id == me.id:
            raise InvalidInput("不能把工作交接给自己")
        clash = _overlaps(me.id, starts_on, ends_on)
        if clash is not None:
            raise InvalidInput(
                f"该期间已有离岗登记 {clash.number}（{clash.starts_on:%m-%d}至{clash.ends_on:%m-%d}）"
            )
        approver = rules.approver_for(
            rules.absence_days(starts_on, ends_on),
            policy.approval_over_days,
            policy.approval_levels,
        )
        waits = approver is not None or to_staff is None
        row = _new(
            session,
            from_staff=me,
            to_staff=to_staff,
            window=_post_window(me.id),
            mode=Mode.PLANNED,
            absence=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            state=HandoverState.REQUESTED if waits else HandoverState.REGISTERED,
            note=note.strip(),
        )
        row.late = rules.is_late(today, starts_on, policy.absence_notice_days)
        row.approval = "pending" if approver else ""
        row.approver = approver or ""
        row_macs.save(session, row)
        _detail(event, row, late=row.late, approval=row.approval, items=len(_items(row)))
        return _view(session, row)


def approve_absence(session: Session, number: str, *, to_number: str | None = None) -> HandoverView:
    """The supervisor approves an absence (and names who covers, when A has no B)."""
    with operation(
        session, "handover.approve", roles=SUPERVISOR_ROLES, record_table="handover"
    ) as event:
        row = _find(number)
        _step(session, row, HandoverAction.APPROVE, event)
        if to_number:
            to_staff = _staff(to_number, "顶岗人")
            if to_staff.id == row.from_staff_id:
                raise InvalidInput("顶岗人不能是离岗人本人")
            row.to_staff = to_staff
        if row.to_staff_id is None:
            raise InvalidInput("该岗位没有 B 岗：请指定顶岗人的工号")
        if row.approval == "pending":
            row.approval, row.approved_by, row.approved_at = (
                "approved",
                session.staff_id,
                session.now(),
            )
        row.state = HandoverState.REGISTERED
        row_macs.save(session, row)
        _detail(event, row)
        return _view(session, row)


def refuse_absence(session: Session, number: str, *, note: str = "") -> HandoverView:
    with operation(
        session, "handover.refuse", roles=SUPERVISOR_ROLES, record_table="handover"
    ) as event:
        row = _find(number)
        _step(session, row, HandoverAction.REFUSE, event)
        row.approval, row.approved_by, row.approved_at = "refused", session.staff_id, session.now()
        row.state = HandoverState.REFUSED
        if note.strip():
            old = _open_text(session, row, "notes_enc")
            _seal(session, row, "notes_enc", f"{old}\n不批准：{note.strip()}".strip())
            row.key_id = session.keys.current
        row_macs.save(session, row)
        _detail(event, row)
        return _view(session, row)


def cancel_handover(session: Session, number: str) -> HandoverView:
    with operation(session, "handover.cancel", roles=WORK_ROLES, record_table="handover") as event:
        row = _find(number)
        _step(session, row, HandoverAction.CANCEL, event)
        row.state, row.ended_at, row.ended_how = HandoverState.CANCELLED, session.now(), "cancelled"
        row_macs.save(session, row)
        _detail(event, row)
        return _view(session, row)


def confirm_handover(session: Session, number: str) -> HandoverView:
    """B has reviewed A's items and takes over: B acts for A from now. The snapshot is
    taken again, so the record holds what B took over."""
    with operation(session, "handover.confirm", roles=WORK_ROLES, record_table="handover") as event:
        row = _find(number)
        _step(session, row, HandoverAction.CONFIRM, event)
        row.state, row.confirmed_at = HandoverState.ACTIVE, session.now()
        _snapshot(row)
        row_macs.save(session, row)
        _detail(event, row, items=len(_items(row)))
        return _view(session, row, with_items=True)


def _check_no_orphans(row: Handover, today: dt.date) -> None:
    """Ending this cover leaves A's work with nobody unless A is back (signed in today)."""
    if row.from_staff_id is None or _signed_in(row.from_staff_id, today):
        return
    left = open_items([row.from_staff_id, *_covered_through(row)])
    try:
        rules.check_end(len(left))
    except TransitionError as exc:
        raise HandoverRefused(f"交接 {row.number}：{exc}") from None


def _covered_through(row: Handover) -> list[int]:
    """Those whose work reaches the coverer only through this handover's absent clerk."""
    if row.from_staff_id is None:
        return []
    return covered_through(row.from_staff_id)


def hand_back(session: Session, number: str) -> ReturnSummary:
    """收岗: B hands A's work back. Refused while A is away and has open work (it would be
    left with nobody); A then reviews what B did and confirms."""
    today = local_date(session.now())
    with operation(
        session, "handover.hand_back", roles=WORK_ROLES, record_table="handover"
    ) as event:
        row = _find(number)
        _step(session, row, HandoverAction.HAND_BACK, event)
        _check_no_orphans(row, today)
        row.state, row.returned_at = HandoverState.RETURNED, session.now()
        row_macs.save(session, row)
        _detail(event, row)
    return return_summary(session, number)


def accept_return(session: Session, number: str) -> HandoverView:
    """A has seen what B did in the period and confirms: the handover ends."""
    with operation(
        session, "handover.accept_return", roles=WORK_ROLES, record_table="handover"
    ) as event:
        row = _find(number)
        _step(session, row, HandoverAction.ACCEPT_RETURN, event)
        row.state, row.ended_at = HandoverState.ENDED, session.now()
        row.ended_how = row.ended_how or "confirmed"
        row_macs.save(session, row)
        _detail(event, row)
        return _view(session, row)


def _cover_at_once(
    session: Session,
    event,
    *,
    absent: Staff,
    to_staff: Staff,
    mode: str,
    absence: str,
    ends_on: dt.date,
    reason: str,
) -> HandoverView:
    """A cover without a handover (主动顶岗, the supervisor's stand-in): active from now,
    unless someone covers the absent clerk already."""
    if absent.id == to_staff.id:
        raise InvalidInput("顶岗人不能是离岗人本人")
    today = local_date(session.now())
    _no_cover_yet(absent, today)
    row = _new(
        session,
        from_staff=absent,
        to_staff=to_staff,
        window=_post_window(absent.id),
        mode=mode,
        absence=_absence(absence),
        starts_on=today,
        ends_on=ends_on,
        state=HandoverState.ACTIVE,
        reason=reason,
    )
    if session.role in SUPERVISOR_ROLES:  # the supervisor's own doing needs no review
        row.reviewed_by, row.reviewed_at = session.staff_id, session.now()
        row_macs.save(session, row)
    _detail(event, row, items=len(_items(row)))
    return _view(session, row, with_items=True)


def _cover_period(session: Session, reason: str, ends_on: dt.date | None, mode: str, what: str):
    """The reason (required) and the last day (today by default) of a cover at once."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(f"{what}须写明原因")
    today = local_date(session.now())
    ends_on = ends_on or today
    _period(session, today, ends_on, mode)
    return reason, ends_on


def take_over(
    session: Session,
    from_number: str,
    *,
    reason: str,
    ends_on: dt.date | None = None,
    absence: str = Absence.OTHER,
) -> HandoverView:
    """主动顶岗: A is absent with no handover (not signed in by the policy's time); B takes
    A's work over at once, with a reason. A is told at the next login; the supervisor sees
    it on the board."""
    reason, ends_on = _cover_period(session, reason, ends_on, Mode.INITIATIVE, "主动顶岗")
    now = session.now()
    with operation(
        session, "handover.take_over", roles=WORK_ROLES, record_table="handover"
    ) as event:
        absent = _staff(from_number, "离岗人")
        try:
            rules.may_take_initiative(
                to_local(now).time(),
                session.register.policy.ab_posts.initiative_after,
                _signed_in(absent.id, local_date(now)),
            )
        except TransitionError as exc:
            raise HandoverRefused(str(exc)) from None
        return _cover_at_once(
            session,
            event,
            absent=absent,
            to_staff=Staff.get_by_id(session.staff_id),
            mode=Mode.INITIATIVE,
            absence=absence,
            ends_on=ends_on,
            reason=reason,
        )


def _no_cover_yet(absent: Staff, today: dt.date, me: int | None = None) -> None:
    """Refuse a second cover of someone covered today (by another than ``me``)."""
    clash = _overlaps(absent.id, today, today)
    if clash is not None and clash.state == HandoverState.ACTIVE and clash.to_staff_id != me:
        who = clash.to_staff.number if clash.to_staff_id else "—"
        raise InvalidInput(f"工号 {absent.number} 的工作已由 {who} 代岗（交接单 {clash.number}）")


def assign_cover(
    session: Session,
    from_number: str,
    to_number: str,
    *,
    reason: str,
    ends_on: dt.date | None = None,
    absence: str = Absence.OTHER,
) -> HandoverView:
    """The supervisor names who covers an absent clerk (A gone without handing over, or a
    post without B): active at once, recorded with the reason."""
    reason, ends_on = _cover_period(session, reason, ends_on, Mode.ASSIGNED, "指定顶岗")
    with operation(
        session, "handover.assign", roles=SUPERVISOR_ROLES, record_table="handover"
    ) as event:
        return _cover_at_once(
            session,
            event,
            absent=_staff(from_number, "离岗人"),
            to_staff=_staff(to_number, "顶岗人"),
            mode=Mode.ASSIGNED,
            absence=absence,
            ends_on=ends_on,
            reason=reason,
        )


def review_cover(session: Session, number: str) -> HandoverView:
    """The supervisor has seen a cover taken without a handover (one key on the board)."""
    with operation(
        session, "handover.review", roles=SUPERVISOR_ROLES, record_table="handover"
    ) as event:
        row = _find(number)
        if row.mode not in UNANNOUNCED or row.reviewed_at is not None:
            raise InvalidInput(f"交接 {row.number} 无需审阅")
        row.reviewed_by, row.reviewed_at = session.staff_id, session.now()
        row_macs.save(session, row)
        _detail(event, row)
        return _view(session, row)


class CoverReasonNeeded(InvalidInput):
    """代岗 at login that needs a reason, and none was given (the message says why)."""


def _todays_login_cover(me: int, today: dt.date, window: Window, covered: Staff | None):
    """The 代岗 declared at login today, still in force, for this window and person."""
    return (
        Handover.select()
        .where(
            (Handover.to_staff == me)
            & (Handover.mode == Mode.LOGIN)
            & (Handover.starts_on == today)
            & (Handover.state == HandoverState.ACTIVE)
            & (Handover.window == window.id)
            & (
                (Handover.from_staff == covered.id)
                if covered is not None
                else Handover.from_staff.is_null()
            )
        )
        .order_by(Handover.id.desc())
        .first()
    )


def login_cover(
    session: Session, window: Window, covered: Staff | None, reason: str
) -> Handover | None:
    """Inside store.roster.take_post's operation: a 代岗 declared at login. Covering someone
    signed in today, or at a window where one holds no post, needs a reason
    (CoverReasonNeeded); either way the cover is a row the supervisor sees. The same cover
    taken again today (after the screen lock) is the row already there. None when it is an
    ordinary day's post."""
    today = local_date(session.now())
    me = session.staff_id
    existing = _todays_login_cover(me, today, window, covered)
    if existing is not None:
        return existing
    holds_post = (
        Post.select().where((Post.staff == me) & (Post.window == window.id)).exists()
        or Staff.get_by_id(me).window_id == window.id
    )
    why = rules.login_cover_needs_reason(
        covered is not None and _signed_in(covered.id, today), holds_post
    )
    reason = reason.strip()
    if why is not None and not reason:
        raise CoverReasonNeeded(f"{why}：代岗须写明原因（将报大厅主任）")
    if covered is None and why is None:
        return None
    if covered is not None:
        _no_cover_yet(covered, today, me)
    return _new(
        session,
        from_staff=covered,
        to_staff=Staff.get_by_id(me),
        window=window,
        mode=Mode.LOGIN,
        absence=Absence.OTHER,
        starts_on=today,
        ends_on=today,
        state=HandoverState.ACTIVE,
        reason=reason,
    )


def settle_handovers(session: Session) -> list[str]:
    """Handovers end on their own: a period that is over goes back to A (returned, for A to
    confirm) once A has signed in after it; otherwise it stays with B and shows on the
    board as an overdue return — never with nobody. Returns the numbers returned."""
    today = local_date(session.now())
    due = list(
        Handover.select()
        .where((Handover.state == HandoverState.ACTIVE) & (Handover.ends_on < today))
        .order_by(Handover.id)
    )
    back = [
        row
        for row in due
        if row.from_staff_id is None or _signed_in_after(row.from_staff_id, row.ends_on)
    ]
    if not back:
        return []
    with operation(session, "handover.settle", roles=None, record_table="handover") as event:
        for row in back:
            row.state, row.returned_at, row.ended_how = (
                HandoverState.RETURNED,
                session.now(),
                "auto",
            )
            if row.from_staff_id is None:
                row.state, row.ended_at = HandoverState.ENDED, session.now()
            row_macs.save(session, row)
        event.detail = {"returned": [row.number for row in back]}
    return [row.number for row in back]


# --- what each one sees ---------------------------------------------------------------


def login_notices(session: Session) -> list[LoginNotice]:
    """At login: for B, handovers to review and confirm; for A, who covers now, what came
    back to confirm, and covers taken without A's handover (marked seen)."""
    me = session.staff_id
    if me is None or session.role not in WORK_ROLES:
        return []
    settle_handovers(session)
    notices: list[LoginNotice] = []
    with operation(session, "handover.notices", roles=WORK_ROLES, record_table="handover") as ev:
        for row in Handover.select().where(
            (Handover.to_staff == me) & (Handover.state == HandoverState.REGISTERED)
        ):
            who = _masked(session, row.from_staff)
            notices.append(
                LoginNotice(
                    "confirm",
                    row.number,
                    f"{who}（{row.from_staff.number}）{row.starts_on:%m-%d}至{row.ends_on:%m-%d}"
                    f"离岗，交接 {len(_items(row))} 项待您确认（F5）",
                )
            )
        for row in Handover.select().where(
            (Handover.from_staff == me)
            & Handover.state.in_((HandoverState.ACTIVE, HandoverState.RETURNED))
        ):
            who = _masked(session, row.to_staff) if row.to_staff_id else "—"
            if row.state == HandoverState.RETURNED:
                notices.append(
                    LoginNotice(
                        "returned",
                        row.number,
                        f"离岗期间由 {who} 代岗，工作已交回：请在 F5 查看代岗期间的办理情况并确认收岗",
                    )
                )
            elif row.mode in UNANNOUNCED and row.seen_by_absent_at is None:
                notices.append(
                    LoginNotice(
                        "unannounced",
                        row.number,
                        f"您未交接期间，{who} 已{MODE_LABELS[row.mode]}（{row.starts_on:%m-%d}起）",
                    )
                )
                row.seen_by_absent_at = session.now()
                row_macs.save(session, row)
            else:
                notices.append(
                    LoginNotice(
                        "covered",
                        row.number,
                        f"您的工作现由 {who} 代岗至 {row.ends_on:%m-%d}；回岗请 {who} 在 F5 收岗交回",
                    )
                )
        ev.detail = {"notices": len(notices)}
    return notices


def my_handovers(session: Session, *, limit: int = 50) -> list[HandoverView]:
    """The handovers the session's clerk is in (as A or B, or covering either), open ones
    first, then the latest."""
    me = session.staff_id
    with operation(session, "handover.list", roles=DATA_ROLES, record_table="handover") as ev:
        people = [me, *covered_by(me)] if me is not None else []
        where = Handover.from_staff.in_(people) | Handover.to_staff.in_(people)
        rows = list(
            Handover.select()
            .where(where)
            .order_by(Handover.state.not_in(_LIVE), Handover.registered_at.desc())
            .limit(limit)
        )
        ev.detail = {"rows": len(rows)}
        return [_view(session, row) for row in rows]


_LIVE = (*OPEN_STATES, HandoverState.RETURNED)


def handover_detail(session: Session, number: str) -> HandoverView:
    with operation(session, "handover.view", roles=DATA_ROLES, record_table="handover") as ev:
        row = _find(number)
        ev.record_id = row.uuid
        return _view(session, row, with_items=True)


def _period_events(row: Handover):
    """The audit events of the cover's period as a range of the chain (its primary key),
    so a summary never scans years of audit: from the event that began the cover to the
    one that handed it back, found through the index of a record's events."""
    from store.models import AuditEvent

    seqs = dict(
        AuditEvent.select(AuditEvent.action, fn.MIN(AuditEvent.seq))
        .where(AuditEvent.record_id == row.uuid)
        .group_by(AuditEvent.action)
        .tuples()
    )
    began = [
        seqs[a] for a in ("handover.confirm", "handover.take_over", "handover.assign") if a in seqs
    ]
    where = AuditEvent.seq > min(began) if began else AuditEvent.seq.is_null(False)
    if "handover.hand_back" in seqs:  # (one that came back by itself ends at returned_at)
        where &= AuditEvent.seq < seqs["handover.hand_back"]
    return where


def return_summary(session: Session, number: str) -> ReturnSummary:
    """What the coverer did for A in the period, read from the audit chain (events whose
    actor covered and whose acting-for is A), and which of the handed-over items are still
    open."""
    from store.models import AuditEvent

    with operation(session, "handover.summary", roles=DATA_ROLES, record_table="handover") as ev:
        row = _find(number)
        ev.record_id = row.uuid
        view = _view(session, row, with_items=True)
        done: list[DoneEntry] = []
        if row.from_staff_id is not None and row.confirmed_at is not None:
            query = AuditEvent.select().where(
                (AuditEvent.acting_for == row.from_staff_id)
                & (AuditEvent.at >= row.confirmed_at)
                & (AuditEvent.action.not_in(("refused", "denied")))
                & ~AuditEvent.action.endswith(".view")
                & ~AuditEvent.action.startswith("queue.")
                & ~AuditEvent.action.startswith("handover.")
            )
            if row.returned_at is not None:
                query = query.where(AuditEvent.at <= row.returned_at)
            query = query.where(_period_events(row))
            for event in query.order_by(AuditEvent.seq):
                detail = json.loads(event.detail or "{}")
                done.append(
                    DoneEntry(
                        to_local(event.at),
                        event.action,
                        ACTION_WORDS.get(event.action, event.action),
                        str(detail.get("number", "")),
                    )
                )
        numbers = {i.number for i in view.items}
        open_now = (
            {i["number"] for i in open_items([row.from_staff_id])} if row.from_staff_id else set()
        )
        still = tuple(i for i in view.items if i.number in open_now)
        closed = tuple(i for i in view.items if i.number in numbers - open_now)
        return ReturnSummary(view, tuple(done), still, closed)


# --- the supervisor's board -----------------------------------------------------------


def away_staff(day: dt.date) -> set[int]:
    """Staff absent on ``day``: by an absence not refused, cancelled or ended, or covered
    until they come back (an overdue return). A 代岗 declared at login says nothing of
    absence (the one covered may be at work)."""
    return {
        s
        for (s,) in Handover.select(Handover.from_staff)
        .where(
            Handover.from_staff.is_null(False)
            & Handover.state.in_((*OPEN_STATES,))
            & (Handover.mode != Mode.LOGIN)
            & (Handover.starts_on <= day)
            & (Handover.ends_on >= day)
        )
        .tuples()
    } | {
        s
        for (s,) in Handover.select(Handover.from_staff)
        .where(
            Handover.from_staff.is_null(False)
            & (Handover.state == HandoverState.ACTIVE)
            & (Handover.mode != Mode.LOGIN)
        )
        .tuples()
    }


def _views(session: Session, query) -> list[HandoverView]:
    return [_view(session, row) for row in query]


def _absences(session: Session, days: int) -> list[HandoverView]:
    today = local_date(session.now())
    return _views(
        session,
        Handover.select()
        .where(
            Handover.state.in_(OPEN_STATES)
            & (Handover.starts_on <= today + dt.timedelta(days=days))
            & ((Handover.ends_on >= today) | (Handover.state == HandoverState.ACTIVE))
        )
        .order_by(Handover.starts_on, Handover.id),
    )


def _approvals(session: Session) -> list[HandoverView]:
    return _views(
        session,
        Handover.select()
        .where(Handover.state == HandoverState.REQUESTED)
        .order_by(Handover.starts_on, Handover.id),
    )


def _unreviewed(session: Session) -> list[HandoverView]:
    return _views(
        session,
        Handover.select()
        .where(
            Handover.mode.in_(UNANNOUNCED)
            & Handover.reviewed_at.is_null()
            & Handover.state.not_in((HandoverState.CANCELLED, HandoverState.REFUSED))
        )
        .order_by(Handover.registered_at),
    )


def _overdue(session: Session) -> list[HandoverView]:
    today = local_date(session.now())
    return _views(
        session,
        Handover.select()
        .where((Handover.state == HandoverState.ACTIVE) & (Handover.ends_on < today))
        .order_by(Handover.ends_on),
    )


def _open_counts(staff_ids: list[int]) -> dict[int, int]:
    """How many open items each of these clerks has (grouped counts, as open_items counts)."""
    counts: dict[int, int] = dict.fromkeys(staff_ids, 0)
    if not staff_ids:
        return counts
    queries = (
        Case.select(Case.accepted_by, fn.COUNT(Case.id))
        .where(Case.accepted_by.in_(staff_ids) & Case.state.in_(OPEN_CASE_STATES))
        .group_by(Case.accepted_by),
        Inquiry.select(Inquiry.first_asker, fn.COUNT(Inquiry.id))
        .where(
            Inquiry.first_asker.in_(staff_ids)
            & (Inquiry.state == "open")
            & (Inquiry.disposition == "referred")
        )
        .group_by(Inquiry.first_asker),
        Rating.select(Rating.staff, fn.COUNT(Rating.id))
        .where(Rating.staff.in_(staff_ids) & Rating.followup_state.in_(FOLLOWUP_OPEN))
        .group_by(Rating.staff),
    )
    for query in queries:
        for owner, count in query.tuples():
            counts[owner] += count
    return counts


def _orphans(session: Session) -> list[Orphan]:
    now = session.now()
    today = local_date(now)
    policy = session.register.policy.ab_posts
    covered = set(active_covers())
    found: dict[int, str] = {}
    for row in Handover.select().where(
        Handover.from_staff.is_null(False)
        & Handover.state.in_((HandoverState.REQUESTED, HandoverState.REGISTERED))
        & (Handover.starts_on <= today)
    ):
        if row.from_staff_id not in covered:
            found[row.from_staff_id] = f"已离岗（{row.number}），交接{STATE_LABELS[row.state]}"
    if (
        session.register.calendar.is_workday(today, allow_provisional=True)
        and to_local(now).time() >= policy.initiative_after
    ):
        here = {
            s
            for (s,) in Attendance.select(Attendance.staff)
            .where((Attendance.work_date == today) & Attendance.signed_in_at.is_null(False))
            .tuples()
        }
        for s in (
            s
            for (s,) in Staff.select(Staff.id)
            .where(Staff.active & Staff.role.in_(list(WORK_ROLES)))
            .tuples()
            if s not in here and s not in covered and s not in found
        ):
            found[s] = f"{policy.initiative_after:%H:%M} 仍未签到，无人顶岗"
    counts = _open_counts(list(found))
    return [
        Orphan(staff.number, _masked(session, staff) or "", counts[staff.id], found[staff.id])
        for staff in Staff.select().where(Staff.id.in_(list(found))).order_by(Staff.number)
        if counts[staff.id]
    ]


def absences(session: Session, *, days: int = COMING_DAYS) -> list[HandoverView]:
    """Absences today and in the coming days, and covers in force (the board)."""
    with operation(session, "handover.absences", roles=SUPERVISOR_ROLES, record_table="handover"):
        return _absences(session, days)


def approvals_waiting(session: Session) -> list[HandoverView]:
    """Absences waiting for approval or for a stand-in to be named."""
    with operation(session, "handover.approvals", roles=SUPERVISOR_ROLES, record_table="handover"):
        return _approvals(session)


def covers_to_review(session: Session) -> list[HandoverView]:
    """Covers taken without a handover, not yet seen by the supervisor."""
    with operation(session, "handover.unreviewed", roles=SUPERVISOR_ROLES, record_table="handover"):
        return _unreviewed(session)


def overdue_returns(session: Session) -> list[HandoverView]:
    """Covers whose period is over while A has not come back: still with B."""
    settle_handovers(session)
    with operation(session, "handover.overdue", roles=SUPERVISOR_ROLES, record_table="handover"):
        return _overdue(session)


def orphans(session: Session) -> list[Orphan]:
    """Open work nobody covers: of a clerk whose registered absence has begun but whose
    handover is not yet confirmed (or approved), and — past the policy's time on a working
    day — of a clerk who has not signed in and whom nobody covers."""
    with operation(session, "handover.orphans", roles=SUPERVISOR_ROLES, record_table="handover"):
        return _orphans(session)


@dataclass(frozen=True)
class HandoverFeeds:
    """What the supervisor's board shows of AB岗, read at once."""

    absences: list[HandoverView]
    approvals: list[HandoverView]
    covers: list[HandoverView]
    overdue_returns: list[HandoverView]
    orphans: list[Orphan]


def board_feeds(session: Session, *, days: int = COMING_DAYS) -> HandoverFeeds:
    """Every AB岗 feed of the board in one audited read (covers whose period is over are
    settled first: store.handover.settle_handovers)."""
    settle_handovers(session)
    with operation(session, "handover.board", roles=SUPERVISOR_ROLES, record_table="handover"):
        return HandoverFeeds(
            _absences(session, days),
            _approvals(session),
            _unreviewed(session),
            _overdue(session),
            _orphans(session),
        )
