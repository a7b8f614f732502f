"""Exports as a reader gets them: the DOCX handout opens in LibreOffice and its PDF holds the Chinese
quotations and complete citations; the XLSX and CSV read back with the same rows; the RIS, BibTeX
and CSL-JSON bundles parse; /api/export and `policykb export` make them, and say what is wrong.

One index of two bundled seeds (002, 003: the 2009 plan is quoted, 003 is a second document),
built with the tiny model.
"""

from __future__ import annotations

import csv
import re
import io
import json
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policykb.service.api.main import create_app
from policykb.service.catalog import Catalog
from policykb.service.config import Settings
from policykb.service.export import selection
from policykb.service.export.writers import FORMATS

REPO = Path(__file__).resolve().parents[1]
ACCESSED = date(2026, 12, 2)
QUESTION = "新党员集中培训学时"
PLAN = "《2009—2013年全国党员教育培训工作规划》"

pytestmark = pytest.mark.slow  # builds a real index (tiny model)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, tiny_model_path) -> Path:
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    corpus = tmp_path_factory.mktemp("corpus")
    for name in ("002_e058e02591a1b2b6.txt", "003_4324baae79f107ff.txt"):
        shutil.copy(REPO / "corpus" / name, corpus / name)
    index_dir = tmp_path_factory.mktemp("index")
    build_index(ingest_paths([corpus]), index_dir, model=tiny_model_path, progress=None)
    return index_dir


@pytest.fixture(scope="module")
def kb(index_dir):
    from policykb.search.knowledge_base import KnowledgeBase

    return KnowledgeBase.load(index_dir)


@pytest.fixture(scope="module")
def chosen(kb) -> selection.Selection:
    catalog = Catalog(kb.index)
    return selection.from_search(kb, catalog, QUESTION, ACCESSED, k=6, mode="lexical")


@pytest.fixture(scope="module")
def client(index_dir):
    with TestClient(create_app(Settings(index=index_dir, request_timeout=300))) as c:
        yield c


def test_a_search_selection_numbers_each_cited_document_once_in_order_of_first_citation(chosen):
    assert len(chosen.clauses) == 6 and chosen.title == QUESTION
    numbers = [chosen.reference_number(item) for item in chosen.clauses]
    assert numbers[0] == 1 and sorted(set(numbers)) == list(range(1, len(chosen.references()) + 1))
    assert all(n <= max(numbers[:i + 1]) for i, n in enumerate(numbers))  # a new document gets the next number


