"""信访 — the rules of petitions (seed 000 篇7 信访接待制度). Pure: no I/O, no clock.

A petition (来访、来信、举报电话、网上信访) is registered with the visitor's particulars;
what can be solved on the spot is answered at once, otherwise it is handed to the
responsible department (交办单) and the visitor gets a 告知书:

    open ──hand──▶ handed ──answer──▶ closed
      │              │  ▲
      │              └──┘ hand again (改交)
      └─────answer (当场答复)──────▶ closed

The answer is due within ``reply_days`` natural days, a leader's reception
(领导接待) within ``leader_reply_days`` (policies.settings.PetitionPolicy: 3 and 7 by
default). A serious (重大), urgent (紧急) or collective (集体) petition raises an alarm on
the supervisor's board at once, until the supervisor acknowledges it (知悉).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from types import MappingProxyType

from policies.cases import TransitionError
from policies.roles import DATA_ROLES, SUPERVISOR_ROLES, WORK_ROLES

__all__ = [
    "ACK_ROLES",
    "ALARM_LABELS",
    "CHANNELS",
    "OPEN_STATES",
    "STATE_LABELS",
    "STEP_LABELS",
    "VIEW_ROLES",
    "WORK_ROLES",
    "PetitionState",
    "PetitionStep",
    "alarm_reasons",
    "allowed_steps",
    "check_step",
    "due_date",
    "is_overdue",
    "parse_channel",
    "reply_days",
]


class PetitionState(StrEnum):
    OPEN = "open"  # registered, not yet handed to a department
    HANDED = "handed"  # 已交办: the department handles it
    CLOSED = "closed"  # 已答复办结


STATE_LABELS = MappingProxyType(
    {
        PetitionState.OPEN: "待交办",
        PetitionState.HANDED: "已交办",
        PetitionState.CLOSED: "已答复",
    }
)

#: States in which the petition waits for its answer (the board's and the list's).
OPEN_STATES = (PetitionState.OPEN, PetitionState.HANDED)


class PetitionStep(StrEnum):
    HAND = "hand"  # 交办 (or 改交 to another department)
    ANSWER = "answer"  # 答复办结


STEP_LABELS = MappingProxyType({PetitionStep.HAND: "交办", PetitionStep.ANSWER: "答复办结"})

_ALLOWED: dict[PetitionStep, tuple[PetitionState, ...]] = {
    PetitionStep.HAND: (PetitionState.OPEN, PetitionState.HANDED),
    PetitionStep.ANSWER: (PetitionState.OPEN, PetitionState.HANDED),
}

#: Who may see petitions (personal data: never a technician).
VIEW_ROLES = DATA_ROLES
#: Who may acknowledge a petition's alarm (知悉): the hall's leaders.
ACK_ROLES = SUPERVISOR_ROLES

#: 来信、来访、举报电话和网上信访 (seed 000 篇7 一.1).
CHANNELS = MappingProxyType({"visit": "来访", "letter": "来信", "phone": "电话", "online": "网上"})

#: The alarm's reasons, in the order they are named.
ALARM_LABELS = MappingProxyType({"serious": "重大", "urgent": "紧急", "collective": "集体"})


def check_step(state: str, step: PetitionStep, role: str) -> None:
    """Refuse (TransitionError, in Chinese) a step the state or the role does not allow."""
    if state not in _ALLOWED[step]:
        label = STATE_LABELS.get(state, state)
        raise TransitionError(f"信访处于「{label}」，不能「{STEP_LABELS[step]}」")
    if role not in WORK_ROLES:
        raise TransitionError(f"「{STEP_LABELS[step]}」须由窗口工作人员或大厅主任办理")


def allowed_steps(state: str, role: str) -> tuple[PetitionStep, ...]:
    if role not in WORK_ROLES:
        return ()
    return tuple(step for step, states in _ALLOWED.items() if state in states)


def parse_channel(text: str | None) -> str:
    """The channel key from its key or Chinese label; empty means 来访."""
    value = (text or "").strip() or "visit"
    for key, label in CHANNELS.items():
        if value in (key, label):
            return key
    raise TransitionError(f"未知的信访渠道：{value}（可选：{'、'.join(CHANNELS.values())}）")


def reply_days(leader_reception: bool, days: int, leader_days: int) -> int:
    """The answer limit in natural days: a leader's reception has its own (a week)."""
    return leader_days if leader_reception else days


def due_date(
    received_on: dt.date, *, leader_reception: bool, days: int, leader_days: int
) -> dt.date:
    """The day the answer is due: ``received_on`` plus the limit in natural days (the day
    of receipt not counted: received on the 1st with three days, due on the 4th)."""
    return received_on + dt.timedelta(days=reply_days(leader_reception, days, leader_days))


def is_overdue(state: str, due: dt.date | None, today: dt.date) -> bool:
    return state in OPEN_STATES and due is not None and due < today


def alarm_reasons(*, serious: bool, urgent: bool, collective: bool) -> tuple[str, ...]:
    """Why a petition raises the board's alarm (重大、紧急、集体), or () for none."""
    flags = {"serious": serious, "urgent": urgent, "collective": collective}
    return tuple(label for key, label in ALARM_LABELS.items() if flags[key])
