"""Files whose text is damaged in ways that still decode: each one gets a warning (or a refusal) naming
the file and the line, never silent mojibake, U+FFFD or lost text in the clauses."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from policykb.ingest.pipeline import ingest_file

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CLAUSES = ["第一条 为了规范行政执法行为，制定本办法。",
           "第二条 各级人民政府应当加强对本行政区域内安全生产工作的领导。",
           "第三条 违反本办法规定的，由有关部门责令改正，并处以罚款。",
           "第四条 本办法自发布之日起施行。"]
# Its UTF-8 bytes also decode as GB18030 without an error, as 「锛堜竴锛夋満鏋勪綋...」.
PASTED = "（一）机构体系全面建立，事业发展形成规模"


def _ingest(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return ingest_file(path, name)


def _text(result) -> str:
    return "\n".join(c.text for d in result.documents for c in d.clauses)


def test_a_gbk_file_with_a_pasted_utf8_line_is_decoded_right_and_warned_about(tmp_path):
    lines = [c.encode("gbk") for c in CLAUSES]
    lines.insert(2, PASTED.encode("utf-8"))
    result = _ingest(tmp_path, "mixed.txt", b"\n".join(lines) + b"\n")
    assert result.failure is None
    assert PASTED in _text(result) and "锛堜竴锛" not in _text(result)
    warning, = [w for w in result.warnings if "mixes encodings" in w]
    assert "mixed.txt" in warning and "line 3 is UTF-8" in warning and "GB18030" in warning


def test_a_utf8_file_with_a_gbk_paragraph_is_decoded_line_by_line_and_warned_about(tmp_path):
    lines = [c.encode("gbk" if n == 1 else "utf-8") for n, c in enumerate(CLAUSES)]
    result = _ingest(tmp_path, "mixed.txt", b"\n".join(lines) + b"\n")
    assert result.failure is None, result.failure
    assert all(c in _text(result) for c in CLAUSES)
    assert any("line 2 is GB18030 while the rest is UTF-8" in w for w in result.warnings)


def test_mojibake_saved_into_a_utf8_file_is_named_with_its_line_and_what_it_would_read(tmp_path):
    misread = CLAUSES[1].encode("utf-8").decode("gbk", errors="replace")
    text = "\n".join([CLAUSES[0], misread, CLAUSES[2]]) + "\n"
    result = _ingest(tmp_path, "misread.txt", text.encode("utf-8"))
    warning, = [w for w in result.warnings if "looks like mojibake" in w]
    assert "misread.txt" in warning and "line 2" in warning and "GBK" in warning
    assert "各级人民政府" in warning, "the warning shows what the line would read"


def test_replacement_characters_in_a_file_are_reported_with_their_line(tmp_path):
    text = "\n".join([CLAUSES[0], CLAUSES[1].replace("人民", "\ufffd\ufffd"), CLAUSES[2]]) + "\n"
    result = _ingest(tmp_path, "lost.txt", text.encode("utf-8"))
    assert any("line 2 holds U+FFFD" in w and "lost.txt" in w for w in result.warnings)


@pytest.mark.parametrize("seed", sorted(p.name for p in CORPUS.glob("0*.txt")))
@pytest.mark.parametrize("codec", ["utf-8", "gb18030"])
def test_clean_files_get_no_damage_warning(tmp_path, seed, codec):
    text = (CORPUS / seed).read_text(encoding="utf-8")
    result = _ingest(tmp_path, seed, text.encode(codec))
    assert result.failure is None
    assert not [w for w in result.warnings if "mixes encodings" in w or "like mojibake" in w or "U+FFFD" in w]


@pytest.mark.parametrize("data, what", [
    (codecs.BOM_UTF8, "only a byte-order mark"),
    (codecs.BOM_UTF16_LE, "only a byte-order mark"),
    (b" \r\n\t\n", "only whitespace"),
    (codecs.BOM_UTF8 + "\u3000\n\n".encode("utf-8"), "only whitespace"),
], ids=["utf8-bom", "utf16-bom", "whitespace", "bom-and-ideographic-space"])
@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_a_file_with_no_text_fails_like_an_empty_file_instead_of_giving_no_documents(tmp_path, data, what, suffix):
    result = _ingest(tmp_path, f"blank{suffix}", data)
    assert result.failure is not None, "refused, as an empty file is"
    assert f"blank{suffix}: has no text (it holds {what})" in result.failure.reason


def _page(body: str) -> bytes:
    return f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>'.encode("utf-8")


def test_html_references_to_no_character_are_dropped_with_a_warning_not_turned_into_fffd(tmp_path):
    body = "<p>第一条 甲&#0;乙</p>\n<p>第二条 丙&#xD800;丁&#x110000;</p>\n<p>第三条 戊&#1;己&#12354;</p>"
    result = _ingest(tmp_path, "refs.html", _page(body))
    text = _text(result)
    assert "\ufffd" not in text and "\x01" not in text
    assert "甲乙" in text and "丙丁" in text and "戊己あ" in text, "valid references are kept"
    warning, = [w for w in result.warnings if "character reference" in w]
    assert "refs.html" in warning and "&#0; (line 1)" in warning and "&#xD800; (line 2)" in warning


@pytest.mark.parametrize("depth", [300, 1500])
def test_html_nested_hundreds_of_levels_deep_keeps_its_text(tmp_path, depth):
    body = ("<p>第一条 开头。</p>" + "<div>" * depth + "<p>第二条 深处的条款。</p>" + "</div>" * depth
            + "<p>第三条 结尾。</p>")
    result = _ingest(tmp_path, "deep.html", _page(body))
    assert result.failure is None, result.failure
    assert "第二条 深处的条款。" in _text(result) and "第三条 结尾。" in _text(result)
    assert not [w for w in result.warnings if "boilerplate" in w]


def test_html_nested_deeper_than_the_parser_reads_is_refused_saying_so(tmp_path):
    body = "<p>第一条 开头。</p>" + "<div>" * 3000 + "<p>第二条 深处。</p>" + "</div>" * 3000
    result = _ingest(tmp_path, "deeper.html", _page(body))
    assert result.failure is not None
    assert "deeper.html: elements are nested deeper than the HTML parser reads" in result.failure.reason
    assert "boilerplate" not in result.failure.reason
