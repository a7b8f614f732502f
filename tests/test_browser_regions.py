"""The 中央与地方 page (#/regions?q=) in headless Chromium: reached from a search, the national article first,
each province's measure under its level with the version it implements, each clause opening in the reader,
markup in a measure shown as text. Tiny model, so the rows are read in lexical mode (`&mode=lexical`)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    ARTIFACTS,
    browser,
    no_alert,
    open_page,
    pytestmark,
    results_done,
    serve_index,
    wait_for,
)
from tests.fixture_builders import build_corpus_index
from tests.test_regions import QUESTION, REGIONS_EXTRA, REGIONS_FILES

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError:  # pragma: no cover - skipped by pytestmark
    By = Keys = None


@pytest.fixture(scope="module")
def regions_server(tmp_path_factory, tiny_model_path):
    index = build_corpus_index(tmp_path_factory, tiny_model_path, "regions", REGIONS_FILES, REGIONS_EXTRA)
    with serve_index(index) as api:
        yield api


def groups_done(driver, state: str = "done") -> list:
    wait_for(driver, lambda d: d.find_element(By.ID, "regions-groups").get_attribute("data-state") in ("done", "error"),
             "the regions view did not load")
    assert driver.find_element(By.ID, "regions-groups").get_attribute("data-state") == state, \
        driver.find_element(By.ID, "regions-status").text
    return driver.find_elements(By.CSS_SELECTOR, "#regions-groups section.region-group")


def open_regions(driver, api: str, q: str = QUESTION) -> list:
    open_page(driver, api, f"#/regions?q={quote(q)}&mode=lexical")
    return groups_done(driver)


def test_a_search_links_to_the_regions_view_of_its_question(browser, regions_server):
    open_page(browser, regions_server)
    browser.find_element(By.ID, "q").send_keys(QUESTION, Keys.ENTER)
    results_done(browser)
    link = browser.find_element(By.ID, "regions-link")
    assert link.is_displayed()
    link.click()
    groups_done(browser)  # hybrid over the tiny model: that it loads is the point here
    assert browser.find_element(By.ID, "regions-title").text == "中央与地方对照：" + QUESTION
    assert browser.find_element(By.ID, "search-view").is_displayed() is False
    browser.find_element(By.ID, "regions-back").click()
    results_done(browser)
    assert browser.find_element(By.ID, "q").get_attribute("value") == QUESTION


def test_the_national_article_leads_and_each_measure_sits_under_its_level(browser, regions_server):
    groups = open_regions(browser, regions_server)
    assert [g.find_element(By.TAG_NAME, "h2").text for g in groups] == ["中央", "省级（含直辖市、自治区）"]
    assert "2 份文件实施《中华人民共和国职业教育法》" in browser.find_element(By.ID, "regions-status").text
    national = groups[0].find_elements(By.CSS_SELECTOR, "li.region-row")[0]
    assert national.get_attribute("data-role") == "national" and "2022-04-20" in national.text
    assert "第三十三条" in national.text and "职业学校的设立" in national.find_element(By.CSS_SELECTOR, ".text").text
    rows = {r.find_element(By.TAG_NAME, "b").text: r for r in groups[1].find_elements(By.CSS_SELECTOR, "li.region-row")}
    henan = rows["《河南省实施《中华人民共和国职业教育法》办法》"]
    assert "所据为 1996-05-15 的版本（在索引中）" in henan.find_element(By.CSS_SELECTOR, ".implements").text
    assert "第八条" in henan.text
    hubei = rows["《湖北省实施《中华人民共和国职业教育法》办法》"]
    assert "所据版本无法判定" in hubei.text and "据标题推断" in hubei.find_element(By.CSS_SELECTOR, ".level").text
    browser.save_screenshot(str(ARTIFACTS / "regions.png"))

    henan.find_element(By.CSS_SELECTOR, "p a").click()  # the measure's clause opens in the reader
    wait_for(browser, lambda d: d.find_element(By.ID, "document").get_attribute("data-state") == "done",
             "the reader did not open")
    assert browser.find_element(By.ID, "back").text == "← 返回中央与地方对照"
    browser.find_element(By.ID, "back").click()
    assert len(groups_done(browser)) == len(groups)


def test_markup_in_a_measure_is_shown_as_text(browser, regions_server):
    open_regions(browser, regions_server)
    hubei = next(r for r in browser.find_elements(By.CSS_SELECTOR, "li.region-row") if "湖北" in r.text)
    assert "<script>alert(1)</script>" in hubei.find_element(By.CSS_SELECTOR, ".text").text
    assert "<b>稳定</b>" in hubei.find_element(By.CSS_SELECTOR, ".text").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#regions-view script, #regions-view .text b")
    assert no_alert(browser)


def test_an_empty_question_says_what_is_wrong(browser, regions_server):
    open_page(browser, regions_server, "#/regions?q=")
    groups_done(browser, state="error")
    assert "q: the query is empty" in browser.find_element(By.ID, "regions-status").text
