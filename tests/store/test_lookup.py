"""查询 and 一人一档 (store.lookup): classification, blind-index lookups, history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from policies.idnumber import InvalidIdNumber
from store.errors import InvalidInput, NotFound, PermissionDenied
from store.lookup import classify, person_history, search
from store.models import AuditEvent
from store.staff import add_staff
from tests.people import PEOPLE, id_number
from tests.store.test_queue import (
    add_case,
    add_inquiry,
    add_person,
    add_rating,
    local,
    setup_catalog,
)

TODAY = dt.date(2026, 11, 23)
GOOD = PEOPLE[0].id_number
WITH_X = next(
    n for n in (id_number("110105", "19850412", f"{s:03d}") for s in range(1000)) if n[-1] == "X"
)


def bad_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize(
    ("query", "kind", "value"),
    [
        (GOOD, "id_number", GOOD),
        (f" {GOOD[:6]} {GOOD[6:14]} {GOOD[14:]} ", "id_number", GOOD),
        (WITH_X.lower(), "id_number", WITH_X),  # a lower-case x check digit
        ("13912345678", "phone", "13912345678"),
        ("139 1234 5678", "phone", "13912345678"),
        ("139-1234-5678", "phone", "13912345678"),
        ("+86 139 1234 5678", "phone", "13912345678"),
        ("0086-13912345678", "phone", "13912345678"),
        ("0000-68120101", "phone", "000068120101"),
        ("bj20261123-0007", "case", "BJ20261123-0007"),
        ("SW20261123-0012", "inquiry", "SW20261123-0012"),
        ("XF20261123-0001", "petition", "XF20261123-0001"),
        ("TZ20261123-0001", "notice", "TZ20261123-0001"),
        ("欧阳春晓", "name", "欧阳春晓"),
        (" 阿依古丽·买买提 ", "name", "阿依古丽·买买提"),
    ],
)
def test_classify(query, kind, value):
    result = classify(query, today=TODAY)
    assert (result.kind, result.value) == (kind, value)
    assert value not in repr(result) or kind in ("case", "inquiry", "petition", "notice")


def test_a_wrong_check_digit_is_an_error_not_a_miss():
    with pytest.raises(InvalidIdNumber, match="校验码错误") as caught:
        classify(bad_check_digit(GOOD), today=TODAY)
    assert caught.value.reason == "check_digit"
    assert GOOD[:17] not in str(caught.value)  # the number is masked in the message


@pytest.mark.parametrize(
    ("query", "error", "match"),
    [
        ("", InvalidInput, "请输入"),
        (GOOD[:17], InvalidIdNumber, "长度不是18位"),
        (GOOD + "1", InvalidIdNumber, "长度不是18位"),
        ("12345", InvalidInput, "无法识别"),
        ("王5", InvalidInput, "无法识别"),
        ("TS20261123-0001", InvalidInput, "投诉"),
    ],
)
def test_classify_refuses(query, error, match):
    with pytest.raises(error, match=match):
        classify(query, today=TODAY)


@pytest.fixture
def people(hall):
    setup_catalog(hall)
    clerk = hall.login()
    persons = [add_person(clerk, who) for who in PEOPLE]
    return clerk, persons


def test_search_by_id_phone_and_name(people):
    clerk, persons = people
    found = search(clerk, PEOPLE[1].id_number)
    assert found.kind == "id_number" and found.kind_label == "证件号码"
    assert [p.uuid for p in found.persons] == [persons[1].uuid]
    assert found.persons[0].name == PEOPLE[1].name
    assert [p.uuid for p in search(clerk, "+86 158-8765-4321").persons] == [persons[1].uuid]
    assert [p.uuid for p in search(clerk, PEOPLE[2].name).persons] == [persons[2].uuid]
    assert search(clerk, "查无此人").persons == ()
    assert search(clerk, id_number("110105", "19900101", "123")).persons == ()
    with pytest.raises(InvalidIdNumber):
        search(clerk, bad_check_digit(PEOPLE[1].id_number))
    # Audited, without the query.
    events = list(AuditEvent.select().where(AuditEvent.action == "person.search"))
    assert [json.loads(e.detail)["kind"] for e in events] == [
        "id_number",
        "phone",
        "name",
        "name",
        "id_number",
    ]
    for event in events:
        for who in PEOPLE:
            assert who.name not in event.detail and who.id_number not in event.detail
            assert who.phone not in event.detail
    for result in (found, search(clerk, PEOPLE[2].name)):
        assert all(w.name not in repr(result) and w.id_number not in repr(result) for w in PEOPLE)


def test_search_by_case_and_inquiry_number(people):
    clerk, persons = people
    case = add_case(clerk, state="accepted", person=persons[3], due=dt.date(2026, 12, 1))
    inquiry = add_inquiry(clerk, person=persons[2])
    caller_only = add_inquiry(clerk, caller_name="某来电人")
    result = search(clerk, case.number.lower())
    assert (result.kind, result.record_number, result.record_found) == ("case", case.number, True)
    assert [p.uuid for p in result.persons] == [persons[3].uuid]
    assert [p.uuid for p in search(clerk, inquiry.number).persons] == [persons[2].uuid]
    only = search(clerk, caller_only.number)
    assert only.record_found and only.persons == ()
    missing = search(clerk, "BJ20200101-0001")
    assert not missing.record_found and missing.persons == ()


def test_person_history_newest_first(people, clock):
    clerk, persons = people
    who = persons[0]
    older = add_case(
        clerk,
        state="done",
        person=who,
        received_at=local(2026, 9, 1, 9, 5),
        closed_at=local(2026, 9, 3),
        due=dt.date(2026, 9, 29),
    )
    newer = add_case(clerk, item="HY001", state="accepted", person=who, due=dt.date(2026, 11, 23))
    add_case(clerk, state="accepted", person=persons[1])  # someone else's
    asked = add_inquiry(
        clerk, person=who, at=local(2026, 8, 31, 16, 40), case=older, disposition="accepted"
    )
    referred = add_inquiry(
        clerk, person=who, disposition="referred", referred_to="guotu", item=None
    )
    add_rating(clerk, older, 4, at=local(2026, 9, 3, 10))
    rated_inquiry = add_inquiry(clerk, person=who, at=local(2026, 10, 1))
    from store.database import database
    from store.models import Rating, new_uuid

    with database.atomic():
        Rating.create(
            uuid=new_uuid(),
            key_id=1,
            inquiry=rated_inquiry,
            staff=clerk.staff_id,
            window=rated_inquiry.window_id,
            channel="sms",
            level=1,
            at=local(2026, 10, 1, 11),
        )

    history = person_history(clerk, who.uuid)
    assert history.person.uuid == who.uuid and history.person.name == PEOPLE[0].name
    assert [c.number for c in history.cases] == [newer.number, older.number]
    old = history.cases[1]
    assert old.at == "2026-09-01 09:05"  # shown in Asia/Shanghai
    assert old.received_at.utcoffset() == dt.timedelta(hours=8)
    assert (old.item_name, old.window_name) == ("低保申请", "民政窗口")
    assert (old.kind_label, old.state_label, old.due_date) == (
        "承诺件",
        "已办结",
        dt.date(2026, 9, 29),
    )
    assert history.cases[0].kind_label == "即办件"
    assert [i.number for i in history.inquiries] == [
        referred.number,
        rated_inquiry.number,
        asked.number,
    ]
    assert history.inquiries[0].disposition_label == "已转办"
    assert history.inquiries[0].item_name == "（未指定事项）"
    assert history.inquiries[2].case_number == older.number
    assert history.inquiries[2].at == "2026-08-31 16:40"
    assert [(r.number, r.level_label) for r in history.ratings] == [
        (rated_inquiry.number, "非常满意"),
        (older.number, "不满意"),
    ]
    assert history.ratings[1].case_number == older.number
    # Nothing personal in the repr but the PersonView's uuid and type.
    text = repr(history)
    for who_ in PEOPLE:
        assert who_.name not in text and who_.id_number not in text and who_.phone not in text
    # Every string in the records is about the matter, not the person.
    strings = [
        str(v)
        for rows in (history.cases, history.inquiries, history.ratings)
        for r in rows
        for v in dataclasses.asdict(r).values()
    ]
    assert not any(w.name in s for w in PEOPLE for s in strings)
    event = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    assert (event.action, event.record_id) == ("person.history", who.uuid)


def test_history_refusals(people, hall):
    clerk, _ = people
    with pytest.raises(NotFound):
        person_history(clerk, "0" * 32)
    add_staff(
        hall.supervisor, number="9001", name="技术员", role="technician", password="jishu-mima-1"
    )
    technician = hall.login("9001", "jishu-mima-1")
    with pytest.raises(PermissionDenied):
        search(technician, PEOPLE[0].name)
