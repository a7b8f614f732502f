"""Response models of the HTTP API, field by field (they make the OpenAPI schema at /docs).

The search result shape is the DESIGN.md contract: `id`, `text`, `score`, `file`,
`citation` = {document_id, title, issuer, doc_number, date, section_path, label,
file, line_start, line_end}; unknown metadata is null, never invented.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator


class CitationOut(BaseModel):
    """Where a clause is: enough to find it in the original document."""

    document_id: str = Field(description="Id of the document the clause belongs to (see /api/documents/{id}).")
    title: str | None = Field(description="Document title as stated in it, or null.")
    issuer: str | None = Field(description="Issuing body (发文机关) as stated, or null.")
    doc_number: str | None = Field(description="Document number (文号) as written, or null.")
    date: str | None = Field(description="Date as ISO yyyy-mm-dd (or yyyy-mm / yyyy when that is all the text says), or null.")
    section_path: list[str] = Field(description="Headings above the clause, outermost first.")
    label: str | None = Field(description="The clause's own number as written (「（二）」, 「第十五条」) or a paragraph label (「第2段」).")
    file: str = Field(description="Source file, relative to the ingest root.")
    line_start: int = Field(description="First line of the clause in the source file (1-based).")
    line_end: int = Field(description="Last line of the clause in the source file (1-based, inclusive).")
    page_start: int | None = Field(default=None, description="First page the clause is on (PDF, OFD, scanned images), else null.")
    page_end: int | None = Field(default=None, description="Last page the clause is on (PDF, OFD, scanned images), else null.")
    paragraph_start: int | None = Field(default=None, description="Its first paragraph number in a Word file "
                                                                  "(.docx, .doc, .wps, .rtf, .odt), else null.")
    paragraph_end: int | None = Field(default=None, description="Its last paragraph number in a Word file, else null.")
    text_source: Literal["text", "ocr", "mixed"] = Field(
        default="text", description="Where the document's text came from: the file's own text, OCR of page images "
                                    "(may hold recognition errors), or both.")


class AlsoInOut(CitationOut):
    """A near-identical clause in another document, collapsed into this result."""

    id: str = Field(description="Clause id of the near-duplicate.")


class HighlightOut(BaseModel):
    """Query terms found in the clause text."""

    spans: list[list[int]] = Field(description="[start, end) character offsets of the matches in `text`.")
    html: str = Field(description="`text` HTML-escaped, with the matches wrapped in <mark>; no other markup.")
    terms: list[str] = Field(description="Query terms that matched.")


class YearSourceOut(BaseModel):
    """Where a document's year came from."""

    field: Literal["date", "doc_number", "title"] = Field(
        description="date: the year of the stated date; doc_number / title: no date is stated, and the year is "
                    "inferred from the 文号 (「中共中央办公厅（2009年23号）」) or the title (「2009—2013年…规划」: its first year).")
    text: str | None = Field(description="The date, 文号 or title the year was read from, as written.")
    line: int | None = Field(description="Its source line, or null.")
    inferred: bool = Field(description="True when the document states no date and the year is read out of another field.")


class FilterReportOut(BaseModel):
    """What the filters of a search left."""

    documents: int = Field(description="Documents that pass every filter (0: the filters leave nothing to search).")
    total: int = Field(description="Documents in the index.")
    undated_left_out: int = Field(description="Documents a year filter left out only because they have no year "
                                              "(no date, and none in their 文号 or title); 0 without a year filter.")


class UnderstoodOut(BaseModel):
    """What the query asks beyond its words (search/query_understanding.py)."""

    documents: list[str] = Field(description="Ids of the documents the query names (their clauses rank first).")
    name: str = Field(description="The name found in the query (search form), e.g. 公务员法.")
    article: int | None = Field(description="The article number the query cites (第67条, 第六十七条 → 67), or null.")
    effective_date: bool = Field(description="True when the query asks when the named document takes effect (施行, 生效).")
    found: Literal["article", "effective_date"] | None = Field(
        description="What was found and put first: the cited article, or the clause that says when the document "
                    "takes effect (「本法自…起施行」); null when nothing was found (or only a document was named).")


