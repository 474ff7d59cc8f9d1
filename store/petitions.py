"""信访 — petitions as store operations (seed 000 篇7 信访接待制度). The rules are
policies.petitions'; this module reads the facts, asks, and writes the Petition row, its
notices (交办单, 告知书: the notice machinery of store.cases.notices) and one audit event.

Every particular of the visitor (name, gender, age, occupation, political status, address
or workplace, phone, the issue, the materials, the answers) is sealed with the row's uuid;
the audit detail holds the number, the flags and the dates, never a personal field.
A serious, urgent or collective petition is the board's alarm (:func:`board_feed`) until
the supervisor acknowledges it (:func:`acknowledge_alarm`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from policies import petitions as rules
from policies.cases import TransitionError
from policies.errors import PolicyError
from policies.masking import mask_name
from policies.notices import PETITION_NOTICES, Notice, NoticeData, NoticeError, render_notice
from policies.petitions import (
    ACK_ROLES,
    CHANNELS,
    OPEN_STATES,
    STATE_LABELS,
    VIEW_ROLES,
    WORK_ROLES,
    PetitionState,
    PetitionStep,
)
from store import row_macs
from store.case_notices import IssuedNotice
from store.cases.common import find_by_number
from store.cases.notices import notice_body
from store.clock import local_date, to_local
from store.errors import InvalidInput, Refused
from store.models import Notice as NoticeRow
from store.models import Petition, Staff, Window, new_uuid
from store.numbers import NOTICE, PETITION, next_number
from store.session import Session, operation, require_role, transaction
from store.textguard import fitting

__all__ = [
    "PETITION_NOTICES",
    "PetitionFeed",
    "PetitionInput",
    "PetitionRefused",
    "PetitionRow",
    "PetitionView",
    "acknowledge_alarm",
    "answer_petition",
    "board_feed",
    "hand_petition",
    "issue_petition_notice",
    "open_petitions",
    "petition_detail",
    "preview_petition_notice",
    "register_petition",
]

#: Rows the board lists of each petition queue (its total is counted apart).
BOARD_LIMIT = 20
#: The sealed columns of a petition (what a key rotation reseals).
SEALED = (
    "name_enc",
    "gender_enc",
    "age_enc",
    "occupation_enc",
    "political_status_enc",
    "address_enc",
    "phone_enc",
    "issue_enc",
    "materials_enc",
    "reply_enc",
    "department_reply_enc",
)


class PetitionRefused(Refused):
    """A step the petition rules forbid now: the message says why."""


@dataclass(frozen=True)
class PetitionInput:
    """登记内容 (seed 000 篇7 一.1). Repr shows no personal field."""

    name: str
    issue: str  # 反映的主要问题
    gender: str = ""
    age: str = ""
    occupation: str = ""
    political_status: str = ""  # 政治面貌
    address: str = ""  # 住址或工作单位
    phone: str = ""
    materials: str = ""  # 书面材料
    channel: str = "visit"  # policies.petitions.CHANNELS (key or label)
    serious: bool = False  # 重大
    urgent: bool = False  # 紧急
    collective: bool = False  # 集体
    visitors: int = 1  # 集体访: how many came
    leader_reception: bool = False  # 领导接待
    #: 当场答复: answered on the spot, closed at once with this answer.
    answer_now: str = ""
    #: 身份证号 (read from the card or typed): links the petition to the person (查询 finds
    #: it with their cases and inquiries); the number itself is kept with the person only.
    id_number: str = ""

    def __repr__(self) -> str:
        return f"PetitionInput(channel={self.channel}, flags={self.alarm})"

    @property
    def alarm(self) -> tuple[str, ...]:
        return rules.alarm_reasons(
            serious=self.serious, urgent=self.urgent, collective=self.collective
        )


@dataclass(frozen=True)
class PetitionRow:
    """One petition in a list: its number, the visitor masked, the flags and the dates."""

    number: str
    received_at: dt.datetime  # hall time
    channel_label: str
    visitor: str = field(repr=False)  # masked (王*英)
    state: str = ""
    state_label: str = ""
    alarm: tuple[str, ...] = ()  # 重大 / 紧急 / 集体
    alarm_seen: bool = False
    leader_reception: bool = False
    visitors: int = 1
    due_date: dt.date | None = None
    overdue: bool = False
    handed_to: str = ""


@dataclass(frozen=True)
class PetitionView:
    """A petition with every particular opened (for whoever handles it)."""

    row: PetitionRow
    name: str = field(repr=False)
    gender: str = field(repr=False)
    age: str = field(repr=False)
    occupation: str = field(repr=False)
    political_status: str = field(repr=False)
    address: str = field(repr=False)
    phone: str = field(repr=False)
    issue: str = field(repr=False)
    materials: str = field(repr=False)
    reply: str = field(repr=False)
    department_reply: str = field(repr=False)
    received_by: str = ""  # staff number
    handed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    notices: tuple[tuple[str, str], ...] = ()  # (number, kind) issued so far
    steps: tuple[str, ...] = ()  # policies.petitions.allowed_steps for the one looking

    @property
    def number(self) -> str:
        return self.row.number


@dataclass(frozen=True)
class PetitionFeed:
    """The board's petitions: alarms not yet acknowledged, and those past their limit."""

    alarm_total: int
    alarms: tuple[PetitionRow, ...]
    overdue_total: int
    overdue: tuple[PetitionRow, ...]


