"""The demo register (演示登记本): a ready hall to try chuangkou on, built in a few seconds.

Everything in it is invented: the hall 「示例镇便民服务中心（演示）」, its staff (with simple
passwords shown on the demo login screen: they are not secrets), a few hundred people with
generated names, valid-checksum ID numbers (real region codes, born 1983 or later) and
addresses in an invented place, and four months of cases, inquiries and ratings.

Store operations build what they exist for (create_register, add_staff, import_catalog,
assign_post, upsert_person). Cases, inquiries and ratings, whose operations come later, are
written here with the models — sealed with the session's keyring exactly as real rows, with
numbers from store.numbers, and one audit event per batch.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from policies.cases import AUTHORITIES, STATES
from policies.deadlines import case_limit_working_days
from policies.idnumber import check_digit
from store import row_macs
from store.catalog import import_catalog
from store.clock import HALL_TZ, Clock, local_date
from store.crypto import Keyring
from store.database import close_database
from store.keyslots import OWASP_MINIMUM_KDF
from store.models import Case, Inquiry, Person, Rating, ServiceItem, Staff, Window, new_uuid
from store.numbers import CASE, INQUIRY, next_number
from store.persons import upsert_person
from store.roles import (
    CLERK,
    COMPLAINT_OFFICER,
    ROLE_LABELS,
    SUPERVISOR,
    SUPERVISOR_ROLES,
    TECHNICIAN,
)
from store.session import Session, operation, transaction
from store.setup import create_register
from store.staff import add_staff, assign_post

HALL_NAME = "示例镇便民服务中心（演示）"
HALL_CODE = "DEMO"
STATION = "演示终端"
#: How far back the demo's records reach.
HISTORY_DAYS = 120


@dataclass(frozen=True)
class DemoAccount:
    number: str
    name: str  # an invented staff name
    role_label: str
    password: str  # a demo password, shown on the demo login screen


@dataclass(frozen=True)
class DemoInfo:
    accounts: list[DemoAccount]
    hall_name: str


def default_demo_url() -> str:
    """`<user data dir>/demo/register-demo.db`: never the hall's real register."""
    import platformdirs

    data_dir = Path(platformdirs.user_data_dir("chuangkou", appauthor=False))
    return f"sqlite:///{data_dir / 'demo' / 'register-demo.db'}"


# --- invented people ---------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方")
GIVEN = (
    "建国华明丽敏静秀英芳伟强军平刚桂兰霞玉珍红梅海燕春秋文杰涛超勇艳娟磊洋斌鹏辉婷宇浩凯"
    "欣雪琳晨佳萍波林峰志成荣福生德贵思雨诗涵子轩梓晴一鸣俊杰嘉怡"
)
#: County codes in the national table (they pass policies.idnumber's full validation).
REGIONS = ("410302", "410305", "410311", "410322", "410323", "410324", "410325", "411002")
VILLAGES = ("东湖", "柳树湾", "石桥", "杨家岭", "青山", "河口", "新庄", "白沙", "枣园", "大槐树")
ETHNICITIES = ("汉族",) * 17 + ("回族", "满族", "土家族")


@dataclass(frozen=True)
class _PersonDraft:
    name: str
    id_number: str
    phone: str
    gender: str
    birth_date: dt.date
    ethnicity: str
    address: str


def _person_name(rng: random.Random) -> str:
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.03 else rng.choice(SURNAMES)
    return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))


def _id_number(rng: random.Random, today: dt.date) -> tuple[str, dt.date]:
    last = min(dt.date(2008, 12, 31), today)
    birth = dt.date(1983, 1, 1) + dt.timedelta(
        days=rng.randrange((last - dt.date(1983, 1, 1)).days)
    )
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_digit(first17), birth


def _persons(rng: random.Random, count: int, today: dt.date) -> list[_PersonDraft]:
    drafts, seen = [], set()
    while len(drafts) < count:
        number, birth = _id_number(rng, today)
        if number in seen:
            continue
        seen.add(number)
        village = rng.choice(VILLAGES)
        drafts.append(
            _PersonDraft(
                name=_person_name(rng),
                id_number=number,
                # 1xx-0000-xxxx: an invented pattern, not a number anyone was given on purpose.
                phone=f"1{rng.choice('3578')}{rng.randrange(10)}0000{rng.randrange(10000):04d}",
                gender="男" if int(number[16]) % 2 else "女",
                birth_date=birth,
                ethnicity=rng.choice(ETHNICITIES),
                address=f"示例县示例镇{village}村{rng.randrange(1, 9)}组{rng.randrange(1, 120)}号",
            )
        )
    return drafts


# --- staff and posts -----------------------------------------------------------------------

