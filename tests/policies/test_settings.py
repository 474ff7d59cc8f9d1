"""Policy settings: DOMAIN.md defaults, per-hall overrides, errors naming the key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from policies.errors import PolicyError
from policies.settings import Policy, PolicySettingError, default_policy_text, load_policy


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


# values as DOMAIN.md states them (expected values typed from the document, not the file)
DOMAIN_DEFAULTS = {
    "deadlines.immediate_working_days": 0,
    "deadlines.immediate_minutes": 30,
    "deadlines.task_without_limit_working_days": 5,
    "deadlines.higher_decision_working_days": 15,
    "supplement.clock_start": "complete",
    "supplement.clock_start_on_omission": "first_supplement",
    "joint.min_windows": 2,
    "tolerance.ineligible_kinds": ("immediate", "escalated"),
    "complaints.oral_on_the_spot": True,
    "complaints.general_reply_working_days": 1,
    "complaints.written_working_days": 5,
    "complaints.complex_extension_working_days": 10,
    "complaints.complex_working_days": 15,
    "ratings.contact_working_days": 1,
    "ratings.simple_fix_working_days": 2,
    "ratings.complex_fix_working_days": 3,
    "ratings.rectify_working_days": 15,
    "ratings.callback_rate_percent": 100,
    "ratings.auto_rate_enabled": False,
    "ratings.auto_rate_after_days": 7,
    "ratings.auto_rate_level": "基本满意",
    "evaluator.timeout_seconds": 10,
    "petitions.on_the_spot": True,
    "petitions.reply_days": 3,
    "petitions.leader_reply_days": 7,
    "ab_posts.absence_notice_days": 1,
    "ab_posts.approval_over_days": 1,
    "ab_posts.initiative_after": dt.time(8, 30),
    "deadlines.warn_before_working_days": 1,
    "deadlines.head_after_working_days": 5,
    "attendance.sign_in": dt.time(8, 0),
    "attendance.sign_out": dt.time(17, 30),
    "login.max_failures": 5,
    "login.lockout_minutes": 15,
    "login.idle_lock_seconds": 300,
}


@pytest.mark.parametrize("key", DOMAIN_DEFAULTS)
def test_defaults_are_domain_values(policy: Policy, key: str) -> None:
    assert policy.get(key) == DOMAIN_DEFAULTS[key]


def test_typed_attribute_access(policy: Policy) -> None:
    assert policy.login.max_failures == 5
    assert isinstance(policy.attendance.sign_in, dt.time)
    assert policy.tolerance.enabled is True
    assert policy.login.password_min_length >= 8


def test_every_value_has_a_chinese_comment() -> None:
    lines = default_policy_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^[a-z_]+\s*=", line):
            above = lines[i - 1]
            assert above.startswith("#") and re.search(r"[\u4e00-\u9fff]", above), line


def test_policy_is_frozen(policy: Policy) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.login.max_failures = 3  # type: ignore[misc]


def test_override_one_value(policy: Policy) -> None:
    hall = load_policy("[login]\nmax_failures = 3\n")
    assert hall.login.max_failures == 3
    assert hall.login.lockout_minutes == policy.login.lockout_minutes
    assert hall.joint == policy.joint
    assert hall.changed_from_default() == {"login.max_failures": (5, 3)}


def test_seed_000_variants() -> None:
    hall = load_policy(
        "[joint]\nmin_windows = 3\n"
        "[complaints]\ncomplex_working_days = 5\ncomplex_extension_working_days = 0\n"
    )
    assert hall.joint.min_windows == 3
    assert hall.complaints.complex_working_days == 5


def test_times_as_toml_time_or_text() -> None:
    assert load_policy("[attendance]\nsign_in = 08:30:00\n").attendance.sign_in == dt.time(8, 30)
    assert load_policy('[attendance]\nsign_in = "07:45"\n').attendance.sign_in == dt.time(7, 45)


def test_list_override_replaces_the_list() -> None:
    hall = load_policy('[tolerance]\nineligible_kinds = ["immediate"]\n')
    assert hall.tolerance.ineligible_kinds == ("immediate",)


def test_empty_override_is_default(policy: Policy) -> None:
    assert load_policy("") == policy
    assert load_policy("  \n# 无改动\n") == policy


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[login]\nmax_failure = 3\n", "login.max_failure", "未知的设置项"),
        ("[logins]\nmax_failures = 3\n", "logins", "未知的设置分组"),
        ("login = 3\n", "login", "应为表"),
        ('[login]\nmax_failures = "五"\n', "login.max_failures", "应为整数"),
        ("[login]\nmax_failures = true\n", "login.max_failures", "应为整数"),
        ("[login]\nmax_failures = 2.5\n", "login.max_failures", "应为整数"),
        ("[login]\nmax_failures = 0\n", "login.max_failures", "不能小于 1"),
        (
            "[ratings]\ncallback_rate_percent = 120\n",
            "ratings.callback_rate_percent",
            "不能大于 100",
        ),
        ("[tolerance]\nenabled = 1\n", "tolerance.enabled", "应为布尔值"),
        ('[attendance]\nsign_in = "八点"\n', "attendance.sign_in", "应为时刻"),
        ("[attendance]\nsign_in = 8\n", "attendance.sign_in", "应为时刻"),
        ('[ratings]\nauto_rate_level = "满意吧"\n', "ratings.auto_rate_level", "之一"),
        ('[supplement]\nclock_start = "later"\n', "supplement.clock_start", "之一"),
        (
            '[tolerance]\nineligible_kinds = ["urgent"]\n',
            "tolerance.ineligible_kinds",
            "未知的办件类型",
        ),
        ('[tolerance]\nineligible_kinds = "immediate"\n', "tolerance.ineligible_kinds", "文字列表"),
        ("[attendance]\nsign_out = 07:00:00\n", "attendance.sign_out", "应晚于"),
        ("[complaints]\ncomplex_working_days = 3\n", "complaints.complex_working_days", "不能短于"),
    ],
)
def test_bad_overrides_name_the_key(text: str, key: str, words: str) -> None:
    with pytest.raises(PolicySettingError) as info:
        load_policy(text)
    assert info.value.key == key
    assert key in str(info.value) and words in str(info.value)
    assert isinstance(info.value, PolicyError)


def test_malformed_toml() -> None:
    with pytest.raises(PolicySettingError, match="TOML"):
        load_policy("[login\nmax_failures = 3\n")


def test_to_toml_round_trips(policy: Policy) -> None:
    assert load_policy(policy.to_toml()) == policy
    hall = load_policy('[attendance]\nsign_in = "08:30"\n[joint]\nmin_windows = 3\n')
    assert load_policy(hall.to_toml()) == hall
    assert "max_failures = 5" in policy.to_toml()


def test_as_dict_and_get(policy: Policy) -> None:
    flat = policy.as_dict()
    assert flat["login.max_failures"] == 5
    assert all(policy.get(k) == v for k, v in flat.items())
    with pytest.raises(PolicySettingError):
        policy.get("login.nothing")
