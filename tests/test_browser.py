"""The search page, reader view and embeddable box in headless Chromium (Debian's), driven by Selenium.

A real server (uvicorn, in a thread) serves an index of the seeds plus a document full of
markup; a second server on another port serves a plain host page that embeds the box.
Screenshots go to artifacts/browser/ (not committed).
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.fixture_builders import build_corpus_index

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
# Verbatim excerpts of two laws from ../shared/corpora/laws-and-policies (lrb_civil_servant_law_2018.md,
# lrb_public_officials_sanctions_law_2020.md): articles a trainer looks up by number or by 施行.
LAW_EXCERPTS = sorted((REPO / "tests" / "data").glob("*_law_excerpt.md"))
ARTIFACTS = REPO / "artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HOSTILE = """《关于<script>alert(1)</script>的测试办法》

一、总则

第一条 本办法适用于<script>alert(1)</script>培训管理，图片 <img src=x onerror=alert(1)> 不得执行。
"""
# A host page with aggressive styles: none of them may reach the box, and the box's may not reach it.
HOST_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>intranet portal</title>
<style>
  body {{ color: rgb(255, 0, 0); font-size: 30px; font-family: serif; }}
  p, li, ol {{ margin: 40px; padding: 40px; }}
  mark {{ background: rgb(0, 0, 0); }}
  .cite {{ color: rgb(0, 128, 0); }}
</style></head>
<body>
  <h1>Portal</h1>
  <p class="cite" id="host-cite">host paragraph</p>
  <div id="kb"></div>
  <script src="{api}/static/embed.js" data-target="#kb" data-k="3" defer></script>
</body></html>
"""

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # pragma: no cover - reported by the skip below
    webdriver = None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(webdriver is None, reason="selenium is not installed (pip install selenium)"),
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="Debian's chromium and chromium-driver are not installed "
                              "(apt-get install chromium chromium-driver)"),
]
WAIT = 120  # seconds; generous for a shared CI machine (a bound, not a timing assertion)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_index(index: Path, **settings) -> Iterator[str]:
    """The service over `index` (uvicorn, in a thread, on 127.0.0.1): its base URL once the index is loaded,
    stopped on leaving. `settings`: further Settings fields (request_timeout defaults to 300 s)."""
    import uvicorn

    from policykb.service.api.main import create_app
    from policykb.service.config import Settings

    port = free_port()
    app = create_app(Settings(index=index, **{"request_timeout": 300, **settings}))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        holder = app.state.holder
        for _ in range(WAIT * 10):
            if server.started and holder.loaded is not None:
                break
            time.sleep(0.1)
        assert holder.loaded is not None, holder.last_error
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@contextmanager
def serve_host_page(api: str, site: Path, port: int) -> Iterator[str]:
    """HOST_PAGE embedding the box from `api`, served from folder `site` on 127.0.0.1:`port` (in a thread):
    the page's URL, stopped on leaving."""
    (site / "host.html").write_text(HOST_PAGE.format(api=api), encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}/host.html"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, tiny_model_path) -> Path:
    return build_corpus_index(tmp_path_factory, tiny_model_path, "seeds", [*CORPUS.glob("*.txt"), *LAW_EXCERPTS],
                              {"hostile.txt": HOSTILE})


@pytest.fixture(scope="module")
def servers(index_dir, tmp_path_factory):
    """(api base URL, host page URL): the service, and a plain page on another origin embedding the box."""
    host_port = free_port()
    host = f"http://127.0.0.1:{host_port}"
    with (serve_index(index_dir, cors_origins=(host,)) as api,
          serve_host_page(api, tmp_path_factory.mktemp("host-site"), host_port) as page):
        yield api, page


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1200,900",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def wait_for(driver, condition, message: str):
    return WebDriverWait(driver, WAIT).until(condition, message)


def results_done(driver) -> list:
    wait_for(driver, lambda d: d.find_element(By.ID, "results").get_attribute("data-state") in ("done", "error"),
             "search did not finish")
    assert driver.find_element(By.ID, "results").get_attribute("data-state") == "done", \
        driver.find_element(By.ID, "status").text
    return driver.find_elements(By.CSS_SELECTOR, "#results .card")


def no_alert(driver) -> bool:
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def open_page(driver, api: str, fragment: str = "") -> None:
    driver.set_window_size(1200, 900)
    driver.get(f"{api}/healthz")  # same origin: forget the script choice an earlier test made
    driver.execute_script("localStorage.clear(); sessionStorage.clear();")
    driver.get(f"{api}/{fragment}")
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete", "page did not load")


