/* policykb export buttons: the shown search results (or the ticked ones) and the open document,
   downloaded from /api/export as Word, Excel, CSV, Markdown, RIS, BibTeX or CSL-JSON, and a
   选入导出 tick box on each card. (复制引用, the clause's citation, is app.js's.)
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
    // the page's 原文/简/繁 choice (app.js keeps it): the file reads as the page shows it
    const params = new URLSearchParams({ format: format, online_type: onlineType(),
      script: localStorage.getItem("policykb-script") || "original" });
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

  /** On each card a 选入导出 tick box; the bar's wording: all shown results, or the N ticked. */
  function refresh() {
    const bar = $("export-results");
    for (const card of cards()) {
      if (card.querySelector(".pick")) continue;
      const box = document.createElement("input");
      box.type = "checkbox";
      box.addEventListener("change", refresh);
      const label = document.createElement("label");
      label.className = "pick";
      label.title = "勾选后，导出只含勾选的条款";
      label.append(box, "选入导出");
      (card.querySelector(".actions") || card).appendChild(label);
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
    refresh();
  });
})();
