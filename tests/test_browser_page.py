"""What a reader of the page and of the embedded box sees: 另见 links, the reader's copy buttons and
title, highlights that pick out the answer, and a blocked box that says what to set.

Same servers, index and headless Chromium as tests/test_browser.py (its fixtures, imported).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    ARTIFACTS,
    browser,
    free_port,
    index_dir,
    open_page,
    pytestmark,
    results_done,
    serve_host_page,
    servers,
    wait_for,
)

try:
    from selenium.webdriver.common.by import By
except ImportError:  # pragma: no cover - skipped by pytestmark
    By = None

PLAN_2009 = "《2009—2013年全国党员教育培训工作规划》"


@pytest.fixture(scope="module")
def blocked_host_page(servers, tmp_path_factory):
    """A portal page embedding the box from an origin the server was not told to allow."""
    api, _ = servers
    port = free_port()
    with serve_host_page(api, tmp_path_factory.mktemp("blocked-site"), port) as page:
        yield f"http://127.0.0.1:{port}", page


def marks(card) -> list[str]:
    return [m.text for m in card.find_elements(By.CSS_SELECTOR, ".text mark")]


def test_另见_links_each_other_version_of_the_clause_and_opens_it(browser, servers):
    api, _ = servers
    open_page(browser, api, "#q=" + quote("人事部每年各举办1期全国人事厅局长培训班") + "&mode=lexical")
    card = next(c for c in results_done(browser) if "全国人事厅局长培训班" in c.find_element(By.CSS_SELECTOR, ".text").text)
    also = card.find_element(By.CSS_SELECTOR, ".also")
    assert also.text.startswith("另见：《“十一五”全国人事干部教育培训规划》")
    assert "http" not in also.text and "：," not in also.text
    links = also.find_elements(By.TAG_NAME, "a")
    assert len(links) == 1 and links[0].text == also.text.removeprefix("另见：")
    browser.save_screenshot(str(ARTIFACTS / "also-in.png"))

    shown_id = card.get_attribute("data-clause-id")
    links[0].click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".clause.target"), "other version not marked")
    target = browser.find_element(By.CSS_SELECTOR, ".clause.target")
    assert target.get_attribute("id") != f"c-{shown_id}" and "全国人事厅局长培训班" in target.text


def test_the_reader_names_the_marked_clause_in_its_title_and_copies_its_citation_and_link(browser, servers):
    api, _ = servers
    open_page(browser, api, "#q=" + quote("坚持把增强党性作为第一任务") + "&mode=lexical")
    card = next(c for c in results_done(browser)
                if c.find_element(By.CSS_SELECTOR, ".text").text.startswith("１．坚持把增强党性作为第一任务"))
    card.find_element(By.CSS_SELECTOR, "a.open").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#clause-actions"), "no copy buttons at the clause")
    assert browser.title.startswith(f"（二）基本要求 › １． · {PLAN_2009}")

    actions = browser.find_element(By.ID, "clause-actions")
    assert browser.execute_script(  # right after the marked clause
        "return arguments[0].previousElementSibling.classList.contains('target')", actions)
    cite = actions.find_element(By.CSS_SELECTOR, "button.copy")
    assert cite.text == "复制引用"
    cite.click()
    wait_for(browser, lambda d: cite.text == "已复制", "copy did not confirm")
    copied = cite.get_attribute("data-copied")
    assert copied == (f"{PLAN_2009}第一部分（二）1.\n"
                      "中共中央办公厅. 2009—2013年全国党员教育培训工作规划: 中共中央办公厅（2009年23号）[A]. [2009].")
    assert "002_e058e02591a1b2b6.txt 第15行" in cite.get_attribute("title")  # the locator, for a checker
    wait_for(browser, lambda d: cite.text == "复制引用", "the button did not get its label back")

    link = actions.find_element(By.CSS_SELECTOR, "button.copy-link")
    assert link.text == "复制链接"
    link.click()
    wait_for(browser, lambda d: link.text == "已复制", "copy link did not confirm")
    url = link.get_attribute("data-copied")
    assert url == browser.current_url and url.startswith(api + "/#doc=") and "clause=" in url
    browser.save_screenshot(str(ARTIFACTS / "reader-actions.png"))

    target_id = browser.find_element(By.CSS_SELECTOR, ".clause.target").get_attribute("id")
    open_page(browser, api)
    browser.get(url)  # the copied link opens the same clause, marked
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".clause.target"), "copied link did not open")
    assert browser.find_element(By.CSS_SELECTOR, ".clause.target").get_attribute("id") == target_id
    assert "（二）基本要求 › １．" in browser.title


def test_highlights_mark_the_hours_figure_and_not_every_干部_or_培训(browser, servers):
    api, _ = servers
    open_page(browser, api, "#q=" + quote("基层干部每年培训不少于多少学时") + "&mode=lexical")
    cards = results_done(browser)
    answer = next(c for c in cards if "一般不少于100学时" in c.find_element(By.CSS_SELECTOR, ".text").text)
    assert any("100学时" in m for m in marks(answer)), marks(answer)
    for card in cards:
        assert not {"干部", "培训"} & set(marks(card)), marks(card)
    browser.save_screenshot(str(ARTIFACTS / "highlights.png"))


def test_the_box_on_a_page_the_server_does_not_allow_says_to_set_policykb_cors_origins(browser, blocked_host_page):
    origin, page = blocked_host_page
    browser.set_window_size(1200, 900)
    browser.get(page)
    wait_for(browser, lambda d: d.execute_script("return !!document.querySelector('#kb').shadowRoot"),
             "the box did not mount")
    root = browser.find_element(By.ID, "kb").shadow_root
    root.find_element(By.CSS_SELECTOR, "input").send_keys("党员教育培训\n")
    wait_for(browser, lambda d: root.find_element(By.CSS_SELECTOR, "ol").get_attribute("data-state") == "error",
             "the blocked search did not end in an error")
    status = root.find_element(By.CSS_SELECTOR, ".status").text
    assert f"POLICYKB_CORS_ORIGINS={origin}" in status and "Failed to fetch" not in status, status
    browser.save_screenshot(str(ARTIFACTS / "embed-blocked.png"))
