"""Citations of paged and Word sources end to end: the API names pages and paragraph
numbers, documents say where their text came from (OCR, a converter), and the page's
复制引用 names 「第N页」 / 「全文第N段」 next to the line span in its tooltip (headless Chromium).

One index (the tiny model) over: corpus/002 printed as a 4-page PDF with running header
and page numbers, corpus/001 as a .docx, a one-page 300-dpi scan of corpus/003, and a
.doc (corpus/002, through LibreOffice) in a zip when LibreOffice is there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_builders import (corpus_paragraphs, find_cjk_font, cjk_font_missing_reason, write_docx,
                              write_image_pdf, write_paged_pdf)

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"
ARTIFACTS = REPO / "artifacts" / "browser"
SEED_001 = CORPUS / "001_cb65ab459c5c236d.txt"
SEED_002 = CORPUS / "002_e058e02591a1b2b6.txt"
SEED_003 = CORPUS / "003_4324baae79f107ff.txt"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(find_cjk_font() is None, reason=cjk_font_missing_reason())]


def _tesseract() -> str | None:
    from policykb.ingest.errors import NeedsOCR
    from policykb.ingest.formats import ocr

    try:
        ocr.engine()
    except NeedsOCR as err:
        return str(err)
    return None


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, tiny_model_path) -> Path:
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    folder = tmp_path_factory.mktemp("archive")
    write_paged_pdf(corpus_paragraphs(SEED_002, 30), folder / "规划.pdf", header="2009—2013年全国党员教育培训工作规划")
    write_docx(corpus_paragraphs(SEED_001, 35), folder / "人事规划.docx")
    if _tesseract() is None:
        printed = write_paged_pdf(corpus_paragraphs(SEED_003, 6), folder.parent / "printed_003.pdf")
        write_image_pdf(printed, folder / "组工规划_扫描件.pdf")
    index_dir = tmp_path_factory.mktemp("index")
    build_index(ingest_paths([folder]), index_dir, model=tiny_model_path, progress=None)
    return index_dir


@pytest.fixture(scope="module")
def client(index_dir):
    from fastapi.testclient import TestClient

    from policykb.service.api.main import create_app
    from policykb.service.config import Settings

    with TestClient(create_app(Settings(index=index_dir, request_timeout=300))) as c:
        yield c


def hit(client, query: str, file: str) -> dict:
    body = client.get("/api/search", params={"q": query, "k": 10, "mode": "lexical"}).json()
    hits = [r for r in body["results"] if r["file"] == file]
    assert hits, f"{query!r}: no result from {file}: {[r['file'] for r in body['results']]}"
    return hits[0]


def test_a_pdf_result_cites_its_page_and_a_docx_result_its_paragraph_number(client):
    pdf = hit(client, "农村党组织书记培训工程", "规划.pdf")["citation"]
    assert pdf["page_start"] is not None and pdf["page_end"] >= pdf["page_start"]
    assert (pdf["paragraph_start"], pdf["text_source"]) == (None, "text")
    docx = hit(client, "确保人事干部培训经费的投入", "人事规划.docx")["citation"]
    assert docx["paragraph_start"] == 33 and docx["paragraph_end"] == 33  # the 33rd paragraph of the file
    assert docx["page_start"] is None


def test_documents_say_how_their_text_was_read(client):
    documents = {d["file"]: d for d in client.get("/api/documents").json()["documents"]}
    pdf = documents["规划.pdf"]
    assert (pdf["format"], pdf["text_source"], pdf["ocr"], pdf["page_count"]) == ("pdf", "text", None, 4)
    if "组工规划_扫描件.pdf" in documents:
        scan = documents["组工规划_扫描件.pdf"]
        assert scan["text_source"] == "ocr"
        assert scan["ocr"]["engine"] == "tesseract" and scan["ocr"]["languages"] == "chi_sim"
        assert scan["ocr"]["pages"] == [1] and scan["ocr"]["dpi"] == 300
        body = client.get(f"/api/documents/{scan['id']}").json()
        assert body["document"]["ocr"]["mean_confidence"] > 90
        for clause in body["clauses"]:
            assert clause["citation"]["text_source"] == "ocr" and clause["citation"]["page_start"] == 1
            assert len(clause["char_confidence"]) == len(clause["text"])


# ---- the page: 复制引用 and the reader view ------------------------------------------------

@pytest.fixture(scope="module")
def page(index_dir):
    from tests.test_browser import CHROMEDRIVER, CHROMIUM, serve_index, webdriver

    if webdriver is None or not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("selenium, or Debian's chromium and chromium-driver, are not installed "
                    "(pip install selenium; apt-get install chromium chromium-driver)")
    with serve_index(index_dir) as api:
        yield api


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    from tests.test_browser import CHROMEDRIVER, CHROMIUM, webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1200,900", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def copied_citation(driver, base: str, query: str, file: str) -> tuple[str, tuple[str, str]]:
    """(what 复制引用 copied, (the card's 'where' line, the button's tooltip)) for the first card from `file`."""
    from urllib.parse import quote

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/#q={quote(query)}")
    WebDriverWait(driver, 120).until(
        lambda d: d.find_element(By.ID, "results").get_attribute("data-state") == "done", "search did not finish")
    for card in driver.find_elements(By.CSS_SELECTOR, "#results .card"):
        where = card.find_element(By.CSS_SELECTOR, ".where").text
        if where.startswith(file + ":"):
            button = card.find_element(By.CSS_SELECTOR, "button.copy")
            button.click()
            WebDriverWait(driver, 30).until(lambda d: button.get_attribute("data-copied"), "nothing copied")
            return button.get_attribute("data-copied"), (where, button.get_attribute("title"))
    raise AssertionError(f"no card from {file} for {query!r}")


def test_copy_citation_names_the_page_of_a_pdf_and_the_paragraph_of_a_docx(page, chromium):
    text, where = copied_citation(chromium, page, "农村党组织书记培训工程", "规划.pdf")
    assert "原文：规划.pdf 第" in where[1] and "页，第" in where[1], where  # the tooltip: file, page, lines
    assert "页" in where[0] and "规划.pdf" not in text and "[A]" in text, text  # the copy: the citation
    text, where = copied_citation(chromium, page, "确保人事干部培训经费的投入", "人事规划.docx")
    assert "原文：人事规划.docx 全文第33段，第33行" in where[1], where
    assert "全文第33段" in where[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chromium.save_screenshot(str(ARTIFACTS / "citation-docx-paragraph.png"))


def test_the_reader_view_says_a_scan_was_read_by_ocr(page, chromium):
    if _tesseract() is not None:
        pytest.skip(_tesseract())
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    text, (_, tooltip) = copied_citation(chromium, page, "组工干部教育培训", "组工规划_扫描件.pdf")
    assert "第1页" in tooltip and "文字经 OCR 识别" in tooltip  # beside the copied citation, for a checker
    assert text.startswith("《2013-2017年全国组工干部教育培训规划》")
    card = [c for c in chromium.find_elements(By.CSS_SELECTOR, "#results .card")
            if c.find_element(By.CSS_SELECTOR, ".where").text.startswith("组工规划_扫描件.pdf:")][0]
    card.find_element(By.CSS_SELECTOR, "a.open").click()
    WebDriverWait(chromium, 120).until(
        lambda d: d.find_element(By.ID, "document").get_attribute("data-state") == "done", "reader did not open")
    note = chromium.find_element(By.CSS_SELECTOR, "#document .source-note").text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    chromium.save_screenshot(str(ARTIFACTS / "reader-ocr-note.png"))
    assert "文字由 OCR 识别" in note and "tesseract" in note and "chi_sim" in note and "核对原件" in note
