"""The result records search returns, and their JSON shape (the DESIGN.md contract).

A result object has `id`, `text` (the clause as written), `score`, `file` and
`citation` = {document_id, title, issuer, doc_number, date, section_path, label,
file, line_start, line_end}; unknown metadata is null. The citation also names the
pages a clause is on (page_start/page_end: PDF, OFD, scans) and its paragraph numbers
in a Word file (paragraph_start/paragraph_end), null where the format has none, and
`text_source` ("text", "ocr" or "mixed": whether the document's text was recognised
from page images, so may hold OCR errors). Beyond the contract a result carries
`highlights`, `also_in` (citations of near-duplicate clauses collapsed into it),
`confidence`, `document_type`, `document_year` with `document_year_source` (the date's
year, or one inferred from the 文号 or title, saying so), `rank` and the per-retriever `scores`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from policykb.index.rows import DocumentRow


class ClausePlace(Protocol):
    """Where a clause sits in its document: a stored ClauseRecord and an ingested Clause both say."""

    @property
    def section_path(self) -> Sequence[str]: ...
    @property
    def label(self) -> str | None: ...
    @property
    def line_start(self) -> int: ...
    @property
    def line_end(self) -> int: ...
    @property
    def page_start(self) -> int | None: ...
    @property
    def page_end(self) -> int | None: ...
    @property
    def paragraph_start(self) -> int | None: ...
    @property
    def paragraph_end(self) -> int | None: ...


@dataclass
class Citation:
    """Where a clause is: enough for a person to find it in the original document."""

    document_id: str
    title: str | None
    issuer: str | None
    doc_number: str | None
    date: str | None
    section_path: list[str]
    label: str | None
    file: str
    line_start: int
    line_end: int
    page_start: int | None = None
    page_end: int | None = None
    paragraph_start: int | None = None
    paragraph_end: int | None = None
    text_source: str = "text"

    @classmethod
    def of(cls, document: DocumentRow, clause: ClausePlace) -> Citation:
        """The citation of `clause` in `document`: the one builder, for search results, the reader and
        exports alike (DESIGN.md contract). Metadata the document does not state stays None."""
        return cls(document_id=document.id, title=document.title, issuer=document.issuer,
                   doc_number=document.doc_number, date=document.date, section_path=list(clause.section_path),
                   label=clause.label, file=document.file, line_start=clause.line_start, line_end=clause.line_end,
                   page_start=clause.page_start, page_end=clause.page_end,
                   paragraph_start=clause.paragraph_start, paragraph_end=clause.paragraph_end,
                   text_source=document.text_source or "text")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self) -> str:
        """「p. 3」 / 「pp. 3-4」 / 「¶ 12-14」 and the line span, for plain-text output."""
        parts = []
        if self.page_start is not None:
            parts.append(f"p. {self.page_start}" if self.page_start == self.page_end
                         else f"pp. {self.page_start}-{self.page_end}")
        if self.paragraph_start is not None:
            parts.append(f"¶ {self.paragraph_start}" if self.paragraph_start == self.paragraph_end
                         else f"¶ {self.paragraph_start}-{self.paragraph_end}")
        parts.append(f"lines {self.line_start}-{self.line_end}")
        return ", ".join(parts)


@dataclass
class Highlight:
    """Matched query terms in the clause text: plain [start, end) spans over `text`,
    and the clause as HTML-escaped text with those spans wrapped in <mark>."""

    spans: list[tuple[int, int]]
    html: str
    terms: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"spans": [list(s) for s in self.spans], "html": self.html, "terms": self.terms}


@dataclass(frozen=True)
class NewerDocument:
    """A newer version or replacement, in the index, of a result's document (ingest/relations.py)."""

    id: str
    title: str | None
    date: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "date": self.date}


@dataclass
class SearchResult:
    id: str
    text: str
    score: float
    file: str
    citation: Citation
    rank: int = 0
    confidence: float = 0.0
    document_type: str | None = None
    document_year: int | None = None
    document_year_source: dict[str, Any] | None = None  # DocumentMeta.year_of: field, text, line, inferred
    highlights: Highlight | None = None
    also_in: list[Citation] = field(default_factory=list)
    also_in_ids: list[str] = field(default_factory=list)
    scores: dict[str, float | None] = field(default_factory=dict)  # per retriever, for inspection
    # the index holds a newer version of the result's document, or one that replaces it
    superseded_by: list[NewerDocument] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "text": self.text, "score": round(self.score, 6), "file": self.file,
            "citation": self.citation.to_dict(), "rank": self.rank,
            "confidence": round(self.confidence, 4), "document_type": self.document_type,
            "document_year": self.document_year, "document_year_source": self.document_year_source,
            "highlights": self.highlights.to_dict() if self.highlights else None,
            "also_in": [dict(c.to_dict(), id=cid) for c, cid in zip(self.also_in, self.also_in_ids)],
            "scores": {k: (round(v, 6) if v is not None else None) for k, v in self.scores.items()},
            "superseded_by": [d.to_dict() for d in self.superseded_by],
        }


@dataclass
class SearchResponse:
    """One query's answer. `no_answer` is set when confidence is below the threshold:
    the corpus probably does not answer the question (results are still listed).
    `synonyms` are the thesaurus words BM25 searched besides the query's own. `filters`
    says what the filters left (search/filters.py FilterReport), None when unfiltered."""

    query: str
    results: list[SearchResult]
    no_answer: bool
    confidence: float
    mode: str = "hybrid"
    synonyms: list[str] = field(default_factory=list)
    filters: Any = None  # FilterReport | None
    understood: dict[str, Any] | None = None  # search/query_understanding.py: named documents, article, 施行
    disagreement: Any = None  # search/agreement.py Disagreement: top answers state different figures
    # Paging (KnowledgeBase.search): the order, matches skipped, how many there are, and their counts
    # per issuer, type, year and status (catalog.facet_counts; each match counts once).
    offset: int = 0
    sort: str = "relevance"
    matches: int = 0
    facets: dict[str, list[dict]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "mode": self.mode, "no_answer": self.no_answer,
                "confidence": round(self.confidence, 4), "synonyms": self.synonyms,
                "filters": self.filters.to_dict() if self.filters else None, "understood": self.understood,
                "disagreement": self.disagreement.to_dict() if self.disagreement else None,
                "offset": self.offset, "sort": self.sort, "matches": self.matches,
                "facets": self.facets or {"issuers": [], "doc_types": [], "years": [], "statuses": []},
                "results": [r.to_dict() for r in self.results]}