# --- helpers -------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _find(number: str) -> Petition:
    return find_by_number(Petition, number, "信访编号", "信访")


def _open(session: Session, row: Petition, column: str) -> str:
    return row_macs.open_text(session.keys, row, column) or ""


def _seal(session: Session, row: Petition, column: str, text: str) -> None:
    setattr(row, column, session.keys.seal("petition", column, row.uuid, _clean(text) or None))


def _reseal(session: Session, row: Petition) -> None:
    """Every sealed column under the current key (the row's key_id names one key)."""
    if row.key_id == session.keys.current:
        return
    for column in SEALED:
        if column == "name_enc" or getattr(row, column) is not None:
            _seal(session, row, column, _open(session, row, column))
    row.key_id = session.keys.current


def _alarm(row: Petition) -> tuple[str, ...]:
    return rules.alarm_reasons(
        serious=bool(row.serious), urgent=bool(row.urgent), collective=bool(row.collective)
    )


def _row(session: Session, row: Petition, today: dt.date) -> PetitionRow:
    return PetitionRow(
        number=row.number,
        received_at=to_local(row.received_at),
        channel_label=CHANNELS.get(row.channel, row.channel),
        visitor=mask_name(_open(session, row, "name_enc")),
        state=row.state,
        state_label=STATE_LABELS.get(row.state, row.state),
        alarm=_alarm(row),
        alarm_seen=row.alarm_seen_at is not None,
        leader_reception=bool(row.leader_reception),
        visitors=row.visitors,
        due_date=row.due_date,
        overdue=rules.is_overdue(row.state, row.due_date, today),
        handed_to=row.handed_to,
    )


def _check(session: Session, row: Petition, step: PetitionStep, event) -> None:
    event.record_id = row.uuid
    try:
        rules.check_step(row.state, step, str(session.role))
    except TransitionError as exc:
        raise PetitionRefused(f"信访 {row.number}：{exc}") from None


def _today(session: Session) -> dt.date:
    return local_date(session.now())


# --- registering ---------------------------------------------------------------------


def _person(session: Session, data: PetitionInput, name: str) -> int | None:
    """The person of the ID number given (registered or updated, as at 首问登记), or None."""
    if not _clean(data.id_number):
        return None
    from store.models import Person
    from store.persons import upsert_person

    require_role(session, "petition.register", WORK_ROLES)
    try:
        view = upsert_person(
            session,
            name=name,
            id_number=data.id_number,
            phone=_clean(data.phone) or None,
            gender=_clean(data.gender) or None,
            address=_clean(data.address) or None,
        )
    except PolicyError as exc:  # the ID number does not check out
        raise InvalidInput(str(exc)) from None
    return Person.get(Person.uuid == view.uuid).id


