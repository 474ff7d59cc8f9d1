"""Card decoding: synthetic 30 01 / 30 10 replies for every card type, fields, sanitising."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from devices.idcard import samples, tables
from devices.idcard.cards import (
    CARD_CLASSES,
    ForeignPermanentResidentCard,
    ForeignPermanentResidentCard2023,
    HkMacaoTaiwanResidencePermit,
    ResidentIdCard,
)
from devices.idcard.decode import (
    decode_appended_address,
    decode_base_message,
    decode_text_block,
    split_base_message,
)
from devices.idcard.encode import appended_address_data, base_message_data, encode_text_block
from devices.idcard.errors import CardDataError, UnknownCardTypeError
from devices.idcard.frames import build_reply, parse_reply
from devices.idcard.text import decode_field, encode_field, sanitize

TYPED = {
    "resident": samples.RESIDENT,
    "hmt": samples.HMT_PERMIT,
    "foreigner": samples.FOREIGNER,
    "foreigner_2023": samples.FOREIGNER_2023,
}


def reply_3001(card) -> bytes:
    return build_reply(0x90, base_message_data(encode_text_block(card), card.photo_wlt))


def reply_3010(card, fingerprint: bytes) -> bytes:
    text = encode_text_block(card)
    return build_reply(0x90, base_message_data(text, card.photo_wlt, fingerprint))


@pytest.mark.parametrize("key", TYPED)
def test_round_trip_3001_reply(key):
    card = TYPED[key]
    frame = reply_3001(card)
    assert len(frame) == 1295 and frame[5:7] == b"\x05\x08"
    assert frame[10:14] == bytes.fromhex("01 00 04 00")
    # Text from frame offset 14, the type letter at frame offset 14 + 248 = 262.
    assert frame[14:270] == encode_text_block(card)
    assert frame[262:264] == (card.type_letter or " ").encode("utf-16-le")
    decoded = decode_base_message(parse_reply(frame).data)
    assert type(decoded) is type(card)
    assert decoded == dataclasses.replace(card, fingerprint=None)
    assert decoded.photo_wlt == card.photo_wlt and len(decoded.photo_wlt) == 1024


@pytest.mark.parametrize("key", TYPED)
def test_round_trip_3010_reply_with_and_without_fingerprint(key):
    card = TYPED[key]
    fingerprint = samples.invented_bytes("fp-" + key, 1024)
    frame = reply_3010(card, fingerprint)
    assert len(frame) == 2321
    assert int.from_bytes(frame[14:16], "big") == 1024
    assert frame[16:272] == encode_text_block(card)  # text from offset 16 for 30 10
    assert frame[264:266] == (card.type_letter or " ").encode("utf-16-le")
    decoded = decode_base_message(parse_reply(frame).data, with_fingerprint=True)
    assert decoded == dataclasses.replace(card, fingerprint=fingerprint)

    empty = reply_3010(card, b"")
    assert len(empty) == 1297
    decoded = decode_base_message(parse_reply(empty).data, with_fingerprint=True)
    assert decoded.fingerprint == b""
    assert decoded.id_number == card.id_number


def test_3001_data_read_as_3010_is_refused():
    data = parse_reply(reply_3001(samples.RESIDENT)).data
    with pytest.raises(CardDataError):
        split_base_message(data, with_fingerprint=True)


def test_resident_fields():
    card = decode_text_block(encode_text_block(samples.RESIDENT))
    assert isinstance(card, ResidentIdCard)
    assert card.card_type == "居民身份证"
    assert card.name == "陈晓雨"
    assert (card.gender_code, card.gender) == ("2", "女")
    assert (card.ethnicity_code, card.ethnicity) == ("01", "汉")
    assert card.birth_date == dt.date(1988, 6, 1)
    assert card.address.startswith("天津市河西区")
    assert card.id_number == "120103198806018241"
    assert card.issuing_authority == "天津市公安局河西分局"
    assert (card.valid_from, card.valid_until) == (dt.date(2016, 3, 15), dt.date(2036, 3, 15))
    assert card.long_term is False
    assert card.appended_address is None and card.current_address == card.address


def test_long_term_validity():
    text = encode_text_block(samples.RESIDENT_LONG_TERM)
    assert text[204:220] == encode_field("长期", 16)
    card = decode_text_block(text)
    assert card.valid_until is None and card.long_term is True
    assert card.valid_from == dt.date(2025, 1, 6)


def test_hmt_permit_fields():
    card = decode_text_block(encode_text_block(samples.HMT_PERMIT))
    assert isinstance(card, HkMacaoTaiwanResidencePermit)
    assert card.card_type == "港澳台居民居住证"
    assert (card.name, card.gender, card.region) == ("黄志明", "男", "香港")
    assert (card.pass_number, card.issue_count) == ("H60098712", "02")
    assert card.id_number.startswith("810000")
    assert card.birth_date == dt.date(1994, 8, 23)


def test_foreigner_2017_fields_keep_spaces_inside_english_names():
    card = decode_text_block(encode_text_block(samples.FOREIGNER))
    assert isinstance(card, ForeignPermanentResidentCard)
    assert card.english_name == "SAMPLE JOHN ALEXANDER"  # not cut at the first space
    assert card.name == "萨约翰"  # the Chinese name when there is one
    assert card.id_number == "USA110079010199" and len(card.id_number) == 15
    assert (card.nationality_code, card.card_version, card.authority_code) == ("USA", "04", "1100")
    assert card.birth_date == dt.date(1979, 1, 1)
    assert card.valid_until == dt.date(2029, 5, 19)
    assert card.address == ""
    blank_cn = dataclasses.replace(samples.FOREIGNER, chinese_name="")
    assert decode_text_block(encode_text_block(blank_cn)).name == "SAMPLE JOHN ALEXANDER"


def test_foreigner_2023_is_decoded_and_flagged_uncertain():
    card = decode_text_block(encode_text_block(samples.FOREIGNER_2023))
    assert isinstance(card, ForeignPermanentResidentCard2023)
    assert card.layout_certain is False
    assert all(cls.layout_certain for cls in CARD_CLASSES if cls is not type(card))
    # 40 characters: 35 in the name field, the rest in the overflow area 220–241.
    assert card.english_name == samples.FOREIGNER_2023.english_name
    assert len(card.english_name) > 35
    assert card.id_number.startswith("9") and len(card.id_number) == 18
    assert card.name == "安娜" and card.nationality_code == "USA"


def test_unknown_type_letter_is_refused_and_non_letters_mean_resident():
    text = bytearray(encode_text_block(samples.RESIDENT))
    text[248:250] = "K".encode("utf-16-le")
    with pytest.raises(UnknownCardTypeError) as info:
        decode_text_block(bytes(text))
    assert "证件类型" in info.value.message
    text[248:250] = b"\x00\x00"
    assert isinstance(decode_text_block(bytes(text)), ResidentIdCard)
    text[248:250] = "I".encode("utf-16-le")[:1] + b"\x4e"  # U+4E49 is 义, not "I"
    assert isinstance(decode_text_block(bytes(text)), ResidentIdCard)


def test_wrong_block_lengths_are_card_data_errors():
    with pytest.raises(CardDataError):
        decode_text_block(bytes(255))
    good = base_message_data(encode_text_block(samples.RESIDENT), bytes(1024))
    with pytest.raises(CardDataError):
        split_base_message(good[:-1], with_fingerprint=False)
    with pytest.raises(CardDataError):
        split_base_message(b"\x00\xff" + good[2:], with_fingerprint=False)
    with pytest.raises(CardDataError):
        split_base_message(b"\x01", with_fingerprint=False)


def test_photo_other_than_1024_bytes_is_kept_raw():
    data = base_message_data(encode_text_block(samples.RESIDENT), b"WLT?" * 10)
    assert decode_base_message(data).photo_wlt == b"WLT?" * 10


def test_appended_address():
    assert decode_appended_address(appended_address_data("某市样例路1号")) == "某市样例路1号"
    assert decode_appended_address(appended_address_data("")) is None
    assert decode_appended_address(b"") is None


# --- tables -----------------------------------------------------------------------


def test_full_ethnicity_table():
    assert len(tables.ETHNICITIES) == 58
    assert set(tables.ETHNICITIES) == set(range(1, 57)) | {97, 98}
    expected = {"01": "汉", "05": "维吾尔", "22": "畲", "46": "德昂", "56": "基诺"}
    expected |= {"97": "其他", "98": "外国血统中国籍人士"}
    for code, name in expected.items():
        assert tables.ethnicity_name(code) == name
    assert tables.ethnicity_name("99") == "99"  # unknown: the raw code
    assert tables.ethnicity_name("ab") == "ab"


def test_gender_table():
    assert [tables.gender_name(c) for c in "0129"] == ["未知", "男", "女", "未说明"]
    assert tables.gender_name("7") == "未知"


# --- text sanitising ---------------------------------------------------------------


def test_crafted_card_cannot_drive_the_terminal():
    crafted = dataclasses.replace(
        samples.RESIDENT,
        name="\x1b[2J王\x07\u202e五",
        address="样例\x9b31m路\u200b1号\u2066\x00号",
        issuing_authority="\x1b]0;标题\x07局",
    )
    card = decode_text_block(encode_text_block(crafted))
    assert card.name == "[2J王五"
    assert card.address == "样例31m路1号号"
    assert card.issuing_authority == "]0;标题局"
    for value in (card.name, card.address, card.issuing_authority):
        assert not any(ch in value for ch in "\x1b\x07\x9b\u202e\u200b\u2066\x00")


def test_decode_field_strips_trailing_spaces_and_nuls_only():
    raw = " 王 英".encode("utf-16-le") + b"\x20\x00\x00\x00\x20\x00"
    assert decode_field(raw) == " 王 英"
    assert decode_field(b"\x00\x00" * 4) == ""


def test_private_use_characters_of_rare_names_are_kept():
    assert sanitize("王\ue000明") == "王\ue000明"


def test_lone_surrogates_become_replacement_characters():
    assert decode_field(b"\x00\xd8" + "王".encode("utf-16-le")) == "\ufffd王"


# --- repr never shows personal data --------------------------------------------------


def personal_values(card) -> list[str]:
    values = []
    for f in dataclasses.fields(card):
        if f.name in {"gender_code", "ethnicity_code", "issue_count", "renewal_count",
                      "card_version", "authority_code"}:  # fmt: skip
            continue  # one- or two-digit codes, not identifying
        value = getattr(card, f.name)
        if isinstance(value, dt.date):
            values += [value.isoformat(), value.strftime("%Y%m%d"), repr(value)]
        elif isinstance(value, bytes) and value:
            values += [repr(value)[2:40], value[:16].hex()]
        elif isinstance(value, str) and len(value) >= 2:
            values.append(value)
    return values


@pytest.mark.parametrize("key", samples.ALL)
def test_repr_and_str_of_cards_hide_personal_fields(key):
    card = samples.ALL[key]
    shown = [repr(card), str(card), f"{card}", repr([card]), repr({"c": card})]
    values = personal_values(card)
    assert len(values) >= 6
    for text in shown:
        assert card.card_type in text
        for value in values:
            assert value not in text, f"{key} shows a personal field"
    assert "****" in repr(card)  # the number is masked, not shown