SUPERVISOR_ACCOUNT = ("0001", "林志远", SUPERVISOR)
STAFF = (
    ("1001", "陈思雨", CLERK),
    ("1002", "刘建军", CLERK),
    ("1003", "张海燕", CLERK),
    ("1004", "李文博", CLERK),
    ("1005", "赵丽娟", CLERK),
    ("1006", "黄志强", CLERK),
    ("1007", "周晓梅", CLERK),
    ("1008", "吴国平", CLERK),
    ("1009", "郑雪琴", CLERK),
    ("2001", "何纪明", COMPLAINT_OFFICER),
    ("9001", "孙立新", TECHNICIAN),
)
CLERKS = tuple(number for number, _, role in STAFF if role == CLERK)


def demo_password(number: str) -> str:
    return f"demo{number}"


def _post_plan(windows: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """A and B per window: clerk i holds A of window i and B of window i-1 (they back each
    other up in a ring); the last windows show a vacant B and a shared clerk."""
    plan: dict[str, tuple[str | None, str | None]] = {}
    n = len(CLERKS)
    for i, code in enumerate(windows):
        if i < n:
            plan[code] = (CLERKS[i], CLERKS[(i + 1) % n])
        elif i == n:
            plan[code] = (CLERKS[2], None)  # B 空缺: the supervisor names a stand-in
        else:
            plan[code] = (CLERKS[(i * 3) % n], CLERKS[(i * 3 + 4) % n])
    return plan


# --- cases, inquiries, ratings ---------------------------------------------------------------


@dataclass(eq=False)  # identity: drafts are compared and hashed as objects
class _CaseDraft:
    item: ServiceItem
    window: Window
    person_id: int | None
    kind: str
    state: str
    received_at: dt.datetime
    clock_start: dt.date | None
    due_date: dt.date | None
    due_provisional: bool
    closed_at: dt.datetime | None
    staff_id: int
    tolerance: bool = False
    note: str = "申请人本人到场，已一次性告知所需材料和办理时限。"
    result: str | None = None
    id: int | None = None
    number: str = ""


@dataclass(eq=False)
class _InquiryDraft:
    at: dt.datetime
    channel: str
    person_id: int | None
    caller: tuple[str, str] | None  # (name, phone) of a caller who gave no ID number
    item: ServiceItem | None
    first_asker: int
    window: Window | None
    disposition: str
    referred_to: Window | None
    case: _CaseDraft | None
    state: str
    topic: str
    closed_at: dt.datetime | None = None
    id: int | None = None


@dataclass
class _Builder:
    session: Session
    rng: random.Random
    now: dt.datetime
    items: list[ServiceItem]
    windows: dict[str, Window]
    staff: dict[str, Staff]
    posts: dict[str, tuple[str | None, str | None]]
    person_ids: list[int]
    cases: list[_CaseDraft] = field(default_factory=list)
    inquiries: list[_InquiryDraft] = field(default_factory=list)
    windows_by_id: dict[int, Window] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.windows_by_id = {w.id: w for w in self.windows.values()}

    @property
    def today(self) -> dt.date:
        return local_date(self.now)

    @functools.cached_property
    def calendar(self):
        # Read once: Register.calendar checks the register's stamp on every use (a query).
        return self.session.register.calendar

    @property
    def keys(self) -> Keyring:
        return self.session.keys

    # time helpers

    def recent(self, minutes: int) -> dt.datetime:
        """`minutes` ago, but today (a demo built just after midnight still has a today)."""
        floor = dt.datetime.combine(self.today, dt.time(0), HALL_TZ).astimezone(dt.UTC)
        return max(floor, self.now - dt.timedelta(minutes=minutes))

    def _at(self, day: dt.date, earliest: dt.time = dt.time(8, 30)) -> dt.datetime:
        """A moment of office hours on `day` (never after now)."""
        start = dt.datetime.combine(day, earliest, HALL_TZ)
        minutes = self.rng.randrange(0, 8 * 60)
        at = (start + dt.timedelta(minutes=minutes)).astimezone(dt.UTC)
        if at > self.now:
            floor = dt.datetime.combine(self.today, dt.time(0), HALL_TZ).astimezone(dt.UTC)
            at = max(floor, self.now - dt.timedelta(minutes=self.rng.randrange(2, 40)))
        return at

    def _workdays(self, first: dt.date, last: dt.date) -> list[dt.date]:
        days = []
        day = first
        while day <= last:
            if self.calendar.is_workday(day, allow_provisional=True):
                days.append(day)
            day += dt.timedelta(days=1)
        return days

    def _due(self, start: dt.date, kind: str, item: ServiceItem):
        limit = case_limit_working_days(
            kind, self.session.register.policy, item_promised_days=item.promised_limit_days
        )
        if limit is None:
            return None, False
        due = self.calendar.due(start, limit, allow_provisional=True)
        return due.date, due.provisional

    def _received_for_due(self, item: ServiceItem, kind: str, target: dt.date) -> dt.date | None:
        """A receipt day whose due date by the calendar is `target` (for the demo's 临期)."""
        for back in range(1, 120):
            day = target - dt.timedelta(days=back)
            if self._due(day, kind, item)[0] == target:
                return day
        return None

    def _clerks_of(self, window: Window) -> list[int]:
        a, b = self.posts.get(window.code, (None, None))
        ids = [self.staff[n].id for n in (a, b) if n]
        return ids or [self.staff[self.rng.choice(CLERKS)].id]

    def _items_of(self, window_code: str, kinds: tuple[str, ...] | None = None):
        return [
            i
            for i in self.items
            if i.window_id == self.windows[window_code].id
            and (kinds is None or i.default_kind in kinds)
        ]

    # cases

    def case(
        self,
        item: ServiceItem,
        received: dt.date,
        state: str,
        *,
        kind: str | None = None,
        staff_id: int | None = None,
        received_at: dt.datetime | None = None,
    ) -> _CaseDraft:
        kind = kind or item.default_kind
        window = self.windows_by_id[item.window_id]
        at = received_at or self._at(received)
        start: dt.date | None = local_date(at)
        if kind == "supplement" and state != "awaiting_supplement":
            # The clock starts when the materials are complete (补齐之日), never in the future.
            start = min(local_date(at) + dt.timedelta(days=self.rng.randrange(1, 6)), self.today)
        if state == "awaiting_supplement":
            start = None  # the clock waits for the missing materials
        due, provisional = self._due(start, kind, item) if start else (None, False)
        closed_at = None
        if STATES[state].terminal:
            if kind == "immediate" or state == "returned":
                closed_at = at + dt.timedelta(minutes=self.rng.randrange(8, 30))
            else:
                end = min(due or self.today, self.today)  # done on time, mostly
                span = max((end - local_date(at)).days, 0)
                day = local_date(at) + dt.timedelta(days=self.rng.randrange(span + 1))
                closed_at = max(self._at(day, dt.time(9, 0)), at + dt.timedelta(minutes=20))
            closed_at = min(closed_at, self.now)
        draft = _CaseDraft(
            item=item,
            window=window,
            person_id=self.rng.choice(self.person_ids) if self.person_ids else None,
            kind=kind,
            state=state,
            received_at=at,
            clock_start=start,
            due_date=due,
            due_provisional=provisional,
            closed_at=closed_at,
            staff_id=staff_id or self.rng.choice(self._clerks_of(window)),
            tolerance=bool(kind in ("promised", "joint") and self.rng.random() < 0.05),
            result=_RESULTS.get(state),
        )
        self.cases.append(draft)
        return draft

    def random_state(self, kind: str, due: dt.date | None, received: dt.date) -> str:
        r = self.rng.random()
        if kind == "returned":
            return "returned"
        if kind == "immediate":
            if received == self.today and r < 0.3:
                return "accepted"
            return "done" if r < 0.95 else ("returned" if r < 0.98 else "withdrawn")
        if kind == "supplement" and (self.today - received).days <= 10 and r < 0.7:
            return "awaiting_supplement"
        if due is not None and due < self.today:
            table = (("done", 84), ("returned", 4), ("withdrawn", 3), ("refused", 2))
            table += (("in_progress", 4), ("accepted", 1), ("forwarded", 2))
        else:
            table = (("in_progress", 40), ("accepted", 25), ("done", 20))
            table += (("awaiting_supplement", 8), ("forwarded", 7))
        state = self.rng.choices([s for s, _ in table], [w for _, w in table])[0]
        if state == "forwarded" and kind != "escalated":
            state = "in_progress"
        return state

    def random_case(self) -> None:
        item = self.rng.choice(self.items)
        days = self._workdays(self.today - dt.timedelta(days=HISTORY_DAYS), self.today)
        # More recent days are busier: the queue has open work, the archive is mostly done.
        received = days[int(len(days) * (1 - self.rng.random() ** 1.6)) - 1]
        r = self.rng.random()
        kind = item.default_kind
        if r < 0.12 and item.default_kind != "immediate":
            kind = "supplement"
        elif r < 0.18:
            kind = "returned"
        start = received if kind != "supplement" else received + dt.timedelta(days=3)
        due, _ = self._due(start, kind, item)
        self.case(item, received, self.random_state(kind, due, received), kind=kind)

    def scenario_cases(self, clerk: Staff, window_code: str) -> None:
        """What the first clerk's queue must show: due today / tomorrow, overdue, waiting
        for supplements, forwarded; and every final state; and some of today's work."""
        promised = self._items_of(window_code, ("promised",)) or self.items
        escalated = self._items_of(window_code, ("escalated",)) or [
            i for i in self.items if i.default_kind == "escalated"
        ]
        me = clerk.id
        next_workday = self._workdays(
            self.today + dt.timedelta(days=1), self.today + dt.timedelta(days=14)
        )[0]
        past = self._workdays(self.today - dt.timedelta(days=40), self.today - dt.timedelta(days=1))
        targets = [(next_workday, "in_progress"), (past[-3], "in_progress"), (past[-8], "accepted")]
        if self.calendar_is_workday(self.today):
            targets.append((self.today, "accepted"))
        for target, state in targets:
            item = promised[0]
            received = self._received_for_due(item, item.default_kind, target)
            if received is not None:
                self.case(item, received, state, staff_id=me)
        self.case(promised[-1], past[-2], "awaiting_supplement", kind="supplement", staff_id=me)
        self.case(escalated[0], past[-6], "forwarded", staff_id=me)
        # Today at this counter: accepted, and one done on the spot and rated.
        self.case(promised[0], self.today, "accepted", staff_id=me, received_at=self.recent(25))
        done = self.case(
            promised[0],
            self.today,
            "done",
            kind="immediate",
            staff_id=me,
            received_at=self.recent(20),
        )
        done.closed_at = self.recent(10)
        # Every final state at least once.
        self.case(promised[0], past[0], "returned", kind="returned", staff_id=me)
        self.case(promised[0], past[1], "withdrawn", staff_id=me)
        self.case(escalated[0], past[2], "refused", staff_id=me)
        self.case(promised[0], past[3], "done", staff_id=me)

    def calendar_is_workday(self, day: dt.date) -> bool:
        return bool(self._workdays(day, day))

    def write_cases(self) -> None:
        keys = self.keys
        self.cases.sort(key=lambda c: c.received_at)
        with operation(
            self.session, "demo.cases", roles=SUPERVISOR_ROLES, record_table="case"
        ) as event:
            for c in self.cases:
                row_uuid = new_uuid()
                c.number = next_number(CASE, local_date(c.received_at))
                spec = json.loads(c.item.spec)
                materials = [
                    {"name": m["name"], "main": m["main"], "status": "present"}
                    for m in spec.get("materials") or []
                ]
                if c.kind == "supplement" and materials:
                    materials[-1]["status"] = "not_brought"
                row = row_macs.create(
                    keys,
                    Case,
                    uuid=row_uuid,
                    key_id=keys.current,
                    number=c.number,
                    item=c.item,
                    window=c.window,
                    person=c.person_id,
                    kind=c.kind,
                    state=c.state,
                    tolerance=c.tolerance,
                    received_at=c.received_at,
                    clock_start=c.clock_start,
                    due_date=c.due_date,
                    due_provisional=c.due_provisional,
                    accepted_by=c.staff_id,
                    handler=c.staff_id,
                    lead_window=c.window if c.kind == "joint" else None,
                    windows_involved=json.dumps(spec.get("windows_involved") or []),
                    materials=json.dumps(materials, ensure_ascii=False),
                    forwarded_to=(
                        f"{AUTHORITIES.get(spec.get('authority'), '县（区）')}主管部门"
                        if c.kind == "escalated"
                        else ""
                    ),
                    notes_enc=keys.seal("case", "notes_enc", row_uuid, c.note),
                    result_enc=keys.seal("case", "result_enc", row_uuid, c.result),
                    closed_at=c.closed_at,
                    updated_at=c.closed_at or c.received_at,
                )
                c.id = row.id
            event.detail = {"count": len(self.cases)}

    # inquiries

    def inquiry(self, **values) -> _InquiryDraft:
        draft = _InquiryDraft(**values)
        self.inquiries.append(draft)
        return draft

    def random_inquiries(self, count: int) -> None:
        accepted = [c for c in self.cases if c.person_id is not None]
        self.rng.shuffle(accepted)
        window_codes = list(self.windows)
        for _ in range(count):
            disposition = self.rng.choices(
                ("answered", "accepted", "referred", "escalated"), (40, 30, 20, 10)
            )[0]
            if disposition == "accepted" and accepted:
                case = accepted.pop()
                self.inquiry(
                    at=case.received_at - dt.timedelta(minutes=3),
                    channel="visit",
                    person_id=case.person_id,
                    caller=None,
                    item=case.item,
                    first_asker=case.staff_id,
                    window=case.window,
                    disposition="accepted",
                    referred_to=None,
                    case=case,
                    state="closed",
                    topic="咨询办理条件后当场受理。",
                    closed_at=case.received_at,
                )
                continue
            if disposition == "accepted":
                disposition = "answered"
            code = self.rng.choice(window_codes)
            window = self.windows[code]
            days = self._workdays(self.today - dt.timedelta(days=HISTORY_DAYS), self.today)
            day = days[int(len(days) * (1 - self.rng.random() ** 1.6)) - 1]
            at = self._at(day)
            recent = (self.today - day).days <= 7
            channel = self.rng.choices(("visit", "phone", "online"), (60, 30, 10))[0]
            caller = None
            person_id = self.rng.choice(self.person_ids) if self.person_ids else None
            if channel == "phone" and self.rng.random() < 0.4:
                caller, person_id = (_person_name(self.rng), _caller_phone(self.rng)), None
            referred_to = None
            if disposition == "referred":
                referred_to = self.windows[self.rng.choice([w for w in window_codes if w != code])]
            state = "open" if disposition in ("referred", "escalated") and recent else "closed"
            items = self._items_of(referred_to.code if referred_to else code)
            self.inquiry(
                at=at,
                channel=channel,
                person_id=person_id,
                caller=caller,
                item=self.rng.choice(items) if items else None,
                first_asker=self.rng.choice(self._clerks_of(window)),
                window=window,
                disposition=disposition,
                referred_to=referred_to,
                case=None,
                state=state,
                topic=_TOPICS[disposition],
                closed_at=None if state == "open" else at + dt.timedelta(minutes=15),
            )

    def scenario_inquiries(self, clerk: Staff, window_code: str) -> None:
        """督办, a referral in, one for the supervisor and today's registrations."""
        mine = self.windows[window_code]
        other_code = next(c for c in self.windows if c != window_code)
        other = self.windows[other_code]
        yesterday = self._workdays(
            self.today - dt.timedelta(days=10), self.today - dt.timedelta(days=1)
        )[-1]
        person = self.rng.choice(self.person_ids) if self.person_ids else None
        common = {"case": None, "channel": "visit", "person_id": person, "caller": None}
        self.inquiry(
            at=self._at(yesterday),
            item=(self._items_of(other_code) or [None])[0],
            first_asker=clerk.id,
            window=mine,
            disposition="referred",
            referred_to=other,
            state="open",
            topic=_TOPICS["referred"],
            **common,
        )
        self.inquiry(
            at=self._at(yesterday),
            item=(self._items_of(window_code) or [None])[0],
            first_asker=self._clerks_of(other)[0],
            window=other,
            disposition="referred",
            referred_to=mine,
            state="open",
            topic=_TOPICS["referred"],
            **common,
        )
        self.inquiry(
            at=self._at(yesterday),
            item=None,
            first_asker=clerk.id,
            window=mine,
            disposition="escalated",
            referred_to=None,
            state="open",
            topic=_TOPICS["escalated"],
            **common,
        )
        for minutes in (50, 35):
            self.inquiry(
                at=self.recent(minutes),
                channel="phone",
                person_id=None,
                caller=(_person_name(self.rng), _caller_phone(self.rng)),
                item=(self._items_of(window_code) or [None])[0],
                first_asker=clerk.id,
                window=mine,
                disposition="answered",
                referred_to=None,
                case=None,
                state="closed",
                topic=_TOPICS["answered"],
                closed_at=self.recent(minutes - 5),
            )

    def write_inquiries(self) -> None:
        keys = self.keys
        self.inquiries.sort(key=lambda i: i.at)
        with operation(
            self.session, "demo.inquiries", roles=SUPERVISOR_ROLES, record_table="inquiry"
        ) as event:
            for q in self.inquiries:
                row_uuid = new_uuid()
                name, contact = q.caller if q.caller else (None, None)
                row = row_macs.create(
                    keys,
                    Inquiry,
                    uuid=row_uuid,
                    key_id=keys.current,
                    number=next_number(INQUIRY, local_date(q.at)),
                    at=q.at,
                    channel=q.channel,
                    person=q.person_id,
                    caller_name_enc=keys.seal("inquiry", "caller_name_enc", row_uuid, name),
                    caller_contact_enc=keys.seal(
                        "inquiry", "caller_contact_enc", row_uuid, contact
                    ),
                    item=q.item,
                    topic_enc=keys.seal("inquiry", "topic_enc", row_uuid, q.topic),
                    first_asker=q.first_asker,
                    window=q.window,
                    disposition=q.disposition,
                    referred_to=q.referred_to,
                    case=q.case.id if q.case else None,
                    state=q.state,
                    station=STATION,
                    closed_at=q.closed_at,
                )
                q.id = row.id
            event.detail = {"count": len(self.inquiries)}

    # ratings

    def write_ratings(self) -> None:
        keys = self.keys
        done = [c for c in self.cases if c.state == "done" and c.closed_at is not None]
        done.sort(key=lambda c: c.closed_at)
        # Today's done cases, about a third of the rest, and at least ten (every level twice).
        today_done = [c for c in done if local_date(c.closed_at) == self.today]
        others = [c for c in done if local_date(c.closed_at) != self.today]
        rated = today_done + [c for c in others if self.rng.random() < 0.3]
        if len(rated) < 10:
            rated += [c for c in others if c not in rated][: 10 - len(rated)]
        levels = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]  # every level at least twice
        levels += self.rng.choices((1, 2, 3, 4, 5), (55, 30, 10, 3, 2), k=max(len(rated) - 10, 0))
        policy = self.session.register.policy.ratings
        with operation(
            self.session, "demo.ratings", roles=SUPERVISOR_ROLES, record_table="rating"
        ) as event:
            count = 0
            for case, level in zip(rated, levels, strict=False):
                row_uuid = new_uuid()
                at = min(case.closed_at + dt.timedelta(minutes=1), self.now)
                followup_due = followup_state = note = None
                if level >= 4:  # 差评: followed up (回访) and rectified within the limit
                    due = self.calendar.due(
                        local_date(at), policy.rectify_working_days, allow_provisional=True
                    )
                    followup_due = due.date
                    followup_state = "closed" if due.date < self.today else "open"
                    note = (
                        "已电话回访，向申请人说明情况并致歉。"
                        if followup_state == "closed"
                        else None
                    )
                row_macs.create(
                    keys,
                    Rating,
                    uuid=row_uuid,
                    key_id=keys.current,
                    case=case.id,
                    staff=case.staff_id,
                    window=case.window,
                    channel=self.rng.choices(("device", "sms", "online"), (80, 15, 5))[0],
                    level=level,
                    reason_code=(209 if level == 5 else 307) if level >= 4 else None,
                    at=at,
                    followup_due=followup_due,
                    rectify_due=followup_due,
                    followup_state=followup_state or "",
                    followup_note_enc=keys.seal("rating", "followup_note_enc", row_uuid, note),
                )
                count += 1
            event.detail = {"count": count}


