"""People the hall serves (来访人/申请人): upsert and exact lookup through blind indexes.

Lookups never compare sealed columns in SQL (Peewee would seal the right-hand side too and
match nothing): they compare the blind index, then open the row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from store import row_macs
from store.errors import InvalidInput, TamperedRecord
from store.isolation import lock_value
from store.models import Person
from store.roles import DATA_ROLES
from store.session import Session, operation

_FIELDS = ("name", "id_number", "phone", "gender", "birth_date", "ethnicity", "address")


@dataclass(frozen=True)
class PersonView:
    """A person as the counter sees them, opened. Its repr shows no personal field."""

    uuid: str
    id_type: str
    name: str
    id_number: str | None
    phone: str | None
    gender: str | None
    birth_date: dt.date | None
    ethnicity: str | None
    address: str | None
    has_photo: bool

    def __repr__(self) -> str:
        return f"PersonView(uuid={self.uuid[:8]}…, id_type={self.id_type})"


def _normalise_id(id_type: str, id_number: str | None) -> str | None:
    if id_number is None or not id_number.strip():
        return None
    if id_type == "resident":
        from policies.idnumber import validate_resident_id

        return validate_resident_id(id_number).number
    return id_number.strip().upper()


def _open(session: Session, person: Person) -> PersonView:
    keys = session.keys

    def text(column: str) -> str | None:
        return keys.open_text("person", column, person.uuid, getattr(person, column))

    name, id_number, phone = text("name_enc") or "", text("id_number_enc"), text("phone_enc")
    # Each field opened alone proves its place (table, column, row); the row MAC that the
    # row as a whole is as last written; the indexes that they are of these values.
    row_macs.check(keys, person)
    _check_indexes(keys, person, name=name, id_number=id_number, phone=phone)
    birth = text("birth_date_enc")
    return PersonView(
        uuid=person.uuid,
        id_type=person.id_type,
        name=name,
        id_number=id_number,
        phone=phone,
        gender=text("gender_enc"),
        birth_date=dt.date.fromisoformat(birth) if birth else None,
        ethnicity=text("ethnicity_enc"),
        address=text("address_enc"),
        has_photo=person.photo_enc is not None,
    )


def open_person(session: Session, person: Person) -> PersonView:
    """A person row opened for display, with its integrity checks (row MAC, indexes)."""
    return _open(session, person)


def _check_indexes(keys, person: Person, **values: str | None) -> None:
    """Each blind index must be the index of the value sealed beside it: a row whose index
    was swapped with another's (a phone search would return the wrong person) is refused,
    never shown."""
    for kind, value in values.items():
        stored = getattr(person, f"{kind}_bidx")
        expected = keys.blind(kind, value) if value else None
        if stored != expected and not (kind == "name" and not value):
            raise TamperedRecord(
                f"登记本记录被改动：来访人记录 {person.uuid[:8]} 的{_INDEX_LABELS[kind]}索引"
                "与内容不符，已拒绝使用；请联系技术员用 audit verify 与备份核对"
            )


_INDEX_LABELS = {"name": "姓名", "id_number": "证件号码", "phone": "电话"}


def upsert_person(
    session: Session,
    *,
    name: str,
    id_number: str | None = None,
    id_type: str = "resident",
    phone: str | None = None,
    gender: str | None = None,
    birth_date: dt.date | None = None,
    ethnicity: str | None = None,
    address: str | None = None,
    photo: bytes | None = None,
) -> PersonView:
    """Find the person by ID number (or by name and phone when there is none) and update
    what was given, or register them. The ID number is validated first."""
    name = name.strip()
    if not name:
        raise InvalidInput("姓名不能为空")
    number = _normalise_id(id_type, id_number)
    if number is None and not (phone and phone.strip()):
        raise InvalidInput("没有证件号码时须留联系电话")
    keys = session.keys
    with operation(
        session, "person.upsert", roles=DATA_ROLES, record_table="person", concurrent=True
    ) as event:
        now = session.now()
        person = None
        # Two counters registering the same person at once: one after the other, so the
        # second finds the first's row instead of adding a second person.
        if number is not None:
            lock_value("person", keys.blind("id_number", number))
            person = Person.get_or_none(Person.id_number_bidx == keys.blind("id_number", number))
        else:
            lock_value("person", f"{keys.blind('phone', phone)}:{keys.blind('name', name)}")
            person = (
                Person.select()
                .where(
                    (Person.phone_bidx == keys.blind("phone", phone))
                    & (Person.name_bidx == keys.blind("name", name))
                    & Person.id_number_bidx.is_null()
                )
                .first()
            )
        created = person is None
        if person is None:
            person = Person(created_at=now, id_type=id_type)
        values = {
            "name": name,
            "id_number": number,
            "phone": phone.strip() if phone else None,
            "gender": gender,
            "birth_date": birth_date.isoformat() if birth_date else None,
            "ethnicity": ethnicity,
            "address": address,
        }
        # Re-seal every present field under the current key: one key id per row.
        if not created:
            current = _open(session, person)
            for field in _FIELDS:
                if values[field] is None:
                    old = getattr(current, field)
                    values[field] = old.isoformat() if isinstance(old, dt.date) else old
            if photo is None and person.photo_enc is not None:
                photo = row_macs.open_bytes(keys, person, "photo_enc")
        for field in _FIELDS:
            setattr(
                person,
                f"{field}_enc",
                keys.seal("person", f"{field}_enc", person.uuid, values[field]),
            )
        person.photo_enc = keys.seal("person", "photo_enc", person.uuid, photo)
        person.name_bidx = keys.blind("name", values["name"])
        person.id_number_bidx = keys.blind("id_number", values["id_number"])
        person.phone_bidx = keys.blind("phone", values["phone"])
        person.key_id = keys.current
        person.updated_at = now
        row_macs.save(keys, person, force_insert=created)
        event.record_id = person.uuid
        event.detail = {"created": created}
        return _open(session, person)


def _lookup(session: Session, action: str, where) -> list[PersonView]:
    with operation(
        session, action, roles=DATA_ROLES, record_table="person", concurrent=True
    ) as event:
        rows = [_open(session, p) for p in Person.select().where(where).limit(50)]
        event.detail = {"found": len(rows)}
        if len(rows) == 1:
            event.record_id = rows[0].uuid
        return rows


def find_by_id_number(
    session: Session, id_number: str, id_type: str = "resident"
) -> PersonView | None:
    number = _normalise_id(id_type, id_number)
    if number is None:
        raise InvalidInput("请输入证件号码")
    rows = _lookup(
        session,
        "person.lookup.id_number",
        Person.id_number_bidx == session.keys.blind("id_number", number),
    )
    return rows[0] if rows else None


def find_by_phone(session: Session, phone: str) -> list[PersonView]:
    return _lookup(
        session, "person.lookup.phone", Person.phone_bidx == session.keys.blind("phone", phone)
    )


def find_by_name(session: Session, name: str) -> list[PersonView]:
    return _lookup(
        session, "person.lookup.name", Person.name_bidx == session.keys.blind("name", name)
    )
