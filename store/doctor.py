"""Health checks for `chuangkou doctor`: what a technician reads before calling for help.
Prints no personal data: it never opens a sealed field."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from policies.calendar import coverage
from store import audit
from store.clock import local_date, to_local
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
    where = register.sqlite_file or "PostgreSQL"
    return [Check("登记本", OK, f"可以打开：{where}")], register


def run_checks(register: Register) -> list[Check]:
    checks = [_schema(register), _calendar(register), _disk(register), _clock(register)]
    checks.extend(_audit(register))
    return checks


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
    head = audit.head_summary()
    pending = AuditPending.select().count()
    if head is None:
        return [Check("审计链头", WARN, "审计链为空")]
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
