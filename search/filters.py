"""Search filters: by document, issuer, document type, status and year range.

Issuer and type match in either script and with any bracket or width (国务院 = 國務院,
規定 = 规定): both sides are compared in the search form (text/normalize.py). A
document's year is its date's, or, when it states no date, the year its 文号 or title
gives (DocumentMeta.year_of: inferred, and labelled so); a year filter leaves out only
documents with neither, and `FilterReport` counts them so the page can say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from policykb.index.rows import DocumentRow


@lru_cache(maxsize=4096)  # a corpus has few distinct issuers, types and statuses; each search counts them
def facet_key(text: str | None) -> str:
    """The form issuers and types are compared in: script, width and brackets folded."""
    from policykb.text.normalize import search_form

    return search_form(text) if text else ""


@dataclass
class SearchFilters:
    """Narrow a search. Empty lists / None mean "no restriction".

    `issuers` and `doc_types` match when the value contains the given text
    (「人事部」 matches 「中华人民共和国人事部」), in either script; years are inclusive.
    """

    document_ids: list[str] = field(default_factory=list)
    issuers: list[str] = field(default_factory=list)
    doc_types: list[str] = field(default_factory=list)
    # The status as stated (现行有效, 废止 …), either script; whole values, since 有效 is inside 部分有效.
    statuses: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.document_ids or self.issuers or self.doc_types or self.statuses or self.by_year)

    @property
    def by_year(self) -> bool:
        return self.year_from is not None or self.year_to is not None

    def problems(self) -> list[tuple[str, str]]:
        """(parameter, message) for each value that cannot mean anything, e.g. an inverted year range."""
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            return [("year_from", f"year_from {self.year_from} is after year_to {self.year_to}: no year is in "
                                  f"that range. Swap them ({self.year_to}–{self.year_from}) or leave one out.")]
        return []

    @cached_property
    def _issuer_keys(self) -> list[str]:
        return [k for k in map(facet_key, self.issuers) if k]

    @cached_property
    def _type_keys(self) -> list[str]:
        return [k for k in map(facet_key, self.doc_types) if k]

    @cached_property
    def _status_keys(self) -> list[str]:
        return [k for k in map(facet_key, self.statuses) if k]

    def allows_except_year(self, doc: DocumentRow) -> bool:
        """Whether a document passes the document, issuer, type and status filters."""
        if self.document_ids and doc.id not in self.document_ids:
            return False
        if self.issuers and not any(k in doc.issuer_key for k in self._issuer_keys):
            return False
        if self.doc_types and not any(k in doc.doc_type_key for k in self._type_keys):
            return False
        return not (self.statuses and doc.status_key not in self._status_keys)

    def allows(self, doc: DocumentRow) -> bool:
        """Whether a document passes every filter, its year (stated or inferred) included."""
        if not self.allows_except_year(doc):
            return False
        year = doc.year
        if self.year_from is not None and (year is None or year < self.year_from):
            return False
        return not (self.year_to is not None and (year is None or year > self.year_to))


@dataclass(frozen=True)
class FilterReport:
    """What the filters left: documents passing, of how many, and the undated ones a year filter left out
    (documents that pass every other filter but have no year, stated or inferred)."""

    documents: int
    total: int
    undated_left_out: int

    def to_dict(self) -> dict:
        return {"documents": self.documents, "total": self.total, "undated_left_out": self.undated_left_out}


def filter_report(filters: SearchFilters | None, documents: Mapping[str, DocumentRow]) -> FilterReport | None:
    """None when nothing is filtered."""
    if filters is None or not filters.active:
        return None
    passing = sum(filters.allows(doc) for doc in documents.values())
    undated = sum(doc.year is None and filters.allows_except_year(doc) for doc in documents.values()) \
        if filters.by_year else 0
    return FilterReport(passing, len(documents), undated)


def allowed_documents(filters: SearchFilters | None, documents: Mapping[str, DocumentRow]) -> frozenset[str] | None:
    """The ids of the documents that pass, or None when nothing is filtered."""
    if filters is None or not filters.active:
        return None
    return frozenset(doc_id for doc_id, doc in documents.items() if filters.allows(doc))
