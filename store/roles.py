"""Roles of the hall's staff: the sets live in policies.roles; here the names the store
has always used, and parsing a role typed at the CLI."""

from __future__ import annotations

from policies.roles import (
    ANONYMOUS,
    DATA_ROLES,
    ROLE_LABELS,
    STAFF_ROLES,
    SUPERVISOR_ROLES,
    WORK_ROLES,
    Role,
)

CLERK = Role.CLERK
SUPERVISOR = Role.SUPERVISOR
COMPLAINT_OFFICER = Role.COMPLAINT_OFFICER
TECHNICIAN = Role.TECHNICIAN
ADMIN = Role.ADMIN
RECOVERY = Role.RECOVERY

__all__ = [
    "ADMIN",
    "ANONYMOUS",
    "CLERK",
    "COMPLAINT_OFFICER",
    "DATA_ROLES",
    "RECOVERY",
    "ROLE_LABELS",
    "STAFF_ROLES",
    "SUPERVISOR",
    "SUPERVISOR_ROLES",
    "TECHNICIAN",
    "WORK_ROLES",
    "parse_role",
]


def parse_role(text: str) -> str:
    """Accept the English id or the Chinese label."""
    text = text.strip()
    for role, label in ROLE_LABELS.items():
        if text in (role, label):
            return role
    from store.errors import InvalidInput

    raise InvalidInput(
        f"未知的角色：{text}（可选：{'、'.join(f'{r}（{lbl}）' for r, lbl in ROLE_LABELS.items())}）"
    )
