"""Invented people for tests: names, valid-checksum ID numbers, phones and addresses that
belong to nobody. The ID numbers use real region codes so they pass full validation."""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.cn import ric


def id_number(region: str, birth: str, sequence: str) -> str:
    """An 18-digit resident ID number with its GB 11643 check digit."""
    first17 = f"{region}{birth}{sequence}"
    return first17 + ric.calc_check_digit(first17 + "0")


@dataclass(frozen=True)
class Invented:
    name: str
    id_number: str
    phone: str
    address: str


PEOPLE = (
    Invented(
        "欧阳春晓", id_number("110105", "19850412", "231"), "13912345678", "朝阳区虚构路十八号"
    ),
    Invented(
        "司马秋韵", id_number("410302", "19920908", "452"), "15887654321", "老城区假想街九十九号院"
    ),
    Invented(
        "诸葛明远", id_number("320106", "20010130", "017"), "18611112222", "鼓楼区不存在巷七号"
    ),
    Invented(
        "上官雪莲", id_number("440305", "19990722", "368"), "13700001111", "南山区测试大道一百号"
    ),
)
