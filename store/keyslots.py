"""Key slots: where the register's data key (DEK) lives, only ever wrapped.

Each slot has an X25519 key pair. Its private key is sealed with AES-256-GCM under a key
derived from the slot's secret (a staff password or the recovery code) with Argon2id,
whose parameters are stored in the slot. Each DEK version is wrapped for the slot with
AES-256-GCM under a key agreed with the slot's public key. So logging in unwraps the DEK,
a wrong password unwraps nothing, and a supervisor rotating the DEK can re-wrap it for every
slot without knowing anyone's password.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from store.crypto import NONCE_SIZE, hkdf
from store.errors import AuthenticationFailed, DecryptionFailed, StoreError
from store.textguard import utf8

SALT_SIZE = 16


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters of one slot (memory in KiB)."""

    memory_cost: int
    iterations: int
    lanes: int

    def meets_owasp_minimum(self) -> bool:
        """OWASP's Password Storage Cheat Sheet: m=19 MiB t=2, or its equal-cost variants."""
        return self.memory_cost >= 7168 and self.memory_cost * self.iterations >= 19456 * 2


#: RFC 9106's second recommendation (64 MiB, t=3, p=4): about 0.1 s on the build machine.
DEFAULT_KDF = KdfParams(memory_cost=65536, iterations=3, lanes=4)
#: OWASP's minimum; used by tests to keep them fast and still honest.
OWASP_MINIMUM_KDF = KdfParams(memory_cost=19456, iterations=2, lanes=1)


def derive_slot_key(secret: str, salt: bytes, params: KdfParams) -> bytes:
    if not params.meets_owasp_minimum():
        raise StoreError("密钥槽的 Argon2id 参数低于最低要求，拒绝使用")
    return Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_cost,
    ).derive(utf8(secret))  # a lone surrogate: InvalidInput


@dataclass(frozen=True)
class NewSlot:
    salt: bytes
    public_key: bytes
    sealed_private: bytes


def create_slot(secret: str, slot_uuid: str, params: KdfParams) -> NewSlot:
    salt = os.urandom(SALT_SIZE)
    private = X25519PrivateKey.generate()
    raw_private = private.private_bytes_raw()
    nonce = os.urandom(NONCE_SIZE)
    sealed = nonce + AESGCM(derive_slot_key(secret, salt, params)).encrypt(
        nonce, raw_private, f"key_slot.private:{slot_uuid}".encode()
    )
    return NewSlot(salt, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw), sealed)


def open_slot(
    secret: str, slot_uuid: str, salt: bytes, params: KdfParams, sealed: bytes
) -> X25519PrivateKey:
    """The slot's private key; AuthenticationFailed when the secret is wrong."""
    sealed = bytes(sealed)
    key = derive_slot_key(secret, bytes(salt), params)
    try:
        raw = AESGCM(key).decrypt(
            sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], f"key_slot.private:{slot_uuid}".encode()
        )
    except InvalidTag:
        raise AuthenticationFailed("工号或密码错误") from None
    return X25519PrivateKey.from_private_bytes(raw)


def _wrap_key(shared: bytes, slot_uuid: str, key_id: int) -> tuple[AESGCM, bytes]:
    aad = f"slot_key:{slot_uuid}:{key_id}".encode()
    return AESGCM(hkdf(shared, f"chuangkou/slot-wrap/v1/{slot_uuid}/{key_id}")), aad


def wrap_dek(public_key: bytes, slot_uuid: str, key_id: int, dek: bytes) -> bytes:
    """Wrap a DEK for a slot: ephemeral X25519 public key ‖ nonce ‖ ciphertext."""
    ephemeral = X25519PrivateKey.generate()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(bytes(public_key)))
    cipher, aad = _wrap_key(shared, slot_uuid, key_id)
    nonce = os.urandom(NONCE_SIZE)
    eph_pub = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return eph_pub + nonce + cipher.encrypt(nonce, dek, aad)


def unwrap_dek(private: X25519PrivateKey, slot_uuid: str, key_id: int, wrapped: bytes) -> bytes:
    wrapped = bytes(wrapped)
    eph_pub, nonce, body = wrapped[:32], wrapped[32 : 32 + NONCE_SIZE], wrapped[32 + NONCE_SIZE :]
    shared = private.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    cipher, aad = _wrap_key(shared, slot_uuid, key_id)
    try:
        return cipher.decrypt(nonce, body, aad)
    except InvalidTag:
        raise DecryptionFailed(f"密钥槽中的数据密钥（版本 {key_id}）无法解开") from None


_RECOVERY_GROUPS = 5
_RECOVERY_GROUP_LEN = 5


def new_recovery_code() -> str:
    """25 base32 characters (125 bits) in groups of five, shown once at init."""
    raw = (
        base64.b32encode(secrets.token_bytes(16))
        .decode()
        .rstrip("=")[: _RECOVERY_GROUPS * _RECOVERY_GROUP_LEN]
    )
    return "-".join(
        raw[i : i + _RECOVERY_GROUP_LEN] for i in range(0, len(raw), _RECOVERY_GROUP_LEN)
    )


def normalise_recovery_code(code: str) -> str:
    """Accept what a person types back: any case, dashes or spaces, 0/1/8 for O/I/B."""
    text = "".join(ch for ch in code.upper() if ch.isalnum())
    text = text.translate(str.maketrans({"0": "O", "1": "I", "8": "B"}))
    return "-".join(
        text[i : i + _RECOVERY_GROUP_LEN] for i in range(0, len(text), _RECOVERY_GROUP_LEN)
    )
