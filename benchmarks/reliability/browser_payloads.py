"""XSS payloads in every view of the page and the embeddable box, in headless Chromium.

Each payload of PAYLOADS is put in a document's title, issuer, 文号, a chapter heading and two
clause bodies (a .md file with YAML front matter), a few also into a .html page as escaped
text, and each is typed as a query. The corpus is ingested and indexed with the real
pipeline and served by the real app on 127.0.0.1; Selenium drives Debian's Chromium
(headless) through every view: the search results (original, simplified and traditional
script), the reader view of each document with its outline, the filter menus (document,
issuer, type), a query of the payload itself, and the embeddable box on another origin's
page. Before any page script runs, a hook (Page.addScriptToEvaluateOnNewDocument) replaces
alert/confirm/prompt/print with recorders and records Content-Security-Policy violations;
after each view the script checks that no payload ran (no hook call, no CSP violation), that
the view holds no element or attribute a payload could have made (script, iframe, svg, on*
attributes, javascript: links...), and that the payload is shown as text, as written. A control at the end puts `<img src=x onerror=…>` into
the box on purpose: the run stops with an error unless the hook and the scan both catch it.

    python -m benchmarks.reliability.browser_payloads --out .policykb/bench/results/browser_payloads.json
"""

from __future__ import annotations

import argparse
import html
import http.server
import re
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import quote

import yaml

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 120

# One line each (a line break would make them two clauses); alert(…)/confirm/prompt are what the hook records.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<script src=//127.0.0.1:9/x.js></script>",
    "<SCRIPT>alert(String.fromCharCode(88,83,83))</SCRIPT>",
    "<scr<script>ipt>alert(2)</scr</script>ipt>",
    "</script><script>alert(3)</script>",
    "<img src=x onerror=alert(4)>",
    "<img src=\"x\" onerror=\"alert(5)\">",
    "<IMG SRC=javascript:alert(6)>",
    "<img src=x:x onerror=confirm(7)>",
    "<svg onload=alert(8)>",
    "<svg><script>alert(9)</script></svg>",
    "<svg><animate onbegin=alert(10) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(11)>",
    "<iframe src=javascript:alert(12)></iframe>",
    "<iframe srcdoc=\"<script>parent.alert(13)</script>\"></iframe>",
    "<object data=javascript:alert(14)></object>",
    "<embed src=javascript:alert(15)>",
    "<body onload=alert(16)>",
    "<details open ontoggle=alert(17)>",
    "<video><source onerror=alert(18)></video>",
    "<audio src=x onerror=alert(19)>",
    "<input autofocus onfocus=alert(20)>",
    "<select autofocus onfocus=alert(21)></select>",
    "<marquee onstart=alert(22)>",
    "<div style=\"background:url(javascript:alert(23))\">",
    "<a href=\"javascript:alert(24)\">点此</a>",
    "<a href=\"jav&#x09;ascript:alert(25)\">点此</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(26)\">点此</a>",
    "javascript:alert(27)",
    "data:text/html,<script>alert(28)</script>",
    "<form action=javascript:alert(29)><button>提交</button></form>",
    "<base href=\"javascript:alert(30)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(31)\">",
    "<link rel=stylesheet href=javascript:alert(32)>",
    "<style>@import 'javascript:alert(33)';</style>",
    "\"><script>alert(34)</script>",
    "'><img src=x onerror=alert(35)>",
    "\" onmouseover=\"alert(36)\" x=\"",
    "' onfocus='alert(37)' autofocus='",
    "\" autofocus onfocus=alert(38) \"",
    "</textarea><script>alert(39)</script>",
    "</title><script>alert(40)</script>",
    "<!--<img src=\"--><img src=x onerror=alert(41)//\">",
    "<![CDATA[<script>alert(42)</script>]]>",
    "${alert(43)}",
    "{{constructor.constructor('alert(44)')()}}",
    "<img src=x onerror=\"&#97;lert(45)\">",
    "<img src=x onerror=alert&#40;46&#41;>",
    "\u003cscript\u003ealert(47)\u003c/script\u003e",
    "＜script＞alert(48)＜/script＞",
    "<scrİpt>alert(49)</scrİpt>",
    "\u202e>tpircs/<)05(trela>tpircs<",
    "<img src=x onerror=alert(51)\u200b>",
    "<x onclick=alert(52)>点我</x>",
    "%3Cscript%3Ealert(53)%3C/script%3E",
    "&lt;script&gt;alert(54)&lt;/script&gt;",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(55)>\">",
]

