"""Browsing an index generation: documents with facet counts, outlines, clauses in context.

Search lives in `KnowledgeBase`; this is the other half a reader needs (what is in
the index, the whole document around a clause). It holds the documents' metadata
and facet counts; a document's clauses are read from the generation's store when a
reader asks for them (a few recent ones are kept), so a 1M-clause index costs no
more memory here than its document list. Safe to share between threads.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path

from policykb.index.build import STORE
from policykb.index.history import version_of
from policykb.index.store import StoreReader
from policykb.ingest.model import Clause, Document
from policykb.ingest.outline import outline
from policykb.service.filters import facet_key
from policykb.service.relations import RelatedDocument, related_documents, superseded_by
from policykb.service.results import Citation


def citation_of(doc: Document, clause: Clause) -> Citation:
    """The same citation search results carry (DESIGN.md contract)."""
    return Citation(document_id=doc.id, title=doc.meta.value("title"), issuer=doc.meta.value("issuer"),
                    doc_number=doc.meta.value("doc_number"), date=doc.meta.value("date"),
                    section_path=list(clause.section_path), label=clause.label, file=doc.file,
                    line_start=clause.line_start, line_end=clause.line_end,
                    page_start=clause.page_start, page_end=clause.page_end,
                    paragraph_start=clause.paragraph_start, paragraph_end=clause.paragraph_end,
                    text_source=doc.text_source)


def document_summary(doc: Document) -> dict:
    """A document's metadata; unknown fields are None. `year` is the date's, or the one its 文号 or
    title gives when it states no date, with `year_source` saying which (DocumentMeta.year_of)."""
    m = doc.meta
    year, year_source = m.year_of()
    return {"id": doc.id, "title": m.value("title"), "issuer": m.value("issuer"),
            "doc_number": m.value("doc_number"), "date": m.value("date"), "year": year, "year_source": year_source,
            "doc_type": m.value("doc_type"), "status": m.value("status"), "source_url": m.value("source_url"),
            "file": doc.file, "format": doc.format, "line_start": doc.line_start, "line_end": doc.line_end,
            "clause_count": len(doc.clauses), "text_source": doc.text_source,
            "ocr": doc.ocr.as_dict() if doc.ocr else None, "converter": doc.converter, "page_count": doc.page_count,
            "version": version_of(doc.content_hash)}


def _summary_from_row(row: dict, clause_count: int) -> dict:
    """`document_summary` from a stored document row (the store keeps the same values as columns)."""
    import json

    return {key: row[key] for key in ("id", "title", "issuer", "doc_number", "date", "year", "year_source",
                                      "doc_type", "status", "source_url", "file", "format", "line_start",
                                      "line_end", "converter", "page_count")
            } | {"clause_count": clause_count, "text_source": row.get("text_source") or "text",
                 "ocr": json.loads(row["ocr_json"]) if row.get("ocr_json") else None,
                 "version": version_of(row.get("content_hash"))}


@dataclass(frozen=True)
class ClauseContext:
    """A clause, its document, the clauses before and after it, and its near-duplicates elsewhere."""

    document: Document
    clause: Clause
    previous: Clause | None
    next: Clause | None
    duplicates: list[tuple[Document, Clause]]


def _facet(values: Counter) -> list[dict]:
    known = sorted((v for v in values if v is not None), key=lambda v: (-values[v], str(v)))
    rows = [{"value": v, "count": values[v]} for v in known]
    if None in values:
        rows.append({"value": None, "count": values[None]})
    return rows


def _text_facet(values: Counter) -> list[dict]:
    """Counts per value, one row for all the ways of writing it (国务院 and 國務院 are one issuer).

    The row's value is the form most documents write (the filters match every form).
    """
    written: dict[str | None, Counter] = {}
    for value, count in values.items():
        written.setdefault(facet_key(value) if value else None, Counter())[value] += count
    rows = [{"value": forms.most_common(1)[0][0] if key is not None else None, "count": sum(forms.values())}
            for key, forms in written.items()]
    return sorted(rows, key=lambda r: (r["value"] is None, -r["count"], str(r["value"])))


def facet_counts(rows: list[dict], weights: list[int] | None = None) -> dict[str, list[dict]]:
    """Counts of `rows` (document summaries or rows) per issuer, type, year and status, each row counting
    its weight (default 1; a search passes the number of its matches in that document): most first (years
    newest first), one row per value whatever its script, and a last row with value None counting those
    that do not state it."""
    weights = weights if weights is not None else [1] * len(rows)

    def counted(name: str) -> Counter:
        out: Counter = Counter()
        for row, weight in zip(rows, weights):
            out[row[name]] += weight
        return out

    return {"issuers": _text_facet(counted("issuer")), "doc_types": _text_facet(counted("doc_type")),
            "years": sorted(_facet(counted("year")), key=lambda f: (f["value"] is None, -(f["value"] or 0))),
            "statuses": _text_facet(counted("status"))}


class Catalog:
    """Documents and clauses of one generation, looked up by id."""

    CACHED_DOCUMENTS = 32  # documents kept parsed for reader views and clause contexts

    def __init__(self, store: StoreReader) -> None:
        self.store = store
        counts = store.clause_counts()
        self.relations = store.relations()
        newer = superseded_by(self.relations)
        rows = store.documents()
        named = {row["id"]: {"id": row["id"], "title": row["title"], "date": row["date"]} for row in rows}
        self.summaries = [_summary_from_row(row, counts.get(row["id"], 0))
                          | {"superseded_in_corpus": row["id"] in newer,
                             "superseded_by": [named[i] for i in newer.get(row["id"], []) if i in named]}
                          for row in rows]
        self._by_id = {s["id"]: s for s in self.summaries}
        self._ids = {s["id"] for s in self.summaries}
        self.facets = facet_counts(self.summaries)
        self._cache: OrderedDict[str, Document | None] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, generation_path: Path) -> Catalog:
        return cls(StoreReader(Path(generation_path) / STORE))

    def document(self, document_id: str) -> Document | None:
        """The document with its clauses (read from the store, then kept among the recent ones)."""
        if document_id not in self._ids:
            return None
        with self._lock:
            doc = self._cache.get(document_id)
            if doc is not None:
                self._cache.move_to_end(document_id)
                return doc
        doc = self.store.document(document_id)
        with self._lock:
            self._cache[document_id] = doc
            while len(self._cache) > self.CACHED_DOCUMENTS:
                self._cache.popitem(last=False)
        return doc

    def summary_of(self, doc: Document) -> dict:
        """`document_summary(doc)` with `superseded_in_corpus` and `superseded_by` as the list gives them."""
        listed = self._by_id.get(doc.id, {})
        return document_summary(doc) | {"superseded_in_corpus": listed.get("superseded_in_corpus", False),
                                        "superseded_by": listed.get("superseded_by", [])}

    def related(self, document_id: str) -> list[RelatedDocument]:
        """The documents related to this one (service/relations.py), in the order they were found."""
        titles = {s["id"]: (s["title"], s["date"]) for s in self.summaries}
        return related_documents(document_id, [r for r in self.relations
                                               if document_id in (r.source_id, r.target_id)], titles)

    def outline(self, document: Document) -> list[dict]:
        """The document's heading tree; every node names the clause that opens it."""
        return [node.as_dict() for node in outline(document)]

    def _clause_in(self, document_id: str, clause_id: str) -> tuple[Document, int] | None:
        doc = self.document(document_id)
        if doc is None:
            return None
        i = next((i for i, c in enumerate(doc.clauses) if c.id == clause_id), None)
        return None if i is None else (doc, i)

    def context(self, clause_id: str) -> ClauseContext | None:
        document_id = self.store.clause_document(clause_id)
        found = self._clause_in(document_id, clause_id) if document_id else None
        if found is None:
            return None
        doc, i = found
        clause = doc.clauses[i]
        duplicates = []
        if clause.duplicate_group:
            for other_doc, other_id in self.store.group_members(clause.duplicate_group):
                where = self._clause_in(other_doc, other_id) if other_id != clause.id else None
                if where is not None:
                    duplicates.append((where[0], where[0].clauses[where[1]]))
        return ClauseContext(doc, clause, doc.clauses[i - 1] if i > 0 else None,
                             doc.clauses[i + 1] if i + 1 < len(doc.clauses) else None, duplicates)
