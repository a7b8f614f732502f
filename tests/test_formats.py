"""Format readers: the same text comes out of every format, and bad files are refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_builders import (
    SAMPLE_HEADINGS,
    SAMPLE_POLICY_LINES,
    cjk_font_missing_reason,
    find_cjk_font,
    write_docx,
    write_docx_table,
    write_html,
    write_numbered_docx,
    write_pdf,
    write_scanned_pdf,
    write_txt,
)
from policykb.ingest.errors import DecodeError, IngestError, NeedsOCR, UnsupportedFormat
from policykb.ingest.formats import SUPPORTED_SUFFIXES, read_source

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL_FILES = sorted((SHARED / "seeds").glob("*")) + sorted((SHARED / "corpora" / "laws-and-policies").glob("*"))
needs_shared = pytest.mark.skipif(not REAL_FILES, reason=f"{SHARED} is absent (seeds and corpora not checked out)")
needs_cjk_font = pytest.mark.skipif(find_cjk_font() is None, reason=cjk_font_missing_reason())


def text_lines(lines: list[str]) -> list[str]:
    """Non-empty lines with surrounding whitespace (U+3000 included) stripped."""
    return [line.strip() for line in lines if line.strip()]


# ---- the same text in every format ---------------------------------------------------

WRITERS = {
    "txt": lambda path: write_txt(SAMPLE_POLICY_LINES, path.with_suffix(".txt")),
    "docx": lambda path: write_docx(SAMPLE_POLICY_LINES, path.with_suffix(".docx"), SAMPLE_HEADINGS),
    "html": lambda path: write_html(SAMPLE_POLICY_LINES, path.with_suffix(".html"), SAMPLE_HEADINGS),
    "pdf": lambda path: write_pdf(SAMPLE_POLICY_LINES, path.with_suffix(".pdf")),
}


@pytest.mark.parametrize("fmt", [
    "txt", "docx", "html", pytest.param("pdf", marks=needs_cjk_font)])
def test_the_same_policy_text_comes_out_of_every_format_line_for_line(tmp_path, fmt):
    source = read_source(WRITERS[fmt](tmp_path / "plan"))
    assert source.format == fmt
    assert text_lines(source.lines) == text_lines(SAMPLE_POLICY_LINES)


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_word_heading_styles_and_html_headings_give_heading_levels(tmp_path, fmt):
    source = read_source(WRITERS[fmt](tmp_path / "plan"))
    assert source.heading_levels == SAMPLE_HEADINGS


def test_txt_keeps_lines_as_written_so_line_numbers_match_an_editor(tmp_path):
    path = write_txt(["标题", "", "\u3000\u3000一、总则", "正文。"], tmp_path / "a.txt", newline="\r\n")
    source = read_source(path)
    assert source.lines == ["标题", "", "\u3000\u3000一、总则", "正文。"]
    assert (source.format, source.encoding) == ("txt", "utf-8")


@pytest.mark.parametrize("encoding, recorded", [
    ("gb18030", "gb18030"), ("gb2312", "gb18030"), ("big5", "big5"), ("utf-16", "utf-16-le"),
    ("utf-8-sig", "utf-8-sig")])
def test_txt_records_the_encoding_it_found(tmp_path, encoding, recorded):
    lines = ["第一条　为了规范印章管理，制定本规定。", "第二条　本规定自发布之日起施行。"]
    if encoding == "big5":
        lines = ["第一條　為了規範印章管理，制定本規定。", "第二條　本規定自發布之日起施行。"]
    source = read_source(write_txt(lines, tmp_path / "a.txt", encoding=encoding))
    assert (source.lines, source.encoding) == (lines, recorded)


def test_suffixes_are_matched_case_insensitively(tmp_path):
    path = write_txt(["通知"], tmp_path / "NOTICE.TXT")
    assert read_source(path).lines == ["通知"]


# ---- markdown --------------------------------------------------------------------------

MARKDOWN = """---
title: 中华人民共和国档案法
issuer: 全国人民代表大会常务委员会
date: 2020-06-20
---
# 中华人民共和国档案法

## 第一章 总 则

第一条 为了加强档案管理，制定本法。

