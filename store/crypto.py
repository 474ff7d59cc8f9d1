"""Field encryption and blind indexes (ARCHITECTURE.md: personal data is encrypted before it
reaches the database).

A sealed field is `version ‖ key id ‖ nonce ‖ AES-256-GCM ciphertext`, under a key derived
per table and column from the register's data key (DEK), with associated data
`table.column:row_uuid:key_id` so a ciphertext moved to another row or column does not open.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import unicodedata
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from store.errors import DecryptionFailed, LockedRegister
from store.textguard import utf8

SEAL_VERSION = 1
_HEADER = struct.Struct(">BH")  # version, key id
NONCE_SIZE = 12
BLIND_INDEX_BYTES = 16  # 128 bits: no accidental collision among millions of people


def hkdf(key: bytes, info: str, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info.encode()).derive(key)


def sealed_key_id(sealed: bytes) -> int:
    """The key id a sealed value was written with (without opening it)."""
    if len(sealed) < _HEADER.size + NONCE_SIZE + 16:
        raise DecryptionFailed("加密字段已损坏（长度不足）")
    version, key_id = _HEADER.unpack_from(sealed)
    if version != SEAL_VERSION:
        raise DecryptionFailed(f"加密字段版本未知（{version}）")
    return key_id


def normalise_for_index(kind: str, value: str) -> str:
    """The form of a value whose blind index is compared: same person, same index."""
    text = unicodedata.normalize("NFKC", value).strip()
    text = "".join(text.split())
    if kind == "phone":
        digits = "".join(ch for ch in text if ch.isdigit())
        # +86 138… and 138… are the same mobile number.
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        return digits
    return text.upper()


@dataclass
class Keyring:
    """The unlocked keys of a register, held only in memory while someone is logged in.

    deks: every data key still in use (during a rotation the old and the new one);
    current: the key id new values are sealed with; index_key and audit_key are
    long-lived secrets kept sealed under the current DEK in the register.
    """

    deks: dict[int, bytes]
    current: int
    index_key: bytes
    audit_key: bytes
    _ciphers: dict[tuple[int, str], AESGCM] = field(default_factory=dict, repr=False)
    _blind_keys: dict[str, bytes] = field(default_factory=dict, repr=False)
    #: What this session has established about the register and need not look up again
    #: (store.row_macs: the tables whose rows all carry their MAC).
    _facts: dict[str, set[str]] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:  # never print key material
        return f"Keyring(key_ids={sorted(self.deks)}, current={self.current})"

    def _cipher(self, key_id: int, where: str) -> AESGCM:
        cache_key = (key_id, where)
        cipher = self._ciphers.get(cache_key)
        if cipher is None:
            try:
                dek = self.deks[key_id]
            except KeyError:
                raise DecryptionFailed(f"缺少数据密钥（版本 {key_id}）") from None
            cipher = AESGCM(hkdf(dek, f"chuangkou/field/v1/{where}"))
            self._ciphers[cache_key] = cipher
        return cipher

    def seal(
        self, table: str, column: str, row_uuid: str, value: str | bytes | None
    ) -> bytes | None:
        if value is None:
            return None
        data = utf8(value) if isinstance(value, str) else bytes(value)
        where = f"{table}.{column}"
        key_id = self.current
        nonce = os.urandom(NONCE_SIZE)
        aad = f"{where}:{row_uuid}:{key_id}".encode()
        return (
            _HEADER.pack(SEAL_VERSION, key_id)
            + nonce
            + self._cipher(key_id, where).encrypt(nonce, data, aad)
        )

    def open(self, table: str, column: str, row_uuid: str, sealed: bytes | None) -> bytes | None:
        if sealed is None:
            return None
        sealed = bytes(sealed)
        key_id = sealed_key_id(sealed)
        where = f"{table}.{column}"
        nonce = sealed[_HEADER.size : _HEADER.size + NONCE_SIZE]
        aad = f"{where}:{row_uuid}:{key_id}".encode()
        try:
            return self._cipher(key_id, where).decrypt(
                nonce, sealed[_HEADER.size + NONCE_SIZE :], aad
            )
        except InvalidTag:
            raise DecryptionFailed(
                f"加密字段无法解开（{where}，记录 {row_uuid[:8]}）：密钥不符或数据被移动、篡改"
            ) from None

    def open_text(self, table: str, column: str, row_uuid: str, sealed: bytes | None) -> str | None:
        data = self.open(table, column, row_uuid, sealed)
        return None if data is None else data.decode("utf-8")

    def blind(self, kind: str, value: str | None) -> str | None:
        """Blind index of a value: HMAC-SHA256 under a per-kind key, truncated, hex."""
        if value is None:
            return None
        key = self._blind_keys.get(kind)
        if key is None:
            key = self._blind_keys[kind] = hkdf(self.index_key, f"chuangkou/blind/v1/{kind}")
        digest = hmac.new(key, utf8(normalise_for_index(kind, value)), hashlib.sha256).digest()
        return digest[:BLIND_INDEX_BYTES].hex()


class NoKeyring:
    """Stands in for a Keyring when nobody with a key slot is logged in (technician, CLI)."""

    def __getattr__(self, name: str):
        raise LockedRegister("此操作需要登录解锁登记本（技术员账号无数据密钥）")
