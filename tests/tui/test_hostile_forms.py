"""Bad input in the real app (issue 15): hostile text pasted and typed into every field of
every form — terminal control sequences, 10 kB, the astral planes — then the form submitted.
The app must stay up, draw no control character and no traceback, say nothing of an
internal error, and show either a Chinese message or the saved result.

Text arrives as a terminal delivers it: a bracketed paste (how control characters and
10 kB reach an input: keys alone cannot carry them) and keys typed one by one (the astral
characters). The store's side of the same inputs is tests/store/test_hostile_input.py.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input

from tests.hostile import has_chinese
from tests.people import PEOPLE
from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle
from tests.tui.test_app import demo_clerk_home, login
from tests.tui.test_case_screen import new_case, open_from_home

pytestmark = pytest.mark.timeout(300)

HOSTILE = {
    # control sequences (OSC title, clear screen, C1 CSI, NUL), a bidi override, a lone
    # combining mark, and characters from the astral planes (CJK Ext. B, emoji, a tag,
    # plane 16's private use, a ZWJ sequence)
    "control-astral": "示例\x1b]0;pwned\x07\x1b[2J\x9b31m\x00中心\u202e反转\u0301"
    "𠀀😀\U000e0041\U0010fffd\U0001f468\u200d\U0001f469",
    "10k": "中" * 10_240,
}
#: What fits a name field (20 characters): a paste longer than a field's maximum is
#: dropped whole by the input, so the 10 kB sample only shows that nothing breaks.
SHORT = "王\x1b[2J😀\u0301\x00𠀀"
TYPED = "𠀀😀𝄞"  # typed key by key: characters beyond the BMP


async def paste(pilot, field: Input, text: str) -> None:
    field.focus()
    field.value = ""
    await pilot.pause()
    field.post_message(events.Paste(text))
    await pilot.pause()


async def fill(pilot, text: str, *, skip: tuple[str, ...] = ()) -> None:
    """Paste `text` into every input of the screen on top (but those in `skip`)."""
    for field in list(pilot.app.screen.query(Input)):
        if field.id not in skip and field.display and not field.disabled:
            await paste(pilot, field, text)


def calm(app) -> str:
    """The app is up and its screen shows nothing it must not; returns the screen text."""
    assert app.is_running, "the app exited"
    shown = screen_text(app)
    assert "Traceback" not in shown
    assert "内部错误" not in shown, shown
    for control in ("\x1b", "\x07", "\x9b", "\x00", "\u202e"):
        assert control not in shown, repr(control)
    assert has_chinese(shown)
    return shown


async def submit(pilot, key: str = "ctrl+s") -> str:
    await pilot.press(key)
    await settle(pilot)
    return calm(pilot.app)


async def submit_form(pilot, form_type, key: str = "ctrl+s") -> bool:
    """Submit the form on top: it is saved (closed: True) or says in Chinese what is wrong
    (then it is cancelled: False)."""
    app = pilot.app
    form = app.screen
    assert isinstance(form, form_type), type(form)
    await submit(pilot, key)
    if app.screen is not form:
        return True
    error = str(form.query_one("#form-error").render())
    assert has_chinese(error), repr(error)
    await pilot.press("escape")
    await settle(pilot)
    return False


async def test_login_post_and_lock_take_hostile_text(demo, clock):
    from tui.screens.lock import LockScreen
    from tui.screens.login import LoginScreen
    from tui.screens.post import PostScreen

    url, info = demo
    clerk = next(a for a in info.accounts if a.number == "1001")
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for text in HOSTILE.values():
            assert isinstance(app.screen, LoginScreen)
            await fill(pilot, text)
            await submit(pilot, "enter")
            assert app.session is None
        await pilot.press(*TYPED, "enter")
        await settle(pilot)
        calm(app)
        for field in app.screen.query(Input):
            field.value = ""
        app.screen.query_one("#number", Input).focus()
        await login(pilot, clerk.number, clerk.password)
        assert isinstance(app.screen, PostScreen)
        for text in HOSTILE.values():  # 代岗 for a hostile 工号, with a hostile reason
            await fill(pilot, text)
            await submit(pilot, "enter")
            if not isinstance(app.screen, PostScreen):
                break
        if isinstance(app.screen, PostScreen):
            await fill(pilot, "")
            await pilot.press("enter")
            await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen)
        for text in HOSTILE.values():
            await fill(pilot, text)
            await submit(pilot, "enter")
            assert isinstance(app.screen, LockScreen)
        app.screen.query_one("#number", Input).value = clerk.number
        await paste(pilot, app.screen.query_one("#password", Input), clerk.password)
        await submit(pilot, "enter")
        assert not isinstance(app.screen, LockScreen)


async def test_inquiry_and_search_take_hostile_text(demo, clock):
    from tui.screens.inquiry import InquiryScreen
    from tui.screens.search import SearchScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 30)) as pilot:
        await demo_clerk_home(pilot, info)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, InquiryScreen)
        for text in HOSTILE.values():
            await fill(pilot, text)  # every field, the ID number and phone included
            await submit(pilot, "ctrl+d")
            assert isinstance(app.screen, InquiryScreen)
        saved = 0
        for text in HOSTILE.values():  # the free text hostile, the rest valid: saved
            await fill(pilot, text, skip=("id_number", "phone", "name"))
            await paste(pilot, app.screen.query_one("#id_number", Input), "")
            await paste(pilot, app.screen.query_one("#name", Input), SHORT)
            await paste(pilot, app.screen.query_one("#phone", Input), PEOPLE[3].phone)
            shown = await submit(pilot, "ctrl+d")
            saved += "SW2026" in shown
            if not isinstance(app.screen, InquiryScreen):
                await pilot.press("f2")
                await settle(pilot)
        assert saved, "no hostile free text was saved"
        await pilot.press("f3")  # the form left unsaved: a second F3 leaves it
        await settle(pilot)
        if not isinstance(app.screen, SearchScreen):
            assert "尚未保存" in calm(app)
            await pilot.press("f3")
            await settle(pilot)
        assert isinstance(app.screen, SearchScreen), screen_text(app)
        for text in HOSTILE.values():
            await fill(pilot, text)
            await submit(pilot, "enter")
        await pilot.press(*TYPED, "enter")
        await settle(pilot)
        calm(app)


async def test_case_forms_take_hostile_text(demo, clock):
    from tui.screens.case_forms import ActionForm

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        await demo_clerk_home(pilot, info)
        opened = set()
        for key in ("b", "t", "w", "y", "q"):  # 办结, 退回, 撤回 (if offered), 延期, 要求补正
            case = None
            for text in HOSTILE.values():
                if case is None:  # a new case for each action, and after one was saved
                    case = new_case(app).number
                    await open_from_home(pilot, case)
                await pilot.press(key)
                await settle(pilot)
                if not isinstance(app.screen, ActionForm):
                    break  # not offered for this case
                opened.add(key)
                await fill(pilot, text, skip=("date",))
                if await submit_form(pilot, ActionForm):
                    case = None
                calm(app)
        assert {"b", "t", "y", "q"} <= opened, opened


async def test_accept_form_takes_hostile_text(demo, clock):
    from tests.tui.test_accept import _accept_screen
    from tui.screens.accept import AcceptScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        for text in HOSTILE.values():
            if not isinstance(app.screen, AcceptScreen):
                if app.session is None:
                    await _accept_screen(pilot, info)
                else:
                    from tests.tui.test_accept import _open

                    await _open(pilot)
            await pilot.press("ctrl+g")  # 代办: the proxy's fields
            await settle(pilot)
            await fill(pilot, text)
            await submit(pilot)


async def test_complaint_petition_and_handover_forms_take_hostile_text(demo, clock):
    from tui.screens.complaint import ComplaintForm
    from tui.screens.handover import AbsenceForm, TakeOverForm
    from tui.screens.petition import PetitionForm

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=(100, 40)) as pilot:
        await demo_clerk_home(pilot, info)
        for open_keys, key, form in (
            (("f6",), "n", ComplaintForm),
            (("f4", "x"), "n", PetitionForm),
            (("f5",), "n", AbsenceForm),
            (("f5",), "t", TakeOverForm),
        ):
            for text in HOSTILE.values():
                for k in open_keys:
                    await pilot.press(k)
                    await settle(pilot)
                await pilot.press(key)
                await settle(pilot)
                assert isinstance(app.screen, form), (key, type(app.screen))
                await fill(pilot, text)
                await submit_form(pilot, form)
                calm(app)


async def test_records_holding_hostile_text_are_drawn_calmly(demo, clock):
    """What a script or an import saved (the store takes it, tests/store) is drawn: the
    queue, a search, the person's history and the case, with 10 kB names and escapes."""
    from store.cases import accept_case
    from store.catalog import load_catalog
    from store.inquiries import PersonInput, register_inquiry
    from store.persons import upsert_person
    from tui.screens.case import CaseScreen
    from tui.screens.search import SearchScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    who = PEOPLE[2]
    async with app.run_test(size=(100, 30)) as pilot:
        await demo_clerk_home(pilot, info)
        numbers = []
        for text in (*HOSTILE.values(), SHORT):

            def save(session, text=text):
                person = upsert_person(
                    session, name=text, id_number=who.id_number, phone=who.phone, address=text
                )
                register_inquiry(
                    session,
                    channel="visit",
                    person=PersonInput(text, who.id_number, who.phone),
                    topic=text,
                    answer=text,
                    disposition="answered",
                )
                item = load_catalog(session.register).item("MZ003")
                return accept_case(
                    session,
                    item_code="MZ003",
                    person_uuid=person.uuid,
                    materials={m.name: "present" for m in item.materials},
                    kind="promised",
                ).number

            numbers.append(app.store.run(save, app.session))
        for number in numbers:
            await open_from_home(pilot, number)
            assert isinstance(app.screen, CaseScreen)
            calm(app)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        await paste(pilot, app.screen.query_one(Input), who.id_number)
        await submit(pilot, "enter")
        await pilot.press("enter")  # the person's history
        await settle(pilot)
        calm(app)
