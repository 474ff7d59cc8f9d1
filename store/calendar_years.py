"""Calendar years a hall imports when the State Council publishes them (chuangkou calendar …)."""

from __future__ import annotations

from dataclasses import dataclass

from store.database import upsert
from store.models import CalendarYear, RegisterMeta, new_uuid
from store.recount import Progress, Recount, recount_year
from store.roles import SUPERVISOR_ROLES
from store.session import CALENDAR_STAMP, Register, Session, operation

__all__ = ["YearStatus", "calendar_status", "import_year"]


def import_year(session: Session, text: str, *, progress: Progress | None = None) -> Recount:
    """Validate and store a year file, and count again every stored date counted through
    that year (store.recount), in one audited operation. Every counter sharing the register
    uses the year from its next store call (the calendar stamp changes)."""
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
        upsert(RegisterMeta, key=CALENDAR_STAMP, value=new_uuid())
        done = recount_year(session, year, progress=progress)
        event.record_id = str(year)
        event.detail = {
            "cases": done.cases,
            "changed": len(done.changed),
            "renotify": len(done.renotify),
            "ratings": done.ratings,
            "ratings_changed": done.ratings_changed,
        }
    return done


@dataclass(frozen=True)
class YearStatus:
    year: int
    source: str  # "内置" (chinese_calendar) or "导入"


def calendar_status(register: Register) -> list[YearStatus]:
    from policies.calendar import builtin_years

    imported = {row.year for row in CalendarYear.select(CalendarYear.year)}
    years = sorted(set(builtin_years()) | imported)
    return [YearStatus(y, "导入" if y in imported else "内置") for y in years]
