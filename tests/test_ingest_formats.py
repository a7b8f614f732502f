"""The same policy text as .txt, .docx, .html and .pdf gives the same documents and clauses."""

from __future__ import annotations

import re

import pytest

from policykb.ingest.pipeline import ingest_file
from tests.fixture_builders import (SAMPLE_HEADINGS, SAMPLE_POLICY_LINES, cjk_font_missing_reason, find_cjk_font,
                                    write_docx, write_html, write_pdf, write_txt)


def understood(path):
    result = ingest_file(path)
    assert result.failure is None, result.failure
    [doc] = result.documents
    meta = {name: doc.meta.value(name) for name in doc.meta.FIELDS}
    clauses = [(c.kind, c.label, tuple(c.section_path), re.sub(r"\s", "", c.text)) for c in doc.clauses]
    return meta, clauses


@pytest.fixture
def reference(tmp_path):
    return understood(write_txt(SAMPLE_POLICY_LINES, tmp_path / "plan.txt"))


def test_the_plain_text_version_is_understood(reference):
    meta, clauses = reference
    assert meta["title"] == "2009—2013年全国党员教育培训工作规划"
    assert meta["doc_number"] == "中共中央办公厅（2009年23号）"
    by_text = {c[3]: c for c in clauses}
    item = by_text["２．坚持以人为本，增强教育培训的针对性和实效性。"]
    assert item[1] == "２．" and item[2] == ("一、指导思想和基本要求", "（二）基本要求")


@pytest.mark.parametrize("writer, suffix", [
    (lambda lines, path: write_docx(lines, path, SAMPLE_HEADINGS), ".docx"),
    (lambda lines, path: write_html(lines, path, SAMPLE_HEADINGS), ".html"),
    (lambda lines, path: write_txt(lines, path, encoding="gb18030"), ".txt"),
    (lambda lines, path: write_txt(lines, path, encoding="utf-16"), ".txt"),
])
def test_docx_html_and_other_encodings_give_the_same_clauses(tmp_path, reference, writer, suffix):
    path = writer(SAMPLE_POLICY_LINES, tmp_path / f"plan{suffix}")
    assert understood(path) == reference


@pytest.mark.skipif(find_cjk_font() is None, reason=cjk_font_missing_reason())
def test_a_pdf_with_a_text_layer_gives_the_same_clauses(tmp_path, reference):
    assert understood(write_pdf(SAMPLE_POLICY_LINES, tmp_path / "plan.pdf")) == reference