_RESULTS = {
    "done": "准予办理，办理结果已当面交付申请人。",
    "returned": "主件不齐，出具退回件通知书，书面注明原因。",
    "withdrawn": "申请人逾期未补齐材料，视为撤回（退件）。",
    "refused": "经大厅主任审核，不符合办理条件，不予受理（已登记备查）。",
}
_TOPICS = {
    "answered": "咨询办理条件和所需材料，已一次性告知。",
    "referred": "所问事项不属本窗口，已告知承办窗口及电话并转办，跟踪督办。",
    "escalated": "事项归属不明确，报大厅主任协调确定承办窗口。",
    "accepted": "咨询后当场受理。",
}


def _caller_phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10)}0000{rng.randrange(10000):04d}"


# --- the demo ------------------------------------------------------------------------------


def demo_persons(count: int = 8, *, seed: int = 7) -> list[_PersonDraft]:
    """The first `count` invented persons of a demo register built with `seed`, drawn again
    (they are the register's first draws): the demo's simulated reader offers their cards.
    Nothing is read from or written to a register."""
    return _persons(random.Random(seed), count, dt.date.today())


def create_demo_register(
    url: str, *, clock: Clock, seed: int = 7, persons: int = 300, cases: int = 600
) -> DemoInfo:
    """Build the demo register at `url` (refuses an existing register: RegisterExists).

    The register is closed afterwards; open it with Register.open(url)."""
    rng = random.Random(seed)
    supervisor_number, supervisor_name, _ = SUPERVISOR_ACCOUNT
    _register, session, _recovery = create_register(
        url,
        hall_name=HALL_NAME,
        hall_code=HALL_CODE,
        supervisor_number=supervisor_number,
        supervisor_name=supervisor_name,
        password=demo_password(supervisor_number),
        clock=clock,
        station=STATION,
        kdf=OWASP_MINIMUM_KDF,  # fast slots: the demo builds in seconds
    )
    try:
        # One transaction for the whole demo (each operation a savepoint): a single commit.
        with transaction(session):
            _fill(session, rng, persons, cases)
    finally:
        close_database()
    return demo_info()


