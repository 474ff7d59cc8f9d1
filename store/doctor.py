"""Health checks for `chuangkou doctor`: what a technician reads before calling for help.
Prints no personal data: it never opens a sealed field."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import peewee as pw

from policies.calendar import coverage
from store import audit, witness
from store.clock import local_date, to_local
from store.database import database
from store.errors import StoreError
from store.migrations import latest_version
from store.models import AuditEvent, AuditPending
from store.session import Register

OK, WARN, FAIL = "正常", "注意", "故障"
MIN_FREE_BYTES = 1 << 30  # below 1 GiB a busy hall fills the disk within months


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # OK | WARN | FAIL
    message: str


def check_register(url: str | None, clock=None) -> tuple[list[Check], Register | None]:
    try:
        register = Register.open(url, clock=clock, upgrade=False)
    except StoreError as exc:
        return [Check("登记本", FAIL, str(exc))], None
    except pw.DatabaseError as exc:  # not a database, or damaged where opening reads
        return [
            Check("登记本", FAIL, f"无法打开：文件已损坏或不是登记本（{type(exc).__name__}）")
        ], None
    where = register.sqlite_file or "PostgreSQL"
    return [Check("登记本", OK, f"可以打开：{where}")], register


def run_checks(register: Register) -> list[Check]:
    """Every check, each on its own: one that cannot run (a damaged page) is a failure of
    its own and the others still report."""
    checks: list[Check] = []
    for name, check in (
        ("数据完整性", _integrity),
        ("结构版本", _schema),
        ("工作日历", _calendar),
        ("磁盘空间", _disk),
        ("系统时钟", _clock),
        ("审计链头", _audit),
    ):
        try:
            result = check(register)
        except (StoreError, pw.DatabaseError) as exc:
            result = Check(name, FAIL, f"无法检查（{type(exc).__name__}）")
        checks.extend(result if isinstance(result, list) else [result])
    return checks


#: Above this size `PRAGMA quick_check` (minutes less on a large file: it skips the
#: index-to-table cross-check) instead of the full `integrity_check`.
QUICK_CHECK_FROM_BYTES = 512 << 20


def _integrity(register: Register) -> Check:
    path: Path | None = register.sqlite_file
    if path is None:
        return Check(
            "数据完整性", OK, "PostgreSQL 登记本：由数据库服务器校验（见部署说明的恢复演练）"
        )
    quick = path.stat().st_size >= QUICK_CHECK_FROM_BYTES
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = [r[0] for r in database.execute_sql(f"PRAGMA {pragma}(20)").fetchall()]
    except pw.DatabaseError as exc:
        return Check("数据完整性", FAIL, f"无法检查：文件已损坏（{type(exc).__name__}）")
    if rows == ["ok"]:
        return Check("数据完整性", OK, "快速检查通过" if quick else "完整性检查通过")
    return Check(
        "数据完整性",
        FAIL,
        f"文件已损坏（发现 {len(rows)} 处问题）：请停用本机，用最近的备份恢复（chuangkou restore）",
    )


def _schema(register: Register) -> Check:
    version = int(register.meta("schema_version", "0"))
    if version == latest_version():
        return Check("结构版本", OK, f"版本 {version}（最新）")
    return Check(
        "结构版本", WARN, f"版本 {version}，最新为 {latest_version()}：下次打开时将自动备份并迁移"
    )


def _calendar(register: Register) -> Check:
    status = coverage(register.calendar, local_date(register.clock.now()))
    level = {"ok": OK, "warn": WARN, "fail": FAIL}[status.level]
    return Check("工作日历", level, status.message)


def _disk(register: Register) -> Check:
    path: Path | None = register.sqlite_file
    if path is None:
        return Check("磁盘空间", OK, "PostgreSQL 登记本：由数据库服务器管理")
    free = shutil.disk_usage(path.parent).free
    text = f"剩余 {free / (1 << 30):.1f} GiB"
    return Check("磁盘空间", OK if free >= MIN_FREE_BYTES else WARN, text)


def _clock(register: Register) -> Check:
    now = register.clock.now()
    last = AuditEvent.select(AuditEvent.at).order_by(AuditEvent.seq.desc()).first()
    if now.year < 2024:
        return Check("系统时钟", FAIL, f"时钟明显错误（{now:%Y-%m-%d}）：请校准时间")
    if last is not None and last.at - now > dt.timedelta(minutes=5):
        return Check("系统时钟", FAIL, f"时钟比最近一条记录还早 {last.at - now}：请校准时间")
    return Check(
        "系统时钟",
        OK,
        f"{to_local(now):%Y-%m-%d %H:%M}（北京时间）",
    )


def _audit(register: Register) -> list[Check]:
    """The chain's head against every witness of it (store.witness): this station's file
    and each key slot's, read without a key (their MACs are checked at the next login)."""
    head = audit.head_summary()
    pending = AuditPending.select().count()
    station = witness.read_seen(register.meta("register_id"))
    seen = ([("本机", *station)] if station else []) + witness.slot_counts()
    if head is None:
        if seen:
            who, count, _ = max(seen, key=lambda s: s[1])
            return [Check("审计链头", FAIL, f"审计链为空，而{who}曾见过 {count} 条：记录已被清除")]
        return [Check("审计链头", WARN, "审计链为空")]
    problems = [p for who, n, last in seen if (p := witness.compare_seen(n, last, who))]
    if problems:
        return [Check("审计链头", FAIL, problem) for problem in problems]
    count, fingerprint = head
    checks = [
        Check(
            "审计链头",
            OK,
            f"{count} 条，指纹 {fingerprint}（请抄录，核对时用 audit verify --expect {count}:{fingerprint}）",
        )
    ]
    if pending:
        checks.append(Check("待链入事件", OK, f"{pending} 条（下次有人登录时链入）"))
    return checks
