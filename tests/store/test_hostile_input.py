"""Bad input, fuzzed (issue 15), at the store: every text field of every write a form makes
(首问登记, 受理, 办结/退回/撤回, 延期, 上报, 告知, 投诉, 信访, 差评回访, AB岗交接, 岗位, 人员,
登录, 查询, 目录, 年历) gets hostile text — terminal control sequences, 10 kB, every Unicode
plane with lone surrogates, NUL, lone combining marks, bidirectional marks.

Each call either saves the record and it reads back identical (stripped, as every form
strips), or refuses with a Chinese StoreError/PolicyError that does not repeat a personal
field, leaving no row behind and no other row changed. Nothing else may escape. On SQLite
always; on PostgreSQL too when CHUANGKOU_TEST_PG_URL names a test database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given

from policies.errors import PolicyError
from store import models
from store.auth import change_password, login, unlock_with_recovery
from store.calendar_years import import_year
from store.case_notices import issue_case_notice
from store.cases import (
    ProxyInput,
    accept_case,
    case_detail,
    close_case,
    forward_progress,
    request_extension,
    request_supplement,
    return_case,
    review_refusal,
    supplement,
    withdraw_case,
)
from store.cases.refusals import read_pending_refusals
from store.catalog import import_catalog
from store.clock import HALL_TZ, FixedClock
from store.complaints import (
    complaint_detail,
    decide_complaint,
    extend_complaint,
    investigate_complaint,
    log_complaint,
    reply_complaint,
)
from store.database import close_database
from store.errors import StoreError
from store.followup import (
    appeal_rating,
    decide_appeal,
    followup_detail,
    log_callback,
    rectify_followup,
    verify_followup,
)
from store.handover import (
    accept_return,
    assign_cover,
    cancel_handover,
    hand_back,
    handover_detail,
    register_absence,
    take_over,
)
from store.inquiries import PersonInput, register_inquiry
from store.inquiry_view import inquiry_view
from store.keyslots import OWASP_MINIMUM_KDF
from store.lookup import search
from store.persons import find_by_id_number, upsert_person
from store.petitions import (
    PetitionInput,
    answer_petition,
    hand_petition,
    petition_detail,
    register_petition,
)
from store.ratings import record_rating
from store.roster import take_post
from store.setup import create_register
from store.staff import add_staff, assign_post, reset_password
from tests.conftest import SUPERVISOR_PASSWORD
from tests.hostile import SAMPLES, fuzz, has_chinese, hostile_text
from tests.people import PEOPLE, id_number
from tests.store.test_cases import ALL, CATALOG
from tests.store.test_postgres import _wipe

pytestmark = pytest.mark.timeout(600)

PG_URL = os.environ.get("CHUANGKOU_TEST_PG_URL", "")
PW = "chuangkou-mima-9"
WHO = PEOPLE[0]
MAY_2027 = dt.date(2027, 5, 10)
# Monday 23 November 2026, 10:00 at the hall.
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
YEAR_2027 = """year = 2027
[[holidays]]
name = "元旦"
start = 2027-01-01
"""


class World:
    """The register the targets work on. Its repr shows nothing: hypothesis prints the
    test's arguments when one fails, and the sessions hold the register's keys."""

    def __init__(
        self, backend, register, clock, supervisor, desk, officer, recovery, applicant
    ) -> None:
        self.backend: str = backend
        self.register = register
        self.clock: FixedClock = clock
        self.supervisor = supervisor  # 0001
        self.desk = desk  # 1002, 民政 A, B of 社保 and 国土村建
        self.officer = officer  # 2001, complaint officer
        self.recovery: str = recovery
        self.serial = itertools.count(1)
        self.applicant: str = applicant  # PEOPLE[1], whose name no target changes

    def __repr__(self) -> str:
        return "World()"


BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not PG_URL, reason="CHUANGKOU_TEST_PG_URL is not set"),
        ],
    ),
]


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    close_database()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'register.db'}"
    else:
        _wipe(PG_URL)
        url = PG_URL
    clock = FixedClock(NOW)
    register, supervisor, recovery = create_register(
        url,
        hall_name="示例镇便民服务中心",
        hall_code="SLZ",
        supervisor_number="0001",
        supervisor_name="林主任",
        password=SUPERVISOR_PASSWORD,
        clock=clock,
        kdf=OWASP_MINIMUM_KDF,
    )
    import_catalog(supervisor, CATALOG)
    for number, name, role, window in (
        ("1002", "赵民政", "clerk", "minzheng"),
        ("1003", "钱备岗", "clerk", "minzheng"),
        ("2001", "纪委员", "complaint_officer", None),
    ):
        add_staff(supervisor, number=number, name=name, role=role, password=PW, window=window)
    assign_post(supervisor, "minzheng", "A", "1002")
    assign_post(supervisor, "minzheng", "B", "1003")
    for window in ("shebao", "guotu"):
        assign_post(supervisor, window, "B", "1002")
    desk = login(register, "1002", PW)
    who = PEOPLE[1]
    applicant = upsert_person(desk, name=who.name, id_number=who.id_number, phone=who.phone)
    yield World(
        request.param,
        register,
        clock,
        supervisor,
        desk,
        login(register, "2001", PW),
        recovery,
        applicant.uuid,
    )
    close_database()


# --- what a refusal may leave behind ------------------------------------------------------

_AUDIT = {models.AuditEvent, models.AuditPending, models.AuditHead}


def _counts() -> dict[str, int]:
    return {m.__name__: m.select().count() for m in models.ALL_MODELS if m not in _AUDIT}


def _row(key: tuple[type, int] | None):
    if key is None:
        return None
    model, row_id = key
    return model.select().where(model.id == row_id).tuples().first()


def _last_seq() -> int:
    row = models.AuditEvent.select(models.AuditEvent.seq).order_by(-models.AuditEvent.seq).first()
    return row.seq if row else 0


# --- preparing the record a form works on -------------------------------------------------


def _case(w: World, **kw) -> str:
    kw.setdefault("item_code", "P001")
    kw.setdefault("materials", ALL)
    kw.setdefault("kind", "promised")
    return accept_case(w.desk, person_uuid=w.applicant, **kw).number


def _row_of(model, number: str) -> tuple[type, int]:
    return model, model.get(model.number == number).id


def _complaint(w: World, *steps: str) -> str:
    number = log_complaint(
        w.desk,
        channel="written",
        grounds=["attitude"],
        description="态度生硬",
        anonymous=True,
        complex_=True,
    ).number
    if "investigate" in steps:
        investigate_complaint(w.officer, number, "已调查")
    if "decide" in steps:
        decide_complaint(w.officer, number, substantiated=True, measures="批评教育")
    return number


def _bad_rating(w: World) -> str:
    number = _case(w)
    record_rating(w.desk, case_number=number, level=5, channel="device", reason_code=209)
    return number


def _petition(w: World) -> str:
    return register_petition(w.desk, PetitionInput(name=WHO.name, issue="反映问题")).number


def _refusal(w: World) -> int:
    return_case(w.desk, _case(w), reasons="材料不全")
    return read_pending_refusals(w.supervisor, limit=1000)[1][-1].id


def _free_1003(w: World) -> None:
    """Nobody covers 1003 any more: an earlier example's handover is ended by the supervisor
    (cancelled, or handed back and the return confirmed)."""
    for row in models.Handover.select().where(
        models.Handover.state.in_(["requested", "registered", "active", "returned"])
    ):
        if row.state == "active":
            hand_back(w.supervisor, row.number)
        if row.state in ("active", "returned"):
            accept_return(w.supervisor, row.number)
        else:
            cancel_handover(w.supervisor, row.number)


# --- the targets --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    #: (world, prepared, text) → a reader of what was stored, or None (nothing to read back:
    #: a lookup key, which hostile text never matches, or a password)
    act: Callable[[World, Any, str], Callable[[], Any] | None]
    #: world → (prepared value, (model, id) of the row a refusal must leave as it was)
    prepare: Callable[[World], tuple[Any, tuple[type, int] | None]] = lambda w: (None, None)
    personal: bool = False  # a refusal's message must not repeat it
    stored: Callable[[str], str] = str.strip
    #: a refusal may write (a failed login counts the failure)
    writes_when_refused: bool = False


def _inquiry(w: World, **kw) -> Callable[[], Any]:
    kw.setdefault("channel", "visit")
    kw.setdefault("disposition", "answered")
    if "caller_name" not in kw and "caller_phone" not in kw and "person" not in kw:
        kw["person"] = PersonInput(WHO.name, WHO.id_number, WHO.phone)
    if "item_code" not in kw and "topic" not in kw:
        kw["topic"] = "问低保政策"
    number = register_inquiry(w.desk, **kw).number
    return lambda: inquiry_view(w.desk, number)


def _person_field(field: str) -> Callable[[World, Any, str], Callable[[], Any]]:
    def act(w: World, _, text: str):
        values = {"name": WHO.name, "id_number": WHO.id_number, "phone": WHO.phone} | {field: text}
        view = _inquiry(w, person=PersonInput(**values))
        if field == "id_number":  # found by it: saved as the validator normalised it
            return None
        return lambda: (view(), getattr(find_by_id_number(w.desk, WHO.id_number), field))[1]

    return act


def _new_id(w: World) -> str:
    """A fresh valid ID number for a person nobody has registered yet."""
    n = next(w.serial)
    return id_number("110105", f"19{60 + n // 365 % 40:02d}0101", f"{n % 1000:03d}")


def _case_target(name: str, act, **prepare_kw) -> Target:
    def prepare(w: World):
        number = _case(w, **prepare_kw)
        return number, _row_of(models.Case, number)

    return Target(name, act, prepare)


def _complaint_target(name: str, steps: tuple[str, ...], act) -> Target:
    def prepare(w: World):
        number = _complaint(w, *steps)
        return number, _row_of(models.Complaint, number)

    return Target(name, act, prepare)


def _followup_target(name: str, act, steps: tuple[str, ...] = ()) -> Target:
    def prepare(w: World):
        number = _bad_rating(w)
        if "verify" in steps:
            verify_followup(w.desk, number, findings="核实", complex_matter=False)
        if "appeal" in steps:
            appeal_rating(w.desk, number, reason="按错键")
        rating = models.Rating.get(models.Rating.case == models.Case.get(number=number).id)
        return number, (models.Rating, rating.id)

    return Target(name, act, prepare)


def _petition_target(name: str, act) -> Target:
    def prepare(w: World):
        number = _petition(w)
        return number, _row_of(models.Petition, number)

    return Target(name, act, prepare)


def _proxy(field: str) -> Callable[[World, Any, str], Callable[[], Any]]:
    def act(w: World, _, text: str):
        values = {"name": "代办人", "id_number": PEOPLE[2].id_number, "phone": PEOPLE[2].phone}
        number = _case(w, proxy=ProxyInput(**(values | {field: text})))
        return lambda: case_detail(w.desk, number).proxy_name

    return act


def _petition_field(field: str):
    def act(w: World, _, text: str):
        values = {"name": WHO.name, "issue": "反映问题"} | {field: text}
        number = register_petition(w.desk, PetitionInput(**values)).number
        return lambda: getattr(petition_detail(w.desk, number), field)

    return act


def _cover(w: World, text: str, how: str):
    if how == "take_over":
        w.clock.set(dt.datetime(2026, 11, 23, 10, 30, tzinfo=HALL_TZ))  # after 09:30
        view = take_over(w.desk, "1003", reason=text)
        w.clock.set(NOW)
    else:
        view = assign_cover(w.supervisor, "1003", "1002", reason=text)
    return lambda: handover_detail(w.supervisor, view.number).reason


def _freed(w: World) -> tuple[None, None]:
    _free_1003(w)
    return None, None


def _away_1003(w: World):
    """1003, logged in, with no absence or cover registered (an earlier example's cancelled)."""
    _free_1003(w)
    return login(w.register, "1003", PW)


def _absence(w: World, me, text: str, field: str):
    kw = {
        "absence": "vacation",
        "starts_on": dt.date(2026, 11, 24),
        "ends_on": dt.date(2026, 11, 24),
    }
    kw[field] = text
    view = register_absence(me, **kw)
    return lambda: getattr(handover_detail(w.supervisor, view.number), field)


def _new_clerk(w: World) -> str:
    """A clerk of their own for each example that tries passwords (no lockout carried over)."""
    number = f"6{next(w.serial):03d}"
    add_staff(w.supervisor, number=number, name="新人", role="clerk", password=PW)
    return number


def _new_staff_logs_in(w: World, password: str) -> None:
    number = f"7{next(w.serial):03d}"
    add_staff(w.supervisor, number=number, name="新人", role="clerk", password=password)
    login(w.register, number, password)


TARGETS = [
    # 首问登记 (F2)
    Target("inquiry.person.name", _person_field("name"), personal=True),
    Target("inquiry.person.id_number", _person_field("id_number"), personal=True),
    Target("inquiry.person.phone", _person_field("phone"), personal=True),
    Target(
        "inquiry.person.address",
        lambda w, _, t: (lambda uuid: lambda: find_by_id_number(w.desk, WHO.id_number).address)(
            register_inquiry(
                w.desk,
                channel="visit",
                disposition="answered",
                topic="问",
                person=PersonInput(WHO.name, WHO.id_number, WHO.phone, address=t),
            ).uuid
        ),
        personal=True,
    ),
    Target(
        "inquiry.caller_name",
        lambda w, _, t: (lambda v: lambda: v().name)(
            _inquiry(w, channel="phone", caller_name=t, caller_phone=WHO.phone)
        ),
        personal=True,
    ),
    Target(
        "inquiry.caller_phone",
        lambda w, _, t: (lambda v: None)(
            _inquiry(w, channel="phone", caller_name=WHO.name, caller_phone=t)
        ),
        personal=True,
    ),
    Target("inquiry.topic", lambda w, _, t: (lambda v: lambda: v().topic)(_inquiry(w, topic=t))),
    Target(
        "inquiry.answer",
        lambda w, _, t: (lambda v: lambda: v().answer)(_inquiry(w, topic="问", answer=t)),
    ),
    Target("inquiry.item_code", lambda w, _, t: _inquiry(w, item_code=t) and None),
    Target(
        "inquiry.referred_to",
        lambda w, _, t: _inquiry(w, topic="问", disposition="referred", referred_to=t) and None,
    ),
    Target("inquiry.channel", lambda w, _, t: _inquiry(w, channel=t) and None),
    Target("inquiry.disposition", lambda w, _, t: _inquiry(w, disposition=t) and None),
    # 受理 (accept)
    Target("accept.item_code", lambda w, _, t: _case(w, item_code=t) and None),
    Target(
        "accept.person_uuid",
        lambda w, _, t: (
            accept_case(w.desk, person_uuid=t, item_code="P001", materials=ALL, kind="promised")
            and None
        ),
    ),
    Target(
        "accept.material_name", lambda w, _, t: _case(w, materials={**ALL, t: "present"}) and None
    ),
    Target(
        "accept.material_status", lambda w, _, t: _case(w, materials={**ALL, "户口簿": t}) and None
    ),
    Target("accept.kind", lambda w, _, t: _case(w, kind=t) and None),
    Target("accept.inquiry_number", lambda w, _, t: _case(w, inquiry_number=t) and None),
    Target("accept.joint_window", lambda w, _, t: _case(w, joint_windows=[t]) and None),
    Target(
        "accept.return_reasons",
        lambda w, _, t: (lambda n: lambda: case_detail(w.desk, n).result)(
            _case(w, kind="returned", materials={**ALL, "户口簿": "missing"}, return_reasons=t)
        ),
    ),
    Target("accept.proxy.name", _proxy("name"), personal=True),
    Target("accept.proxy.id_number", _proxy("id_number"), personal=True, stored=lambda t: "代办人"),
    Target("accept.proxy.phone", _proxy("phone"), personal=True, stored=lambda t: "代办人"),
    # the case's own screen
    _case_target(
        "case.close.reasons",
        lambda w, n, t: (
            close_case(w.desk, n, granted=True, reasons=t)
            and (lambda: case_detail(w.desk, n).result.removeprefix("准予："))
        ),
    ),
    _case_target(
        "case.return.reasons",
        lambda w, n, t: (
            return_case(w.desk, n, reasons=t) and (lambda: case_detail(w.desk, n).result)
        ),
    ),
    _case_target(
        "case.withdraw.reasons",
        lambda w, n, t: (
            withdraw_case(w.desk, n, reasons=t) and (lambda: case_detail(w.desk, n).result)
        ),
    ),
    _case_target(
        "case.number",
        lambda w, n, t: close_case(w.desk, t, granted=True, reasons="办结") and None,
    ),
    _case_target(
        "case.extension.reason",
        lambda w, n, t: (
            request_extension(w.desk, n, reason=t, new_date=dt.date(2026, 12, 30)) or None
        ),
    ),
    _case_target(
        "case.supplement.missing", lambda w, n, t: request_supplement(w.desk, n, [t]) and None
    ),
    _case_target(
        "case.supplement.present",
        lambda w, n, t: supplement(w.desk, n, [t]) and None,
        kind="supplement",
        materials={**ALL, "户口簿": "not_brought"},
    ),
    _case_target(
        "case.forward.reference",
        lambda w, n, t: (
            forward_progress(w.desk, n, reference=t)
            and (lambda: case_detail(w.desk, n).forward_reference)
        ),
        item_code="E001",
        materials={"申请表": "present"},
        kind="escalated",
    ),
    _case_target("case.notice.kind", lambda w, n, t: issue_case_notice(w.desk, n, t) and None),
    Target(
        "refusal.review.note",
        lambda w, rid, t: review_refusal(w.supervisor, rid, note=t, decision="overturned") or None,
        prepare=lambda w: (rid := _refusal(w), (models.Refusal, rid)),
    ),
    Target(
        "refusal.review.decision",
        lambda w, rid, t: review_refusal(w.supervisor, rid, note="同意", decision=t) or None,
        prepare=lambda w: (rid := _refusal(w), (models.Refusal, rid)),
    ),
    # 投诉 (F6)
    Target(
        "complaint.description",
        lambda w, _, t: (lambda n: lambda: complaint_detail(w.officer, n).description)(
            log_complaint(w.desk, channel="oral", grounds=["attitude"], description=t).number
        ),
    ),
    Target(
        "complaint.complainant_name",
        lambda w, _, t: (lambda n: lambda: complaint_detail(w.officer, n).complainant_name)(
            log_complaint(
                w.desk, channel="oral", grounds=["attitude"], description="态度", complainant_name=t
            ).number
        ),
        personal=True,
    ),
    Target(
        "complaint.complainant_contact",
        lambda w, _, t: (lambda n: lambda: complaint_detail(w.officer, n).complainant_contact)(
            log_complaint(
                w.desk,
                channel="oral",
                grounds=["attitude"],
                description="态度",
                complainant_contact=t,
            ).number
        ),
        personal=True,
    ),
    Target(
        "complaint.channel",
        lambda w, _, t: (
            log_complaint(w.desk, channel=t, grounds=["attitude"], description="x") and None
        ),
    ),
    Target(
        "complaint.ground",
        lambda w, _, t: (
            log_complaint(w.desk, channel="oral", grounds=[t], description="x") and None
        ),
    ),
    Target(
        "complaint.against_staff",
        lambda w, _, t: (
            log_complaint(
                w.desk, channel="oral", grounds=["attitude"], description="x", against_staff=t
            )
            and None
        ),
    ),
    Target(
        "complaint.against_window",
        lambda w, _, t: (
            log_complaint(
                w.desk, channel="oral", grounds=["attitude"], description="x", against_window=t
            )
            and None
        ),
    ),
    Target(
        "complaint.case_number",
        lambda w, _, t: (
            log_complaint(
                w.desk, channel="oral", grounds=["attitude"], description="x", case_number=t
            )
            and None
        ),
    ),
    _complaint_target(
        "complaint.findings",
        (),
        lambda w, n, t: (
            investigate_complaint(w.officer, n, t)
            and (lambda: complaint_detail(w.officer, n).findings)
        ),
    ),
    _complaint_target(
        "complaint.measures",
        ("investigate",),
        lambda w, n, t: (
            decide_complaint(w.officer, n, substantiated=False, measures=t)
            and (lambda: complaint_detail(w.officer, n).measures)
        ),
    ),
    _complaint_target(
        "complaint.reply_note",
        ("investigate", "decide"),
        lambda w, n, t: (
            reply_complaint(w.officer, n, how="phone", note=t)
            and (lambda: complaint_detail(w.officer, n).reply_note)
        ),
    ),
    _complaint_target(
        "complaint.reply_how",
        ("investigate", "decide"),
        lambda w, n, t: reply_complaint(w.officer, n, how=t) and None,
    ),
    _complaint_target(
        "complaint.extension_reason",
        (),
        lambda w, n, t: (
            extend_complaint(w.officer, n, t)
            and (lambda: complaint_detail(w.officer, n).extension_reason)
        ),
    ),
    # 信访
    *[
        Target(f"petition.{field}", _petition_field(field), personal=True)
        for field in (
            "name",
            "issue",
            "gender",
            "age",
            "occupation",
            "political_status",
            "address",
            "phone",
            "materials",
        )
    ],
    Target(
        "petition.id_number",
        lambda w, _, t: (
            register_petition(w.desk, PetitionInput(name=WHO.name, issue="问题", id_number=t))
            and None
        ),
        personal=True,
    ),
    Target(
        "petition.channel",
        lambda w, _, t: (
            register_petition(w.desk, PetitionInput(name=WHO.name, issue="问题", channel=t))
            and None
        ),
    ),
    _petition_target(
        "petition.department",
        lambda w, n, t: hand_petition(w.desk, n, t) and None,
    ),
    _petition_target(
        "petition.reply",
        lambda w, n, t: (
            answer_petition(w.desk, n, t) and (lambda: petition_detail(w.desk, n).reply)
        ),
    ),
    _petition_target(
        "petition.department_reply",
        lambda w, n, t: (
            answer_petition(w.desk, n, "已答复", department_reply=t)
            and (lambda: petition_detail(w.desk, n).department_reply)
        ),
    ),
    # 差评回访 (F7 follow-up)
    _followup_target(
        "followup.findings",
        lambda w, n, t: (
            verify_followup(w.desk, n, findings=t, complex_matter=False)
            and (lambda: followup_detail(w.desk, n).findings)
        ),
    ),
    _followup_target(
        "followup.measures",
        lambda w, n, t: (
            rectify_followup(w.desk, n, measures=t)
            and (lambda: followup_detail(w.desk, n).measures)
        ),
        steps=("verify",),
    ),
    _followup_target(
        "followup.evidence",
        lambda w, n, t: (
            rectify_followup(w.desk, n, measures="整改", evidence=t)
            and (lambda: followup_detail(w.desk, n).evidence)
        ),
        steps=("verify",),
    ),
    _followup_target(
        "followup.callback.note",
        lambda w, n, t: (
            log_callback(w.desk, n, how="phone", outcome="no_answer", note=t)
            and (lambda: followup_detail(w.desk, n).callbacks[-1].note)
        ),
    ),
    _followup_target(
        "followup.callback.how",
        lambda w, n, t: log_callback(w.desk, n, how=t, outcome="no_answer") and None,
    ),
    _followup_target(
        "followup.callback.satisfaction",
        lambda w, n, t: (
            log_callback(w.desk, n, how="phone", outcome="reached", satisfaction=t) and None
        ),
    ),
    _followup_target(
        "followup.appeal.reason",
        lambda w, n, t: (
            appeal_rating(w.desk, n, reason=t)
            and (lambda: followup_detail(w.desk, n).appeal_reason)
        ),
    ),
    _followup_target(
        "followup.appeal.note",
        lambda w, n, t: (
            decide_appeal(w.supervisor, n, upheld=False, note=t)
            and (lambda: followup_detail(w.supervisor, n).appeal_note)
        ),
        steps=("appeal",),
    ),
    Target(
        "rating.channel",
        lambda w, n, t: record_rating(w.desk, case_number=n, level=1, channel=t) and None,
        prepare=lambda w: (n := _case(w), _row_of(models.Case, n)),
    ),
    Target(
        "rating.case_number",
        lambda w, _, t: record_rating(w.desk, case_number=t, level=1, channel="device") and None,
    ),
    # AB岗交接 (F5), 岗位
    Target("handover.take_over.reason", lambda w, _, t: _cover(w, t, "take_over"), prepare=_freed),
    Target("handover.assign.reason", lambda w, _, t: _cover(w, t, "assign"), prepare=_freed),
    Target(
        "handover.absence.note",
        lambda w, me, t: _absence(w, me, t, "note"),
        prepare=lambda w: (_away_1003(w), None),
    ),
    Target(
        "handover.absence.kind",
        lambda w, me, t: _absence(w, me, t, "absence") and None,
        prepare=lambda w: (_away_1003(w), None),
    ),
    Target(
        "handover.from_number",
        lambda w, _, t: assign_cover(w.supervisor, t, "1002", reason="顶岗") and None,
    ),
    Target("post.window", lambda w, _, t: take_post(w.desk, t, "A", None) and None),
    Target("post.post", lambda w, _, t: take_post(w.desk, "minzheng", t, None) and None),
    Target("post.acting_for", lambda w, _, t: take_post(w.desk, "minzheng", "A", t) and None),
    Target(
        "post.reason",
        lambda w, _, t: take_post(w.desk, "shebao", "B", "1003", t) and None,
    ),
    # 人员, 登录
    Target(
        "staff.number",
        lambda w, _, t: (
            add_staff(w.supervisor, number=t, name="新人", role="clerk", password=PW) and None
        ),
    ),
    Target(
        "staff.name",
        lambda w, _, t: (
            add_staff(
                w.supervisor, number=f"9{next(w.serial):03d}", name=t, role="clerk", password=PW
            )
            and None
        ),
        personal=True,
    ),
    Target(
        "staff.role",
        lambda w, _, t: (
            add_staff(
                w.supervisor, number=f"8{next(w.serial):03d}", name="新人", role=t, password=PW
            )
            and None
        ),
    ),
    Target("staff.password", lambda w, _, t: _new_staff_logs_in(w, t), personal=True),
    Target(
        "staff.reset_password",
        lambda w, number, t: reset_password(w.supervisor, number, t) or None,
        prepare=lambda w: (_new_clerk(w), None),
        personal=True,
    ),
    Target(
        "login.number",
        lambda w, _, t: login(w.register, t, PW) and None,
        writes_when_refused=True,
    ),
    Target(
        "login.password",
        lambda w, number, t: login(w.register, number, t) and None,
        prepare=lambda w: (_new_clerk(w), None),
        personal=True,
        writes_when_refused=True,
    ),
    Target(
        "login.change_password.new",
        lambda w, me, t: change_password(me, PW, t) or None,
        prepare=lambda w: (login(w.register, _new_clerk(w), PW), None),
        personal=True,
    ),
    Target(
        "login.recovery_code",
        lambda w, _, t: unlock_with_recovery(w.register, t) and None,
        personal=True,
        writes_when_refused=True,
    ),
    # 查询 (F3), files
    Target("search.query", lambda w, _, t: search(w.desk, t) and None, personal=True),
    Target(
        "person.upsert.name",
        lambda w, _, t: (
            lambda pid: (
                upsert_person(w.desk, name=t, id_number=pid)
                and (lambda: find_by_id_number(w.desk, pid).name)
            )
        )(_new_id(w)),
        personal=True,
    ),
    Target("catalog.import", lambda w, _, t: import_catalog(w.supervisor, t) and None),
    Target("calendar.import", lambda w, _, t: import_year(w.supervisor, t) and None),
    Target(
        "calendar.import.holiday_name",
        lambda w, _, t: import_year(w.supervisor, YEAR_2027.replace("元旦", t)) and None,
    ),
]


#: The samples every field gets on each backend (the others come in the generated ones).
CORE = {
    "sqlite": ("high-surrogate", "nul", "10k-han", "osc-title", "only-space"),
    "postgresql": ("high-surrogate", "nul", "10k-ascii"),
}


def _check(w: World, target: Target, text: str, label: str) -> None:
    where = f"{target.name} [{label}]"
    prepared, key = target.prepare(w)
    counts, row, seq = _counts(), _row(key), _last_seq()
    try:
        reader = target.act(w, prepared, text)
    except (StoreError, PolicyError) as exc:
        message = str(exc)
        assert has_chinese(message), f"{where}: {message[:200]!r}"
        secret = text.strip() if isinstance(text, str) else ""
        if target.personal and len(secret) >= 4:
            assert secret not in message, f"{where} repeats the input in its message"
        if not target.writes_when_refused:
            assert _counts() == counts, f"{where}: a refused call left rows behind"
            assert _row(key) == row, f"{where}: a refused call changed its record"
            actions = {
                e.action for e in models.AuditEvent.select().where(models.AuditEvent.seq > seq)
            }
            assert actions <= {"refused", "denied"}, f"{where}: {actions}"
        return
    finally:
        w.clock.set(NOW)
    if reader is not None:
        stored = reader()
        assert stored in (text, target.stored(text)), f"{where}: read back differently"


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_every_field_takes_the_core_samples(world, target):
    for label in CORE[world.backend]:
        _check(world, target, SAMPLES[label], label)


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@fuzz(3)
@given(text=hostile_text())
def test_every_field_takes_generated_hostile_text(world, target, text):
    _check(world, target, text, "generated")


# --- dates a form parses from what was typed (tui.dates takes years 0001–9999) -----------

EXTREME_DATES = [dt.date.min, dt.date(1900, 1, 1), dt.date(2200, 12, 31), dt.date.max]

DATE_TARGETS = [
    _case_target(
        "case.extension.new_date",
        lambda w, n, d: request_extension(w.desk, n, reason="需现场核查", new_date=d) or None,
    ),
    Target(
        "accept.tolerance_commitment_date",
        lambda w, _, d: (
            _case(
                w,
                kind="tolerance",
                materials={**ALL, "收入证明": "not_brought"},
                tolerance_commitment_date=d,
            )
            and None
        ),
    ),
    Target(
        "accept.forward_by",
        lambda w, _, d: (
            _case(
                w, item_code="E001", materials={"申请表": "present"}, kind="escalated", forward_by=d
            )
            and None
        ),
    ),
    Target(
        "handover.absence.ends_on",
        lambda w, me, d: (
            register_absence(me, absence="vacation", starts_on=dt.date(2026, 11, 24), ends_on=d)
            and None
        ),
        prepare=lambda w: (_away_1003(w), None),
    ),
    Target("handover.assign.ends_on", lambda w, _, d: _cover_until(w, d), prepare=_freed),
    _complaint_target(
        "complaint.replied_on",
        ("investigate", "decide"),
        lambda w, n, d: reply_complaint(w.officer, n, how="phone", replied_on=d) and None,
    ),
]


def _cover_until(w: World, day: dt.date) -> None:
    assign_cover(w.supervisor, "1003", "1002", reason="顶岗", ends_on=day)


@pytest.mark.parametrize("target", DATE_TARGETS, ids=lambda t: t.name)
def test_every_date_field_takes_the_extremes(world, target):
    for day in EXTREME_DATES:
        _check(world, target, day, str(day))
