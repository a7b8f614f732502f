"""Browsing an index generation: documents with facet counts, outlines, clauses in context.

Search lives in `KnowledgeBase`; this is the other half a reader needs (what is in
the index, the whole document around a clause). It reads the generation's clause
store through `index.store.load_documents` once, when the generation is loaded,
and is read-only afterwards (safe to share between threads).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from index.build import STORE
from index.store import load_documents
from ingest.model import Clause, Document
from ingest.outline import outline
from service.results import Citation


def citation_of(doc: Document, clause: Clause) -> Citation:
    """The same citation search results carry (DESIGN.md contract)."""
    return Citation(document_id=doc.id, title=doc.meta.value("title"), issuer=doc.meta.value("issuer"),
                    doc_number=doc.meta.value("doc_number"), date=doc.meta.value("date"),
                    section_path=list(clause.section_path), label=clause.label, file=doc.file,
                    line_start=clause.line_start, line_end=clause.line_end)


def document_summary(doc: Document) -> dict:
    """A document's metadata; unknown fields are None."""
    m = doc.meta
    date = m.value("date")
    return {"id": doc.id, "title": m.value("title"), "issuer": m.value("issuer"),
            "doc_number": m.value("doc_number"), "date": date,
            "year": int(date[:4]) if date and date[:4].isdigit() else None,
            "doc_type": m.value("doc_type"), "status": m.value("status"), "source_url": m.value("source_url"),
            "file": doc.file, "format": doc.format, "line_start": doc.line_start, "line_end": doc.line_end,
            "clause_count": len(doc.clauses)}


@dataclass(frozen=True)
class ClauseContext:
    """A clause, its document, the clauses before and after it, and its near-duplicates elsewhere."""

    document: Document
    clause: Clause
    previous: Clause | None
    next: Clause | None
    duplicates: list[tuple[Document, Clause]]


def _facet(values) -> list[dict]:
    counts = Counter(values)
    known = sorted((v for v in counts if v is not None), key=lambda v: (-counts[v], str(v)))
    rows = [{"value": v, "count": counts[v]} for v in known]
    if None in counts:
        rows.append({"value": None, "count": counts[None]})
    return rows


class Catalog:
    """Documents and clauses of one generation, indexed for lookups by id."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents
        self._docs = {d.id: d for d in documents}
        self._where: dict[str, tuple[Document, int]] = {}
        self._groups: dict[str, list[tuple[Document, Clause]]] = {}
        for doc in documents:
            for i, clause in enumerate(doc.clauses):
                self._where[clause.id] = (doc, i)
                if clause.duplicate_group:
                    self._groups.setdefault(clause.duplicate_group, []).append((doc, clause))
        summaries = [document_summary(d) for d in documents]
        self.facets = {"issuers": _facet(s["issuer"] for s in summaries),
                       "doc_types": _facet(s["doc_type"] for s in summaries),
                       "years": sorted(_facet(s["year"] for s in summaries),
                                       key=lambda r: (r["value"] is None, -(r["value"] or 0)))}
        self.summaries = summaries

    @classmethod
    def load(cls, generation_path: Path) -> "Catalog":
        documents, _sources = load_documents(Path(generation_path) / STORE)
        return cls(documents)

    def document(self, document_id: str) -> Document | None:
        return self._docs.get(document_id)

    def outline(self, document: Document) -> list[dict]:
        """The document's heading tree; every node names the clause that opens it."""
        return [node.as_dict() for node in outline(document)]

    def context(self, clause_id: str) -> ClauseContext | None:
        found = self._where.get(clause_id)
        if found is None:
            return None
        doc, i = found
        clause = doc.clauses[i]
        duplicates = [(d, c) for d, c in self._groups.get(clause.duplicate_group or "", []) if c.id != clause.id]
        return ClauseContext(doc, clause, doc.clauses[i - 1] if i > 0 else None,
                             doc.clauses[i + 1] if i + 1 < len(doc.clauses) else None, duplicates)
