"""Errors of the register; every message is Chinese and fit for the operator.

No message may carry personal data: name the record by its number or id, never by a
person's name, ID number or phone.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error raised by store/."""


class RegisterNotFound(StoreError):
    """登记本不存在."""


class RegisterExists(StoreError):
    """登记本已存在 (init refuses to overwrite)."""


class SchemaTooNew(StoreError):
    """The register was written by a newer chuangkou."""


class AuthenticationFailed(StoreError):
    """工号或密码错误."""


class AccountLocked(StoreError):
    """账号已锁定; `minutes_left` until it unlocks."""

    def __init__(self, message: str, minutes_left: int) -> None:
        super().__init__(message)
        self.minutes_left = minutes_left


class AccountDisabled(StoreError):
    """账号已停用."""


class PermissionDenied(StoreError):
    """The actor's role does not allow the operation."""


class DecryptionFailed(StoreError):
    """A sealed field did not open: wrong key, or moved to another row or column."""


class TamperedRecord(DecryptionFailed):
    """A row changed outside the app: an older ciphertext put back, a field cleared, an
    index swapped (store.row_macs, store.persons)."""


class LockedRegister(StoreError):
    """An operation that needs personal data was called without an unlocked data key."""


class NotFound(StoreError):
    """A record asked for does not exist."""


class InvalidInput(StoreError):
    """Input an operation refuses (unknown window, duplicate staff number …)."""


class Refused(InvalidInput):
    """The hall's rules refuse the operation now (a case in a state that does not allow it):
    recorded in the audit chain as a refused attempt, unlike a typing error."""


class BackupError(StoreError):
    """A backup file is damaged, of another format, or a restore target is not empty."""


class MigrationError(StoreError):
    """`migrate-to` refused or failed: the target is left as it was, the source untouched."""


class ServerUnavailable(StoreError):
    """服务器连接中断: the register's PostgreSQL server cannot be reached (stopped, restarting,
    the network down). The operation was not done — its transaction ends with the
    connection, on the server — unless `in_doubt`: the connection broke while the COMMIT
    was on its way, and whether it arrived cannot be known here (store.postgres)."""

    def __init__(self, message: str = "", *, in_doubt: bool = False) -> None:
        if not message:
            message = (
                "服务器连接中断：无法确认本次保存是否已完成，恢复后请先查询再决定是否重做"
                if in_doubt
                else "服务器连接中断：本次操作未完成，请稍后重试"
            )
        super().__init__(message)
        self.in_doubt = in_doubt