HOOK = """
window.__xss = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = function (...args) { window.__xss.push(name + "(" + args.join(",") + ")"); };
}
document.addEventListener("securitypolicyviolation",
  (e) => window.__xss.push("csp:" + e.violatedDirective + ":" + (e.sample || e.blockedURI)));
"""
# Elements and attributes no view makes itself: any of them in a view came from a payload.
SCAN = """
const roots = arguments[0].map((s) => s === "#kb" ? document.querySelector("#kb").shadowRoot : document.querySelector(s))
  .filter(Boolean);
const bad = new Set(["script", "iframe", "object", "embed", "svg", "math", "base", "meta", "link", "style", "form",
  "video", "audio", "source", "marquee", "frame", "frameset", "textarea", "x", "body", "noscript", "img"]);
// attributes a browser follows as a URL (an <option value="javascript:…"> is only text)
const urls = new Set(["href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset"]);
const found = [];
for (const root of roots) {
  for (const e of root.querySelectorAll("*")) {
    const tag = e.tagName.toLowerCase();
    if (bad.has(tag) && !(tag === "style" && e.parentNode === root) && !(tag === "form" && e.parentNode?.className === "box"))
      found.push("<" + tag + ">");
    for (const a of e.attributes) {
      const value = a.value.replace(/[\\s\\x00-\\x1f]/g, "").toLowerCase();
      if (a.name.startsWith("on") || a.name === "srcdoc" || (urls.has(a.name) && value.startsWith("javascript:")))
        found.push(tag + "[" + a.name + "=" + a.value.slice(0, 40) + "]");
    }
  }
}
return found;
"""


@dataclass
class ViewCheck:
    """One view of one payload: what ran, what markup it made, whether its text was shown as written."""

    view: str
    payload: int
    ran: list[str] = field(default_factory=list)
    markup: list[str] = field(default_factory=list)
    shown: bool | None = None  # None where the view is not expected to show this payload's text

    @property
    def failed(self) -> bool:
        return bool(self.ran or self.markup) or self.shown is False


