"""Search filters: by document, issuer, document type and year range."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SearchFilters:
    """Narrow a search. Empty lists / None mean "no restriction".

    `issuers` and `doc_types` match when the value contains the given text
    (「人事部」 matches 「中华人民共和国人事部」); years are inclusive and come from the
    document date, so a filter on years leaves out documents with no stated date.
    """

    document_ids: list[str] = field(default_factory=list)
    issuers: list[str] = field(default_factory=list)
    doc_types: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.document_ids or self.issuers or self.doc_types
                    or self.year_from is not None or self.year_to is not None)

    def allows(self, doc: dict) -> bool:
        """Whether a document row (id, issuer, doc_type, year) passes."""
        if self.document_ids and doc["id"] not in self.document_ids:
            return False
        if self.issuers and not any(i and i in (doc["issuer"] or "") for i in self.issuers):
            return False
        if self.doc_types and not any(t and t in (doc["doc_type"] or "") for t in self.doc_types):
            return False
        year = doc["year"]
        if self.year_from is not None and (year is None or year < self.year_from):
            return False
        if self.year_to is not None and (year is None or year > self.year_to):
            return False
        return True


def allowed_rows(filters: SearchFilters | None, documents: dict[str, dict],
                 clause_doc: np.ndarray) -> np.ndarray | None:
    """Boolean mask over clause rows, or None when nothing is filtered.

    `documents` are the document rows in store order; `clause_doc` gives each clause
    row's position in that order.
    """
    if filters is None or not filters.active:
        return None
    ok_docs = np.fromiter((filters.allows(doc) for doc in documents.values()), dtype=bool, count=len(documents))
    return ok_docs[clause_doc] if len(clause_doc) else np.zeros(0, dtype=bool)
