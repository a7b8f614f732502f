"""Markdown: the question, each clause as a block quote with its citation, the references in GB/T 7714 order."""

from __future__ import annotations

from policykb.service.export.selection import Selection


def _quoted(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.splitlines())


def markdown_bytes(selection: Selection) -> bytes:
    lines = [f"# {selection.title}", ""]
    if selection.query:
        lines += [f"问题：{selection.query}", ""]
    lines += [f"共 {len(selection.clauses)} 条，引用日期 {selection.accessed.isoformat()}。", ""]
    for item in selection.clauses:
        lines += [_quoted(item.clause.text), "",
                  f"——{item.citations.legal}[{selection.reference_number(item)}]（{item.citations.locator}）", ""]
    lines += ["## 参考文献", ""]
    lines += [f"[{number}] {first.citations.gbt7714_2015}  " for number, first in selection.references()]
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")
