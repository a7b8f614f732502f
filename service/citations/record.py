"""What a citation is made of: a document's stated metadata and, for a clause, where it is.

Built from the ingest records (`Document`, `Clause`) that the index store gives back, so
every format reads the same values. `version` names the document text that was quoted (the
first 12 hex digits of its content hash, index/history.py's `version_of`, the version a
permalink carries): a citation of a re-ingested, changed document shows another version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykb.index.history import version_of
from policykb.ingest.model import Clause, Document
from policykb.service.permalinks import reader_address

ISSUER_SEPARATORS = re.compile(r"[、，,；;]\s*")  # 联合发文: 「中共中央、国务院」 names two issuers


@dataclass(frozen=True)
class CitedDocument:
    """A document's metadata as the citation formats need it; unknown fields are None.

    `date` is only a date the document states; `year` is the date's year or, when no date is
    stated, one inferred from the 文号 or title (`year_inferred` True, `year_inferred_from`
    names the field).
    """

    document_id: str
    title: str | None
    issuers: tuple[str, ...]
    doc_number: str | None
    date: str | None
    year: int | None
    year_inferred: bool
    year_inferred_from: str | None
    doc_type: str | None
    status: str | None
    url: str | None
    version: str | None  # None for a document stored without a content hash
    file: str
    format: str

    @property
    def issuer(self) -> str | None:
        return "、".join(self.issuers) or None


@dataclass(frozen=True)
class CitedClause:
    """A clause of a document: its label and section path (what a reader cites) and the
    file, lines, pages and Word paragraphs (what a checker opens)."""

    document: CitedDocument
    clause_id: str
    kind: str
    label: str | None
    heading: str | None
    section_path: tuple[str, ...]
    text: str
    line_start: int
    line_end: int
    page_start: int | None = None
    page_end: int | None = None
    paragraph_start: int | None = None
    paragraph_end: int | None = None

    def locator(self) -> str:
        """「001_x.txt 第139行」, 「规划.pdf 第3页，第40–41行」, 「a.docx 全文第12段，第12行」."""
        parts = []
        if self.page_start is not None:
            parts.append(f"第{_span(self.page_start, self.page_end)}页")
        if self.paragraph_start is not None:
            parts.append(f"全文第{_span(self.paragraph_start, self.paragraph_end)}段")
        parts.append(f"第{_span(self.line_start, self.line_end)}行")
        return f"{self.document.file} {'，'.join(parts)}"

    def permalink(self) -> str:
        """The clause in policykb's reader, pinned to the quoted version: 「/#doc=…&clause=…&v=…」."""
        return reader_address(self.document.document_id, self.clause_id, self.document.version)


def _span(a: int, b: int | None) -> str:
    return str(a) if b is None or a == b else f"{a}–{b}"


def cited_document(doc: Document) -> CitedDocument:
    """The citation record of an ingested (or stored) document."""
    m = doc.meta
    year, source = m.year_of()
    issuer = m.value("issuer")
    issuers = tuple(p for p in ISSUER_SEPARATORS.split(issuer) if p) if issuer else ()
    date = m.value("date")
    return CitedDocument(
        document_id=doc.id, title=m.value("title"), issuers=issuers, doc_number=m.value("doc_number"),
        date=date, year=year, year_inferred=bool(source and source["inferred"]),
        year_inferred_from=source["field"] if source and source["inferred"] else None,
        doc_type=m.value("doc_type"), status=m.value("status"), url=m.value("source_url"),
        version=version_of(doc.content_hash), file=doc.file, format=doc.format)


def cited_clause(doc: Document, clause: Clause, document: CitedDocument | None = None) -> CitedClause:
    """The citation record of one clause of `doc` (pass `document` to reuse its record)."""
    return CitedClause(
        document=document or cited_document(doc), clause_id=clause.id, kind=clause.kind, label=clause.label,
        heading=clause.heading, section_path=tuple(clause.section_path), text=clause.text,
        line_start=clause.line_start, line_end=clause.line_end, page_start=clause.page_start,
        page_end=clause.page_end, paragraph_start=clause.paragraph_start, paragraph_end=clause.paragraph_end)


def checker_note(doc: CitedDocument, clause: CitedClause | None = None) -> str:
    """「版本 592b2c407830；001_x.txt 第139行；年份 2009 据文号推断，非成文日期」: what a checker needs."""
    parts = [f"版本 {doc.version}"] if doc.version else []
    parts.append(clause.locator() if clause else doc.file)
    if doc.year_inferred:
        source = {"doc_number": "文号", "title": "题名"}.get(doc.year_inferred_from or "", "文本")
        parts.append(f"年份 {doc.year} 据{source}推断，非成文日期")
    return "；".join(parts)
