"""Reports (store.reports, policies.reports, tui.exports) against a hand-built fixture: a
few cases, inquiries, ratings, complaints and petitions on chosen dates, every expected
figure worked out by hand and written here — not computed by the code under test.

The clock stands at Monday 2026-11-23 08:30 hall time, so "yesterday" is 2026-11-22.
"""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from policies.reports import (
    ASSESSMENT_COLUMNS,
    Period,
    ReportError,
    assessment_rows,
    batches,
    is_on_time,
    month,
    parse_period,
    percent,
    quarter,
    quarter_of,
    report_rows,
)
from store import row_macs
from store.database import database
from store.errors import InvalidInput, PermissionDenied
from store.models import AuditEvent, Case, Complaint, Petition, Rating, Staff, new_uuid
from store.reports import assemble, report, report_part
from store.staff import add_staff, assign_post
from tests.store.test_queue import add_case, add_inquiry, local, setup_catalog

OTHER_PASSWORD = "hunyin-mima-2026"
Q4 = {"start": dt.date(2026, 10, 1), "end": dt.date(2026, 12, 31)}


# --- periods -----------------------------------------------------------------------------


def test_periods_day_month_quarter_and_ranges():
    assert quarter(2026, 4) == Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31), "2026年第4季度")
    assert quarter(2027, 1).first == dt.date(2027, 1, 1)
    assert quarter(2027, 1).last == dt.date(2027, 3, 31)
    assert quarter(2028, 1).days == 91  # 2028 is a leap year
    assert quarter_of(dt.date(2026, 11, 23)) == quarter(2026, 4)
    assert quarter_of(dt.date(2026, 7, 1)).first == dt.date(2026, 7, 1)
    assert month(2026, 2).last == dt.date(2026, 2, 28)
    assert month(2026, 12).last == dt.date(2026, 12, 31)
    assert parse_period("2026Q4") == quarter(2026, 4)
    assert parse_period("2026-11") == month(2026, 11)
    assert parse_period("2026-11-23").days == 1
    across = parse_period("2026-12-15..2027-01-15")
    assert (across.first, across.last, across.days) == (
        dt.date(2026, 12, 15),
        dt.date(2027, 1, 15),
        32,
    )
    assert [(b.first, b.last) for b in batches(across)] == [
        (dt.date(2026, 12, 15), dt.date(2026, 12, 31)),
        (dt.date(2027, 1, 1), dt.date(2027, 1, 15)),
    ]
    assert len(batches(quarter(2026, 4))) == 3
    for bad in ("2026Q5", "2026-13", "2026-02-30", "明年", "2026-12-31..2026-12-01"):
        with pytest.raises(ReportError):
            parse_period(bad)


def test_on_time_and_rates_by_definition():
    due = dt.date(2026, 10, 20)
    assert is_on_time(dt.date(2026, 10, 20), due) is True
    assert is_on_time(dt.date(2026, 10, 21), due) is False
    assert is_on_time(dt.date(2026, 10, 25), due, dt.date(2026, 10, 30), True) is True
    assert is_on_time(dt.date(2026, 10, 25), due, dt.date(2026, 10, 30), False) is False
    assert is_on_time(dt.date(2026, 10, 25), None) is None
    assert percent(2, 3) == "66.7%"
    assert percent(0, 0) == "—"


# --- the fixture -------------------------------------------------------------------------


def _case(session, *, closed=None, trips=1, staff=None, **kw) -> Case:
    case = add_case(session, closed_at=closed, staff_id=staff, **kw)
    if trips != 1:
        Case.update(trips=trips).where(Case.id == case.id).execute()
    return case


def _rating(session, case, level, at, *, rated=True, followup="", channel="device"):
    with database.atomic():
        return row_macs.create(
            session.keys,
            Rating,
            uuid=new_uuid(),
            key_id=session.keys.current,
            case=case,
            staff=case.accepted_by_id,
            window=case.window_id,
            channel=channel,
            level=level,
            rated=rated,
            at=at,
            followup_state=followup,
        )


