/* policykb export buttons: the shown search results (or the ticked ones) and the open document,
   downloaded from /api/export as Word, Excel, CSV, Markdown, RIS, BibTeX or CSL-JSON; and on each
   card 复制规范引用, which copies the clause's 法学引注手册 citation and its document's GB/T 7714
   entry from /api/citations.
   Reads what it exports from the page (the cards' clause ids, the query, the #doc= of the
   reader), so app.js needs no change; text is set with textContent only. */
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);

  function headers() {
    const key = sessionStorage.getItem("policykb-key") || "";
    return key ? { Authorization: "Bearer " + key } : {};
  }

  /** GB/T 7714—2015 type of an online entry: A ([A/OL]) or EB ([EB/OL]); one choice for every bar, kept. */
  function onlineType() { return localStorage.getItem("policykb-online-type") === "EB" ? "EB" : "A"; }

  function cards() { return Array.from($("results").querySelectorAll("li.card[data-clause-id]")); }
  function ticked() { return cards().filter((c) => c.querySelector(".pick input:checked")); }

  /** The /api/export query for a bar: the ticked or shown results with the question, or the open document. */
  function exportParams(bar, format) {
    const params = new URLSearchParams({ format: format, online_type: onlineType() });
    if (bar.dataset.export === "document") {
      const doc = new URLSearchParams(location.hash.slice(1)).get("doc");
      if (!doc) return null;
      params.set("document", doc);
      return params;
    }
    const chosen = ticked().length ? ticked() : cards();
    if (!chosen.length) return null;
    for (const c of chosen) params.append("id", c.dataset.clauseId);
    const q = $("q").value.trim();
    if (q) params.set("q", q);
    return params;
  }

  function fileName(response, format) {
    const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : "policykb." + format;
  }

  async function download(bar, button) {
    const status = bar.querySelector(".export-status");
    const params = exportParams(bar, button.dataset.format);
    if (!params) { status.textContent = "没有可导出的条款。"; return; }
    status.textContent = "正在导出…";
    let response;
    try {
      response = await fetch("/api/export?" + params.toString(), { headers: headers() });
    } catch (_) {
      status.textContent = "无法连接 policykb 服务：请确认服务仍在运行。";
      return;
    }
    if (!response.ok) {
      let message = "导出失败（服务器返回 " + response.status + "）";
      try { message = (await response.json()).error.message || message; } catch (_) { /* not JSON */ }
      status.textContent = message;
      return;
    }
    const name = fileName(response, button.dataset.format);
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = "已导出 " + name;
    bar.dataset.exported = name; // what was downloaded, for tests
  }

  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (_) { // no clipboard API (plain http) or no permission: the old way
      const area = document.createElement("textarea");
      area.className = "offscreen";
      area.readOnly = true;
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
  }

  /** 「《…》第一部分（二）1.」 and, on the next line, the GB/T 7714—2015 entry of its document.
      `card` is a result card or the reader's marked clause: anything with data-clause-id. */
  async function copyCitation(card, button) {
    const label = button.dataset.label || (button.dataset.label = button.textContent);
    let body;
    try {
      const response = await fetch("/api/citations?" + new URLSearchParams({ id: card.dataset.clauseId, online_type: onlineType() }),
        { headers: headers() });
      body = await response.json();
      if (!response.ok) throw new Error((body.error && body.error.message) || String(response.status));
    } catch (error) {
      button.textContent = "复制失败";
      button.title = error.message;
      setTimeout(() => { button.textContent = label; }, 2000);
      return;
    }
    const c = body.citations[0];
    const text = c.legal + "\n" + c.gbt7714_2015;
    button.dataset.copied = text; // what was copied, for tests and for reading back
    button.title = text + "\n（" + c.locator + "，版本 " + c.version + "）";
    await copyText(text);
    button.textContent = "已复制";
    setTimeout(() => { button.textContent = label; }, 2000);
  }

  function formalButton(holder) {
    const cite = document.createElement("button");
    cite.type = "button";
    cite.className = "copy-formal";
    cite.textContent = "复制规范引用";
    cite.title = "复制法学引注手册格式的引用和 GB/T 7714—2015 参考文献条目";
    cite.addEventListener("click", () => copyCitation(holder, cite));
    return cite;
  }

  /** In the reader, 复制规范引用 joins the marked clause's 复制引用 and 复制链接 (app.js puts them after it). */
  function refreshReader() {
    const actions = $("clause-actions");
    if (!actions || actions.querySelector(".copy-formal")) return;
    const target = actions.previousElementSibling;
    if (!target || !target.id.startsWith("c-")) return;
    const holder = { dataset: { clauseId: target.id.slice(2) } };
    const copyButton = actions.querySelector(".copy");
    const cite = formalButton(holder);
    if (copyButton) copyButton.after(cite); else actions.appendChild(cite);
  }

  /** On each card: 复制规范引用 and a 选入导出 tick box; the bar's wording: all shown results, or the N ticked. */
  function refresh() {
    const bar = $("export-results");
    for (const card of cards()) {
      if (card.querySelector(".pick")) continue;
      const cite = formalButton(card);
      const box = document.createElement("input");
      box.type = "checkbox";
      box.addEventListener("change", refresh);
      const label = document.createElement("label");
      label.className = "pick";
      label.title = "勾选后，导出只含勾选的条款";
      label.append(box, "选入导出");
      const actions = card.querySelector(".actions") || card;
      const copyButton = actions.querySelector(".copy");
      if (copyButton) copyButton.after(cite); else actions.appendChild(cite);
      actions.appendChild(label);
    }
    const n = ticked().length;
    bar.hidden = cards().length === 0;
    bar.querySelector(".export-what").textContent = n ? "导出所选 " + n + " 条：" : "导出全部结果：";
  }

  document.addEventListener("DOMContentLoaded", () => {
    const choices = document.querySelectorAll(".export-online");
    for (const choice of choices) {
      choice.value = onlineType();
      choice.addEventListener("change", () => {
        localStorage.setItem("policykb-online-type", choice.value);
        for (const other of choices) other.value = choice.value;
      });
    }
    for (const bar of document.querySelectorAll(".export-bar")) {
      for (const button of bar.querySelectorAll("button[data-format]")) {
        button.addEventListener("click", () => download(bar, button));
      }
    }
    new MutationObserver(refresh).observe($("results"), { childList: true });
    new MutationObserver(refreshReader).observe($("document"), { childList: true, subtree: true });
    refresh();
  });
})();
