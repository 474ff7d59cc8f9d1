"""A case opened for the counter: what it is, where it stands, its deadline and working
days left, and the actions the rules allow this session now (policies.lifecycle) — the
counter offers exactly those."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from policies.cases import KINDS, MATERIAL_STATUSES, STATES, MaterialStatus
from policies.deadlines import immediate_overdue
from policies.lifecycle import ActionVerdict, case_actions, clock_runs, notice_for
from store import row_macs
from store.cases.common import facts, find_case, materials
from store.cases.notices import NOTICE_KINDS
from store.clock import local_date, to_local
from store.cover import covered_actions
from store.models import Case, Notice, Person, Staff, SubTask, Window
from store.roles import DATA_ROLES
from store.session import Session, operation

__all__ = [
    "EXTENSION_LABELS",
    "CaseDetail",
    "MaterialLine",
    "NoticeLine",
    "SubTaskLine",
    "case_detail",
]

EXTENSION_LABELS = {
    "": "未申请",
    "requested": "待主任批准",
    "approved": "已批准",
    "rejected": "未批准",
}


@dataclass(frozen=True)
class MaterialLine:
    name: str
    main: bool
    status: str
    status_label: str
    omitted: bool = False


@dataclass(frozen=True)
class SubTaskLine:
    window_code: str
    window_name: str
    state: str  # open | done
    completed_at: dt.datetime | None


@dataclass(frozen=True)
class NoticeLine:
    number: str
    kind: str
    title: str
    issued_at: dt.datetime


@dataclass(frozen=True)
class CaseDetail:
    number: str
    item_code: str
    item_name: str
    window_name: str
    applicant_name: str = field(repr=False)
    kind: str = ""
    kind_label: str = ""
    state: str = ""
    state_label: str = ""
    tolerance: bool = False
    tolerance_due: dt.date | None = None
    proxy: bool = False
    proxy_name: str | None = field(default=None, repr=False)
    materials: tuple[MaterialLine, ...] = ()
    received_on: dt.date | None = None
    clock_start: dt.date | None = None
    due_date: dt.date | None = None
    due_provisional: bool = False
    trips: int = 1
    extension_state: str = ""
    extension_label: str = ""
    extension_requested: dt.date | None = None
    extended_until: dt.date | None = None
    lead_window: str | None = None
    subtasks: tuple[SubTaskLine, ...] = ()
    notices: tuple[NoticeLine, ...] = ()
    forward_by: dt.date | None = None
    forward_reference: str = ""
    granted: bool | None = None
    result: str | None = field(default=None, repr=False)
    omission: bool = False
    proposed_action: str = ""
    #: Working days left until the due date as of ``today`` (negative: overdue), None when
    #: the clock does not run; provisional when counted through a year the calendar lacks.
    today: dt.date | None = None
    days_left: int | None = None
    days_provisional: bool = False
    #: A 即办件 still open after the policy's minutes (deadlines.immediate_minutes).
    immediate_overdue: bool = False
    #: A date told on paper has changed with an imported calendar year (需重新告知).
    renotify: bool = False
    #: The notice that fits now (policies.lifecycle.notice_for), or None.
    notice_kind: str | None = None
    #: Every action of the counter with whether this session may take it now, and why not.
    actions: tuple[ActionVerdict, ...] = ()
    #: 代岗记录: what a cover did on it for its owner, e.g. 「11-24 10:05 1002代1001 办结」.
    covered: tuple[str, ...] = ()

    @property
    def missing_materials(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.materials if m.status != MaterialStatus.PRESENT)

    @property
    def allowed(self) -> frozenset[str]:
        """The actions allowed now (values of policies.lifecycle.Action)."""
        return frozenset(v.action for v in self.actions if v.allowed)

    def verdict(self, action: str) -> ActionVerdict | None:
        return next((v for v in self.actions if v.action == action), None)


def _days_left(session: Session, case: Case, today: dt.date) -> tuple[int | None, bool]:
    if case.due_date is None or not clock_runs(case.state):
        return None, False
    calendar = session.register.calendar
    left = calendar.working_days_left(case.due_date, today, allow_provisional=True)
    provisional = bool(case.due_provisional or calendar.missing_years(today, case.due_date))
    return left, provisional


def case_detail(session: Session, number: str) -> CaseDetail:
    """A case opened for the counter (applicant's name, materials, deadline, notices, the
    working days left and the actions allowed now)."""
    with operation(
        session, "case.view", roles=DATA_ROLES, record_table="case", concurrent=True
    ) as event:
        case = find_case(number)
        keys = session.keys
        name = ""
        if case.person_id is not None:
            person = Person.get_by_id(case.person_id)
            name = row_macs.open_text(keys, person, "name_enc") or ""
        subtasks = tuple(
            SubTaskLine(s.window.code, s.window.name, s.state, s.completed_at)
            for s in SubTask.select().where(SubTask.case == case).order_by(SubTask.id)
        )
        notices = tuple(
            NoticeLine(n.number, n.kind, NOTICE_KINDS.get(n.kind, n.kind), n.issued_at)
            for n in Notice.select(Notice.number, Notice.kind, Notice.issued_at)
            .where(Notice.case == case)
            .order_by(Notice.id)
        )
        lead = Window.get_by_id(case.lead_window_id).code if case.lead_window_id else None
        now = session.now()
        today = local_date(now)
        days_left, days_provisional = _days_left(session, case, today)
        rules = facts(case)
        event.record_id, event.detail = case.uuid, {"number": case.number}
        return CaseDetail(
            number=case.number,
            item_code=case.item.code,
            item_name=case.item.name,
            window_name=case.window.name,
            applicant_name=name,
            kind=case.kind,
            kind_label=KINDS[case.kind].label if case.kind in KINDS else case.kind,
            state=case.state,
            state_label=STATES[case.state].label if case.state in STATES else case.state,
            tolerance=bool(case.tolerance),
            tolerance_due=case.tolerance_due,
            proxy=bool(case.proxy),
            proxy_name=row_macs.open_text(keys, case, "proxy_name_enc"),
            materials=tuple(
                MaterialLine(
                    m["name"],
                    bool(m.get("main")),
                    m.get("status", MaterialStatus.PRESENT),
                    MATERIAL_STATUSES.get(m.get("status", MaterialStatus.PRESENT), ""),
                    bool(m.get("omitted")),
                )
                for m in materials(case)
            ),
            received_on=local_date(case.received_at),
            clock_start=case.clock_start,
            due_date=case.due_date,
            due_provisional=bool(case.due_provisional),
            trips=case.trips,
            extension_state=case.extension_state,
            extension_label=EXTENSION_LABELS.get(case.extension_state, case.extension_state),
            extension_requested=case.extension_requested,
            extended_until=case.extended_until,
            lead_window=lead,
            subtasks=subtasks,
            notices=notices,
            forward_by=case.forward_by,
            forward_reference=case.forward_reference,
            granted=case.granted,
            result=row_macs.open_text(keys, case, "result_enc"),
            omission=bool(case.omission),
            proposed_action=case.proposed_action,
            today=today,
            days_left=days_left,
            days_provisional=days_provisional,
            immediate_overdue=case.kind == "immediate"
            and clock_runs(case.state)
            and immediate_overdue(case.received_at, now, session.register.policy),
            renotify=bool(case.renotify),
            notice_kind=notice_for(rules),
            actions=case_actions(rules, session.role),
            covered=_covered_lines(case),
        )


def _covered_lines(case: Case) -> tuple[str, ...]:
    found = covered_actions(case.uuid)
    if not found:
        return ()
    ids = {a for _, _, a, _ in found} | {f for _, _, _, f in found}
    numbers = dict(Staff.select(Staff.id, Staff.number).where(Staff.id.in_(list(ids))).tuples())
    return tuple(
        f"{to_local(at):%m-%d %H:%M} {numbers.get(actor, '')}代{numbers.get(owner, '')} {words}"
        for at, words, actor, owner in found
    )