def register_petition(session: Session, data: PetitionInput) -> PetitionRow:
    """登记 a petition: numbered (XF…), every particular sealed, the answer's due date from
    the policy (a leader's reception: its own limit). Answered on the spot (``answer_now``)
    it is closed at once."""
    name, issue = _clean(data.name), _clean(data.issue)
    if not name:
        raise InvalidInput("请填写信访人姓名")
    if not issue:
        raise InvalidInput("请填写反映的主要问题")
    try:
        channel = rules.parse_channel(data.channel)
    except TransitionError as exc:
        raise InvalidInput(str(exc)) from None
    if data.visitors < 1:
        raise InvalidInput("来访人数至少为 1")
    if data.collective and data.visitors < 2:
        raise InvalidInput("集体访请填写来访人数（至少 2 人）")
    answer = _clean(data.answer_now)
    policy = session.register.policy.petitions
    if answer and not policy.on_the_spot:
        raise InvalidInput("本大厅的信访设置不允许当场答复办结，请交办")
    with transaction(session):
        person = _person(session, data, name)
        with operation(
            session,
            "petition.register",
            roles=WORK_ROLES,
            record_table="petition",
            concurrent=True,  # its person is registered concurrently (upsert_person) first
        ) as event:
            now = session.now()
            today = local_date(now)
            row = Petition(
                person=person,
                uuid=new_uuid(),
                key_id=session.keys.current,
                number=next_number(PETITION, today),
                received_at=now,
                state=PetitionState.OPEN,
                serious=data.serious,
                urgent=data.urgent,
                collective=data.collective,
                visitors=data.visitors,
                leader_reception=data.leader_reception,
                channel=channel,
                received_by=session.staff_id,
                due_date=rules.due_date(
                    today,
                    leader_reception=data.leader_reception,
                    days=policy.reply_days,
                    leader_days=policy.leader_reply_days,
                ),
            )
            for column, text in (
                ("name_enc", name),
                ("gender_enc", data.gender),
                ("age_enc", data.age),
                ("occupation_enc", data.occupation),
                ("political_status_enc", data.political_status),
                ("address_enc", data.address),
                ("phone_enc", data.phone),
                ("issue_enc", issue),
                ("materials_enc", data.materials),
            ):
                _seal(session, row, column, text)
            if answer:
                _seal(session, row, "reply_enc", answer)
                row.state, row.closed_at, row.closed_by = (
                    PetitionState.CLOSED,
                    now,
                    session.staff_id,
                )
            row_macs.save(session, row, force_insert=True)
            event.record_id = row.uuid
            event.detail = {
                "number": row.number,
                "channel": channel,
                "alarm": list(data.alarm),
                "leader": bool(data.leader_reception),
                "visitors": data.visitors,
                "due": row.due_date.isoformat(),
                "on_the_spot": bool(answer),
            }
            return _row(session, row, today)


# --- reading -------------------------------------------------------------------------


def open_petitions(session: Session, *, limit: int = 200) -> list[PetitionRow]:
    """The petitions waiting for their answer: alarms first, then by due date."""
    today = _today(session)
    with operation(session, "petition.list", roles=VIEW_ROLES, record_table="petition") as event:
        rows = list(
            Petition.select()
            .where(Petition.state.in_(OPEN_STATES))
            .order_by(Petition.due_date, Petition.id)
            .limit(limit)
        )
        event.detail = {"rows": len(rows)}
        out = [_row(session, r, today) for r in rows]
    out.sort(key=lambda r: (not (r.alarm and not r.alarm_seen), not r.overdue))
    return out