def _complaint(session, *, at, window, staff, grounds, substantiated, closed=None):
    fields = Complaint._meta.fields
    uuid = new_uuid()
    values = {
        "uuid": uuid,
        "key_id": session.keys.current,
        "number": f"TS{uuid[:8]}",
        "received_at": at,
        "channel": "oral",
        "ground": grounds[0],
        "grounds": json.dumps(grounds),
        "against_staff": staff,
        "against_window": window,
        "description_enc": session.keys.seal("complaint", "description_enc", uuid, "态度差"),
        # the complainant (seen only by the complaint officer): never in a report
        "complainant_name_enc": session.keys.seal(
            "complaint", "complainant_name_enc", uuid, "郝投诉"
        ),
        "complainant_contact_enc": session.keys.seal(
            "complaint", "complainant_contact_enc", uuid, "13911112222"
        ),
        "state": "closed" if closed else "received",
        "received_by": session.staff_id,
        "confirmed": substantiated,
        "substantiated": substantiated,
        "replied_at": closed,
        "closed_at": closed,
    }
    with database.atomic():
        row_macs.create(session.keys, Complaint, **{k: v for k, v in values.items() if k in fields})


def _petition(session, *, at, due, closed=None, by=None, serious=False, collective=False):
    uuid = new_uuid()
    with database.atomic():
        row_macs.create(
            session.keys,
            Petition,
            uuid=uuid,
            key_id=session.keys.current,
            number=f"XF{uuid[:8]}",
            received_at=at,
            name_enc=session.keys.seal("petition", "name_enc", uuid, "李四"),
            issue_enc=session.keys.seal("petition", "issue_enc", uuid, "道路"),
            serious=serious,
            collective=collective,
            state="closed" if closed else "received",
            due_date=due,
            received_by=by or session.staff_id,
            closed_at=closed,
        )


