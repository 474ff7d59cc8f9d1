"""Online backup (备份) of a SQLite register to one file, still encrypted, with a checksum;
verification without restoring; restore into an empty location.

File format: a line `CHUANGKOU-BACKUP 1`, a line of JSON header (created_at, schema
version, register id, size, sha256, signer, mac), then the SQLite database bytes.

The checksum finds damage; the header's `mac` finds a forgery. A checksum anyone can
recompute, so the header (which holds the sha256 of the data) is MACed with the station's
own key (store.pending_keys: a 0600 file outside the register, a sealed copy inside it).
A backup is verified with that key on the station that made it, or elsewhere (the station
lost) by logging in to the backup itself (`--as`): the sealed copy in the backup opens only
with a password of that register, so whoever changes the file cannot make a new MAC.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from store import pending_keys
from store.database import sqlite_path
from store.errors import BackupError
from store.session import Register, Session, operation, record_event

MAGIC = b"CHUANGKOU-BACKUP 1\n"
SUFFIX = ".ckbak"
_CHUNK = 1 << 20
#: A backup header is one short JSON line; a longer "header" is not ours.
_HEADER_LIMIT = 64 * 1024


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


def _snapshot(db_file: Path, copy: Path) -> None:
    """A consistent copy through SQLite's online backup API (writers may go on)."""
    src = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
        # A restored file should not depend on a WAL that is not there.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _fsync_dir(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _write_durably(part: Path, target: Path, write) -> None:
    """`write(file)` into `part` (new, 0600), synced, then renamed to `target` and the
    folder synced: the target is whole or absent, never half-written."""
    _remove(part)  # left by a run that was killed
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "wb") as out:
        write(out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(part, target)
    _fsync_dir(target.parent)


def _remove(*paths: Path) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def write_backup(register: Register, target: Path) -> BackupInfo:
    """Write a backup file of the register (no audit event: see `backup`). The snapshot and
    the file are built beside the target (`.part` names, mode 0600) and streamed, never held
    in memory; on any failure (a full disk …) both are removed: nothing is left behind."""
    db_file = _require_sqlite(register)
    if target.exists():
        raise BackupError(f"备份文件已存在，不会覆盖：{target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    copy = target.with_name(target.name + ".db.part")
    part = target.with_name(target.name + ".part")
    try:
        _snapshot(db_file, copy)
        register_id = register.meta("register_id")
        header = {
            "created_at": register.clock.now().isoformat(timespec="seconds"),
            "schema_version": int(register.meta("schema_version", "0")),
            "register_id": register_id,
            "size": copy.stat().st_size,
            "sha256": _digest(copy),
            "signer": pending_keys.secret_name(register.station),
        }
        key = pending_keys.ensure_file(register_id)
        if key is None:
            raise BackupError("本终端无法保存备份密钥（状态目录不可写），备份无法签名")
        header["mac"] = _header_mac(key, header)

        def write(out) -> None:
            out.write(MAGIC + json.dumps(header).encode() + b"\n")
            with open(copy, "rb") as src:
                shutil.copyfileobj(src, out, _CHUNK)

        _write_durably(part, target, write)
    except OSError as exc:
        raise BackupError(f"备份未完成，未留下任何文件：{_os_reason(exc)}") from None
    except sqlite3.Error as exc:  # SQLite writing the snapshot: "database or disk is full" …
        why = "磁盘已满" if "full" in str(exc) else f"数据库复制失败（{type(exc).__name__}）"
        raise BackupError(f"备份未完成，未留下任何文件：{why}") from None
    finally:
        _remove(copy, part)
    return BackupInfo(
        target,
        header["created_at"],
        header["schema_version"],
        header["register_id"],
        header["size"],
        header["sha256"],
    )


def _header_mac(key: bytes, header: dict) -> str:
    body = {k: v for k, v in header.items() if k != "mac"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, b"backup\x00" + text.encode(), hashlib.sha256).hexdigest()


def _check_signature(header: dict, copy: Path, login: tuple[str, str] | None) -> str:
    """How the backup's MAC was checked ("本机密钥" / "备份中的密钥"); BackupError if it
    does not check or cannot be checked here."""
    mac = header.get("mac")
    if not isinstance(mac, str):
        raise BackupError("备份没有签名：无法确认未被改动（不是本版本做的备份）")
    local = pending_keys.station_key(str(header.get("register_id")))
    if local is not None and hmac.compare_digest(_header_mac(local, header), mac):
        return "本机密钥"
    if login is None:
        if local is None:
            raise BackupError(
                "本终端没有此登记本的备份密钥：请加 --as 工号 登录，用备份中的密钥核对"
            )
        raise BackupError(
            "备份签名不符：文件被改动，或不是本终端做的备份（可加 --as 工号 用备份中的密钥核对）"
        )
    key = _signer_key_by_login(copy, str(header.get("signer")), *login)
    if key is None or not hmac.compare_digest(_header_mac(key, header), mac):
        raise BackupError("备份签名不符：文件被改动")
    return "备份中的密钥"


def _signer_key_by_login(copy: Path, signer: str, number: str, password: str) -> bytes | None:
    """Open the backup's own copy of the signing station's key with a login to it."""
    from store.auth import login as unlock
    from store.database import close_database
    from store.models import RegisterSecret

    try:
        register = Register.open(f"sqlite:///{copy}", upgrade=False)
        # Read before logging in: a login on this station registers its own key in the copy.
        row = RegisterSecret.get_or_none(RegisterSecret.name == signer)
        session = unlock(register, number, password)
        if row is None or not session.has_data_key:
            return None
        return session.keys.open("register_secret", "sealed", signer, bytes(row.sealed))
    finally:
        close_database()


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "磁盘已满"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "没有写入权限"
    return exc.strerror or "写入失败"


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
    try:
        info = write_backup(register, target)
    except BackupError as exc:
        record_event(session, "backup.failed", file=target.name, why=str(exc))
        raise
    try:
        with operation(session, "backup.create", record_table="backup") as event:
            event.detail = {"file": target.name, "sha256": info.sha256}
    except BaseException:
        _remove(target)  # a backup that is not in the audit trail is not kept
        raise
    return info


def automatic_backup(register: Register, label: str) -> Path | None:
    """Before a migration: a backup beside the register. PostgreSQL halls use pg_dump."""
    if register.sqlite_file is None:
        return None
    return write_backup(register, default_backup_path(register, label)).path


def _read_header(fh) -> tuple[dict, int, str]:
    """The header of an open backup file, read with limits (a device or a huge file that is
    not a backup is refused after a few bytes)."""
    if fh.read(len(MAGIC)) != MAGIC:
        raise BackupError("不是 chuangkou 备份文件（文件头不符）")
    line = fh.readline(_HEADER_LIMIT)
    try:
        if not line.endswith(b"\n"):
            raise ValueError("header too long")
        header = json.loads(line)
        size, digest = int(header["size"]), str(header["sha256"])
    except (ValueError, KeyError, TypeError):
        raise BackupError("备份文件头已损坏") from None
    return header, size, digest


def _copy_checked(path: Path, out) -> dict:
    """Stream the database part of a backup into `out` (a binary file, or None to only
    check), verifying its size and checksum; the header."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 — closed below, after the streaming loop
    except FileNotFoundError:
        raise BackupError(f"备份文件不存在：{path}") from None
    except OSError as exc:
        raise BackupError(f"备份文件无法读取：{_os_reason(exc)}") from None
    with fh:
        header, size, digest = _read_header(fh)
        sha, seen = hashlib.sha256(), 0
        while chunk := fh.read(min(_CHUNK, size - seen + 1)):
            seen += len(chunk)
            if seen > size:
                break
            sha.update(chunk)
            if out is not None:
                out.write(chunk)
    if seen != size:
        raise BackupError(f"备份文件不完整：应有 {size} 字节，实有 {seen} 字节")
    if sha.hexdigest() != digest:
        raise BackupError("备份文件校验和不符：文件已损坏或被修改")
    return header


def verify_backup(path: Path, *, login: tuple[str, str] | None = None) -> BackupInfo:
    """Check a backup without restoring: checksum, signature (with this station's key, or
    with `login` = (工号, 密码) to the backup itself), SQLite integrity, schema version."""
    with tempfile.TemporaryDirectory(prefix="chuangkou-verify-") as tmp:
        copy = Path(tmp) / "check.db"
        with open(copy, "wb") as out:
            header = _copy_checked(path, out)
        size = copy.stat().st_size
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
        _check_signature(header, copy, login)
    return BackupInfo(
        Path(path),
        header["created_at"],
        int(header["schema_version"]),
        header["register_id"],
        size,
        header["sha256"],
    )


def restore_backup(path: Path, url: str, *, login: tuple[str, str] | None = None) -> BackupInfo:
    """Restore into an empty location (never over an existing register), once verified."""
    info = verify_backup(path, login=login)
    target = sqlite_path(url)
    if target is None:
        raise BackupError("只能恢复到 SQLite 位置（sqlite:///…）；PostgreSQL 请用 pg_restore")
    for candidate in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        if candidate.exists() and candidate.stat().st_size > 0:
            raise BackupError(f"恢复位置不是空的：{candidate}（不会覆盖现有登记本）")
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    try:
        _write_durably(part, target, lambda out: _copy_checked(path, out))
    except OSError as exc:
        raise BackupError(f"恢复未完成，未留下任何文件：{_os_reason(exc)}") from None
    finally:
        _remove(part)
    return info
