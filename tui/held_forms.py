"""Half-typed forms kept over a lock (锁屏): 首问登记 and 受理 not yet saved are sealed in
memory under a random key of this lock's own, while every screen with personal data is
closed; the same clerk unlocking gets them back, another clerk unlocking (or leaving the
application) wipes them. Nothing of them reaches the register, a log or the screen while
locked.

A screen offers what it would lose through CounterHooks.hold_form: a rebuild function
(holding nothing personal: a catalog item at most) and the form's state, a small dict of
text that goes straight into the seal (JSON, AES-GCM)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

#: Shown on the screen given back after an unlock.
RESTORED = "已恢复锁屏前未保存的内容"

Rebuild = Callable[[dict[str, Any]], Any]


class HeldForms:
    """The forms one lock keeps: (rebuild, nonce, sealed state), bottom screen first, and
    the key they are sealed under. Its repr shows only how many."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._key: bytes | None = AESGCM.generate_key(bit_length=256)
        self._held: list[tuple[Rebuild, bytes, bytes]] = []

    def __repr__(self) -> str:
        return f"HeldForms({len(self._held)})"

    def __len__(self) -> int:
        return len(self._held)

    @property
    def sealed(self) -> list[bytes]:
        """The sealed states (what a test may look into: no cleartext)."""
        return [nonce + blob for _, nonce, blob in self._held]

    def hold(self, rebuild: Rebuild, state: dict[str, Any]) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if self._key is None:
            raise RuntimeError("held forms already wiped")
        nonce = os.urandom(12)
        plain = json.dumps(state, ensure_ascii=False).encode("utf-8")
        self._held.append((rebuild, nonce, AESGCM(self._key).encrypt(nonce, plain, None)))

    def give_back(self) -> list[Any]:
        """The screens rebuilt with their state (bottom first); the forms are then wiped."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        screens = []
        if self._key is not None:
            aead = AESGCM(self._key)
            for rebuild, nonce, blob in self._held:
                screens.append(rebuild(json.loads(aead.decrypt(nonce, blob, None))))
        self.wipe()
        return screens

    def wipe(self) -> None:
        """Forget the key and the sealed forms (another clerk, or leaving the application)."""
        self._key = None
        self._held.clear()


def hold_forms(stack: list[Any]) -> HeldForms:
    """Seal what the screens of `stack` would lose, and wipe their fields' values (they are
    about to close: nothing typed stays in a widget while the lock shows)."""
    from textual.widgets import Input

    from tui.screens.base import CounterHooks

    held = HeldForms()
    for screen in stack:
        if not isinstance(screen, CounterHooks):
            continue
        offered = screen.hold_form()
        if offered is not None:
            held.hold(*offered)
        for box in screen.query(Input):
            box.value = ""
    return held
