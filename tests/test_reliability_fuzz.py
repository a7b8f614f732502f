"""The fuzz suite at CI size (benchmarks/reliability/fuzz.py; the full run is in
docs/reliability.md ("Fuzzing, the API contract and browser payloads")), and the defects it found, each pinned by its own test."""

from __future__ import annotations

import pytest

from policykb.ingest.pipeline import ingest_file


@pytest.mark.slow
def test_generated_and_mutated_files_in_every_format_ingest_without_crash_overrun_loss_or_silent_fffd(tmp_path):
    from benchmarks.reliability import fuzz

    # .doc/.wps/.odt/.png (LibreOffice, Tesseract: seconds a file) and the bombs run in the full suite only
    result = fuzz.main(["--cases", "200", "--no-bombs", "--no-slow-formats", "--seed", "17",
                        "--save-failures", str(tmp_path / "failing"), "--out", str(tmp_path / "fuzz.json")])
    assert result["totals"]["cases"] >= 190
    failing = [f"{r.origin} ({r.saved}): {r.outcome} {r.over_budget} {r.violations} {(r.reason or '')[:200]}"
               for r in result["failures"]]
    assert not failing, "\n".join(failing)


def test_an_rtf_holding_a_character_past_u_ffff_keeps_it_instead_of_failing(tmp_path):
    # Word writes 𠀋 (U+2000B) as the surrogate pair \u-10176?\u-9205?; the pair was passed on unjoined
    # and the file failed with "could not ingest this file: UnicodeEncodeError"
    path = tmp_path / "astral.rtf"
    path.write_bytes(rb"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0 SimSun;}}\f0 "
                     rb"\u31532?\u19968?\u26465? \u-10176?\u-9205?\u23383?\u30340?\u20889?\u27861?\par}")
    result = ingest_file(path)
    assert result.failure is None
    assert result.documents[0].clauses[0].text == "第一条 𠀋字的写法"


def test_a_zip_whose_directory_points_before_its_start_fails_by_name_and_the_run_goes_on(tmp_path):
    import io
    import struct
    import zipfile

    from policykb.ingest.pipeline import ingest_paths

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("附件1.txt", "第一条 本办法适用于全体干部。".encode())
        archive.writestr("附件2.txt", "第二条 本办法自发布之日起施行。".encode())
    data = bytearray(packed.getvalue())
    end = data.rfind(b"PK\x05\x06")  # the central directory's recorded offset, 100 bytes too far:
    struct.pack_into("<I", data, end + 16, struct.unpack_from("<I", data, end + 16)[0] + 100)
    (tmp_path / "damaged.zip").write_bytes(bytes(data))  # the first member now lies at byte -100
    (tmp_path / "good.txt").write_text("第一条 本办法适用于全体干部。\n", encoding="utf-8")

    run = ingest_paths([tmp_path])  # raised "ValueError: negative seek value -100" and stopped the run
    assert [d.file for d in run.documents] == ["good.txt"]
    reasons = {f.file: f.reason for f in run.failures}
    assert "damaged.zip!附件1.txt" in reasons and "the archive may be damaged" in reasons["damaged.zip!附件1.txt"]


def test_an_ofd_page_whose_xml_is_not_utf8_says_its_characters_were_replaced(tmp_path):
    import io
    import zipfile

    from tests.test_office_formats import FIXTURES

    damaged = io.BytesIO()
    with zipfile.ZipFile(FIXTURES / "plan_002.ofd") as source, zipfile.ZipFile(damaged, "w") as package:
        for name in source.namelist():
            data = source.read(name)
            if name.endswith("Page_1/Content.xml"):
                data = data.replace("规划".encode(), b"\xff", 1)  # one byte that is not UTF-8, on page 2
            package.writestr(name, data)
    path = tmp_path / "damaged.ofd"
    path.write_bytes(damaged.getvalue())

    result = ingest_file(path)  # the page was read as GB18030 with U+FFFD in every clause, and no word of it
    assert any("\ufffd" in c.text for d in result.documents for c in d.clauses)
    assert any("page(s) 2" in w and "could not be decoded" in w for w in result.warnings)


@pytest.mark.slow
def test_the_bombs_and_loops_of_issue_17_are_each_read_or_refused_within_budget_keeping_their_text(tmp_path):
    from benchmarks.reliability import fuzz

    # style loops, a YAML alias bomb, 290 MB of XML in a .docx, 8,000 letters in a row, 20k clauses,
    # a 5 MB clause, mixed encodings, &#0;/&#xD800;, HTML nested 300 and 100k deep, zip bombs
    result = fuzz.main(["--cases", "0", "--save-failures", str(tmp_path / "failing"), "--out", str(tmp_path / "b.json")])
    assert result["totals"]["cases"] == 13
    failing = [f"{r.origin}: {r.outcome} {r.over_budget} {r.violations} {(r.reason or '')[:200]}"
               for r in result["failures"]]
    assert not failing, "\n".join(failing)
