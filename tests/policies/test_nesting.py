"""A hostile file nested thousands of levels deep is refused in Chinese, not with
「内部错误（RecursionError）」: tomllib recurses once per level."""

from __future__ import annotations

import pytest

from policies.calendar import YearFileError, parse_year_file
from policies.catalog import CatalogError, parse_catalog
from policies.settings import PolicySettingError, load_policy

DEEP = "a = " + "[" * 100_000 + "]" * 100_000 + "\n"


def test_a_deeply_nested_policy_override_is_refused_in_chinese() -> None:
    with pytest.raises(PolicySettingError, match="嵌套层数过多"):
        load_policy(DEEP)


def test_a_deeply_nested_year_file_is_refused_in_chinese() -> None:
    with pytest.raises(YearFileError, match="嵌套层数过多"):
        parse_year_file(DEEP)


def test_a_deeply_nested_catalog_is_refused_in_chinese() -> None:
    with pytest.raises(CatalogError, match="嵌套层数过多"):
        parse_catalog(DEEP)
