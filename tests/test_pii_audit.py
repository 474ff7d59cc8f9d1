"""The personal-data audit itself (tests/pii_audit.py): what it seeks, that a find fails the
run and names the file and the kind — never the value — and that only a file a test marked
with `explicit_export` is left out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests import pii_audit
from tests.people import PEOPLE

ROOT = Path(__file__).resolve().parents[1]

INNER_TEST = """
from tests.people import PEOPLE


def test_leaves_personal_data_behind(tmp_path, explicit_export):
    (tmp_path / "leak.bin").write_bytes(b"\\x00" * 10 + PEOPLE[0].name.encode("utf-16-le"))
    explicit_export(tmp_path / "asked-for.txt").write_text(PEOPLE[1].id_number)
"""


def test_every_person_and_kind_is_sought_but_two_character_names():
    wanted, what = pii_audit.patterns()
    sought = dict(zip(wanted, what, strict=True))
    for who in PEOPLE:
        for value, kind in (
            (who.name, "姓名"),
            (who.id_number, "证件号码"),
            (who.phone, "电话"),
            (who.address, "住址"),
        ):
            for encoding in pii_audit.ENCODINGS:
                assert sought[value.encode(encoding)].kind == kind
    demo = {value for kind, source, value in pii_audit.values() if source == "store/demo.py"}
    assert {"段国强", "方晓东", "13900000002"} <= demo  # named in store/demo.py's calls
    short = next(v for k, _, v in pii_audit.values() if k == "姓名" and len(v) == 2)
    assert all(short.encode(encoding) not in sought for encoding in pii_audit.ENCODINGS)
    longer = next(
        v for k, s, v in pii_audit.values() if k == "姓名" and s == "store/demo.py" and len(v) == 3
    )
    assert all(longer.encode(encoding) in sought for encoding in pii_audit.ENCODINGS)


def test_software_trees_are_not_read(tmp_path):
    """A copy of this project, an installed package, an OS root: their text names people
    by design (tests/people.py, dictionaries); what the suite wrote beside them is read."""
    checkout = tmp_path / "copy"
    (checkout / "tests").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text('[project]\nname = "chuangkou"\n')
    (checkout / "tests" / "people.py").write_text("# the persons")
    (tmp_path / "venv" / "site-packages").mkdir(parents=True)
    (tmp_path / "venv" / "site-packages" / "dict.json").write_text("{}")
    (tmp_path / "root" / "etc").mkdir(parents=True)
    (tmp_path / "root" / "usr").mkdir()
    (tmp_path / "root" / "etc" / "os-release").write_text("ID=debian")
    (tmp_path / "chuangkou-0.1.0-py3-none-any.whl").write_bytes(b"PK")
    (tmp_path / "written.db").write_bytes(b"")
    skipped: list[str] = []
    assert list(pii_audit._files(tmp_path, skipped=skipped)) == [tmp_path / "written.db"]
    assert len(skipped) == 4


def test_names_in_a_printed_notice_and_in_a_zip_are_found(tmp_path, explicit_export):
    """A notice's PDF (text in compressed streams, UTF-16BE with escapes) and a zip (an
    XLSX is one) are read unpacked."""
    import zipfile

    from policies.notices import render_notice
    from tests.tui.test_printing import data
    from tui.printing import notice_pdf

    pdf = explicit_export(tmp_path / "notice.pdf")
    pdf.write_bytes(notice_pdf(render_notice(data("acceptance", applicant_name=PEOPLE[2].name))))
    packed = explicit_export(tmp_path / "report.xlsx")
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", f"<t>{PEOPLE[3].phone}</t>")
    wanted, what = pii_audit.patterns()
    finds, files, _ = pii_audit.search([pdf, packed], wanted, what)
    assert files == 2
    assert {(f.path.name, f.sought.kind, f.sought.encoding) for f in finds} == {
        ("notice.pdf", "姓名", "utf-16-be"),
        ("report.xlsx", "电话", "utf-8"),
    }
    lines = "\n".join(pii_audit.report(finds))
    assert "PDF 第 1 个数据流" in lines and "压缩包成员 xl/sharedStrings.xml" in lines
    assert PEOPLE[2].name not in lines and PEOPLE[3].phone not in lines


def test_a_find_fails_the_run_and_names_the_file_not_the_value(tmp_path, explicit_export):
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "test_inner.py").write_text(INNER_TEST)
    empty = tmp_path / "empty"
    env = {
        **os.environ,
        "CHUANGKOU_PII_AUDIT": "1",
        "CHUANGKOU_TEST_PG_URL": "",  # the outer run audits the server
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(empty / "tmp"),
        "XDG_DATA_HOME": str(empty / "data"),
        "XDG_STATE_HOME": str(empty / "state"),
        "XDG_CONFIG_HOME": str(empty / "config"),
        "XDG_CACHE_HOME": str(empty / "cache"),
    }
    (empty / "tmp").mkdir(parents=True)
    inner_base = tmp_path / "inner-base"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.pii_audit", "-p", "no:cacheprovider",
         "-p", "no:randomly", f"--basetemp={inner_base}", str(tmp_path / "suite")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # What the inner test wrote, it wrote on purpose: not this run's find.
    for path in inner_base.rglob("*"):
        if path.is_file():
            explicit_export(path)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "1 passed" in out and "个人信息审计未通过：1 处" in out
    assert "leak.bin" in out and "姓名（tests/people.py，utf-16-le）于偏移 10" in out
    assert "asked-for.txt" not in out and "其中 1 个含个人信息，已按声明排除" in out
    assert PEOPLE[0].name not in out and PEOPLE[1].id_number not in out
