"""The files a Chinese office really has: .doc, .wps, .rtf, .ofd, archives, scanned and
printed PDFs. Each real file ingests into clauses whose text is the corpus text it was
made from, cited by page (PDF, OFD) or paragraph number (Word files).

Fixtures: tests/fixtures/formats/ (made once from the corpus, see make_fixtures.py
there) and files the tests make from the corpus (text PDFs typeset with hard
line-wraps, running headers and page numbers; scans rendered from them at 300 dpi;
archives). Tests that need LibreOffice, Tesseract or libarchive skip, saying what to
install, where those are absent; CI installs them (.ci/run).
"""

from __future__ import annotations

import difflib
import io
import shutil
import sqlite3
import string
import zipfile
from pathlib import Path

import pytest

from fixture_builders import (corpus_paragraphs, find_cjk_font, cjk_font_missing_reason, write_image_pdf,
                              write_paged_pdf, write_txt)
from policykb.ingest.errors import IngestError, MissingConverter, NeedsOCR, UnsupportedFormat
from policykb.ingest.formats import read_source
from policykb.ingest.pipeline import ingest_file, ingest_paths

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"
SEED_002 = CORPUS / "002_e058e02591a1b2b6.txt"
SEED_003 = CORPUS / "003_4324baae79f107ff.txt"
SEED_004 = CORPUS / "004_85b088c42286e0b9.txt"
HEADER_002 = "2009—2013年全国党员教育培训工作规划"


def _libreoffice_missing() -> str | None:
    from policykb.ingest.formats import office

    return None if office.soffice() else f"LibreOffice is not installed ({office.INSTALL_HINT})"


def _tesseract_missing() -> str | None:
    from policykb.ingest.formats import ocr

    try:
        ocr.engine()
    except NeedsOCR as err:
        return str(err)
    return None


def _libarchive_missing() -> str | None:
    try:
        import libarchive  # noqa: F401
    except (ImportError, OSError) as err:
        return f"libarchive is not available ({err}); apt-get install libarchive13"
    return None


needs_libreoffice = pytest.mark.skipif(_libreoffice_missing() is not None, reason=str(_libreoffice_missing()))
needs_tesseract = pytest.mark.skipif(_tesseract_missing() is not None, reason=str(_tesseract_missing()))
needs_libarchive = pytest.mark.skipif(_libarchive_missing() is not None, reason=str(_libarchive_missing()))
needs_cjk_font = pytest.mark.skipif(find_cjk_font() is None, reason=cjk_font_missing_reason())


def clause_texts(documents) -> list[str]:
    """Every clause's lines, in order (a clause of several lines gives each)."""
    return [line for d in documents for c in d.clauses for line in c.text.split("\n")]


# ---- Word 97, WPS, RTF, OFD: real files made from the corpus ------------------------------

FORMAT_FIXTURES = {
    # fixture: (corpus file, paragraphs it holds, needs LibreOffice)
    "plan_002.doc": (SEED_002, 20, True),
    "plan_004.wps": (SEED_004, 20, True),
    "plan_003.rtf": (SEED_003, 12, False),
    "plan_002.ofd": (SEED_002, 30, False),
}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=[needs_libreoffice] if lo else []) for n, (_, _, lo) in FORMAT_FIXTURES.items()])
def test_each_office_format_ingests_into_clauses_whose_text_is_the_corpus_text(name):
    corpus, count, _ = FORMAT_FIXTURES[name]
    result = ingest_file(FIXTURES / name, name)
    assert result.failure is None, result.failure
    assert clause_texts(result.documents)[:count] == corpus_paragraphs(corpus, count)
    doc = result.documents[0]
    assert doc.format == name.rsplit(".", 1)[1]
    clauses = [c for d in result.documents for c in d.clauses]
    if name.endswith(".ofd"):  # a paged format: every clause cites its pages
        assert all(c.page_start is not None and c.page_end >= c.page_start for c in clauses)
        assert all(c.paragraph_start is None for c in clauses)
        assert doc.page_count == 4
    else:  # a Word file: every clause cites its paragraph numbers
        assert all(c.paragraph_start is not None and c.paragraph_end >= c.paragraph_start for c in clauses)
        assert all(c.page_start is None for c in clauses)
    if name.endswith((".doc", ".wps")):
        assert doc.converter.startswith("LibreOffice ")


