"""AB岗 roster and today's post (store.roster)."""

from __future__ import annotations

import json

import pytest

from store.attendance import sign_in
from store.errors import InvalidInput, PermissionDenied
from store.handover import CoverReasonNeeded, covers_to_review, register_absence
from store.models import Attendance, AuditEvent, Handover, Staff
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
    # The post taken today is what is offered next time (after the idle lock, say); at a
    # window where one holds no post, with a reason.
    take_post(clerk, "hunyin", "B", None, "婚姻登记窗口今日人手不足")
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
    assert json.loads(event.detail) == {
        "window": "minzheng",
        "post": "A",
        "acting_for": covered.id,
        "handover": today.handover_number,
    }
    assert "王小英" not in event.detail
    # An ordinary cover by the window's B: no reason asked, still a row the board sees.
    assert today.handover_number is not None
    assert Handover.get(Handover.number == today.handover_number).mode == "login"
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


def test_one_clerk_is_a_at_one_window_and_b_at_another(posts):
    assign_post(posts.supervisor, "hunyin", "B", "1001")
    views = {(v.window_code, v.post): v.staff_number for v in roster(posts.supervisor)}
    assert views[("minzheng", "A")] == "1001"
    assert views[("hunyin", "B")] == "1001"
    # Each post is taken as one's own, without a reason.
    clerk = posts.login()
    assert take_post(clerk, "hunyin", "B", None).handover_number is None
    assert take_post(clerk, "minzheng", "A", None).handover_number is None
    assert Handover.select().count() == 0
    # Vacating one post leaves the other.
    assign_post(posts.supervisor, "hunyin", "B", None)
    views = {(v.window_code, v.post): v.staff_number for v in roster(posts.supervisor)}
    assert views[("hunyin", "B")] is None and views[("minzheng", "A")] == "1001"


def test_assigning_posts_is_for_the_supervisor(posts):
    with pytest.raises(PermissionDenied):
        assign_post(posts.login(), "hunyin", "A", "1001")
    with pytest.raises(InvalidInput, match="岗位只能是 A 或 B"):
        assign_post(posts.supervisor, "hunyin", "C", "1001")


def _flags(session) -> dict[str, tuple[str, ...]]:
    return {v.window_code: v.flags for v in roster(session)}


def test_roster_flags_a_window_without_b_or_whose_post_holder_is_away(posts, clock):
    flags = _flags(posts.supervisor)
    assert flags["minzheng"] == ()
    assert flags["hunyin"] == ("无A岗", "无B岗")
    assign_post(posts.supervisor, "hunyin", "A", "1002")
    assert _flags(posts.supervisor)["hunyin"] == ("无B岗",)
    # 1002 is B of 民政 and away today: 民政 is flagged, and so is 婚姻 where they are A.
    register_absence(
        posts.login("1002", PASSWORD),
        absence="sick",
        starts_on=clock.now().date(),
        ends_on=clock.now().date(),
    )
    views = roster(posts.supervisor)
    assert _flags(posts.supervisor)["minzheng"] == ("B岗离岗",)
    assert _flags(posts.supervisor)["hunyin"] == ("A岗离岗", "无B岗")
    assert [v.away for v in views if v.window_code == "minzheng"] == [False, True]
    # A clerk who is both A and B of a window backs nobody up.
    assign_post(posts.supervisor, "guotu", "A", "1001")
    assign_post(posts.supervisor, "guotu", "B", "1001")
    assert _flags(posts.supervisor)["guotu"] == ("A、B同一人",)
    # Clerks and the technician see the same flags (numbers, no names for the technician).
    assert _flags(posts.login())["minzheng"] == ("B岗离岗",)


def test_cover_at_login_for_a_signed_in_clerk_needs_a_reason_and_reaches_the_board(posts):
    """The issue's case: a clerk not on the window's roster takes its A post 代 the A, who
    is signed in, and nobody is told."""
    add_staff(posts.supervisor, number="1003", name="赵小红", role="clerk", password=PASSWORD)
    sign_in(posts.login())  # 1001, 民政 A, is here
    taker = posts.login("1003", PASSWORD)
    with pytest.raises(CoverReasonNeeded, match="被代岗人今天已签到在岗：代岗须写明原因"):
        take_post(taker, "minzheng", "A", "1001")
    assert taker.acting_for is None
    assert not Attendance.select().where(Attendance.staff == taker.staff_id).exists()
    assert covers_to_review(posts.supervisor) == []
    # The same for B of the window, who holds a post there.
    with pytest.raises(CoverReasonNeeded):
        take_post(posts.login("1002", PASSWORD), "minzheng", "A", "1001")

    today = take_post(taker, "minzheng", "A", "1001", "  王小英在后台整理档案  ")
    assert today.acting_for_number == "1001" and today.handover_number
    board = covers_to_review(posts.supervisor)
    assert [(h.number, h.mode, h.from_number, h.to_number, h.window_code) for h in board] == [
        (today.handover_number, "login", "1001", "1003", "minzheng")
    ]
    assert board[0].reason == "王小英在后台整理档案"
    assert board[0].needs_review
    event = (
        AuditEvent.select()
        .where(AuditEvent.action == "post.take")
        .order_by(AuditEvent.seq.desc())
        .first()
    )
    assert "整理档案" not in event.detail and "王小英" not in event.detail

    # After the screen lock the same post is taken again without a reason: no second row.
    again = take_post(posts.login("1003", PASSWORD), "minzheng", "A", "1001")
    assert again.handover_number == today.handover_number
    assert len(covers_to_review(posts.supervisor)) == 1


def test_a_window_where_one_holds_no_post_needs_a_reason(posts):
    add_staff(posts.supervisor, number="1003", name="赵小红", role="clerk", password=PASSWORD)
    taker = posts.login("1003", PASSWORD)
    with pytest.raises(CoverReasonNeeded, match="您不在该窗口的 A/B 岗上"):
        take_post(taker, "minzheng", "B", None)
    # 代岗 for 1001 (not signed in) at 民政 where 1003 holds no post: a reason too.
    with pytest.raises(CoverReasonNeeded, match="您不在该窗口的 A/B 岗上"):
        take_post(taker, "minzheng", "A", "1001")
    assert covers_to_review(posts.supervisor) == []
    today = take_post(taker, "minzheng", "B", None, "主任临时安排")
    (row,) = covers_to_review(posts.supervisor)
    assert (row.number, row.from_number, row.to_number) == (today.handover_number, None, "1003")
    # Covering someone who does not work at that window stays a different error.
    with pytest.raises(InvalidInput, match="工号 1001 不在婚姻登记窗口") as refused:
        take_post(taker, "hunyin", "A", "1001", "有原因也不行")
    assert not isinstance(refused.value, CoverReasonNeeded)
    # The window of one's own (staff.window) counts as holding a post there.
    add_staff(
        posts.supervisor,
        number="1004",
        name="钱多多",
        role="clerk",
        password=PASSWORD,
        window="hunyin",
    )
    assert take_post(posts.login("1004", PASSWORD), "hunyin", "A", None).handover_number is None
