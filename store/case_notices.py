"""告知书 filled from the case: previewed, issued (numbered, sealed, never changed) and read
back for a reprint.

Everything a notice says comes from the register — the applicant's name (opened from the
person), the item, the issuing window and its office phone, the received and due dates,
every material not present (一次性告知: all of them at once), the reasons, the 容缺
commitment date, the extension, the joint windows, the authority of a 上报件 — plus the
clerk's and the hall's names. policies.notices turns those values into the text; a notice
the rules do not allow (NoticeError) becomes :class:`~store.errors.InvalidInput` with the
same Chinese message, and nothing is written.

An issued notice is stored structured (title, lines with their layout styles, signature;
store.cases.notice_body) and sealed, so a reprint gives the same PDF as the first print.
Notice kinds are those of policies.notices.NOTICE_KINDS (= store.cases.NOTICE_KINDS).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.lifecycle import notice_problem
from policies.notices import (
    DATED_NOTICES,
    NOTICE_KINDS,
    RESULTS,
    Notice,
    NoticeData,
    NoticeError,
    render_notice,
)
from store import row_macs
from store.cases.common import facts, find_case
from store.cases.notices import (
    STATED_DATES,
    changed_dates,
    create_notice,
    find_notice,
    notice_body,
    notice_from_body,
)
from store.clock import local_date
from store.errors import InvalidInput
from store.models import Case, Person, Staff, SubTask, Window
from store.roles import DATA_ROLES, SUPERVISOR, WORK_ROLES
from store.session import Session, operation

__all__ = [
    "IssuedNotice",
    "issue_case_notice",
    "issued_notice",
    "notice_data",
    "preview_notice",
    "record_printed",
]


@dataclass(frozen=True)
class IssuedNotice:
    number: str  # 通知书编号 TZ…
    notice: Notice = dataclasses.field(repr=False)  # names the applicant


# --- filling the notice from the case -----------------------------------------------------

_DATE_FIELDS = {f.name for f in dataclasses.fields(NoticeData) if "dt.date" in str(f.type)}
_LIST_FIELDS = {f.name for f in dataclasses.fields(NoticeData) if "tuple" in str(f.type)}
#: What a caller may add to a notice: how the result is collected, the supervision phone and
#: a 补正期限 on the 补办 notice. Everything else (the applicant, the materials still owed,
#: the dates, the reasons) is the register's and cannot be changed by a caller.
_EXTRA_FIELDS = {"pickup", "supervision_phone", "bring_by"}
_REGISTER_FIELDS = {f.name for f in dataclasses.fields(NoticeData)} - _EXTRA_FIELDS


def _check_kind(kind: str) -> None:
    if kind not in NOTICE_KINDS:
        known = "、".join(f"{k}（{t}）" for k, t in NOTICE_KINDS.items())
        raise InvalidInput(f"未知的告知书类别：{kind}（可选：{known}）")


def _check_extra(kind: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """Type-check the caller's values; messages name the field, never the value."""
    out: dict[str, Any] = {}
    for key, value in extra.items():
        if key in _REGISTER_FIELDS:
            raise InvalidInput(f"告知书项目「{key}」取自登记本，不能另行填写")
        if key not in _EXTRA_FIELDS:
            raise InvalidInput(f"告知书没有可填写的项目「{key}」")
        if key in _DATE_FIELDS:
            ok = value is None or (
                isinstance(value, dt.date) and not isinstance(value, dt.datetime)
            )
        elif key in _LIST_FIELDS:
            ok = isinstance(value, str) or (
                isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
            )
        else:
            ok = isinstance(value, str)
        if not ok:
            raise InvalidInput(f"告知书项目「{key}」的值类型不对")
        if key == "bring_by" and kind != "supplement":
            # 容缺: the date is the applicant's commitment, stored with the case
            raise InvalidInput("只有《办件通知书》可另填补正期限")
        out[key] = value
    return out


def _split(text: str) -> tuple[str, ...]:
    """Reasons as entered ("；" between them, as the counter joins them) → one per line."""
    return tuple(part.strip() for part in re.split(r"[\n；;]", text) if part.strip())