def petition_detail(session: Session, number: str) -> PetitionView:
    """A petition with its particulars opened (an audited read)."""
    today = _today(session)
    with operation(session, "petition.view", roles=VIEW_ROLES, record_table="petition") as event:
        row = _find(number)
        event.record_id, event.detail = row.uuid, {"number": row.number}
        notices = tuple(
            NoticeRow.select(NoticeRow.number, NoticeRow.kind)
            .where(NoticeRow.petition == row.id)
            .order_by(NoticeRow.id)
            .tuples()
        )
        return PetitionView(
            row=_row(session, row, today),
            name=_open(session, row, "name_enc"),
            gender=_open(session, row, "gender_enc"),
            age=_open(session, row, "age_enc"),
            occupation=_open(session, row, "occupation_enc"),
            political_status=_open(session, row, "political_status_enc"),
            address=_open(session, row, "address_enc"),
            phone=_open(session, row, "phone_enc"),
            issue=_open(session, row, "issue_enc"),
            materials=_open(session, row, "materials_enc"),
            reply=_open(session, row, "reply_enc"),
            department_reply=_open(session, row, "department_reply_enc"),
            received_by=Staff.get_by_id(row.received_by_id).number,
            handed_at=to_local(row.handed_at) if row.handed_at else None,
            closed_at=to_local(row.closed_at) if row.closed_at else None,
            notices=notices,
            steps=tuple(rules.allowed_steps(row.state, str(session.role))),
        )


# --- steps ---------------------------------------------------------------------------


def hand_petition(session: Session, number: str, department: str) -> PetitionRow:
    """交办: the responsible department takes the petition (again: 改交). The 交办单 is
    issued apart (:func:`issue_petition_notice`)."""
    department = fitting(_clean(department), 128, "承办单位")
    if not department:
        raise InvalidInput("请填写承办单位（交办给哪个部门）")
    with operation(session, "petition.hand", roles=WORK_ROLES, record_table="petition") as event:
        row = _find(number)
        _check(session, row, PetitionStep.HAND, event)
        before = row.handed_to
        row.handed_to = department
        row.handed_at, row.handed_by = session.now(), session.staff_id
        row.state = PetitionState.HANDED
        row_macs.save(session, row)
        # The department is an office, not a person: it may stand in the audit.
        event.detail = {"number": row.number, "to": row.handed_to, "before": before}
        return _row(session, row, _today(session))


def answer_petition(
    session: Session, number: str, reply: str, *, department_reply: str = ""
) -> PetitionRow:
    """答复办结: the answer given to the visitor (and what the department reported)."""
    reply = _clean(reply)
    if not reply:
        raise InvalidInput("请填写答复内容")
    with operation(session, "petition.answer", roles=WORK_ROLES, record_table="petition") as event:
        row = _find(number)
        _check(session, row, PetitionStep.ANSWER, event)
        _reseal(session, row)
        _seal(session, row, "reply_enc", reply)
        if _clean(department_reply):
            _seal(session, row, "department_reply_enc", department_reply)
        now = session.now()
        today = local_date(now)
        late = rules.is_overdue(row.state, row.due_date, today)
        row.state, row.closed_at, row.closed_by = PetitionState.CLOSED, now, session.staff_id
        row_macs.save(session, row)
        event.detail = {"number": row.number, "late": late}
        return _row(session, row, today)


def acknowledge_alarm(session: Session, number: str) -> PetitionRow:
    """知悉: the supervisor has seen a serious / urgent / collective petition's alarm."""
    with operation(
        session, "petition.alarm_seen", roles=ACK_ROLES, record_table="petition"
    ) as event:
        row = _find(number)
        event.record_id = row.uuid
        if not _alarm(row):
            raise PetitionRefused(f"信访 {row.number} 不是重大、紧急或集体信访，没有警报")
        if row.alarm_seen_at is not None:
            raise PetitionRefused(f"信访 {row.number} 的警报已知悉")
        row.alarm_seen_at, row.alarm_seen_by = session.now(), session.staff_id
        row_macs.save(session, row)
        event.detail = {"number": row.number, "alarm": list(_alarm(row))}
        return _row(session, row, _today(session))


# --- the board -----------------------------------------------------------------------


