"""Online backup (备份) of a SQLite register to one file, still encrypted, with a checksum;
verification without restoring; restore into an empty location.

File format: a line `CHUANGKOU-BACKUP 1`, a line of JSON header (created_at, schema
version, register id, size, sha256), then the SQLite database bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from store.database import sqlite_path
from store.errors import BackupError
from store.session import Register, Session, operation

MAGIC = b"CHUANGKOU-BACKUP 1\n"
SUFFIX = ".ckbak"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: str
    schema_version: int
    register_id: str
    size: int
    sha256: str


def _require_sqlite(register: Register) -> Path:
    path = register.sqlite_file
    if path is None:
        raise BackupError(
            "PostgreSQL 登记本请用数据库服务器的 pg_dump 备份（本命令只备份 SQLite 登记本）"
        )
    return path


def _snapshot(db_file: Path) -> bytes:
    """A consistent copy through SQLite's online backup API (writers may go on)."""
    with tempfile.TemporaryDirectory(prefix="chuangkou-backup-") as tmp:
        copy = Path(tmp) / "copy.db"
        src = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)
            # A restored file should not depend on a WAL that is not there.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
        return copy.read_bytes()


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_backup(register: Register, target: Path) -> BackupInfo:
    """Write a backup file of the register (no audit event: see `backup`)."""
    db_file = _require_sqlite(register)
    if target.exists():
        raise BackupError(f"备份文件已存在，不会覆盖：{target}")
    data = _snapshot(db_file)
    header = {
        "created_at": register.clock.now().isoformat(timespec="seconds"),
        "schema_version": int(register.meta("schema_version", "0")),
        "register_id": register.meta("register_id"),
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    _write_atomically(target, MAGIC + json.dumps(header).encode() + b"\n" + data)
    return BackupInfo(
        target,
        header["created_at"],
        header["schema_version"],
        header["register_id"],
        len(data),
        header["sha256"],
    )


def default_backup_path(register: Register, label: str = "") -> Path:
    db_file = _require_sqlite(register)
    stamp = register.clock.now().strftime("%Y%m%d-%H%M%S")
    name = f"register-{stamp}{'-' + label if label else ''}{SUFFIX}"
    return db_file.parent / "backups" / name


def backup(session: Session, target: Path | None = None) -> BackupInfo:
    """The operation behind `chuangkou backup`: audited, then written."""
    register = session.register
    _require_sqlite(register)  # refuse before recording an attempt that cannot happen
    target = target or default_backup_path(register)
    with operation(session, "backup.create", record_table="backup") as event:
        event.detail = {"file": target.name}
    return write_backup(register, target)


def automatic_backup(register: Register, label: str) -> Path | None:
    """Before a migration: a backup beside the register. PostgreSQL halls use pg_dump."""
    if register.sqlite_file is None:
        return None
    return write_backup(register, default_backup_path(register, label)).path


def _read(path: Path) -> tuple[dict, bytes]:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise BackupError(f"备份文件不存在：{path}") from None
    if not raw.startswith(MAGIC):
        raise BackupError("不是 chuangkou 备份文件（文件头不符）")
    try:
        header_line, data = raw[len(MAGIC) :].split(b"\n", 1)
        header = json.loads(header_line)
        size, digest = int(header["size"]), str(header["sha256"])
    except (ValueError, KeyError, TypeError):
        raise BackupError("备份文件头已损坏") from None
    if len(data) != size:
        raise BackupError(f"备份文件不完整：应有 {size} 字节，实有 {len(data)} 字节")
    if hashlib.sha256(data).hexdigest() != digest:
        raise BackupError("备份文件校验和不符：文件已损坏或被修改")
    return header, data


def verify_backup(path: Path) -> BackupInfo:
    """Check a backup without restoring: checksum, SQLite integrity, schema version."""
    header, data = _read(path)
    with tempfile.TemporaryDirectory(prefix="chuangkou-verify-") as tmp:
        copy = Path(tmp) / "check.db"
        copy.write_bytes(data)
        conn = sqlite3.connect(copy)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            version = conn.execute(
                "SELECT value FROM register_meta WHERE key = 'schema_version'"
            ).fetchone()
        except sqlite3.DatabaseError:
            raise BackupError("备份中的数据库无法读取") from None
        finally:
            conn.close()
    if result != "ok":
        raise BackupError("备份中的数据库未通过完整性检查")
    if version is None or int(version[0]) != int(header["schema_version"]):
        raise BackupError("备份中的结构版本与文件头不符")
    return BackupInfo(
        Path(path),
        header["created_at"],
        int(header["schema_version"]),
        header["register_id"],
        len(data),
        header["sha256"],
    )


def restore_backup(path: Path, url: str) -> BackupInfo:
    """Restore into an empty location (never over an existing register)."""
    info = verify_backup(path)
    target = sqlite_path(url)
    if target is None:
        raise BackupError("只能恢复到 SQLite 位置（sqlite:///…）；PostgreSQL 请用 pg_restore")
    for candidate in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        if candidate.exists() and candidate.stat().st_size > 0:
            raise BackupError(f"恢复位置不是空的：{candidate}（不会覆盖现有登记本）")
    _, data = _read(path)
    _write_atomically(target, data)
    return info