def test_a_search_shows_cards_copies_a_citation_and_opens_the_clause_in_its_document(browser, servers):
    api, _ = servers
    open_page(browser, api)
    try:  # lets the test read the clipboard back; the copied text is also kept on the button
        browser.execute_cdp_cmd("Browser.grantPermissions", {
            "origin": api, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    except WebDriverException:
        pass
    box = browser.find_element(By.ID, "q")
    box.send_keys("坚持把增强党性作为第一任务", Keys.ENTER)  # Enter searches
    cards = results_done(browser)
    assert cards
    card = next(c for c in cards if "１．坚持把增强党性作为第一任务" in c.find_element(By.CSS_SELECTOR, ".text").text)
    cite = card.find_element(By.CSS_SELECTOR, ".cite").text
    assert cite.startswith("《2009—2013年全国党员教育培训工作规划》 › 一、指导思想和基本要求 › （二）基本要求")
    assert "中共中央办公厅（2009年23号）" in cite
    assert card.find_elements(By.CSS_SELECTOR, ".text mark")
    browser.save_screenshot(str(ARTIFACTS / "search.png"))

    copy = card.find_element(By.CSS_SELECTOR, "button.copy")
    copy.click()
    wait_for(browser, lambda d: copy.text == "已复制", "copy button did not confirm")
    copied = copy.get_attribute("data-copied")
    # the 法学引注手册 citation and the GB/T 7714—2015 entry, no internal file name; the file and lines
    # a checker opens stay in the tooltip and on the card
    assert copied == ("《2009—2013年全国党员教育培训工作规划》第一部分（二）1.\n"
                      "中共中央办公厅. 2009—2013年全国党员教育培训工作规划: 中共中央办公厅（2009年23号）[A]. [2009].")
    assert ".txt" not in copied
    assert "原文：002_e058e02591a1b2b6.txt 第15行" in copy.get_attribute("title")
    clipboard = browser.execute_async_script(
        "const done = arguments[0]; navigator.clipboard.readText().then(done, () => done(null));")
    if clipboard is not None:  # readable where the browser grants clipboard access
        assert clipboard == copied

    clause_id = card.get_attribute("data-clause-id")
    card.find_element(By.CSS_SELECTOR, "a.open").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".clause.target"), "clause not marked")
    target = browser.find_element(By.CSS_SELECTOR, ".clause.target")
    assert target.get_attribute("id") == f"c-{clause_id}"
    assert target.text.startswith("１．坚持把增强党性作为第一任务")
    assert browser.execute_script(  # scrolled into view
        "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight;", target)
    current = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#outline a.current")]
    assert current == ["一、指导思想和基本要求", "（二）基本要求"]
    browser.save_screenshot(str(ARTIFACTS / "reader.png"))

    browser.find_element(By.ID, "back").click()
    assert results_done(browser)


def test_the_page_says_which_synonyms_it_searched_too(browser, servers):
    api, _ = servers
    open_page(browser, api, "#" + "q=" + quote("大学派教师到基层办班授课") + "&mode=lexical")
    cards = results_done(browser)
    assert any("高校" in [m.text for m in c.find_elements(By.CSS_SELECTOR, ".text mark")] for c in cards)
    assert "同时检索了同义词：高校" in browser.find_element(By.ID, "status").text


def test_markup_from_a_document_and_a_query_is_shown_as_text_and_never_runs(browser, servers):
    api, _ = servers
    query = "<img src=x onerror=alert(1)>"
    open_page(browser, api, "#" + "q=" + quote(query) + "&mode=lexical")
    cards = results_done(browser)
    hostile = [c for c in cards if "hostile.txt" in c.text]
    assert hostile
    assert "<script>alert(1)</script>" in hostile[0].find_element(By.CSS_SELECTOR, ".text").text
    assert "<img src=x onerror=alert(1)>" in hostile[0].find_element(By.CSS_SELECTOR, ".text").text
    assert browser.find_element(By.ID, "q").get_attribute("value") == query
    assert not browser.find_elements(By.CSS_SELECTOR, "#results img, #results script")
    assert no_alert(browser)
    browser.save_screenshot(str(ARTIFACTS / "escaping.png"))

    hostile[0].find_element(By.CSS_SELECTOR, "a.open").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".clause.target"), "clause not marked")
    assert "<script>alert(1)</script>" in browser.find_element(By.ID, "document").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#document img, #document script")
    assert no_alert(browser)