@needs_libreoffice
def test_a_doc_keeps_words_automatic_list_numbers_and_paragraph_numbers():
    source = read_source(FIXTURES / "list_002.doc")
    assert source.lines == ["2009—2013年全国党员教育培训工作规划", "一、指导思想和基本要求", "（一）指导思想",
                            "（二）基本要求", "1.坚持把增强党性作为第一任务，将理想信念教育与能力建设贯穿始终。",
                            "2.坚持以人为本，增强教育培训的针对性和实效性。", "二、工作目标和主要任务",
                            "（一）工作目标", "（二）主要任务", "三、重点工程"]
    assert source.line_paragraphs == list(range(1, 11))
    assert source.warnings == []


def test_rtf_list_labels_table_cells_and_soft_breaks_become_lines_with_paragraph_numbers(tmp_path):
    source = read_source(FIXTURES / "plan_003.rtf")
    assert source.lines[12:16] == ["2009—2013年全国党员教育培训工作规划", "一、指导思想和基本要求",
                                   "（一）指导思想", "（二）基本要求"]
    assert source.lines[16] == "1. 坚持把增强党性作为第一任务，将理想信念教育与能力建设贯穿始终。"
    # GBK bytes (\ansicpg936) as Chinese Word writes them; a \line inside a paragraph; a table row
    rtf = (rb"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 \'cb\'ce\'cc\'e5;}}"
           rb"\pard\f0\'b5\'da\'d2\'bb\'cc\'f5\line\'b5\'da\'b6\'fe\'cc\'f5\par"
           rb"\trowd\cellx2000\cellx4000\intbl \'b7\'a2\'ce\'c4\'bb\'fa\'b9\'d8\cell \'b9\'fa\'ce\'f1\'d4\'ba\cell\row"
           rb"\pard \'d5\'fd\'ce\'c4\par}")
    path = tmp_path / "gbk.rtf"
    path.write_bytes(rtf)
    source = read_source(path)
    lines = [(line, n) for line, n in zip(source.lines, source.line_paragraphs) if line.strip()]
    assert lines == [("第一条", 1), ("第二条", 1), ("发文机关", 2), ("国务院", 3), ("正文", 5)]


@needs_libreoffice
def test_a_doc_that_is_really_rtf_or_docx_is_read_and_a_damaged_one_is_refused(tmp_path):
    rtf = tmp_path / "really_rtf.doc"
    shutil.copy(FIXTURES / "plan_003.rtf", rtf)
    source = read_source(rtf)
    assert source.lines[0].strip() == corpus_paragraphs(SEED_003, 1)[0]
    assert "is an RTF file under a .doc name" in source.warnings[-1]
    for name, data in (("broken.doc", b"\xd0\xcf\x11\xe0 old word"), ("notes.wps", "纯文本".encode("utf-8") * 50)):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(IngestError, match=rf"{name}: not a (Word 97-2003|WPS) file .*save it as \.docx"):
            read_source(path)


def test_without_libreoffice_a_doc_says_what_to_install(monkeypatch):
    from policykb.ingest.formats import office

    monkeypatch.setattr(office, "soffice", lambda: None)  # the program is absent: nothing stands in for it
    with pytest.raises(MissingConverter, match=r"plan_002\.doc: reading Word 97-2003 \(\.doc\) files needs "
                                               r"LibreOffice.*apt-get install --no-install-recommends "
                                               r"libreoffice-writer-nogui"):
        read_source(FIXTURES / "plan_002.doc")


