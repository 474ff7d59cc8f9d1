"""Staff management (人员管理): add, list, disable, reset a password, assign posts."""

from __future__ import annotations

from dataclasses import dataclass

from store import row_macs
from store.auth import replace_slot
from store.errors import InvalidInput, NotFound
from store.models import KeySlot, Post, Staff, Window, new_uuid
from store.passwords import check_new_password
from store.roles import DATA_ROLES, RECOVERY, ROLE_LABELS, SUPERVISOR_ROLES, parse_role
from store.session import Session, operation
from store.slots import make_slot, register_kdf
from store.textguard import staff_number


@dataclass(frozen=True)
class StaffInfo:
    id: int
    number: str
    name: str | None  # None when the session holds no data key (a technician)
    role: str
    role_label: str
    window: str | None
    active: bool
    locked: bool


def _window(code: str | None) -> Window | None:
    if not code:
        return None
    window = Window.get_or_none(Window.code == code)
    if window is None:
        raise InvalidInput(f"未知的窗口：{code}")
    return window


def add_staff(
    session: Session,
    *,
    number: str,
    name: str,
    role: str,
    password: str,
    window: str | None = None,
    phone: str | None = None,
) -> StaffInfo:
    """Add a staff member; their key slot gets the data key, so a manager must be logged in."""
    role = parse_role(role)
    number, name = number.strip(), name.strip()
    if not number or not name:
        raise InvalidInput("工号和姓名不能为空")
    number = staff_number(number)
    check_new_password(session.register.policy, password)
    keys = session.keys
    with operation(session, "staff.add", roles=SUPERVISOR_ROLES, record_table="staff") as event:
        if Staff.get_or_none(Staff.number == number) is not None:
            raise InvalidInput(f"工号已存在：{number}")
        now = session.now()
        staff_uuid = new_uuid()
        staff = row_macs.create(
            session.keys,
            Staff,
            uuid=staff_uuid,
            key_id=keys.current,
            number=number,
            name_enc=keys.seal("staff", "name_enc", staff_uuid, name),
            name_bidx=keys.blind("name", name),
            phone_enc=keys.seal("staff", "phone_enc", staff_uuid, phone) if phone else None,
            role=role,
            window=_window(window),
            created_at=now,
            password_changed_at=now,
            must_change_password=True,
        )
        deks = keys.deks if role in DATA_ROLES else {}
        make_slot(
            kind="staff", staff=staff, secret=password, deks=deks, kdf=register_kdf(), now=now
        )
        event.record_id = staff_uuid
        event.detail = {"role": role, "number": number}
    return _info(session, staff)


def _info(session: Session, staff: Staff) -> StaffInfo:
    name = None
    if session.has_data_key:
        name = row_macs.open_text(session.keys, staff, "name_enc")
    now = session.now()
    return StaffInfo(
        id=staff.id,
        number=staff.number,
        name=name,
        role=staff.role,
        role_label=ROLE_LABELS.get(staff.role, staff.role),
        window=staff.window.code if staff.window_id else None,
        active=staff.active,
        locked=staff.locked_until is not None and staff.locked_until > now,
    )


def list_staff(session: Session) -> list[StaffInfo]:
    with operation(session, "staff.list"):
        return [_info(session, s) for s in Staff.select().order_by(Staff.number)]


def _get(number: str) -> Staff:
    staff = Staff.get_or_none(Staff.number == number.strip())
    if staff is None:
        raise NotFound(f"没有工号为 {number.strip()} 的人员")
    return staff


def disable_staff(session: Session, number: str) -> None:
    """Disable an account and destroy its key slot, so its password unlocks nothing."""
    with operation(session, "staff.disable", roles=SUPERVISOR_ROLES, record_table="staff") as event:
        staff = _get(number)
        if staff.id == session.staff_id:
            raise InvalidInput("不能停用自己的账号")
        Staff.update(active=False).where(Staff.id == staff.id).execute()
        KeySlot.delete().where(KeySlot.staff == staff).execute()
        Post.update(staff=None).where(Post.staff == staff).execute()
        event.record_id = staff.uuid


def reset_password(session: Session, number: str, new_password: str) -> None:
    """A manager (or the recovery code) gives a staff member a new password, to be changed
    at the next login; the new slot gets the data key from the resetting session."""
    check_new_password(session.register.policy, new_password)
    with operation(
        session, "staff.reset_password", roles=SUPERVISOR_ROLES | {RECOVERY}, record_table="staff"
    ) as event:
        staff = _get(number)
        if not staff.active:
            raise InvalidInput("账号已停用，不能重设密码")
        replace_slot(session, staff, new_password, must_change=True)
        event.record_id = staff.uuid


def assign_post(session: Session, window: str, post: str, number: str | None) -> None:
    """AB岗: put a staff member on the A or B post of a window (None empties it)."""
    post = post.strip().upper()
    if post not in ("A", "B"):
        raise InvalidInput("岗位只能是 A 或 B")
    with operation(session, "post.assign", roles=SUPERVISOR_ROLES, record_table="post") as event:
        win = _window(window)
        staff = _get(number) if number else None
        Post.insert(window=win, post=post, staff=staff).on_conflict(
            conflict_target=[Post.window, Post.post], update={Post.staff: staff}
        ).execute()
        event.detail = {"window": window, "post": post, "staff": staff.id if staff else None}
