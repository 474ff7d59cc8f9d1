"""告知书 on screen (NoticeScreen, IssuedNoticeScreen) driven by Pilot on the demo register:
a 补办件 with three missing materials previewed, issued (Ctrl+S), printed (Ctrl+P) to a
fake ``lp``, reprinted; no printer configured; a notice that does not fit the case."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest

from tests.people import PEOPLE
from tests.tui.conftest import make_app
from tests.tui.helpers import screen_text, settle
from tests.tui.test_app import demo_clerk_home

pytestmark = pytest.mark.timeout(120)

APPLICANT = PEOPLE[2]
#: MZ003 临时救助申请 (民政): the two main materials brought, three secondary ones not.
MISSING = ("户口簿", "遭遇困难的证明材料", "本人银行卡（一卡通）复印件")
MATERIALS = {"居民身份证": "present", "临时救助申请书": "present"} | dict.fromkeys(
    MISSING, "not_brought"
)
SIZE = (100, 50)  # the whole notice on screen


@pytest.fixture
def printer(tmp_path, monkeypatch) -> str:
    """This counter's station file names a printer queue."""
    station = tmp_path / "station-printer.toml"
    station.write_text(
        '[station]\nid = "test-counter"\n\n[printer]\nqueue = "counter3"\n', encoding="utf-8"
    )
    monkeypatch.setenv("CHUANGKOU_CONFIG", str(station))
    return "counter3"


def new_case(session) -> str:
    """A 补办件 at 民政 with three missing materials, made through the store."""
    from store.cases import accept_case
    from store.persons import upsert_person

    person = upsert_person(
        session, name=APPLICANT.name, id_number=APPLICANT.id_number, phone=APPLICANT.phone
    )
    return accept_case(
        session, person_uuid=person.uuid, item_code="MZ003", materials=MATERIALS, kind="supplement"
    ).number


