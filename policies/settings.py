"""The hall's policy settings (策略设置): every number a hall may set differently.

Defaults live in the bundled ``policies/data/policy.toml`` (one Chinese comment per value
naming the seed it comes from). A hall passes its own override TOML text; any single key
may be overridden, an unknown key or a value of the wrong type raises
:class:`PolicySettingError` naming the key. The result is a tree of frozen dataclasses
with typed values (``int``, ``bool``, ``str``, ``datetime.time``, ``tuple[str, ...]``).

Units are in the key names: ``_working_days`` are statutory working days (counted with
:class:`policies.calendar.WorkCalendar`), ``_days`` natural days, ``_minutes``, ``_seconds``.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import tomllib
import typing
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import tomli_w

from policies.cases import KINDS
from policies.errors import PolicyError
from policies.handover import parse_levels

__all__ = [
    "RATING_LEVELS",
    "SUPPLEMENT_CLOCK_STARTS",
    "AbPostPolicy",
    "AttendancePolicy",
    "ComplaintPolicy",
    "DeadlinePolicy",
    "EvaluatorPolicy",
    "FirstInquiryPolicy",
    "JointPolicy",
    "LoginPolicy",
    "PetitionPolicy",
    "Policy",
    "PolicySettingError",
    "RatingPolicy",
    "SupplementPolicy",
    "TolerancePolicy",
    "default_policy_text",
    "load_policy",
]

# 好差评 five levels, best first (seed 002 附件9).
RATING_LEVELS = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
# When a 补办件's clock starts: see policy.toml [supplement].
SUPPLEMENT_CLOCK_STARTS = ("complete", "first_supplement", "receipt")


class PolicySettingError(PolicyError):
    """A setting is unknown, missing or has a wrong value; ``key`` is e.g. ``login.max_failures``."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"策略设置 {key}：{message}" if key else f"策略设置：{message}")


# Every count of days is walked through the calendar day by day: a year bounds it.
MAX_DAYS = 365


def _num(low: int = 0, high: int = MAX_DAYS) -> Any:
    return field(metadata={"min": low, "max": high})


def _choice(*choices: str) -> Any:
    return field(metadata={"choices": choices})


@dataclass(frozen=True)
class FirstInquiryPolicy:
    """首问负责制: whether a counter accepts only its own window's items."""

    accept_other_windows: bool


@dataclass(frozen=True)
class DeadlinePolicy:
    """限时办结 limits by case kind."""

    immediate_working_days: int = _num(0, 3)
    immediate_minutes: int = _num(1, 24 * 60)
    promised_fallback_working_days: int = _num(0)
    task_without_limit_working_days: int = _num(1)
    higher_decision_working_days: int = _num(1)
    warn_before_working_days: int = _num(0, 30)
    head_after_working_days: int = _num(1, 365)


@dataclass(frozen=True)
class SupplementPolicy:
    """补办件: from which day the limit counts (the count starts the day after it)."""

    clock_start: str = _choice(*SUPPLEMENT_CLOCK_STARTS)
    clock_start_on_omission: str = _choice(*SUPPLEMENT_CLOCK_STARTS)


@dataclass(frozen=True)
class JointPolicy:
    """联办件 threshold: number of windows involved (seed 001: 2, seed 000: 3)."""

    min_windows: int = _num(2, 20)


@dataclass(frozen=True)
class TolerancePolicy:
    """容缺受理 (seed 002 附件8)."""

    enabled: bool
    ineligible_kinds: tuple[str, ...] = field(metadata={"kinds": True})
    commitment_working_days: int = _num(1)


@dataclass(frozen=True)
class ComplaintPolicy:
    """投诉 reply limits (seed 000 篇7, seed 002 附件6)."""

    oral_on_the_spot: bool
    general_reply_working_days: int = _num(0)
    written_working_days: int = _num(1)
    complex_extension_working_days: int = _num(0)
    complex_working_days: int = _num(1)


@dataclass(frozen=True)
class RatingPolicy:
    """差评 follow-up (回访, 整改) and unrated services (好差评)."""

    contact_working_days: int = _num(0)
    simple_fix_working_days: int = _num(0)
    complex_fix_working_days: int = _num(0)
    rectify_working_days: int = _num(1)
    callback_rate_percent: int = _num(0, 100)
    auto_rate_enabled: bool
    auto_rate_after_days: int = _num(1)
    auto_rate_level: str = _choice(*RATING_LEVELS)