@pytest.fixture
def register(hall):
    """Clerk 1001 (民政, post A) and clerk 1002 (婚姻), and the register below."""
    setup_catalog(hall)
    sup = hall.supervisor
    add_staff(sup, number="1002", name="赵婚姻", role="clerk", password=OTHER_PASSWORD)
    assign_post(sup, "minzheng", "A", "1001")
    assign_post(sup, "hunyin", "A", "1002")
    clerk = hall.login()
    other = Staff.get(Staff.number == "1002").id
    d = dt.date
    # c1 promised, due 10-20, done 10-15, one trip: on time
    c1 = _case(
        clerk, received_at=local(2026, 10, 9), due=d(2026, 10, 20), state="done",
        closed=local(2026, 10, 15),
    )  # fmt: skip
    # c2 due 10-22, done 10-23 10:00, two trips: late, and overdue (fell due in the quarter)
    c2 = _case(
        clerk, received_at=local(2026, 10, 12), due=d(2026, 10, 22), state="done",
        closed=local(2026, 10, 23, 10), trips=2,
    )  # fmt: skip
    # c3 婚姻 即办件 by 1002, due and done the same day 17:00: on time
    c3 = _case(
        clerk, item="HY001", received_at=local(2026, 11, 2), due=d(2026, 11, 2), state="done",
        closed=local(2026, 11, 2, 17), staff=other,
    )  # fmt: skip
    # c4 open, due 11-16 (before yesterday): overdue
    _case(clerk, received_at=local(2026, 11, 5), due=d(2026, 11, 16), state="in_progress")
    # c5 open, due 11-30: not overdue yet
    _case(clerk, received_at=local(2026, 11, 10), due=d(2026, 11, 30), state="accepted")
    # c6 退回件, closed the same day: an ending, not 办结
    c6 = _case(
        clerk, kind="returned", received_at=local(2026, 11, 12), state="returned",
        closed=local(2026, 11, 12, 10),
    )  # fmt: skip
    # c7 received 2026-09-30 23:30 hall time (Q3), done 10-08 in Q4 with 3 trips, due 10-10
    c7 = _case(
        clerk, received_at=local(2026, 9, 30, 23, 30), due=d(2026, 10, 10), state="done",
        closed=local(2026, 10, 8), trips=3,
    )  # fmt: skip
    # c8 received 2027-01-01 00:10 hall time (2026-12-31 16:10 UTC): not in Q4
    _case(clerk, received_at=local(2027, 1, 1, 0, 10), due=d(2027, 1, 8), state="accepted")
    # c9 done without a time limit: out of the on-time rate, one trip
    c9 = _case(clerk, received_at=local(2026, 11, 20), state="done", closed=local(2026, 11, 20, 11))
    # c10 due 10-30, extension approved to 11-10, done 11-06: on time by its extension
    c10 = _case(
        clerk, received_at=local(2026, 10, 20), due=d(2026, 10, 30), state="done",
        closed=local(2026, 11, 6),
    )  # fmt: skip
    Case.update(extended_until=d(2026, 11, 10), extension_state="approved").where(
        Case.id == c10.id
    ).execute()

    add_inquiry(clerk, at=local(2026, 10, 5), disposition="answered")
    add_inquiry(clerk, at=local(2026, 11, 1), disposition="referred", caller_name="张三")
    add_inquiry(
        clerk, at=local(2026, 11, 15), disposition="accepted", window="hunyin", first_asker=other
    )
    add_inquiry(clerk, at=local(2026, 9, 30, 12), disposition="answered")  # Q3

    _rating(clerk, c1, 1, local(2026, 10, 15))
    _rating(clerk, c2, 4, local(2026, 10, 23, 11), followup="rectified")
    _rating(clerk, c3, 2, local(2026, 11, 2, 17, 5))
    _rating(clerk, c9, 5, local(2026, 11, 20, 11, 5), followup="open")
    _rating(clerk, c10, 0, local(2026, 11, 7), rated=False, channel="default")
    _rating(clerk, c7, 3, local(2026, 10, 8, 9, 10), channel="default")
    _rating(clerk, c6, 5, local(2026, 11, 12, 11), followup="withdrawn")  # appeal upheld

    mz, hy = c1.window_id, c3.window_id
    me = clerk.staff_id
    sup_session = hall.supervisor
    _complaint(
        sup_session, at=local(2026, 10, 10), window=mz, staff=me,
        grounds=["attitude", "overdue"], substantiated=True, closed=local(2026, 10, 13),
    )  # fmt: skip
    _complaint(
        sup_session, at=local(2026, 11, 3), window=mz, staff=me, grounds=["attitude"],
        substantiated=False, closed=local(2026, 11, 5),
    )  # fmt: skip
    _complaint(
        sup_session, at=local(2026, 11, 20), window=hy, staff=other, grounds=["not_once"],
        substantiated=None,
    )  # fmt: skip

    _petition(sup_session, at=local(2026, 10, 20), due=d(2026, 10, 23),
              closed=local(2026, 10, 22), serious=True)  # fmt: skip
    _petition(sup_session, at=local(2026, 11, 18), due=d(2026, 11, 21),
              closed=local(2026, 11, 22), by=me, collective=True)  # fmt: skip
    _petition(sup_session, at=local(2026, 11, 21), due=d(2026, 11, 24), by=me)
    return hall, clerk


# --- the figures -------------------------------------------------------------------------


