"""The document list a reader browses: narrowed by issuer, type, year and status, sorted, paged.

Facet counts are over the documents that pass the filters, so each count says how many
documents choosing that value would leave. Unknown values are counted as None (never
guessed); a document with no date sorts by the year its 文号 or title gives, after the
dated documents of that year, and documents with neither come last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from policykb.service.catalog import facet_counts
from policykb.service.filters import SearchFilters

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
    `facets` count the matched ones per issuer, type, year and status (catalog.facet_counts)."""

    matched: int
    documents: list[dict]
    facets: dict[str, list[dict]]


def date_key(summary: dict) -> str:
    """What `sort=date` orders by, newest first: the date (2009-05-01 > 2009-05 > 2009), else the inferred year."""
    if summary.get("date"):
        return summary["date"]
    return str(summary["year"]) if summary.get("year") is not None else ""


def sorted_documents(summaries: list[dict], sort: DocumentSort) -> list[dict]:
    if sort == "date":  # stable: documents of one date keep their index order
        return sorted(summaries, key=date_key, reverse=True) if summaries else []
    if sort == "title":  # by code point; documents without a title by file, after the titled ones
        return sorted(summaries, key=lambda s: (s["title"] is None, s["title"] or s["file"]))
    return list(summaries)


def browse(summaries: list[dict], query: DocumentQuery) -> DocumentPage:
    """The page of `summaries` (document summaries in index order) that `query` asks for."""
    matched = [s for s in summaries if query.filters.allows(dict(s))] if query.filters.active else list(summaries)
    ordered = sorted_documents(matched, query.sort)
    end = None if query.limit is None else query.offset + query.limit
    return DocumentPage(len(matched), ordered[query.offset:end], facet_counts(matched))
