"""The document list a reader browses: narrowed by issuer, type, year and status, sorted, paged.

Facet counts are over the documents that pass the filters, so each count says how many
documents choosing that value would leave. Unknown values are counted as None (never
guessed); a document with no date sorts by the year its 文号 or title gives, after the
dated documents of that year, and documents with neither come last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from policykb.index.rows import DocumentRow
from policykb.search.facets import facet_counts
from policykb.search.filters import SearchFilters
from policykb.service.catalog import Catalog

DocumentSort = Literal["index", "date", "title"]
DOCUMENT_SORTS: tuple[str, ...] = ("index", "date", "title")


@dataclass(frozen=True)
class DocumentQuery:
    """Which documents to list: `filters` (document ids, issuers, types, statuses, years), the order
    (index: as ingested; date: newest first; title: by title) and the page (`limit` None: all)."""

    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: DocumentSort = "index"
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class DocumentPage:
    """One page of the list: `matched` documents pass the filters, `documents` are those of this page,
    `facets` count the matched ones per issuer, type, year and status (search/facets.py)."""

    matched: int
    documents: list[dict]
    facets: dict[str, list[dict]]


def sorted_documents(rows: list[DocumentRow], sort: DocumentSort) -> list[DocumentRow]:
    if sort == "date":  # stable: documents of one date keep their index order
        return sorted(rows, key=lambda r: r.date_key, reverse=True)
    if sort == "title":  # by code point; documents without a title by file, after the titled ones
        return sorted(rows, key=lambda r: (r.title is None, r.title or r.file))
    return list(rows)


def browse(catalog: Catalog, query: DocumentQuery) -> DocumentPage:
    """The page of the catalog's documents (in index order) that `query` asks for."""
    matched = [r for r in catalog.rows if query.filters.allows(r)] if query.filters.active else list(catalog.rows)
    ordered = sorted_documents(matched, query.sort)
    end = None if query.limit is None else query.offset + query.limit
    return DocumentPage(len(matched), [catalog.summary(r.id) for r in ordered[query.offset:end]], facet_counts(matched))