def test_the_hall_quarter_figure_by_figure(register):
    hall, _ = register
    r = report(hall.supervisor, scope="hall", label="2026年第4季度", **Q4)
    f = r.totals
    assert r.scope_label == "全大厅"
    assert r.period.label == "2026年第4季度"
    # inquiries: 3 in Q4 (one on 09-30 is Q3)
    assert f.inquiries == 3
    assert f.inquiries_by_channel == {"visit": 2, "phone": 1}
    assert f.inquiries_by_disposition == {"answered": 1, "referred": 1, "accepted": 1}
    # received: c1 c2 c3 c4 c5 c6 c9 c10 (c7 was received in Q3, c8 in 2027)
    assert f.received == 8
    assert f.received_by_kind == {"promised": 6, "immediate": 1, "returned": 1}
    # closed in Q4: c1 c2 c3 c6 c7 c9 c10; done six of them
    assert f.closed == 7
    assert f.closed_by_state == {"done": 6, "returned": 1}
    assert f.done == 6
    # on time: c1 c3 c7 c10 of the five done with a due date (c9 has none)
    assert (f.on_time, f.timed) == (4, 5)
    # overdue: c2 (done a day late) and c4 (open past 11-16)
    assert f.overdue == 2
    # one trip: c1 c3 c9 c10; trips 1+2+1+3+1+1 = 9
    assert (f.one_trip, f.trips) == (4, 9)
    # ratings: five rated (one 未评价, one withdrawn on appeal), 3 satisfied, 2 差评
    assert (f.rated, f.not_rated) == (5, 1)
    assert f.by_level == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    assert (f.satisfied, f.bad, f.followed_up, f.rectified) == (3, 2, 1, 1)
    # complaints: 3; grounds counted per ground; 1 substantiated; 2 handled in 3 and 2 days
    assert f.complaints == 3
    assert f.complaints_by_ground == {"attitude": 2, "overdue": 1, "not_once": 1}
    assert f.substantiated == 1
    assert f.complaints_handled == 2
    assert f.handling_days == pytest.approx(5.0)
    assert f.handling_days_max == pytest.approx(3.0)
    # petitions: 3, one serious, one collective, two closed, one of them on time
    assert (f.petitions, f.petitions_serious, f.petitions_collective) == (3, 1, 1)
    assert (f.petitions_closed, f.petitions_on_time) == (2, 1)
    # the daily series: zero days included, 92 days in Q4
    daily = dict((d, (rec, done)) for d, rec, done in r.daily())
    assert len(daily) == 92
    assert daily[dt.date(2026, 10, 9)] == (1, 0)
    assert daily[dt.date(2026, 11, 2)] == (1, 1)
    assert daily[dt.date(2026, 10, 8)] == (0, 1)
    assert sum(rec for rec, _ in daily.values()) == 8
    assert sum(done for _, done in daily.values()) == 6

    rows = {(row.section, row.label): row.value for row in report_rows(r)}
    assert rows[("办件", "按时办结率")] == "80.0%"
    assert rows[("办件", "一次办结率")] == "66.7%"
    assert rows[("办件", "平均跑动次数")] == "1.50"
    assert rows[("好差评", "满意率")] == "60.0%"
    assert rows[("好差评", "整改率")] == "50.0%"
    assert rows[("投诉", "平均处理天数")] == "2.5"
    assert rows[("投诉", "最长处理天数")] == "3.0"


def test_the_quarterly_window_assessment(register):
    hall, _ = register
    r = report(hall.supervisor, scope="hall", **Q4)
    table = {row[0]: row for row in assessment_rows(r)}
    assert ASSESSMENT_COLUMNS[0] == "窗口"
    # 民政: received c1 c2 c4 c5 c6 c9 c10 = 7; done c1 c2 c7 c9 c10 = 5, on time c1 c7 c10
    # of 4 timed = 75%; overdue c2 c4; one trip c1 c9 c10 = 3/5; rated c1 c2 c7 c9 = 4,
    # satisfied c1 c7 = 50%; 差评 c2 c9, rectified c2 = 50%; one complaint substantiated
    assert table["民政窗口"][1:] == (
        "7", "5", "75.0%", "2", "60.0%", "4", "50.0%", "2", "50.0%", "1",
    )  # fmt: skip
    # 婚姻: c3 only, on time, one trip, 非常满意… 满意 (level 2)
    assert table["婚姻登记窗口"][1:] == (
        "1", "1", "100.0%", "0", "100.0%", "1", "100.0%", "0", "—", "0",
    )  # fmt: skip
    # 国土村建: nothing this quarter, listed all the same
    assert table["国土村建窗口"][1:] == ("0", "0", "—", "0", "—", "0", "—", "0", "—", "0")
    assert table["合计"][1:3] == ("8", "6")