def payload_corpus(folder: Path, payloads: list[str]) -> Path:
    """A corpus of one .md file per payload (title, issuer, 文号, heading, clauses), and one .html page."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, payload in enumerate(payloads):
        meta = {"title": f"关于{payload}的培训办法{i}", "issuer": f"{payload}办公厅",
                "doc_number": f"{payload}〔2024〕{i}号", "date": "2024-05-01", "doc_type": "办法"}
        body = [f"第一章 {payload}", f"第一条 标记{i}号：本办法适用于{payload}的培训管理。",
                f"第二条 {payload}", "第三条 本办法自发布之日起施行。"]
        text = "---\n" + yaml.safe_dump(meta, allow_unicode=True, width=10_000) + "---\n" + "\n".join(body) + "\n"
        (folder / f"payload_{i:02d}.md").write_text(text, encoding="utf-8")
    paragraphs = "".join(f"<p>第{i + 1}条 网页标记{i}号：{html.escape(p)}</p>" for i, p in enumerate(payloads[:10]))
    (folder / "payloads.html").write_text(
        f"<!doctype html><html><head><meta charset=utf-8><title>网页{html.escape(payloads[0])}</title></head>"
        f"<body><h1>网页中的{html.escape(payloads[0])}</h1>{paragraphs}</body></html>", encoding="utf-8")
    return folder


class Browser:
    """Headless Debian Chromium with the hook installed on every page."""

    def __init__(self, profile: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--window-size=1200,900", f"--user-data-dir={profile}"):
            options.add_argument(arg)
        # exports download: into the profile, never a prompt
        options.add_experimental_option("prefs", {"download.default_directory": str(profile / "downloads"),
                                                  "download.prompt_for_download": False})
        self.driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        self.driver.set_page_load_timeout(WAIT)
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})

    def quit(self) -> None:
        self.driver.quit()

    def open(self, url: str) -> None:
        self.driver.get("about:blank")  # a new document: the hook's records start empty
        self.driver.get(url)
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete", "page did not load")

    def wait(self, condition, message: str):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, WAIT).until(condition, message)

    def ran(self) -> list[str]:
        """What the hook recorded, and any alert still open (then dismissed)."""
        from selenium.common.exceptions import NoAlertPresentException

        found = list(self.driver.execute_script("return window.__xss || []"))
        try:
            alert = self.driver.switch_to.alert
            found.append(f"dialog: {alert.text}")
            alert.dismiss()
        except NoAlertPresentException:
            pass
        return found

    def markup(self, roots: list[str]) -> list[str]:
        return list(self.driver.execute_script(SCAN, roots))

    def text(self, selector: str) -> str:
        return self.driver.execute_script(f"return document.querySelector({selector!r})?.textContent || ''")


def search_done(browser: Browser) -> str:
    browser.wait(lambda d: d.execute_script(
        "return document.querySelector('#results').dataset.state") in ("done", "error"), "search did not finish")
    return browser.text("#results")


def check_payloads(api: str, host_page: str, payloads: list[str], browser: Browser, progress=print) -> list[ViewCheck]:
    """Every view for every payload; see the module docstring."""
    import httpx
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    checks: list[ViewCheck] = []
    documents = httpx.get(f"{api}/api/documents", timeout=60).json()["documents"]
    by_payload = {}
    for d in documents:
        if d["file"].startswith("payload_"):
            by_payload[int(d["file"][8:10])] = d["id"]
    page_roots = ["#results", "#document", "#outline", "#status", "#filters"]

    def record(view: str, i: int, shown: bool | None, roots=page_roots) -> None:
        checks.append(ViewCheck(view, i, browser.ran(), browser.markup(roots), shown))

    for i, payload in enumerate(payloads):
        # search results, in each script: the payload's own document found by its marker
        browser.open(f"{api}/#q={quote(f'标记{i}号')}&mode=lexical")
        record("search", i, payload in search_done(browser))
        for script in ("hant", "hans"):
            browser.driver.find_element(By.CSS_SELECTOR, f'[data-script="{script}"]').click()
            time.sleep(0.3)
            search_done(browser)
            record(f"search:{script}", i, None)
        browser.driver.find_element(By.CSS_SELECTOR, '[data-script="original"]').click()
        # the reader view: title, meta line (issuer, 文号), outline (the chapter heading), clauses
        if i in by_payload:
            browser.open(f"{api}/#doc={by_payload[i]}")
            browser.wait(lambda d: d.execute_script("return document.querySelector('#document').dataset.state")
                         in ("done", "error"), "document did not open")
            text = browser.text("#document")
            record("reader", i, all(part in text for part in (f"关于{payload}的培训办法{i}", f"{payload}办公厅",
                                                              f"{payload}〔2024〕{i}号", f"第二条 {payload}")))
            record("reader:outline", i, None)  # the outline may shorten a long heading: checked for markup only
        # the payload as the query: in the box, the status line and the URL
        browser.open(f"{api}/#q={quote(payload)}&mode=lexical")
        search_done(browser)
        box = browser.driver.execute_script("return document.querySelector('#q').value")
        record("query", i, box == payload.strip()[:256])
        progress(f"  payload {i}: {sum(c.failed for c in checks if c.payload == i)} failing views")

    # the filter menus list every title and issuer at once
    browser.open(f"{api}/#q={quote('培训管理')}&mode=lexical")
    search_done(browser)
    browser.driver.find_element(By.CSS_SELECTOR, "#filters summary").click()
    menus = browser.text("#f-document") + browser.text("#f-issuer")
    for i, payload in enumerate(payloads):
        record("filters", i, f"关于{payload}的培训办法{i}" in menus and f"{payload}办公厅" in menus)
    for selector in ("#f-issuer", "#f-document"):
        options = browser.driver.find_elements(By.CSS_SELECTOR, f"{selector} option")
        if len(options) > 1:  # choosing a payload's issuer or document runs a filtered search
            options[1].click()
            search_done(browser)
            record(f"filtered:{selector}", -1, None)
    checks.extend(check_later_views(api, payloads, by_payload, browser))
    # the embeddable box on another origin's page (no CSP there: only escaping stops a payload)
    browser.open(host_page)
    browser.wait(lambda d: d.execute_script("return !!document.querySelector('#kb')?.shadowRoot"), "box did not mount")
    root = browser.driver.find_element(By.ID, "kb").shadow_root
    for i, payload in enumerate(payloads):
        field_ = root.find_element(By.CSS_SELECTOR, "input")
        field_.clear()
        field_.send_keys(f"标记{i}号", Keys.ENTER)
        browser.wait(lambda d: root.find_element(By.CSS_SELECTOR, "ol").get_attribute("data-state")
                     in ("done", "error"), "embedded search did not finish")
        shown = browser.driver.execute_script("return document.querySelector('#kb').shadowRoot.textContent")
        # the box shows its 3 best (hybrid): the payload's text is checked when its clause is among them
        record("embed", i, payload in shown if f"标记{i}号：" in shown else None, roots=["#kb"])
    # the control: markup put into the box on purpose must be caught by the hook and the scan,
    # or "nothing ran" above would prove nothing
    browser.driver.execute_script("const d = document.createElement('div'); "
                                  "d.innerHTML = '<img src=x onerror=alert(99)>'; "
                                  "document.querySelector('#kb').shadowRoot.appendChild(d);")
    browser.wait(lambda d: d.execute_script("return (window.__xss || []).length") > 0, "the control did not run")
    ran, markup = browser.ran(), browser.markup(["#kb"])
    if "alert(99)" not in ran or not markup:
        raise RuntimeError(f"the control payload was not detected (hook: {ran}, scan: {markup})")
    return checks


def check_later_views(api: str, payloads: list[str], by_payload: dict[int, str], browser: Browser) -> list[ViewCheck]:
    """The views a page may have besides search and reader: the document list (#/documents) with
    its facets, the export bars and the citation copy button. A view the page lacks is skipped."""
    from selenium.webdriver.common.by import By

    checks: list[ViewCheck] = []
    roots = ["#documents-view", "#results", "#document", "#outline", "#status", "#filters", "#export-results",
             "#export-document"]

    def record(view: str, i: int, shown: bool | None) -> None:
        checks.append(ViewCheck(view, i, browser.ran(), browser.markup(roots), shown))

    def present(selector: str) -> bool:
        return bool(browser.driver.execute_script(f"return !!document.querySelector({selector!r})"))

    browser.open(f"{api}/#/documents")
    if present("#documents-view"):
        listed = ""
        for _ in range(20):  # every page of the list
            browser.wait(lambda d: d.execute_script("return document.querySelector('#document-list').dataset.state")
                         in ("done", "error"), "document list did not load")
            listed += browser.text("#document-list") + browser.text("#facets")
            record("documents", -1, None)
            following = browser.driver.find_elements(By.CSS_SELECTOR, "#list-pager a[rel=next]")
            if not following:
                break
            browser.driver.execute_script("document.querySelector('#document-list').dataset.state = 'paging'")
            following[0].click()
        for i, payload in enumerate(payloads):
            shown = f"关于{payload}的培训办法{i}" in listed if re.search(f"的培训办法{i}(?!\\d)", listed) else None
            checks.append(ViewCheck("documents:list", i, [], [], shown))
        for n in range(6):  # a facet of a payload's issuer or type filters the list by it (the list is redrawn)
            browser.open(f"{api}/#/documents")
            browser.wait(lambda d: d.execute_script("return document.querySelector('#document-list').dataset.state")
                         in ("done", "error"), "document list did not load")
            facets = browser.driver.find_elements(By.CSS_SELECTOR, "#facets a")
            if n >= len(facets):
                break
            browser.driver.execute_script("document.querySelector('#document-list').dataset.state = 'paging'")
            browser.driver.execute_script("arguments[0].click()", facets[n])
            browser.wait(lambda d: d.execute_script("return document.querySelector('#document-list').dataset.state")
                         in ("done", "error"), "filtered document list did not load")
            record("documents:facet", -1, None)
    browser.open(f"{api}/#q={quote('培训管理')}&mode=lexical")
    search_done(browser)
    for button in browser.driver.find_elements(By.CSS_SELECTOR, "#export-results button[data-format]")[:7]:
        browser.driver.execute_script("arguments[0].click()", button)  # a download: the page must stay inert
        time.sleep(0.5)
        record(f"export:results:{button.get_attribute('data-format')}", -1, None)
    for button in browser.driver.find_elements(By.CSS_SELECTOR, "#results .card button")[:6]:
        label = button.text  # 复制引用, 复制规范引用 (/api/citations); it reads 已复制 once clicked
        browser.driver.execute_script("arguments[0].click()", button)
        time.sleep(0.5)
        record(f"card-button:{label}", -1, None)
    for i in list(by_payload)[:10]:
        browser.open(f"{api}/#doc={by_payload[i]}")
        buttons = browser.driver.find_elements(By.CSS_SELECTOR, "#export-document button[data-format]")
        for button in buttons[:7]:
            browser.driver.execute_script("arguments[0].click()", button)
            time.sleep(0.3)
        if buttons:
            record("export:document", i, None)
    return checks


HOST_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>host</title></head>
<body><div id="kb"></div><script src="{api}/static/embed.js" data-target="#kb" data-k="3" defer></script></body></html>
"""


def serve_host_page(folder: Path, api: str, port: int) -> tuple[str, http.server.ThreadingHTTPServer]:
    """A plain page on `port` (another origin) that embeds the box served at `api`."""
    (folder / "host.html").write_text(HOST_PAGE.format(api=api), encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}/host.html", server


def run(payloads: list[str], model: str | None, work: Path, progress=print) -> list[ViewCheck]:
    """Ingest and index the payload corpus, serve it and check every view."""
    from benchmarks.reliability.api_fuzz import Server, free_port
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    corpus = payload_corpus(work / "corpus", payloads)
    run_ = ingest_paths([corpus])
    failures = [f"{f.file}: {f.reason}" for f in run_.failures]
    if failures:
        raise RuntimeError("the payload corpus did not ingest: " + "; ".join(failures))
    build_index(run_, work / "index", model=model, progress=None)
    (work / "site").mkdir()
    api_port, host_port = free_port(), free_port()
    with Server(work / "index", port=api_port, cors_origins=(f"http://127.0.0.1:{host_port}",)) as api:
        host_page, host = serve_host_page(work / "site", api, host_port)
        browser = Browser(work / "profile")
        try:
            return check_payloads(api, host_page, payloads, browser, progress)
        finally:
            browser.quit()
            host.shutdown()


def main(argv: list[str] | None = None) -> dict:
    from benchmarks.common import print_table, write_result

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payloads", type=int, default=len(PAYLOADS), help="use the first N payloads")
    parser.add_argument("--only", help="use these payloads (comma-separated indexes into PAYLOADS)")
    parser.add_argument("--model", help="embedding model (default: policykb's default)")
    parser.add_argument("--out", type=Path, help="JSON (default .policykb/bench/results/browser_payloads.json)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    payloads = [PAYLOADS[int(i)] for i in args.only.split(",")] if args.only else PAYLOADS[:args.payloads]
    with tempfile.TemporaryDirectory(prefix="policykb-payloads-") as folder:
        checks = run(payloads, args.model, Path(folder))
    views = sorted({c.view for c in checks})
    rows = [{"view": v, "checks": sum(c.view == v for c in checks),
             "ran": sum(bool(c.ran) for c in checks if c.view == v),
             "markup": sum(bool(c.markup) for c in checks if c.view == v),
             "text_checked": sum(c.shown is not None for c in checks if c.view == v),
             "not_shown_as_written": sum(c.shown is False for c in checks if c.view == v)} for v in views]
    print_table(rows, ["view", "checks", "ran", "markup", "text_checked", "not_shown_as_written"],
                title="browser payloads by view")
    failing = [c for c in checks if c.failed]
    for c in failing[:60]:
        text = payloads[c.payload] if c.payload >= 0 else ""
        print(f"FAIL {c.view} payload {c.payload} {text!r}: ran={c.ran} markup={c.markup} shown={c.shown}")
    totals = {"payloads": len(payloads), "views": len(views), "checks": len(checks),
              "executed": sum(bool(c.ran) for c in checks), "markup": sum(bool(c.markup) for c in checks),
              "not_shown_as_written": sum(c.shown is False for c in checks)}
    print(f"{totals['checks']} checks of {totals['payloads']} payloads in {totals['views']} views: "
          f"{totals['executed']} executed, {totals['markup']} made markup, {totals['not_shown_as_written']} "
          f"not shown as written", flush=True)
    path = write_result("browser_payloads", {"payloads": len(payloads), "model": args.model or "default"}, rows,
                        args.out, totals=totals, seconds=round(time.perf_counter() - started, 1),
                        failures=[{**asdict(c), "text": payloads[c.payload] if c.payload >= 0 else None}
                                  for c in failing])
    return {"path": str(path), "totals": totals, "failures": failing}


if __name__ == "__main__":
    main()
