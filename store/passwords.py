"""Password rules that the store enforces when a password is set."""

from __future__ import annotations

from store.errors import InvalidInput


def check_new_password(policy, password: str) -> None:
    minimum = policy.login.password_min_length
    if len(password) < minimum:
        raise InvalidInput(f"密码太短：至少 {minimum} 位")
    if password.strip() != password:
        raise InvalidInput("密码首尾不能有空格")
