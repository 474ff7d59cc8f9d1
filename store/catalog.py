"""The service catalog in the register (办事指南): import from TOML, export, search.

Each item's full definition is kept as JSON beside the columns that queries need; an item
left out of a later import is deactivated, never deleted (cases still point at it).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from store.errors import InvalidInput
from store.models import ServiceItem as ItemRow
from store.models import Window as WindowRow
from store.roles import SUPERVISOR_ROLES
from store.session import Register, Session, operation

_TUPLE_FIELDS = ("basis", "procedure", "aliases", "windows_involved")


@dataclass(frozen=True)
class ImportSummary:
    windows_added: int
    windows_updated: int
    items_added: int
    items_updated: int
    items_deactivated: int


def check_catalog(register: Register, text: str):
    """Parse and validate a catalog under the hall's policy (CatalogError lists problems)."""
    from policies.catalog import parse_catalog

    return parse_catalog(text, tolerance_ineligible=register.policy.tolerance.ineligible_kinds)


def import_catalog(session: Session, text: str) -> ImportSummary:
    """Validate the whole file first (all or nothing), then merge it into the register."""
    catalog = check_catalog(session.register, text)
    counts = dict.fromkeys(ImportSummary.__dataclass_fields__, 0)
    with operation(
        session, "catalog.import", roles=SUPERVISOR_ROLES, record_table="service_item"
    ) as event:
        now = session.now()
        windows: dict[str, WindowRow] = {}
        for w in catalog.windows:
            row = WindowRow.get_or_none(WindowRow.code == w.code)
            counts["windows_added" if row is None else "windows_updated"] += 1
            row = row or WindowRow(code=w.code)
            row.name, row.phone, row.description, row.active = (
                w.name,
                w.phone or "",
                w.description or "",
                True,
            )
            row.save()
            windows[w.code] = row
        seen = set()
        for item in catalog.items:
            seen.add(item.code)
            row = ItemRow.get_or_none(ItemRow.code == item.code)
            counts["items_added" if row is None else "items_updated"] += 1
            row = row or ItemRow(code=item.code)
            row.name = item.name
            row.window = windows[item.window]
            row.default_kind = item.default_kind
            row.promised_limit_days = item.promised_limit_days
            row.legal_limit_days = item.legal_limit_days
            row.spec = json.dumps(dataclasses.asdict(item), ensure_ascii=False)
            row.active = True
            row.updated_at = now
            row.save()
        counts["items_deactivated"] = (
            ItemRow.update(active=False, updated_at=now)
            .where(ItemRow.code.not_in(list(seen)) & ItemRow.active)
            .execute()
        )
        event.detail = counts
    return ImportSummary(**counts)


def _item_from_spec(spec: str):
    from policies.catalog import Material, ServiceItem

    data = json.loads(spec)
    for name in _TUPLE_FIELDS:
        data[name] = tuple(data.get(name) or ())
    data["materials"] = tuple(Material(**m) for m in data.get("materials") or ())
    return ServiceItem(**data)


def load_catalog(register: Register):
    """The register's active catalog as a policies.catalog.Catalog (for search and display)."""
    from policies.catalog import CATALOG_VERSION, Catalog, Window

    items = [
        _item_from_spec(row.spec)
        for row in ItemRow.select().where(ItemRow.active).order_by(ItemRow.code)
    ]
    used = {i.window for i in items} | {w for i in items for w in i.windows_involved}
    windows = [
        Window(w.code, w.name, w.phone or None, w.description or None)
        for w in WindowRow.select().order_by(WindowRow.id)
        if w.active or w.code in used
    ]
    return Catalog(CATALOG_VERSION, tuple(windows), tuple(items))


def export_catalog(session: Session) -> str:
    from policies.catalog import dump_catalog

    with operation(session, "catalog.export", record_table="service_item"):
        catalog = load_catalog(session.register)
    if not catalog.items:
        raise InvalidInput("登记本中还没有服务事项（请先 chuangkou catalog import）")
    return dump_catalog(catalog)


def list_windows(register: Register) -> list[tuple[str, str]]:
    """(code, name) of the active windows, in the hall's order."""
    return [
        (w.code, w.name) for w in WindowRow.select().where(WindowRow.active).order_by(WindowRow.id)
    ]