class DisagreementResultOut(BaseModel):
    rank: int = Field(description="Rank of the result in this response.")
    figures: list[str] = Field(description="The amounts it states in the unit, in order.")


class DisagreementOut(BaseModel):
    """The top answers, from different documents, state different figures for one unit (90 vs 100 学时)."""

    unit: str = Field(description="The unit they disagree on (学时, 天, 小时, 次, % …).")
    results: list[DisagreementResultOut] = Field(description="Each top result that states the unit, with its figures.")


class SearchResultOut(BaseModel):
    """One clause that answers the query."""

    id: str = Field(description="Stable clause id (see /api/clauses/{id}).")
    text: str = Field(description="The clause as written in the source (converted when `script` asks).")
    score: float = Field(description="Fused retrieval score; only the order within one response means something.")
    file: str = Field(description="Source file, relative to the ingest root (same as citation.file).")
    citation: CitationOut = Field(description="Where the clause is.")
    rank: int = Field(description="1-based position among the matches in the response's `sort` order "
                                  "(`offset` + its position in this response).")
    confidence: float = Field(description="0–1: how likely the clause answers the query.")
    document_type: str | None = Field(description="Document type (规划, 意见, 通知 …) or null.")
    document_year: int | None = Field(description="The document's year (see `document_year_source`), or null.")
    document_year_source: YearSourceOut | None = Field(description="Where `document_year` came from, or null.")
    highlights: HighlightOut | None = Field(description="Matched query terms in `text`.")
    also_in: list[AlsoInOut] = Field(description="Near-identical clauses in other documents, collapsed into this result.")
    scores: dict[str, float | None] = Field(description="Per-retriever scores (lexical BM25, dense cosine); null when "
                                                        "that retriever did not find it.")
    superseded_by: list[SupersedingOut] = Field(default_factory=list, description="Newer versions of the result's "
                                                                                     "document, or documents that "
                                                                                     "replace it, in the index ([]: "
                                                                                     "none). When a near-identical "
                                                                                     "clause of a newer version also "
                                                                                     "matched, that one is the result "
                                                                                     "and this is in `also_in`.")


class SearchResponseOut(BaseModel):
    """Answer to GET /api/search."""

    query: str = Field(description="The query as received (trimmed).")
    mode: str = Field(description="Retrieval mode used: hybrid, dense or lexical.")
    script: str = Field(description="Script of the display text: original, hans or hant.")
    no_answer: bool = Field(description="True when even the best result is unlikely to answer the query; results are still listed.")
    confidence: float = Field(description="Confidence of the best of the top 10 results (0–1), whatever `k` is.")
    synonyms: list[str] = Field(description="Words BM25 searched besides the query's own: close synonyms of its words "
                                            "from 同义词词林, in simplified characters (the search form).")
    filters: FilterReportOut | None = Field(description="What the filters left; null when the search is not filtered.")
    understood: UnderstoodOut | None = Field(description="A document, article or 施行 question the query names; null "
                                                         "when it names no document.")
    disagreement: DisagreementOut | None = Field(description="Set when the confident top 3 results, from different "
                                                             "documents, state different figures for a unit; each "
                                                             "result's document_year and document_type tell them apart.")
    generation: str = Field(description="Index generation that answered.")
    offset: int = Field(default=0, description="Matches skipped before `results[0]`.")
    sort: Literal["relevance", "date"] = Field(default="relevance", description="Order of the matches.")
    matches: int = Field(default=0, description="Clauses the retrievers found for this query under the filters, "
                                                "near-duplicates collapsed: what `offset` pages through (weak "
                                                "matches included).")
    facets: FacetsOut = Field(description="Counts of those matches per issuer, type, year and status of their "
                                            "documents (each match counts once; null value: not stated).")
    results: list[SearchResultOut] = Field(description="Clauses in rank order.")