def test_slash_focuses_the_box_and_the_traditional_toggle_and_filters_change_the_cards(browser, servers):
    api, _ = servers
    open_page(browser, api)
    browser.find_element(By.TAG_NAME, "body").click()
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    assert browser.switch_to.active_element == browser.find_element(By.ID, "q")
    browser.switch_to.active_element.send_keys("党员教育培训", Keys.ENTER)
    assert results_done(browser)

    def shown(d) -> list[str]:  # clause texts once a search has finished
        if d.find_element(By.ID, "results").get_attribute("data-state") != "done":
            return []
        return [e.text for e in d.find_elements(By.CSS_SELECTOR, "#results .card .text")]

    original = shown(browser)
    browser.find_element(By.CSS_SELECTOR, '[data-script="hant"]').click()
    wait_for(browser, lambda d: any("黨" in t for t in shown(d)) and not any("党" in t for t in shown(d)),
             "no traditional text shown")
    browser.find_element(By.CSS_SELECTOR, '[data-script="original"]').click()
    wait_for(browser, lambda d: shown(d) == original, "original text not restored")

    browser.find_element(By.CSS_SELECTOR, "#filters summary").click()
    Select(browser.find_element(By.ID, "f-issuer")).select_by_value("人事部")
    wait_for(browser, lambda d: "issuer=" in d.current_url, "filter not applied")
    cards = results_done(browser)
    assert cards and all("人事部" in c.find_element(By.CSS_SELECTOR, ".cite").text for c in cards)


def test_the_traditional_view_shows_the_same_words_in_the_card_its_citation_and_the_reader(browser, servers):
    api, _ = servers
    open_page(browser, api, "#q=" + quote("公务员的管理依照法定的权限和程序进行") + "&mode=lexical")
    results_done(browser)
    browser.find_element(By.CSS_SELECTOR, '[data-script="hant"]').click()

    def article_five(d):
        if d.find_element(By.ID, "results").get_attribute("data-state") != "done":
            return None
        return next((c for c in d.find_elements(By.CSS_SELECTOR, "#results .card")
                     if c.find_element(By.CSS_SELECTOR, ".text").text.startswith("第五條")), None)

    card = wait_for(browser, article_five, "第五条 not shown in traditional characters")
    # s2twp showed 「依照法定的許可權、條件、標準和程式進行」: other words, not the law's
    assert "依照法定的權限、條件、標準和程序進行" in card.find_element(By.CSS_SELECTOR, ".text").text
    assert card.find_element(By.CSS_SELECTOR, ".cite").text.startswith("《中華人民共和國公務員法》 › 第一章 總則 › 第五條")
    browser.save_screenshot(str(ARTIFACTS / "traditional.png"))

    card.find_element(By.CSS_SELECTOR, "a.open").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".clause.target"), "clause not marked")
    assert browser.find_element(By.CSS_SELECTOR, "#document h1").text == "中華人民共和國公務員法"
    assert "依照法定的權限、條件、標準和程序進行" in browser.find_element(By.CSS_SELECTOR, ".clause.target").text
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#outline a.current")] == ["第一章 總則"]


def test_filters_say_what_they_left_out_and_the_document_menu_tells_same_titled_documents_apart(browser, servers):
    api, _ = servers
    # 002 states no date; its 文号 「中共中央办公厅（2009年23号）」 gives 2009, so a 2009 filter keeps it
    open_page(browser, api, "#q=" + quote("新党员集中培训") + "&mode=lexical&year_from=2009&year_to=2009")
    cards = results_done(browser)
    assert cards and all("2009—2013年全国党员教育培训工作规划" in c.find_element(By.CSS_SELECTOR, ".cite").text
                         for c in cards)
    # 004 and the markup test document state no date and no year: left out, and the page says so
    assert "年份筛选未包括 2 份未注明年份的文件" in browser.find_element(By.ID, "status").text

    open_page(browser, api, "#q=" + quote("培训") + "&issuer=" + quote("不存在的机关"))
    assert results_done(browser) == []
    status = browser.find_element(By.ID, "status").text
    assert "没有文件符合这些筛选条件" in status and "换个说法" not in status

    assert browser.find_element(By.ID, "filters").get_attribute("open") is not None  # a filter is set: shown
    menu = [o.text for o in Select(browser.find_element(By.ID, "f-document")).options]
    assert "“十一五”全国人事干部教育培训规划（2007-02-09）" in menu
    assert "“十一五”全国人事干部教育培训规划（2024-02-09）" in menu
    alike = [o for o in menu if o.startswith(("2024－2024年全国干部教育培训规划", "2024—2024年全国干部教育培训规划"))]
    assert len(alike) == 2 and len(set(alike)) == 2 and all("2024年，据标题推断" in o for o in alike)
    assert len(set(menu)) == len(menu)


