"""Blind indexes of a caller who gave no ID number (首问登记 without a person): 查询 finds
them by name and by phone, as it finds a registered person.

Rows written before these indexes existed (migration 6), or by code that seals the caller
without indexing, are indexed on the next search: opening a sealed value needs the data
key, which a migration does not have.
"""

from __future__ import annotations

from store import row_macs
from store.models import Inquiry
from store.session import Session

#: Rows indexed per batch (each row: two opens and two HMACs).
BATCH = 500


def caller_blinds(session: Session, name: str | None, phone: str | None) -> dict[str, str | None]:
    """The index columns of an inquiry for this caller (None where nothing was given)."""
    keys = session.keys
    return {
        "caller_name_bidx": keys.blind("name", name) if name else None,
        "caller_phone_bidx": keys.blind("phone", phone) if phone else None,
    }


def index_callers(session: Session) -> int:
    """Index every caller not indexed yet; returns how many rows were indexed.

    Runs inside the caller's operation (a write transaction)."""
    keys = session.keys
    done = 0
    while True:
        rows = list(
            Inquiry.select(*row_macs.fields(Inquiry))
            .where(
                Inquiry.person.is_null()
                & Inquiry.caller_name_enc.is_null(False)
                & Inquiry.caller_name_bidx.is_null()
            )
            .limit(BATCH)
        )
        if not rows:
            return done
        for row in rows:
            name = row_macs.open_text(keys, row, "caller_name_enc")
            phone = row_macs.open_text(keys, row, "caller_contact_enc")
            blinds = caller_blinds(session, name, phone)
            # An empty sealed name still gets a (never matched) index: the row is done.
            blinds["caller_name_bidx"] = blinds["caller_name_bidx"] or "-"
            for column, value in blinds.items():
                setattr(row, column, value)
            row_macs.stamp(keys, row, checked=True)  # opened (and checked) just above
            row.save(only=[Inquiry.caller_name_bidx, Inquiry.caller_phone_bidx, Inquiry.row_mac])
        done += len(rows)