class ClauseOut(BaseModel):
    """A clause with its citation."""

    id: str = Field(description="Stable clause id.")
    document_id: str = Field(description="Id of its document.")
    kind: str = Field(description="preamble, heading, article, item or paragraph.")
    label: str | None = Field(description="Its own number as written, or a paragraph label, or null.")
    heading: str | None = Field(description="Title a numbered heading carries, or null.")
    section_path: list[str] = Field(description="Headings above it, outermost first.")
    depth: int = Field(description="Nesting depth in the numbering hierarchy (0 = top).")
    text: str = Field(description="The clause as written (converted when `script` asks).")
    line_start: int = Field(description="First source line (1-based).")
    line_end: int = Field(description="Last source line (1-based, inclusive).")
    citation: CitationOut = Field(description="Where the clause is.")
    char_confidence: list[int] | None = Field(
        default=None, description="For a clause read by OCR: the engine's confidence (0-100) for each character of "
                                  "`text` (a line break counts as one); null otherwise, or when the display script "
                                  "changed the text's length.")


class CitedClauseOut(BaseModel):
    """A clause as an earlier version of its document had it (kept in the index's history)."""

    clause_id: str = Field(description="Clause id (the same in every version).")
    document_id: str = Field(description="Id of its document.")
    version: str = Field(description="The document version this text is from.")
    label: str | None = Field(description="Its number as written then, or null.")
    section_path: list[str] = Field(description="Headings above it then, outermost first.")
    text: str = Field(description="The clause as that version wrote it.")
    line_start: int = Field(description="First source line then.")
    line_end: int = Field(description="Last source line then.")
    title: str | None = Field(description="The document's title then, or null.")
    issuer: str | None = Field(description="Its issuer then, or null.")
    doc_number: str | None = Field(description="Its 文号 then, or null.")
    date: str | None = Field(description="Its date then, or null.")
    file: str = Field(description="Its source file then.")
    replaced_in: str = Field(description="The index generation that replaced this version.")


class VersionCheckOut(BaseModel):
    """What became of a clause since the document version a permalink names."""

    requested: str = Field(description="The version the link names (12 hex digits).")
    current: str | None = Field(description="The document's version now, or null when the clause is gone.")
    status: Literal["current", "unchanged", "changed", "removed", "unknown"] = Field(
        description="current: the document has not changed; unchanged: it changed, this clause did not; changed: "
                    "the clause's text changed (`cited` is the old text); removed: the clause is gone (`cited`); "
                    "unknown: the index does not hold that version, so the clause may have changed.")
    message: str = Field(description="The same, for a person.")
    cited: CitedClauseOut | None = Field(description="The clause as the requested version had it, when the index "
                                                     "holds it and it is not the current version; else null.")


class ClauseLinkOut(BaseModel):
    """The clause at one end of a cross-reference."""

    clause_id: str = Field(description="Clause id (GET /api/clauses/{id}).")
    document_id: str = Field(description="Its document's id.")
    label: str | None = Field(description="Its label (第十五条, 第三章), or null.")
    title: str | None = Field(description="Its document's title, or null when the document states none.")


class ReferenceOut(BaseModel):
    """A cross-reference written in a clause (「本法第十五条第二款」, 「前款」, 「《档案法》第八条」)."""

    span_start: int = Field(description="Where `text` starts in the citing clause's text as written "
                                        "(script=original), in characters.")
    span_end: int = Field(description="Where it ends (exclusive).")
    text: str = Field(description="The reference as written.")
    kind: str = Field(description="article (第X条/章/节), range (one article of 第X条至第Y条), this_article "
                                  "(本条, 本款, a bare 第X款), previous_paragraph (前款, 前两款), previous_article "
                                  "(前条), that_article (该条 with no article named before it: unresolved).")
    target_document: str | None = Field(description="The cited document's name as written, its "
                                                    "「以下简称」 alias spelt out; null for the citing document itself.")
    target_label: str | None = Field(description="The article-level label cited (第十五条); null for 款/项 of the "
                                                 "same article.")
    paragraph: int | None = Field(description="The 款 cited (1-based), or null.")
    item: int | None = Field(description="The 项 cited (1-based), or null.")
    target: ClauseLinkOut | None = Field(description="The clause it resolves to; null when unresolved (the cited "
                                                     "document is not in the index, or no single clause fits).")


