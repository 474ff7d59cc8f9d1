"""首问登记 — every visitor, phone call and online question, registered by the first person
asked (首问负责制, DOMAIN.md; seeds 000 篇5/篇7, 002 附件2).

A disposition is chosen on save: 当场答复 (answered: the inquiry is closed), 本窗口受理
(accepted: it goes on to store.cases.accept_case, which closes it), 转办 (referred to another
window: the first asker keeps following it, 督办, until the receiving window finishes it or,
when it accepts it as a case, until that case ends; the receiving window cannot send it
back — only the supervisor reassigns), 报主任 (escalated:
the supervisor's queue decides whose it is).

Every check runs before anything is written; the person, the inquiry and its number are
written in one transaction, so a refused registration leaves nothing behind. No personal
data reaches an audit event, a log or an error message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import peewee as pw

from policies.errors import PolicyError
from store import row_macs
from store.caller_index import caller_blinds
from store.clock import local_date
from store.cover import acting_for, covered_by
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.isolation import for_update
from store.models import Case, Inquiry, Person, ServiceItem, Staff, Window, new_uuid
from store.numbers import INQUIRY
from store.roles import SUPERVISOR_ROLES, WORK_ROLES
from store.session import Session, operation, require_role, transaction

CHANNELS = {"visit": "来访", "phone": "电话", "online": "网上"}
DISPOSITIONS = {
    "answered": "当场答复",
    "accepted": "本窗口受理",
    "referred": "转办",
    "escalated": "报主任",
}


@dataclass(frozen=True)
class PersonInput:
    """The person as read from the card or typed at the counter. Repr shows no field."""

    name: str
    id_number: str | None = None
    phone: str | None = None
    gender: str | None = None
    birth_date: dt.date | None = None
    address: str | None = None
    id_type: str = "resident"

    def __repr__(self) -> str:
        return f"PersonInput(id_type={self.id_type})"


@dataclass(frozen=True)
class InquiryResult:
    number: str
    uuid: str
    disposition: str
    #: For a phone call referred elsewhere: the receiving window's office phone to read out.
    referred_window_phone: str | None
    #: The person's earlier inquiries and cases (0 for a first visit or an anonymous caller).
    person_history_count: int
    person_uuid: str | None = field(default=None, repr=False)


def _clean(text: str | None) -> str:
    return (text or "").strip()


def staff_window_id(session: Session) -> int | None:
    if session.staff_id is None:
        return None
    row = Staff.select(Staff.window).where(Staff.id == session.staff_id).tuples().first()
    return row[0] if row else None


def working_windows(session: Session) -> set[int]:
    """The windows whose items this counter accepts (本窗口): the staff member's own window,
    the windows they hold an A or B post at, today's window, and those of whom they cover
    for (代岗 at login, or through an active handover: B has A's powers)."""
    from store.models import Attendance, Post

    staff = [s for s in (session.staff_id, session.acting_for) if s is not None]
    staff += list(covered_by(session.staff_id))  # AB岗: those covered through a handover
    if not staff:
        return set()
    today = local_date(session.now())
    union = (  # one round trip
        Staff.select(Staff.window).where(Staff.id.in_(staff))
        | Post.select(Post.window).where(Post.staff.in_(staff))
        | Attendance.select(Attendance.window).where(
            (Attendance.staff == session.staff_id) & (Attendance.work_date == today)
        )
    )
    return {w for (w,) in union.tuples() if w}


def check_own_item(session: Session, item: ServiceItem) -> None:
    """本窗口受理 only for this counter's items (policy first_inquiry.accept_other_windows);
    the supervisor, and a staff member without any window, may accept any item."""
    if session.role in SUPERVISOR_ROLES:
        return
    if session.register.policy.first_inquiry.accept_other_windows:
        return
    windows = working_windows(session)
    if windows and item.window_id not in windows:
        owner = item.window.name
        raise InvalidInput(
            f"「{item.name}」属{owner}，不是本窗口的事项：请转办给{owner}（首问负责，继续督办）"
        )


def check_phone(phone: str | None, who: str = "") -> None:
    """A phone given at the counter has the form of one (policies.phone); empty is allowed."""
    if not _clean(phone):
        return
    from policies.phone import InvalidPhone, validate_phone

    try:
        validate_phone(phone)
    except InvalidPhone as exc:
        raise InvalidInput(f"{who}{exc}") from None


def check_person(person: PersonInput, today: dt.date) -> None:
    """The checks upsert_person makes, made before anything is written (Chinese messages)."""
    if not _clean(person.name):
        raise InvalidInput("姓名不能为空")
    check_phone(person.phone)
    if _clean(person.id_number):
        if person.id_type == "resident":
            from policies.idnumber import validate_resident_id

            try:
                validate_resident_id(person.id_number, today=today)
            except PolicyError as exc:
                raise InvalidInput(str(exc)) from None
    elif not _clean(person.phone):
        raise InvalidInput("没有证件号码时须留联系电话")


def save_person(session: Session, person: PersonInput):
    from store.persons import upsert_person

    return upsert_person(
        session,
        name=person.name,
        id_number=person.id_number,
        id_type=person.id_type,
        phone=person.phone,
        gender=person.gender,
        birth_date=person.birth_date,
        address=person.address,
    )


def _parse_channel(channel: str) -> str:
    text = _clean(channel)
    for key, label in CHANNELS.items():
        if text in (key, label):
            return key
    raise InvalidInput(f"未知的登记渠道：{text or '（空）'}（可选：来访、电话、网上）")


def _person_and_history(person_uuid: str) -> tuple[int, int]:
    """The person's row id, and how many inquiries and cases they have: one round trip."""
    inquiries = Inquiry.select(pw.fn.COUNT(Inquiry.id)).where(Inquiry.person == Person.id)
    cases = Case.select(pw.fn.COUNT(Case.id)).where(Case.person == Person.id)
    person_id, asked, handled = (
        Person.select(Person.id, inquiries, cases).where(Person.uuid == person_uuid).tuples().get()
    )
    return person_id, asked + handled


def register_inquiry(
    session: Session,
    *,
    channel: str,
    person: PersonInput | None = None,
    caller_name: str | None = None,
    caller_phone: str | None = None,
    item_code: str | None = None,
    topic: str | None = None,
    disposition: str,
    referred_to: str | None = None,
    answer: str | None = None,
) -> InquiryResult:
    """Register an inquiry (首问登记) and give it its number; ``answer`` is what a
    当场答复 told the caller (sealed with the inquiry)."""
    channel = _parse_channel(channel)
    if disposition not in DISPOSITIONS:
        raise InvalidInput(
            f"未知的处理方式：{disposition}（可选：当场答复、本窗口受理、转办、报主任）"
        )
    topic = _clean(topic)
    item_code = _clean(item_code)
    if not item_code and not topic:
        raise InvalidInput("所问事项不能为空（请选择服务事项或填写所问内容）")
    today = local_date(session.now())
    if person is not None:
        check_person(person, today)
    elif not (_clean(caller_name) and _clean(caller_phone)):
        raise InvalidInput("请读取身份证或填写来访人姓名和联系电话")
    else:
        check_phone(caller_phone)
    if disposition == "referred" and not _clean(referred_to):
        raise InvalidInput("转办须选择承办窗口")
    if disposition != "referred" and _clean(referred_to):
        raise InvalidInput("只有转办才填写承办窗口")
    answer = _clean(answer)
    if answer and disposition != "answered":
        raise InvalidInput("只有当场答复才填写答复内容")
    session.keys  # noqa: B018 — a technician is refused before anything is written

    with transaction(session):
        item = None
        if item_code:
            item = ServiceItem.get_or_none(ServiceItem.code == item_code)
            if item is None or not item.active:
                raise InvalidInput(f"未知的服务事项：{item_code}")
            if disposition == "accepted":
                check_own_item(session, item)
        own_window = staff_window_id(session) or (item.window_id if item else None)
        target = None
        if disposition == "referred":
            target = Window.get_or_none(Window.code == _clean(referred_to))
            if target is None or not target.active:
                raise InvalidInput(f"未知的窗口：{_clean(referred_to)}")
            if own_window is not None and target.id == own_window:
                raise InvalidInput("不能转办给本窗口：属本窗口的事项请当场答复或受理")
        person_id = person_uuid = None
        history = 0
        if person is not None:
            person_uuid = save_person(session, person).uuid
            person_id, history = _person_and_history(person_uuid)
        keys = session.keys
        with operation(
            session, "inquiry.register", roles=WORK_ROLES, record_table="inquiry", concurrent=True
        ) as ev:
            now = session.now()
            row_uuid = new_uuid()
            closed = disposition == "answered"
            row = row_macs.create(
                session.keys,
                Inquiry,
                uuid=row_uuid,
                key_id=keys.current,
                numbered=(INQUIRY, local_date(now)),
                at=now,
                channel=channel,
                person=person_id,
                caller_name_enc=None
                if person_id
                else keys.seal("inquiry", "caller_name_enc", row_uuid, _clean(caller_name)),
                caller_contact_enc=None
                if person_id
                else keys.seal("inquiry", "caller_contact_enc", row_uuid, _clean(caller_phone)),
                **(
                    {}
                    if person_id
                    else caller_blinds(session, _clean(caller_name), _clean(caller_phone))
                ),
                item=item,
                topic_enc=keys.seal("inquiry", "topic_enc", row_uuid, topic or None),
                answer_enc=keys.seal("inquiry", "answer_enc", row_uuid, answer or None),
                first_asker=session.staff_id,
                acting_for=session.acting_for,
                window=own_window,
                disposition=disposition,
                referred_to=target,
                state="closed" if closed else "open",
                station=session.register.station,
                closed_at=now if closed else None,
            )
            ev.record_id = row.uuid
            ev.detail = {"number": row.number, "channel": channel, "disposition": disposition}
    phone = None
    if target is not None and channel == "phone":
        phone = target.phone or None
    return InquiryResult(
        number=row.number,
        uuid=row.uuid,
        disposition=disposition,
        referred_window_phone=phone,
        person_history_count=history,
        person_uuid=person_uuid,
    )


def _inquiry(number: str) -> Inquiry:
    """The inquiry to change, locked until COMMIT (another counter's change waits)."""
    row = for_update(Inquiry.select().where(Inquiry.number == _clean(number).upper())).first()
    if row is None:
        raise NotFound(f"没有登记号为 {_clean(number)} 的首问登记")
    return row


def finish_inquiry(session: Session, number: str) -> None:
    """The matter is answered or done (by the receiving window, the first asker or the
    supervisor): the referral or escalation leaves the queues (督办 ends)."""
    with operation(
        session, "inquiry.finish", roles=WORK_ROLES, record_table="inquiry", concurrent=True
    ) as ev:
        row = _inquiry(number)
        if row.state != "open":
            raise InvalidInput(f"首问登记 {row.number} 已办结")
        if row.case_id is not None:
            raise InvalidInput(
                f"首问登记 {row.number} 已受理为办件 {row.case.number}：督办至办件办结为止"
            )
        if row.disposition == "escalated" and session.role not in SUPERVISOR_ROLES:
            raise PermissionDenied("报主任的事项由大厅主任决定承办窗口")
        row.state, row.closed_at = "closed", session.now()
        row_macs.save(session, row)
        ev.record_id, ev.detail = row.uuid, {"number": row.number}
        ev.acting_for = acting_for(session.staff_id, row.first_asker_id)  # AB岗: B for A


def answer_instead(session: Session, number: str) -> None:
    """本窗口受理 given up before a case was registered (the applicant will not apply now):
    the inquiry is closed as 当场答复 — everything was told at once — so no 受理 is left
    hanging without its case."""
    with operation(
        session, "inquiry.answer", roles=WORK_ROLES, record_table="inquiry", concurrent=True
    ) as ev:
        row = _inquiry(number)
        if row.state != "open" or row.disposition != "accepted" or row.case_id is not None:
            raise InvalidInput(f"首问登记 {row.number} 不是待受理的事项")
        row.disposition, row.state, row.closed_at = "answered", "closed", session.now()
        row_macs.save(session, row)
        ev.record_id, ev.detail = row.uuid, {"number": row.number}


def reassign_inquiry(session: Session, number: str, window_code: str) -> None:
    """The supervisor decides whose an escalated matter is, or sends a referral to another
    window. The receiving window itself cannot push a referral back (首问负责制)."""
    try:
        require_role(session, "inquiry.reassign", SUPERVISOR_ROLES)
    except PermissionDenied:
        raise PermissionDenied("转办的事项承办窗口不得推回；须报大厅主任改派") from None
    with operation(
        session, "inquiry.reassign", roles=SUPERVISOR_ROLES, record_table="inquiry"
    ) as ev:
        row = _inquiry(number)
        if row.state != "open" or row.disposition not in ("referred", "escalated"):
            raise InvalidInput(f"首问登记 {row.number} 不是待办的转办或报主任事项")
        if row.case_id is not None:
            raise InvalidInput(f"首问登记 {row.number} 已受理为办件 {row.case.number}，不能改派")
        window = Window.get_or_none(Window.code == _clean(window_code))
        if window is None or not window.active:
            raise InvalidInput(f"未知的窗口：{_clean(window_code)}")
        row.disposition, row.referred_to = "referred", window
        row_macs.save(session, row)
        ev.record_id, ev.detail = row.uuid, {"number": row.number, "to": window.code}


def inquiry_by_number(number: str) -> Inquiry:
    """The inquiry with this 登记号 (spaces and case as typed do not matter), or NotFound."""
    text = "".join((number or "").split()).upper()
    row = Inquiry.get_or_none(Inquiry.number == text) if text else None
    if row is None:
        raise NotFound(f"没有登记号为 {text or '（空）'} 的首问登记")
    return row


def asker_of(session: Session, row: Inquiry) -> tuple[str, str, str, str | None]:
    """(name, phone, ID number, person uuid) of the one who asked: the registered person,
    opened with its integrity checks, or the caller sealed on the inquiry (no ID number)."""
    from store.persons import open_person

    if row.person_id is not None:
        person = open_person(session, Person.get_by_id(row.person_id))
        return person.name, person.phone or "", person.id_number or "", person.uuid
    keys = session.keys
    name = row_macs.open_text(keys, row, "caller_name_enc") or ""
    phone = row_macs.open_text(keys, row, "caller_contact_enc")
    return name, phone or "", "", None