@pytest.mark.parametrize("name, says", [
    ("名单.xlsx", "is a spreadsheet"), ("汇报.pptx", "is a presentation"), ("论文.caj", "CNKI CAJ"),
    ("数据.et", "is a spreadsheet"), ("演示.dps", "is a presentation"), ("page.mht", "MHTML"),
])
def test_a_format_still_refused_gets_a_message_of_its_own(tmp_path, name, says):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not read")
    with pytest.raises(UnsupportedFormat) as err:
        read_source(path)
    message = str(err.value)
    assert name in message and says in message
    assert "convert .doc" not in message.lower()


# ---- printed PDFs: running headers, page numbers, hard line-wraps --------------------------

@pytest.fixture(scope="module")
def printed_pdf(tmp_path_factory) -> Path:
    """The first 30 paragraphs of corpus/002 printed as a 公文 is: 4 pages, a running header,
    「— N —」 page numbers, every paragraph hard-wrapped at 30 characters."""
    if find_cjk_font() is None:
        pytest.skip(cjk_font_missing_reason())
    return write_paged_pdf(corpus_paragraphs(SEED_002, 30), tmp_path_factory.mktemp("pdf") / "plan_002.pdf",
                           header=HEADER_002)


def test_a_printed_pdf_gives_the_corpus_paragraphs_without_headers_or_page_numbers(printed_pdf):
    source = read_source(printed_pdf)
    assert source.lines == corpus_paragraphs(SEED_002, 30)  # wraps joined, nothing else in between
    assert source.page_count == 4 and source.text_source == "text" and source.ocr is None
    assert not any(HEADER_002 == line or line.startswith("— ") for line in source.lines)
    # the paragraph that runs over the page break is one line on pages 3 and 4
    assert (3, 4) in source.line_pages
    assert source.line_pages == sorted(source.line_pages)


def test_a_printed_pdf_cites_the_page_of_each_clause(printed_pdf):
    result = ingest_file(printed_pdf, "plan_002.pdf")
    clauses = [c for d in result.documents for c in d.clauses]
    by_text = {c.text: c for c in clauses}
    first_page = by_text["（一）指导思想"]
    assert (first_page.page_start, first_page.page_end) == (1, 1)
    spanning = [c for c in clauses if c.page_start != c.page_end]
    assert [(c.page_start, c.page_end) for c in spanning] == [(3, 4)]
    assert all(c.paragraph_start is None for c in clauses)


@needs_cjk_font
def test_a_page_number_after_the_last_line_is_not_part_of_the_clause(tmp_path):
    # 「…统筹协调。\n1」 must not happen: one page, its page number right under the last line
    paragraphs = [p for p in corpus_paragraphs(SEED_002) if p.startswith(("２．坚持以人为本", "３．坚持统筹协调"))]
    paragraphs[-1] = paragraphs[-1][:paragraphs[-1].index("。") + 1]  # 「３．坚持统筹协调，…并重。」
    source = read_source(write_paged_pdf(paragraphs, tmp_path / "one.pdf", lines_per_page=8))
    assert source.lines == paragraphs
    assert source.lines[-1].endswith("并重。")


def test_page_numbers_and_running_lines_in_the_forms_offices_print_them():
    from policykb.ingest.formats.layout import LayoutLine, LayoutPage, drop_running_lines, is_page_number

    for text in ("1", "- 2 -", "— 3 —", "·4·", "第5页", "第 5 页 共 9 页", "共9页 第5页", "6/9", "Page 7 of 9", "－ 12 －"):
        assert is_page_number(text), text
    for text in ("2019年", "一、总则", "第一条", "12345", "3.5%"):
        assert not is_page_number(text), text

    def line(text, top):
        return LayoutLine(text, 0, 10 * len(text), top, top + 10, 10)

    # a running header in the top margin, body lines 20 apart, a page number at the foot
    body = [[f"第{n}条 正文。", f"正文{n}继续。", "本条完。"] for n in (1, 2, 3)]
    pages = [LayoutPage(n, [line("国务院办公厅文件", 0)] + [line(t, 50 + 20 * i) for i, t in enumerate(body[n - 1])]
                        + [line(f"— {n} —", 500)]) for n in (1, 2, 3)]
    dropped = drop_running_lines(pages)
    assert [[l.text for l in p.lines] for p in pages] == body  # 「第N条」 and 「本条完。」 recur, but in the body
    assert (1, "国务院办公厅文件") in dropped and (3, "— 3 —") in dropped