def _result_parts(text: str) -> tuple[str, str]:
    """ "准予：…" / "不予：…" (as store.cases.close_case writes it) → (result, the rest)."""
    for word in RESULTS:
        for sep in ("：", ":"):
            if text.startswith(word + sep):
                return word, text[len(word) + len(sep) :].strip()
    return "", text.strip()


def _promised_limit(session: Session, case: Case) -> str:
    if case.kind == "immediate":
        return "当日即办"
    if case.kind == "returned":
        return ""
    return f"{case.limit_days}个工作日" if case.limit_days else ""


def _joint(case: Case) -> tuple[str, tuple[str, ...]]:
    lead = Window.get_by_id(case.lead_window_id).name if case.lead_window_id else ""
    names = tuple(
        s.window.name for s in SubTask.select().where(SubTask.case == case).order_by(SubTask.id)
    )
    if not names:  # a joint case without sub-tasks: the windows it was registered with
        codes = json.loads(case.windows_involved or "[]")[1:]
        names = tuple(w.name for w in Window.select().where(Window.code.in_(codes)))
    return lead, names


def _fill(session: Session, case: Case, kind: str, extra: Mapping[str, Any] | None) -> NoticeData:
    """The notice's values, read inside the caller's operation."""
    _check_kind(kind)
    values = _check_extra(kind, extra or {})
    problem = notice_problem(facts(case), kind, NOTICE_KINDS[kind])
    if problem:
        raise InvalidInput(f"办件 {case.number}：{problem}")
    keys = session.keys
    name = phone = ""
    if case.person_id is not None:
        person = Person.get_by_id(case.person_id)
        name = row_macs.open_text(keys, person, "name_enc") or ""
        phone = row_macs.open_text(keys, person, "phone_enc") or ""
    item, window = case.item, case.window
    spec = json.loads(item.spec or "{}")
    materials = json.loads(case.materials or "[]")
    result_text = row_macs.open_text(keys, case, "result_enc") or ""
    result, detail = _result_parts(result_text)
    if case.granted is not None:
        result = "准予" if case.granted else "不予"
    reasons: tuple[str, ...] = ()
    if kind == "return":
        reasons = _split(result_text)
    elif kind == "done" and result == "不予":
        reasons = _split(detail)
    lead, joint_windows = _joint(case) if kind == "joint" else ("", ())
    extension = kind == "extension"
    approver = Staff.get_by_id(case.extension_approved_by_id) if extension else None
    data = NoticeData(
        kind=kind,
        hall_name=session.register.meta("hall_name"),
        case_number=case.number,
        applicant_name=name,
        item_name=item.name,
        window_name=window.name,
        window_phone=window.phone,
        clerk_name=session.staff_name,
        issued_on=local_date(session.now()),
        received_on=local_date(case.received_at),
        # the extension notice names the old and the new date itself
        due_on=None if extension else case.due_date,
        promised_limit=_promised_limit(session, case),
        missing_materials=tuple(m["name"] for m in materials if m.get("status") != "present"),
        present_materials=tuple(m["name"] for m in materials if m.get("status") == "present"),
        reasons=reasons,
        bring_by=case.tolerance_due if kind == "tolerance" else None,
        applicant_phone=phone if kind == "tolerance" else "",
        previous_due_on=case.extended_from if extension else None,
        extended_to=case.extended_until if extension else None,
        extension_reason=(
            row_macs.open_text(keys, case, "extension_reason_enc") or "" if extension else ""
        ),
        approved_by="大厅主任" if approver is not None and approver.role == SUPERVISOR else "",
        result=result if kind == "done" else "",
        result_detail="" if detail in RESULTS or result == "不予" else detail,
        legal_basis="、".join(spec.get("basis") or ()),
        fee=spec.get("fee") or "",
        procedure="→".join(spec.get("procedure") or ()),
        lead_window=lead,
        joint_windows=joint_windows,
        escalate_to=case.forwarded_to if kind == "escalated" else "",
        forward_by=case.forward_by if kind == "escalated" else None,
    )
    if kind == "correction":
        data = _corrections(session, case, data)
    data = dataclasses.replace(data, **values) if values else data
    return dataclasses.replace(data, provisional_years=_provisional_years(session, data))


