"""No personal data in clear anywhere on disk: database file, its WAL, a backup, the logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from store.auth import login
from store.backup import backup
from store.errors import StoreError
from store.persons import find_by_id_number, find_by_phone, upsert_person
from tests.people import PEOPLE
from tests.store.insider import raw_update


@pytest.fixture
def log_file(tmp_path, monkeypatch):
    from tui.logsetup import setup_logging

    logger = logging.getLogger("chuangkou")
    saved = logger.handlers[:]
    logger.handlers.clear()
    monkeypatch.setenv("CHUANGKOU_LOG_DIR", str(tmp_path / "logs"))
    path = setup_logging(logging.DEBUG)
    yield path
    for handler in logger.handlers:
        handler.close()
    logger.handlers[:] = saved


def _encodings(text: str) -> list[bytes]:
    return [text.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")]


def test_no_personal_field_in_clear_on_disk(hall, tmp_path, log_file):
    clerk = hall.login()
    for p in PEOPLE:
        upsert_person(clerk, name=p.name, id_number=p.id_number, phone=p.phone, address=p.address)
    for p in PEOPLE:
        assert find_by_id_number(clerk, p.id_number).address == p.address
        find_by_phone(clerk, p.phone)
    # Failures are logged and audited too; they must not carry the data either.
    bad = PEOPLE[0].id_number[:-1] + ("1" if PEOPLE[0].id_number[-1] == "0" else "0")
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do; what matters is the disk
        upsert_person(clerk, name=PEOPLE[0].name, id_number=bad)
    with pytest.raises(StoreError):
        login(hall.register, "1001", PEOPLE[1].phone)  # a wrong password that is personal data

    db_file = hall.register.sqlite_file
    wal = Path(f"{db_file}-wal")
    assert wal.exists() and wal.stat().st_size > 0, "the test must see the WAL while it is live"
    backup_file = backup(clerk, tmp_path / "backup.ckbak").path
    for handler in logging.getLogger("chuangkou").handlers:
        handler.flush()
    assert log_file is not None and log_file.stat().st_size > 0, "operations must reach the log"

    files = [db_file, wal, backup_file, *log_file.parent.iterdir()]
    secrets = [s for p in PEOPLE for s in (p.name, p.id_number, p.phone, p.address)] + [bad]
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            for needle in _encodings(secret):
                assert needle not in data, f"{path.name} holds a personal field in clear"


def test_a_swapped_phone_index_is_detected_not_followed(hall):
    """An insider swaps two persons' phone blind indexes in the file: a search by one phone
    must not return the other person as if they had that number."""
    from store.errors import TamperedRecord
    from store.models import Person
    from store.persons import find_by_phone, upsert_person
    from tests.people import PEOPLE

    clerk = hall.login()
    a, b = PEOPLE[0], PEOPLE[1]
    upsert_person(clerk, name=a.name, id_number=a.id_number, phone=a.phone)
    upsert_person(clerk, name=b.name, id_number=b.id_number, phone=b.phone)
    first, second = Person.select().order_by(Person.id)
    raw_update(Person, Person.id == first.id, phone_bidx=second.phone_bidx)
    raw_update(Person, Person.id == second.id, phone_bidx=first.phone_bidx)
    with pytest.raises(TamperedRecord, match="索引"):
        find_by_phone(clerk, a.phone)


def _two_versions_of_a_phone(hall):
    from store.models import Person
    from store.persons import upsert_person
    from tests.people import PEOPLE

    clerk = hall.login()
    p = PEOPLE[2]
    upsert_person(clerk, name=p.name, id_number=p.id_number, phone="13800000001")
    old = Person.get()
    upsert_person(clerk, name=p.name, id_number=p.id_number, phone=p.phone)
    return clerk, p, old, Person.get()


def test_an_older_ciphertext_put_back_is_detected_not_shown(hall):
    from store.errors import TamperedRecord
    from store.models import Person
    from store.persons import find_by_id_number

    clerk, p, old, _new = _two_versions_of_a_phone(hall)
    # The insider restores the former phone number's ciphertext and index from a backup.
    raw_update(Person, Person.id == old.id, phone_enc=old.phone_enc, phone_bidx=old.phone_bidx)
    with pytest.raises(TamperedRecord, match="加密字段或索引被替换"):
        find_by_id_number(clerk, p.id_number)


def test_a_sealed_field_cleared_to_null_is_detected(hall):
    from store.errors import TamperedRecord
    from store.models import Person
    from store.persons import find_by_id_number

    clerk, p, _old, _new = _two_versions_of_a_phone(hall)
    raw_update(Person, Person.id == _new.id, phone_enc=None, phone_bidx=None)
    with pytest.raises(TamperedRecord):
        find_by_id_number(clerk, p.id_number)


def test_a_key_rotation_keeps_row_macs_valid(hall):
    from store.persons import find_by_id_number
    from store.rotation import rotate_keys

    _clerk, p, _old, _new = _two_versions_of_a_phone(hall)
    rotate_keys(hall.supervisor)
    assert find_by_id_number(hall.login(), p.id_number).phone == p.phone
