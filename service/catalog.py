"""Browsing an index generation: documents with facet counts, outlines, clauses in context.

Search lives in `KnowledgeBase`; this is the other half a reader needs (what is in
the index, the whole document around a clause). It holds the documents' metadata
and facet counts; a document's clauses are read from the generation's store when a
reader asks for them (a few recent ones are kept), so a 1M-clause index costs no
more memory here than its document list. Safe to share between threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from policykb.index.reader import IndexReader
from policykb.index.rows import DocumentRow
from policykb.ingest.model import Clause, Document
from policykb.ingest.outline import outline
from policykb.search.facets import facet_counts
from policykb.search.relations import RelatedDocument, related_documents, superseded_by
from policykb.search.results import Citation


def summary_of_row(row: DocumentRow, clause_count: int) -> dict:
    """A document's metadata as the API and CLI show it; unknown fields are None. `year` is the date's, or
    the one its 文号 or title gives when it states no date, with `year_source` saying which."""
    return {"id": row.id, "title": row.title, "issuer": row.issuer, "doc_number": row.doc_number, "date": row.date,
            "year": row.year, "year_source": row.year_source, "doc_type": row.doc_type, "status": row.status,
            "source_url": row.source_url, "file": row.file, "format": row.format, "line_start": row.line_start,
            "line_end": row.line_end, "converter": row.converter, "page_count": row.page_count,
            "clause_count": clause_count, "text_source": row.text_source, "ocr": row.ocr, "version": row.version}


@dataclass(frozen=True)
class ClauseContext:
    """A clause, its document, the clauses before and after it, and its near-duplicates elsewhere."""

    document: Document
    clause: Clause
    previous: Clause | None
    next: Clause | None
    duplicates: list[tuple[Document, Clause]]


class Catalog:
    """Documents and clauses of one generation, looked up by id. Shares the generation's reader
    (index/reader.py) with the search core when the server loads both."""

    CACHED_DOCUMENTS = 32  # documents kept parsed for reader views and clause contexts

    def __init__(self, index: IndexReader) -> None:
        self.index = index
        self.store = index.store
        counts = index.clause_counts()
        self.relations = index.relations
        newer = superseded_by(self.relations)
        self.rows: list[DocumentRow] = list(index.documents.values())
        named = {row.id: {"id": row.id, "title": row.title, "date": row.date} for row in self.rows}
        self.summaries = [summary_of_row(row, counts.get(row.id, 0))
                          | {"superseded_in_corpus": row.id in newer,
                             "superseded_by": [named[i] for i in newer.get(row.id, []) if i in named]}
                          for row in self.rows]
        self._by_id = {s["id"]: s for s in self.summaries}
        self._ids = {s["id"] for s in self.summaries}
        self.facets = facet_counts(self.rows)
        self._cache: OrderedDict[str, Document | None] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, generation_path: Path) -> Catalog:
        """A catalog over the generation folder at `generation_path`, with a reader of its own (of its store:
        a catalog reads no BM25 or FAISS file)."""
        return cls(IndexReader(Path(generation_path)))

    def citation(self, doc: Document, clause: Clause) -> Citation:
        """The citation search results carry for this clause (DESIGN.md contract)."""
        return Citation.of(self.index.documents[doc.id], clause)

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

    def summary(self, document_id: str) -> dict:
        """The summary of the document `document_id` (one the catalog lists)."""
        return self._by_id[document_id]

    def summary_of(self, doc: Document) -> dict:
        """The document's summary as the list gives it, `superseded_in_corpus` and `superseded_by` included."""
        return dict(self._by_id[doc.id])

    def related(self, document_id: str) -> list[RelatedDocument]:
        """The documents related to this one (search/relations.py), in the order they were found."""
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
