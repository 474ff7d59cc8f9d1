"""Service catalog: schema, validation (all or nothing), dump round trip, pinyin search."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.catalog import (
    Catalog,
    CatalogError,
    Material,
    dump_catalog,
    load_sample_catalog,
    parse_catalog,
)
from policies.errors import PolicyError

SMALL = (Path(__file__).parent / "data" / "catalog-small.toml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return parse_catalog(SMALL)


def test_parse_fields(catalog: Catalog) -> None:
    assert [w.code for w in catalog.windows] == ["minzheng", "hunyin", "guotu"]
    assert catalog.window("minzheng").phone == "0000-1000001"
    assert catalog.window("hunyin").phone is None
    item = catalog.item("MZ001")
    assert item.name == "低保申请"
    assert item.aliases == ("最低生活保障申请",)
    assert item.procedure == ("申请", "受理", "入户调查", "审核审批", "公示")
    assert (item.legal_limit_days, item.promised_limit_days) == (30, 20)
    assert (item.fee, item.fee_cents, item.result) == ("不收费", 0, "低保证")
    assert (item.default_kind, item.authority, item.tolerance_allowed) == (
        "promised",
        "county",
        True,
    )
    assert item.materials[0] == Material("户口簿", True, 1, "原件及复印件")
    assert [m.name for m in item.main_materials] == ["户口簿"]
    assert [m.name for m in item.secondary_materials] == ["收入证明"]
    assert catalog.item("MZ002").tolerance_allowed is False  # optional, default false
    assert catalog.item("MZ002").materials == ()
    assert catalog.item("GT001").window_count == 2
    assert catalog.item("MZ001").window_count == 1
    assert [i.code for i in catalog.items_for_window("minzheng")] == ["MZ001", "MZ002", "MZ003"]
    with pytest.raises(KeyError):
        catalog.item("XX999")


def test_dump_round_trips(catalog: Catalog) -> None:
    text = dump_catalog(catalog)
    assert parse_catalog(text) == catalog
    assert "[[items.materials]]" in text


# --- validation ---------------------------------------------------------------------------


def _problems(text: str, **kwargs) -> tuple[str, ...]:
    with pytest.raises(CatalogError) as info:
        parse_catalog(text, **kwargs)
    assert isinstance(info.value, PolicyError)
    for problem in info.value.problems:
        assert problem in str(info.value)
    return info.value.problems


def _one(text: str, **kwargs) -> str:
    problems = _problems(text, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


def test_malformed_toml_gives_line_and_column() -> None:
    broken = SMALL.replace('name = "低保申请"', 'name = "低保申请', 1)
    line = SMALL.splitlines().index('name = "低保申请"') + 1
    problem = _one(broken)
    assert f"第 {line} 行" in problem and "列" in problem


def test_unknown_key_names_item_and_key() -> None:
    problem = _one(SMALL.replace('fee = "每对14元"', 'fee = "每对14元"\nfees = "x"'))
    assert "HY001" in problem and "fees" in problem and "未知字段" in problem


def test_unknown_material_key() -> None:
    problem = _one(SMALL.replace("main = true\ncopies = 1", "mian = true\nmain = true\ncopies = 1"))
    assert "MZ001" in problem and "materials[0]" in problem and "mian" in problem


def test_unknown_window() -> None:
    problem = _one(SMALL.replace('window = "hunyin"', 'window = "hunyn"'))
    assert "HY001" in problem and "hunyn" in problem


def test_unknown_window_in_windows_involved() -> None:
    problem = _one(
        SMALL.replace(
            'windows_involved = ["guotu", "minzheng"]', 'windows_involved = ["guotu", "x"]'
        )
    )
    assert "GT001" in problem and "windows_involved" in problem


def test_duplicate_codes() -> None:
    assert "重复" in _one(SMALL.replace('code = "MZ002"', 'code = "MZ001"'))
    assert "重复" in _one(
        SMALL.replace('code = "guotu"', 'code = "hunyin"').replace('"guotu"', '"hunyin"')
    )


def test_promised_longer_than_legal() -> None:
    problem = _one(
        SMALL.replace("promised_limit_days = 20\nfee", "promised_limit_days = 31\nfee", 1)
    )
    assert "MZ001" in problem and "promised_limit_days" in problem and "法定" in problem


@pytest.mark.parametrize("code", ["HY001", "GT002"])
def test_tolerance_refused_on_immediate(code: str) -> None:
    block = SMALL.split(f'code = "{code}"')[1].split("[[items")[0]
    text = SMALL.replace(
        block,
        block.replace('authority = "township"', 'authority = "township"\ntolerance_allowed = true'),
    )
    problem = _one(text)
    assert code in problem and "容缺" in problem


def test_tolerance_refused_on_escalated() -> None:
    text = SMALL.replace(
        'default_kind = "promised"\nauthority = "county"',
        'default_kind = "escalated"\nauthority = "county"',
    )
    problem = _one(text)
    assert "MZ001" in problem and "tolerance_allowed" in problem


def test_tolerance_rule_follows_the_policy_kinds() -> None:
    text = SMALL.replace(
        'default_kind = "promised"\nauthority = "county"',
        'default_kind = "escalated"\nauthority = "county"',
    )
    assert parse_catalog(text, tolerance_ineligible=("immediate",)).item("MZ001").tolerance_allowed


def test_missing_required_key() -> None:
    problem = _one(SMALL.replace('fee = "每对14元"\n', ""))
    assert "HY001" in problem and "缺少必填字段 fee" in problem


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("legal_limit_days = 30", 'legal_limit_days = "30"', "应为整数"),
        ("legal_limit_days = 30", "legal_limit_days = true", "应为整数"),
        ('name = "户口簿"\nmain = true', 'name = "户口簿"\nmain = "yes"', "布尔值"),
        (
            'default_kind = "promised"\nauthority = "county"',
            'default_kind = "supplement"\nauthority = "county"',
            "default_kind",
        ),
        ('authority = "county"', 'authority = "village"', "authority"),
        ("copies = 1", "copies = 0", "copies"),
        ('basis = ["《社会救助暂行办法》（国务院令第649号）"]', "basis = []", "basis"),
        ('name = "低保申请"', 'name = "  "', "不能为空"),
        ('code = "MZ001"', 'code = "民政001"', "英文字母"),
    ],
)
def test_value_errors(old: str, new: str, words: str) -> None:
    assert old in SMALL
    problem = _one(SMALL.replace(old, new, 1))
    assert words in problem


def test_immediate_promises_same_day() -> None:
    old = 'legal_limit_days = 0\npromised_limit_days = 0\nfee = "每对14元"'
    assert old in SMALL
    problem = _one(SMALL.replace(old, old.replace("= 0", "= 1")))
    assert "HY001" in problem and "即办件" in problem


def test_an_item_approved_above_the_hall_is_not_an_immediate_one() -> None:
    """Approval at county level makes it a 上报件 at the counter: never done on the spot."""
    block = SMALL.split('code = "HY001"')[1].split("[[items")[0]
    assert 'authority = "township"' in block
    problem = _one(SMALL.replace(block, block.replace('"township"', '"county"')))
    assert "HY001" in problem and "不能是即办件" in problem


def test_the_sample_catalog_agrees_with_itself() -> None:
    """Every sample item's kind is the one the counter proposes for it with every material
    present (NY001, registered on the spot by the county's 农机监理 at the window, was a
    即办件 approved at county level: always proposed as 上报件)."""
    from policies.cases import MaterialCheck, propose_kind
    from policies.settings import load_policy

    policy = load_policy(None)
    for item in load_sample_catalog().items:
        checks = [MaterialCheck(m.name, m.main) for m in item.materials]
        proposal = propose_kind(
            item.default_kind,
            checks,
            policy,
            windows_involved=item.window_count,
            authority=item.authority,
            item_tolerance_allowed=item.tolerance_allowed,
        )
        assert proposal.kind == item.default_kind, item.code


def test_joint_needs_two_windows() -> None:
    problem = _one(
        SMALL.replace('windows_involved = ["guotu", "minzheng"]', 'windows_involved = ["guotu"]')
    )
    assert "GT001" in problem and "联办件" in problem


def test_all_or_nothing_lists_every_problem() -> None:
    text = (
        SMALL.replace('window = "hunyin"', 'window = "nowhere"')
        .replace("promised_limit_days = 20\nfee", "promised_limit_days = 99\nfee", 1)
        .replace("version = 1", "version = 2\nextra = 1")
    )
    problems = _problems(text)
    assert len(problems) == 4
    assert any("version" in p for p in problems)
    assert any("extra" in p for p in problems)


def test_empty_catalog() -> None:
    problems = _problems("version = 1\n")
    assert any("windows" in p for p in problems) and any("items" in p for p in problems)


# --- search -------------------------------------------------------------------------------


def names(catalog: Catalog, query: str, limit: int = 10) -> list[str]:
    return [item.name for item in catalog.search(query, limit)]


def test_initials_exact_match_first(catalog: Catalog) -> None:
    # dbsq is exactly 低保申请 and a prefix of 低保申请变更 (dbsqbg)
    assert names(catalog, "dbsq") == ["低保申请", "低保申请变更"]
    assert names(catalog, "DBSQ")[0] == "低保申请"
    assert names(catalog, "ＤＢＳＱ")[0] == "低保申请"  # full-width input


def test_prefix_before_substring_and_shorter_first(catalog: Catalog) -> None:
    # 低保 starts 低保申请 (4) and 低保申请变更 (6); is inside 城乡低保待遇复核;
    # the alias 低保复核 starts with it but aliases rank after names
    assert names(catalog, "低保") == ["低保申请", "低保申请变更", "城乡低保待遇复核"]
    assert names(catalog, "db") == ["低保申请", "低保申请变更", "城乡低保待遇复核"]


def test_alias_matches(catalog: Catalog) -> None:
    assert names(catalog, "最低生活")[0] == "低保申请"
    assert names(catalog, "zdshbz")[0] == "低保申请"
    assert names(catalog, "婚姻登记") == ["结婚登记"]
    # a name match outranks an alias match of the same tier
    assert names(catalog, "djdj") == []


def test_full_pinyin_prefix(catalog: Catalog) -> None:
    assert names(catalog, "dibao")[:2] == ["低保申请", "低保申请变更"]
    assert names(catalog, "jiehun") == ["结婚登记"]
    assert names(catalog, "jie hun") == ["结婚登记"]


def test_chinese_substring_and_code(catalog: Catalog) -> None:
    assert names(catalog, "宅基地") == ["农村宅基地审批"]
    assert names(catalog, "hy001") == ["结婚登记"]
    assert names(catalog, "不存在的事项") == []
    assert names(catalog, "  ") == []


def test_heteronym_initials(catalog: Catalog) -> None:
    # 银行: pypinyin reads 行 as hang here; the other reading xing is indexed too
    assert names(catalog, "yhkgs") == ["银行卡挂失证明"]
    assert names(catalog, "yxkgs") == ["银行卡挂失证明"]


def test_limit(catalog: Catalog) -> None:
    assert len(catalog.search("d", limit=2)) == 2
    assert catalog.search("d", limit=0) == []


def test_index_is_built_once_lazily() -> None:
    catalog = parse_catalog(SMALL)
    assert "_index" not in catalog.__dict__
    catalog.search("dbsq")
    index = catalog.__dict__["_index"]
    catalog.search("jhdj")
    assert catalog.__dict__["_index"] is index
    catalog.prepare_search()
    assert catalog.__dict__["_index"] is index


# --- the bundled sample (written by another engineer) ---------------------------------------


def test_bundled_sample_catalog() -> None:
    sample = load_sample_catalog()
    assert len(sample.items) >= 40
    assert len({item.window for item in sample.items}) >= 7
    assert sample.search("dbsq")[0].name == "低保申请"
    assert parse_catalog(dump_catalog(sample)) == sample
