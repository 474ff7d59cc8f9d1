"""好差评 — one rating per service (a case or an inquiry), whatever a device sends.

The rule is the store's unique constraints on Rating.case and Rating.inquiry: a second
rating of the same service fails in the database, is translated into a Chinese error, and
nothing else of the operation is written. A 差评 (不满意 / 非常不满意, levels 4–5) opens a
follow-up whose contact date comes from the policy (ratings.contact_working_days), and
its rectify date (rectify_working_days); the follow-up itself is store.followup's.

Levels: 1 非常满意 … 5 非常不满意 (drivers normalise vendors' numbering). A service not
rated within the window is recorded as not rated (``rated = False``): level 0, or the
policy's default level when ratings.auto_rate_enabled (广东: 基本满意), channel "default".
A rating taken later on a callback (电话回访, SMS, the portal; policies.ratings) replaces
that record in its row (Rating.replaced_at), so the service is still rated once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from policies.followup import is_bad
from policies.followup import limits as followup_limits
from policies.ratings import replaces_not_rated
from policies.settings import RATING_LEVELS
from store import row_macs
from store.clock import local_date
from store.errors import InvalidInput, NotFound, StoreError
from store.models import Case, Inquiry, Rating, Staff, new_uuid
from store.roles import WORK_ROLES
from store.session import Session, operation, require_role

CHANNELS = {
    "device": "评价器",
    "clerk": "窗口代录",
    "sms": "短信",
    "phone": "电话回访",
    "online": "网上",
    "default": "默认评价",
}
NOT_RATED = "未评价"
#: "default" is written only by the daily job (record_not_rated), never by a rater.
DEFAULT_CHANNEL = "default"
#: 电话回访: the rating taken when the hall calls the applicant back.
CALLBACK = "phone"


class AlreadyRated(StoreError):
    """The service already has its rating (or was recorded as not rated)."""


@dataclass(frozen=True)
class RatingResult:
    uuid: str
    service_number: str  # the case's or the inquiry's number
    level: int  # 0 = not rated
    level_label: str
    channel: str
    rated: bool
    followup_due: dt.date | None  # 差评: contact the person by this day
    #: counted through a year the calendar lacks: 暂定 until that year is imported
    followup_provisional: bool = False
    #: a 未评价 record a rating on the callback (电话回访) replaces (policies.ratings)
    open_to_callback: bool = False


def _service(case_number: str | None, inquiry_number: str | None):
    case_number = "".join((case_number or "").split()).upper()
    inquiry_number = "".join((inquiry_number or "").split()).upper()
    if bool(case_number) == bool(inquiry_number):
        raise InvalidInput("评价须对应一件办件或一次首问登记（二者选一）")
    if case_number:
        case = Case.get_or_none(Case.number == case_number)
        if case is None:
            raise NotFound(f"没有办件号为 {case_number} 的办件")
        return case, None
    inquiry = Inquiry.get_or_none(Inquiry.number == inquiry_number)
    if inquiry is None:
        raise NotFound(f"没有登记号为 {inquiry_number} 的首问登记")
    return None, inquiry


def _served_by(session: Session, case: Case | None, inquiry: Inquiry | None) -> tuple[int, int]:
    """(staff, window) the rating counts for: who handled the service, at which window."""
    if case is not None:
        return case.handler_id or case.accepted_by_id, case.window_id
    staff = inquiry.first_asker_id
    window = inquiry.window_id or (inquiry.item.window_id if inquiry.item_id else None)
    if window is None:
        window = Staff.get_by_id(staff).window_id
    if window is None:
        raise InvalidInput(f"首问登记 {inquiry.number} 没有所属窗口，无法记入评价")
    return staff, window


def _write(
    session: Session,
    action: str,
    *,
    case_number: str | None,
    inquiry_number: str | None,
    level: int,
    channel: str,
    rated: bool,
    reason_code: int | None,
) -> RatingResult:
    try:
        with operation(session, action, roles=WORK_ROLES, record_table="rating") as event:
            case, inquiry = _service(case_number, inquiry_number)
            staff, window = _served_by(session, case, inquiry)
            now = session.now()
            followup_due, rectify_due, provisional = None, None, False
            if is_bad(level, rated):  # 差评: its follow-up's limits (policies.followup)
                counted = followup_limits(
                    session.register.calendar, local_date(now), session.register.policy.ratings
                )
                followup_due, rectify_due = counted.contact_due, counted.rectify_due
                provisional = bool(
                    session.register.calendar.missing_years(local_date(now), followup_due)
                )
            values = dict(
                staff=staff,
                window=window,
                channel=channel,
                level=level,
                reason_code=reason_code,
                at=now,
                rated=rated,
                followup_due=followup_due,
                rectify_due=rectify_due,
                followup_state="open" if followup_due else "",
            )
            row = _replaceable(case, inquiry, channel) if rated else None
            if row is not None:  # a later rating replaces the 未评价 record (one per service)
                Rating.update(replaced_at=now, **values).where(Rating.id == row.id).execute()
                event.action = "rating.replace_not_rated"
                event.detail = {"replaced_level": row.level, "replaced_channel": row.channel}
            else:
                row = row_macs.create(
                    session.keys,
                    Rating,
                    uuid=new_uuid(),
                    key_id=session.keys.current,
                    case=case,
                    inquiry=inquiry,
                    **values,
                )
            number = case.number if case is not None else inquiry.number
            event.record_id = row.uuid
            event.detail = {
                **event.detail,
                "service": number,
                "level": level,
                "channel": channel,
                "rated": rated,
            }
    except pw.IntegrityError:
        raise AlreadyRated(
            f"{number_of(case_number, inquiry_number)} 已评价过：每次服务只能评价一次"
        ) from None
    return RatingResult(
        uuid=row.uuid,
        service_number=number,
        level=level,
        level_label=RATING_LEVELS[level - 1] if 1 <= level <= 5 else NOT_RATED,
        channel=channel,
        rated=rated,
        followup_due=followup_due,
        followup_provisional=provisional,
    )


def _replaceable(case: Case | None, inquiry: Inquiry | None, channel: str) -> Rating | None:
    """The service's 未评价 record, when a rating through ``channel`` replaces it."""
    if not replaces_not_rated(channel):
        return None
    row = (
        Rating.get_or_none(Rating.case == case)
        if case is not None
        else Rating.get_or_none(Rating.inquiry == inquiry)
    )
    return row if row is not None and not row.rated else None


