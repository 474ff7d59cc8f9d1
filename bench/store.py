"""Benchmark of the register (登记本): encrypted inserts against a plaintext baseline, lookup by
ID number through the blind index, and the time to unlock at login.

    .venv/bin/python -m bench.store                    # 100k and 1M persons and cases
    .venv/bin/python -m bench.store --quick            # 10k only (a smoke run)
    .venv/bin/python -m bench.store --sizes 200000 --dir /var/tmp/bench

It prints figures and the targets of the issue as "目标 … 达到/未达到" lines; it never fails on
a wall clock (exit status 0 whatever the figures). Every ratio is against a baseline measured
in the same run:

- Inserts: a real register (create_register, the production Argon2id parameters, SQLite with
  the production pragmas) gets persons and cases sealed exactly as store.persons fills a
  Person row; a second database of the same schema gets the same rows with the raw UTF-8
  bytes in the *_enc columns and the normalised plain values in the *_bidx columns. The rows'
  strings are generated before any timing; batches of the two variants alternate (and
  alternate which goes first) so noise from other work on the machine hits both alike.
- Lookup by ID number: blind index + SELECT by id_number_bidx + opening the sealed fields
  (what find_by_id_number does, minus its audit event), against the same on the plaintext
  database; and, labelled separately, the full audited store.persons.find_by_id_number.
- Unlock at login: store.auth.login with the register's parameters, the bare Argon2id
  derivation as its baseline, and OWASP's minimum parameters for comparison.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/store.py` would put bench/ first on sys.path, where this file shadows the
# `store` package: put the repository root there instead.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import unicodedata  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from functools import partial  # noqa: E402

import peewee as pw  # noqa: E402
from stdnum.cn import ric  # noqa: E402

from store import row_macs  # noqa: E402
from store.auth import login  # noqa: E402
from store.crypto import normalise_for_index  # noqa: E402
from store.database import close_database, database, make_database  # noqa: E402
from store.keyslots import (  # noqa: E402
    DEFAULT_KDF,
    OWASP_MINIMUM_KDF,
    SALT_SIZE,
    KdfParams,
    derive_slot_key,
)
from store.models import ALL_MODELS, Case, Person, ServiceItem, Staff, Window  # noqa: E402
from store.persons import PersonView, _open, find_by_id_number  # noqa: E402
from store.session import Register, Session  # noqa: E402
from store.setup import create_register  # noqa: E402

SUPERVISOR_NUMBER = "0001"
SUPERVISOR_PASSWORD = "bench-zhuren-mima-2026"
#: Rows per transaction (one commit, fsync'd: synchronous=FULL) and per INSERT statement
#: (SQLite's bound-variable limit is 32766; a Case row binds about 25).
TX_ROWS = 2000
STATEMENT_ROWS = 500
LOOKUPS = 2000
LOOKUP_WARMUP = 200
AUDITED_LOOKUPS = 300
LOGIN_RUNS = 10

#: County codes present in stdnum's table (they pass policies.idnumber's full validation).
REGIONS = (
    "110105", "410302", "320106", "440305", "330106", "510107", "420106", "610113",
    "370102", "350203", "210102", "120101", "500103", "430104", "230103", "530102",
)  # fmt: skip
BIRTH_BASE = dt.date(1940, 1, 1)
BIRTH_SPAN_DAYS = 29_000  # 1940 … 2019
TIME_BASE = dt.datetime(2026, 1, 5, 0, 30, tzinfo=dt.UTC)

# --- invented data -------------------------------------------------------------------


def id_number(region: str, birth: str, sequence: str) -> str:
    """An 18-digit resident ID number with its GB 11643 check digit (as tests/people.py)."""
    first17 = f"{region}{birth}{sequence}"
    return first17 + ric.calc_check_digit(first17 + "0")


#: People arrive in no particular order: the i-th person's numbers are scrambled by
#: multiplying with a constant prime to the range (one-to-one), so neither variant's indexes
#: get the easy case of keys inserted in ascending order.
ID_SPACE = len(REGIONS) * 1000 * BIRTH_SPAN_DAYS
SCRAMBLE = 2_654_435_761  # prime to ID_SPACE = 2^10 · 5^6 · 29, to 10^7 and to 10^9


def person_id_number(i: int) -> str:
    """The i-th invented ID number; distinct for every i < 16 × 1000 × 29 000.

    i is scrambled one-to-one into j; for a fixed region and sequence the birth day is
    d·7919 mod 29 000 shifted by the sequence, one-to-one in d (7919 is prime to 29 000)."""
    j = (i * SCRAMBLE) % ID_SPACE
    region = REGIONS[j % len(REGIONS)]
    rest = j // len(REGIONS)
    seq, d = rest % 1000, rest // 1000
    birth = BIRTH_BASE + dt.timedelta(days=(d * 7919 + seq * 13) % BIRTH_SPAN_DAYS)
    return id_number(region, birth.strftime("%Y%m%d"), f"{seq:03d}")


@dataclass(frozen=True)
class PersonData:
    uuid: str
    name: str
    id_number: str
    phone: str
    gender: str
    birth_date: str
    ethnicity: str
    address: str
    at: dt.datetime


def make_person(i: int) -> PersonData:
    number = person_id_number(i)
    return PersonData(
        uuid=uuid.uuid4().hex,
        name=f"测试{(i * SCRAMBLE) % 10**7:07d}",
        id_number=number,
        phone=f"1{'3589'[i % 4]}{(i * SCRAMBLE) % 10**9:09d}",
        gender="男" if int(number[16]) % 2 else "女",
        birth_date=f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
        ethnicity="汉族",
        address=f"测试县虚构镇第{i % 300 + 1}村{i % 17 + 1}组{i}号",
        at=TIME_BASE + dt.timedelta(seconds=30 * i),
    )


@dataclass(frozen=True)
class CaseData:
    uuid: str
    number: str
    person_id: int
    received_at: dt.datetime
    clock_start: dt.date
    due_date: dt.date
    notes: str
    result: str
    materials: str


def make_case(i: int, persons: int) -> CaseData:
    at = TIME_BASE + dt.timedelta(seconds=30 * i)
    start = at.date()
    return CaseData(
        uuid=uuid.uuid4().hex,
        number=f"BJ{start:%Y%m%d}{i:07d}",
        # Persons are inserted first into empty tables, so their ids are 1 … n.
        person_id=(i * 7919) % persons + 1,
        received_at=at,
        clock_start=start,
        due_date=start + dt.timedelta(days=7),
        notes=f"测试办件{i}：申请人本人到场，材料齐全，当场受理，告知承诺期限。",
        result=f"准予办理（测试结果{i}），证件已当面交付。",
        materials=json.dumps([{"name": "身份证", "present": True}], ensure_ascii=False),
    )


# --- the two variants: sealed and plain ----------------------------------------------


@dataclass
class Variant:
    label: str
    db: pw.Database
    seal: Callable[[str, str, str, str | None], bytes | None]
    blind: Callable[[str, str | None], str | None]
    #: The rows with their row MAC appended (store.row_macs; None in the plaintext baseline).
    mac: Callable[[type[pw.Model], list[tuple], list], list[tuple]]
    build_s: float = 0.0
    insert_s: float = 0.0

    @property
    def total_s(self) -> float:
        return self.build_s + self.insert_s


def rows_without_mac(rows: list[tuple]) -> list[tuple]:
    return [(*row, None) for row in rows]


def plain_seal(table: str, column: str, row_uuid: str, value: str | None) -> bytes | None:
    return None if value is None else value.encode("utf-8")


def plain_blind(kind: str, value: str | None) -> str | None:
    return None if value is None else normalise_for_index(kind, value)


PERSON_FIELDS = [
    Person.uuid, Person.key_id, Person.id_type,
    Person.id_number_enc, Person.id_number_bidx, Person.name_enc, Person.name_bidx,
    Person.phone_enc, Person.phone_bidx, Person.gender_enc, Person.birth_date_enc,
    Person.ethnicity_enc, Person.address_enc, Person.photo_enc,
    Person.created_at, Person.updated_at,
]  # fmt: skip


def person_rows(v: Variant, key_id: int, batch: Sequence[PersonData]) -> list[tuple]:
    """Person rows as store.persons.upsert_person fills them (every field sealed, three
    blind indexes, key_id = the current key)."""
    seal, blind = v.seal, v.blind
    return [
        (
            p.uuid,
            key_id,
            "resident",
            seal("person", "id_number_enc", p.uuid, p.id_number),
            blind("id_number", p.id_number),
            seal("person", "name_enc", p.uuid, p.name),
            blind("name", p.name),
            seal("person", "phone_enc", p.uuid, p.phone),
            blind("phone", p.phone),
            seal("person", "gender_enc", p.uuid, p.gender),
            seal("person", "birth_date_enc", p.uuid, p.birth_date),
            seal("person", "ethnicity_enc", p.uuid, p.ethnicity),
            seal("person", "address_enc", p.uuid, p.address),
            seal("person", "photo_enc", p.uuid, None),
            p.at,
            p.at,
        )
        for p in batch
    ]


CASE_FIELDS = [
    Case.uuid, Case.key_id, Case.number, Case.item, Case.window, Case.person,
    Case.kind, Case.state, Case.received_at, Case.clock_start, Case.due_date,
    Case.accepted_by, Case.handler, Case.materials,
    Case.notes_enc, Case.result_enc, Case.closed_at, Case.updated_at,
]  # fmt: skip


@dataclass(frozen=True)
class Refs:
    item_id: int
    window_id: int
    staff_id: int


def case_rows(v: Variant, key_id: int, refs: Refs, batch: Sequence[CaseData]) -> list[tuple]:
    seal = v.seal
    return [
        (
            c.uuid,
            key_id,
            c.number,
            refs.item_id,
            refs.window_id,
            c.person_id,
            "immediate",
            "closed",
            c.received_at,
            c.clock_start,
            c.due_date,
            refs.staff_id,
            refs.staff_id,
            c.materials,
            seal("case", "notes_enc", c.uuid, c.notes),
            seal("case", "result_enc", c.uuid, c.result),
            c.received_at,
            c.received_at,
        )
        for c in batch
    ]


def insert_batch(
    v: Variant, model: type[pw.Model], fields: list, build: Callable[[], list[tuple]]
) -> None:
    """Build the rows (sealing, blind indexes) and insert them in one transaction."""
    t0 = time.perf_counter()
    rows = v.mac(model, build(), fields)
    fields = [*fields, model.row_mac]
    t1 = time.perf_counter()
    with v.db.atomic():
        for at in range(0, len(rows), STATEMENT_ROWS):
            model.insert_many(rows[at : at + STATEMENT_ROWS], fields=fields).execute(v.db)
    t2 = time.perf_counter()
    v.build_s += t1 - t0
    v.insert_s += t2 - t1


def load(
    variants: tuple[Variant, Variant],
    n: int,
    model: type[pw.Model],
    fields: list,
    make: Callable[[int], object],
    rows: Callable[[Variant, list], list[tuple]],
    progress: str,
) -> None:
    """Insert n rows into both variants, batch by batch, alternating which goes first."""
    for k, start in enumerate(range(0, n, TX_ROWS)):
        batch = [make(i) for i in range(start, min(n, start + TX_ROWS))]  # before timing
        order = variants if k % 2 == 0 else variants[::-1]
        for v in order:
            insert_batch(v, model, fields, lambda v=v, batch=batch: rows(v, batch))
        done = start + len(batch)
        if done % (n // 10 or n) < TX_ROWS or done == n:
            print(f"  … {progress} {done:>9,}/{n:,}", file=sys.stderr, flush=True)


# --- lookups -------------------------------------------------------------------------


def plain_open(p: Person) -> PersonView:
    """The plaintext twin of store.persons._open: decode the same columns."""

    def text(column: str) -> str | None:
        value = getattr(p, column)
        return None if value is None else bytes(value).decode("utf-8")

    birth = text("birth_date_enc")
    return PersonView(
        uuid=p.uuid,
        id_type=p.id_type,
        name=text("name_enc") or "",
        id_number=text("id_number_enc"),
        phone=text("phone_enc"),
        gender=text("gender_enc"),
        birth_date=dt.date.fromisoformat(birth) if birth else None,
        ethnicity=text("ethnicity_enc"),
        address=text("address_enc"),
        has_photo=p.photo_enc is not None,
    )


def time_lookups(numbers: Sequence[str], lookup: Callable[[str], list[PersonView]]) -> list[float]:
    times = []
    for number in numbers:
        t0 = time.perf_counter()
        found = lookup(number)
        t1 = time.perf_counter()
        if len(found) != 1 or found[0].id_number != number:
            raise SystemExit(f"查找结果不对：{len(found)} 条")
        times.append(t1 - t0)
    return times


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# --- printing ------------------------------------------------------------------------


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int, right: bool = False) -> str:
    fill = " " * max(0, size - width(text))
    return fill + text if right else text + fill


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    sizes = [max(width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    out = []
    for n, row in enumerate([headers, *rows]):
        cells = [pad(str(c), sizes[i], right=i > 0) for i, c in enumerate(row)]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("─" * s for s in sizes))
    return "\n".join(out)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f}"


def verdict(ok: bool) -> str:
    return "达到" if ok else "未达到"


def human(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def kdf_text(k: KdfParams) -> str:
    return f"m={k.memory_cost} KiB ({k.memory_cost / 1024:g} MiB), t={k.iterations}, p={k.lanes}"


def machine() -> str:
    import cryptography
    from cryptography.hazmat.backends.openssl.backend import backend

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = "、".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return "\n".join(
        [
            f"CPU：{os.cpu_count()} 核，{model}；负载（1/5/15 分钟）：{load}",
            f"Python {platform.python_version()}（{platform.python_implementation()}），"
            f"{platform.system()} {platform.release()}",
            f"SQLite {sqlite3.sqlite_version}，peewee {pw.__version__}，cryptography "
            f"{cryptography.__version__}（{backend.openssl_version_text()}）",
        ]
    )


# --- one size ------------------------------------------------------------------------


@dataclass
class SizeResult:
    n: int
    persons: tuple[Variant, Variant]
    cases: tuple[Variant, Variant]
    lookup_enc: list[float]
    lookup_plain: list[float]
    audited: list[float]
    bytes_enc: int
    bytes_plain: int
    load_s: float
    notes: list[str] = field(default_factory=list)


def db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def setup_refs(db: pw.Database, staff_id: int) -> Refs:
    """One window and one service item (the same ids in both databases)."""
    with db.bind_ctx([Window, ServiceItem]):
        window = Window.create(code="SHBZ", name="社会保障窗口")
        item = ServiceItem.create(
            code="SB-001",
            name="城乡居民养老保险参保登记",
            window=window,
            default_kind="immediate",
            promised_limit_days=1,
            legal_limit_days=20,
            spec="{}",
            updated_at=TIME_BASE,
        )
    return Refs(item.id, window.id, staff_id)


def run_size(n: int, work: Path, lookups: int, audited_runs: int) -> tuple[SizeResult, Register]:
    here = work / f"n{n}"
    here.mkdir(parents=True)
    enc_path, plain_path = here / "register.db", here / "plain.db"
    register, _first, _code = create_register(
        f"sqlite:///{enc_path}",
        hall_name="基准测试镇便民服务中心",
        hall_code="BENCH",
        supervisor_number=SUPERVISOR_NUMBER,
        supervisor_name="测试主任",
        password=SUPERVISOR_PASSWORD,
        station="bench",
        kdf=DEFAULT_KDF,
    )
    session: Session = login(register, SUPERVISOR_NUMBER, SUPERVISOR_PASSWORD)
    keys = session.keys
    staff_id = Staff.get(Staff.number == SUPERVISOR_NUMBER).id

    plain_db = make_database(f"sqlite:///{plain_path}", must_exist=False)
    plain_db.connect()
    with plain_db.bind_ctx(ALL_MODELS):
        plain_db.create_tables(ALL_MODELS)
        Staff.insert(
            id=staff_id, uuid=uuid.uuid4().hex, key_id=1, number=SUPERVISOR_NUMBER, row_mac="",
            name_enc="测试主任".encode(), name_bidx=plain_blind("name", "测试主任"),
            role="supervisor", created_at=TIME_BASE,
        ).execute()  # fmt: skip
    refs = setup_refs(register.db, staff_id)
    plain_refs = setup_refs(plain_db, staff_id)
    assert refs == plain_refs

    def enc_variant() -> Variant:
        return Variant(
            "加密", register.db, keys.seal, keys.blind, partial(row_macs.with_macs, keys)
        )

    def plain_variant() -> Variant:
        return Variant(
            "明文", plain_db, plain_seal, plain_blind, lambda m, rows, f: rows_without_mac(rows)
        )

    t_load = time.perf_counter()
    persons = (enc_variant(), plain_variant())
    load(
        persons, n, Person, PERSON_FIELDS, make_person,
        lambda v, b: person_rows(v, keys.current, b), f"{human(n)} 来访人",
    )  # fmt: skip
    cases = (enc_variant(), plain_variant())
    load(
        cases, n, Case, CASE_FIELDS, lambda i: make_case(i, n),
        lambda v, b: case_rows(v, keys.current, refs, b), f"{human(n)} 办件",
    )  # fmt: skip
    load_s = time.perf_counter() - t_load
    for db in (register.db, plain_db):
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute_sql("ANALYZE")

    # Lookups: random existing people (the same numbers for both variants).
    rng = random.Random(n)
    sample = [person_id_number(rng.randrange(n)) for _ in range(lookups)]
    warm = [person_id_number(rng.randrange(n)) for _ in range(LOOKUP_WARMUP)]

    def enc_lookup(number: str) -> list[PersonView]:
        where = Person.id_number_bidx == keys.blind("id_number", number)
        return [_open(session, p) for p in Person.select().where(where).limit(50)]

    def plain_lookup(number: str) -> list[PersonView]:
        where = Person.id_number_bidx == plain_blind("id_number", number)
        query = Person.select().where(where).limit(50)
        return [plain_open(p) for p in query.execute(plain_db)]

    def audited(number: str) -> list[PersonView]:
        view = find_by_id_number(session, number)
        return [] if view is None else [view]

    print(f"  … {human(n)} 查找", file=sys.stderr, flush=True)
    time_lookups(warm, enc_lookup)
    time_lookups(warm, plain_lookup)
    # Alternate halves so drift on a shared machine hits both alike.
    half = len(sample) // 2
    lookup_enc = time_lookups(sample[:half], enc_lookup)
    lookup_plain = time_lookups(sample[:half], plain_lookup)
    lookup_plain += time_lookups(sample[half:], plain_lookup)
    lookup_enc += time_lookups(sample[half:], enc_lookup)
    audited_times = time_lookups(sample[:audited_runs], audited)

    counts = (Person.select().count(), Case.select().count())
    with plain_db.bind_ctx([Person, Case]):
        plain_counts = (Person.select().count(), Case.select().count())
    notes = []
    if counts != (n, n) or plain_counts != (n, n):
        notes.append(f"行数不符：加密 {counts}，明文 {plain_counts}")
    plain_db.close()
    result = SizeResult(
        n=n,
        persons=persons,
        cases=cases,
        lookup_enc=lookup_enc,
        lookup_plain=lookup_plain,
        audited=audited_times,
        bytes_enc=db_bytes(enc_path),
        bytes_plain=db_bytes(plain_path),
        load_s=load_s,
        notes=notes,
    )
    return result, register


# --- login ---------------------------------------------------------------------------


@dataclass
class LoginResult:
    login: list[float]
    derive_default: list[float]
    derive_owasp: list[float]


def time_login(register: Register, runs: int) -> LoginResult:
    print("  … 登录解锁", file=sys.stderr, flush=True)
    salt = os.urandom(SALT_SIZE)

    def timed(fn: Callable[[], object]) -> list[float]:
        fn()  # warm-up (first allocation of the Argon2 memory)
        out = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
        return out

    return LoginResult(
        login=timed(lambda: login(register, SUPERVISOR_NUMBER, SUPERVISOR_PASSWORD)),
        derive_default=timed(lambda: derive_slot_key(SUPERVISOR_PASSWORD, salt, DEFAULT_KDF)),
        derive_owasp=timed(lambda: derive_slot_key(SUPERVISOR_PASSWORD, salt, OWASP_MINIMUM_KDF)),
    )


# --- report --------------------------------------------------------------------------


def report(results: list[SizeResult], logins: LoginResult, elapsed: float) -> None:
    print()
    print("一、写入吞吐（同一次运行中测得的明文基线：同一结构、同样的行和索引，不加密）")
    print(
        f"    每个事务 {TX_ROWS} 行（SQLite WAL，synchronous=FULL），每条 INSERT {STATEMENT_ROWS} 行；"
        "加密与明文批次交替进行。"
    )
    print("    “其中封装”= 生成行元组的时间（加密：AES-GCM 封装 + 盲索引；明文：编码 + 规范化）。")
    rows = []
    for r in results:
        for what, pair in (("来访人", r.persons), ("办件", r.cases)):
            enc, plain = pair
            rows.append(
                [
                    f"{human(r.n)} {what}",
                    f"{r.n / enc.total_s:,.0f}",
                    f"{enc.total_s:.2f}",
                    f"{enc.build_s:.2f}",
                    f"{r.n / plain.total_s:,.0f}",
                    f"{plain.total_s:.2f}",
                    f"{plain.build_s:.2f}",
                    f"{enc.total_s / plain.total_s:.2f}×",
                ]
            )
        enc_s = r.persons[0].total_s + r.cases[0].total_s
        plain_s = r.persons[1].total_s + r.cases[1].total_s
        rows.append(
            [
                f"{human(r.n)} 合计",
                f"{2 * r.n / enc_s:,.0f}",
                f"{enc_s:.2f}",
                f"{r.persons[0].build_s + r.cases[0].build_s:.2f}",
                f"{2 * r.n / plain_s:,.0f}",
                f"{plain_s:.2f}",
                f"{r.persons[1].build_s + r.cases[1].build_s:.2f}",
                f"{enc_s / plain_s:.2f}×",
            ]
        )
    print(
        table(
            [
                "",
                "加密 行/秒",
                "加密 秒",
                "其中封装",
                "明文 行/秒",
                "明文 秒",
                "其中编码",
                "加密/明文",
            ],
            rows,
        )
    )
    print()
    size_rows = [
        [
            human(r.n),
            f"{r.bytes_enc / 2**20:,.1f}",
            f"{r.bytes_plain / 2**20:,.1f}",
            f"{r.bytes_enc / r.bytes_plain:.2f}×",
        ]
        for r in results
    ]
    print(table(["数据库文件", "加密 MiB", "明文 MiB", "加密/明文"], size_rows))

    print()
    print("二、按身份证号查找（盲索引 + 按 id_number_bidx 查询 + 解开全部加密字段；不含审计事件）")
    rows = []
    for r in results:
        for label, times in (
            ("加密（盲索引）", r.lookup_enc),
            ("明文基线", r.lookup_plain),
            ("find_by_id_number（含校验与审计写入）", r.audited),
        ):
            rows.append(
                [
                    f"{human(r.n)} {label}",
                    str(len(times)),
                    ms(percentile(times, 50)),
                    ms(percentile(times, 95)),
                    ms(percentile(times, 99)),
                    ms(max(times)),
                ]
            )
    print(table(["", "次数", "p50 ms", "p95 ms", "p99 ms", "最大 ms"], rows))
    for r in results:
        print(
            f"    {human(r.n)}：加密/明文 p50 = "
            f"{percentile(r.lookup_enc, 50) / percentile(r.lookup_plain, 50):.2f}×；"
            "完整操作另写一条审计事件（一个 fsync 提交），单列，不计入目标。"
        )

    print()
    print("三、登录解锁（Argon2id 派生槽密钥 + 解开数据密钥 + 审计事件）")
    rows = []
    for label, kdf, times in (
        ("store.auth.login（默认参数）", DEFAULT_KDF, logins.login),
        ("仅 Argon2id（默认参数，基线）", DEFAULT_KDF, logins.derive_default),
        ("仅 Argon2id（OWASP 最低参数）", OWASP_MINIMUM_KDF, logins.derive_owasp),
    ):
        rows.append(
            [
                label,
                kdf_text(kdf),
                "是" if kdf.meets_owasp_minimum() else "否",
                str(len(times)),
                ms(percentile(times, 50)),
                ms(min(times)),
                ms(max(times)),
            ]
        )
    print(table(["", "参数", "≥OWASP", "次数", "p50 ms", "最小 ms", "最大 ms"], rows))
    login_p50 = percentile(logins.login, 50)
    derive_p50 = percentile(logins.derive_default, 50)
    print(
        f"    登录中 Argon2id 以外的部分（查库、解开数据密钥、审计）≈ "
        f"{(login_p50 - derive_p50) * 1000:.1f} ms；默认/OWASP 最低 = "
        f"{derive_p50 / percentile(logins.derive_owasp, 50):.2f}×"
    )

    print()
    print("目标")
    for r in results:
        enc_s = r.persons[0].total_s + r.cases[0].total_s
        plain_s = r.persons[1].total_s + r.cases[1].total_s
        ratio = enc_s / plain_s
        print(
            f"  目标 写入 {human(r.n)}：加密 ≤ 1.5× 明文 — {ratio:.2f}× — {verdict(ratio <= 1.5)}"
        )
    at_1m = [r for r in results if r.n == 1_000_000]
    for r in at_1m or results[-1:]:
        p50 = percentile(r.lookup_enc, 50)
        where = "1M" if r.n == 1_000_000 else f"{human(r.n)}（本次未测 1M，仅供参考）"
        print(
            f"  目标 按身份证号查找 p50 ≤ 1 ms（{where}）— {p50 * 1000:.3f} ms — "
            f"{verdict(p50 <= 0.001)}"
        )
    print(
        f"  目标 登录解锁 ≤ 0.5 s，参数不低于 OWASP 最低（{kdf_text(DEFAULT_KDF)}）— "
        f"p50 {login_p50:.3f} s — "
        f"{verdict(login_p50 <= 0.5 and DEFAULT_KDF.meets_owasp_minimum())}"
    )
    for r in results:
        for note in r.notes:
            print(f"  注意：{human(r.n)} {note}")
    print()
    print(f"总耗时 {elapsed:.0f} 秒。")


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("--sizes 应为逗号分隔的整数，如 100000,1000000") from None
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("每个规模至少 100 行")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="登记本基准测试：加密写入、盲索引查找、登录解锁")
    parser.add_argument(
        "--sizes", type=parse_sizes, default=[100_000, 1_000_000], help="来访人与办件的行数"
    )
    parser.add_argument("--dir", type=Path, help="工作目录（默认临时目录，结束后删除）")
    parser.add_argument("--quick", action="store_true", help="冒烟运行：只测 10k")
    args = parser.parse_args(argv)
    sizes = [10_000] if args.quick else args.sizes
    lookups = 500 if args.quick else LOOKUPS
    audited_runs = 100 if args.quick else AUDITED_LOOKUPS
    login_runs = 5 if args.quick else LOGIN_RUNS

    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="bench-store-", dir=args.dir))
    else:
        work = Path(tempfile.mkdtemp(prefix="chuangkou-bench-store-"))

    print("登记本基准测试（bench/store.py）")
    print(machine())
    print(
        f"规模：{'、'.join(human(n) for n in sizes)} 个来访人与同样多的办件；"
        f"工作目录：{work}{'（保留）' if args.dir else '（结束后删除）'}"
    )
    print(
        f"登记本 Argon2id 参数（DEFAULT_KDF）：{kdf_text(DEFAULT_KDF)}；"
        f"不低于 OWASP 最低（{kdf_text(OWASP_MINIMUM_KDF)}）：{'是' if DEFAULT_KDF.meets_owasp_minimum() else '否'}"
    )
    sys.stdout.flush()

    started = time.perf_counter()
    results = []
    register = None
    try:
        for n in sizes:
            if register is not None:
                close_database()
            result, register = run_size(n, work, lookups, audited_runs)
            results.append(result)
        assert register is not None
        logins = time_login(register, login_runs)
        report(results, logins, time.perf_counter() - started)
    finally:
        if database.obj is not None:
            close_database()
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
