"""Notices as stored: numbered, sealed, never changed (告知书的存档). Filling a notice
from the case is store.case_notices; here the row, its stored form and reading it back."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping

from policies.notices import NOTICE_KINDS as POLICY_NOTICE_KINDS
from policies.notices import Notice as NoticeDocument
from policies.notices import NoticeLine as NoticeDocumentLine
from store import row_macs
from store.cases.common import clean, find_by_number, find_case, seal
from store.clock import local_date
from store.errors import InvalidInput, NotFound
from store.models import Case, Notice, new_uuid
from store.numbers import NOTICE, next_number
from store.roles import DATA_ROLES, WORK_ROLES
from store.session import Session, operation

__all__ = [
    "NOTICE_FORMAT",
    "NOTICE_KINDS",
    "STATED_DATES",
    "changed_dates",
    "create_notice",
    "find_notice",
    "issue_notice",
    "notice_body",
    "notice_from_body",
    "notice_text",
    "told_dates",
]

#: Notices the counter issues, by kind: the same keys and titles as policies.notices
#: (六件管理, 容缺受理, 延期, 办结 "done", the 即办件 slip "immediate", 更正 "correction").
NOTICE_KINDS = dict(POLICY_NOTICE_KINDS)

#: Marks a notice stored structured (title, lines with their styles, signature …), so a
#: reprint lays it out exactly as issued. A body without it is plain text (issue_notice).
NOTICE_FORMAT = "chuangkou.notice/1"


def notice_body(notice: NoticeDocument) -> str:
    """The stored form of a rendered notice (JSON; sealed by the caller)."""
    return json.dumps(
        {
            "format": NOTICE_FORMAT,
            "kind": notice.kind,
            "title": notice.title,
            "subtitle": notice.subtitle,
            "header": notice.header,
            "reference": notice.reference,
            "lines": [[line.text, line.style] for line in notice.lines],
            "signature": list(notice.signature),
        },
        ensure_ascii=False,
    )


def _structured(body: str) -> dict | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("format") == NOTICE_FORMAT else None


def notice_from_body(kind: str, body: str) -> NoticeDocument:
    """The notice as it was issued; a plain-text body becomes one field line per line."""
    data = _structured(body)
    if data is not None:
        return NoticeDocument(
            kind=data["kind"],
            title=data["title"],
            subtitle=data["subtitle"],
            header=data["header"],
            reference=data["reference"],
            lines=tuple(NoticeDocumentLine(text, style) for text, style in data["lines"]),
            signature=tuple(data["signature"]),
        )
    return NoticeDocument(
        kind=kind,
        title=NOTICE_KINDS.get(kind, kind),
        subtitle="",
        header="",
        reference="",
        lines=tuple(NoticeDocumentLine(line, "field") for line in body.splitlines()),
        signature=(),
    )


def create_notice(
    session: Session,
    case: Case,
    kind: str,
    body_for: Callable[[str], str],
    *,
    stated: Mapping[str, dt.date] | None = None,
) -> Notice:
    """Write a notice row inside the caller's operation: the number is taken here and
    ``body_for(number)`` gives the text to seal, so number and body are written together.
    ``stated``: the case's dates the notice tells the applicant (column → date), kept in
    clear (dates only) so a change of calendar finds whom to tell again (需重新告知)."""
    now = session.now()
    row_uuid = new_uuid()
    number = next_number(NOTICE, local_date(now))
    body = body_for(number)
    if not clean(body):
        raise InvalidInput("通知书内容不能为空")
    return row_macs.create(
        session.keys,
        Notice,
        uuid=row_uuid,
        key_id=session.keys.current,
        number=number,
        kind=kind,
        case=case,
        issued_at=now,
        issued_by=session.staff_id,
        body_enc=seal(session, "notice", "body_enc", row_uuid, body),
        stated=json.dumps({k: v.isoformat() for k, v in (stated or {}).items()}),
    )


#: The case's dates a notice may tell the applicant (column → what the paper calls it).
STATED_DATES = {
    "due_date": "办结期限",
    "tolerance_due": "承诺补齐日期",
    "forward_by": "承诺上报日期",
}


def told_dates(case_ids: list[int]) -> dict[int, dict[str, dt.date]]:
    """For each case, the last value of each of its dates told on paper (the newest notice
    that stated it). One query for all the cases."""
    told: dict[int, dict[str, dt.date]] = {case_id: {} for case_id in case_ids}
    for case_id, stated in (
        Notice.select(Notice.case, Notice.stated)
        .where(Notice.case.in_(case_ids))
        .order_by(Notice.id)
        .tuples()
    ):
        for column, value in json.loads(stated or "{}").items():
            told[case_id][column] = dt.date.fromisoformat(value)
    return told


def changed_dates(
    case: Case, told: dict[str, dt.date] | None = None
) -> list[tuple[str, dt.date, dt.date]]:
    """(column, the date told, the date now) for every told date that has since changed:
    the applicant must be told again (需重新告知). ``told``: the case's told_dates, when
    the caller read them for many cases at once."""
    if told is None:
        told = told_dates([case.id])[case.id]
    changed = []
    for column, value in told.items():
        now = getattr(case, column)
        if now is not None and now != value:
            changed.append((column, value, now))
    return changed


def find_notice(notice_number: str) -> Notice:
    row = find_by_number(Notice, notice_number, "编号", "通知书")
    if row.complaint_id is not None:
        # A complaint's notice names the complainant: read only through store.complaints.
        raise NotFound(f"没有编号为 {row.number} 的通知书")
    return row


def issue_notice(session: Session, case_number: str, kind: str, body_text: str) -> str:
    """Record a notice given as plain text, sealed and never changed afterwards; returns
    its number. Notices filled from the case go through store.case_notices instead."""
    if kind not in NOTICE_KINDS:
        raise InvalidInput(f"未知的通知书类别：{kind}")
    if not clean(body_text):
        raise InvalidInput("通知书内容不能为空")
    with operation(session, "notice.issue", roles=WORK_ROLES, record_table="notice") as event:
        case = find_case(case_number)
        notice = create_notice(session, case, kind, lambda _number: body_text)
        event.record_id = notice.uuid
        event.detail = {"number": notice.number, "case": case.number, "kind": kind}
        return notice.number


def notice_text(session: Session, notice_number: str) -> str:
    """The text of an issued notice, exactly as it was issued (plain text)."""
    with operation(session, "notice.view", roles=DATA_ROLES, record_table="notice") as event:
        notice = find_notice(notice_number)
        event.record_id, event.detail = notice.uuid, {"number": notice.number}
        body = row_macs.open_text(session.keys, notice, "body_enc") or ""
    return notice_from_body(notice.kind, body).text() if _structured(body) else body
