"""The documents page (#/documents) and permalinks in the reader, in headless Chromium.

The documents page runs against the servers of tests/test_browser.py (its fixtures, imported);
the permalink test builds its own small index, serves it, changes the file, re-ingests and
follows the link it copied before.
"""

from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import quote

import pytest

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    ARTIFACTS,
    WAIT,
    browser,
    index_dir,
    no_alert,
    open_page,
    pytestmark,
    results_done,
    serve_index,
    servers,
    wait_for,
)
from tests.test_permalinks import AFTER, BEFORE, build

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:  # pragma: no cover - skipped by pytestmark
    By = Select = None


def list_done(driver) -> list:
    wait_for(driver, lambda d: d.find_element(By.ID, "document-list").get_attribute("data-state") in ("done", "error"),
             "the document list did not load")
    assert driver.find_element(By.ID, "document-list").get_attribute("data-state") == "done", \
        driver.find_element(By.ID, "list-status").text
    return driver.find_elements(By.CSS_SELECTOR, "#document-list .doc-item")


def field(item, name: str) -> str:
    return item.find_element(By.CSS_SELECTOR, f'[data-field="{name}"]').text


def api_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=WAIT) as response:
        return json.loads(response.read())


def test_the_documents_page_lists_every_document_with_its_metadata_and_unknowns_as_未注明(browser, servers):
    api, _ = servers
    open_page(browser, api)
    browser.find_element(By.ID, "nav-documents").click()  # the link from the search page
    items = list_done(browser)
    listed = api_json(f"{api}/api/documents")
    assert len(items) == listed["total"] and f"共 {listed['total']} 份文件" in browser.find_element(By.ID, "list-status").text
    plan = next(i for i in items if i.find_element(By.CSS_SELECTOR, ".doc-title").text
                == "2009—2013年全国党员教育培训工作规划")
    assert field(plan, "doc_number") == "文号：中共中央办公厅（2009年23号）"
    assert field(plan, "date") == "日期：2009年（据文号推断）"  # a year read out of the 文号 says so; no date invented
    assert field(plan, "doc_type") == "类型：规划" and field(plan, "clause_count").endswith(" 条")
    assert field(plan, "status") == "状态：未注明"  # the document states no status
    # a document that states nothing is listed by its file, every value 未注明; its markup never runs
    hostile = next(i for i in items if i.find_element(By.CSS_SELECTOR, ".doc-title").text == "hostile.txt")
    assert [field(hostile, f) for f in ("doc_number", "date", "issuer", "doc_type", "status")] == [
        "文号：未注明", "日期：未注明", "发文机关：未注明", "类型：未注明", "状态：未注明"]
    assert not browser.find_elements(By.CSS_SELECTOR, "#documents-view script, #documents-view img")
    assert "null" not in browser.find_element(By.ID, "documents-view").text
    assert no_alert(browser)
    browser.save_screenshot(str(ARTIFACTS / "documents.png"))


def test_a_facet_narrows_the_list_sort_by_date_orders_it_and_a_title_opens_the_reader(browser, servers):
    api, _ = servers
    open_page(browser, api, "#/documents")
    everything = len(list_done(browser))
    facet = browser.find_element(By.CSS_SELECTOR, '[data-facet="doc_type"] a[data-value="规划"]')
    count = int(facet.text.removeprefix("规划（").removesuffix("）"))
    facet.click()
    wait_for(browser, lambda d: "doc_type=" in d.current_url, "the facet did not apply")
    items = list_done(browser)
    assert 0 < len(items) == count < everything
    assert all(field(i, "doc_type") == "类型：规划" for i in items)
    assert f"符合条件的文件 {count} 份（共 {everything} 份）" in browser.find_element(By.ID, "list-status").text
    chosen = browser.find_element(By.CSS_SELECTOR, '[data-facet="doc_type"] a.selected')
    assert chosen.get_attribute("aria-pressed") == "true"
    type_counts = [a.text for a in browser.find_elements(By.CSS_SELECTOR, '[data-facet="doc_type"] a')]
    assert type_counts == [f"规划（{count}）"]  # counts are over what is left

    Select(browser.find_element(By.ID, "d-sort")).select_by_value("date")
    wait_for(browser, lambda d: "sort=date" in d.current_url and "doc_type=" in d.current_url, "sort not applied")
    items = list_done(browser)
    years = [int(field(i, "date").removeprefix("日期：")[:4]) for i in items if field(i, "date") != "日期：未注明"]
    assert years == sorted(years, reverse=True) and len(years) >= 2

    title = items[0].find_element(By.CSS_SELECTOR, ".doc-title")
    name = title.text
    title.click()  # opens the reader without a query
    wait_for(browser, lambda d: d.find_element(By.ID, "document").get_attribute("data-state") == "done",
             "the reader did not open")
    assert browser.find_element(By.CSS_SELECTOR, "#document h1").text == name
    assert not browser.find_elements(By.CSS_SELECTOR, ".clause.target")
    back = browser.find_element(By.ID, "back")
    assert back.text == "← 返回文件列表"
    back.click()
    items = list_done(browser)
    assert "doc_type=" in browser.current_url and len(items) == count


