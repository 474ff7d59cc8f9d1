"""Creating a register (chuangkou init): schema, data key, first supervisor, recovery slot."""

from __future__ import annotations

import secrets

from store import audit, row_macs
from store.clock import Clock, SystemClock
from store.crypto import Keyring
from store.database import close_database, database, default_url, open_database, upsert
from store.errors import InvalidInput, RegisterExists
from store.keyslots import DEFAULT_KDF, KdfParams, new_recovery_code
from store.migrations import migrate, schema_version
from store.models import DataKey, RegisterMeta, Staff, new_uuid
from store.passwords import check_new_password
from store.roles import SUPERVISOR
from store.session import Register, Session
from store.slots import make_slot, seal_secret
from store.textguard import staff_number


def create_register(
    url: str | None = None,
    *,
    hall_name: str,
    hall_code: str,
    supervisor_number: str,
    supervisor_name: str,
    password: str,
    clock: Clock | None = None,
    station: str = "",
    kdf: KdfParams = DEFAULT_KDF,
) -> tuple[Register, Session, str]:
    """Create an empty register; returns it, the first supervisor's session and the
    recovery code (shown once, never stored in clear)."""
    url = url or default_url()
    clock = clock or SystemClock()
    hall_name, hall_code = hall_name.strip(), hall_code.strip()
    if not hall_name:
        raise InvalidInput("大厅名称不能为空")
    if not supervisor_number.strip() or not supervisor_name.strip():
        raise InvalidInput("主任的工号和姓名不能为空")
    supervisor_number = staff_number(supervisor_number)
    db = open_database(url, must_exist=False)
    if schema_version(db) is not None:
        close_database()
        raise RegisterExists("此位置已有登记本，不会覆盖（如需重建请先备份并移走原文件）")
    from policies.settings import load_policy

    try:
        check_new_password(load_policy(), password)
    except InvalidInput:
        close_database()
        raise
    register = Register(url, db, clock, station)
    now = clock.now()
    recovery_code = new_recovery_code()
    dek, index_key, audit_key = (secrets.token_bytes(32) for _ in range(3))
    keyring = Keyring(deks={1: dek}, current=1, index_key=index_key, audit_key=audit_key)
    # Schema and first records in one transaction: a failed init leaves no half register.
    with database.atomic():
        migrate(db)
        for key, value in (
            ("register_id", new_uuid()),
            ("hall_name", hall_name),
            ("hall_code", hall_code),
            ("created_at", now.isoformat(timespec="seconds")),
            ("kdf", f"{kdf.memory_cost},{kdf.iterations},{kdf.lanes}"),
        ):
            upsert(RegisterMeta, key=key, value=value)
        DataKey.create(key_id=1, state="active", created_at=now)
        seal_secret(keyring, "index", index_key)
        seal_secret(keyring, "audit", audit_key)
        staff_uuid = new_uuid()
        staff = row_macs.create(
            keyring,
            Staff,
            uuid=staff_uuid,
            key_id=keyring.current,
            number=supervisor_number.strip(),
            name_enc=keyring.seal("staff", "name_enc", staff_uuid, supervisor_name.strip()),
            name_bidx=keyring.blind("name", supervisor_name),
            role=SUPERVISOR,
            created_at=now,
            password_changed_at=now,
        )
        make_slot(kind="staff", staff=staff, secret=password, deks=keyring.deks, kdf=kdf, now=now)
        make_slot(
            kind="recovery", staff=None, secret=recovery_code, deks=keyring.deks, kdf=kdf, now=now
        )
        genesis = audit.EventDraft(
            audit.GENESIS_ACTION, "register_meta", "", {"hall_code": hall_code}
        )
        for draft in (genesis, *row_macs.creation_events()):
            audit.append(
                draft, audit_key=audit_key, at=now, actor=staff.id, acting_for=None, station=station
            )
    session = Session(
        register,
        staff.id,
        SUPERVISOR,
        keyring,
        staff_number=staff.number,
        staff_name=supervisor_name.strip(),
    )
    return register, session, recovery_code
