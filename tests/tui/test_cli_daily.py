"""`chuangkou daily`: logs in, runs the daily job, prints counts only; a second run finds
nothing; without a login it refuses with one Chinese line."""

from __future__ import annotations

import datetime as dt

from store.clock import FixedClock
from store.database import close_database
from tests.people import PEOPLE
from tests.store.test_cases import ALL, CATALOG, NO_INCOME
from tests.tui.test_cli import SUPERVISOR_PW, _one_chinese_line, cli, db  # noqa: F401 — fixtures


def _next_workday(register, day: dt.date) -> dt.date:
    """The first working day after `day` (a commitment date must be one; "ten days ago"
    plus one fell on a Saturday on 7 December)."""
    day += dt.timedelta(days=1)
    while not register.calendar.is_workday(day, allow_provisional=True):
        day += dt.timedelta(days=1)
    return day


def _old_services(url: str) -> tuple[str, str]:
    """Ten days ago: a case done (never rated) and a 容缺 case whose commitment date has
    passed with the material still missing. Returns their numbers."""
    from store.auth import login
    from store.cases import accept_case, close_case
    from store.catalog import import_catalog
    from store.persons import upsert_person
    from store.session import Register

    then = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    register = Register.open(url, clock=FixedClock(then))
    try:
        session = login(register, "0001", SUPERVISOR_PW)
        import_catalog(session, CATALOG)
        who = PEOPLE[0]
        person = upsert_person(session, name=who.name, id_number=who.id_number).uuid
        done = accept_case(
            session, item_code="P001", person_uuid=person, materials=ALL, kind="promised"
        )
        close_case(session, done.number, granted=True, reasons="准予")
        owed = accept_case(
            session,
            item_code="P001",
            person_uuid=person,
            materials=NO_INCOME,
            kind="tolerance",
            tolerance_commitment_date=_next_workday(register, then.date()),
        )
    finally:
        close_database()
    return done.number, owed.number


def test_daily_prints_counts_and_runs_once(cli, db):  # noqa: F811
    done, owed = _old_services(db)
    code, out, err = cli("--db", db, "daily", "--as", "0001", stdin=SUPERVISOR_PW + "\n")
    assert code == 0, err
    assert "超期未评价的服务：1 件，已记为未评价" in out
    assert "容缺逾期未补齐的办件：1 件，已提出退件" in out
    for private in (done, owed, PEOPLE[0].name, "林主任"):
        assert private not in out + err

    code, out, err = cli("--db", db, "daily", "--as", "0001", stdin=SUPERVISOR_PW + "\n")
    assert code == 0, err
    assert "超期未评价的服务：0 件" in out and "容缺逾期未补齐的办件：0 件" in out


def test_daily_needs_a_login(cli, db, monkeypatch):  # noqa: F811
    monkeypatch.delenv("CHUANGKOU_USER", raising=False)
    code, _out, err = cli("--db", db, "daily")
    _one_chinese_line(code, err)
    assert "此命令需要登录" in err
    code, _out, err = cli("--db", db, "daily", "--as", "0001", stdin="wrong-password\n")
    _one_chinese_line(code, err)