@pytest.mark.parametrize("query, first", [
    ("公务员法 第67条", "第六十七条 机关对新录用人员应当在试用期内进行初任培训"),
    ("公务员法什么时候施行", "第一百一十三条 本法自2019年6月1日起施行。"),
])
def test_an_article_number_or_a_施行_question_about_a_named_law_puts_that_article_first(browser, servers, query, first):
    api, _ = servers
    open_page(browser, api, "#q=" + quote(query))
    cards = results_done(browser)
    assert cards[0].find_element(By.CSS_SELECTOR, ".text").text.startswith(first)
    assert cards[0].find_element(By.CSS_SELECTOR, ".cite").text.startswith("《中华人民共和国公务员法》")
    assert "已按文件名「公务员法」定位" in browser.find_element(By.ID, "status").text
    assert cards[0].find_element(By.CSS_SELECTOR, ".confidence").text == "可信度 90%"


def test_lexical_cards_show_graded_confidence_and_disagreeing_answers_show_their_documents_date_and_type(
        browser, servers):
    api, _ = servers
    open_page(browser, api, "#q=" + quote("党员教育培训") + "&mode=lexical")
    shown = [c.find_element(By.CSS_SELECTOR, ".confidence").text for c in results_done(browser)]
    assert len(shown) == 10 and "可信度 100%" not in shown and len(set(shown)) > 1

    open_page(browser, api, "#q=" + quote("乡镇干部一年至少要参加多少学时的培训") + "&mode=lexical")
    cards = results_done(browser)
    assert "前几条答案的数字不一致" in browser.find_element(By.ID, "status").text
    facts = {c.find_element(By.CSS_SELECTOR, ".cite").text.split(" › ")[0]: c.find_element(By.CSS_SELECTOR, ".doc-facts").text
             for c in cards}
    assert facts["《中央组织部关于加强和改进基层干部教育培训工作的意见（2011年）》"] == "所属文件：2011-11-14 · 意见"
    assert facts["《2009—2013年全国党员教育培训工作规划》"] == "所属文件：2009年（据文号推断） · 规划"
    browser.save_screenshot(str(ARTIFACTS / "disagreement.png"))


def test_a_question_the_corpus_cannot_answer_says_so(browser, servers):
    api, _ = servers
    open_page(browser, api, "#q=" + quote("zzqx voluptas") + "&mode=lexical")
    assert results_done(browser) == []
    status = browser.find_element(By.ID, "status")
    assert "没有找到" in status.text and "empty" in status.get_attribute("class")


def test_the_page_fits_a_phone_screen(browser, servers):
    api, _ = servers
    open_page(browser, api, "#q=" + quote("党员教育培训"))
    browser.set_window_size(390, 844)
    assert results_done(browser)
    widths = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"page is wider than the phone: {widths}"
    browser.save_screenshot(str(ARTIFACTS / "phone.png"))


def test_the_embed_snippet_on_another_sites_page_returns_results_without_trading_styles(browser, servers):
    api, host_page = servers
    browser.set_window_size(1200, 900)
    browser.get(host_page)
    wait_for(browser, lambda d: d.execute_script("return !!document.querySelector('#kb').shadowRoot"),
             "the box did not mount")
    root = browser.find_element(By.ID, "kb").shadow_root
    root.find_element(By.CSS_SELECTOR, "input").send_keys("党员教育培训", Keys.ENTER)
    wait_for(browser, lambda d: root.find_element(By.CSS_SELECTOR, "ol").get_attribute("data-state")
             in ("done", "error"), "embedded search did not finish")
    assert root.find_element(By.CSS_SELECTOR, "ol").get_attribute("data-state") == "done", \
        root.find_element(By.CSS_SELECTOR, ".status").text
    items = root.find_elements(By.CSS_SELECTOR, "li")
    assert 1 <= len(items) <= 3
    link = items[0].find_element(By.CSS_SELECTOR, "a").get_attribute("href")
    assert link.startswith(api + "/#doc=")
    style = browser.execute_script("""
        const root = document.querySelector('#kb').shadowRoot;
        const cite = root.querySelector('.cite'), text = root.querySelector('.text');
        const mark = root.querySelector('mark');
        return {citeColor: getComputedStyle(cite).color, textColor: getComputedStyle(text).color,
                fontSize: getComputedStyle(text).fontSize, margin: getComputedStyle(text).marginTop,
                mark: mark ? getComputedStyle(mark).backgroundColor : null,
                hostCite: getComputedStyle(document.querySelector('#host-cite')).color,
                hostPadding: getComputedStyle(document.querySelector('#host-cite')).paddingTop};
    """)
    assert style["textColor"] != "rgb(255, 0, 0)" and style["citeColor"] != "rgb(0, 128, 0)"
    assert style["fontSize"] == "15px" and style["margin"] == "0px"
    assert style["mark"] in (None, "rgb(255, 243, 176)")
    assert style["hostCite"] == "rgb(0, 128, 0)" and style["hostPadding"] == "40px"
    browser.save_screenshot(str(ARTIFACTS / "embed.png"))