def test_a_clerk_and_a_window_scope(register):
    hall, clerk = register
    mine = report(clerk, scope="clerk", **Q4)
    assert mine.scope_label == "工号 1001"
    # 1001 accepted all but c3; 1002's c3 is not in it
    assert mine.totals.received == 7
    assert mine.totals.done == 5
    assert mine.totals.inquiries == 2
    assert mine.totals.complaints == 2
    # petitions 1001 received: two, one closed late
    assert (mine.totals.petitions, mine.totals.petitions_on_time) == (2, 0)
    window = report(clerk, scope="window", key="minzheng", **Q4)
    assert window.totals.received == 7
    assert window.totals.petitions == 0  # the hall's, not a window's
    other = report(hall.supervisor, scope="clerk", key="1002", **Q4)
    assert (other.totals.received, other.totals.on_time, other.totals.rated) == (1, 1, 1)


def test_a_clerk_sees_their_own_and_their_windows_only(register):
    hall, clerk = register
    for scope, key in (("clerk", "1002"), ("window", "hunyin"), ("hall", None)):
        with pytest.raises(PermissionDenied):
            report(clerk, scope=scope, key=key, **Q4)
    with pytest.raises(InvalidInput):
        report(hall.supervisor, scope="window", key="nowhere", **Q4)
    with pytest.raises(InvalidInput):
        report(hall.supervisor, scope="everything", **Q4)


def test_the_audit_holds_scope_and_dates_only(register):
    hall, _ = register
    report(hall.supervisor, scope="clerk", key="1001", **Q4)
    event = AuditEvent.select().where(AuditEvent.action == "report.view").get()
    assert json.loads(event.detail) == {
        "scope": "clerk",
        "first": "2026-10-01",
        "last": "2026-12-31",
    }


def test_a_range_across_the_year_end_in_batches(register):
    hall, _ = register
    seen = []
    r = report(
        hall.supervisor,
        start=dt.date(2026, 12, 15),
        end=dt.date(2027, 1, 15),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 2), (2, 2)]
    assert r.totals.received == 1  # c8, 2027-01-01 00:10 hall time
    assert r.daily()[17] == (dt.date(2027, 1, 1), 1, 0)
    # the screen's way: one call per batch, put together; the same figures
    parts = [
        report_part(hall.supervisor, start=b.first, end=b.last) for b in batches(quarter(2026, 4))
    ]
    whole = assemble(quarter(2026, 4), parts)
    assert whole.totals == report(hall.supervisor, **Q4).totals
    with pytest.raises(InvalidInput):
        report_part(hall.supervisor, start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 30))


# --- exports -----------------------------------------------------------------------------

PERSONAL = ("王小英", "赵婚姻", "林主任", "张三", "李四", "态度差", "道路", "郝投诉", "13911112222")


def test_exports_write_csv_xlsx_and_pdf_with_no_personal_field(register, tmp_path):
    import openpyxl
    from pypdf import PdfReader

    from tui.exports import export_report

    hall, _ = register
    r = report(hall.supervisor, scope="hall", label="2026年第4季度", **Q4)

    path = export_report(r, "csv", tmp_path / "q4.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # utf-8-sig: Excel reads the Chinese
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert ["办件", "按时办结率", "80.0%"] in rows
    assert ["民政窗口", "7", "5", "75.0%", "2", "60.0%", "4", "50.0%", "2", "50.0%", "1"] in rows
    text = path.read_text(encoding="utf-8-sig")

    path = export_report(r, "xlsx", tmp_path / "q4.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["统计", "窗口季度考核", "每日办件"]
    cells = [[c for c in row] for row in book["统计"].iter_rows(values_only=True)]
    assert ["好差评", "满意率", "60.0%"] in cells
    assessment = list(book["窗口季度考核"].iter_rows(values_only=True))
    assert list(assessment[1]) == list(ASSESSMENT_COLUMNS)
    daily = list(book["每日办件"].iter_rows(values_only=True))
    assert len(daily) == 1 + 92
    text += repr(cells) + repr(assessment)

    path = export_report(r, "pdf", tmp_path / "q4.pdf")
    pdf = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert "按时办结率" in pdf
    assert "80.0%" in pdf
    assert "窗口季度考核" in pdf
    text += pdf

    for personal in PERSONAL:
        assert personal not in text
