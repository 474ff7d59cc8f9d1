"""好差评 (store.ratings): one rating per service by the unique constraint, 差评 follow-up
dates from the policy and the calendar, not rated recorded."""

from __future__ import annotations

import datetime as dt

import pytest

from store.errors import InvalidInput, NotFound
from store.inquiries import PersonInput, register_inquiry
from store.lookup import person_history
from store.models import AuditEvent, Rating
from store.ratings import AlreadyRated, record_not_rated, record_rating
from tests.people import PEOPLE
from tests.store.test_cases import accept, applicant, desk, local  # noqa: F401 — fixtures


def test_one_rating_per_service_whatever_the_device_sends(desk, applicant):  # noqa: F811
    case = accept(desk, applicant)
    first = record_rating(desk, case_number=case.number, level=1, channel="device")
    assert (first.level_label, first.rated, first.followup_due) == ("非常满意", True, None)
    events = AuditEvent.select().count()
    for channel in ("device", "clerk", "sms"):
        with pytest.raises(AlreadyRated, match="已评价过：每次服务只能评价一次"):
            record_rating(desk, case_number=case.number, level=5, channel=channel)
    with pytest.raises(AlreadyRated, match="已评价过"):
        record_not_rated(desk, case_number=case.number)  # nor the daily job afterwards
    assert Rating.select().count() == 1
    assert Rating.get().level == 1
    assert AuditEvent.select().count() == events


def test_a_bad_rating_opens_a_follow_up_from_the_policy(desk, applicant, clock):  # noqa: F811
    """差评 on Friday 13 Feb 2026: contact within 1 working day — Saturday 14 Feb is a
    make-up working day."""
    clock.set(local(2026, 2, 13, 15))
    case = accept(desk, applicant)
    bad = record_rating(desk, case_number=case.number, level=5, channel="clerk", reason_code=209)
    assert bad.level_label == "非常不满意"
    assert bad.followup_due == dt.date(2026, 2, 14)
    row = Rating.get()
    assert (row.followup_state, row.channel, row.reason_code) == ("open", "clerk", 209)
    assert row.staff_id == desk.staff_id and row.window.code == "minzheng"


def test_an_inquiry_is_rated_once_too(desk):  # noqa: F811
    who = PEOPLE[0]
    inquiry = register_inquiry(
        desk,
        channel="visit",
        person=PersonInput(who.name, who.id_number, who.phone),
        item_code="P001",
        disposition="answered",
    )
    result = record_rating(desk, inquiry_number=inquiry.number, level=4, channel="device")
    assert result.service_number == inquiry.number and result.followup_due is not None
    with pytest.raises(AlreadyRated):
        record_rating(desk, inquiry_number=inquiry.number, level=1, channel="device")
    history = person_history(desk, inquiry.person_uuid)
    assert [(r.number, r.level_label) for r in history.ratings] == [(inquiry.number, "不满意")]


def test_not_rated_is_recorded_and_closes_the_service(desk, applicant):  # noqa: F811
    case = accept(desk, applicant)
    result = record_not_rated(desk, case_number=case.number)
    assert (result.rated, result.level, result.level_label) == (False, 0, "未评价")
    with pytest.raises(AlreadyRated):
        record_rating(desk, case_number=case.number, level=1, channel="device")


@pytest.mark.parametrize(
    ("kw", "error", "message"),
    [
        ({"level": 0}, InvalidInput, "评价等级应为 1"),
        ({"level": 6}, InvalidInput, "评价等级应为 1"),
        ({"level": True}, InvalidInput, "评价等级应为 1"),
        ({"channel": "wechat"}, InvalidInput, "未知的评价渠道"),
        ({"channel": "default"}, InvalidInput, "默认评价只由每日作业记录"),
        ({"case_number": None}, InvalidInput, "二者选一"),
        ({"inquiry_number": "SW20261123-0001"}, InvalidInput, "二者选一"),
        ({"case_number": "BJ20261123-0099"}, NotFound, "没有办件号"),
    ],
)
def test_bad_ratings_are_refused(desk, applicant, kw, error, message):  # noqa: F811
    case = accept(desk, applicant)
    args = {"case_number": case.number, "level": 2, "channel": "device", **kw}
    with pytest.raises(error, match=message):
        record_rating(desk, **args)
    assert Rating.select().count() == 0


def test_a_callback_rating_replaces_the_not_rated_record(desk, applicant):  # noqa: F811
    """The daily job's 未评价 does not block the rating taken on a callback (电话回访): it
    replaces the record in its row, recorded as such; still one rating per service."""
    case = accept(desk, applicant)
    record_not_rated(desk, case_number=case.number)
    with pytest.raises(AlreadyRated):  # at the counter: the window is long past
        record_rating(desk, case_number=case.number, level=2, channel="device")
    result = record_rating(desk, case_number=case.number, level=4, channel="phone", reason_code=209)
    assert (result.rated, result.level_label, result.channel) == (True, "不满意", "phone")
    assert result.followup_due is not None
    rows = list(Rating.select())
    assert len(rows) == 1 and rows[0].replaced_at is not None and rows[0].reason_code == 209
    event = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    assert event.action == "rating.replace_not_rated" and '"replaced_level":0' in event.detail
    with pytest.raises(AlreadyRated):  # rated now: once per service
        record_rating(desk, case_number=case.number, level=1, channel="phone")
