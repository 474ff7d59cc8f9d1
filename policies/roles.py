"""Roles of the hall's staff (DOMAIN.md: who uses it) and the sets of roles that may do
each kind of thing. Defined here once; the store checks them, the screens ask the store."""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "ANONYMOUS",
    "DATA_ROLES",
    "ROLE_LABELS",
    "STAFF_ROLES",
    "SUPERVISOR_ROLES",
    "WORK_ROLES",
    "Role",
    "may_use_key",
]


class Role(StrEnum):
    CLERK = "clerk"  # 窗口工作人员 (also 代办员)
    SUPERVISOR = "supervisor"  # 大厅主任 / 值班领导
    COMPLAINT_OFFICER = "complaint_officer"  # 投诉受理人
    TECHNICIAN = "technician"  # 技术员: devices, never personal data
    ADMIN = "admin"  # 系统管理员
    #: A session opened with the recovery code: may only reset passwords and rotate keys.
    RECOVERY = "recovery"
    #: Nobody logged in (the technician's CLI, a failed login).
    ANONYMOUS = "anonymous"


ANONYMOUS = Role.ANONYMOUS

ROLE_LABELS = MappingProxyType(
    {
        Role.CLERK: "窗口工作人员",
        Role.SUPERVISOR: "大厅主任",
        Role.COMPLAINT_OFFICER: "投诉受理人",
        Role.TECHNICIAN: "技术员",
        Role.ADMIN: "系统管理员",
    }
)

#: Roles a staff member can be given.
STAFF_ROLES = tuple(ROLE_LABELS)
#: Who works at the counter: registers inquiries, accepts and handles cases, notices.
WORK_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR, Role.ADMIN})
#: Who decides for the hall: approvals, refusals (否定报备), escalated matters, reassigning
#: referrals, and managing staff, the catalog, the calendar and the keys.
SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
#: Whose key slot holds the data key, so who may see personal data. Never a technician.
DATA_ROLES = frozenset({Role.CLERK, Role.SUPERVISOR, Role.COMPLAINT_OFFICER, Role.ADMIN})

#: Screen keys (their binding ids in tui) only a supervisor may use: F1 lists them to no one
#: else (the screens refuse them with a reason when pressed anyway).
SUPERVISOR_KEYS = frozenset(
    {
        "home.refusals",  # R 否定报备审核
        "roster.assign",  # E 调整岗位安排
        "petition.acknowledge",  # A 知悉信访警报
        "referral.reassign",  # G 改派窗口
    }
)
#: The app's keys (binding ids of tui.keys) of a role that must not reach personal data:
#: a technician has the devices, help and the lock, nothing with people's records in it.
ROLE_APP_KEYS = MappingProxyType(
    {
        Role.TECHNICIAN: frozenset(
            {"chuangkou.help", "chuangkou.devices", "chuangkou.lock", "chuangkou.palette"}
        ),
    }
)


def may_use_key(role: str | None, binding_id: str | None) -> bool:
    """Whether F1 lists the key ``binding_id`` to someone of ``role``."""
    if not binding_id:
        return True
    if binding_id in SUPERVISOR_KEYS:
        return role in SUPERVISOR_ROLES
    allowed = ROLE_APP_KEYS.get(role)  # type: ignore[arg-type]
    if allowed is not None and binding_id.startswith("chuangkou."):
        return binding_id in allowed
    return True