# ---- scanned PDFs: OCR -------------------------------------------------------------------

def char_accuracy(source: str, read: str) -> float:
    """1 - (characters substituted, dropped or added) / source characters (difflib alignment)."""
    ops = difflib.SequenceMatcher(None, source, read, autojunk=False).get_opcodes()
    errors = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")
    return 1 - errors / len(source)


def page_texts(source) -> dict[int, str]:
    """The text of each page, a paragraph counted on the page it starts on."""
    out: dict[int, str] = {}
    for line, (first, _) in zip(source.lines, source.line_pages):
        out[first] = out.get(first, "") + line
    return out


@pytest.fixture(scope="module")
def scanned_pdf(printed_pdf) -> Path:
    """The printed PDF's pages rendered at 300 dpi into an image-only PDF: a clean scan."""
    return write_image_pdf(printed_pdf, printed_pdf.with_name("scan_002.pdf"), dpi=300)


@pytest.mark.slow
@needs_tesseract
def test_a_scanned_pdf_is_ocrd_at_98_percent_character_accuracy_per_page(printed_pdf, scanned_pdf):
    import pdfplumber

    with pdfplumber.open(scanned_pdf) as pdf:
        assert not any(page.extract_text().strip() for page in pdf.pages)  # no text layer at all
    truth, read = read_source(printed_pdf), read_source(scanned_pdf)
    assert read.text_source == "ocr"
    assert (read.ocr.engine, read.ocr.languages, read.ocr.dpi, read.ocr.pages) == ("tesseract", "chi_sim", 300,
                                                                                    [1, 2, 3, 4])
    assert read.ocr.engine_version[0].isdigit() and read.ocr.mean_confidence > 90
    expected, got = page_texts(truth), page_texts(read)
    accuracy = {page: char_accuracy(text, got.get(page, "")) for page, text in expected.items() if len(text) > 100}
    report = ", ".join(f"page {p}: {a:.2%}" for p, a in accuracy.items())
    print(f"OCR character accuracy against the source: {report}")
    assert len(accuracy) >= 3
    assert all(a >= 0.98 for a in accuracy.values()), report
    # no running header or page number came through OCR either
    assert not any(line.startswith(("2009—2013年全国", "— ")) for line in read.lines)
    # confidences: one per character of each line, 0-100
    for number, confidence in read.char_confidence.items():
        assert len(confidence) == len(read.lines[number - 1]) and all(0 <= c <= 100 for c in confidence)


@pytest.mark.slow
@needs_tesseract
@needs_cjk_font
def test_a_traditional_scan_is_read_with_chi_tra_which_auto_picks(tmp_path):
    from policykb.ingest.formats import ocr

    if "chi_tra" not in ocr._tesseract()[2]:
        pytest.skip("Tesseract's chi_tra data is not installed (apt-get install tesseract-ocr-chi-tra)")
    printed = write_paged_pdf(corpus_paragraphs(SEED_004, 12), tmp_path / "plan_004.pdf")
    scan = write_image_pdf(printed, tmp_path / "scan_004.pdf")
    truth, read = read_source(printed), read_source(scan)
    assert read.ocr.languages == "chi_tra"  # the first page read more confidently with it than with chi_sim
    expected, got = page_texts(truth), page_texts(read)
    accuracy = {page: char_accuracy(text, got.get(page, "")) for page, text in expected.items() if len(text) > 100}
    print("OCR character accuracy, traditional (chi_tra): " + ", ".join(f"page {p}: {a:.2%}" for p, a in accuracy.items()))
    assert accuracy and all(a >= 0.95 for a in accuracy.values()), accuracy


