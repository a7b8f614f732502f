"""Relations between documents on the page: the document list says which documents the index holds a
newer version or a replacement of, and the reader shows 「新版本：《…》」 / 「被《…》取代」 as links.

Same servers and headless Chromium as tests/test_browser.py, over an index of its own: the 档案法实施办法
and the 档案法实施条例 that abolishes it (tests/fixtures/relations) and two versions of a law whose title
carries markup, which must show as text and never run.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from tests.fixture_builders import build_corpus_index
from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    ARTIFACTS,
    browser,
    no_alert,
    open_page,
    pytestmark,
    servers,
    wait_for,
)

try:
    from selenium.webdriver.common.by import By
except ImportError:  # pragma: no cover - skipped by pytestmark
    By = None

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "relations"
HOSTILE_TITLE = "中华人民共和国<img src=x onerror=alert(1)>促进法"
LAW = """# {title}
2001年1月1日 第九届全国人民代表大会常务委员会第二十次会议通过
{amended}<!-- INFO END -->
第一条 为了促进<script>alert(2)</script>工作，制定本法。
第二条 本法自2001年3月1日起施行。
"""


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, tiny_model_path) -> Path:
    amended = {"law-2001.md": "", "law-2011.md": "2011年1月1日 第十一届全国人民代表大会常务委员会第十八次会议修订\n"}
    return build_corpus_index(
        tmp_path_factory, tiny_model_path, "relations",
        [FIXTURES / name for name in ("档案法实施办法(2017-03-01).md", "档案法实施条例(2024-01-12).md")],
        {name: LAW.format(title=HOSTILE_TITLE, amended=text) for name, text in amended.items()})


def _ids(api: str) -> dict[str, str]:
    return {d["file"]: d["id"] for d in json.load(urlopen(f"{api}/api/documents"))["documents"]}


def _reader(browser, api: str, document_id: str):
    open_page(browser, api, "#" + urlencode({"doc": document_id}))
    wait_for(browser, lambda d: d.find_element(By.ID, "document").get_attribute("data-state") == "done",
             "the reader did not open")
    return browser.find_elements(By.CSS_SELECTOR, "#document .doc-relations li")


def test_the_list_marks_the_older_law_and_its_link_opens_the_newer_one_whose_title_stays_text(browser, servers):
    api, _ = servers
    ids = _ids(api)
    open_page(browser, api, "#/documents")
    wait_for(browser, lambda d: d.find_element(By.ID, "document-list").get_attribute("data-state") == "done",
             "the document list did not load")
    marked = {i.get_attribute("data-document-id"): i.find_element(By.CSS_SELECTOR, '[data-field="superseded_by"]').text
              for i in browser.find_elements(By.CSS_SELECTOR, "#document-list .doc-item")
              if i.find_elements(By.CSS_SELECTOR, '[data-field="superseded_by"]')}
    assert set(marked) == {ids["law-2001.md"], ids["档案法实施办法(2017-03-01).md"]}
    assert marked[ids["law-2001.md"]] == f"库中已有新版本或替代文件：《{HOSTILE_TITLE}》（2011-01-01）"
    assert not browser.find_elements(By.CSS_SELECTOR, "#documents-view img, #documents-view script")
    link = browser.find_element(By.CSS_SELECTOR, f'.doc-item[data-document-id="{ids["law-2001.md"]}"] '
                                                 '[data-field="superseded_by"] a')
    link.click()
    wait_for(browser, lambda d: ids["law-2011.md"] in d.current_url, "the link did not open the newer version")
    wait_for(browser, lambda d: d.find_element(By.ID, "document").get_attribute("data-state") == "done",
             "the reader did not open")
    (older,) = browser.find_elements(By.CSS_SELECTOR, "#document .doc-relations li")
    assert older.get_attribute("data-role") == "older_version"
    assert older.text == f"旧版本：《{HOSTILE_TITLE}》（2001-01-01） · 新旧对照"
    assert not browser.find_elements(By.CSS_SELECTOR, "#document img, #document script") and no_alert(browser)


def test_the_reader_of_the_old_law_says_新版本_and_the_abolished_regulation_says_by_what_it_was_replaced(
        browser, servers):
    api, _ = servers
    ids = _ids(api)
    (newer,) = _reader(browser, api, ids["law-2001.md"])
    assert newer.text.startswith(f"新版本：《{HOSTILE_TITLE}》")
    assert "2001年1月1日通过" in newer.get_attribute("title")  # the evidence, in the tooltip
    compare = newer.find_element(By.CSS_SELECTOR, "a.compare-link").get_attribute("href")
    assert compare.endswith("#/compare?" + urlencode({"a": ids["law-2001.md"], "b": ids["law-2011.md"]}))
    relations = _reader(browser, api, ids["档案法实施办法(2017-03-01).md"])
    replaced = next(r for r in relations if r.get_attribute("data-role") == "replaced_by")
    assert replaced.text == "被《中华人民共和国档案法实施条例》取代 · 新旧对照"
    assert "同时废止" in replaced.get_attribute("title")
    implements = next(r for r in relations if r.get_attribute("data-role") == "implements")
    assert "《中华人民共和国档案法》（未收入）" in implements.text  # named, not in this index: no link
    assert not implements.find_elements(By.TAG_NAME, "a")
    replaced.find_element(By.CSS_SELECTOR, "a[data-document-id]").click()
    wait_for(browser, lambda d: ids["档案法实施条例(2024-01-12).md"] in d.current_url, "the link did not open it")
    browser.save_screenshot(str(ARTIFACTS / "relations-reader.png"))


def test_a_card_from_the_abolished_regulation_names_its_replacement_and_shared_clauses_show_the_newer_law(
        browser, servers):
    from urllib.parse import quote

    from tests.test_browser import results_done

    api, _ = servers
    ids = _ids(api)
    open_page(browser, api, "#q=" + quote("属于集体所有、个人所有以及其他不属于国家所有的") + "&mode=lexical")
    cards = results_done(browser)
    card = next(c for c in cards if ids["档案法实施办法(2017-03-01).md"] in
                c.find_element(By.CSS_SELECTOR, "a.open").get_attribute("href"))
    note = card.find_element(By.CSS_SELECTOR, ".superseded")
    assert note.text == "本文件库中已有新版本或替代文件：《中华人民共和国档案法实施条例》"
    assert ids["档案法实施条例(2024-01-12).md"] in note.find_element(By.TAG_NAME, "a").get_attribute("href")

    open_page(browser, api, "#q=" + quote("本法自2001年3月1日起施行") + "&mode=lexical")
    (card,) = [c for c in results_done(browser) if "2001年3月1日" in c.find_element(By.CSS_SELECTOR, ".text").text]
    assert ids["law-2011.md"] in card.find_element(By.CSS_SELECTOR, "a.open").get_attribute("href")
    assert not card.find_elements(By.CSS_SELECTOR, ".superseded")  # the newest version is what the card shows
    assert ids["law-2001.md"] in card.find_element(By.CSS_SELECTOR, ".also a").get_attribute("href")
    assert not browser.find_elements(By.CSS_SELECTOR, "#results img, #results script") and no_alert(browser)
