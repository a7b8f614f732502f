"""Markdown: the question, each clause as a block quote with its citation, the references in GB/T 7714 order.

Text from the corpus or the question is HTML-escaped (&, <, >): Markdown passes raw HTML through,
so a document holding 「<script>」 must not become a script where the file is rendered.
"""

from __future__ import annotations

import html

from policykb.service.export.selection import Selection


def _plain(text: str) -> str:
    return html.escape(text, quote=False)


def _quoted(text: str) -> str:
    return "\n".join("> " + _plain(line) if line else ">" for line in text.splitlines())


def markdown_bytes(selection: Selection) -> bytes:
    lines = [f"# {_plain(selection.title)}", ""]
    if selection.query:
        lines += [f"问题：{_plain(selection.query)}", ""]
    lines += [f"共 {len(selection.clauses)} 条，引用日期 {selection.accessed.isoformat()}。", ""]
    for item in selection.clauses:
        lines += [_quoted(item.clause.text), "",
                  f"——{_plain(item.citations.legal)}[{selection.reference_number(item)}]（{_plain(item.citations.locator)}）", ""]
    lines += ["## 参考文献", ""]
    lines += [f"[{number}] {_plain(first.citations.gbt7714_2015)}  " for number, first in selection.references()]
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")