def _stated(data: NoticeData) -> dict[str, dt.date]:
    """The case's dates (columns of STATED_DATES) this notice tells the applicant."""
    stated: dict[str, dt.date] = {}
    if data.kind not in DATED_NOTICES:
        return stated
    if data.extended_to or data.due_on:
        stated["due_date"] = data.extended_to or data.due_on
    if data.kind == "tolerance" and data.bring_by:
        stated["tolerance_due"] = data.bring_by
    if data.forward_by:
        stated["forward_by"] = data.forward_by
    labels = {label: column for column, label in STATED_DATES.items()}
    for what, _told, now in data.corrections:
        stated[labels[what]] = now
    return stated


def _provisional_years(session: Session, data: NoticeData) -> tuple[int, ...]:
    """Years without the State Council's notice that a stated date is counted through."""
    calendar = session.register.calendar
    years: set[int] = set()
    for day in _stated(data).values():
        years.update(calendar.missing_years(data.issued_on, day))
    return tuple(sorted(years))


def _corrections(session: Session, case: Case, data: NoticeData) -> NoticeData:
    """期限更正告知书: each told date that has changed, and the imported years that moved it."""
    changes = changed_dates(case)
    covered = set(session.register.calendar.covered_years())
    years = {day.year for _c, told, now in changes for day in (told, now)} & covered
    return dataclasses.replace(
        data,
        due_on=None,
        corrections=tuple((STATED_DATES[c], told, now) for c, told, now in changes),
        calendar_years=tuple(sorted(years)),
    )


def _render(data: NoticeData) -> Notice:
    try:
        return render_notice(data)
    except NoticeError as exc:
        raise InvalidInput(str(exc)) from None


# --- operations ---------------------------------------------------------------------------


def notice_data(
    session: Session, case_number: str, kind: str, *, extra: Mapping[str, Any] | None = None
) -> NoticeData:
    """The values the notice ``kind`` of this case would say today (``extra`` adds or
    corrects fields such as ``pickup`` or ``supervision_phone``). Nothing is written but the
    audit event of opening the case."""
    with operation(session, "notice.preview", roles=DATA_ROLES, record_table="case") as event:
        case = find_case(case_number)
        event.record_id, event.detail = case.uuid, {"number": case.number, "kind": kind}
        return _fill(session, case, kind, extra)


def preview_notice(
    session: Session, case_number: str, kind: str, *, extra: Mapping[str, Any] | None = None
) -> Notice:
    """The notice as it would be issued now, without its number (预览). Nothing is stored."""
    return _render(notice_data(session, case_number, kind, extra=extra))


def issue_case_notice(
    session: Session, case_number: str, kind: str, *, extra: Mapping[str, Any] | None = None
) -> IssuedNotice:
    """出具: one operation takes the notice's number, renders the notice with it and stores
    it sealed with the case. A notice the rules refuse leaves nothing behind (not even its
    number)."""
    with operation(session, "notice.issue", roles=WORK_ROLES, record_table="notice") as event:
        case = find_case(case_number)
        data = _fill(session, case, kind, extra)
        rendered: list[Notice] = []

        def body(number: str) -> str:
            rendered.append(_render(dataclasses.replace(data, notice_number=number)))
            return notice_body(rendered[0])

        row = create_notice(session, case, kind, body, stated=_stated(data))
        # Told again: the case needs no re-notification once every told date is current.
        if case.renotify and not changed_dates(case):
            case.renotify = False
            row_macs.save(session, case)
        event.record_id = row.uuid
        event.detail = {"number": row.number, "case": case.number, "kind": kind}
        return IssuedNotice(row.number, rendered[0])


def issued_notice(session: Session, notice_number: str) -> Notice:
    """An issued notice exactly as it was issued, for a reprint (补打)."""
    with operation(session, "notice.view", roles=DATA_ROLES, record_table="notice") as event:
        row = find_notice(notice_number)
        event.record_id, event.detail = row.uuid, {"number": row.number}
        body = row_macs.open_text(session.keys, row, "body_enc") or ""
        return notice_from_body(row.kind, body)


def record_printed(session: Session, notice_number: str) -> int:
    """A notice went to the printer: count it (the audit shows every print and reprint)."""
    with operation(session, "notice.print", roles=WORK_ROLES, record_table="notice") as event:
        row = find_notice(notice_number)
        row.printed_count += 1
        row_macs.save(session, row)
        event.record_id = row.uuid
        event.detail = {"number": row.number, "printed": row.printed_count}
        return row.printed_count
