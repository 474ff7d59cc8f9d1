"""AB岗 roster and today's post (今日岗位): who holds the A and B post of each window, where
a clerk works today and, when covering (代岗), for whom.

Posts are assigned by the supervisor (store.staff.assign_post); the post actually worked
today is recorded on the day's Attendance row, whether or not sign_in ran first. A 代岗
out of the ordinary (for someone signed in today, or at a window where one holds no post)
needs a reason and goes on the supervisor's board (store.handover.login_cover); the roster
flags a window without a B, or whose A or B is away (policies.handover.window_flags).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from policies.handover import window_flags
from policies.masking import mask_name
from store import row_macs
from store.clock import local_date
from store.errors import InvalidInput
from store.handover import away_staff, login_cover
from store.models import Attendance, Post, Staff, Window
from store.roles import DATA_ROLES
from store.session import Session, operation

POSTS = ("A", "B")


@dataclass(frozen=True)
class PostView:
    """One post of the roster; an empty post has no staff number."""

    window_code: str
    window_name: str
    post: str  # "A" | "B"
    staff_number: str | None
    staff_name_masked: str | None  # 王*英; None when empty or without a data key
    away: bool = False  # the holder is absent today (a registered absence, a cover)
    flags: tuple[str, ...] = ()  # the window's (the same on its A and B row): 无B岗, B岗离岗 …


@dataclass(frozen=True)
class TodayPost:
    """Where the clerk works today."""

    work_date: dt.date
    window_code: str
    window_name: str
    post: str  # "A" | "B"
    acting_for_number: str | None  # 代岗: the staff member covered for
    acting_for_name_masked: str | None
    handover_number: str | None = None  # the cover on the supervisor's board, if any


def _masked_staff_name(session: Session, staff: Staff) -> str | None:
    if not session.has_data_key:
        return None
    name = row_macs.open_text(session.keys, staff, "name_enc")
    return mask_name(name or "")


def roster(session: Session) -> list[PostView]:
    """Both posts of every active window, in the hall's order (empty posts included), each
    with whether its holder is away today and the window's flags."""
    today = local_date(session.now())
    with operation(session, "post.roster", record_table="post"):
        windows = list(Window.select().where(Window.active).order_by(Window.id))
        held = {
            (p.window_id, p.post): p.staff
            for p in Post.select(Post, Staff).join(Staff).where(Staff.active)
        }
        away = away_staff(today)
        views = []
        for window in windows:
            a, b = (held.get((window.id, post)) for post in POSTS)
            flags = window_flags(
                a_held=a is not None,
                b_held=b is not None,
                a_away=a is not None and a.id in away,
                b_away=b is not None and b.id in away,
                same_clerk=a is not None and b is not None and a.id == b.id,
            )
            for post, staff in zip(POSTS, (a, b), strict=True):
                views.append(
                    PostView(
                        window.code,
                        window.name,
                        post,
                        staff.number if staff else None,
                        _masked_staff_name(session, staff) if staff else None,
                        away=staff is not None and staff.id in away,
                        flags=flags,
                    )
                )
        return views


def default_post(session: Session) -> tuple[str, str] | None:
    """The window and post to offer the logged-in staff member: the one taken earlier today,
    else their post on the roster (A before B), else their own window."""
    if session.staff_id is None:
        return None
    today = local_date(session.now())
    with operation(session, "post.default", record_table="post"):
        taken = (
            Attendance.select(Attendance, Window)
            .join(Window)
            .where(
                (Attendance.staff == session.staff_id)
                & (Attendance.work_date == today)
                & Window.active
            )
            .first()
        )
        if taken is not None and taken.post in POSTS:
            return taken.window.code, taken.post
        post = (
            Post.select(Post, Window)
            .join(Window)
            .where((Post.staff == session.staff_id) & Window.active)
            .order_by(Post.post, Window.id)
            .first()
        )
        if post is not None:
            return post.window.code, post.post
        staff = Staff.get_or_none(Staff.id == session.staff_id)
        if staff is None or staff.window_id is None or not staff.window.active:
            return None
        taken_posts = {
            p.post
            for p in Post.select().where(
                (Post.window == staff.window_id) & Post.staff.is_null(False)
            )
        }
        return staff.window.code, next((p for p in POSTS if p not in taken_posts), "A")


def _covers_window(staff: Staff, window: Window) -> bool:
    """Whether `staff` works at `window` (holds a post there, or it is their window)."""
    if staff.window_id == window.id:
        return True
    return Post.select().where((Post.staff == staff) & (Post.window == window)).exists()


def take_post(
    session: Session,
    window_code: str,
    post: str,
    acting_for_number: str | None,
    reason: str = "",
) -> TodayPost:
    """Record today's window and post (and 代岗: for whom); sets `session.acting_for`.

    Covering someone signed in today, or a window where one holds no post, needs a
    ``reason`` (CoverReasonNeeded otherwise) and goes on the supervisor's board. Taking
    the same post again the same day (after the screen lock) asks for nothing again."""
    post = post.strip().upper()
    if post not in POSTS:
        raise InvalidInput("岗位只能是 A 或 B")
    if session.staff_id is None:
        raise InvalidInput("请先登录")
    today = local_date(session.now())
    acting_for_number = (acting_for_number or "").strip() or None
    with operation(session, "post.take", roles=DATA_ROLES, record_table="attendance") as event:
        window = Window.get_or_none((Window.code == window_code.strip()) & Window.active)
        if window is None:
            raise InvalidInput(f"未知的窗口：{window_code.strip()}")
        covered = None
        if acting_for_number is not None:
            covered = Staff.get_or_none(Staff.number == acting_for_number)
            if covered is None or not covered.active:
                raise InvalidInput(f"没有工号为 {acting_for_number} 的在岗人员")
            if covered.id == session.staff_id:
                raise InvalidInput("不能替自己代岗")
            if not _covers_window(covered, window):
                raise InvalidInput(f"工号 {acting_for_number} 不在{window.name}，不能为其代岗")
        row = Attendance.get_or_none(
            (Attendance.staff == session.staff_id) & (Attendance.work_date == today)
        )
        # The morning's post taken again (after the lock) finds its cover on record.
        handover = login_cover(session, window, covered, reason)
        if row is None:
            # Sign-in stays with store.attendance.sign_in: no signed_in_at here.
            row = Attendance(
                staff=session.staff_id, work_date=today, station=session.register.station
            )
        row.window = window
        row.post = post
        row.acting_for = covered
        row.save()
        event.record_id = str(row.id)
        event.detail = {
            "window": window.code,
            "post": post,
            "acting_for": covered.id if covered else None,
        }
        if handover is not None:
            event.detail["handover"] = handover.number
        masked = _masked_staff_name(session, covered) if covered else None
    session.acting_for = covered.id if covered else None
    return TodayPost(
        today,
        window.code,
        window.name,
        post,
        covered.number if covered else None,
        masked,
        handover.number if handover is not None else None,
    )
