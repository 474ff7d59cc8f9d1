"""转办与督办 — one referred (or escalated) inquiry opened from the counter's queue.

The counter shows who asked first (首问责任人), where it went, and the person masked: the
full name and phone stay in the store. Who may act on it is decided by store.inquiries
(finish_inquiry, reassign_inquiry); this module only reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from policies.masking import mask_name, mask_phone
from store import row_macs
from store.clock import to_local
from store.inquiries import CHANNELS, DISPOSITIONS, asker_of, inquiry_by_number
from store.models import Staff, Window
from store.roles import DATA_ROLES
from store.session import Session, operation


@dataclass(frozen=True)
class ReferralDetail:
    number: str
    at: dt.datetime  # registered, hall time
    channel: str
    channel_label: str
    disposition: str  # referred | escalated (or what it became)
    disposition_label: str
    state: str  # open | closed
    caller: str  # the person's or caller's name, masked (王*英)
    contact: str  # their phone, masked
    item_code: str | None
    item_name: str
    topic: str = field(repr=False)  # free text: may name people
    person_uuid: str | None = field(default=None, repr=False)
    from_window_code: str | None = None  # the first asker's window
    from_window_name: str = ""
    referred_to_code: str | None = None
    referred_to_name: str = ""
    referred_to_phone: str = ""
    first_asker_number: str = ""
    first_asker_name: str = field(default="", repr=False)
    case_number: str | None = None
    #: The one looking is the first asker (督办: follow it up).
    asked_first: bool = False
    #: It was referred to the window the one looking works at today (转入: handle it).
    received_here: bool = False


def referral_detail(
    session: Session, number: str, *, window_code: str | None = None
) -> ReferralDetail:
    """The inquiry `number` as its referral row opens it; `window_code`: where the one
    looking works today (None: no window, e.g. the supervisor)."""
    with operation(
        session, "inquiry.view", roles=DATA_ROLES, record_table="inquiry", concurrent=True
    ) as event:
        row = inquiry_by_number(number)
        keys = session.keys
        name, phone, _, person_uuid = asker_of(session, row)
        asker = Staff.get_by_id(row.first_asker_id)
        source = Window.get_by_id(row.window_id) if row.window_id else None
        target = Window.get_by_id(row.referred_to_id) if row.referred_to_id else None
        event.record_id, event.detail = row.uuid, {"number": row.number}
        return ReferralDetail(
            number=row.number,
            at=to_local(row.at),
            channel=row.channel,
            channel_label=CHANNELS.get(row.channel, row.channel),
            disposition=row.disposition,
            disposition_label=DISPOSITIONS.get(row.disposition, row.disposition),
            state=row.state,
            caller=mask_name(name or ""),
            contact=mask_phone(phone or ""),
            item_code=row.item.code if row.item_id else None,
            item_name=row.item.name if row.item_id else "",
            topic=row_macs.open_text(keys, row, "topic_enc") or "",
            person_uuid=person_uuid,
            from_window_code=source.code if source else None,
            from_window_name=source.name if source else "",
            referred_to_code=target.code if target else None,
            referred_to_name=target.name if target else "",
            referred_to_phone=target.phone if target else "",
            first_asker_number=asker.number,
            first_asker_name=row_macs.open_text(keys, asker, "name_enc") or "",
            case_number=row.case.number if row.case_id else None,
            asked_first=row.first_asker_id == session.staff_id,
            received_here=bool(target and window_code and target.code == window_code),
        )


__all__ = ["ReferralDetail", "referral_detail"]
