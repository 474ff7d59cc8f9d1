"""Bad input, fuzzed (issue 15): catalog, policy and year files, ID numbers and phones.

Whatever the text, each parser either returns its value or raises its own PolicyError with a
Chinese message — never another exception, never a hang (a limit of 10¹⁸ working days would
count forever). What parses is written back by the dumper and read again equal.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from policies.calendar import WorkCalendar, YearFileError, dump_year_file, parse_year_file
from policies.catalog import Catalog, CatalogError, dump_catalog, parse_catalog
from policies.errors import PolicyError
from policies.idnumber import InvalidIdNumber, normalise_id_number, validate_resident_id
from policies.masking import mask_id_number, mask_name, mask_phone
from policies.phone import InvalidPhone, validate_phone
from policies.reports import ReportError, batches, parse_period
from policies.settings import PolicySettingError, default_policy_text, load_policy
from tests.hostile import SAMPLES, fuzz, has_chinese, hostile_text

DATA = Path(__file__).parent / "data"
CATALOG_TEXT = (DATA / "catalog-small.toml").read_text(encoding="utf-8")
YEAR_TEXT = (DATA / "calendar-2027.toml").read_text(encoding="utf-8")
TODAY = dt.date(2026, 11, 23)


def refused_in_chinese(exc: PolicyError) -> None:
    assert has_chinese(str(exc)), str(exc)[:200]


# --- mutated and structured documents ----------------------------------------------------


@st.composite
def mutated(draw, text: str) -> str:
    """A known-good file with a few edits: hostile text inserted, ranges cut, a line doubled."""
    out = text
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(out)))
        op = draw(st.sampled_from(["insert", "cut", "double", "truncate"]))
        if op == "insert":
            out = out[:i] + draw(hostile_text()) + out[i:]
        elif op == "cut":
            out = out[:i] + out[i + draw(st.integers(1, 40)) :]
        elif op == "double":
            line_end = out.find("\n", i)
            line = out[i : line_end + 1 if line_end >= 0 else None]
            out = out[:i] + line + out[i:]
        else:
            out = out[:i]
    return out


def toml_scalar() -> st.SearchStrategy:
    """Any value a TOML document can hold, hostile strings and extreme numbers included."""
    return st.one_of(
        hostile_text(surrogates=False),
        st.integers(-(2**63), 2**63 - 1),
        st.sampled_from([0, -1, 1, 10**9, 2**63 - 1, -(2**63)]),
        st.booleans(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.dates(),
        st.datetimes(),
        st.times(),
        st.lists(hostile_text(surrogates=False), max_size=3),
        st.just({}),
        st.just([{}]),
    )


@st.composite
def structured(draw, text: str) -> str:
    """A known-good document parsed, a few of its values (at any depth) replaced by hostile
    ones or extra keys added, and written again as TOML."""
    doc = tomllib.loads(text)
    for _ in range(draw(st.integers(1, 4))):
        table = doc
        while True:  # walk down to a table
            keys = [k for k, v in table.items() if isinstance(v, dict | list)]
            if not keys or draw(st.booleans()):
                break
            value = table[draw(st.sampled_from(keys))]
            if isinstance(value, list):
                tables = [v for v in value if isinstance(v, dict)]
                if not tables:
                    break
                value = draw(st.sampled_from(tables))
            table = value
        if table and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(table)))
        else:
            key = draw(st.sampled_from(["extra", "\x1b[2J", "名称", "code"]))
        table[key] = draw(toml_scalar())
    return tomli_w.dumps(doc)


def any_document(text: str) -> st.SearchStrategy[str]:
    return st.one_of(
        mutated(text), structured(text), hostile_text(), st.sampled_from(list(SAMPLES.values()))
    )


# --- catalog -----------------------------------------------------------------------------


@fuzz(120)
@given(any_document(CATALOG_TEXT), hostile_text())
def test_a_catalog_file_parses_or_is_refused_in_chinese(text, query):
    try:
        catalog = parse_catalog(text)
    except CatalogError as exc:
        refused_in_chinese(exc)
        assert exc.problems
        return
    assert isinstance(catalog, Catalog)
    assert parse_catalog(dump_catalog(catalog)) == catalog
    catalog.search(query)  # a hostile search never raises
    for item in catalog.items:  # limits stay countable (no hang, no date overflow)
        assert 0 <= item.promised_limit_days <= item.legal_limit_days <= 365


@pytest.mark.parametrize("key", ["legal_limit_days", "promised_limit_days"])
@pytest.mark.parametrize("days", [366, 10**9, 2**63 - 1])
def test_a_limit_beyond_a_year_is_refused(key, days):
    doc = tomllib.loads(CATALOG_TEXT)
    doc["items"][0]["legal_limit_days"] = doc["items"][0]["promised_limit_days"] = 1
    doc["items"][0][key] = days
    with pytest.raises(CatalogError, match=key):
        parse_catalog(tomli_w.dumps(doc))


def test_catalog_text_longer_than_its_columns_is_refused():
    """Codes and names go into columns of a fixed width on PostgreSQL (VARCHAR)."""
    doc = tomllib.loads(CATALOG_TEXT)
    doc["windows"][0]["name"] = "民" * 65
    doc["items"][0]["name"] = "低" * 129
    doc["items"][1]["code"] = "X" * 33
    with pytest.raises(CatalogError) as info:
        parse_catalog(tomli_w.dumps(doc))
    assert len(info.value.problems) == 3
    assert all("过长" in p for p in info.value.problems)


# --- policy ------------------------------------------------------------------------------


@fuzz(120)
@given(any_document(default_policy_text()))
def test_a_policy_file_loads_or_is_refused_in_chinese(text):
    try:
        policy = load_policy(text)
    except PolicySettingError as exc:
        refused_in_chinese(exc)
        return
    # Every count of days the rules would walk through the calendar stays countable.
    calendar = WorkCalendar()
    for key, value in policy.as_dict().items():
        if key.endswith("_days") and isinstance(value, int):
            assert 0 <= value <= 365, f"{key} = {value}"
            calendar.due(TODAY, value, allow_provisional=True)


@pytest.mark.parametrize(
    "key",
    [
        "deadlines.promised_fallback_working_days",
        "tolerance.commitment_working_days",
        "complaints.complex_working_days",
        "ratings.rectify_working_days",
        "ratings.auto_rate_after_days",
        "petitions.reply_days",
        "ab_posts.absence_notice_days",
    ],
)
def test_a_count_of_days_beyond_a_year_is_refused(key):
    section, name = key.split(".")
    with pytest.raises(PolicySettingError, match="不能大于"):
        load_policy(f"[{section}]\n{name} = 1000000000000\n")


# --- year file ---------------------------------------------------------------------------


@fuzz(120)
@given(any_document(YEAR_TEXT))
def test_a_year_file_parses_or_is_refused_in_chinese(text):
    try:
        year = parse_year_file(text)
    except YearFileError as exc:
        refused_in_chinese(exc)
        return
    assert parse_year_file(dump_year_file(year)) == year


@pytest.mark.parametrize("name", [v for k, v in SAMPLES.items() if "surrogate" not in k])
def test_a_year_file_keeps_any_holiday_name_through_dump_and_parse(name):
    text = YEAR_TEXT.replace('name = "元旦"', f"name = {tomli_w.dumps({'n': name})[4:]}", 1)
    try:
        year = parse_year_file(text)
    except YearFileError as exc:
        refused_in_chinese(exc)
        return
    assert parse_year_file(dump_year_file(year)) == year


# --- ID numbers, phones, masks -----------------------------------------------------------


def id_like() -> st.SearchStrategy[str]:
    digits = st.text(alphabet="0123456789Xx", min_size=0, max_size=20)
    return st.one_of(
        hostile_text(),
        digits,
        st.builds(lambda a, b: a + b, digits, hostile_text(max_size=3)),
        st.text(alphabet="０１２３４５６７８９Ｘ١٢٣߁𝟏", max_size=19),
    )


@fuzz(300)
@given(id_like())
def test_an_id_number_validates_or_is_refused_in_chinese_without_repeating_it(text):
    try:
        rid = validate_resident_id(text, today=TODAY)
    except InvalidIdNumber as exc:
        refused_in_chinese(exc)
        number = normalise_id_number(text)
        if len(number) >= 8:
            assert number not in str(exc)
        return
    assert len(rid.number) == 18 and rid.number.isascii() and rid.number[:17].isdigit()


@fuzz(200)
@given(id_like())
def test_a_phone_validates_to_ascii_digits_or_is_refused_in_chinese(text):
    try:
        digits = validate_phone(text)
    except InvalidPhone as exc:
        refused_in_chinese(exc)
        return
    assert digits.isascii(), repr(digits)


@pytest.mark.parametrize("text", ["13٨٠٠١٣٨٠٠٠", "0371-٦٥٤٣٢١٠", "138߀0138000"])
def test_a_phone_in_other_scripts_digits_is_refused(text):
    with pytest.raises(InvalidPhone):
        validate_phone(text)


@fuzz(100)
@given(hostile_text())
def test_masks_take_any_text(text):
    for mask in (mask_name, mask_id_number, mask_phone):
        assert isinstance(mask(text), str)


# --- a report's period (F8, chuangkou report --period) ------------------------------------


def period_like() -> st.SearchStrategy[str]:
    year = st.integers(0, 9999).map(lambda y: f"{y:04d}")
    two = st.integers(0, 99).map(str)
    return st.one_of(
        hostile_text(),
        st.builds(lambda y, q: f"{y}Q{q}", year, st.integers(0, 9)),
        st.builds(lambda y, m: f"{y}-{m}", year, two),
        st.builds(lambda y, m, d: f"{y}-{m}-{d}", year, two, two),
        st.builds(lambda a, b, c, d: f"{a}-{b}-1..{c}-{d}-28", year, st.integers(1, 12), year, two),
        st.sampled_from(["9999-12-31", "9999Q4", "0001-01-01..9999-12-31", "٢٠٢٦Q4"]),
    )


@fuzz(300)
@given(period_like())
def test_a_report_period_is_read_or_refused_in_chinese(text):
    try:
        period = parse_period(text)
    except ReportError as exc:
        refused_in_chinese(exc)
        return
    assert period.first <= period.last
    assert len(batches(period)) <= 12 * 101  # every month of it can be counted


@pytest.mark.parametrize(
    "text", ["9999-12-31", "9999-12", "0001-01-01..9999-12-31", "2026-12-31..2026-01-01"]
)
def test_a_period_past_the_registers_years_or_backwards_is_refused(text):
    with pytest.raises(ReportError):
        parse_period(text)