class CitedByOut(BaseModel):
    """A reference elsewhere that resolves to this clause (a 被引用 backlink)."""

    source: ClauseLinkOut = Field(description="The clause the reference is written in.")
    span_start: int = Field(description="Where `text` starts in that clause's text as written.")
    span_end: int = Field(description="Where it ends (exclusive).")
    text: str = Field(description="The reference as written.")
    paragraph: int | None = Field(description="The 款 of this clause it cites, or null.")
    item: int | None = Field(description="The 项 it cites, or null.")


class ClauseContextOut(BaseModel):
    """Answer to GET /api/clauses/{id}: the clause and what is around it."""

    clause: ClauseOut = Field(description="The clause asked for.")
    document: DocumentSummaryOut = Field(description="Its document's metadata.")
    previous: ClauseOut | None = Field(description="The clause before it in the same document, or null at the start.")
    next: ClauseOut | None = Field(description="The clause after it in the same document, or null at the end.")
    duplicates: list[ClauseOut] = Field(description="Near-identical clauses in other documents (or elsewhere in this one).")
    references: list[ReferenceOut] = Field(default_factory=list, description="Cross-references written in the "
                                           "clause, in reading order, resolved or not.")
    cited_by: list[CitedByOut] = Field(default_factory=list, description="References in other clauses (of any "
                                       "document) that resolve to this one.")
    generation: str = Field(description="Index generation that answered.")
    version: VersionCheckOut | None = Field(default=None, description="With `?version=`: whether the clause changed "
                                                                      "since that document version; else null.")


class DocumentSummaryOut(BaseModel):
    """A document's metadata; fields the text does not state are null."""

    id: str = Field(description="Document id.")
    title: str | None = Field(description="Title, or null.")
    issuer: str | None = Field(description="Issuing body, or null.")
    doc_number: str | None = Field(description="文号, or null.")
    date: str | None = Field(description="ISO date (or year-month / year), or null.")
    year: int | None = Field(description="Year of `date`; when the document states no date, the year its 文号 or "
                                         "title gives (`year_source` says which); else null. Year filters use it.")
    year_source: YearSourceOut | None = Field(description="Where `year` came from, or null.")
    doc_type: str | None = Field(description="Document type (规划, 意见 …), or null.")
    status: str | None = Field(description="Status as stated (生效, 废止 …), or null.")
    source_url: str | None = Field(description="Link the document gives for itself (http or https only), or null. "
                                                "A link of any other scheme (javascript:, data:, file: …) is null.")
    file: str = Field(description="Source file, relative to the ingest root (a file may hold several documents).")
    format: str = Field(description="Source format: txt, md, html, docx, doc, wps, odt, rtf, pdf, ofd, png, jpg, tif, bmp.")
    line_start: int = Field(description="First line of the document in its file.")
    line_end: int = Field(description="Last line of the document in its file.")
    clause_count: int = Field(description="Number of clauses.")
    text_source: Literal["text", "ocr", "mixed"] = Field(default="text", description="The file's own text, OCR of page images, or both.")
    ocr: OcrOut | None = Field(default=None, description="How its OCR'd pages were read, or null when none were.")
    converter: str | None = Field(default=None, description="Program that converted the file before reading "
                                                            "(e.g. 「LibreOffice 7.4.7.2」 for .doc/.wps), or null.")
    page_count: int | None = Field(default=None, description="Pages of the file (PDF, OFD, images), else null.")
    version: str | None = Field(default=None, description="The document's version: 12 hex digits of the hash of its "
                                                          "clause texts, new whenever its wording changes. A permalink "
                                                          "names it (`/#doc=…&clause=…&v=…`); null for an index built "
                                                          "before versions were recorded.")
    superseded_in_corpus: bool = Field(default=False, description="True when the index holds a newer version of this "
                                                                  "document or a document that replaces it (found "
                                                                  "from the texts; see `relations` of "
                                                                  "/api/documents/{id}). Separate from `status`, "
                                                                  "which is only what the document itself states.")
    superseded_by: list[SupersedingOut] = Field(default_factory=list, description="Those newer versions and "
                                                                                     "replacements in the index "
                                                                                     "([] when none).")

    @field_validator("source_url", mode="before")
    @classmethod
    def _web_links_only(cls, value):
        # a document's text can say anything; only a web link is safe to hand to a client as a link
        if isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https"):
            return value
        return None


