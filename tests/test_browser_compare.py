"""The 新旧对照 page (#/compare?a=&b=) in headless Chromium, reached from the reader's 「对照…」 choice."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from tests.fixture_builders import build_corpus_index
from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    ARTIFACTS,
    WAIT,
    browser,
    no_alert,
    open_page,
    pytestmark,
    serve_index,
    wait_for,
)

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError:  # pragma: no cover - skipped by pytestmark
    By = Select = None

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "compare"
HOSTILE_V1 = "# 标记办法\n\n第一条 本办法适用于培训管理。\n\n第二条 记录应当原样保存。\n"
HOSTILE_V2 = "# 标记办法\n\n第一条 本办法适用于<img src=x onerror=alert(1)>培训管理。\n\n第二条 记录应当原样保存。\n"


@pytest.fixture(scope="module")
def compare_server(tmp_path_factory, tiny_model_path):
    index = build_corpus_index(tmp_path_factory, tiny_model_path, "compare", FIXTURES.glob("*.md"),
                               {"hostile_v1.md": HOSTILE_V1, "hostile_v2.md": HOSTILE_V2})
    with serve_index(index) as api:
        yield api


def documents(api: str) -> dict[str, str]:
    with urllib.request.urlopen(f"{api}/api/documents", timeout=WAIT) as response:
        return {d["file"]: d["id"] for d in json.loads(response.read())["documents"]}


def pairs_done(driver) -> list:
    wait_for(driver, lambda d: d.find_element(By.ID, "compare-pairs").get_attribute("data-state") in ("done", "error"),
             "the comparison did not load")
    assert driver.find_element(By.ID, "compare-pairs").get_attribute("data-state") == "done", \
        driver.find_element(By.ID, "compare-status").text
    return driver.find_elements(By.CSS_SELECTOR, "#compare-pairs li")


def test_the_reader_opens_a_comparison_with_counts_renumbered_pairs_and_redlines(browser, compare_server):
    ids = documents(compare_server)
    old, new = ids["职业教育法(1996-05-15).md"], ids["职业教育法(2022-04-20).md"]
    open_page(browser, compare_server, f"#doc={old}")
    wait_for(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#compare-with option")) > 1,
             "the 对照 choice was not filled")
    Select(browser.find_element(By.ID, "compare-with")).select_by_value(new)
    rows = pairs_done(browser)
    assert browser.current_url.endswith(f"#/compare?a={old}&b={new}")
    counts = browser.find_element(By.ID, "compare-counts").text
    assert "未改 1" in counts and "拆分 1" in counts
    heads = [r.find_element(By.CSS_SELECTOR, ".pair-head").text for r in rows]
    assert any(h.startswith("移动") and "第十一条 → 第八条" in h for h in heads)
    assert any(h.startswith("拆分") and "第二十四条 → 第三十三条＋第三十四条" in h for h in heads)
    moved = next(r for r in rows if "第十一条 → 第八条" in r.text)
    links = [a.get_attribute("href") for a in moved.find_elements(By.CSS_SELECTOR, ".pair-head a")]
    assert f"#doc={new}&clause=" in links[1]  # each number opens its clause in the reader
    moved.find_elements(By.CSS_SELECTOR, ".pair-head a")[1].click()
    wait_for(browser, lambda d: d.find_element(By.ID, "document").get_attribute("data-state") == "done",
             "the reader did not open")
    assert browser.find_element(By.ID, "back").text == "← 返回对照"
    browser.find_element(By.ID, "back").click()
    rows = pairs_done(browser)
    first = rows[0].find_element(By.CSS_SELECTOR, ".pair-text")
    assert "实施科教兴国战略，发展" in [d.text for d in first.find_elements(By.TAG_NAME, "del")]
    assert first.find_elements(By.TAG_NAME, "ins")
    assert no_alert(browser)
    browser.save_screenshot(str(ARTIFACTS / "compare.png"))


def test_markup_in_compared_text_is_shown_as_text(browser, compare_server):
    ids = documents(compare_server)
    open_page(browser, compare_server, f"#/compare?a={ids['hostile_v1.md']}&b={ids['hostile_v2.md']}")
    rows = pairs_done(browser)
    inserted = rows[0].find_element(By.CSS_SELECTOR, ".pair-text ins").text
    assert inserted == "<img src=x onerror=alert(1)>"
    assert not browser.find_elements(By.CSS_SELECTOR, "#compare-view img, #compare-view script")
    assert no_alert(browser)


def test_an_unknown_document_says_so(browser, compare_server):
    open_page(browser, compare_server, "#/compare?a=000000000000&b=000000000001")
    wait_for(browser, lambda d: d.find_element(By.ID, "compare-pairs").get_attribute("data-state") == "error",
             "no error shown")
    assert "No document with id '000000000000'" in browser.find_element(By.ID, "compare-status").text
