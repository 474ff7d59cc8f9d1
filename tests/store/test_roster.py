"""AB岗 roster and today's post (store.roster)."""

from __future__ import annotations

import json

import pytest

from store.attendance import sign_in
from store.errors import InvalidInput, PermissionDenied
from store.models import Attendance, AuditEvent, Staff
from store.roster import default_post, roster, take_post
from store.staff import add_staff, assign_post
from tests.store.test_queue import setup_catalog

PASSWORD = "chuangkou-mima-2"


@pytest.fixture
def posts(hall):
    """Windows of the small catalog; 1001 王小英 holds minzheng A, 1002 李大海 its B."""
    setup_catalog(hall)
    add_staff(hall.supervisor, number="1002", name="李大海", role="clerk", password=PASSWORD)
    assign_post(hall.supervisor, "minzheng", "A", "1001")
    assign_post(hall.supervisor, "minzheng", "B", "1002")
    return hall


def test_roster_lists_both_posts_of_every_window_masked(posts):
    views = roster(posts.login())
    assert [(v.window_code, v.post) for v in views] == [
        ("minzheng", "A"),
        ("minzheng", "B"),
        ("hunyin", "A"),
        ("hunyin", "B"),
        ("guotu", "A"),
        ("guotu", "B"),
    ]
    assert (views[0].staff_number, views[0].staff_name_masked) == ("1001", "王*英")
    assert (views[1].staff_number, views[1].staff_name_masked) == ("1002", "李*海")
    assert views[2].staff_number is None and views[2].staff_name_masked is None
    assert "王小英" not in repr(views) and "李大海" not in repr(views)


def test_default_post_from_roster_then_own_window(posts):
    assert default_post(posts.login()) == ("minzheng", "A")
    assert default_post(posts.login("1002", PASSWORD)) == ("minzheng", "B")
    add_staff(
        posts.supervisor,
        number="1003",
        name="赵小红",
        role="clerk",
        password=PASSWORD,
        window="hunyin",
    )
    assert default_post(posts.login("1003", PASSWORD)) == ("hunyin", "A")
    assign_post(posts.supervisor, "hunyin", "A", "1001")
    assert default_post(posts.login("1003", PASSWORD)) == ("hunyin", "B")  # A is taken
    assert default_post(posts.supervisor) is None  # no post, no window


def test_take_post_without_sign_in_then_sign_in(posts, clock):
    clerk = posts.login()
    today = take_post(clerk, "minzheng", "a", None)
    assert (today.window_code, today.window_name, today.post) == ("minzheng", "民政窗口", "A")
    assert today.acting_for_number is None and clerk.acting_for is None
    row = Attendance.get(Attendance.staff == clerk.staff_id)
    assert (row.window.code, row.post, row.acting_for_id, row.signed_in_at) == (
        "minzheng",
        "A",
        None,
        None,
    )
    # The post taken today is what is offered next time (after the idle lock, say).
    take_post(clerk, "hunyin", "B", None)
    assert default_post(posts.login()) == ("hunyin", "B")
    assert Attendance.select().count() == 1


def test_take_post_after_sign_in_keeps_the_sign_in(posts, clock):
    clerk = posts.login()
    sign_in(clerk)
    take_post(clerk, "minzheng", "A", None)
    row = Attendance.get(Attendance.staff == clerk.staff_id)
    assert row.signed_in_at == clock.now()
    assert row.post == "A"


def test_covering_for_someone_sets_acting_for(posts):
    b_post = posts.login("1002", PASSWORD)
    today = take_post(b_post, "minzheng", "A", "1001")
    covered = Staff.get(Staff.number == "1001")
    assert today.acting_for_number == "1001"
    assert today.acting_for_name_masked == "王*英"
    assert b_post.acting_for == covered.id
    assert Attendance.get(Attendance.staff == b_post.staff_id).acting_for_id == covered.id
    event = AuditEvent.select().order_by(AuditEvent.seq.desc()).first()
    assert event.action == "post.take"
    assert json.loads(event.detail) == {"window": "minzheng", "post": "A", "acting_for": covered.id}
    assert "王小英" not in event.detail
    # Back on one's own post: no longer acting for anyone.
    take_post(b_post, "minzheng", "B", None)
    assert b_post.acting_for is None


@pytest.mark.parametrize(
    ("window", "post", "acting_for", "message"),
    [
        ("nowhere", "A", None, "未知的窗口"),
        ("minzheng", "C", None, "岗位只能是 A 或 B"),
        ("minzheng", "A", "7777", "没有工号为 7777"),
        ("minzheng", "B", "1002", "不能替自己代岗"),
        ("hunyin", "A", "1001", "不在婚姻登记窗口"),
    ],
)
def test_take_post_refuses(posts, window, post, acting_for, message):
    clerk = posts.login("1002", PASSWORD)
    with pytest.raises(InvalidInput, match=message):
        take_post(clerk, window, post, acting_for)
    assert clerk.acting_for is None
    assert Attendance.select().count() == 0


def test_technician_takes_no_post(posts):
    add_staff(posts.supervisor, number="9001", name="技术员", role="technician", password=PASSWORD)
    technician = posts.login("9001", PASSWORD)
    assert default_post(technician) is None
    with pytest.raises(PermissionDenied):
        take_post(technician, "minzheng", "A", None)
    assert all(v.staff_name_masked is None for v in roster(technician))
