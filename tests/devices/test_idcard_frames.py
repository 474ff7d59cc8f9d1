"""Frame codec: the literal frames of idcard-reader.md §1.3 and §2 are the test vectors."""

from __future__ import annotations

import pytest

from devices.errors import DeviceError
from devices.idcard import commands, status
from devices.idcard.errors import ChecksumError, FrameError, ReaderTimeout, StatusError
from devices.idcard.frames import (
    MAX_SKIP,
    PREAMBLE,
    FrameScanner,
    build_frame,
    build_reply,
    parse_command,
    parse_reply,
    read_frame,
)
from devices.idcard.session import Session


def h(text: str) -> bytes:
    return bytes.fromhex(text)


class StreamTransport:
    """Replays a fixed byte stream; running dry is a (simulated, immediate) timeout."""

    def __init__(self, stream: bytes = b"") -> None:
        self.stream = bytearray(stream)
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))

    def read_exact(self, n: int, timeout: float) -> bytes:
        if len(self.stream) < n:
            self.stream.clear()
            raise ReaderTimeout("读卡器应答超时")
        out = bytes(self.stream[:n])
        del self.stream[:n]
        return out

    def close(self) -> None:
        pass


# §2: every request frame, literally.
REQUESTS = [
    (0x10, 0xFF, b"", "AA AA AA 96 69 00 03 10 FF EC"),
    (0x11, 0xFF, b"", "AA AA AA 96 69 00 03 11 FF ED"),
    (0x12, 0xFF, b"", "AA AA AA 96 69 00 03 12 FF EE"),
    (0x20, 0x01, b"", "AA AA AA 96 69 00 03 20 01 22"),
    (0x20, 0x02, b"", "AA AA AA 96 69 00 03 20 02 21"),
    (0x30, 0x01, b"", "AA AA AA 96 69 00 03 30 01 32"),
    (0x30, 0x03, b"", "AA AA AA 96 69 00 03 30 03 30"),
    (0x30, 0x10, b"", "AA AA AA 96 69 00 03 30 10 23"),
    (0x61, 0xFF, b"\x50", "AA AA AA 96 69 00 04 61 FF 50 CA"),
]

# §1.3: literal reply frames (SW1, SW2, SW3, data).
REPLIES = [
    ("AA AA AA 96 69 00 04 00 00 90 94", 0x90, b""),  # SAM status OK (WEL)
    ("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", 0x9F, bytes(4)),  # find OK
    ("AA AA AA 96 69 00 04 00 00 80 84", 0x80, b""),  # find failed
    ("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", 0x90, bytes(8)),  # select OK
    ("AA AA AA 96 69 00 04 00 00 81 85", 0x81, b""),  # select failed
    ("AA AA AA 96 69 00 04 00 00 41 45", 0x41, b""),  # read failed
]


@pytest.mark.parametrize(("cmd", "para", "data", "literal"), REQUESTS)
def test_build_frame_matches_spec_literals(cmd, para, data, literal):
    assert build_frame(cmd, para, data) == h(literal)
    parsed = parse_command(h(literal))
    assert (parsed.cmd, parsed.para, parsed.data) == (cmd, para, data)


def test_command_table_frames_are_the_spec_literals():
    literal = {(c, p): h(lit) for c, p, d, lit in REQUESTS if not d}
    for command in commands.ALL:
        assert command.frame == literal[command.key], command.label


@pytest.mark.parametrize(("literal", "sw3", "data"), REPLIES)
def test_parse_reply_spec_literals(literal, sw3, data):
    reply = parse_reply(h(literal))
    assert (reply.sw1, reply.sw2, reply.sw3, reply.data) == (0, 0, sw3, data)
    assert build_reply(sw3, data) == h(literal)


def test_reset_reply_body_of_lid2():
    # LID2 lists only the body after the header: 00 00 90 94.
    assert build_reply(0x90)[5 + 2 :] == h("00 00 90 94")


def test_read_reply_is_1295_bytes_with_length_0508():
    frame = build_reply(0x90, h("01 00 04 00") + bytes(256 + 1024))
    assert len(frame) == 1295
    assert frame[5:7] == h("05 08")
    assert parse_reply(frame).data[:4] == h("01 00 04 00")


@pytest.mark.parametrize(
    "bad",
    [
        "AA AA AA 96 69 00 03 20 01 21",  # BAD1: wrong checksum, do not copy
        "AA AA AA 96 69 00 03 20 00 22",  # BAD2: checksum wrong for that body
    ],
)
def test_published_bad_frames_fail_the_checksum(bad):
    with pytest.raises(ChecksumError) as info:
        parse_command(h(bad))
    assert info.value.actual == h(bad)[-1]
    assert info.value.expected != info.value.actual


def test_checksum_error_is_typed_and_chinese():
    frame = bytearray(h(REPLIES[1][0]))
    frame[-1] ^= 0xFF
    with pytest.raises(ChecksumError) as info:
        parse_reply(bytes(frame))
    err = info.value
    assert isinstance(err, FrameError) and isinstance(err, DeviceError)
    assert (err.expected, err.actual) == (0x97, 0x97 ^ 0xFF)
    assert "校验和" in err.message