def test_the_docx_handout_quotes_each_clause_with_its_citation_and_lists_the_references(chosen):
    from docx import Document
    from docx.oxml.ns import qn

    handout = Document(io.BytesIO(FORMATS["docx"].write(chosen)))
    text = [p.text for p in handout.paragraphs]
    assert text[0] == QUESTION
    for item in chosen.clauses:
        assert item.clause.text in text
        after = text[text.index(item.clause.text) + 1]
        assert after.startswith(f"——{item.citations.legal}[{chosen.reference_number(item)}]")
        assert item.citations.locator in after
    references = text[text.index("参考文献") + 1:]
    assert references == [f"[{n}] {first.citations.gbt7714_2015}" for n, first in chosen.references()]
    fonts = handout.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"  # Word and WPS have it; without it they fall back to a Latin font
    assert handout.styles["Title"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    # a theme font would win over the named one in Word: none is left where the handout names fonts
    defaults = handout.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for rpr in (defaults, *(handout.styles[n].element.rPr for n in ("Normal", "Title", "Heading 1"))):
        assert not [a for a in rpr.find(qn("w:rFonts")).attrib if "Theme" in a or "cstheme" in a]
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="LibreOffice (soffice) or poppler-utils (pdftoppm) is not installed")
def test_the_docx_handout_renders_in_libreoffice_with_its_chinese_text_and_citations(chosen, tmp_path):
    import pdfplumber

    (tmp_path / "handout.docx").write_bytes(FORMATS["docx"].write(chosen))
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "handout.docx")],
                   check=True, capture_output=True, timeout=180)
    with pdfplumber.open(tmp_path / "handout.pdf") as pdf:
        shown = "".join((page.extract_text() or "") for page in pdf.pages).replace("\n", "").replace(" ", "")
    assert "新党员培训工程" in shown and "参考文献" in shown
    for n, first in chosen.references():
        assert f"[{n}]{first.citations.gbt7714_2015}".replace(" ", "") in shown
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(tmp_path / "handout.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    assert (tmp_path / "page-1.png").stat().st_size > 10_000  # a page with text on it, not a blank one


def test_the_xlsx_and_csv_read_back_with_the_same_rows(chosen):
    from openpyxl import load_workbook

    from policykb.service.export.tabular import HEADERS, csv_cell, rows

    expected = rows(chosen)
    sheet = load_workbook(io.BytesIO(FORMATS["xlsx"].write(chosen))).active
    read = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert read[0] == HEADERS and read[1:] == expected
    raw = FORMATS["csv"].write(chosen)
    assert raw.startswith("\ufeff".encode())  # Excel opens UTF-8 Chinese text only with the mark
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == HEADERS
    assert table[1:] == [[str(csv_cell(v)) for v in row] for row in expected]
    first = dict(zip(HEADERS, read[1]))
    assert first["citation_legal"].startswith(PLAN) and first["date"] is None and first["year_inferred"] is True


def test_the_ris_bibtex_and_csl_json_bundles_parse_one_item_per_clause(chosen):
    import bibtexparser
    import rispy

    ris = rispy.loads(FORMATS["ris"].write(chosen).decode("utf-8"))
    assert [r["id"] for r in ris] == [e.clause.clause_id for e in chosen.clauses]
    assert all(r["type_of_reference"] == "STAT" and r.get("section") for r in ris[:1])
    library = bibtexparser.parse_string(FORMATS["bibtex"].write(chosen).decode("utf-8"))
    assert not library.failed_blocks and len(library.entries) == len(chosen.clauses)
    items = json.loads(FORMATS["csl-json"].write(chosen))
    assert [i["id"] for i in items] == [e.clause.clause_id for e in chosen.clauses]
    assert all(i["type"] == "legislation" and "accessed" in i for i in items)


def test_the_markdown_quotes_each_clause_and_ends_with_the_references(chosen):
    text = FORMATS["md"].write(chosen).decode("utf-8")
    assert text.startswith(f"# {QUESTION}\n")
    first = chosen.clauses[0]
    assert "> " + first.clause.text.splitlines()[0] in text
    assert f"——{first.citations.legal}[1]（{first.citations.locator}）" in text
    assert text.rstrip().endswith(chosen.references()[-1][1].citations.gbt7714_2015)


def test_api_export_of_a_search_is_an_attachment_with_the_searched_clauses(client, chosen):
    response = client.get("/api/export", params={"q": QUESTION, "k": 6, "mode": "lexical", "format": "csv",
                                                 "accessed": "2026-12-02"})
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="policykb-2026-12-02.csv"'
    assert response.headers["content-type"].startswith("text/csv")
    # the same file, its permalinks absolute with the server's address
    assert response.content == FORMATS["csv"].write(replace(chosen, base_url="http://testserver/"))


def test_api_export_of_clause_ids_keeps_their_order_and_titles_the_handout_with_q(client, chosen):
    ids = [e.clause.clause_id for e in chosen.clauses][::-1][:3]
    response = client.get("/api/export", params={"id": ids, "q": "讲义", "format": "md", "accessed": "2026-12-02"})
    assert response.status_code == 200, response.text
    text = response.text
    assert text.startswith("# 讲义\n")
    positions = [text.index(next(e.clause.text for e in chosen.clauses if e.clause.clause_id == i).splitlines()[0])
                 for i in ids]
    assert positions == sorted(positions)


def test_api_export_of_a_whole_document_has_every_clause(client, kb):
    doc_id = next(d for d, row in kb.documents.items() if row.title == "2009—2013年全国党员教育培训工作规划")
    response = client.get("/api/export", params={"document": doc_id, "format": "csl-json", "accessed": "2026-12-02",
                                                 "online_type": "EB"})
    assert response.status_code == 200, response.text
    items = response.json()
    assert len(items) == len(Catalog(kb.index).document(doc_id).clauses)
    assert all(i["title"] == "2009—2013年全国党员教育培训工作规划" and "issued" not in i for i in items)


@pytest.mark.parametrize("params, status, words", [
    ({"format": "docx"}, 422, "Say what to export"),
    ({"format": "pdf", "q": "培训"}, 422, "format"),
    ({"format": "csv", "q": "培训", "accessed": "2026/12/02"}, 422, "valid date"),
    ({"format": "csv", "id": "no-such-clause"}, 404, "'no-such-clause'"),
    ({"format": "csv", "document": "no-such-document"}, 404, "'no-such-document'"),
    ({"format": "csv", "q": " "}, 422, "the query is empty"),
    ({"format": "csv", "q": "培训", "year_from": 2020, "year_to": 2010}, 422, "year_from"),
])
def test_api_export_says_what_is_wrong_with_a_request(client, params, status, words):
    response = client.get("/api/export", params=params)
    assert response.status_code == status
    assert words in response.json()["error"]["message"]


def test_api_export_refuses_more_clause_ids_than_an_export_holds(client):
    response = client.get("/api/export", params={"format": "csv", "id": [f"x{i}" for i in range(selection.MAX_CLAUSES + 1)]})
    assert response.status_code == 422 and "at most 500" in response.json()["error"]["message"]


def test_cli_export_writes_the_file_and_names_a_missing_clause(index_dir, chosen, tmp_path, capsys):
    from policykb.service.cli import main

    out = tmp_path / "handout.xlsx"
    assert main(["export", QUESTION, "--index", str(index_dir), "--format", "xlsx", "--out", str(out), "--k", "6",
                 "--mode", "lexical", "--accessed", "2026-12-02"]) == 0
    assert out.read_bytes()[:2] == b"PK" and "wrote 6 clause(s)" in capsys.readouterr().err
    assert main(["export", "--index", str(index_dir), "--format", "bibtex", "--id", "gone"]) == 1
    assert "No clause with id 'gone'" in capsys.readouterr().err
    assert main(["export", QUESTION, "--index", str(index_dir), "--format", "docx"]) == 2
    assert "give --out FILE.docx" in capsys.readouterr().err


def _hostile_selection() -> selection.Selection:
    from policykb.service.citations.record import CitedClause, CitedDocument

    doc = CitedDocument("d1", "关于<script>alert(1)</script>的测试办法", ("某某办公室",), None, "2020-01-02", 2020,
                        False, None, "办法", None, None, "abcdef123456", "hostile.txt", "txt")
    clause = CitedClause(doc, "d1-1", "article", "第一条", None, ("一、总则",),
                         "=HYPERLINK(\"http://x\")<img src=x onerror=alert(1)> & 原样\x0c第二页\x01", 3, 3)
    item = selection.ExportedClause(clause, selection.citations_of(clause, ACCESSED), 1)
    return selection.Selection("<b>问题</b>", "<b>问题</b>", [item], ACCESSED)


def test_markdown_escapes_markup_from_the_corpus_and_the_question():
    text = FORMATS["md"].write(_hostile_selection()).decode("utf-8")
    assert "<script>" not in text and "<img" not in text and "<b>" not in text
    assert "# &lt;b&gt;问题&lt;/b&gt;" in text and "&lt;img src=x onerror=alert(1)&gt; &amp; 原样" in text


def test_an_xlsx_cell_that_starts_with_an_equals_sign_stays_text():
    from openpyxl import load_workbook

    from policykb.service.export.tabular import HEADERS

    sheet = load_workbook(io.BytesIO(FORMATS["xlsx"].write(_hostile_selection()))).active
    cell = sheet.cell(row=2, column=HEADERS.index("text") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK(")


def test_a_csv_cell_a_spreadsheet_would_run_as_a_formula_gets_a_leading_apostrophe():
    from policykb.service.export.tabular import HEADERS

    table = list(csv.reader(io.StringIO(FORMATS["csv"].write(_hostile_selection()).decode("utf-8-sig"))))
    row = dict(zip(HEADERS, table[1]))
    assert row["text"].startswith("'=HYPERLINK(")  # Excel and WPS show it as text instead of running it
    assert row["title"].startswith("关于") and row["date"] == "2020-01-02" and row["rank"] == "1"  # others as they are
    for start in ("+", "-", "@"):
        assert csv_cell_of(start + "1+1") == "'" + start + "1+1"


def csv_cell_of(text: str) -> str:
    from dataclasses import replace as changed

    chosen = _hostile_selection()
    item = chosen.clauses[0]
    clause = changed(item.clause, text=text)
    chosen = changed(chosen, clauses=[changed(item, clause=clause)])
    from policykb.service.export.tabular import HEADERS

    return dict(zip(HEADERS, list(csv.reader(io.StringIO(FORMATS["csv"].write(chosen).decode("utf-8-sig"))))[1]))["text"]


def test_citations_carry_the_version_pinned_permalink_of_the_clause(client, chosen, kb):
    from policykb.index.history import version_of

    first = chosen.clauses[0]
    doc = Catalog(kb.index).document(first.clause.document.document_id)
    assert first.clause.document.version == version_of(doc.content_hash)  # the permalinks' one definition
    body = client.get("/api/citations", params={"id": first.clause.clause_id}).json()["citations"][0]
    assert body["permalink"] == (f"http://testserver/#doc={first.clause.document.document_id}"
                                 f"&clause={first.clause.clause_id}&v={version_of(doc.content_hash)}")
    assert body["footnote"] == first.citations.footnote
    assert client.get("/api/clauses/" + first.clause.clause_id,  # the link's version is the one the index serves
                      params={"version": body["version"]}).json()["version"]["status"] == "current"
    raw = client.get("/api/export", params={"id": first.clause.clause_id, "format": "csv"}).content
    row = next(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert row["permalink"] == body["permalink"]


def test_an_export_in_the_traditional_view_converts_texts_and_citations_but_not_files_or_dates(client, chosen):
    from policykb.text.normalize import to_traditional

    first = next(e for e in chosen.clauses if e.citations.legal.startswith(PLAN))
    params = {"id": first.clause.clause_id, "format": "csv", "script": "hant", "accessed": "2026-12-02"}
    row = next(csv.DictReader(io.StringIO(client.get("/api/export", params=params).content.decode("utf-8-sig"))))
    assert row["text"] == to_traditional(first.clause.text) != first.clause.text
    assert row["citation_legal"].startswith("《2009—2013年全國黨員教育培訓工作規劃》")
    assert "中共中央辦公廳" in row["citation_gbt7714_2015"] and row["title"] == to_traditional(first.clause.document.title)
    assert (row["file"], row["locator"], row["version"]) == (first.clause.document.file, first.citations.locator,
                                                             first.clause.document.version)
    cited = client.get("/api/citations", params={"id": first.clause.clause_id, "script": "hant"}).json()
    assert cited["citations"][0]["footnote"].startswith("《2009—2013年全國黨員教育培訓工作規劃》")
    assert client.get("/api/export", params={**params, "script": "latin"}).status_code == 422


def test_a_footnote_closes_the_citation_with_a_full_stop_once():
    from policykb.service.citations import legal_style

    article = _hostile_selection().clauses[0].clause
    assert legal_style.footnote(article) == "《关于<script>alert(1)</script>的测试办法》第一条。"
    from dataclasses import replace as changed

    point = changed(article, label="1．", section_path=("一、总则", "（二）要求"))
    assert legal_style.footnote(point) == "《关于<script>alert(1)</script>的测试办法》第一部分（二）1."


def test_control_characters_a_file_kept_do_not_stop_the_word_and_excel_exports():
    from docx import Document
    from openpyxl import load_workbook

    chosen = _hostile_selection()
    handout = Document(io.BytesIO(FORMATS["docx"].write(chosen)))
    assert any(p.text.endswith("& 原样第二页") for p in handout.paragraphs)
    sheet = load_workbook(io.BytesIO(FORMATS["xlsx"].write(chosen))).active
    assert any(isinstance(c.value, str) and c.value.endswith("原样第二页") for c in sheet[2])


def test_api_citations_gives_every_format_of_each_clause(client, chosen):
    ids = [e.clause.clause_id for e in chosen.clauses[:2]]
    response = client.get("/api/citations", params={"id": ids, "accessed": "2026-12-02"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accessed"] == "2026-12-02" and [c["id"] for c in body["citations"]] == ids
    first, expected = body["citations"][0], chosen.clauses[0].citations
    assert (first["legal"], first["gbt7714_2015"], first["locator"]) == (expected.legal, expected.gbt7714_2015,
                                                                          expected.locator)
    assert first["csl"]["type"] == "legislation" and first["version"] == chosen.clauses[0].clause.document.version
    assert client.get("/api/citations").status_code == 422
    missing = client.get("/api/citations", params={"id": "gone"})
    assert missing.status_code == 404 and "'gone'" in missing.json()["error"]["message"]


def test_the_export_script_loads_nothing_from_outside_and_sets_text_only(client):
    text = (REPO / "service" / "static" / "export.js").read_text(encoding="utf-8")
    assert not re.search(r"https?://", text) and "innerHTML" not in text and "insertAdjacentHTML" not in text
    styles = (REPO / "service" / "static" / "export.css").read_text(encoding="utf-8")
    assert not re.search(r"https?://|@import|@font-face", styles)
    page = client.get("/").text
    for name in ("export.js", "export.css"):
        assert client.get(f"/static/{name}").status_code == 200 and f'"/static/{name}"' in page