class SupersedingOut(BaseModel):
    """A newer version or replacement of a document, in the index."""

    id: str = Field(description="Its document id.")
    title: str | None = Field(description="Its title, or null.")
    date: str | None = Field(description="Its date, or null.")


class OcrOut(BaseModel):
    """The OCR engine and settings that read a document's scanned pages."""

    engine: str = Field(description="OCR engine: tesseract.")
    engine_version: str = Field(description="Its version.")
    languages: str = Field(description="Its language models, e.g. chi_sim.")
    dpi: int = Field(description="Resolution the pages were rendered at.")
    pages: list[int] = Field(description="Pages that were OCR'd (1-based).")
    mean_confidence: float | None = Field(description="Mean character confidence (0-100), or null.")


class FacetCountOut(BaseModel):
    value: str | int | None = Field(description="The facet value; null counts documents that do not state it.")
    count: int = Field(description="Number of documents with this value.")


class FacetsOut(BaseModel):
    """Document counts per value, for filter menus."""

    issuers: list[FacetCountOut] = Field(description="Per issuing body, most documents first.")
    doc_types: list[FacetCountOut] = Field(description="Per document type, most documents first.")
    years: list[FacetCountOut] = Field(description="Per year, newest first.")
    statuses: list[FacetCountOut] = Field(default=[], description="Per status as stated (现行有效, 废止 …), most first; "
                                                                  "null counts those that state none.")


class DocumentListOut(BaseModel):
    """Answer to GET /api/documents."""

    total: int = Field(description="Number of documents in the index.")
    matched: int = Field(description="Documents that pass the filters (= total when unfiltered).")
    offset: int = Field(description="Documents of the sorted list skipped before this page.")
    limit: int | None = Field(description="Page size asked for, or null: all.")
    sort: Literal["index", "date", "title"] = Field(description="Order of `documents`.")
    documents: list[DocumentSummaryOut] = Field(description="The documents that pass the filters, in `sort` order, "
                                                            "from `offset` (all documents in index order by default).")
    facets: FacetsOut = Field(description="Counts per issuer, type, year and status over the documents that pass "
                                          "the filters (all documents when unfiltered).")
    generation: str = Field(description="Index generation that answered.")


class OutlineNodeOut(BaseModel):
    """A heading of the document's outline."""

    title: str = Field(description="The heading as it appears in section paths (「一、指导思想」).")
    clause_id: str = Field(description="Id of the clause that opens this section.")
    line: int = Field(description="Its source line.")
    clause_count: int = Field(description="Clauses in this section, the heading's own included.")
    children: list[OutlineNodeOut] = Field(description="Sub-headings.")


class HistoryEventOut(BaseModel):
    """One line of the document's adoption and amendment history (「…通过」「…修订」「…修正」)."""

    date: str = Field(description="ISO date of the event.")
    action: str = Field(description="What happened: 通过, 修订, 修正, 批准, 发布 or 公布.")
    text: str = Field(description="The line as written.")
    line: int | None = Field(description="Its line in the source file, or null.")


