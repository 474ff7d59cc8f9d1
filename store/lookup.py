"""查询 and 一人一档: find a person by ID number, phone, exact name, or the number of one of
their records, and show their inquiries, cases and ratings.

Every lookup goes through a blind index or a plain number column: a sealed column is never
compared in SQL (Peewee would seal the right-hand side too and silently match nothing).
The query itself is personal data: it never reaches the audit event, a log or a message.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import peewee as pw

from policies.cases import KINDS, STATES
from policies.idnumber import (
    CHECK_DIGIT_WRONG,
    InvalidIdNumber,
    check_digit,
    validate_resident_id,
)
from policies.masking import mask_id_number
from policies.settings import RATING_LEVELS
from store import row_macs
from store.caller_index import index_callers
from store.clock import local_date, to_local
from store.errors import InvalidInput, NotFound, TamperedRecord
from store.models import Case, Inquiry, Notice, Person, Petition, Rating, ServiceItem, Window
from store.numbers import CASE, COMPLAINT, INQUIRY, NOTICE, PETITION, parse_number
from store.persons import PersonView, _open
from store.roles import DATA_ROLES
from store.session import Session, operation

#: Persons shown for one query; an exact name can match many people.
MAX_PERSONS = 50
#: Records of each kind in a person's history (newest first).
HISTORY_LIMIT = 200

KIND_LABELS = {
    "id_number": "证件号码",
    "phone": "电话",
    "name": "姓名",
    "case": "办件号",
    "inquiry": "登记号",
    "petition": "信访号",
    "notice": "通知书号",
}
_PREFIX_KINDS = {CASE: "case", INQUIRY: "inquiry", PETITION: "petition", NOTICE: "notice"}

CHANNEL_LABELS = {"visit": "来访", "phone": "电话", "online": "网上"}
DISPOSITION_LABELS = {
    "open": "登记中",
    "answered": "已答复",
    "accepted": "已受理",
    "referred": "已转办",
    "escalated": "报主任",
}
INQUIRY_STATE_LABELS = {"open": "未办结", "closed": "已办结"}
RATING_CHANNEL_LABELS = {
    "device": "评价器",
    "sms": "短信",
    "phone": "电话回访",
    "online": "网上",
    "default": "默认评价",
    "clerk": "窗口代录",
}
NO_ITEM = "（未指定事项）"

_PHONE_SEPARATORS = re.compile(r"[\s\-()（）.+]")
_ID_SHAPE = re.compile(r"\d{17}[\dX]")


@dataclass(frozen=True)
class Classified:
    """What a query was taken for, and its normalised value (personal: never logged)."""

    kind: str  # a key of KIND_LABELS
    value: str

    def __repr__(self) -> str:
        return f"Classified(kind={self.kind})"


@dataclass(frozen=True)
class CallerHit:
    """An inquiry of a caller who gave no ID number (no person in the register), found by
    their name or phone. Its repr shows no personal field."""

    number: str  # the inquiry's 登记号
    at: str  # local "YYYY-MM-DD HH:MM"
    name: str = field(repr=False)
    phone: str = field(repr=False)
    channel_label: str = ""
    disposition_label: str = ""


@dataclass(frozen=True)
class SearchResult:
    kind: str  # a key of KIND_LABELS
    kind_label: str
    persons: tuple[PersonView, ...]  # PersonView's repr shows no personal field
    record_number: str | None = None  # for a number query: the number looked for
    record_found: bool = False  # … and whether such a record exists
    callers: tuple[CallerHit, ...] = ()  # by name or phone: callers without a person


def _normalise_phone(text: str) -> str | None:
    """Digits of a phone number (+86/0086 dropped from a mobile), or None if not one."""
    digits = _PHONE_SEPARATORS.sub("", text)
    if not digits.isdigit():
        return None
    for country in ("0086", "86"):
        if (
            digits.startswith(country)
            and len(digits) == len(country) + 11
            and digits[len(country)] == "1"
        ):
            return digits[len(country) :]
    # Mobiles have 11 digits; landlines with area code 7 to 12.
    return digits if 7 <= len(digits) <= 12 else None


def _id_number(text: str, today: dt.date) -> str:
    """A valid ID number, or InvalidIdNumber (a Chinese message, the number masked).

    A region code outside the resident table may still be a card of another type (港澳台
    居民居住证, 外国人永久居留身份证) with the same check digit: it is looked up as is."""
    try:
        return validate_resident_id(text, today=today).number
    except InvalidIdNumber as exc:
        if exc.reason != "region":
            raise
    if text[17] != check_digit(text[:17]):
        raise InvalidIdNumber("check_digit", CHECK_DIGIT_WRONG, mask_id_number(text))
    return text


def classify(query: str, *, today: dt.date) -> Classified:
    """Decide what the clerk typed: a record number, an ID number, a phone or a name."""
    text = "".join(unicodedata.normalize("NFKC", query).split())
    if not text:
        raise InvalidInput("请输入要查找的内容（证件号码、电话、姓名或编号）")
    parsed = parse_number(text)
    if parsed is not None:
        if parsed.prefix == COMPLAINT:
            raise InvalidInput("投诉编号请由投诉受理人在投诉登记中查询（投诉人身份保密）")
        return Classified(_PREFIX_KINDS[parsed.prefix], parsed.text)
    upper = text.upper()
    if _ID_SHAPE.fullmatch(upper):
        return Classified("id_number", _id_number(upper, today))
    phone = _normalise_phone(text)
    if phone is not None:
        return Classified("phone", phone)
    if any(ch.isdigit() for ch in text):
        if re.fullmatch(r"\d+[Xx]?", text) and len(text) >= 14:
            # Probably an ID number with a digit missing or extra: say so, not "not found".
            validate_resident_id(upper, today=today)
        raise InvalidInput(
            "无法识别：请输入18位身份证号码、手机号码、姓名，或办件号/登记号（如 BJ20261123-0007）"
        )
    return Classified("name", text)


def _record_person_id(kind: str, number: str) -> tuple[bool, int | None]:
    """(found, person id) of the record with this number."""
    if kind == "case":
        row = Case.select(Case.person).where(Case.number == number).tuples().first()
    elif kind == "inquiry":
        row = Inquiry.select(Inquiry.person).where(Inquiry.number == number).tuples().first()
    elif kind == "petition":
        row = Petition.select(Petition.person).where(Petition.number == number).tuples().first()
    else:
        notice = Notice.get_or_none(Notice.number == number)
        if notice is None:
            return False, None
        for parent, model in (("case", Case), ("inquiry", Inquiry), ("petition", Petition)):
            parent_id = getattr(notice, f"{parent}_id")
            if parent_id is not None:
                return True, model.select(model.person).where(model.id == parent_id).scalar()
        return True, None
    return (row is not None), (row[0] if row else None)


def search(session: Session, query: str) -> SearchResult:
    """Find persons by what the clerk typed (or the card reader read); one audited operation."""
    classified = classify(query, today=local_date(session.now()))
    kind, value = classified.kind, classified.value
    with operation(
        session, "person.search", roles=DATA_ROLES, record_table="person", concurrent=True
    ) as event:
        keys = session.keys
        record_found = False
        if kind in ("id_number", "phone", "name"):
            column = {
                "id_number": Person.id_number_bidx,
                "phone": Person.phone_bidx,
                "name": Person.name_bidx,
            }[kind]
            rows = list(
                Person.select()
                .where(column == keys.blind(kind, value))
                .order_by(Person.id)
                .limit(MAX_PERSONS)
            )
        else:
            record_found, person_id = _record_person_id(kind, value)
            rows = [Person.get_by_id(person_id)] if person_id is not None else []
        persons = tuple(_open(session, p) for p in rows)
        callers: tuple[CallerHit, ...] = ()
        if kind in ("phone", "name"):
            callers = _callers(session, kind, keys.blind(kind, value))
        event.detail = {"kind": kind, "found": len(persons)}
        if callers:
            event.detail["callers"] = len(callers)
        if kind not in ("id_number", "phone", "name"):
            event.detail["record"] = value  # our own number: no personal data
        if len(persons) == 1:
            event.record_id = persons[0].uuid
    return SearchResult(
        kind=kind,
        kind_label=KIND_LABELS[kind],
        persons=persons,
        record_number=None if kind in ("id_number", "phone", "name") else value,
        record_found=record_found,
        callers=callers,
    )


def _callers(session: Session, kind: str, blind: str | None) -> tuple[CallerHit, ...]:
    """Inquiries of callers without a person whose name or phone has this blind index."""
    index_callers(session)  # rows written before the index existed
    column = Inquiry.caller_name_bidx if kind == "name" else Inquiry.caller_phone_bidx
    rows = (
        Inquiry.select()
        .where(Inquiry.person.is_null() & (column == blind))
        .order_by(Inquiry.at.desc(), Inquiry.id.desc())
        .limit(MAX_PERSONS)
    )
    keys = session.keys
    hits = []
    for row in rows:
        name = row_macs.open_text(keys, row, "caller_name_enc") or ""
        phone = row_macs.open_text(keys, row, "caller_contact_enc")
        found = name if kind == "name" else (phone or "")
        if keys.blind(kind, found) != blind:  # an index copied from another row
            raise TamperedRecord(
                f"登记本记录被改动：首问登记 {row.number} 的来电人索引与内容不符，已拒绝使用；"
                "请联系技术员用 audit verify 与备份核对"
            )
        hits.append(
            CallerHit(
                number=row.number,
                at=_when(row.at),
                name=name,
                phone=phone or "",
                channel_label=CHANNEL_LABELS.get(row.channel, row.channel),
                disposition_label=DISPOSITION_LABELS.get(row.disposition, row.disposition),
            )
        )
    return tuple(hits)


# --- 一人一档 ---------------------------------------------------------------------------


def _when(at: dt.datetime) -> str:
    return to_local(at).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class HistoryCase:
    number: str
    at: str  # received, local "YYYY-MM-DD HH:MM"
    received_at: dt.datetime  # aware, Asia/Shanghai
    item_name: str
    window_name: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    due_date: dt.date | None
    closed_at: dt.datetime | None  # aware, Asia/Shanghai


@dataclass(frozen=True)
class HistoryInquiry:
    number: str
    at: str  # local "YYYY-MM-DD HH:MM"
    registered_at: dt.datetime  # aware, Asia/Shanghai
    channel_label: str
    item_name: str
    disposition: str
    disposition_label: str
    state_label: str
    case_number: str | None  # the case it led to (disposition accepted)


@dataclass(frozen=True)
class HistoryRating:
    number: str  # the rated case's number (or the inquiry's)
    at: str  # local "YYYY-MM-DD HH:MM"
    rated_at: dt.datetime  # aware, Asia/Shanghai
    item_name: str
    level: int  # 1 非常满意 … 5 非常不满意
    level_label: str
    channel_label: str

    @property
    def case_number(self) -> str:
        return self.number


@dataclass(frozen=True)
class PersonHistory:
    person: PersonView
    inquiries: tuple[HistoryInquiry, ...]
    cases: tuple[HistoryCase, ...]
    ratings: tuple[HistoryRating, ...]


def _history_cases(person: Person) -> list[tuple[int, HistoryCase]]:
    query = (
        Case.select(
            Case.id,
            Case.number,
            Case.received_at,
            ServiceItem.name,
            Window.name,
            Case.kind,
            Case.state,
            Case.due_date,
            Case.closed_at,
        )
        .join(ServiceItem, on=(Case.item == ServiceItem.id))
        .switch(Case)
        .join(Window, on=(Case.window == Window.id))
        .where(Case.person == person.id)
        .order_by(Case.received_at.desc(), Case.id.desc())
        .limit(HISTORY_LIMIT)
        .tuples()
    )
    return [
        (
            case_id,
            HistoryCase(
                number=number,
                at=_when(received),
                received_at=to_local(received),
                item_name=item,
                window_name=window,
                kind=kind,
                kind_label=KINDS[kind].label if kind in KINDS else kind,
                state=state,
                state_label=STATES[state].label if state in STATES else state,
                due_date=due,
                closed_at=to_local(closed) if closed else None,
            ),
        )
        for case_id, number, received, item, window, kind, state, due, closed in query
    ]


def _history_inquiries(person: Person) -> list[tuple[int, HistoryInquiry]]:
    query = (
        Inquiry.select(
            Inquiry.id,
            Inquiry.number,
            Inquiry.at,
            Inquiry.channel,
            ServiceItem.name,
            Inquiry.disposition,
            Inquiry.state,
            Case.number,
        )
        .join(ServiceItem, pw.JOIN.LEFT_OUTER, on=(Inquiry.item == ServiceItem.id))
        .switch(Inquiry)
        .join(Case, pw.JOIN.LEFT_OUTER, on=(Inquiry.case == Case.id))
        .where(Inquiry.person == person.id)
        .order_by(Inquiry.at.desc(), Inquiry.id.desc())
        .limit(HISTORY_LIMIT)
        .tuples()
    )
    return [
        (
            inquiry_id,
            HistoryInquiry(
                number=number,
                at=_when(at),
                registered_at=to_local(at),
                channel_label=CHANNEL_LABELS.get(channel, channel),
                item_name=item or NO_ITEM,
                disposition=disposition,
                disposition_label=DISPOSITION_LABELS.get(disposition, disposition),
                state_label=INQUIRY_STATE_LABELS.get(state, state),
                case_number=case_number,
            ),
        )
        for inquiry_id, number, at, channel, item, disposition, state, case_number in query
    ]


def _history_ratings(
    cases: list[tuple[int, HistoryCase]], inquiries: list[tuple[int, HistoryInquiry]]
) -> tuple[HistoryRating, ...]:
    """Ratings of the cases and inquiries shown, through Rating's unique case and inquiry
    indexes. (Ordering by Rating.at in SQL would tempt the planner to scan every rating;
    and since few ratings are of inquiries, after an ANALYZE SQLite would also scan for an
    `inquiry_id IN (…)`: those are looked up one by one, a point read each.)"""
    rated: list[tuple[HistoryCase | HistoryInquiry, tuple]] = []
    case_records = dict(cases)
    if case_records:
        query = (
            Rating.select(Rating.case, Rating.at, Rating.level, Rating.channel)
            .where(Rating.case.in_(list(case_records)))
            .tuples()
        )
        rated += [(case_records[row[0]], row[1:]) for row in query]
    for inquiry_id, record in inquiries:
        query = (
            Rating.select(Rating.at, Rating.level, Rating.channel)
            .where(Rating.inquiry == inquiry_id)
            .tuples()
        )
        rated += [(record, row) for row in query]
    found = [
        HistoryRating(
            number=record.number,
            at=_when(at),
            rated_at=to_local(at),
            item_name=record.item_name,
            level=level,
            level_label=RATING_LEVELS[level - 1] if 1 <= level <= len(RATING_LEVELS) else "未评价",
            channel_label=RATING_CHANNEL_LABELS.get(channel, channel),
        )
        for record, (at, level, channel) in rated
    ]
    found.sort(key=lambda r: r.rated_at, reverse=True)
    return tuple(found[:HISTORY_LIMIT])


def person_history(session: Session, person_uuid: str) -> PersonHistory:
    """一人一档: the person and their inquiries, cases and ratings, newest first."""
    with operation(
        session,
        "person.history",
        roles=DATA_ROLES,
        record_table="person",
        record_id=person_uuid,
        concurrent=True,
    ) as event:
        person = Person.get_or_none(Person.uuid == person_uuid)
        if person is None:
            raise NotFound("登记本中没有此人的档案")
        cases = _history_cases(person)
        inquiries = _history_inquiries(person)
        history = PersonHistory(
            person=_open(session, person),
            inquiries=tuple(record for _, record in inquiries),
            cases=tuple(record for _, record in cases),
            ratings=_history_ratings(cases, inquiries),
        )
        event.detail = {
            "inquiries": len(history.inquiries),
            "cases": len(history.cases),
            "ratings": len(history.ratings),
        }
    return history
