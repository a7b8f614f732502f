/* policykb search page and reader view.
 *
 * All text from the API is put into the page with textContent (via el()); highlights
 * are rebuilt from their [start, end) spans over the plain text as <mark> elements, so
 * nothing from a document or a query is ever parsed as HTML. State lives in the URL
 * hash: "#q=…&issuer=…" is a search, "#/documents?status=…&sort=date" the document list,
 * "#doc=<id>&clause=<id>&v=<version>" the reader view (v: the document version the link cites),
 * "#/compare?a=<id>&b=<id>" 新旧对照 of two documents (redlines built from text segments),
 * "#/timeline?q=…" the timeline of a requirement (each answering document's clause, by date),
 * "#/regions?q=…" 中央与地方: the national clause beside each implementing measure's, by issuer level.
 */
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const FILTERS = ["document", "issuer", "doc_type", "year_from", "year_to", "sort"];
  const SEARCH_PAGE = 10;
  const state = { script: localStorage.getItem("policykb-script") || "original", doc: null,
    document: null, clauses: new Map(), back: { hash: "", label: "← 返回搜索结果" } };
  const PAGE_TITLE = document.title;

  /** Create an element; string children become text nodes (never HTML); nested arrays are flattened. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** The clause text with its highlight spans as <mark> elements. */
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

  /** 《title》 › section path › label · 文号 · date · issuer */
  function citationLine(c) {
    const path = [c.title ? "《" + c.title + "》" : c.file, ...c.section_path];
    if (c.label) path.push(c.label);
    const issuer = c.issuer && !(c.doc_number || "").includes(c.issuer) ? c.issuer : null; // 文号 often names it
    return [path.join(" › "), c.doc_number, c.date, issuer].filter(Boolean).join(" · ");
  }

  function span(a, b) { return a === b ? String(a) : a + "–" + b; }

  /** Where in the file: 「第3页」 (PDF, OFD, scans), 「全文第12段」 (Word files), then the lines. */
  function whereText(c) {
    const parts = [];
    if (c.page_start !== null && c.page_start !== undefined) parts.push("第" + span(c.page_start, c.page_end) + "页");
    if (c.paragraph_start !== null && c.paragraph_start !== undefined) parts.push("全文第" + span(c.paragraph_start, c.paragraph_end) + "段");
    parts.push("第" + span(c.line_start, c.line_end) + "行");
    return parts.join("，");
  }

  /** Where a checker finds the clause: 「原文：规划.pdf 第3页，第40行，文字经 OCR 识别」. */
  function sourceText(c) {
    const ocr = c.text_source && c.text_source !== "text" ? "，文字经 OCR 识别" : "";
    return "原文：" + c.file + " " + whereText(c) + ocr;
  }

  /** Clause text with the characters OCR was unsure of (confidence below OCR_DOUBT) marked. */
  const OCR_DOUBT = 60;
  function ocrMarked(text, confidence) {
    if (!confidence || confidence.length !== text.length) return [text];
    const out = [];
    let plain = "";
    for (let i = 0; i < text.length; i++) {
      if (confidence[i] < OCR_DOUBT && text[i] !== "\n") {
        if (plain) { out.push(plain); plain = ""; }
        out.push(el("span", { class: "ocr-doubt", title: "OCR 置信度 " + confidence[i] + "%：请核对原件" }, text[i]));
      } else {
        plain += text[i];
      }
    }
    if (plain) out.push(plain);
    return out;
  }

  function sourceNote(d) {
    const notes = [];
    if (d.ocr) {
      const o = d.ocr;
      notes.push((d.text_source === "mixed" ? "第" + o.pages.join("、") + "页" : "全文") + "文字由 OCR 识别（" +
        o.engine + " " + o.engine_version + "，" + o.languages + "，" + o.dpi + " dpi" +
        (o.mean_confidence !== null ? "，平均置信度 " + o.mean_confidence + "%" : "") + "），可能有识别错误，引用前请核对原件");
    }
    if (d.converter) notes.push("由 " + d.converter + " 转换后读取");
    return notes.length ? el("p", { class: "source-note" }, notes.join("；")) : null;
  }

  function apiKey() { return sessionStorage.getItem("policykb-key") || ""; }

  async function api(path) {
    const headers = apiKey() ? { Authorization: "Bearer " + apiKey() } : {};
    let response;
    try {
      response = await fetch(path, { headers });
    } catch (_) { // the network failed: no answer at all
      throw new Error("无法连接 policykb 服务（" + location.host + "）：请确认服务仍在运行，然后刷新本页。");
    }
    let body = null;
    try { body = await response.json(); } catch (_) { /* not JSON: reported below */ }
    if (!response.ok) {
      const error = new Error((body && body.error && body.error.message) || "服务器返回 " + response.status);
      error.status = response.status;
      error.detail = body && body.error ? body.error.detail : null;
      throw error;
    }
    return body;
  }

  function setStatus(text, kind) {
    const status = $("status");
    status.textContent = text || "";
    status.className = "status" + (kind ? " " + kind : "");
  }

  function showError(error) {
    $("key-box").hidden = error.status !== 401;
    setStatus(error.message, "error");
  }

  async function copy(text, button) {
    const label = button.dataset.label || (button.dataset.label = button.textContent);
    button.dataset.copied = text; // what was copied, for tests and for reading back
    try {
      await navigator.clipboard.writeText(text);
    } catch (_) { // no clipboard API (plain http) or no permission: the old way
      const area = el("textarea", { class: "offscreen", readonly: true });
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    button.textContent = "已复制";
    setTimeout(() => { button.textContent = label; }, 2000);
  }

  /** GB/T 7714—2015 type of an online entry, as the export bars' 网络文献标识 menu (export.js) keeps it. */
  function onlineType() { return localStorage.getItem("policykb-online-type") === "EB" ? "EB" : "A"; }

  /** 复制引用: the clause's 法学引注手册 footnote and, on the next line, its document's GB/T 7714—2015 entry
      (from /api/citations, in the page's script); the file and lines stay in the tooltip and the card. */
  function citeButton(clauseId, c) {
    const button = el("button", { type: "button", class: "copy",
      title: "复制法学引注手册格式的引用和 GB/T 7714—2015 参考文献条目（" + sourceText(c) + "）" }, "复制引用");
    button.addEventListener("click", async () => {
      const label = button.dataset.label || (button.dataset.label = button.textContent);
      let cited;
      try {
        cited = (await api("/api/citations?" + new URLSearchParams({ id: clauseId, online_type: onlineType(),
          script: state.script }).toString())).citations[0];
      } catch (error) {
        button.textContent = "复制失败";
        button.title = error.message;
        setTimeout(() => { button.textContent = label; }, 2000);
        return;
      }
      button.title = "已复制的引用（" + sourceText(c) + (cited.version ? "，版本 " + cited.version : "") + "）";
      await copy(cited.footnote + "\n" + cited.gbt7714_2015, button);
    });
    return button;
  }

  /** The reader view at a clause; with `version`, a permalink that says later whether the clause changed. */
  function readerLink(clauseId, documentId, version) {
    const params = { doc: documentId, clause: clauseId };
    if (version) params.v = version;
    return "#" + new URLSearchParams(params).toString();
  }

  /** The clause's own place in its document: the innermost section and its number, 「（二）基本要求 › １．」. */
  function clauseName(c) {
    return c.section_path.slice(-1).concat(c.label ? [c.label] : []).join(" › ");
  }

  /** The card's document facts, for telling disagreeing answers apart: its date (or year) and type. */
  function documentFacts(result) {
    const when = result.citation.date || yearText(result.document_year, result.document_year_source);
    const facts = [when || "未注明日期", result.document_type || "类型不明"];
    return el("p", { class: "doc-facts" }, "所属文件：" + facts.join(" · "));
  }

  function card(result, showFacts) {
    const c = result.citation;
    const also = result.also_in.length
      ? el("p", { class: "also" }, "另见：", result.also_in.map((o, i) => [
          i ? "；" : "", el("a", { href: readerLink(o.id, o.document_id) }, citationLine(o))]))
      : null;
    const copyButton = citeButton(result.id, c);
    const newer = (result.superseded_by || []).length
      ? el("p", { class: "superseded" }, "本文件库中已有新版本或替代文件：", result.superseded_by.map((n, i) => [
          i ? "；" : "", el("a", { href: "#" + new URLSearchParams({ doc: n.id }).toString() },
            "《" + (n.title || n.id) + "》" + (n.date ? "（" + n.date + "）" : ""))]))
      : null;
    return el("li", { class: "card", "data-clause-id": result.id },
      el("p", { class: "cite" }, citationLine(c)),
      el("p", { class: "text" }, markedText(result.text, result.highlights)),
      showFacts ? documentFacts(result) : null,
      newer,
      also,
      el("div", { class: "actions" },
        copyButton,
        el("a", { class: "open", href: readerLink(result.id, c.document_id) }, "在文中打开"),
        el("span", { class: "where" }, c.file + ":" + span(c.line_start, c.line_end) +
          (c.page_start !== null && c.page_start !== undefined ? " · 第" + span(c.page_start, c.page_end) + "页" : "") +
          (c.paragraph_start !== null && c.paragraph_start !== undefined ? " · 全文第" + span(c.paragraph_start, c.paragraph_end) + "段" : "") +
          (c.text_source && c.text_source !== "text" ? " · OCR" : "")),
        el("span", { class: "confidence", title: "可信度：条款回答问题的可能性" }, "可信度 " + Math.round(result.confidence * 100) + "%")));
  }

  function filterParams() {
    const params = {};
    for (const name of FILTERS) {
      const value = document.querySelector('[data-param="' + name + '"]').value;
      if (value) params[name] = value;
    }
    return params;
  }

  async function runSearch(params) {
    const q = (params.get("q") || "").trim();
    $("q").value = q;
    for (const name of FILTERS) {
      const select = document.querySelector('[data-param="' + name + '"]');
      select.value = params.get(name) || "";
      if (params.get(name)) $("filters").open = true;
    }
    const list = $("results");
    list.replaceChildren();
    $("search-pager").replaceChildren();
    document.title = q ? q + " · " + PAGE_TITLE : PAGE_TITLE;
    $("hint").hidden = Boolean(q);
    $("timeline-link").hidden = true;
    $("regions-link").hidden = true;
    if (!q) { setStatus(""); list.dataset.state = "idle"; return; }
    list.dataset.state = "loading";
    setStatus("正在搜索…");
    const query = new URLSearchParams(params);
    query.set("k", String(SEARCH_PAGE));
    query.set("script", state.script);
    let data;
    try {
      data = await api("/api/search?" + query.toString());
    } catch (error) {
      list.dataset.state = "error";
      showError(error);
      return;
    }
    $("key-box").hidden = true;
    const filtered = data.filters; // what the filters left (null when unfiltered)
    if (filtered && filtered.documents === 0) {
      setStatus("没有文件符合这些筛选条件（共 " + filtered.total + " 份文件）：放宽或去掉筛选条件再试。", "empty");
    } else if (!data.results.length) {
      setStatus(filtered ? "在符合筛选条件的 " + filtered.documents + " 份文件中没有找到相关条款。去掉筛选条件再试。"
        : "没有找到相关条款。换个说法再试。", "empty");
    } else if (data.no_answer) {
      setStatus("没有找到可靠的答案：下面是最接近的条款，但它们很可能不回答这个问题。", "no-answer");
    } else if (data.offset || data.sort === "date") {
      setStatus((data.sort === "date" ? "按文件日期（新→旧）排列，" : "") + "第 " + (data.offset + 1) + "–" +
        (data.offset + data.results.length) + " 条，共 " + data.matches + " 条匹配（越往后越可能不相关，请看可信度）。");
    } else {
      setStatus("找到 " + data.results.length + " 条相关条款。");
    }
    if (data.results.length && data.synonyms && data.synonyms.length) {
      // say which synonyms were searched too, so a marked word the query lacks is explained
      $("status").textContent += "（同时检索了同义词：" + data.synonyms.join("、") + "）";
    }
    if (filtered && filtered.undated_left_out) { // never hide silently what a year filter cannot place
      $("status").append(el("span", { class: "undated" }, "年份筛选未包括 " + filtered.undated_left_out +
        " 份未注明年份的文件。"));
    }
    const found = data.understood && data.understood.found; // an article or a 施行 clause the query pointed to
    if (found && data.results.length) {
      $("status").append(el("span", { class: "understood" }, found === "article"
        ? "已按文件名「" + data.understood.name + "」定位第 " + data.understood.article + " 条。"
        : "已按文件名「" + data.understood.name + "」定位施行日期条款。"));
    }
    const disagree = data.disagreement; // the top answers state different figures: say so, show whose is whose
    if (disagree) {
      const said = disagree.results.map((r) => "第" + r.rank + "条 " + r.figures.join("、") + disagree.unit);
      $("status").append(el("span", { class: "disagree" }, "前几条答案的数字不一致（" + said.join("；") +
        "）：每条都标出了所属文件的日期和类型，可据此判断哪份较新。"));
    }
    const timelineLink = $("timeline-link"); // the same question over time, document by document
    timelineLink.hidden = !data.results.length;
    timelineLink.setAttribute("href", "#/timeline?" + new URLSearchParams({ q }).toString());
    const regionsLink = $("regions-link"); // the national clause beside each local measure's
    regionsLink.hidden = !data.results.length;
    regionsLink.setAttribute("href", "#/regions?" + new URLSearchParams({ q }).toString());
    list.classList.toggle("weak", data.no_answer);
    list.replaceChildren(...data.results.map((r) => card(r, Boolean(disagree) || data.sort === "date")));
    const page = (offset) => { const next = new URLSearchParams(params); if (offset) next.set("offset", offset); else next.delete("offset"); return "#" + next.toString(); };
    const pager = [];
    if (data.offset > 0) pager.push(el("a", { href: page(Math.max(0, data.offset - SEARCH_PAGE)), rel: "prev" }, "← 上一页"));
    if (data.offset + data.results.length < data.matches) pager.push(el("a", { href: page(data.offset + SEARCH_PAGE), rel: "next" }, "下一页 →"));
    $("search-pager").replaceChildren(...pager);
    list.dataset.state = "done";
  }

  const SEP = "\u241f"; // joins section-path entries into one attribute value

  function outlineTree(nodes, documentId, path) {
    if (!nodes.length) return null;
    return el("ul", {}, nodes.map((node) => el("li", {},
      el("a", { href: readerLink(node.clause_id, documentId), "data-clause-id": node.clause_id,
        "data-path": path.concat(node.title).join(SEP) }, node.title),
      outlineTree(node.children, documentId, path.concat(node.title)))));
  }

  /** 复制引用 and 复制链接 for the marked clause, placed right after it. */
  function clauseActions(clause) {
    const cite = citeButton(clause.id, clause.citation);
    const link = el("button", { type: "button", class: "copy-link", title: "复制这一条款的链接（注明文件版本）" }, "复制链接");
    const version = state.document && state.document.version;
    link.addEventListener("click", () => copy(location.origin + location.pathname +
      readerLink(clause.id, clause.document_id, version), link));
    return el("div", { class: "actions clause-actions", id: "clause-actions", "data-clause-id": clause.id }, cite, link);
  }

  function markClause(clauseId) {
    const article = $("document");
    for (const old of article.querySelectorAll(".target")) { old.classList.remove("target"); old.removeAttribute("aria-current"); }
    for (const old of $("outline").querySelectorAll(".current")) old.classList.remove("current");
    for (const old of [$("clause-actions"), $("clause-references")]) if (old) old.remove();
    const d = state.document;
    const target = clauseId && document.getElementById("c-" + clauseId);
    const clause = target && state.clauses.get(clauseId);
    const docTitle = d ? "《" + (d.title || d.file) + "》" : null;
    document.title = [clause ? clauseName(clause.citation) : null, docTitle, PAGE_TITLE].filter(Boolean).join(" · ");
    if (!target) return;
    target.classList.add("target");
    target.setAttribute("aria-current", "true");
    if (clause) target.after(clauseActions(clause));
    if (clause) showReferences(clause);
    target.scrollIntoView({ block: "center" });
    // the clause's own heading and every section it sits in
    const path = target.dataset.path;
    for (const entry of $("outline").querySelectorAll("a[data-path]")) {
      const p = entry.dataset.path;
      if (entry.dataset.clauseId === clauseId || path === p || path.startsWith(p + SEP)) entry.classList.add("current");
    }
  }

  /** 「第十五条第2款第3项」, 「《档案法》第八条」: where a reference points (its document named when it is another). */
  function linkText(target, documentId, paragraph, item) {
    const doc = target.document_id === documentId ? "" : "《" + (target.title || "另一文件") + "》";
    return doc + (target.label || "条款") + (paragraph ? "第" + paragraph + "款" : "") + (item ? "第" + item + "项" : "");
  }

  /** Under the marked clause: what it cites (linked, or said to be unresolved) and what cites it (被引用). */
  async function showReferences(clause) {
    let data;
    try {
      data = await api("/api/clauses/" + encodeURIComponent(clause.id) + "?script=" + state.script);
    } catch (error) {
      return; // the clause is on the page already; its links are extra
    }
    const bar = $("clause-actions");
    if (!bar || bar.dataset.clauseId !== clause.id || $("clause-references")) return; // another clause is marked now
    const go = (t, paragraph, item) => el("a", { href: readerLink(t.clause_id, t.document_id) },
      linkText(t, clause.document_id, paragraph, item));
    const outgoing = data.references.map((r) => el("li", {}, "「" + r.text + "」 → ",
      r.target ? go(r.target, r.paragraph, r.item)
        : el("span", { class: "unresolved" }, "未解析" + (r.target_document ? "（《" + r.target_document + "》不在索引中或无法确定）" : ""))));
    const incoming = data.cited_by.map((c) => el("li", {}, go(c.source), "：「" + c.text + "」"));
    if (!outgoing.length && !incoming.length) return;
    bar.after(el("aside", { id: "clause-references", class: "clause-references" },
      outgoing.length ? [el("h3", {}, "本条引用"), el("ul", { class: "references" }, outgoing)] : null,
      incoming.length ? [el("h3", {}, "被引用"), el("ul", { class: "cited-by" }, incoming)] : null));
  }

  async function showDocument(params) {
    const documentId = params.get("doc");
    const clauseId = params.get("clause");
    const key = documentId + "|" + state.script;
    const article = $("document");
    if (state.doc !== key) {
      article.dataset.state = "loading";
      state.document = null;
      state.clauses = new Map();
      article.replaceChildren(el("p", {}, "正在打开文件…"));
      $("outline").replaceChildren();
      let data;
      try {
        data = await api("/api/documents/" + encodeURIComponent(documentId) + "?script=" + state.script);
      } catch (error) {
        article.dataset.state = "error";
        article.replaceChildren(el("p", { class: "status error" }, error.message));
        // a permalink to a document no longer in the index: the clause's text as cited, if it is kept
        if (clauseId && params.get("v")) await versionNote(clauseId, params.get("v"));
        return;
      }
      const d = data.document;
      article.replaceChildren(
        el("header", {},
          el("h1", {}, d.title || d.file),
          el("p", { class: "doc-meta" }, [d.doc_number, d.date || yearText(d.year, d.year_source), d.issuer, d.doc_type, d.file].filter(Boolean).join(" · ")),
          sourceNote(d), relationsNote(d.id, data.relations || [])),
        ...data.clauses.map((c) => el("p", {
          id: "c-" + c.id, class: "clause kind-" + c.kind + " depth-" + Math.min(c.depth, 4),
          "data-path": c.section_path.join(SEP),
          title: citationLine(c.citation) + "（" + sourceText(c.citation) + "）",
        }, ocrMarked(c.text, c.char_confidence))));
      $("outline").replaceChildren(el("h2", {}, "目录"), outlineTree(data.outline, documentId, []) || el("p", {}, "（无目录）"));
      state.doc = key;
      state.document = d;
      state.clauses = new Map(data.clauses.map((c) => [c.id, c]));
      article.dataset.state = "done";
    }
    const version = params.get("v");
    const current = state.document && state.document.version;
    if (clauseId && current && !version) { // the address names the version it shows, so it can be shared as is
      history.replaceState(null, "", readerLink(clauseId, documentId, current));
    }
    const old = $("version-note");
    if (old) old.remove();
    markClause(clauseId);
    if (clauseId && version && current && version !== current) await versionNote(clauseId, version);
  }

  /** What the reader's document is to others (GET /api/documents/{id} `relations`): 「新版本：《…》」,
   * 「被《…》取代」, each a link to the other document, its evidence and confidence in the tooltip. */
  const RELATION_TEXT = {
    newer_version: ["新版本：", ""], older_version: ["旧版本：", ""], replaced_by: ["被", "取代"],
    replaces: ["取代", ""], implements: ["实施", ""], implemented_by: ["实施办法：", ""],
    next_in_series: ["下一期：", ""], previous_in_series: ["上一期：", ""],
    other_version: ["另一版本（先后未定）：", ""], same_series: ["同一系列（先后未定）：", ""],
  };
  const OLDER_HERE = new Set(["newer_version", "replaced_by", "other_version"]);
  const NEWER_HERE = new Set(["older_version", "replaces"]);
  function relationsNote(documentId, relations) {
    if (!relations.length) return null;
    return el("ul", { class: "doc-relations", "aria-label": "相关文件" }, relations.map((r) => {
      const [before, after] = RELATION_TEXT[r.role] || ["相关：", ""];
      const name = "《" + (r.title || "未注明标题") + "》" + (r.date ? "（" + r.date + "）" : "");
      const target = r.document_id
        ? el("a", { href: "#" + new URLSearchParams({ doc: r.document_id }).toString(), "data-document-id": r.document_id }, name)
        : el("span", { class: "not-indexed" }, name + "（未收入）");
      const version = r.implemented_version
        ? "，所据版本：" + r.implemented_version + (r.implemented_version_held ? "" : "（未收入，链接为另一版本）")
        : (r.role === "implements" ? "，所据版本无法判定" : "");
      // a version or a replacement: 新旧对照 of the two, older first
      const pair = !r.document_id ? null : OLDER_HERE.has(r.role) ? [documentId, r.document_id]
        : NEWER_HERE.has(r.role) ? [r.document_id, documentId] : null;
      const compare = pair ? el("a", { class: "compare-link", href: "#/compare?" + new URLSearchParams({ a: pair[0], b: pair[1] }).toString() }, "新旧对照") : null;
      return el("li", { "data-role": r.role, title: r.evidence + "（可信度 " + r.confidence + (r.inferred ? "，推断" : "") + "）" },
        before, target, after, version, r.inferred ? el("span", { class: "inferred" }, "（推断）") : null,
        compare ? " · " : null, compare);
    }));
  }

  const VERSION_TEXT = {
    changed: (v) => "此链接引用的是本文件较早的版本（" + v + "），这一条款此后已修改。下面先列出引用时的原文；标出的是现行条文。",
    unchanged: (v) => "此链接生成后（版本 " + v + "）文件有更新，但这一条款的文字没有变。",
    removed: (v) => "这一条款已不在现行文件中（此链接引用的是版本 " + v + "）。引用时的原文如下。",
    unknown: (v) => "此链接引用的文件版本（" + v + "）不在索引中，无法核对这一条款是否改过：标出的是现行条文，引用前请核对。",
  };

  /** Above the marked clause: what became of it since the version the link cites, with the text as cited. */
  async function versionNote(clauseId, version) {
    let check;
    try {
      check = (await api("/api/clauses/" + encodeURIComponent(clauseId) + "?" +
        new URLSearchParams({ version, script: state.script }).toString())).version;
    } catch (error) { // 404: the clause is gone; the index may still hold its text as cited
      check = error.detail && error.detail.version;
      if (!check) check = { status: "unknown", requested: version, cited: null };
    }
    if (!check || check.status === "current" || $("version-note")) return;
    const cited = check.cited && check.status !== "unchanged" ? check.cited : null;
    const target = document.getElementById("c-" + clauseId);
    if (!target && !cited) return; // nothing to show beside what the page already says
    const note = el("aside", { id: "version-note", class: "version-note", role: "note", "data-status": check.status },
      el("p", {}, VERSION_TEXT[check.status](check.requested)),
      cited ? el("p", { class: "cited-label" }, "引用时的原文（" + citationLine(cited) +
        "，" + cited.file + " 第" + span(cited.line_start, cited.line_end) + "行）：") : null,
      cited ? el("blockquote", { class: "cited-text" }, cited.text) : null);
    const header = $("document").querySelector("header");
    if (target) target.before(note);
    else if (header) header.after(note);
    else $("document").append(note);
    note.scrollIntoView({ block: "start" });
  }

  // -- the document list ------------------------------------------------------------------------

  const LIST_FACETS = [["issuers", "issuer", "发文机关"], ["doc_types", "doc_type", "文件类型"],
    ["years", "year", "年份"], ["statuses", "status", "状态"]];
  const LIST_PAGE = 50;

  function listHash(params, changes) {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes || {})) {
      if (value === null || value === "") next.delete(name); else next.set(name, value);
    }
    const text = next.toString();
    return "#/documents" + (text ? "?" + text : "");
  }

  /** A value the document does not state shows as 未注明: never guessed. */
  function metaSpan(field, label, value) {
    return el("span", { "data-field": field, class: value ? null : "unknown-value" }, label + "：" + (value || "未注明"));
  }

  function documentItem(d) {
    const when = d.date || yearText(d.year, d.year_source);
    return el("li", { class: "doc-item", "data-document-id": d.id },
      el("a", { class: "doc-title", href: "#" + new URLSearchParams({ doc: d.id }).toString() }, d.title || d.file),
      el("p", { class: "doc-meta" },
        metaSpan("doc_number", "文号", d.doc_number), metaSpan("date", "日期", when), metaSpan("issuer", "发文机关", d.issuer),
        metaSpan("doc_type", "类型", d.doc_type), metaSpan("status", "状态", d.status),
        el("span", { "data-field": "clause_count" }, d.clause_count + " 条"),
        d.superseded_in_corpus ? el("span", { "data-field": "superseded_by", class: "superseded" }, "库中已有新版本或替代文件：",
          (d.superseded_by || []).flatMap((n, k) => [k ? "、" : null, el("a", { href: "#" + new URLSearchParams({ doc: n.id }).toString() },
            "《" + (n.title || n.id) + "》" + (n.date ? "（" + n.date + "）" : ""))])) : null));
  }

  function facetGroup(rows, param, label, params) {
    const chosen = params.get(param);
    return el("section", { class: "facet", "data-facet": param },
      el("h2", {}, label),
      el("ul", {}, rows.map((row) => {
        if (row.value === null) return el("li", { class: "unknown" }, "未注明（" + row.count + "）");
        const value = String(row.value);
        const selected = chosen === value;
        return el("li", {}, el("a", {
          href: listHash(params, { [param]: selected ? null : value, offset: null }), class: selected ? "selected" : null,
          "aria-pressed": String(selected), "data-value": value,
        }, (param === "year" ? value + "年" : value) + "（" + row.count + "）"));
      })));
  }

  async function showDocuments(params) {
    document.title = "文件列表 · " + PAGE_TITLE;
    const list = $("document-list");
    const status = $("list-status");
    const offset = Math.max(0, parseInt(params.get("offset") || "0", 10) || 0);
    const sort = params.get("sort") || "index";
    $("d-sort").value = sort;
    const query = new URLSearchParams({ script: state.script, sort, offset: String(offset), limit: String(LIST_PAGE) });
    for (const name of ["issuer", "doc_type", "status"]) if (params.get(name)) query.set(name, params.get(name));
    if (params.get("year")) { query.set("year_from", params.get("year")); query.set("year_to", params.get("year")); }
    list.dataset.state = "loading";
    status.className = "status";
    status.textContent = "正在读取文件列表…";
    let data;
    try {
      data = await api("/api/documents?" + query.toString());
    } catch (error) {
      list.dataset.state = "error";
      list.replaceChildren();
      status.className = "status error";
      status.textContent = error.message;
      return;
    }
    const filtered = LIST_FACETS.some(([, param]) => params.get(param));
    const shown = data.documents.length ? "，这里是第 " + (offset + 1) + "–" + (offset + data.documents.length) + " 份" : "";
    status.textContent = filtered
      ? "符合条件的文件 " + data.matched + " 份（共 " + data.total + " 份）" + shown + "。"
      : "共 " + data.total + " 份文件" + shown + "。";
    if (!data.documents.length) status.textContent += filtered ? "去掉一些筛选条件再试。" : "";
    const groups = LIST_FACETS.map(([name, param, label]) => facetGroup(data.facets[name] || [], param, label, params));
    if (filtered) groups.unshift(el("p", { class: "clear" }, el("a", { href: listHash({ sort: params.get("sort") || "" }) }, "清除筛选")));
    $("facets").replaceChildren(...groups);
    list.replaceChildren(...data.documents.map(documentItem));
    const pager = [];
    if (offset > 0) pager.push(el("a", { href: listHash(params, { offset: offset - LIST_PAGE > 0 ? offset - LIST_PAGE : null }), rel: "prev" }, "← 上一页"));
    if (offset + data.documents.length < data.matched) pager.push(el("a", { href: listHash(params, { offset: offset + LIST_PAGE }), rel: "next" }, "下一页 →"));
    $("list-pager").replaceChildren(...pager);
    list.dataset.state = "done";
  }

  const PAIR_KINDS = { unchanged: "未改", changed: "修改", added: "新增", removed: "删除", moved: "移动", split: "拆分", merged: "合并" };

  /** The numbers of one side of a pair, each a link to the clause in its document's reader view. */
  function pairLabels(clauses, documentId) {
    if (!clauses.length) return "—";
    return clauses.flatMap((c, k) => [k ? "＋" : null,
      el("a", { href: "#doc=" + encodeURIComponent(documentId) + "&clause=" + encodeURIComponent(c.id) }, c.label || c.id)]);
  }

  /** One aligned pair: its kind, the numbers on either side and the redline as <del>/<ins> text nodes. */
  function pairItem(p, data) {
    const text = p.redline.map((s) => s.op === "delete" ? el("del", {}, s.text) : s.op === "insert" ? el("ins", {}, s.text) : s.text);
    return el("li", { class: "kind-" + p.kind, "data-kind": p.kind },
      el("p", { class: "pair-head" }, el("span", { class: "pair-kind" }, PAIR_KINDS[p.kind] || p.kind),
        pairLabels(p.a, data.a.id), " → ", pairLabels(p.b, data.b.id),
        p.a.length && p.b.length ? "（相似度 " + p.similarity.toFixed(2) + "）" : ""),
      el("p", { class: "pair-text" }, text));
  }

  async function showCompare(params) {
    const a = params.get("a") || "", b = params.get("b") || "";
    const status = $("compare-status"), pairs = $("compare-pairs");
    document.title = "新旧对照 · " + PAGE_TITLE;
    $("compare-back").setAttribute("href", "#doc=" + encodeURIComponent(a));
    $("compare-title").textContent = "新旧对照";
    $("compare-counts").replaceChildren();
    pairs.replaceChildren();
    pairs.dataset.state = "loading";
    status.className = "status";
    status.textContent = "正在对照…";
    let data;
    try {
      data = await api("/api/compare?" + new URLSearchParams({ a, b }).toString());
    } catch (error) {
      pairs.dataset.state = "error";
      status.className = "status error";
      status.textContent = error.message;
      return;
    }
    const name = (d) => (d.title || d.file) + (d.date ? "（" + d.date + "）" : "");
    $("compare-title").textContent = "新旧对照：" + name(data.a) + " → " + name(data.b);
    status.textContent = data.numbered_alike ? "按条文序号对齐。" : "按条文内容对齐（序号不同的 " + data.renumbered + " 对已按新序号对应）。";
    $("compare-counts").replaceChildren(...Object.entries(data.counts).map(([kind, n]) => el("span", { "data-kind": kind }, (PAIR_KINDS[kind] || kind) + " " + n)));
    pairs.replaceChildren(...data.pairs.map((p) => pairItem(p, data)));
    pairs.dataset.state = "done";
  }

  /** One row of a timeline: when (日期不详 when unknown, 据…推断 when inferred), the document, its clause with the
      search's highlights (text nodes and <mark>), the figures it states and what changed from the row before. */
  function timelineRow(row) {
    const c = row.clause.citation;
    const figures = row.quantities.length
      ? row.quantities.map((q) => el("span", { class: "figure", "data-unit": q.unit, "data-value": q.value, title: q.context || q.text },
          ({ at_least: "≥", at_most: "≤" }[q.bound] || "") + q.figure))
      : [el("span", { class: "none" }, "未写明数字")];
    let changes = null;
    if (row.changes) {
      changes = el("p", { class: "changes" }, "与上一行相比：", row.changes.length
        ? row.changes.map((ch, i) => [i ? "；" : "", el("span", { "data-unit": ch.unit, "data-kind": ch.kind }, ch.text)])
        : "两行都未写明数字");
    } else if (!row.when.known) {
      changes = el("p", { class: "changes" }, "日期不详，不与其他行比较先后。");
    }
    const when = row.when.known ? row.when.label : "日期不详";
    return el("li", { class: "timeline-row", "data-document-id": row.document_id, "data-known": String(row.when.known) },
      el("p", { class: "cite" }, el("span", { class: "when", title: row.when.source_text ? "依据：" + row.when.source_text : null }, when),
        el("a", { href: readerLink(row.clause.id, row.document_id) }, citationLine(c))),
      el("p", { class: "text" }, markedText(row.clause.text, row.clause.highlights)),
      el("p", { class: "figures" }, "数字：", figures),
      changes);
  }

  async function showTimeline(params) {
    const q = (params.get("q") || "").trim();
    const status = $("timeline-status"), rows = $("timeline-rows");
    document.title = "时间线 · " + (q ? q + " · " : "") + PAGE_TITLE;
    $("timeline-title").textContent = q ? "时间线：" + q : "时间线";
    $("timeline-back").setAttribute("href", "#" + new URLSearchParams({ q }).toString());
    rows.replaceChildren();
    rows.dataset.state = "loading";
    status.className = "status";
    status.textContent = "正在查找各文件的规定…";
    let data;
    try {
      const query = new URLSearchParams({ q, script: state.script });
      if (params.get("mode")) query.set("mode", params.get("mode")); // #/timeline?q=…&mode=lexical, as /api/timeline takes it
      data = await api("/api/timeline?" + query.toString());
    } catch (error) {
      rows.dataset.state = "error";
      status.className = "status error";
      status.textContent = error.message;
      return;
    }
    if (data.no_answer) {
      status.className = "status no-answer";
      status.textContent = "没有找到可靠的答案，无法列出时间线。换个说法再试。";
    } else {
      const undated = data.rows.filter((r) => !r.when.known).length;
      status.textContent = data.rows.length + " 份文件回答了这个问题，按文件日期从旧到新排列" +
        (undated ? "；" + undated + " 份日期不详，列在最后" : "") + "。推断的年份注明了依据。";
    }
    rows.replaceChildren(...data.rows.map(timelineRow));
    rows.dataset.state = "done";
  }

  /** One document beside the question: its level and date, how it relates to the national document, its closest
      clause (text nodes and <mark>, opening in the reader) or a note that none answers, and its next answering clauses. */
  function regionRow(row) {
    const when = row.when.known ? row.when.label : "日期不详";
    const parts = [el("p", { class: "cite" }, el("span", { class: "when" }, when), " ",
      el("span", { class: "level", title: row.level.text ? "依据：" + row.level.text : null }, row.level.label), " ",
      el("b", {}, "《" + (row.title || row.document_id) + "》"))];
    if (row.role === "implements") {
      const version = row.implemented_version ? "所据为 " + row.implemented_version + " 的版本" : "所据版本无法判定";
      const held = row.implemented_version_held === true ? "（在索引中）" : row.implemented_version_held === false ? "（不在索引中）" : "";
      parts.push(el("p", { class: "implements", title: row.evidence || null }, "实施该文件；" + version + held));
    } else if (row.role === "implemented_version") {
      parts.push(el("p", { class: "implements" }, "另一版本（有地方文件实施此版本）"));
    }
    if (row.clause) {
      parts.push(el("p", {}, el("a", { href: readerLink(row.clause.id, row.document_id) }, citationLine(row.clause.citation))));
      parts.push(el("p", { class: "text" }, markedText(row.clause.text, row.clause.highlights)));
      if (row.others.length) {
        parts.push(el("p", { class: "others" }, "其他相关条款：", row.others.map((o, i) =>
          [i ? "、" : "", el("a", { href: readerLink(o.id, row.document_id) }, o.label || o.id)])));
      }
    } else {
      parts.push(el("p", { class: "none" }, "未找到回答这个问题的条款。"));
    }
    return el("li", { class: "region-row", "data-role": row.role, "data-level": row.level.level || "",
      "data-document-id": row.document_id }, parts);
  }

  async function showRegions(params) {
    const q = (params.get("q") || "").trim();
    const status = $("regions-status"), groups = $("regions-groups");
    document.title = "中央与地方对照 · " + (q ? q + " · " : "") + PAGE_TITLE;
    $("regions-title").textContent = q ? "中央与地方对照：" + q : "中央与地方对照";
    $("regions-back").setAttribute("href", "#" + new URLSearchParams({ q }).toString());
    groups.replaceChildren();
    groups.dataset.state = "loading";
    status.className = "status";
    status.textContent = "正在查找全国性文件和实施它的地方文件…";
    let data;
    try {
      const query = new URLSearchParams({ q, script: state.script });
      for (const name of ["mode", "document"]) if (params.get(name)) query.set(name, params.get(name));
      data = await api("/api/compare/regions?" + query.toString());
    } catch (error) {
      groups.dataset.state = "error";
      status.className = "status error";
      status.textContent = error.message;
      return;
    }
    if (!data.national) {
      status.className = "status no-answer";
      status.textContent = data.no_answer ? "没有找到可靠的答案。换个说法再试。" : "没有全国性文件回答这个问题。";
    } else if (!data.implementing) {
      status.textContent = "索引中没有实施《" + (data.national.title || data.national.document_id) + "》的文件。";
    } else {
      status.textContent = "索引中有 " + data.implementing + " 份文件实施《" + (data.national.title || data.national.document_id) +
        "》，其中 " + data.answering + " 份有回答这个问题的条款。按发布机关级别排列。";
    }
    const group = (g) => el("section", { class: "region-group", "data-level": g.level || "" },
      el("h2", {}, g.label), el("ol", {}, g.rows.map(regionRow)));
    const local = (g) => ["省", "市", "县"].includes(g.level); // side by side: national on the left, local on the right
    groups.replaceChildren(el("div", { class: "side national-side" }, data.groups.filter((g) => !local(g)).map(group)),
      el("div", { class: "side local-side" }, data.groups.filter(local).map(group)));
    groups.dataset.state = "done";
  }

  /** The reader's 「对照…」 choice: every other document of the index. */
  async function fillComparePick(documentId) {
    const select = $("compare-with");
    if (select.dataset.for === documentId) return;
    select.dataset.for = documentId;
    select.replaceChildren(el("option", { value: "" }, "选择另一份文件"));
    let data;
    try { data = await api("/api/documents?sort=title&script=" + state.script); } catch (_) { return; }
    select.append(...data.documents.filter((d) => d.id !== documentId)
      .map((d) => el("option", { value: d.id }, (d.title || d.file) + (d.date ? "（" + d.date + "）" : ""))));
  }

  function route() {
    const hash = location.hash.slice(1);
    const listing = hash.startsWith("/documents");
    const comparing = hash.startsWith("/compare");
    const timing = hash.startsWith("/timeline");
    const regional = hash.startsWith("/regions");
    const params = new URLSearchParams(listing || comparing || timing || regional ? hash.split("?")[1] || "" : hash);
    const reading = !listing && !comparing && !timing && !regional && params.has("doc");
    document.body.dataset.view = listing ? "documents" : comparing ? "compare" : timing ? "timeline"
      : regional ? "regions" : reading ? "reader" : "search";
    $("search-view").hidden = listing || reading || comparing || timing || regional;
    $("documents-view").hidden = !listing;
    $("reader-view").hidden = !reading;
    $("compare-view").hidden = !comparing;
    $("timeline-view").hidden = !timing;
    $("regions-view").hidden = !regional;
    if (comparing) {
      state.back = { hash: location.hash, label: "← 返回对照" };
      return showCompare(params);
    }
    if (timing) {
      state.back = { hash: location.hash, label: "← 返回时间线" };
      return showTimeline(params);
    }
    if (regional) {
      state.back = { hash: location.hash, label: "← 返回中央与地方对照" };
      return showRegions(params);
    }
    if (reading) {
      $("back").textContent = state.back.label;
      fillComparePick(params.get("doc"));
      return showDocument(params);
    }
    state.back = { hash: location.hash, label: listing ? "← 返回文件列表" : "← 返回搜索结果" };
    return listing ? showDocuments(params) : runSearch(params);
  }

  function setScript(script) {
    state.script = script;
    localStorage.setItem("policykb-script", script);
    for (const button of document.querySelectorAll("[data-script]")) {
      button.setAttribute("aria-pressed", String(button.dataset.script === script));
    }
  }

  /** The year as the page shows it: 「2009年（据文号推断）」 when it is not the stated date's. */
  function yearText(year, source, flat) {
    if (year === null || year === undefined) return null;
    const from = { doc_number: "据文号推断", title: "据标题推断" }[source && source.field];
    if (!(source && source.inferred && from)) return year + "年";
    return year + "年" + (flat ? "，" + from : "（" + from + "）");
  }

  /** 文件 menu labels: the title, and for titles that several documents share, what tells them apart. */
  function documentLabels(documents) {
    const key = (d) => (d.title || d.file).replace(/[\s\u2010-\u2015\u2212\uff0d-]/g, "-");
    const count = {};
    for (const d of documents) count[key(d)] = (count[key(d)] || 0) + 1;
    const labels = new Map(documents.map((d) => {
      const title = d.title || d.file;
      if (count[key(d)] === 1) return [d.id, title];
      const which = d.date || d.doc_number || yearText(d.year, d.year_source, true) || d.issuer || d.file;
      return [d.id, title + "（" + which + "）"];
    }));
    const seen = {};
    for (const d of documents) seen[labels.get(d.id)] = (seen[labels.get(d.id)] || 0) + 1;
    for (const d of documents) { // still alike: the file and line tell them apart
      if (seen[labels.get(d.id)] > 1) labels.set(d.id, labels.get(d.id).replace(/）$/, "，" + d.file + " 第" + d.line_start + "行）"));
    }
    return (item) => labels.get(item.value);
  }

  async function loadFacets() {
    let data;
    try { data = await api("/api/documents?script=" + state.script); } catch (_) { return; } // search reports the error
    const fill = (id, items, label) => {
      const select = $(id);
      const current = select.value;
      select.replaceChildren(select.options[0]); // 全部 / 不限 stays; the rest follows the script
      for (const item of items) select.append(el("option", { value: item.value }, label(item)));
      select.value = current;
    };
    fill("f-document", data.documents.map((d) => ({ value: d.id, d })), documentLabels(data.documents));
    const known = (rows) => rows.filter((r) => r.value !== null);
    fill("f-issuer", known(data.facets.issuers), (r) => r.value + "（" + r.count + "）");
    fill("f-doc-type", known(data.facets.doc_types), (r) => r.value + "（" + r.count + "）");
    const years = known(data.facets.years).slice().sort((a, b) => a.value - b.value);
    fill("f-year-from", years, (r) => String(r.value));
    fill("f-year-to", years, (r) => String(r.value));
  }

  function search() {
    const params = new URLSearchParams({ q: $("q").value.trim(), ...filterParams() });
    const hash = "#" + params.toString();
    if (location.hash === hash) route(); else location.hash = hash;
  }

  document.addEventListener("DOMContentLoaded", () => {
    setScript(state.script);
    $("search-form").addEventListener("submit", (event) => { event.preventDefault(); search(); });
    for (const select of document.querySelectorAll("[data-param]")) {
      select.addEventListener("change", () => { if ($("q").value.trim()) search(); });
    }
    for (const button of document.querySelectorAll("[data-script]")) {
      button.addEventListener("click", () => { setScript(button.dataset.script); loadFacets(); route(); });
    }
    $("back").addEventListener("click", (event) => {
      event.preventDefault();
      location.hash = state.back.hash || "";
    });
    $("save-key").addEventListener("click", () => {
      sessionStorage.setItem("policykb-key", $("api-key").value.trim());
      loadFacets();
      route();
    });
    document.addEventListener("keydown", (event) => {
      const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        $("q").focus();
        $("q").select();
      }
    });
    $("d-sort").addEventListener("change", () => {
      const hash = location.hash.slice(1);
      location.hash = listHash(new URLSearchParams(hash.split("?")[1] || ""), { sort: $("d-sort").value, offset: null });
    });
    $("compare-with").addEventListener("change", (event) => {
      const other = event.target.value;
      if (other) location.hash = "#/compare?" + new URLSearchParams({ a: event.target.dataset.for, b: other }).toString();
    });
    window.addEventListener("hashchange", route);
    loadFacets().then(route);
  });
})();
