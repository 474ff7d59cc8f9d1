"""Sealed fields: a ciphertext opens only in its own table, column and row."""

from __future__ import annotations

import pytest

from store.errors import DecryptionFailed
from store.models import Person
from store.persons import find_by_id_number, find_by_name, find_by_phone, upsert_person
from tests.people import PEOPLE
from tests.store.insider import raw_update


def _register(session, person):
    return upsert_person(
        session,
        name=person.name,
        id_number=person.id_number,
        phone=person.phone,
        address=person.address,
    )


def test_a_person_is_found_by_id_number_phone_and_name(hall):
    clerk = hall.login()
    a, b = PEOPLE[0], PEOPLE[1]
    _register(clerk, a)
    _register(clerk, b)
    found = find_by_id_number(clerk, a.id_number.lower())
    assert found is not None and found.name == a.name and found.address == a.address
    phone_spaced = f"+86 {b.phone[:3]} {b.phone[3:7]} {b.phone[7:]}"
    assert [p.name for p in find_by_phone(clerk, phone_spaced)] == [b.name]
    assert [p.id_number for p in find_by_name(clerk, f" {a.name} ")] == [a.id_number]
    assert find_by_id_number(clerk, PEOPLE[2].id_number) is None


def test_upsert_updates_the_same_person(hall):
    clerk = hall.login()
    p = PEOPLE[0]
    first = _register(clerk, p)
    second = upsert_person(clerk, name=p.name, id_number=p.id_number, phone="13000000000")
    assert second.uuid == first.uuid
    assert second.phone == "13000000000" and second.address == p.address
    assert Person.select().count() == 1


def test_ciphertext_moved_to_another_row_fails(hall):
    clerk = hall.login()
    a, b = (_register(clerk, p) for p in PEOPLE[:2])
    row_a = Person.get(Person.uuid == a.uuid)
    raw_update(Person, Person.uuid == b.uuid, name_enc=row_a.name_enc)
    with pytest.raises(DecryptionFailed, match=r"person\.name_enc"):
        find_by_id_number(clerk, PEOPLE[1].id_number)


def test_ciphertext_moved_to_another_column_fails(hall):
    clerk = hall.login()
    a = _register(clerk, PEOPLE[0])
    row = Person.get(Person.uuid == a.uuid)
    raw_update(Person, Person.uuid == a.uuid, address_enc=row.name_enc)
    with pytest.raises(DecryptionFailed):
        find_by_id_number(clerk, PEOPLE[0].id_number)


def test_bad_id_number_is_refused_in_chinese_without_echoing_it(hall):
    from policies.errors import PolicyError

    clerk = hall.login()
    bad = PEOPLE[0].id_number[:-1] + ("0" if PEOPLE[0].id_number[-1] != "0" else "1")
    with pytest.raises(PolicyError) as err:
        upsert_person(clerk, name="某某", id_number=bad)
    assert "校验" in str(err.value)
    assert bad not in str(err.value)
    assert Person.select().count() == 0
