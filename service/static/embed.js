/* policykb embeddable search box.
 *
 * Paste into any page:
 *
 *   <div id="policykb-search"></div>
 *   <script src="https://KB-SERVER/static/embed.js" data-target="#policykb-search" defer></script>
 *
 * Options (data-* attributes on the script tag, or PolicyKB.mount(element, {...})):
 *   data-api     API base URL (default: where the script came from, less /static/embed.js)
 *   data-target  CSS selector of the host element (default: a new element after the script)
 *   data-k       number of results (default 5)
 *   data-key     API key, when the server requires one (it is visible to page readers)
 *
 * The box lives in a Shadow DOM: its styles cannot leak into the host page, and the
 * host page's styles do not reach inside (`all: initial` stops inherited ones).
 * The server must allow the host page's origin: POLICYKB_CORS_ORIGINS. When it does not,
 * the browser blocks the answer and the box says which origin to allow (a blocked request
 * and an unreachable server look the same to a page: fetch only says "Failed to fetch").
 * Text from the API is inserted with textContent only.
 */
"use strict";

(function () {
  const STYLE = `
    :host { all: initial !important; display: block !important; }
    .box { font-family: system-ui, -apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
      font-size: 15px; line-height: 1.6; color: #1f2328; background: #fff; border: 1px solid #d1d9e0;
      border-radius: 8px; padding: 12px; text-align: left; }
    form { display: flex; gap: 8px; margin: 0 0 8px; }
    input { flex: 1; min-width: 0; font: inherit; padding: 6px 10px; border: 1px solid #d1d9e0; border-radius: 6px; color: inherit; background: #fff; }
    button { font: inherit; padding: 6px 12px; border: 1px solid #0b5cad; border-radius: 6px; background: #0b5cad; color: #fff; cursor: pointer; }
    .status { margin: 4px 0; color: #59636e; font-size: 14px; }
    .status.warn { color: #8a4b00; }
    ol { list-style: none; margin: 0; padding: 0; }
    li { border-top: 1px solid #d1d9e0; padding: 8px 0; }
    .cite { margin: 0 0 4px; font-size: 13px; color: #59636e; overflow-wrap: anywhere; }
    .text { margin: 0 0 4px; white-space: pre-wrap; overflow-wrap: anywhere; }
    mark { background: #fff3b0; color: inherit; }
    a { color: #0b5cad; font-size: 13px; }
  `;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function markedText(text, highlights) {
    const out = [];
    let pos = 0;
    for (const [start, end] of (highlights && highlights.spans) || []) {
      if (start < pos || end > text.length) continue;
      out.push(text.slice(pos, start), el("mark", {}, text.slice(start, end)));
      pos = end;
    }
    out.push(text.slice(pos));
    return out;
  }

  function citationLine(c) {
    const path = [c.title ? "《" + c.title + "》" : c.file, ...c.section_path];
    if (c.label) path.push(c.label);
    const issuer = c.issuer && !(c.doc_number || "").includes(c.issuer) ? c.issuer : null; // 文号 often names it
    return [path.join(" › "), c.doc_number, c.date, issuer].filter(Boolean).join(" · ");
  }

  /** What to do when the request got no answer at all: most often the server does not allow this page's origin. */
  function unreachable(api) {
    const origin = location.origin;
    return "无法从 " + (api || "policykb 服务") + " 取得结果：浏览器拦截了跨域请求，或服务没有运行。"
      + "若服务在运行，请在服务器上允许本页的来源 " + origin + "：设置 POLICYKB_CORS_ORIGINS=" + origin
      + "（或 policykb serve --cors-origin " + origin + "），重启服务后刷新本页。";
  }

  /** Mount a search box into `host`; returns its shadow root. */
  function mount(host, options) {
    const api = String(options.api || "").replace(/\/+$/, "");
    const k = Number(options.k) || 5;
    const root = host.shadowRoot || host.attachShadow({ mode: "open" });
    const input = el("input", { type: "search", maxlength: "256", placeholder: "搜索政策条款", "aria-label": "搜索政策条款" });
    const status = el("p", { class: "status", role: "status" });
    const list = el("ol", { "data-state": "idle" });
    const form = el("form", { role: "search" }, input, el("button", { type: "submit" }, "搜索"));
    root.replaceChildren(el("style", {}, STYLE), el("div", { class: "box" }, form, status, list));

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const q = input.value.trim();
      if (!q) return;
      list.dataset.state = "loading";
      status.className = "status";
      status.textContent = "正在搜索…";
      list.replaceChildren();
      try {
        const headers = options.key ? { Authorization: "Bearer " + options.key } : {};
        let response;
        try {
          response = await fetch(api + "/api/search?" + new URLSearchParams({ q, k: String(k) }), { headers });
        } catch (_) { // blocked by CORS or no server: the browser gives no detail
          throw new Error(unreachable(api));
        }
        let data = null;
        try { data = await response.json(); } catch (_) { /* not JSON: reported below */ }
        if (!response.ok || !data) {
          const hint = response.status === 401 ? "（服务需要 API 密钥：在 script 标签上设置 data-key）" : "";
          throw new Error(((data && data.error && data.error.message) || "服务器返回 " + response.status) + hint);
        }
        status.textContent = (!data.results.length ? "没有找到相关条款。"
          : data.no_answer ? "没有找到可靠的答案，以下条款可能不相关。" : "")
          + (data.results.length && data.synonyms && data.synonyms.length
            ? "同时检索了同义词：" + data.synonyms.join("、") + "。" : "");
        status.className = "status" + (data.no_answer ? " warn" : "");
        list.replaceChildren(...data.results.map((r) => el("li", { "data-clause-id": r.id },
          el("p", { class: "cite" }, citationLine(r.citation)),
          el("p", { class: "text" }, markedText(r.text, r.highlights)),
          el("a", {
            href: api + "/#" + new URLSearchParams({ doc: r.citation.document_id, clause: r.id }),
            target: "_blank", rel: "noopener",
          }, "在文中打开"))));
        list.dataset.state = "done";
      } catch (error) {
        list.dataset.state = "error";
        status.className = "status warn";
        status.textContent = "搜索失败：" + error.message;
      }
    });
    return root;
  }

  window.PolicyKB = { mount };

  const script = document.currentScript;
  if (script && script.src) {
    const target = script.dataset.target ? document.querySelector(script.dataset.target) : null;
    const host = target || script.parentNode.insertBefore(document.createElement("div"), script.nextSibling);
    mount(host, { api: script.dataset.api || script.src.replace(/\/static\/embed\.js([?#].*)?$/, ""), k: script.dataset.k, key: script.dataset.key });
  }
})();
