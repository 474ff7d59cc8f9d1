"""Invented sample cards for the simulator, demos and tests.

The people, addresses and photos are invented. The resident and permit numbers reuse
the public example numbers of idcard-reader.md §7 (python-stdnum and other documentation)
or are built with a sequence that marks them as samples; every 18-digit number carries a
correct GB 11643 check character, computed here. The photos are NOT WLT images: they are
1024 pseudo-random bytes of the right size, so nothing may try to decode them.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from devices.idcard.cards import (
    Card,
    ForeignPermanentResidentCard,
    ForeignPermanentResidentCard2023,
    HkMacaoTaiwanResidencePermit,
    ResidentIdCard,
)
from devices.idcard.idnumber import complete


def invented_bytes(seed: str, size: int) -> bytes:
    """Deterministic filler bytes (a SHA-256 stream); stands in for a photo or fingerprint."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


# 居民身份证, female, 汉; number = stdnum's example 120103198806018241.
RESIDENT = ResidentIdCard(
    name="陈晓雨",
    gender_code="2",
    ethnicity_code="01",
    birth_date=dt.date(1988, 6, 1),
    address="天津市河西区样例路88号示范小区3号楼2单元501室",
    id_number=complete("12010319880601824"),
    issuing_authority="天津市公安局河西分局",
    valid_from=dt.date(2016, 3, 15),
    valid_until=dt.date(2036, 3, 15),
    photo_wlt=invented_bytes("resident-photo", 1024),
)

# 居民身份证, male, 畲, with a fingerprint and an appended address; stdnum's 360426199101010071.
RESIDENT_MALE = ResidentIdCard(
    name="刘建国",
    gender_code="1",
    ethnicity_code="22",
    birth_date=dt.date(1991, 1, 1),
    address="江西省德安县样例镇示范村五组",
    id_number=complete("36042619910101007"),
    issuing_authority="德安县公安局",
    valid_from=dt.date(2012, 8, 20),
    valid_until=dt.date(2032, 8, 20),
    photo_wlt=invented_bytes("resident-male-photo", 1024),
    fingerprint=invented_bytes("resident-male-fingerprint", 1024),
    appended_address="江西省九江市样例区新城路9号",
)

# 居民身份证 valid 长期 (long term), 满; IdentityDocAnalyzer's 11010219781027232X.
RESIDENT_LONG_TERM = ResidentIdCard(
    name="王秀兰",
    gender_code="2",
    ethnicity_code="11",
    birth_date=dt.date(1978, 10, 27),
    address="北京市西城区样例胡同12号",
    id_number=complete("11010219781027232"),
    issuing_authority="北京市公安局西城分局",
    valid_from=dt.date(2025, 1, 6),
    valid_until=None,
    long_term=True,
    photo_wlt=invented_bytes("resident-long-photo", 1024),
)

# 港澳台居民居住证 (J) of a Hong Kong resident (810000 prefix), living in the mainland.
HMT_PERMIT = HkMacaoTaiwanResidencePermit(
    name="黄志明",
    gender_code="1",
    birth_date=dt.date(1994, 8, 23),
    address="广东省深圳市福田区样例大道1号",
    id_number=complete("81000019940823001"),
    issuing_authority="深圳市公安局福田分局",
    valid_from=dt.date(2021, 5, 10),
    valid_until=dt.date(2026, 5, 10),
    pass_number="H60098712",
    issue_count="02",
    photo_wlt=invented_bytes("hmt-photo", 1024),
)

# 外国人永久居留身份证, 2017 edition (I): 15-char number, 3 letters + 12 digits, no check.
FOREIGNER = ForeignPermanentResidentCard(
    english_name="SAMPLE JOHN ALEXANDER",
    chinese_name="萨约翰",
    gender_code="1",
    id_number="USA110079010199",
    nationality_code="USA",
    birth_date=dt.date(1979, 1, 1),
    valid_from=dt.date(2019, 5, 20),
    valid_until=dt.date(2029, 5, 19),
    card_version="04",
    authority_code="1100",
    photo_wlt=invented_bytes("foreigner-photo", 1024),
)

# 外国人永久居留身份证, 2023 edition (Y): 18 digits starting with 9, MOD 11-2 check.
# Its layout is UNCERTAIN (single source); the English name spills into the overflow area.
FOREIGNER_2023 = ForeignPermanentResidentCard2023(
    chinese_name="安娜",
    english_name="ANDERSON-SAMPLEWORTH ANNA MARIE ELIZABETH",
    gender_code="2",
    renewal_count="00",
    birth_date=dt.date(1985, 3, 15),
    id_number=complete("91184019850315098"),
    authority="",
    valid_from=dt.date(2024, 1, 8),
    valid_until=dt.date(2034, 1, 8),
    nationality_code="USA",
    previous_number_link="",
    photo_wlt=invented_bytes("foreigner-2023-photo", 1024),
)

ALL: dict[str, Card] = {
    "resident": RESIDENT,
    "resident_male": RESIDENT_MALE,
    "resident_long_term": RESIDENT_LONG_TERM,
    "hmt": HMT_PERMIT,
    "foreigner": FOREIGNER,
    "foreigner_2023": FOREIGNER_2023,
}
