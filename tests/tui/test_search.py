"""查询 (F3) and 一人一档 on the real app and the demo register at 80×24: a caller who gave
no ID number is found by phone, name and 登记号; a case or inquiry number opens that record;
Enter on a result or history row opens it; every column header is whole; Home/End/PgUp/PgDn
move in both lists."""

from __future__ import annotations

import datetime as dt

from tests.people import PEOPLE
from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle, type_text
from tests.tui.test_app import demo_clerk_home

SIZE = (80, 24)
CALLER = PEOPLE[2]  # a phone caller who gave no ID number
MANY = PEOPLE[3]  # a caller who called many times
RESULT_HEADERS = ("姓名", "证件号码", "电话", "记录")
HISTORY_HEADERS = ("类别", "编号", "日期", "事项", "状态")


def _prepare(url: str, clock) -> dict:
    """Records written at another counter before the app starts (store calls, as F2 would)."""
    from store.auth import login as store_login
    from store.inquiries import PersonInput, register_inquiry, staff_window_id
    from store.models import Case, Inquiry, Person, Window
    from store.persons import _open, upsert_person
    from store.session import Register

    session = store_login(Register.open(url, clock=clock), "1001", "demo1001")
    own = staff_window_id(session)
    other = Window.select().where(Window.id != own).order_by(Window.code).first().code
    referral = register_inquiry(
        session,
        channel="phone",
        caller_name=CALLER.name,
        caller_phone=CALLER.phone,
        topic="问社保卡挂失",
        disposition="referred",
        referred_to=other,
    )
    for n in range(30):
        register_inquiry(
            session,
            channel="phone",
            caller_name=MANY.name,
            caller_phone=MANY.phone,
            topic=f"问政策{n}",
            disposition="answered",
        )
    # Two persons of one name, the first with a long history.
    first = upsert_person(
        session, name=PEOPLE[0].name, id_number=PEOPLE[0].id_number, phone=PEOPLE[0].phone
    )
    upsert_person(
        session, name=PEOPLE[0].name, id_number=PEOPLE[1].id_number, phone=PEOPLE[1].phone
    )
    for n in range(30):
        register_inquiry(
            session,
            channel="visit",
            person=PersonInput(PEOPLE[0].name, PEOPLE[0].id_number, PEOPLE[0].phone),
            topic=f"问低保{n}",
            disposition="answered",
        )
    # A demo person with a case and an inquiry (a resident card: found by ID number).
    with_both = (
        Person.select()
        .join(Case, on=(Case.person == Person.id))
        .switch(Person)
        .join(Inquiry, on=(Inquiry.person == Person.id))
        .where(Person.id_type == "resident")
        .order_by(Person.id)
        .first()
    )
    # One registered after new year (a number of 2027; the counter's clock still in 2026).
    from store.clock import FixedClock

    next_year = store_login(
        Register.open(url, clock=FixedClock(dt.datetime(2027, 1, 4, 1, 30, tzinfo=dt.UTC))),
        "1001",
        "demo1001",
    )
    new_year = register_inquiry(
        next_year,
        channel="visit",
        caller_name=MANY.name,
        caller_phone=MANY.phone,
        topic="问新年政策",
        disposition="answered",
    )
    return {
        "new_year": new_year.number,
        "referral": referral.number,
        "window": Window.get(Window.code == other).name,
        "first": first.uuid,
        "demo_id": _open(session, with_both).id_number,
        "demo_case": Case.select().where(Case.person == with_both.id).first().number,
        "demo_inquiry": Inquiry.select().where(Inquiry.person == with_both.id).first().number,
    }


async def _search(pilot, query: str) -> None:
    from tui.screens.search import SearchScreen

    app = pilot.app
    while not isinstance(app.screen, SearchScreen) and len(app.screen_stack) > 2:
        await pilot.press("escape")
        await settle(pilot)
    if not isinstance(app.screen, SearchScreen):
        await pilot.press("f3")
        await settle(pilot)
    field = app.screen.query_one("#query")
    field.value = ""
    field.focus()
    await type_text(pilot, query)
    await pilot.press("enter")
    await settle(pilot)


def _headers_whole(app, headers) -> None:
    """The table's header line on the screen holds every header whole, in order."""
    line = next(
        (row for row in screen_text(app).splitlines() if row.strip().startswith(headers[0])), ""
    )
    at = 0
    for header in headers:
        found = line.find(header, at)
        assert found >= 0, (header, line)
        at = found + len(header)


async def test_a_phone_referral_is_found_by_phone_name_and_number(demo, clock):
    from tui.screens.inquiry_view import InquiryViewScreen

    url, info = demo
    made = _prepare(url, clock)
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        for query in (CALLER.phone, CALLER.name, made["referral"], made["referral"].lower()):
            await _search(pilot, query)
            assert isinstance(app.screen, InquiryViewScreen), query
            text = screen_text(app)
            assert made["referral"] in text and "转办" in text and made["window"] in text
            assert CALLER.name in text  # opened on purpose: the full name
            assert CALLER.phone not in text and CALLER.phone[-4:] in text  # phone masked
            assert "问社保卡挂失" in text and "未登记证件" in text
        await _search(pilot, made["new_year"])
        assert isinstance(app.screen, InquiryViewScreen)
        assert made["new_year"].startswith("SW2027") and "问新年政策" in screen_text(app)
        # Nothing found says so.
        await _search(pilot, "查无此人")
        assert "没有找到相符的记录" in screen_text(app)
        await _search(pilot, "SW20261123-0999")
        assert "没有找到相符的记录" in screen_text(app)