def board_feed(session: Session, today: dt.date, *, limit: int = BOARD_LIMIT) -> PetitionFeed:
    """The petitions for the supervisor's board, read inside the board's operation: open
    alarms not yet acknowledged (by receipt, newest first) and open petitions past their
    due date (most overdue first). Index reads on (state, due_date); names of the rows
    shown only are opened (masked)."""
    open_ = Petition.state.in_(OPEN_STATES)
    alarm = (
        open_
        & Petition.alarm_seen_at.is_null()
        & (Petition.serious | Petition.urgent | Petition.collective)
    )
    late = open_ & (Petition.due_date < today)
    alarms = list(Petition.select().where(alarm).order_by(Petition.id.desc()).limit(limit))
    overdue = list(
        Petition.select().where(late).order_by(Petition.due_date, Petition.id).limit(limit)
    )
    return PetitionFeed(
        alarm_total=Petition.select().where(alarm).count() if len(alarms) == limit else len(alarms),
        alarms=tuple(_row(session, r, today) for r in alarms),
        overdue_total=(
            Petition.select().where(late).count() if len(overdue) == limit else len(overdue)
        ),
        overdue=tuple(_row(session, r, today) for r in overdue),
    )


# --- notices: 交办单 and 告知书 ----------------------------------------------------------


def _window_name(session: Session) -> tuple[str, str]:
    """The issuing window (the clerk's), and its office phone."""
    staff = Staff.get_by_id(session.staff_id) if session.staff_id is not None else None
    if staff is not None and staff.window_id is not None:
        window = Window.get_by_id(staff.window_id)
        return window.name, window.phone
    return "便民服务大厅", ""


def _notice_data(session: Session, row: Petition, kind: str) -> NoticeData:
    if kind not in PETITION_NOTICES:
        raise InvalidInput(f"未知的信访通知类别：{kind}")
    if kind == "petition_handover" and not row.handed_to:
        raise InvalidInput(f"信访 {row.number} 尚未交办：请先填写承办单位（交办）")
    window, phone = _window_name(session)
    return NoticeData(
        kind=kind,
        hall_name=session.register.meta("hall_name"),
        case_number=row.number,
        applicant_name=_open(session, row, "name_enc"),
        item_name=_open(session, row, "issue_enc"),
        window_name=window,
        window_phone=phone,
        clerk_name=session.staff_name,
        issued_on=_today(session),
        received_on=local_date(row.received_at),
        due_on=row.due_date,
        department=row.handed_to,
        channel=CHANNELS.get(row.channel, ""),
    )


def _render(data: NoticeData) -> Notice:
    try:
        return render_notice(data)
    except NoticeError as exc:
        raise InvalidInput(str(exc)) from None


def preview_petition_notice(session: Session, number: str, kind: str) -> Notice:
    """The 交办单 or 告知书 as it would be issued now, without its number."""
    with operation(session, "notice.preview", roles=VIEW_ROLES, record_table="petition") as event:
        row = _find(number)
        event.record_id, event.detail = row.uuid, {"number": row.number, "kind": kind}
        return _render(_notice_data(session, row, kind))


def issue_petition_notice(session: Session, number: str, kind: str) -> IssuedNotice:
    """出具 the 交办单 or the 告知书: numbered (TZ…), rendered with its number, stored
    sealed with the petition; a reprint reads it back (store.case_notices.issued_notice)."""
    with operation(session, "notice.issue", roles=WORK_ROLES, record_table="notice") as event:
        row = _find(number)
        if row.state == PetitionState.CLOSED:
            raise PetitionRefused(f"信访 {row.number} 已答复办结，不再出具交办单或告知书")
        data = _notice_data(session, row, kind)
        now = session.now()
        notice_number = next_number(NOTICE, local_date(now))
        rendered = _render(dataclasses.replace(data, notice_number=notice_number))
        notice_uuid = new_uuid()
        row_macs.create(
            session.keys,
            NoticeRow,
            uuid=notice_uuid,
            key_id=session.keys.current,
            number=notice_number,
            kind=kind,
            petition=row,
            issued_at=now,
            issued_by=session.staff_id,
            body_enc=session.keys.seal("notice", "body_enc", notice_uuid, notice_body(rendered)),
            stated="{}",
        )
        event.record_id = notice_uuid
        event.detail = {"number": notice_number, "petition": row.number, "kind": kind}
        return IssuedNotice(notice_number, rendered)