```
# 不是标题
```
"""


def test_markdown_front_matter_becomes_metadata_and_its_lines_keep_their_numbers(tmp_path):
    path = tmp_path / "law.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    source = read_source(path)
    assert source.format == "md"
    assert source.front_matter["title"] == "中华人民共和国档案法"
    assert str(source.front_matter["date"]) == "2020-06-20"
    assert source.front_matter_lines == (1, 5)
    assert source.body_start == 6
    assert source.lines[0] == "---" and source.lines[5] == "# 中华人民共和国档案法"
    assert source.heading_levels == {6: 1, 8: 2}  # the # inside the code fence is not a heading


def test_malformed_front_matter_is_a_warning_not_a_failure(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: [未闭合\n---\n# 标题\n正文。\n", encoding="utf-8")
    source = read_source(path)
    assert source.front_matter == {}
    assert source.lines[3] == "# 标题" and source.heading_levels == {4: 1}
    assert len(source.warnings) == 1 and "bad.md" in source.warnings[0] and "YAML" in source.warnings[0]


def test_a_front_matter_date_no_calendar_has_is_an_unknown_date_with_a_warning(tmp_path):
    from policykb.ingest.pipeline import ingest_file

    path = tmp_path / "notice.md"
    path.write_text("---\ntitle: 关于加强基层干部培训的通知\ndate: 2024-13-45\n---\n\n"
                    "一、各地要加强基层干部培训。\n", encoding="utf-8")
    source = read_source(path)  # YAML's timestamp type raised ValueError here
    assert source.front_matter == {"title": "关于加强基层干部培训的通知", "date": "2024-13-45"}
    assert source.warnings == []
    result = ingest_file(path)
    assert result.failure is None
    (document,) = result.documents
    assert document.meta.value("date") is None and document.meta.value("title") == "关于加强基层干部培训的通知"
    (warning,) = [w for w in document.warnings if "date" in w]
    assert "2024-13-45" in warning and "line 3" in warning and "null" in warning


def test_a_front_matter_date_that_is_no_date_gives_way_to_the_date_the_text_states(tmp_path):
    from policykb.ingest.pipeline import ingest_file

    path = tmp_path / "notice.md"
    path.write_text("---\ndate: '2024-02-30'\n---\n\n关于加强基层干部培训的通知\n\n中共中央组织部\n2024年3月1日\n\n"
                    "一、各地要加强基层干部培训。\n", encoding="utf-8")
    (document,) = ingest_file(path).documents
    assert document.meta.value("date") == "2024-03-01"
    assert any("2024-02-30" in w and "2024-03-01" in w for w in document.warnings)


# ---- html --------------------------------------------------------------------------------

def test_html_drops_navigation_scripts_sharing_related_links_and_footer(tmp_path):
    source = read_source(WRITERS["html"](tmp_path / "plan"))
    page_text = "\n".join(source.lines)
    for boilerplate in ("首页", "政策", "分享到", "相关文件", "版权所有", "统计代码", "打印本页", "京ICP备"):
        assert boilerplate not in page_text.replace("政策文件", "")
    assert source.encoding == "utf-8" and source.warnings == []


def test_html_declared_gb2312_page_with_gbk_bytes_is_recorded_as_gb18030(tmp_path):
    path = write_html(SAMPLE_POLICY_LINES, tmp_path / "plan.htm", encoding="gbk", declared="gb2312")
    source = read_source(path)
    assert source.encoding == "gb18030"
    assert text_lines(source.lines) == text_lines(SAMPLE_POLICY_LINES)


def test_html_that_declares_a_wrong_charset_is_detected_with_a_warning(tmp_path):
    path = tmp_path / "wrong.html"
    path.write_bytes('<meta charset="gb2312"><p>干部教育培训工作条例</p>'.encode("utf-8"))
    source = read_source(path)
    assert source.lines == ["干部教育培训工作条例"] and source.encoding == "utf-8"
    assert "declares charset gb2312" in source.warnings[0]


def test_html_declared_big5_decides_a_page_too_short_to_tell(tmp_path):
    path = tmp_path / "short.html"
    path.write_bytes('<meta charset="big5"><p>國</p>'.encode("big5"))
    source = read_source(path)
    assert (source.lines, source.encoding, source.warnings) == (["國"], "big5", [])


def test_a_plain_html_page_of_paragraphs_keeps_every_line(tmp_path):
    path = tmp_path / "plain.html"
    path.write_text("<html><body><h1>关于印发某规划的通知</h1><p>各省、自治区：</p>"
                    "<p>现将规划印发给你们，<b>请认真贯彻</b>执行。</p><div>附件：规划</div>"
                    "<p>第一行<br>第二行<br/>第三行</p>"
                    "<table><tr><td>发文机关</td><td>国务院</td></tr><tr><th>文号</th><td>国发〔2018〕1号</td></tr></table>"
                    "</body></html>", encoding="utf-8")
    source = read_source(path)
    assert source.lines == ["关于印发某规划的通知", "各省、自治区：", "现将规划印发给你们，请认真贯彻执行。",
                            "附件：规划", "第一行", "第二行", "第三行", "发文机关 国务院", "文号 国发〔2018〕1号"]
    assert source.heading_levels == {1: 1}


def test_html_title_in_the_page_header_is_kept(tmp_path):
    path = tmp_path / "article.html"
    path.write_text("<body><header><h1>国务院关于某事项的决定</h1></header>"
                    "<header><a href='/'>首页</a></header><p>正文第一段。</p></body>", encoding="utf-8")
    assert read_source(path).lines == ["国务院关于某事项的决定", "正文第一段。"]


# ---- docx --------------------------------------------------------------------------------

def test_docx_automatic_chinese_list_numbering_is_rendered_into_the_text(tmp_path):
    items = [(None, "党员教育培训工作规划"), (0, "指导思想和基本要求"), (1, "指导思想"), (1, "基本要求"),
             (2, "坚持把增强党性作为第一任务"), (2, "坚持以人为本"), (0, "工作目标和主要任务"), (1, "工作目标")]
    source = read_source(write_numbered_docx(items, tmp_path / "plan.docx"))
    assert source.lines == ["党员教育培训工作规划", "一、指导思想和基本要求", "（一）指导思想", "（二）基本要求",
                            "1.坚持把增强党性作为第一任务", "2.坚持以人为本", "二、工作目标和主要任务", "（一）工作目标"]
    assert (source.format, source.encoding, source.warnings) == ("docx", None, [])


def test_docx_list_numbering_in_an_unknown_format_keeps_the_text_and_warns(tmp_path):
    path = write_numbered_docx([(0, "第一项")], tmp_path / "odd.docx", levels=(("hebrew1", "%1."),))
    source = read_source(path)
    assert source.lines == ["第一项"]
    assert "odd.docx" in source.warnings[0] and "hebrew1" in source.warnings[0]


def test_docx_list_levels_that_are_not_numbers_lose_their_labels_with_a_warning_not_the_file(tmp_path):
    # numbering.xml defines levels "0", "x", "2"; one paragraph says its level is "x"
    items = [(0, "指导思想和基本要求"), ("x", "指导思想"), (2, "坚持以人为本"), (0, "工作目标和主要任务")]
    path = write_numbered_docx(items, tmp_path / "plan.docx", level_ids=("0", "x", "2"))
    source = read_source(path)  # int("x") raised ValueError here
    assert source.lines == ["一、指导思想和基本要求", "指导思想", "1.坚持以人为本", "二、工作目标和主要任务"]
    assert len(source.warnings) == 2 and all('w:ilvl="x"' in w and "plan.docx" in w for w in source.warnings)


def test_docx_chinese_heading_style_names_give_levels_and_tables_are_read_in_order(tmp_path):
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("第一章　总则", style="标题 2")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "发文机关", "国务院"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "合并的单元格"
    document.add_paragraph("第一条\n第二条")  # a soft line break starts a new line
    document.save(str(tmp_path / "t.docx"))
    source = read_source(tmp_path / "t.docx")
    assert source.lines == ["第一章　总则", "发文机关", "国务院", "合并的单元格", "第一条", "第二条"]
    assert source.heading_levels == {1: 2}


# ---- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".txt", ".md", ".html", ".docx", ".pdf"])
def test_an_empty_file_is_refused_as_empty(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(IngestError, match=f"empty{suffix}: file is empty"):
        read_source(path)


def test_a_binary_file_named_txt_is_refused_as_binary(tmp_path):
    path = tmp_path / "scan.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(DecodeError, match=r"scan\.txt: looks like a binary file"):
        read_source(path)


def test_a_truncated_gb18030_file_is_refused_with_a_clear_message(tmp_path):
    data = "第一条　为了加强干部教育培训工作，制定本规定。\n".encode("gb18030") * 20
    path = tmp_path / "cut.txt"
    path.write_bytes(data[:-1] + data[:1])  # ends with the first byte of a character
    with pytest.raises(DecodeError) as err:
        read_source(path)
    assert str(path) in str(err.value) and "cut off" in str(err.value)


def test_a_20_mb_text_file_is_refused_by_the_size_limit_with_how_to_raise_it(tmp_path):
    path = tmp_path / "huge.txt"
    line = "第一条　为了加强干部教育培训工作，制定本规定。\n".encode("utf-8")
    path.write_bytes(line * (20 * 1024 * 1024 // len(line) + 1))
    with pytest.raises(IngestError) as err:
        read_source(path)
    message = str(err.value)
    assert "huge.txt" in message and "20 MB" in message and "10 MB limit" in message
    assert "--max-file-mb 21" in message


def test_a_larger_limit_lets_a_big_file_through(tmp_path):
    path = write_txt(["通知"] * 1000, tmp_path / "big.txt")
    with pytest.raises(IngestError):
        read_source(path, max_bytes=1000)
    assert len(read_source(path, max_bytes=10_000).lines) == 1000


def test_a_pdf_with_no_text_layer_and_ocr_off_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYKB_OCR", "off")
    path = write_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(NeedsOCR, match=r"scan\.pdf: has no text layer \(a scan\?\) and cannot be OCR'd: "
                                       r"OCR is turned off \(POLICYKB_OCR=off\)"):
        read_source(path)


def test_a_scan_that_shows_no_text_is_refused_after_ocr_found_none(tmp_path):
    from policykb.ingest.formats import ocr

    try:
        ocr.engine()
    except NeedsOCR as err:
        pytest.skip(str(err))
    path = write_scanned_pdf(tmp_path / "scan.pdf")  # grey bars, no letters
    with pytest.raises(IngestError, match=r"scan\.pdf: no text found, neither in a text layer nor by OCR"):
        read_source(path)


def test_an_encrypted_pdf_is_refused_with_the_reason(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "locked.pdf"
    pdf = canvas.Canvas(str(path), encrypt="secret")
    pdf.drawString(72, 720, "Confidential")
    pdf.save()
    with pytest.raises(IngestError, match=r"locked\.pdf: the PDF is encrypted"):
        read_source(path)


@pytest.mark.parametrize("suffix", [".pdf", ".docx"])
def test_a_damaged_pdf_or_docx_is_refused_with_the_reason(tmp_path, suffix):
    path = tmp_path / f"damaged{suffix}"
    path.write_bytes(b"%PDF-1.4\n1 0 obj garbage" if suffix == ".pdf" else b"PK\x03\x04 not really a zip")
    with pytest.raises(IngestError, match=f"damaged\\{suffix}: "):
        read_source(path)


def test_an_unsupported_suffix_is_refused_naming_the_supported_ones(tmp_path):
    path = tmp_path / "notes.xyz"
    path.write_bytes(b"\xd0\xcf\x11\xe0 old word")
    with pytest.raises(UnsupportedFormat) as err:
        read_source(path)
    assert "notes.xyz" in str(err.value)
    assert all(suffix in str(err.value) for suffix in SUPPORTED_SUFFIXES)


def test_a_missing_file_is_reported_by_name(tmp_path):
    with pytest.raises(IngestError, match="nowhere.txt: no such file"):
        read_source(tmp_path / "nowhere.txt")


# ---- the real corpora -----------------------------------------------------------------------

@needs_shared
def test_all_real_seed_and_corpus_files_read_with_their_encodings():
    encodings = {}
    for path in REAL_FILES:
        source = read_source(path)
        assert source.lines and source.warnings == [], path
        encodings[path.name] = source.encoding
    assert len(encodings) == 45
    assert encodings.pop("lrb_seal_management_rules_1999_zh-tw.big5.txt") == "big5"
    assert encodings.pop("govcn_research_autonomy_notice_2018.gb18030.txt") == "gb18030"
    assert set(encodings.values()) == {"utf-8"}