async def test_a_case_number_opens_the_case_and_history_rows_open_their_record(demo, clock):
    from tui.screens.case import CaseScreen
    from tui.screens.history import HistoryScreen
    from tui.screens.inquiry_view import InquiryViewScreen

    url, info = demo
    made = _prepare(url, clock)
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        await _search(pilot, made["demo_case"])
        assert isinstance(app.screen, CaseScreen) and app.screen.number == made["demo_case"]
        await _search(pilot, made["demo_inquiry"])
        assert isinstance(app.screen, InquiryViewScreen)
        assert made["demo_inquiry"] in screen_text(app)
        # 一人一档: every header whole at 80×24; Enter on a case row, then an inquiry row.
        await _search(pilot, made["demo_id"])
        assert isinstance(app.screen, HistoryScreen)
        history = app.screen
        _headers_whole(app, HISTORY_HEADERS)
        table = history.query_one("#history")
        rows = [str(key.value) for key in table.rows]
        for kind, wanted, number in (
            ("case", CaseScreen, made["demo_case"]),
            ("inquiry", InquiryViewScreen, made["demo_inquiry"]),
        ):
            row = rows.index(next(k for k in rows if k.startswith(f"{kind}:{number}:")))
            table.move_cursor(row=row)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, wanted), kind
            assert number in screen_text(app)
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is history


async def test_a_shared_name_lists_both_persons_and_the_caller(demo, clock):
    from tui.screens.history import HistoryScreen
    from tui.screens.inquiry_view import InquiryViewScreen
    from tui.screens.search import SearchScreen

    url, info = demo
    made = _prepare(url, clock)
    from store.auth import login as store_login
    from store.inquiries import register_inquiry
    from store.session import Register

    caller = register_inquiry(
        store_login(Register.open(url, clock=clock), "1001", "demo1001"),
        channel="phone",
        caller_name=PEOPLE[0].name,
        caller_phone="13500002222",
        topic="问办证",
        disposition="answered",
    ).number
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        await _search(pilot, PEOPLE[0].name)
        assert isinstance(app.screen, SearchScreen)
        text = screen_text(app)
        assert text.count(PEOPLE[0].name) >= 3
        for who in PEOPLE[:2]:
            assert who.id_number not in text and who.id_number[-4:] in text  # masked
        assert caller in text and "一人一档" in text
        _headers_whole(app, RESULT_HEADERS)
        table = app.screen.query_one("#results")
        assert table.row_count == 3
        table.move_cursor(row=2)  # the caller
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InquiryViewScreen) and caller in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        table.move_cursor(row=0)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.history.person.uuid == made["first"]


async def _edges(pilot, table) -> None:
    """Home/End go to the first and last row; PgDn/PgUp move a page."""
    last = table.row_count - 1
    assert last > 20
    await pilot.press("end")
    assert table.cursor_row == last
    await pilot.press("home")
    assert table.cursor_row == 0
    await pilot.press("pagedown")
    down = table.cursor_row
    assert 5 < down < last
    await pilot.press("pagedown")
    assert table.cursor_row > down
    await pilot.press("pageup")
    assert table.cursor_row == down or 0 < table.cursor_row < last
    await pilot.press("pageup", "pageup")
    assert table.cursor_row == 0


async def test_home_end_and_pages_in_the_result_and_history_lists(demo, clock):
    from tui.screens.history import HistoryScreen
    from tui.screens.search import SearchScreen

    url, info = demo
    _prepare(url, clock)
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        await _search(pilot, MANY.phone)
        assert isinstance(app.screen, SearchScreen)
        table = app.screen.query_one("#results")
        assert app.focused is table and table.row_count == 31  # 30 calls and a visit
        _headers_whole(app, RESULT_HEADERS)
        await _edges(pilot, table)
        await _search(pilot, PEOPLE[0].id_number)
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one("#history")
        assert app.focused is table and table.row_count == 30
        await _edges(pilot, table)


async def test_a_phone_referral_made_on_f2_is_found_on_f3_at_once(demo, clock):
    from store.models import Inquiry
    from tui.screens.inquiry_view import InquiryViewScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("f2", "ctrl+n", "tab")  # 首问登记, 电话
        await settle(pilot)
        await type_text(pilot, CALLER.name)
        await pilot.press("tab")
        await type_text(pilot, CALLER.phone)
        await pilot.press("tab")
        await type_text(pilot, "养老保险怎么续缴")
        await pilot.press("ctrl+t")  # 转办: the window list
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        number = app.store.run(
            lambda: Inquiry.select(Inquiry.number).order_by(Inquiry.id.desc()).scalar()
        )
        assert "转办" in screen_text(app) and number in screen_text(app)
        for query in (CALLER.phone, CALLER.name, number):
            await _search(pilot, query)
            assert isinstance(app.screen, InquiryViewScreen), (query, screen_text(app))
            assert app.screen.view.number == number
            assert "养老保险怎么续缴" in screen_text(app)