@pytest.mark.slow
@needs_tesseract
@needs_cjk_font
def test_a_scan_kept_as_an_image_is_ocrd_too(tmp_path):
    import pypdfium2 as pdfium

    paragraphs = corpus_paragraphs(SEED_002, 10)
    printed = write_paged_pdf(paragraphs, tmp_path / "one_page.pdf")
    pdf = pdfium.PdfDocument(str(printed))
    assert len(pdf) == 1
    pdf[0].render(scale=300 / 72, grayscale=True).to_pil().save(tmp_path / "第1页.png", dpi=(300, 300))
    pdf.close()
    result = ingest_file(tmp_path / "第1页.png", "第1页.png")
    assert result.failure is None
    doc = result.documents[0]
    assert (doc.format, doc.text_source, doc.ocr.languages, doc.page_count) == ("png", "ocr", "chi_sim", 1)
    truth = "".join(paragraphs)
    got = "".join(line for d in result.documents for c in d.clauses for line in c.text.split("\n"))
    assert char_accuracy(truth, got) >= 0.98
    assert all(c.page_start == 1 for d in result.documents for c in d.clauses)


@pytest.mark.slow
@needs_tesseract
def test_an_ocrd_document_records_its_engine_and_clauses_cite_pages_with_confidences(scanned_pdf):
    result = ingest_file(scanned_pdf, "scan_002.pdf")
    assert result.failure is None
    doc = result.documents[0]
    assert doc.text_source == "ocr" and doc.ocr.engine == "tesseract" and doc.page_count == 4
    assert any("read by OCR (Tesseract" in w for w in result.warnings)
    clauses = [c for d in result.documents for c in d.clauses]
    assert all(c.page_start is not None for c in clauses)
    assert all(c.char_confidence is not None and len(c.char_confidence) == len(c.text) for c in clauses)
    assert 90 < sum(c.ocr_confidence for c in clauses) / len(clauses) <= 100


@pytest.mark.slow
@needs_tesseract
@needs_cjk_font
def test_a_pdf_with_one_scanned_page_among_text_pages_is_mixed(tmp_path, printed_pdf, scanned_pdf):
    import pypdfium2 as pdfium

    mixed = pdfium.PdfDocument.new()  # page 1 a scan (an image), pages 2-4 with their text layer
    mixed.import_pages(pdfium.PdfDocument(str(scanned_pdf)), [0])
    mixed.import_pages(pdfium.PdfDocument(str(printed_pdf)), [1, 2, 3])
    mixed.save(str(tmp_path / "mixed.pdf"))
    mixed.close()
    source = read_source(tmp_path / "mixed.pdf")
    assert source.text_source == "mixed" and source.ocr.pages == [1]
    truth = read_source(printed_pdf)
    assert [l for l, (p, _) in zip(source.lines, source.line_pages) if p > 1] == \
           [l for l, (p, _) in zip(truth.lines, truth.line_pages) if p > 1]  # text pages exactly
    assert set(source.char_confidence) == {n for n, (p, _) in enumerate(source.line_pages, 1) if p == 1}


# ---- archives -------------------------------------------------------------------------------

def gbk_zip(files: dict[str, bytes]) -> bytes:
    """A zip as Chinese Windows writes one: member names in GBK, without the UTF-8 flag.

    zipfile writes non-ASCII names as UTF-8, so the members get ASCII stand-ins of the
    same byte length, which are then replaced by the GBK bytes (a name is not checksummed)."""
    buffer = io.BytesIO()
    swaps = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (name, data) in enumerate(files.items()):
            gbk = name.encode("gbk")
            stand_in = (string.ascii_uppercase[i] * len(gbk)).encode()
            swaps.append((stand_in, gbk))
            archive.writestr(stand_in.decode(), data)
    data = buffer.getvalue()
    for stand_in, gbk in swaps:
        assert data.count(stand_in) == 2  # local header and central directory
        data = data.replace(stand_in, gbk)
    return data


