"""The demo register (store.demo): built in seconds, every state and disposition, posts
filled, accounts that log in."""

from __future__ import annotations

import datetime as dt
import time

import peewee as pw
import pytest

from policies.cases import STATES
from policies.idnumber import validate_resident_id
from store import audit
from store.auth import login
from store.clock import FixedClock
from store.database import close_database
from store.demo import HALL_NAME, create_demo_register, default_demo_url
from store.errors import RegisterExists
from store.lookup import person_history, search
from store.models import Case, Inquiry, Person, Post, Rating, Staff, Window
from store.queue import counter_queue
from store.roster import default_post, take_post
from store.session import Register

NOW = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)  # Monday 09:30 in the hall


@pytest.fixture
def demo(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo' / 'register-demo.db'}"
    started = time.perf_counter()
    info = create_demo_register(url, clock=FixedClock(NOW), persons=40, cases=90)
    elapsed = time.perf_counter() - started
    register = Register.open(url, clock=FixedClock(NOW))
    yield url, info, register, elapsed
    close_database()


def test_demo_builds_quickly_with_every_state_and_disposition(demo):
    _, info, register, elapsed = demo
    assert elapsed < 10  # a few seconds on a laptop; generous for a loaded CI runner
    assert info.hall_name == HALL_NAME == register.meta("hall_name")
    assert {s for (s,) in Case.select(Case.state).distinct().tuples()} == set(STATES)
    dispositions = {d for (d,) in Inquiry.select(Inquiry.disposition).distinct().tuples()}
    assert {"answered", "accepted", "referred", "escalated"} <= dispositions
    assert Inquiry.select().where(Inquiry.referred_to.is_null(False)).exists()
    levels = dict(
        Rating.select(Rating.level, pw.fn.COUNT(Rating.id)).group_by(Rating.level).tuples()
    )
    assert set(levels) == {1, 2, 3, 4, 5} and min(levels.values()) >= 2
    assert Person.select().count() == 40
    assert Case.select().count() >= 90
    assert Window.select().count() == 11
    today = dt.date(2026, 11, 23)
    open_states = [s for s, st in STATES.items() if not st.terminal]
    open_cases = Case.select().where(Case.state.in_(open_states) & Case.due_date.is_null(False))
    assert any(c.due_date < today for c in open_cases)  # overdue
    assert any(today <= c.due_date <= dt.date(2026, 11, 24) for c in open_cases)  # due soon
    oldest = Case.select(pw.fn.MIN(Case.received_at)).scalar()
    assert dt.timedelta(days=60) < NOW - oldest <= dt.timedelta(days=125)


def test_demo_posts_and_accounts(demo):
    _, info, register, _ = demo
    full = [
        w
        for w in Window.select()
        if {p.post for p in Post.select().where((Post.window == w) & Post.staff.is_null(False))}
        == {"A", "B"}
    ]
    assert len(full) >= 7
    roles = {a.role_label for a in info.accounts}
    assert roles == {"大厅主任", "窗口工作人员", "投诉受理人", "技术员"}
    assert 10 <= len(info.accounts) <= 14
    for account in info.accounts:
        session = login(register, account.number, account.password)
        assert session.staff_number == account.number
        assert not Staff.get(Staff.number == account.number).must_change_password
    supervisor = login(register, "0001", "demo0001")
    assert audit.verify(supervisor.audit_key).ok


def test_demo_counter_works_end_to_end(demo):
    _, _, register, _ = demo
    clerk = login(register, "1001", "demo1001")
    window, post = default_post(clerk)
    assert take_post(clerk, window, post, None).window_code == window
    queue = counter_queue(clerk, window_code=window)
    assert {r.section for r in queue.rows} >= {"case", "referral", "supplement"}
    assert {r.urgency for r in queue.rows} >= {"overdue", "due_soon", "ok"}
    counts = queue.counts
    assert counts.inquiries >= 1 and counts.accepted >= 1 and counts.closed >= 1
    assert counts.ratings >= 1 and counts.overdue >= 1
    full = {clerk.keys.open_text("person", "name_enc", p.uuid, p.name_enc) for p in Person.select()}
    shown = {r.applicant for r in queue.rows if r.applicant}
    assert shown and all("*" in a for a in shown) and not full & shown
    person = Person.select().first()
    view = person_history(clerk, person.uuid).person
    validated = validate_resident_id(view.id_number, today=dt.date(2026, 11, 23))
    assert validated.birth_date.year >= 1983
    assert [p.uuid for p in search(clerk, view.id_number).persons] == [person.uuid]
    assert "示例县" in (view.address or "")


def test_demo_refuses_to_overwrite(demo):
    url, *_ = demo
    close_database()
    with pytest.raises(RegisterExists):
        create_demo_register(url, clock=FixedClock(NOW), persons=5, cases=20)


def test_default_demo_url_is_apart_from_the_register():
    url = default_demo_url()
    assert url.startswith("sqlite:///")
    assert url.endswith("/demo/register-demo.db")


def test_demo_has_a_handover_in_progress_and_a_window_with_nobody(demo):
    """AB岗 on the demo: 1007 on leave covered by 1008 (active, its items snapshot), 1005's
    leave waiting for approval, and 自然资源 (A 1006 not in, B 1007 on leave) with nobody."""
    from store.cover import covered_by
    from store.handover import approvals_waiting
    from store.models import Attendance, Handover

    _, _, register, _ = demo
    staff = {s.number: s for s in Staff.select()}
    active = Handover.get(Handover.state == "active")
    assert (active.from_staff.number, active.to_staff.number) == ("1007", "1008")
    assert staff["1007"].id in covered_by(staff["1008"].id)
    supervisor = login(register, "0001", "demo0001")
    assert [v.from_number for v in approvals_waiting(supervisor)] == ["1005"]
    guotu = Window.get(Window.code == "guotu")
    holders = {p.staff_id for p in Post.select().where(Post.window == guotu)}
    present = {
        a.staff_id for a in Attendance.select().where(Attendance.signed_in_at.is_null(False))
    }
    assert holders and not holders & present


def test_demo_has_complaints_followups_and_petitions_in_several_states(demo):
    from store.models import Complaint, Petition, RatingCallback

    assert {c.state for c in Complaint.select()} >= {"received", "investigated", "closed"}
    assert Complaint.select().where(Complaint.extended_at.is_null(False)).exists()
    states = {(r.followup_state, r.appeal_state) for r in Rating.select().where(Rating.level >= 4)}
    assert {("verified", ""), ("open", "pending"), ("closed", "")} <= states
    assert RatingCallback.select().count() == 2
    assert {p.state for p in Petition.select()} == {"open", "handed", "closed"}
    assert Petition.select().where(Petition.collective).count() == 1
