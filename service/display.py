"""The simplified/traditional display toggle: clause text shown in another script.

`script` is "original" (as written), "hans" (simplified, OpenCC t2s) or "hant"
(traditional, OpenCC s2t). Both convert characters only, never words (s2twp's Taiwan
phrasing turned 程序 into 程式 and 权限 into 許可權; docs/normalization.md measures the
configs). What a reader sees follows the script: clause text, highlights, and the
citation's title, issuer, 文号, section path and label, a document's metadata and
outline. File names, dates and line numbers stay as they are, and `script=original`
gives every value exactly as the source writes it.
Highlights are rebuilt on the converted text: each piece between marks is
converted on its own (conversion may change lengths), then escaped, so the HTML
still holds nothing but escaped text and <mark>.
"""

from __future__ import annotations

import html
from dataclasses import asdict, replace
from typing import Any

from policykb.service.citations.record import CitedClause, CitedDocument

SCRIPTS = ("original", "hans", "hant")


def convert(text: str, script: str) -> str:
    if script == "original" or not text:
        return text
    from policykb.text.normalize import to_simplified, to_traditional

    return to_simplified(text) if script == "hans" else to_traditional(text)


def highlight_in(text: str, spans: list[tuple[int, int]], script: str) -> tuple[str, list[tuple[int, int]], str]:
    """(converted text, its spans, escaped HTML with <mark>) for `text` with `spans` marked."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for start, end in spans:
        pieces.append((text[pos:start], False))
        pieces.append((text[start:end], True))
        pos = end
    pieces.append((text[pos:], False))
    out_text, out_spans, out_html = [], [], []
    length = 0
    for piece, marked in pieces:
        converted = convert(piece, script)
        if marked:
            out_spans.append((length, length + len(converted)))
            out_html.append(f"<mark>{html.escape(converted)}</mark>")
        else:
            out_html.append(html.escape(converted))
        out_text.append(converted)
        length += len(converted)
    return "".join(out_text), out_spans, "".join(out_html)


CITATION_TEXT = ("title", "issuer", "doc_number", "label")  # converted; file, date, lines are not
SUMMARY_TEXT = ("title", "issuer", "doc_number", "doc_type", "status")


def citation_for_display(citation: dict, script: str) -> dict:
    """A citation dict with its title, issuer, 文号, label and section path in `script`."""
    if script == "original":
        return citation
    return {**citation, **{k: convert(citation[k], script) for k in CITATION_TEXT if citation.get(k)},
            "section_path": [convert(p, script) for p in citation["section_path"]]}


def summary_for_display(summary: dict, script: str) -> dict:
    """A document summary (catalog.document_summary) with its text fields in `script`."""
    if script == "original":
        return summary
    newer = [{**d, "title": convert(d["title"], script) if d.get("title") else d.get("title")}
             for d in summary.get("superseded_by") or []]
    return {**summary, **{k: convert(summary[k], script) for k in SUMMARY_TEXT if summary.get(k)},
            **({"superseded_by": newer} if "superseded_by" in summary else {})}


def related_for_display(related, script: str) -> dict:
    """A RelatedDocument (search/relations.py) as a dict, its title and evidence in `script`."""
    out = asdict(related)
    if script != "original":
        out |= {k: convert(out[k], script) for k in ("title", "evidence") if out.get(k)}
    return out


def outline_for_display(nodes: list[dict], script: str) -> list[dict]:
    """Outline nodes (OutlineNode.as_dict) with their titles in `script`."""
    if script == "original":
        return nodes
    return [{**n, "title": convert(n["title"], script), "children": outline_for_display(n["children"], script)}
            for n in nodes]


def row_for_display(row: dict, script: str, fields: tuple[str, ...] = ("title", "issuer", "doc_type")) -> dict:
    """A timeline or regions row dict with its clause (a SearchResult dict, or None) and its `fields` in `script`."""
    if row.get("clause"):
        row["clause"] = result_for_display(row["clause"], script)
    for name in fields:
        if row[name]:
            row[name] = convert(row[name], script)
    return row


def result_for_display(result: dict, script: str) -> dict:
    """A search result dict (SearchResult.to_dict) with `text`, `highlights` and citations in `script`."""
    if script == "original":
        return result
    marks = result.get("highlights") or {"spans": [], "terms": []}
    text, spans, marked = highlight_in(result["text"], [tuple(s) for s in marks["spans"]], script)
    return {**result, "text": text,
            "highlights": {"spans": [list(s) for s in spans], "html": marked, "terms": marks["terms"]},
            "citation": citation_for_display(result["citation"], script),
            "also_in": [citation_for_display(c, script) for c in result.get("also_in", [])],
            "superseded_by": [{**d, "title": convert(d["title"], script) if d.get("title") else d.get("title")}
                              for d in result.get("superseded_by", [])],
            "document_type": convert(result["document_type"], script) if result.get("document_type") else None}


def cited_document_in(doc: CitedDocument, script: str) -> CitedDocument:
    """A citation record with its title, issuers, 文号, type and status in `script` (what an export
    made from the page's 简/繁 view cites); file, dates, URL and version stay as they are."""
    if script == "original":
        return doc
    text: dict[str, Any] = {k: convert(getattr(doc, k), script) for k in ("title", "doc_number", "doc_type", "status")
            if getattr(doc, k)}
    return replace(doc, issuers=tuple(convert(i, script) for i in doc.issuers), **text)


def cited_clause_in(clause: CitedClause, script: str, document: CitedDocument | None = None) -> CitedClause:
    """A clause's citation record with its text, label, heading and section path in `script` (pass
    `document`, already converted, to reuse it); lines, pages and paragraphs stay as they are."""
    if script == "original":
        return clause
    text: dict[str, Any] = {k: convert(getattr(clause, k), script) for k in ("label", "heading") if getattr(clause, k)}
    return replace(clause, document=document or cited_document_in(clause.document, script),
                   text=convert(clause.text, script),
                   section_path=tuple(convert(p, script) for p in clause.section_path), **text)