@dataclass(frozen=True)
class EvaluatorPolicy:
    """评价器: how long it stays armed after 请评价."""

    timeout_seconds: int = _num(1, 300)


@dataclass(frozen=True)
class PetitionPolicy:
    """信访 reply limits in natural days (seed 000 篇7)."""

    on_the_spot: bool
    reply_days: int = _num(1)
    leader_reply_days: int = _num(1)


@dataclass(frozen=True)
class AbPostPolicy:
    """AB岗: how early an absence must be registered (seed 003 篇5), which absences need
    approval and by whom (seed 000 篇6), and when B takes over unasked (seed 002 附件4)."""

    absence_notice_days: int = _num(0)
    approval_over_days: int = _num(0, 365)
    approval_levels: tuple[str, ...]
    initiative_after: dt.time


@dataclass(frozen=True)
class AttendancePolicy:
    """签到/签退 times and the grace before lateness or leaving early is recorded."""

    sign_in: dt.time
    sign_out: dt.time
    late_grace_minutes: int = _num(0, 240)
    early_leave_grace_minutes: int = _num(0, 240)


@dataclass(frozen=True)
class LoginPolicy:
    """Terminal security: lockout, password length, idle lock."""

    max_failures: int = _num(1, 100)
    lockout_minutes: int = _num(1, 24 * 60)
    password_min_length: int = _num(6, 128)
    idle_lock_seconds: int = _num(10, 24 * 3600)


@dataclass(frozen=True)
class Policy:
    """All settings of one hall; ``policy.login.max_failures`` etc."""

    first_inquiry: FirstInquiryPolicy
    deadlines: DeadlinePolicy
    supplement: SupplementPolicy
    joint: JointPolicy
    tolerance: TolerancePolicy
    complaints: ComplaintPolicy
    ratings: RatingPolicy
    evaluator: EvaluatorPolicy
    petitions: PetitionPolicy
    ab_posts: AbPostPolicy
    attendance: AttendancePolicy
    login: LoginPolicy

    def get(self, key: str) -> Any:
        """A value by its dotted key, e.g. ``policy.get("login.max_failures")``."""
        section, _, name = key.partition(".")
        if section not in _SECTIONS or name not in _fields(_SECTIONS[section]):
            raise PolicySettingError(key, "未知的设置项")
        return getattr(getattr(self, section), name)

    def as_dict(self) -> dict[str, Any]:
        """Every setting by dotted key, in file order."""
        return {
            f"{section}.{name}": getattr(getattr(self, section), name)
            for section, cls in _SECTIONS.items()
            for name in _fields(cls)
        }

    def changed_from_default(self) -> dict[str, tuple[Any, Any]]:
        """Settings this hall changed: key → (default, value)."""
        default = load_policy().as_dict()
        return {k: (default[k], v) for k, v in self.as_dict().items() if default[k] != v}

    def to_toml(self) -> str:
        """The full effective policy as TOML (for display; load_policy reads it back)."""
        tree: dict[str, dict[str, Any]] = {}
        for section, cls in _SECTIONS.items():
            values = getattr(self, section)
            tree[section] = {
                name: list(v) if isinstance(v := getattr(values, name), tuple) else v
                for name in _fields(cls)
            }
        return "# 本厅生效的策略设置\n" + tomli_w.dumps(tree)


_SECTIONS: dict[str, type] = {
    f.name: typing.get_type_hints(Policy)[f.name] for f in dataclasses.fields(Policy)
}

_TYPE_NAMES = {
    int: "整数",
    bool: "布尔值（true 或 false）",
    str: "文字",
    dt.time: "时刻（如 08:00:00）",
    tuple: '文字列表（如 ["a", "b"]）',
}


@functools.cache
def _fields(cls: type) -> dict[str, tuple[Any, dict[str, Any]]]:
    hints = typing.get_type_hints(cls)
    return {f.name: (hints[f.name], dict(f.metadata)) for f in dataclasses.fields(cls)}


def _describe(value: Any) -> str:
    for kind, name in ((bool, "布尔值"), (int, "整数"), (float, "小数"), (str, "文字")):
        if isinstance(value, kind):
            return f"{name} {value!r}"
    if isinstance(value, list):
        return f"列表 {value!r}"
    if isinstance(value, dict):
        return "表"
    return f"{type(value).__name__} {value!r}"


def _parse_time(key: str, value: Any) -> dt.time:
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise PolicySettingError(key, "时刻不能带时区")
        return value
    if isinstance(value, str):
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PolicySettingError(key, f"应为{_TYPE_NAMES[dt.time]}，实为{_describe(value)}")