def rating_of(
    session: Session, *, case_number: str | None = None, inquiry_number: str | None = None
) -> RatingResult | None:
    """The service's rating, or None if it can still be rated; NotFound if there is no such
    service. Read before arming the 评价器, so nobody is asked to rate twice (the unique
    constraint still decides when two counters race)."""
    require_role(session, "rating.check", WORK_ROLES)
    case, inquiry = _service(case_number, inquiry_number)
    row = (
        Rating.get_or_none(Rating.case == case)
        if case is not None
        else Rating.get_or_none(Rating.inquiry == inquiry)
    )
    if row is None:
        return None
    return RatingResult(
        uuid=row.uuid,
        service_number=case.number if case is not None else inquiry.number,
        level=row.level,
        level_label=RATING_LEVELS[row.level - 1] if 1 <= row.level <= 5 else NOT_RATED,
        channel=row.channel,
        rated=row.rated,
        followup_due=row.followup_due,
        followup_provisional=bool(
            row.followup_due
            and session.register.calendar.missing_years(local_date(row.at), row.followup_due)
        ),
        open_to_callback=not row.rated and replaces_not_rated(CALLBACK),
    )


def number_of(case_number: str | None, inquiry_number: str | None) -> str:
    return "".join((case_number or inquiry_number or "").split()).upper()


def record_rating(
    session: Session,
    *,
    case_number: str | None = None,
    inquiry_number: str | None = None,
    level: int,
    channel: str,
    reason_code: int | None = None,
) -> RatingResult:
    """Record the applicant's rating (评价器, 窗口代录 …) of one service, once."""
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        raise InvalidInput("评价等级应为 1（非常满意）至 5（非常不满意）")
    if channel == DEFAULT_CHANNEL:
        raise InvalidInput("默认评价只由每日作业记录，不能手工录入")
    if channel not in CHANNELS:
        choices = "、".join(v for k, v in CHANNELS.items() if k != DEFAULT_CHANNEL)
        raise InvalidInput(f"未知的评价渠道：{channel}（可选：{choices}）")
    if reason_code is not None and (
        isinstance(reason_code, bool) or not isinstance(reason_code, int)
    ):
        raise InvalidInput("评价原因代码应为整数")
    return _write(
        session,
        "rating.record",
        case_number=case_number,
        inquiry_number=inquiry_number,
        level=level,
        channel=channel,
        rated=True,
        reason_code=reason_code,
    )


def record_not_rated(
    session: Session, *, case_number: str | None = None, inquiry_number: str | None = None
) -> RatingResult:
    """The applicant did not rate within the window: recorded as not rated, or as the
    policy's default level when ratings.auto_rate_enabled. The service is then rated."""
    policy = session.register.policy.ratings
    level = RATING_LEVELS.index(policy.auto_rate_level) + 1 if policy.auto_rate_enabled else 0
    return _write(
        session,
        "rating.not_rated",
        case_number=case_number,
        inquiry_number=inquiry_number,
        level=level,
        channel=DEFAULT_CHANNEL,
        rated=False,
        reason_code=None,
    )
