"""Calendar years a hall imports when the State Council publishes them (chuangkou calendar …)."""

from __future__ import annotations

from dataclasses import dataclass

from store.database import upsert
from store.models import CalendarYear
from store.roles import SUPERVISOR_ROLES
from store.session import Register, Session, operation


def import_year(session: Session, text: str) -> int:
    """Validate and store a year file; every counter sharing the register then uses it."""
    from policies.calendar import parse_year_file

    year = parse_year_file(text).year
    with operation(
        session, "calendar.import", roles=SUPERVISOR_ROLES, record_table="calendar_year"
    ) as event:
        upsert(
            CalendarYear,
            year=year,
            source_text=text,
            imported_at=session.now(),
            imported_by=session.staff_id,
        )
        event.record_id = str(year)
    session.register.forget_cached()
    return year


@dataclass(frozen=True)
class YearStatus:
    year: int
    source: str  # "内置" (chinese_calendar) or "导入"


def calendar_status(register: Register) -> list[YearStatus]:
    from policies.calendar import builtin_years

    imported = {row.year for row in CalendarYear.select(CalendarYear.year)}
    years = sorted(set(builtin_years()) | imported)
    return [YearStatus(y, "导入" if y in imported else "内置") for y in years]