@pytest.fixture(scope="module")
def mixed_zip(tmp_path_factory, printed_pdf) -> Path:
    """A 通知's zipped attachments: Word 97, RTF, OFD, a text PDF, a .txt, a spreadsheet,
    a zip inside the zip, in a sub-folder, with GBK names."""
    inner = gbk_zip({"附件3.txt": SEED_003.read_bytes()})
    path = tmp_path_factory.mktemp("zip") / "关于印发规划的通知.zip"
    path.write_bytes(gbk_zip({
        "附件1.doc": (FIXTURES / "plan_002.doc").read_bytes(),
        "附件2.rtf": (FIXTURES / "plan_003.rtf").read_bytes(),
        "正文/规划.ofd": (FIXTURES / "plan_002.ofd").read_bytes(),
        "正文/规划.pdf": printed_pdf.read_bytes(),
        "说明.txt": SEED_004.read_bytes(),
        "统计表.xlsx": b"PK\x03\x04 a spreadsheet",
        "旧附件.zip": inner,
        "__MACOSX/._附件1.doc": b"resource fork",
    }))
    return path


@needs_libreoffice
def test_a_zip_of_mixed_files_ingests_each_member_as_archive_bang_member(mixed_zip):
    run = ingest_paths([mixed_zip])
    name = mixed_zip.name
    by_file = {r.file: r for r in run.results}
    assert sorted(by_file) == sorted(f"{name}!{m}" for m in (
        "附件1.doc", "附件2.rtf", "正文/规划.ofd", "正文/规划.pdf", "说明.txt", "统计表.xlsx", "旧附件.zip!附件3.txt"))
    failed = {f: r.failure.reason for f, r in by_file.items() if r.failure}
    assert list(failed) == [f"{name}!统计表.xlsx"]
    assert failed[f"{name}!统计表.xlsx"].startswith(f"{name}!统计表.xlsx: not ingested: this .xlsx file is a spreadsheet")
    expected = {"附件1.doc": (SEED_002, 20), "附件2.rtf": (SEED_003, 12), "正文/规划.ofd": (SEED_002, 30),
                "正文/规划.pdf": (SEED_002, 30), "旧附件.zip!附件3.txt": (SEED_003, None)}
    for member, (corpus, count) in expected.items():
        result = by_file[f"{name}!{member}"]
        assert result.archive == name
        texts = [t.strip() for t in clause_texts(result.documents) if t.strip()]
        assert (texts[:count] if count else texts) == corpus_paragraphs(corpus, count), member
        assert all(d.file == f"{name}!{member}" for d in result.documents)
    pdf = by_file[f"{name}!正文/规划.pdf"].documents[0]
    assert all(c.page_start is not None for c in pdf.clauses)
    # members are found again through their archive and share its fingerprint
    assert run.root_by_file[f"{name}!附件1.doc"] == str(mixed_zip)
    assert run.fingerprints[f"{name}!附件1.doc"] == run.fingerprints[name]
    assert run.archives == {name}


def test_an_unchanged_archive_is_not_read_again(tmp_path):
    path = tmp_path / "a.zip"
    path.write_bytes(gbk_zip({"通知.txt": SEED_003.read_bytes()}))
    first = ingest_paths([path])
    indexed = {r.file: first.fingerprints[r.file] for r in first.results}
    assert list(indexed) == ["a.zip!通知.txt"]
    again = ingest_paths([path], indexed=indexed)
    assert again.unchanged == ["a.zip"] and again.results == []


@needs_libarchive
@needs_libreoffice
def test_a_7z_archive_made_by_7zip_ingests_its_members():
    run = ingest_paths([FIXTURES / "plan_002.7z"])
    by_file = {r.file: r for r in run.results}
    assert sorted(by_file) == ["plan_002.7z!plan_002.doc", "plan_002.7z!通知.txt"]
    assert all(r.failure is None for r in run.results)
    doc = by_file["plan_002.7z!plan_002.doc"]
    assert clause_texts(doc.documents)[:20] == corpus_paragraphs(SEED_002, 20)