@pytest.mark.parametrize(
    ("frame", "needle"),
    [
        (h("AA AA AA 96 68 00 04 00 00 90 94"), "帧头"),  # preamble
        (h("AA AA AA 96 69 00 05 00 00 90 94"), "长度"),  # length says 5, 4 follow
        (h("AA AA AA 96 69 00 04 00 00 90"), "过短"),  # truncated
        (h("AA AA AA 96 69 00 03 00 00 93"), "过短"),  # too short for SW1-3
        (b"", "过短"),
    ],
)
def test_malformed_frames_raise_frame_error(frame, needle):
    with pytest.raises(FrameError) as info:
        parse_reply(frame)
    assert not isinstance(info.value, ChecksumError)
    assert needle in info.value.message


# --- status table (§1.3) -----------------------------------------------------------

SW3_TABLE = {
    0x90: "操作成功",
    0x9F: "寻找证/卡成功",
    0x91: "证/卡中此项无内容",
    0x10: "接收数据校验和错",
    0x11: "接收数据长度错",
    0x21: "接收数据命令错",
    0x23: "越权操作",
    0x24: "无法识别的错误",
    0x31: "证/卡认证 SAM 失败",
    0x32: "SAM 认证证/卡失败",
    0x33: "信息验证错误",
    0x40: "无法识别的卡类型",
    0x41: "读证/卡操作失败",
    0x47: "取随机数失败",
    0x60: "SAM 自检失败",
    0x66: "SAM 未经授权",
    0x80: "寻找证/卡失败",
    0x81: "选取证/卡失败",
}


def test_every_sw3_has_its_chinese_meaning():
    assert status.SW3_MEANINGS == SW3_TABLE
    assert status.meaning(0x55) == "未知状态（55）"


@pytest.mark.parametrize("sw3", sorted(set(SW3_TABLE) - {0x90, 0x91}))
def test_status_error_carries_sw3_and_meaning(sw3):
    session = Session(StreamTransport(build_reply(sw3)))
    with pytest.raises(StatusError) as info:
        session.select()
    err = info.value
    assert err.sw3 == sw3
    assert err.meaning == SW3_TABLE[sw3]
    assert SW3_TABLE[sw3] in err.message and "选卡" in err.message
    assert err.code == f"sw3-{sw3:02X}"


def test_find_answers_true_false_or_raises():
    assert Session(StreamTransport(build_reply(0x9F, bytes(4)))).find() is True
    assert Session(StreamTransport(build_reply(0x80))).find() is False
    with pytest.raises(StatusError) as info:
        Session(StreamTransport(build_reply(0x40))).find()
    assert info.value.sw3 == 0x40


def test_session_sends_the_literal_frame():
    transport = StreamTransport(build_reply(0x9F, bytes(4)))
    Session(transport).find()
    assert transport.written == [h("AA AA AA 96 69 00 03 20 01 22")]


# --- resynchronisation ---------------------------------------------------------------

FIND_OK = h(REPLIES[1][0])
SELECT_OK = h(REPLIES[3][0])


def test_read_frame_resynchronises_on_a_stream_starting_mid_frame():
    stream = FIND_OK[6:] + SELECT_OK  # joined in the middle of a find reply
    assert read_frame(StreamTransport(stream), 1.0) == SELECT_OK


def test_read_frame_skips_partial_and_false_preambles():
    # "AA AA" then a full preamble with an absurd length (FF FF) then the real frame.
    noise = h("00 AA AA 13") + PREAMBLE + h("FF FF") + h("AA AA AA")
    assert read_frame(StreamTransport(noise + FIND_OK), 1.0) == FIND_OK


def test_read_frame_does_not_consume_the_next_frame():
    transport = StreamTransport(FIND_OK + SELECT_OK)
    assert read_frame(transport, 1.0) == FIND_OK
    assert bytes(transport.stream) == SELECT_OK


def test_read_frame_times_out_on_a_partial_frame():
    with pytest.raises(ReaderTimeout):
        read_frame(StreamTransport(FIND_OK[:9]), 1.0)


def test_read_frame_gives_up_on_endless_noise():
    with pytest.raises(FrameError) as info:
        read_frame(StreamTransport(bytes(MAX_SKIP + 64)), 1.0)
    assert "帧头" in info.value.message


def test_scanner_byte_by_byte_equals_whole_feed():
    stream = b"\x01\x02" + FIND_OK + b"\xaa\xaa" + SELECT_OK + FIND_OK[:3]
    whole = FrameScanner().feed(stream)
    scanner = FrameScanner()
    pieces = [f for i in range(len(stream)) for f in scanner.feed(stream[i : i + 1])]
    assert whole == pieces == [FIND_OK, SELECT_OK]
    assert scanner.pending == 3  # the start of a third frame waits for more
    assert scanner.skipped == 4


def test_scanner_needed_never_overshoots_a_frame():
    scanner = FrameScanner()
    assert scanner.needed() == 7
    scanner.feed(FIND_OK[:7])
    assert scanner.needed() == len(FIND_OK) - 7
    assert scanner.feed(FIND_OK[7:]) == [FIND_OK]
    assert scanner.needed() == 7
