"""The reader's cross-references: under a marked clause, what it cites (a link that opens the cited
clause, or 「未解析」) and 被引用, the clauses that cite it.

Same servers, index (seeds plus two law excerpts) and headless Chromium as tests/test_browser.py.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode
from urllib.request import urlopen

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    ARTIFACTS,
    browser,
    index_dir,
    open_page,
    pytestmark,
    servers,
    wait_for,
)

try:
    from selenium.webdriver.common.by import By
except ImportError:  # pragma: no cover - skipped by pytestmark
    By = None


def _clause(api: str, title_part: str, label: str) -> tuple[str, str]:
    docs = json.load(urlopen(f"{api}/api/documents"))["documents"]
    doc_id = next(d["id"] for d in docs if title_part in (d["title"] or ""))
    clauses = json.load(urlopen(f"{api}/api/documents/{doc_id}"))["clauses"]
    return doc_id, next(c["id"] for c in clauses if c["label"] == label)


def test_a_clause_links_what_it_cites_and_the_cited_clause_lists_it_under_被引用(browser, servers):
    api, _ = servers
    doc_id, article_68 = _clause(api, "公务员法", "第六十八条")
    open_page(browser, api, "#" + urlencode({"doc": doc_id, "clause": article_68}))
    panel = wait_for(browser, lambda d: d.find_elements(By.ID, "clause-references"), "no references under the clause")[0]
    link = panel.find_element(By.CSS_SELECTOR, "ul.references a")
    assert "「本法第六十七条」" in panel.text and link.text == "第六十七条"
    browser.save_screenshot(str(ARTIFACTS / "reader-references.png"))
    link.click()
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".clause.target").get_attribute("id") != f"c-{article_68}",
             "the link did not open the cited clause")
    assert browser.find_element(By.CSS_SELECTOR, ".clause.target").text.startswith("第六十七条")
    cited = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#clause-references ul.cited-by li"),
                     "the cited clause does not list what cites it")
    assert [li.text for li in cited] == ["第六十八条：「本法第六十七条」"]


def test_a_reference_to_a_law_the_index_does_not_hold_says_it_is_unresolved(browser, servers):
    api, _ = servers
    doc_id, article_2 = _clause(api, "政务处分法", "第二条")
    open_page(browser, api, "#" + urlencode({"doc": doc_id, "clause": article_2}))
    panel = wait_for(browser, lambda d: d.find_elements(By.ID, "clause-references"), "no references under the clause")[0]
    item = next(li for li in panel.find_elements(By.CSS_SELECTOR, "ul.references li") if "监察法" in li.text)
    assert "未解析（《中华人民共和国监察法》不在索引中或无法确定）" in item.text
    assert not item.find_elements(By.TAG_NAME, "a")