def test_a_damaged_archive_and_an_encrypted_member_are_named_with_the_reason(tmp_path):
    broken = tmp_path / "broken.zip"
    broken.write_bytes(gbk_zip({"通知.txt": SEED_003.read_bytes()})[:200])
    [result] = ingest_paths([broken]).results
    assert result.failure.reason.startswith("broken.zip: not a readable zip archive")
    data = bytearray(gbk_zip({"a.txt": b"x" * 100, "b.txt": SEED_003.read_bytes()}))
    # set the "encrypted" flag of a.txt in its local header and central directory entry
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x1
    locked = tmp_path / "locked.zip"
    locked.write_bytes(bytes(data))
    results = {r.file: r for r in ingest_paths([locked]).results}
    assert "is encrypted (password protected)" in results["locked.zip!a.txt"].failure.reason
    assert results["locked.zip!b.txt"].failure is None  # the rest is read


# ---- the index keeps the new fields; an old index still loads -------------------------------

def test_the_store_round_trips_pages_paragraphs_and_ocr_and_loads_a_store_written_before(tmp_path):
    from policykb.index.store import SCHEMA, StoreReader, load_documents, write_store
    from policykb.ingest.model import OcrInfo

    path = tmp_path / "a.txt"
    write_txt(corpus_paragraphs(SEED_003, 5), path)
    doc = ingest_file(path, "a.txt").documents[0]
    doc.text_source, doc.converter, doc.page_count = "ocr", "LibreOffice 7.4", 2
    doc.ocr = OcrInfo("tesseract", "5.3.0", "chi_sim", 300, [1, 2], 97.5)
    clause = doc.clauses[1]
    clause.page_start, clause.page_end, clause.paragraph_start, clause.paragraph_end = 1, 2, 3, 4
    clause.char_confidence = [90] * len(clause.text)
    write_store(tmp_path / "new.sqlite", [doc], {"a.txt": str(path)}, [])
    [back], _ = load_documents(tmp_path / "new.sqlite")
    assert (back.text_source, back.ocr, back.converter, back.page_count) == ("ocr", doc.ocr, "LibreOffice 7.4", 2)
    again = back.clauses[1]
    assert (again.page_start, again.page_end, again.paragraph_start, again.paragraph_end) == (1, 2, 3, 4)
    assert again.char_confidence == clause.char_confidence
    reader = StoreReader(tmp_path / "new.sqlite")
    record = reader.clause_records([1])[1]
    assert (record.page_start, record.paragraph_end) == (1, 4)
    assert reader.documents()[0].text_source == "ocr"
    reader.close()

    # a store as format 1 wrote it: no page, paragraph, OCR or converter columns
    old = sqlite3.connect(tmp_path / "old.sqlite")
    old.executescript(SCHEMA.replace(", text_source TEXT, ocr_json TEXT, converter TEXT, page_count INTEGER", "")
                      .replace(", page_start INTEGER, page_end INTEGER,\n  paragraph_start INTEGER, paragraph_end "
                               "INTEGER, char_confidence_json TEXT", ""))
    columns = [r[1] for r in old.execute("PRAGMA table_info(clauses)")]
    assert "page_start" not in columns
    old.execute("INSERT INTO documents (id, file, format, meta_json, line_start, line_end, body_start, warnings_json) "
                "VALUES ('d1', 'a.txt', 'txt', '{}', 1, 5, 1, '[]')")
    old.execute("INSERT INTO clauses (row, id, document_id, ordinal, kind, label, section_path_json, text, "
                "search_text, line_start, line_end, depth, tokens_json) VALUES "
                "(0, 'c1', 'd1', 0, 'paragraph', '第1段', '[]', '正文', '正文', 1, 1, 0, '[]')")
    old.commit()
    old.close()
    [loaded], _ = load_documents(tmp_path / "old.sqlite")
    assert loaded.text_source == "text" and loaded.ocr is None and loaded.clauses[0].page_start is None
    reader = StoreReader(tmp_path / "old.sqlite")
    assert reader.clause_records([0])[0].page_start is None
    assert reader.documents()[0].text_source == "text"  # as load_documents reads it: no OCR recorded
    reader.close()