def demo_info() -> DemoInfo:
    """The demo's accounts and hall (the same for every demo register: nothing secret)."""
    accounts = [
        DemoAccount(number, name, ROLE_LABELS[role], demo_password(number))
        for number, name, role in (SUPERVISOR_ACCOUNT, *STAFF)
    ]
    return DemoInfo(accounts=accounts, hall_name=HALL_NAME)


def _fill(session: Session, rng: random.Random, persons: int, cases: int) -> None:
    text = resources.files("policies").joinpath("data/catalog.toml").read_text(encoding="utf-8")
    import_catalog(session, text)
    windows = {w.code: w for w in Window.select().order_by(Window.id)}
    plan = _post_plan(list(windows))
    home = {}  # a clerk's own window: where they hold A
    for code, (a, _) in plan.items():
        if a is not None:
            home.setdefault(a, code)
    for number, name, role in STAFF:
        add_staff(
            session,
            number=number,
            name=name,
            role=role,
            password=demo_password(number),
            window=home.get(number),
        )
    for code, (a, b) in plan.items():
        assign_post(session, code, "A", a)
        if b is not None:
            assign_post(session, code, "B", b)
    with operation(session, "demo.accounts", roles=SUPERVISOR_ROLES, record_table="staff") as event:
        # Demo passwords are printed on the login screen: no forced change at first login.
        event.detail = {
            "count": Staff.update(must_change_password=False)
            .where(Staff.number.in_([n for n, _, _ in STAFF]))
            .execute()
        }

    today = local_date(session.now())
    person_ids = []
    for draft in _persons(rng, persons, today):
        view = upsert_person(
            session,
            name=draft.name,
            id_number=draft.id_number,
            phone=draft.phone,
            gender=draft.gender,
            birth_date=draft.birth_date,
            ethnicity=draft.ethnicity,
            address=draft.address,
        )
        person_ids.append(Person.get(Person.uuid == view.uuid).id)

    staff = {s.number: s for s in Staff.select()}
    builder = _Builder(
        session=session,
        rng=rng,
        now=session.now(),
        items=list(ServiceItem.select().where(ServiceItem.active).order_by(ServiceItem.id)),
        windows=windows,
        staff=staff,
        posts=plan,
        person_ids=person_ids,
    )
    first_clerk, first_window = staff[CLERKS[0]], home[CLERKS[0]]
    builder.scenario_cases(first_clerk, first_window)
    for _ in range(max(cases - len(builder.cases), 0)):
        builder.random_case()
    builder.write_cases()
    builder.scenario_inquiries(first_clerk, first_window)
    builder.random_inquiries(max(cases // 2 - len(builder.inquiries), 0))
    builder.write_inquiries()
    builder.write_ratings()
    _today_at_work(session, staff, home, windows, today)
    _hall_matters(session, staff)


#: AB岗 in the demo: 1007 (A of 村镇建设) is on leave and 1008 covers, confirmed; 1006 (A of
#: 自然资源) has not come in and nobody covers, so 自然资源 has nobody (无人在岗); 1005 asks
#: for leave next week, waiting for approval. The clerks the tests log in as are left alone.
ON_LEAVE, COVER, ABSENT, ASKING = "1007", "1008", "1006", "1005"


def _as(session: Session, staff: Staff) -> Session:
    """The demo acts as one of its clerks (the same data key: no password needed)."""
    return Session(
        session.register,
        staff_id=staff.id,
        role=staff.role,
        keyring=session.keyring,
        staff_number=staff.number,
    )


def _today_at_work(
    session: Session,
    staff: dict[str, Staff],
    home: dict[str, str],
    windows: dict[str, Window],
    today: dt.date,
) -> None:
    """The morning's sign-ins at each clerk's own window, a handover in progress, a window
    with nobody, and a leave waiting for the supervisor."""
    from store.handover import approve_absence, confirm_handover, register_absence
    from store.models import Attendance

    morning = dt.datetime.combine(today, dt.time(7, 50), HALL_TZ).astimezone(dt.UTC)
    morning = min(morning, session.now())  # a demo built before dawn
    with operation(session, "demo.attendance", roles=SUPERVISOR_ROLES, record_table="attendance"):
        for number in CLERKS:
            if number in (ON_LEAVE, ABSENT):
                continue
            window = windows[home[number]] if number in home else None
            Attendance.create(
                staff=staff[number],
                work_date=today,
                signed_in_at=morning,
                station=STATION,
                window=window,
                post="A" if window is not None else "",
            )
    leave = register_absence(
        _as(session, staff[ON_LEAVE]),
        absence="休假",
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
        note="年休假（演示）",
    )
    approve_absence(session, leave.number)
    confirm_handover(_as(session, staff[COVER]), leave.number)
    monday = today + dt.timedelta(days=7 - today.weekday())
    register_absence(
        _as(session, staff[ASKING]),
        absence="学习",
        starts_on=monday,
        ends_on=monday + dt.timedelta(days=2),
        note="县里业务培训（演示）",
    )


#: The demo's complaint officer (投诉受理人).
OFFICER = "2001"


def _hall_matters(session: Session, staff: dict[str, Staff]) -> None:
    """Complaints, 差评 follow-ups and petitions in several states (all invented)."""
    _complaints(session, staff)
    _followups(session, staff)
    _petitions(session)


def _complaints(session: Session, staff: dict[str, Staff]) -> None:
    """One answered and closed, one under investigation, one complex and extended."""
    from store.complaints import (
        close_complaint,
        decide_complaint,
        extend_complaint,
        investigate_complaint,
        log_complaint,
        reply_complaint,
    )

    officer = _as(session, staff[OFFICER])
    closed = log_complaint(
        officer,
        channel="oral",
        grounds=["attitude"],
        description="窗口工作人员答复不耐烦（演示）",
        complainant_name="方晓东",
        complainant_contact="13900000001",
        against_staff="1002",
    ).number
    investigate_complaint(officer, closed, "调取监控并询问当事人，情况属实（演示）")
    decide_complaint(officer, closed, substantiated=True, measures="批评教育，纳入季度考核（演示）")
    reply_complaint(officer, closed, how="phone", note="已电话告知处理结果（演示）")
    close_complaint(officer, closed, satisfaction="satisfied")
    open_ = log_complaint(
        officer,
        channel="written",
        grounds=["not_once", "one_trip"],
        description="补办材料未一次告知，往返三次（演示）",
        complainant_name="",
        anonymous=True,
        against_window="minzheng",
    ).number
    investigate_complaint(officer, open_, "正在核对告知书与补正记录（演示）")
    extended = log_complaint(
        officer,
        channel="written",
        grounds=["overdue", "handling"],
        description="宅基地审批超过承诺时限，涉及多个部门（演示）",
        complainant_name="许志刚",
        complainant_contact="13900000002",
        against_window="guotu",
        complex_=True,
    ).number
    extend_complaint(officer, extended, "涉及自然资源所与村镇建设，需联合核查（演示）")


def _followups(session: Session, staff: dict[str, Staff]) -> None:
    """Of the demo's 差评: one verified with an unanswered callback, one rectified and
    closed on a callback, one appealed by its clerk; the rest wait."""
    from store.followup import appeal_rating, log_callback, rectify_followup, verify_followup
    from store.models import Inquiry

    rows = list(
        Rating.select()
        .where((Rating.level >= 4) & Rating.rated)
        .order_by(Rating.at.desc())
        .limit(3)
    )
    # The newest 差评 are still being followed up (older ones were closed on time).
    today = local_date(session.now())
    policy = session.register.policy.ratings
    due = session.register.calendar.due(today, policy.rectify_working_days, allow_provisional=True)
    with operation(session, "demo.followups", roles=SUPERVISOR_ROLES, record_table="rating"):
        for row in rows:
            row.followup_state, row.followup_due, row.rectify_due = "open", due.date, due.date
            row.followup_note_enc = None
            row_macs.save(session, row)
    rows = [Rating.get_by_id(r.id) for r in rows]

    def number(rating: Rating) -> str:
        if rating.case_id is not None:
            return Case.get_by_id(rating.case_id).number
        return Inquiry.get_by_id(rating.inquiry_id).number

    by_id = {s.id: s for s in staff.values()}
    for i, rating in enumerate(rows):
        clerk = _as(session, by_id[rating.staff_id])
        service = number(rating)
        if i == 0:
            verify_followup(clerk, service, findings="等候时间较长（演示）", complex_matter=False)
            log_callback(clerk, service, how="phone", outcome="no_answer")
        elif i == 1:
            verify_followup(clerk, service, findings="告知不清（演示）", complex_matter=False)
            rectify_followup(clerk, service, measures="重新制作一次性告知单（演示）")
            log_callback(clerk, service, how="phone", outcome="reached", satisfaction="满意")
        else:
            appeal_rating(clerk, service, reason="评价时误按按键，申请人当场说明（演示）")


def _petitions(session: Session) -> None:
    """A collective petition raising the alarm, one handed to a department, one answered."""
    from store.petitions import PetitionInput, answer_petition, hand_petition, register_petition

    register_petition(
        session,
        PetitionInput(
            name="段国强",
            issue="村道硬化工程停工，三十余户出行困难（演示）",
            gender="男",
            age="52",
            address="示例镇东村",
            collective=True,
            visitors=6,
        ),
    )
    handed = register_petition(
        session,
        PetitionInput(name="葛秀兰", issue="低保复核结果有异议（演示）", gender="女", age="61"),
    ).number
    hand_petition(session, handed, "镇民政办")
    answered = register_petition(
        session,
        PetitionInput(name="蒋文斌", issue="宅基地界址纠纷（演示）", gender="男", age="45"),
    ).number
    hand_petition(session, answered, "镇司法所")
    answer_petition(session, answered, "已组织双方现场调解，达成一致（演示）")
