"""The page's export buttons in headless Chromium: the shown results (or the ticked ones) download as a
Word handout and a spreadsheet holding exactly those clauses with their citations; the reader view
downloads the open document. Same servers, index and browser as tests/test_browser.py (its fixtures).
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    ARTIFACTS,
    WAIT,
    browser,
    index_dir,
    open_page,
    pytestmark,
    results_done,
    servers,
    wait_for,
)

try:
    from selenium.webdriver.common.by import By
except ImportError:  # pragma: no cover - skipped by pytestmark
    By = None

QUESTION = "新党员培训工程"
PLAN = "《2009—2013年全国党员教育培训工作规划》"


@pytest.fixture()
def downloads(browser, tmp_path) -> Path:
    """A fresh folder Chromium saves downloads into without asking."""
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path),
                                                            "eventsEnabled": True})
    return tmp_path


def downloaded(folder: Path, suffix: str) -> Path:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        files = [p for p in folder.iterdir() if p.suffix == suffix]
        if files and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return files[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file was downloaded into {folder}: {list(folder.iterdir())}")


def export_button(browser, bar: str, label: str):
    return next(b for b in browser.find_elements(By.CSS_SELECTOR, f"#{bar} button") if b.text == label)


def test_word_handout_of_the_shown_results_quotes_each_card_with_its_citation(browser, servers, downloads):
    from docx import Document

    api, _ = servers
    open_page(browser, api, "#q=" + quote(QUESTION) + "&mode=lexical")
    cards = results_done(browser)
    bar = browser.find_element(By.ID, "export-results")
    assert bar.is_displayed() and bar.find_element(By.CSS_SELECTOR, ".export-what").text == "导出全部结果："
    shown = [c.find_element(By.CSS_SELECTOR, ".text").text for c in cards]
    export_button(browser, "export-results", "Word 讲义").click()
    handout = Document(str(downloaded(downloads, ".docx")))
    text = [p.text for p in handout.paragraphs]
    assert text[0] == QUESTION and "参考文献" in text
    quoted = [t for t in text if t in shown]
    assert quoted == shown  # every card, in the page's order
    assert any(t.startswith("——" + PLAN) for t in text)
    wait_for(browser, lambda d: bar.find_element(By.CSS_SELECTOR, ".export-status").text.startswith("已导出"),
             "the bar did not say the file was exported")
    browser.save_screenshot(str(ARTIFACTS / "export-results.png"))


def test_ticked_cards_alone_are_exported_to_the_spreadsheet(browser, servers, downloads):
    api, _ = servers
    open_page(browser, api, "#q=" + quote(QUESTION) + "&mode=lexical")
    cards = results_done(browser)
    assert len(cards) >= 2
    picked = [cards[1], cards[0]]
    for card in picked:
        card.find_element(By.CSS_SELECTOR, ".pick input").click()
    bar = browser.find_element(By.ID, "export-results")
    assert bar.find_element(By.CSS_SELECTOR, ".export-what").text == "导出所选 2 条："
    export_button(browser, "export-results", "CSV").click()
    raw = downloaded(downloads, ".csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    ids = [c.get_attribute("data-clause-id") for c in cards[:2]]
    assert [r["clause_id"] for r in rows] == ids  # page order, only the ticked ones
    assert all(r["citation_gbt7714_2015"] and r["citation_legal"] and r["locator"] for r in rows)


def test_the_reader_view_exports_the_open_document(browser, servers, downloads, index_dir):
    import json

    from policykb.service.catalog import Catalog
    from policykb.index.generation import open_generation

    api, _ = servers
    open_page(browser, api, "#q=" + quote(QUESTION) + "&mode=lexical")
    card = results_done(browser)[0]
    card.find_element(By.CSS_SELECTOR, "a.open").click()
    wait_for(browser, lambda d: d.find_element(By.ID, "document").get_attribute("data-state") == "done",
             "the document did not open")
    export_button(browser, "export-document", "CSL-JSON").click()
    items = json.loads(downloaded(downloads, ".json").read_text(encoding="utf-8"))
    doc_id = card.find_element(By.CSS_SELECTOR, "a.open").get_attribute("href").split("doc=")[1].split("&")[0]
    catalog = Catalog.load(open_generation(index_dir).path)
    assert [i["id"] for i in items] == [c.id for c in catalog.document(doc_id).clauses]
    browser.save_screenshot(str(ARTIFACTS / "export-document.png"))


def test_there_is_one_复制引用_and_it_copies_the_legal_citation_and_the_gbt7714_entry(browser, servers):
    api, _ = servers
    open_page(browser, api, "#q=" + quote("坚持把增强党性作为第一任务") + "&mode=lexical")
    card = next(c for c in results_done(browser)
                if c.find_element(By.CSS_SELECTOR, ".text").text.startswith("１．坚持把增强党性作为第一任务"))
    assert [b.text for b in card.find_elements(By.CSS_SELECTOR, ".actions button")] == ["复制引用"]
    button = card.find_element(By.CSS_SELECTOR, "button.copy")
    button.click()
    wait_for(browser, lambda d: button.get_attribute("data-copied"), "nothing was copied")
    assert button.get_attribute("data-copied") == (
        f"{PLAN}第一部分（二）1.\n"
        "中共中央办公厅. 2009—2013年全国党员教育培训工作规划: 中共中央办公厅（2009年23号）[A]. [2009].")
    assert "002_e058e02591a1b2b6.txt 第15行" in button.get_attribute("title")  # the locator, for a checker


def test_the_reader_offers_复制引用_and_复制链接_for_the_marked_clause(browser, servers):
    api, _ = servers
    open_page(browser, api, "#q=" + quote("坚持把增强党性作为第一任务") + "&mode=lexical")
    card = next(c for c in results_done(browser)
                if c.find_element(By.CSS_SELECTOR, ".text").text.startswith("１．坚持把增强党性作为第一任务"))
    card.find_element(By.CSS_SELECTOR, "a.open").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#clause-actions .copy"),
             "no 复制引用 at the marked clause")
    assert [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#clause-actions button")] == \
        ["复制引用", "复制链接"]
    button = browser.find_element(By.CSS_SELECTOR, "#clause-actions .copy")
    button.click()
    wait_for(browser, lambda d: button.get_attribute("data-copied"), "nothing was copied")
    assert button.get_attribute("data-copied").startswith(f"{PLAN}第一部分（二）1.\n中共中央办公厅. ")


def test_the_eb_ol_setting_reaches_the_export_and_is_kept(browser, servers, downloads):
    from selenium.webdriver.support.ui import Select

    api, _ = servers
    open_page(browser, api, "#q=" + quote("中央组织部关于加强和改进基层干部教育培训工作的意见") + "&mode=lexical")
    cards = results_done(browser)
    card = next(c for c in cards if "《中央组织部关于加强和改进基层干部教育培训工作的意见（2011年）》" in c.text)
    card.find_element(By.CSS_SELECTOR, ".pick input").click()
    Select(browser.find_element(By.CSS_SELECTOR, "#export-results .export-online")).select_by_value("EB")
    export_button(browser, "export-results", "Markdown").click()
    text = downloaded(downloads, ".md").read_text(encoding="utf-8")
    assert "（2011年）[EB/OL]. (2011-11-14)[" in text  # the seed with a URL
    browser.refresh()
    wait_for(browser, lambda d: d.execute_script("return document.readyState") == "complete", "page did not reload")
    assert browser.find_element(By.CSS_SELECTOR, "#export-results .export-online").get_attribute("value") == "EB"
    browser.execute_script("localStorage.removeItem('policykb-online-type')")


def test_in_the_traditional_view_复制引用_and_the_export_read_as_the_page_shows(browser, servers, downloads):
    api, _ = servers
    open_page(browser, api, "#q=" + quote("公务员的管理依照法定的权限和程序进行") + "&mode=lexical")
    results_done(browser)
    browser.find_element(By.CSS_SELECTOR, '[data-script="hant"]').click()
    try:
        def article_five(d):
            if d.find_element(By.ID, "results").get_attribute("data-state") != "done":
                return None
            return next((c for c in d.find_elements(By.CSS_SELECTOR, "#results .card")
                         if c.find_element(By.CSS_SELECTOR, ".text").text.startswith("第五條")), None)

        card = wait_for(browser, article_five, "第五条 not shown in traditional characters")
        button = card.find_element(By.CSS_SELECTOR, "button.copy")
        button.click()
        wait_for(browser, lambda d: button.get_attribute("data-copied"), "nothing was copied")
        footnote, entry = button.get_attribute("data-copied").split("\n")
        assert footnote == "《中華人民共和國公務員法》第五條。" and "中華人民共和國公務員法[A]" in entry
        card.find_element(By.CSS_SELECTOR, ".pick input").click()
        export_button(browser, "export-results", "CSV").click()
        raw = downloaded(downloads, ".csv").read_bytes().decode("utf-8-sig")
        row = next(csv.DictReader(io.StringIO(raw)))
        assert row["text"].startswith("第五條") and row["citation_legal"] == "《中華人民共和國公務員法》第五條"
        assert row["locator"].startswith(row["file"] + " 第")  # the file and lines as they are
    finally:
        browser.find_element(By.CSS_SELECTOR, '[data-script="original"]').click()
