"""CSL-JSON items (type `legislation`) for Zotero, Pandoc and citeproc.

The 文号 is `number`, the 发文机关 `authority` (and the `author`s, as literal names, so
GB/T 7714 styles print them as 主要责任者), a stated date `issued`, the day of export
`accessed`, the clause's pinpoint (legal_style.pinpoint: its label within its section path)
`section`. `note` keeps what a checker needs: the document version, the file and lines
(pages for PDF), and a year inferred from the 文号 or title, said to be inferred.
"""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from policykb.service.citations.legal_style import pinpoint
from policykb.service.citations.record import CitedClause, CitedDocument, checker_note

REQUIRED = ("id", "type")  # the CSL-JSON schema's required properties of an item


def _date_parts(value: str) -> dict[str, Any]:
    return {"date-parts": [[int(p) for p in value.split("-")]]}


def csl_item(doc: CitedDocument, accessed: Date, clause: CitedClause | None = None) -> dict[str, Any]:
    """One CSL-JSON item for `doc` (or for `clause` of it); absent fields are left out."""
    item: dict[str, Any] = {"id": clause.clause_id if clause else doc.document_id, "type": "legislation",
                            "title": doc.title or doc.file, "language": "zh-CN"}
    if doc.issuers:
        item["author"] = [{"literal": name} for name in doc.issuers]
        item["authority"] = doc.issuer
    if doc.doc_number:
        item["number"] = doc.doc_number
    if doc.date:
        item["issued"] = _date_parts(doc.date)
    if doc.doc_type:
        item["genre"] = doc.doc_type
    if doc.status:
        item["status"] = doc.status
    if doc.url:
        item["URL"] = doc.url
    item["accessed"] = _date_parts(accessed.isoformat())
    if clause is not None:
        point = pinpoint(clause)
        if point:
            item["section"] = point
    item["note"] = checker_note(doc, clause)
    return item
