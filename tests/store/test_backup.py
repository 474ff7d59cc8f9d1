"""Online backup with a checksum; verify without restoring; restore into an empty place."""

from __future__ import annotations

import pytest

from store.auth import login
from store.backup import backup, restore_backup, verify_backup
from store.database import close_database
from store.errors import BackupError
from store.persons import find_by_phone, upsert_person
from store.session import Register
from tests.conftest import CLERK_PASSWORD
from tests.people import PEOPLE


def test_backup_restores_into_an_empty_place_and_opens(hall, tmp_path):
    clerk = hall.login()
    p = PEOPLE[0]
    upsert_person(clerk, name=p.name, id_number=p.id_number, phone=p.phone)
    info = backup(clerk, tmp_path / "b.ckbak")
    assert verify_backup(info.path).sha256 == info.sha256
    close_database()
    target = f"sqlite:///{tmp_path / 'restored' / 'register.db'}"
    restore_backup(info.path, target)
    restored = Register.open(target)
    session = login(restored, "1001", CLERK_PASSWORD)
    assert [x.name for x in find_by_phone(session, p.phone)] == [p.name]


def test_restore_refuses_a_place_that_holds_a_register(hall, tmp_path, register_url):
    info = backup(hall.supervisor, tmp_path / "b.ckbak")
    with pytest.raises(BackupError, match="不是空的"):
        restore_backup(info.path, register_url)


def test_a_damaged_backup_fails_verification(hall, tmp_path):
    info = backup(hall.supervisor, tmp_path / "b.ckbak")
    data = bytearray(info.path.read_bytes())
    data[-100] ^= 0xFF
    info.path.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="校验和不符"):
        verify_backup(info.path)
    info.path.write_bytes(bytes(data[:-10]))
    with pytest.raises(BackupError, match="不完整"):
        verify_backup(info.path)
    (tmp_path / "other").write_bytes(b"SQLite format 3\x00")
    with pytest.raises(BackupError, match="不是 chuangkou 备份文件"):
        verify_backup(tmp_path / "other")


def test_a_failed_backup_leaves_nothing_behind_and_is_audited_as_failed(
    hall, tmp_path, monkeypatch
):
    import errno
    import shutil

    from store.models import AuditEvent, AuditPending

    def disk_full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", disk_full)
    folder = tmp_path / "backups"
    with pytest.raises(BackupError, match="磁盘已满"):
        backup(hall.supervisor, folder / "b.ckbak")
    assert list(folder.iterdir()) == []  # no .part, no snapshot copy
    actions = [e.action for e in AuditEvent.select()] + [p.action for p in AuditPending.select()]
    assert "backup.failed" in actions and "backup.create" not in actions


def test_a_backup_file_is_created_for_its_owner_only(hall, tmp_path):
    info = backup(hall.supervisor, tmp_path / "b.ckbak")
    assert info.path.stat().st_mode & 0o777 == 0o600


def test_verify_refuses_an_endless_or_oversized_file_without_reading_it_all(tmp_path):
    from pathlib import Path

    with pytest.raises(BackupError, match="不是 chuangkou 备份文件"):
        verify_backup(Path("/dev/zero"))
    endless_header = tmp_path / "long.ckbak"
    endless_header.write_bytes(b"CHUANGKOU-BACKUP 1\n" + b"{" * (1 << 20))
    with pytest.raises(BackupError, match="文件头已损坏"):
        verify_backup(endless_header)


def test_the_register_file_is_its_owners_only_and_deletes_securely(hall, register_url):
    from store.database import database, sqlite_path

    path = sqlite_path(register_url)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o077 == 0
    assert database.execute_sql("PRAGMA secure_delete").fetchone()[0] == 1


# --- the header's MAC: a recomputed checksum does not pass -----------------------------


def _forge(path, mutate) -> None:
    """Change the backed-up database and recompute size and checksum, as a forger would."""
    import hashlib
    import json

    raw = path.read_bytes()
    magic, rest = raw[:19], raw[19:]
    header_line, data = rest.split(b"\n", 1)
    header = json.loads(header_line)
    data = mutate(data)
    header["size"], header["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    path.write_bytes(magic + json.dumps(header).encode() + b"\n" + data)


def test_a_backup_changed_with_a_recomputed_checksum_is_refused(hall, tmp_path):
    info = backup(hall.supervisor, tmp_path / "b.ckbak")
    _forge(info.path, lambda data: data.replace(b"SLZ", b"XYZ"))
    with pytest.raises(BackupError, match="签名不符"):
        verify_backup(info.path)
    with pytest.raises(BackupError, match="签名不符"):
        restore_backup(info.path, f"sqlite:///{tmp_path / 'r' / 'register.db'}")
    assert not (tmp_path / "r" / "register.db").exists()


def test_another_station_verifies_a_backup_by_logging_in_to_it(hall, tmp_path, monkeypatch):
    hall.login()  # the station's key is registered (sealed) in the register
    info = backup(hall.supervisor, tmp_path / "b.ckbak")
    close_database()
    monkeypatch.setenv("CHUANGKOU_STATE_DIR", str(tmp_path / "another-station"))
    with pytest.raises(BackupError, match="请加 --as 工号 登录"):
        verify_backup(info.path)
    with pytest.raises(Exception, match="工号或密码错误"):
        verify_backup(info.path, login=("1001", "wrong-password"))
    assert verify_backup(info.path, login=("1001", CLERK_PASSWORD)).sha256 == info.sha256
    _forge(info.path, lambda data: data.replace(b"SLZ", b"XYZ"))
    with pytest.raises(BackupError, match="签名不符"):
        verify_backup(info.path, login=("1001", CLERK_PASSWORD))