def notices(app) -> list[tuple[str, str, int]]:
    from store.models import Notice

    return app.store.run(
        lambda: [(n.number, n.case.number, n.printed_count) for n in Notice.select()]
    )


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def files_under(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def open_notice(pilot, info, kind: str = "supplement"):
    from tui.screens.notice import NoticeScreen

    app = pilot.app
    await demo_clerk_home(pilot, info)
    number = app.store.run(new_case, app.session)
    app.push_screen(NoticeScreen(number, kind))
    await settle(pilot)
    return number


async def test_preview_then_issue_with_ctrl_s(demo, clock):
    from store.cases import notice_text
    from tui.screens.home import HomeScreen
    from tui.screens.notice import NoticeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        case_number = await open_notice(pilot, info)
        assert isinstance(app.screen, NoticeScreen)
        text = screen_text(app)
        assert "《办件通知书》" in text and "预览（尚未出具）" in text
        for material in MISSING:
            assert material in text, material
        assert "共3项" in text and case_number in text
        assert notices(app) == []  # a preview stores nothing

        await pilot.press("ctrl+s")
        await settle(pilot)
        stored = notices(app)
        assert len(stored) == 1 and stored[0][1] == case_number
        number = stored[0][0]
        text = screen_text(app)
        assert f"已出具：编号 {number}" in text
        assert f"编号：{number}" in text  # the notice now carries its number
        # The hint follows the state: nothing is left to issue.
        hint = str(app.screen.query_one("#notice-hint").render())
        assert "出具" not in hint and "Ctrl+P 打印" in hint
        body = app.store.run(notice_text, app.session, number)
        assert all(material in body for material in MISSING)

        await pilot.press("enter")  # issuing again does not make a second notice
        await settle(pilot)
        assert len(notices(app)) == 1
        assert "不重复出具" in screen_text(app)

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_ctrl_p_issues_and_prints_to_the_station_printer(
    demo, clock, tmp_path, fake_lp, printer
):
    from textual.command import CommandPalette

    url, info = demo
    app = make_app(url, clock, demo=info)
    assert app.station.printer.queue == printer
    async with app.run_test(size=SIZE) as pilot:
        await open_notice(pilot, info)
        before = files_under(tmp_path)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert not CommandPalette.is_open(app)  # Ctrl+P prints here
        stored = notices(app)
        assert len(stored) == 1
        number, _, printed = stored[0]
        assert printed == 1
        assert f"已送打印机 counter3（编号 {number}）" in screen_text(app)

        job = (fake_lp / "job.pdf").read_bytes()
        assert job.startswith(b"%PDF-")
        paper = pdf_text(job)
        for material in MISSING:
            assert material in paper
        assert number in paper and APPLICANT.name in paper
        argv = (fake_lp / "argv.txt").read_text(encoding="utf-8").splitlines()
        assert argv[argv.index("-d") + 1] == "counter3"
        assert argv[argv.index("-t") + 1] == "办件通知书"  # no personal data in the job name

        # Nothing else written: only the fake lp's two files are new, and no other file
        # holds the applicant's name (the register is sealed).
        after = files_under(tmp_path)
        new = {p for p in after if p not in before}
        assert {p for p in new if "demo" not in p.parts and "logs" not in p.parts} == {
            fake_lp / "job.pdf",
            fake_lp / "argv.txt",
        }
        assert not list((tmp_path / "cwd").iterdir())
        name = APPLICANT.name.encode()
        assert [p for p, data in after.items() if name in data and p.suffix != ".pdf"] == []


async def test_without_a_printer_the_screen_says_so(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    assert app.station.printer is None
    async with app.run_test(size=SIZE) as pilot:
        await open_notice(pilot, info)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert "未配置打印机" in screen_text(app)
        assert notices(app) == []  # nothing issued for a print that cannot happen
        await pilot.press("ctrl+s")  # issuing and storing still work
        await settle(pilot)
        assert len(notices(app)) == 1


async def test_reprint_of_an_issued_notice(demo, clock, fake_lp, printer, monkeypatch):
    from store.case_notices import issue_case_notice
    from tui.printing import notice_pdf
    from tui.screens.notice import IssuedNoticeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        case_number = app.store.run(new_case, app.session)
        issued = app.store.run(issue_case_notice, app.session, case_number, "supplement")
        app.push_screen(IssuedNoticeScreen(issued.number))
        await settle(pilot)
        text = screen_text(app)
        assert f"已出具：编号 {issued.number}" in text
        for material in MISSING:
            assert material in text

        monkeypatch.setenv("FAKE_LP_EXIT", "1")  # the printer refuses: a Chinese line
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert "打印机 counter3 打印失败" in screen_text(app)
        assert notices(app) == [(issued.number, case_number, 0)]

        monkeypatch.setenv("FAKE_LP_EXIT", "0")
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert (fake_lp / "job.pdf").read_bytes() == notice_pdf(issued.notice)  # as issued
        assert notices(app) == [(issued.number, case_number, 1)]  # reprinted, not re-issued
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(notices(app)) == 1


async def test_a_notice_that_does_not_fit_the_case_is_refused(demo, clock):
    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await open_notice(pilot, info, kind="done")
        text = screen_text(app)
        assert "不适用《办结通知书》" in text and "无法生成告知书" in text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert notices(app) == []


async def test_a_dialogs_enter_issues_and_prints_as_it_says(demo, clock, fake_lp, printer):
    """「Enter 出具并打印」 (after 延期, 退回 …): the notice is issued and printed, not
    merely previewed; without a printer it is issued and the screen says why not printed."""
    from tui.screens.notice import NoticeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        case_number = app.store.run(new_case, app.session)
        app.push_screen(NoticeScreen(case_number, "supplement", print_now=True))
        await settle(pilot)
        stored = notices(app)
        assert len(stored) == 1 and stored[0][2] == 1  # issued, printed once
        assert (fake_lp / "job.pdf").read_bytes().startswith(b"%PDF-")
        assert f"已送打印机 counter3（编号 {stored[0][0]}）" in screen_text(app)


async def test_issue_and_print_without_a_printer_issues_and_says_so(demo, clock):
    from tui.screens.notice import NoticeScreen

    url, info = demo
    app = make_app(url, clock, demo=info)
    async with app.run_test(size=SIZE) as pilot:
        await demo_clerk_home(pilot, info)
        case_number = app.store.run(new_case, app.session)
        app.push_screen(NoticeScreen(case_number, "supplement", print_now=True))
        await settle(pilot)
        assert len(notices(app)) == 1
        assert "未配置打印机" in screen_text(app)
