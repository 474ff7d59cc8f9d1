"""Notices as PDF (Chinese text extracted back with pypdf) and streaming them to ``lp``."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from policies.notices import NOTICE_KINDS, NoticeData, render_notice
from tui.printing import PrintError, notice_pdf, print_pdf

ISSUED = dt.date(2026, 11, 23)
MISSING = (
    "户口簿复印件（全家）",
    "家庭成员收入证明（近六个月，由工作单位或村委会出具并加盖公章）",
    "村委会出具的家庭经济状况证明",
    "残疾人证复印件",
)

COMPLETE = dict(
    missing_materials=MISSING,
    reasons=("缺少主件：居民身份证", "申请人户籍不在本镇"),
    due_on=dt.date(2026, 11, 30),
    bring_by=dt.date(2026, 11, 30),
    joint_windows=("国土窗口", "农业窗口"),
    previous_due_on=dt.date(2026, 11, 27),
    extended_to=dt.date(2026, 11, 30),
    extension_reason="需入户核查家庭财产状况",
    result="准予",
    result_detail="发放低保证",
    forward_by=dt.date(2026, 11, 30),
    corrections=(("办结期限", dt.date(2026, 11, 27), dt.date(2026, 11, 30)),),
    calendar_years=(2026,),
)


def data(kind: str, **extra) -> NoticeData:
    values = dict(
        kind=kind,
        hall_name="青山镇便民服务中心",
        notice_number="TZ-2026-000042",
        case_number="BJ-2026-001234",
        applicant_name="王秀兰",
        item_name="城乡居民最低生活保障申请",
        window_name="民政窗口",
        window_phone="0571-88881234",
        clerk_name="李明",
        issued_on=ISSUED,
    )
    values.update(COMPLETE)
    values.update(extra)
    return NoticeData(**values)


def extract(pdf: bytes) -> str:
    """All text of the PDF, without the line breaks the layout put in."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("kind", sorted(NOTICE_KINDS))
def test_every_kind_renders_chinese_text(kind):
    notice = render_notice(data(kind))
    pdf = notice_pdf(notice)
    assert pdf.startswith(b"%PDF-")
    text = extract(pdf)
    assert notice.title in text
    assert "青山镇便民服务中心" in text
    assert "王秀兰" in text
    assert "2026年11月23日" in text
    # every line of the notice made it to paper, in order of appearance
    for line in notice.paragraphs:
        assert squash(line) in text, line


@pytest.mark.parametrize("kind", ["supplement", "tolerance"])
def test_every_missing_material_is_on_paper(kind):
    text = extract(notice_pdf(render_notice(data(kind))))
    for material in MISSING:
        assert squash(material) in text
    assert "2026年11月30日" in text  # the date to bring them by


@pytest.mark.parametrize("kind", ["acceptance", "joint"])
def test_the_due_date_is_on_paper(kind):
    text = extract(notice_pdf(render_notice(data(kind))))
    assert "承诺于2026年11月30日前办结" in text


def test_tolerance_commitment_lines_on_paper():
    text = extract(notice_pdf(render_notice(data("tolerance"))))
    assert (
        "申请人承诺：本人将于2026年11月30日前，将所缺申报材料送达受理窗口，逾期自愿作退件处理。"
        in text
    )
    assert "申请人签名：" in text
    assert "联系电话：" in text
    assert "身份证复印件粘贴处" in text


def test_long_notice_wraps_and_flows_onto_more_pages():
    many = tuple(f"第{i}项补正材料：某某部门出具的证明原件及复印件一份" for i in range(1, 61))
    pdf = notice_pdf(render_notice(data("supplement", missing_materials=many)))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    assert reader.pages[0].mediabox.width == pytest.approx(595.27, abs=0.1)  # A4
    text = extract(pdf)
    for material in many:
        assert squash(material) in text


def test_markup_characters_print_as_written():
    pdf = notice_pdf(render_notice(data("supplement", missing_materials=("证明<原件>&复印件",))))
    assert "证明<原件>&复印件" in extract(pdf)


def test_same_notice_same_bytes_and_no_personal_data_in_metadata():
    notice = render_notice(data("supplement"))
    pdf = notice_pdf(notice)
    assert pdf == notice_pdf(notice)
    meta = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    values = " ".join(str(v) for v in meta.values())
    assert "王秀兰" not in values and "BJ-2026" not in values
    assert meta.title == "办件通知书"


def test_rendering_writes_no_file(tmp_path, monkeypatch):
    empty = tmp_path / "cwd"
    empty.mkdir()
    monkeypatch.chdir(empty)
    monkeypatch.setenv("TMPDIR", str(empty))
    notice_pdf(render_notice(data("tolerance")))
    assert list(empty.iterdir()) == []


def test_importing_printing_does_not_import_reportlab():
    code = "import sys, tui.printing; print('reportlab' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- lp (the fake lp of tests/tui/conftest.py) -----------------------------------------


def test_print_streams_the_bytes_to_lp(fake_lp: Path):
    pdf = notice_pdf(render_notice(data("supplement")))
    root = fake_lp.parent
    before = set(root.rglob("*"))
    print_pdf(pdf, "minzheng-laser", title="办件通知书")
    assert (fake_lp / "job.pdf").read_bytes() == pdf
    argv = (fake_lp / "argv.txt").read_text(encoding="utf-8").splitlines()
    assert argv[argv.index("-d") + 1] == "minzheng-laser"
    assert argv[argv.index("-t") + 1] == "办件通知书"
    # lp reads stdin (no file name is passed) and nothing but the fake's own output appeared
    assert not any(arg.endswith(".pdf") for arg in argv)
    assert set(root.rglob("*")) - before == {fake_lp / "job.pdf", fake_lp / "argv.txt"}


def test_print_to_default_destination(fake_lp: Path):
    print_pdf(b"%PDF-1.4 test", None)
    argv = (fake_lp / "argv.txt").read_text(encoding="utf-8").splitlines()
    assert "-d" not in argv
    assert (fake_lp / "job.pdf").read_bytes() == b"%PDF-1.4 test"


def test_lp_failure_is_a_chinese_error(fake_lp: Path, monkeypatch):
    monkeypatch.setenv("FAKE_LP_EXIT", "1")
    with pytest.raises(PrintError, match=r"打印机 nosuch 打印失败（lp 退出码 1）：lp: The printer"):
        print_pdf(b"%PDF-1.4 test", "nosuch")


def test_lp_missing_is_a_chinese_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no lp anywhere
    with pytest.raises(PrintError, match="找不到打印命令 lp"):
        print_pdf(b"%PDF-1.4 test", "minzheng-laser")


@pytest.mark.parametrize("queue", ["", "-o evil", "a b", "a/b", "x#1"])
def test_bad_queue_names_are_refused(fake_lp: Path, queue):
    with pytest.raises(PrintError, match="队列名"):
        print_pdf(b"%PDF-1.4 test", queue)
    assert not (fake_lp / "job.pdf").exists()


def test_empty_document_is_refused(fake_lp: Path):
    with pytest.raises(PrintError, match="PDF 为空"):
        print_pdf(b"", "minzheng-laser")
