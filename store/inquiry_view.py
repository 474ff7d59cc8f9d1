"""One 首问登记 opened on purpose (查询 by its 登记号, or a row of 一人一档): what was asked,
how it was handled, where it was referred and how that stands. Read only.

The person's full name is shown (the clerk opened this record, as the case screen shows
the applicant's); the phone and ID number stay masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policies.masking import mask_id_number, mask_phone
from store import row_macs
from store.clock import to_local
from store.inquiries import DISPOSITIONS, asker_of, inquiry_by_number
from store.lookup import CHANNEL_LABELS, INQUIRY_STATE_LABELS, NO_ITEM
from store.models import Staff, Window
from store.roles import DATA_ROLES
from store.session import Session, operation


@dataclass(frozen=True)
class InquiryView:
    number: str
    at: str  # local "YYYY-MM-DD HH:MM"
    channel_label: str
    disposition: str  # answered | accepted | referred | escalated
    disposition_label: str  # 当场答复 …
    state_label: str  # 未办结 | 已办结
    closed_at: str  # local "YYYY-MM-DD HH:MM", or ""
    item_name: str
    topic: str = field(repr=False)  # free text: may name people
    answer: str = field(repr=False)  # 当场答复: what was told (free text), or ""
    name: str = field(repr=False)  # full: opened on purpose
    phone: str = field(repr=False)  # masked
    id_number: str = field(repr=False)  # masked, "" for a caller
    is_caller: bool = False  # no person in the register (a caller without ID number)
    first_asker: str = field(default="", repr=False)  # 工号 and name
    window_name: str = ""
    referred_to_name: str = ""
    referred_to_phone: str = ""
    case_number: str | None = None


def _local(at) -> str:
    return to_local(at).strftime("%Y-%m-%d %H:%M")


def inquiry_view(session: Session, number: str) -> InquiryView:
    with operation(
        session, "inquiry.view", roles=DATA_ROLES, record_table="inquiry", concurrent=True
    ) as event:
        row = inquiry_by_number(number)
        keys = session.keys
        name, phone, id_number, _ = asker_of(session, row)
        asker = Staff.get_by_id(row.first_asker_id)
        asker_name = row_macs.open_text(keys, asker, "name_enc") or ""
        own = Window.get_by_id(row.window_id) if row.window_id else None
        target = Window.get_by_id(row.referred_to_id) if row.referred_to_id else None
        event.record_id, event.detail = row.uuid, {"number": row.number}
        return InquiryView(
            number=row.number,
            at=_local(row.at),
            channel_label=CHANNEL_LABELS.get(row.channel, row.channel),
            disposition=row.disposition,
            disposition_label=DISPOSITIONS.get(row.disposition, row.disposition),
            state_label=INQUIRY_STATE_LABELS.get(row.state, row.state),
            closed_at=_local(row.closed_at) if row.closed_at else "",
            item_name=row.item.name if row.item_id else NO_ITEM,
            topic=row_macs.open_text(keys, row, "topic_enc") or "",
            answer=row_macs.open_text(keys, row, "answer_enc") or "",
            name=name or "",
            phone=mask_phone(phone) if phone else "",
            id_number=mask_id_number(id_number) if id_number else "",
            is_caller=row.person_id is None,
            first_asker=f"{asker.number} {asker_name}".strip(),
            window_name=own.name if own else "",
            referred_to_name=target.name if target else "",
            referred_to_phone=(target.phone or "") if target else "",
            case_number=row.case.number if row.case_id else None,
        )


__all__ = ["InquiryView", "inquiry_view"]
