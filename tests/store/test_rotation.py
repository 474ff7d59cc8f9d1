"""Key rotation: interruptible, resumable, and the old key is gone at the end."""

from __future__ import annotations

from store.auth import login
from store.crypto import sealed_key_id
from store.models import DataKey, Person, SlotKey, Staff
from store.persons import find_by_phone, upsert_person
from store.rotation import rotate_keys
from tests.conftest import CLERK_PASSWORD


def test_rotation_interrupted_and_resumed_from_another_session(hall):
    clerk = hall.login()
    for i in range(7):
        upsert_person(clerk, name=f"轮换人{i}", phone=f"1370000000{i}", address=f"某村{i}组")

    status = rotate_keys(hall.supervisor, batch_size=2, max_batches=2)
    assert not status.finished and status.retiring == (1,)
    assert status.rows_left > 0
    # Mid-rotation, every row still opens; the clerk's next write follows the new key.
    assert find_by_phone(clerk, "13700000006")[0].address == "某村6组"
    upsert_person(clerk, name="轮换中新人", phone="13600000000")
    newest = Person.select().order_by(Person.id.desc()).first()
    assert newest.key_id == 2 and sealed_key_id(newest.name_enc) == 2

    # Another counter (a fresh login) finishes it.
    other = login(hall.register, "0001", "zhuren-mima-2026")
    status = rotate_keys(other, batch_size=2)
    assert status.finished and status.rows_left == 0 and status.current == 2
    assert [k.state for k in DataKey.select().order_by(DataKey.key_id)] == ["retired", "active"]
    assert {sk.key_id for sk in SlotKey.select()} == {2}
    assert all(sealed_key_id(p.name_enc) == 2 for p in Person.select())
    assert all(s.key_id == 2 for s in Staff.select())

    again = login(hall.register, "1001", CLERK_PASSWORD)
    assert set(again.keys.deks) == {2}
    assert [p.address for p in find_by_phone(again, "13700000003")] == ["某村3组"]