def _convert(key: str, value: Any, kind: Any, meta: dict[str, Any]) -> Any:
    if kind is dt.time:
        return _parse_time(key, value)
    if typing.get_origin(kind) is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PolicySettingError(key, f"应为{_TYPE_NAMES[tuple]}，实为{_describe(value)}")
        if meta.get("kinds"):
            for item in value:
                if item not in KINDS:
                    known = "、".join(f"{k}（{v.label}）" for k, v in KINDS.items())
                    raise PolicySettingError(key, f"未知的办件类型 {item!r}（可用：{known}）")
        return tuple(dict.fromkeys(value))
    # bool is an int subclass: check it explicitly both ways
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise PolicySettingError(key, f"应为{_TYPE_NAMES[int]}，实为{_describe(value)}")
    if kind is not int and not isinstance(value, kind):
        raise PolicySettingError(key, f"应为{_TYPE_NAMES[kind]}，实为{_describe(value)}")
    if kind is int:
        low, high = meta.get("min"), meta.get("max")
        if low is not None and value < low:
            raise PolicySettingError(key, f"不能小于 {low}（实为 {value}）")
        if high is not None and value > high:
            raise PolicySettingError(key, f"不能大于 {high}（实为 {value}）")
    if "choices" in meta and value not in meta["choices"]:
        choices = "、".join(f'"{c}"' for c in meta["choices"])
        raise PolicySettingError(key, f"应为 {choices} 之一，实为 {value!r}")
    return value


def _loads(text: str, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicySettingError("", f"{what}不是有效的 TOML：{exc}") from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise PolicySettingError("", f"{what}嵌套层数过多，不是有效的设置文件") from None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for section, values in override.items():
        if section not in _SECTIONS:
            known = "、".join(_SECTIONS)
            raise PolicySettingError(section, f"未知的设置分组（可用：{known}）")
        if not isinstance(values, dict):
            raise PolicySettingError(section, f"应为表 [{section}]，实为{_describe(values)}")
        for name, value in values.items():
            if name not in _fields(_SECTIONS[section]):
                known = "、".join(_fields(_SECTIONS[section]))
                raise PolicySettingError(f"{section}.{name}", f"未知的设置项（本组可用：{known}）")
            merged.setdefault(section, {})[name] = value
    return merged


def _check_consistency(policy: Policy) -> None:
    c = policy.complaints
    if c.complex_working_days < c.written_working_days:
        raise PolicySettingError(
            "complaints.complex_working_days",
            f"复杂投诉时限（{c.complex_working_days}）不能短于一般书面投诉时限"
            f"（complaints.written_working_days = {c.written_working_days}）",
        )
    try:
        parse_levels(policy.ab_posts.approval_levels)
    except ValueError as exc:
        raise PolicySettingError("ab_posts.approval_levels", str(exc)) from None
    a = policy.attendance
    if a.sign_out <= a.sign_in:
        raise PolicySettingError(
            "attendance.sign_out", f"签退时间 {a.sign_out} 应晚于签到时间 {a.sign_in}"
        )


def _build(tree: dict[str, Any]) -> Policy:
    sections: dict[str, Any] = {}
    for section, cls in _SECTIONS.items():
        values = tree.get(section, {})
        kwargs = {}
        for name, (kind, meta) in _fields(cls).items():
            key = f"{section}.{name}"
            if name not in values:
                raise PolicySettingError(key, "缺少此设置项（默认设置文件不完整）")
            kwargs[name] = _convert(key, values[name], kind, meta)
        sections[section] = cls(**kwargs)
    policy = Policy(**sections)
    _check_consistency(policy)
    return policy


def default_policy_text() -> str:
    """The bundled policy.toml with its comments (to show or copy as an override template)."""
    return resources.files("policies").joinpath("data/policy.toml").read_text(encoding="utf-8")


@functools.cache
def _default_tree() -> dict[str, Any]:
    tree = _loads(default_policy_text(), "默认设置文件 policy.toml ")
    _merge({}, tree)  # the bundled file obeys the same key rules
    return tree


@functools.cache
def _default_policy() -> Policy:
    return _build(_default_tree())


def load_policy(override_text: str | None = None) -> Policy:
    """The defaults, with a hall's override TOML applied on top (any subset of keys)."""
    if not override_text or not override_text.strip():
        return _default_policy()
    override = _loads(override_text, "本厅设置文件")
    return _build(_merge(_default_tree(), override))
