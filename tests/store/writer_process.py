"""A writer for the durability test: registers people one operation at a time and prints
each phone number once its transaction has committed. The test kills it with SIGKILL."""

from __future__ import annotations

import sys

from store.auth import login
from store.persons import upsert_person
from store.session import Register


def main(url: str, prefix: str) -> None:
    register = Register.open(url)
    session = login(register, "1001", sys.argv[3])
    i = 0
    while True:
        phone = f"{prefix}{i:04d}"
        upsert_person(session, name=f"耐久测试{i}", phone=phone, address=f"第{i}号")
        print(phone, flush=True)  # only after the commit returned
        i += 1


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