def test_the_documents_page_fits_a_phone_screen(browser, servers):
    api, _ = servers
    open_page(browser, api, "#/documents?sort=date")
    browser.set_window_size(390, 844)
    assert list_done(browser)
    widths = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"page is wider than the phone: {widths}"
    browser.save_screenshot(str(ARTIFACTS / "documents-phone.png"))


def test_search_pages_on_with_下一页_and_sorts_by_the_documents_date(browser, servers):
    api, _ = servers
    open_page(browser, api, "#q=" + quote("干部教育培训") + "&mode=lexical")
    first = [c.get_attribute("data-clause-id") for c in results_done(browser)]
    assert len(first) == 10
    browser.find_element(By.CSS_SELECTOR, "#search-pager a[rel=next]").click()
    wait_for(browser, lambda d: "offset=10" in d.current_url, "no second page")
    second = [c.get_attribute("data-clause-id") for c in results_done(browser)]
    assert second and not set(second) & set(first)
    assert browser.find_element(By.ID, "status").text.startswith("第 11–")
    browser.find_element(By.CSS_SELECTOR, "#search-pager a[rel=prev]").click()
    wait_for(browser, lambda d: "offset" not in d.current_url, "no way back to the first page")
    assert [c.get_attribute("data-clause-id") for c in results_done(browser)] == first

    browser.find_element(By.CSS_SELECTOR, "#filters summary").click()  # 筛选 holds the order too
    Select(browser.find_element(By.ID, "f-sort")).select_by_value("date")
    wait_for(browser, lambda d: "sort=date" in d.current_url, "the sort was not applied")
    cards = results_done(browser)
    assert browser.find_element(By.ID, "status").text.startswith("按文件日期（新→旧）排列")
    facts = [c.find_element(By.CSS_SELECTOR, ".doc-facts").text for c in cards]  # each card says its date
    years = [int(m.group(1)) for m in (re.search(r"所属文件：(\d{4})", f) for f in facts) if m]
    assert len(years) >= 2 and years == sorted(years, reverse=True)


@pytest.fixture()
def changing_server(tmp_path, tiny_model_path):
    """(base URL, corpus folder, index folder): a server over one small plan that the test changes."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "plan.txt").write_text(BEFORE, encoding="utf-8")
    build(corpus, index, tiny_model_path)
    with serve_index(index, reload_check_seconds=0, admin_key="admin-secret") as api:
        yield api, corpus, index


def test_an_old_link_after_the_file_changed_shows_the_cited_text_and_says_it_changed(
        browser, changing_server, tiny_model_path):
    api, corpus, index = changing_server
    (doc,) = api_json(f"{api}/api/documents")["documents"]
    clause = next(c for c in api_json(f"{api}/api/documents/{doc['id']}")["clauses"] if c["text"].startswith("第一条"))
    open_page(browser, api, f"#doc={doc['id']}&clause={clause['id']}")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#clause-actions"), "clause not marked")
    wait_for(browser, lambda d: f"v={doc['version']}" in d.current_url, "the address does not name the version")
    link = browser.find_element(By.CSS_SELECTOR, "#clause-actions button.copy-link")
    link.click()
    wait_for(browser, lambda d: link.text == "已复制", "copy link did not confirm")
    permalink = link.get_attribute("data-copied")
    assert f"v={doc['version']}" in permalink and not browser.find_elements(By.ID, "version-note")

    (corpus / "plan.txt").write_text(AFTER, encoding="utf-8")
    build(corpus, index, tiny_model_path)
    request = urllib.request.Request(f"{api}/api/admin/reload", method="POST",
                                     headers={"Authorization": "Bearer admin-secret"})
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        assert json.loads(response.read())["switched"]

    open_page(browser, api)
    browser.get(permalink)
    wait_for(browser, lambda d: d.find_elements(By.ID, "version-note"), "no note that the clause changed")
    note = browser.find_element(By.ID, "version-note")
    assert note.get_attribute("data-status") == "changed" and "已修改" in note.text
    cited = note.find_element(By.CSS_SELECTOR, ".cited-text").text
    assert "90学时" in cited and "110学时" not in cited  # the text as cited, under the old link
    target = browser.find_element(By.CSS_SELECTOR, ".clause.target")
    assert "110学时" in target.text  # the current text, marked as such below the note
    assert browser.execute_script("return arguments[0].nextElementSibling === arguments[1]", note, target)
    browser.save_screenshot(str(ARTIFACTS / "permalink-changed.png"))
