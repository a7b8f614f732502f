"""RIS records (EndNote, Zotero, NoteExpress), written with rispy.

Type STAT (statute: Zotero reads it as a 法律法规 item); AU the issuers, TI the title, IS the
文号, DA a stated date (RIS's YYYY/MM/DD/) and PY its year, Y2 the day of export, UR the URL,
SE the clause's pinpoint, N1 the checker's note (version, file and lines, an inferred year).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date as Date
from typing import Any

import rispy

from policykb.service.citations.legal_style import pinpoint
from policykb.service.citations.record import CitedClause, CitedDocument, checker_note


def ris_record(doc: CitedDocument, accessed: Date, clause: CitedClause | None = None) -> dict[str, Any]:
    """One record as rispy's field names; absent fields are left out."""
    record: dict[str, Any] = {"type_of_reference": "STAT", "title": doc.title or doc.file,
                              "id": clause.clause_id if clause else doc.document_id, "language": "zh-CN"}
    if doc.issuers:
        record["authors"] = list(doc.issuers)
    if doc.doc_number:
        record["number"] = doc.doc_number
    if doc.date:
        parts = doc.date.split("-")
        record["date"] = "/".join(parts + [""] * (3 - len(parts))) + "/"
        record["year"] = parts[0]
    if doc.url:
        record["urls"] = [doc.url]
    record["access_date"] = accessed.isoformat().replace("-", "/")
    if clause is not None and pinpoint(clause):
        record["section"] = pinpoint(clause)
    record["notes"] = [checker_note(doc, clause)]
    return record


class _RisWriter(rispy.RisWriter):
    """rispy's writer without its 「1.」 line before each record, which some importers take for a tag."""

    def set_header(self, count: int) -> str:
        return ""


def ris_text(records: Iterable[dict[str, Any]]) -> str:
    """The RIS file of these records."""
    return rispy.dumps(list(records), implementation=_RisWriter)
