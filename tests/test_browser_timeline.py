"""The timeline page (#/timeline?q=) in headless Chromium: reached from a search, rows oldest first with their
figures and changes, an undated row marked 日期不详, each row opening its clause in the reader, markup shown
as text. Tiny model, so the rows are read in lexical mode (`&mode=lexical`, as /api/timeline takes it)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.fixture_builders import build_corpus_index
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

try:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
except ImportError:  # pragma: no cover - skipped by pytestmark
    By = Keys = None

REPO = Path(__file__).resolve().parents[1]
QUESTION = "基层干部每年培训不少于多少学时"
HOSTILE = ("《关于<b>基层干部</b>培训的<script>alert(1)</script>办法》\n一、<b>总则</b>\n"
           "1．基层干部每年培训不少于<img src=x onerror=alert(1)>20学时，其他干部一般不少于十二天。\n")


@pytest.fixture(scope="module")
def timeline_server(tmp_path_factory, tiny_model_path):
    index = build_corpus_index(tmp_path_factory, tiny_model_path, "timeline", (REPO / "corpus").glob("*.txt"),
                               {"hostile.txt": HOSTILE})
    with serve_index(index) as api:
        yield api


def rows_done(driver, state: str = "done") -> list:
    wait_for(driver, lambda d: d.find_element(By.ID, "timeline-rows").get_attribute("data-state") in ("done", "error"),
             "the timeline did not load")
    assert driver.find_element(By.ID, "timeline-rows").get_attribute("data-state") == state, \
        driver.find_element(By.ID, "timeline-status").text
    return driver.find_elements(By.CSS_SELECTOR, "#timeline-rows li.timeline-row")


def open_timeline(driver, api: str, q: str = QUESTION) -> list:
    open_page(driver, api, f"#/timeline?q={quote(q)}&mode=lexical")
    return rows_done(driver)


def test_a_search_links_to_the_timeline_of_its_question(browser, timeline_server):
    open_page(browser, timeline_server)
    box = browser.find_element(By.ID, "q")
    box.send_keys(QUESTION, Keys.ENTER)
    results_done(browser)
    link = browser.find_element(By.ID, "timeline-link")
    assert link.is_displayed()
    link.click()
    rows_done(browser)  # hybrid over the tiny model: whether it answers is not the point here, that it loads is
    assert browser.find_element(By.ID, "timeline-title").text == "时间线：" + QUESTION
    assert browser.find_element(By.ID, "search-view").is_displayed() is False
    browser.find_element(By.ID, "timeline-back").click()
    results_done(browser)
    assert browser.find_element(By.ID, "q").get_attribute("value") == QUESTION


def test_rows_are_oldest_first_with_figures_changes_and_an_undated_row_marked(browser, timeline_server):
    rows = open_timeline(browser, timeline_server)
    whens = [r.find_element(By.CSS_SELECTOR, ".when").text for r in rows]
    known = [r.get_attribute("data-known") == "true" for r in rows]
    assert known == sorted(known, reverse=True), whens  # the undated rows come last
    assert "日期不详" in whens and all(w == "日期不详" for w, k in zip(whens, known) if not k)
    assert any("推断" in w for w in whens)  # the 党员 plan's period, read from its title, says so
    opinion = next(r for r, w in zip(rows, whens) if w == "2011-11-14")
    figures = [f.text for f in opinion.find_elements(By.CSS_SELECTOR, ".figure")]
    assert "≥100 学时" in figures and "≥12 天" in figures
    hours = next(f for f in opinion.find_elements(By.CSS_SELECTOR, ".figure") if f.text == "≥100 学时")
    assert "乡镇（街道）干部每年参加各类学习培训的时间累计一般不少于100学时" in hours.get_attribute("title")  # whom it is for
    after = rows[rows.index(opinion) + 1]
    assert "学时：100、40 →" in after.find_element(By.CSS_SELECTOR, ".changes").text
    marked = [m.text for m in opinion.find_elements(By.CSS_SELECTOR, ".text mark")]
    assert any("100学时" in m for m in marked)  # the figure the question asks for is marked, as on a search card
    browser.save_screenshot(str(ARTIFACTS / "timeline.png"))

    opinion.find_element(By.CSS_SELECTOR, ".cite a").click()  # the row opens its clause in the reader
    wait_for(browser, lambda d: d.find_element(By.ID, "document").get_attribute("data-state") == "done",
             "the reader did not open")
    assert browser.find_element(By.ID, "back").text == "← 返回时间线"
    browser.find_element(By.ID, "back").click()
    assert len(rows_done(browser)) == len(rows)


def test_markup_in_a_clause_and_its_heading_is_shown_as_text(browser, timeline_server):
    rows = open_timeline(browser, timeline_server)
    hostile = next(r for r in rows if "onerror" in r.find_element(By.CSS_SELECTOR, ".text").text)
    assert "<img src=x onerror=alert(1)>" in hostile.find_element(By.CSS_SELECTOR, ".text").text
    assert "一、<b>总则</b>" in hostile.find_element(By.CSS_SELECTOR, ".cite").text  # its section path
    assert hostile.find_element(By.CSS_SELECTOR, ".when").text == "日期不详"
    assert not browser.find_elements(By.CSS_SELECTOR, "#timeline-view img, #timeline-view script, #timeline-view b")
    assert no_alert(browser)


def test_an_empty_question_says_what_is_wrong(browser, timeline_server):
    open_page(browser, timeline_server, "#/timeline?q=")
    rows_done(browser, state="error")
    assert "q: the query is empty" in browser.find_element(By.ID, "timeline-status").text


def test_a_question_nothing_answers_says_so_instead_of_listing_weak_rows(browser, timeline_server):
    rows = open_timeline(browser, timeline_server, "如何申请公共租赁住房")
    assert rows == []
    assert "没有找到可靠的答案" in browser.find_element(By.ID, "timeline-status").text
