"""Roles of the hall's staff (DOMAIN.md: who uses it) and what each may do here."""

from __future__ import annotations

CLERK = "clerk"
SUPERVISOR = "supervisor"
COMPLAINT_OFFICER = "complaint_officer"
TECHNICIAN = "technician"
ADMIN = "admin"
#: A session opened with the recovery code: may only reset passwords and rotate keys.
RECOVERY = "recovery"
#: Nobody logged in (the technician's CLI, a failed login).
ANONYMOUS = "anonymous"

ROLE_LABELS = {
    CLERK: "窗口工作人员",
    SUPERVISOR: "大厅主任",
    COMPLAINT_OFFICER: "投诉受理人",
    TECHNICIAN: "技术员",
    ADMIN: "系统管理员",
}

STAFF_ROLES = tuple(ROLE_LABELS)
#: Roles whose key slot holds the data key. A technician never sees personal data.
ROLES_WITH_DATA_KEY = frozenset({CLERK, SUPERVISOR, COMPLAINT_OFFICER, ADMIN})
#: Who manages staff, the catalog, the calendar and the keys.
MANAGERS = frozenset({SUPERVISOR, ADMIN})


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