class RelatedDocumentOut(BaseModel):
    """Another document related to this one, with the evidence that found it."""

    role: Literal["newer_version", "older_version", "replaced_by", "replaces", "implements", "implemented_by",
                  "next_in_series", "previous_in_series", "other_version", "same_series"] = Field(
        description="What the other document is to this one: its newer / older version, the document that replaced "
                    "it / that it replaces, the law or plan it implements / a measure implementing it, the next / "
                    "previous plan of its series; other_version and same_series when the texts do not tell which "
                    "came first.")
    document_id: str | None = Field(description="The other document's id, or null when the index does not hold it "
                                                "(implements: a law named but not ingested).")
    title: str | None = Field(description="Its title (as the index holds it, else as this text names it).")
    date: str | None = Field(description="Its date, or null.")
    evidence: str = Field(description="What in the texts found the relation, in words a person can check (a title, a "
                                      "history line, 「…同时废止」).")
    confidence: float = Field(description="How sure the relation is, 0–1 (0.95: stated; 0.5–0.7: inferred).")
    inferred: bool = Field(description="True when no text states the relation itself (the same subject under a new "
                                       "title, a version told by shared clauses, an unordered series).")
    implemented_version: str | None = Field(default=None, description="implements / implemented_by: ISO date of the "
                                                                      "law's version most likely implemented (the "
                                                                      "latest adoption or amendment by the measure's "
                                                                      "date); null when it cannot be told.")
    implemented_version_held: bool | None = Field(default=None, description="Whether the index holds that version "
                                                                            "(`document_id` is it); false: "
                                                                            "`document_id` is another version.")


class DocumentOut(BaseModel):
    """Answer to GET /api/documents/{id}: metadata, outline and all clauses in order."""

    document: DocumentSummaryOut = Field(description="Metadata.")
    history: list[HistoryEventOut] = Field(default_factory=list, description="The document's adoption and amendment "
                                                                             "history as its header states it, oldest "
                                                                             "first ([] when it gives none).")
    relations: list[RelatedDocumentOut] = Field(default_factory=list, description="Versions, replacements, "
                                                                                  "implementing measures and plan "
                                                                                  "series this document has in the "
                                                                                  "index (see docs/api.md, Relations between documents).")
    outline: list[OutlineNodeOut] = Field(description="Heading tree; each node links to its clause.")
    clauses: list[ClauseOut] = Field(description="Every clause in document order.")
    script: str = Field(description="Script of the clause texts: original, hans or hant.")
    generation: str = Field(description="Index generation that answered.")


class HealthOut(BaseModel):
    status: Literal["ok"] = Field(description="Always ok: the process answers.")


class ReadyOut(BaseModel):
    """Answer to GET /readyz."""

    ready: bool = Field(description="True when an index is loaded and searches are answered.")
    index: str = Field(description="Index directory served; only its name when the server has an API key "
                                   "(/readyz is open, so it does not show where files are).")
    generation: str | None = Field(description="Index generation being served, or null before the first load.")
    model: str | None = Field(description="Embedding model that built (and queries) the index.")
    counts: dict[str, int] | None = Field(description="Documents, clauses, vectors … in the served generation.")
    loaded_at: float | None = Field(description="Unix time the served generation was switched in.")
    reloading: bool = Field(description="True while a new generation is being loaded.")
    last_error: str | None = Field(description="Why the last load failed (the previous generation keeps serving), "
                                               "or why the served generation stopped answering (its files are gone), "
                                               "or null.")


class ReloadOut(BaseModel):
    """Answer to POST /api/admin/reload."""

    generation: str = Field(description="Generation served after the reload.")
    previous: str | None = Field(description="Generation served before, or null.")
    switched: bool = Field(description="False when CURRENT already named the served generation.")


class ErrorBodyOut(BaseModel):
    code: str = Field(description="Stable machine-readable code: invalid_request, not_found, unauthorized, timeout, "
                                  "unavailable, method_not_allowed, internal_error.")
    message: str = Field(description="What happened and what to do, for a person.")
    detail: Any = Field(default=None, description="Structured extras (for invalid_request: each offending parameter), or null.")


class ErrorOut(BaseModel):
    """The shape of every error answer."""

    error: ErrorBodyOut = Field(description="The error.")


ClauseContextOut.model_rebuild()
SearchResultOut.model_rebuild()
SearchResponseOut.model_rebuild()
DocumentSummaryOut.model_rebuild()
