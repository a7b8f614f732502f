"""GET /api/documents (list with facet counts) and GET /api/documents/{id} (outline and clauses)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from policykb.ingest.relations import history
from policykb.search.filters import SearchFilters
from policykb.service.api.deps import run_limited, served
from policykb.service.api.errors import ApiError
from policykb.service.api.routes.clauses import Script, clause_out
from policykb.service.api.routes.search import reject_problems
from policykb.service.api.schemas import DocumentListOut, DocumentOut, ErrorOut
from policykb.service.browse import DocumentQuery, browse
from policykb.service.display import convert, outline_for_display, related_for_display, summary_for_display
from policykb.service.reload import Loaded

router = APIRouter(tags=["documents"])


@router.get(
    "/documents", response_model=DocumentListOut, summary="List documents with facet counts",
    responses={422: {"model": ErrorOut, "description": "A parameter is out of range (or year_from is after year_to)"}},
    description="Every document in the index with its metadata, and document counts per issuer, type, year and "
                "status (the values the search filters take; one row per issuer or type whatever the script it is "
                "written in, since the filters match either). The filters narrow the list, and the counts are "
                "over the documents that pass them; `sort` and `offset`/`limit` order and page it.")
async def documents(
    request: Request, loaded: Annotated[Loaded, Depends(served)],
    script: Script = "original",
    issuer: Annotated[list[str], Query(description="Only documents whose issuer contains this text, in either "
                                                   "script (repeatable).")] = [],
    doc_type: Annotated[list[str], Query(description="Only documents of this type, in either script (repeatable).")] = [],
    status: Annotated[list[str], Query(description="Only documents that state this status (现行有效, 废止 …), "
                                                   "either script (repeatable).")] = [],
    year_from: Annotated[int | None, Query(ge=1900, le=2200, description="Only documents of this year or later "
                                                                          "(stated or inferred year).")] = None,
    year_to: Annotated[int | None, Query(ge=1900, le=2200, description="Only documents of this year or earlier.")] = None,
    sort: Annotated[Literal["index", "date", "title"], Query(
        description="index (as ingested), date (newest first; a document with no date by the year its 文号 or "
                    "title gives; documents with neither last) or title.")] = "index",
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Skip this many documents of the sorted list.")] = 0,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="At most this many documents (default: all).")] = None,
) -> dict:
    filters = SearchFilters(issuers=issuer, doc_types=doc_type, statuses=status, year_from=year_from, year_to=year_to)
    reject_problems(filters)
    catalog = loaded.catalog

    def work() -> dict:  # off the event loop: filtering and counting a large catalog takes a moment
        page = browse(catalog, DocumentQuery(filters, sort, offset, limit))
        facets = page.facets
        if script != "original":  # the filters match either script, so converted values still filter
            facets = {name: [{**row, "value": convert(row["value"], script) if row["value"] else row["value"]}
                             for row in rows] if name != "years" else rows
                      for name, rows in facets.items()}
        return {"total": len(catalog.summaries), "matched": page.matched, "offset": offset, "limit": limit,
                "sort": sort, "documents": [summary_for_display(s, script) for s in page.documents],
                "facets": facets, "generation": loaded.generation}

    return await run_limited(request, work)


@router.get(
    "/documents/{document_id}", response_model=DocumentOut,
    responses={404: {"model": ErrorOut, "description": "No document with this id"}},
    summary="A document: metadata, outline, clauses",
    description="The document's metadata, its amendment history, the documents it relates to (versions, "
                "replacements, implementing measures, plan series, each with its evidence and confidence), its "
                "outline (heading tree, each node naming the clause that opens it) and all its clauses in order, "
                "for a reader view.")
async def document(request: Request, loaded: Annotated[Loaded, Depends(served)],
                   document_id: Annotated[str, Path(description="Document id, as in citations.")],
                   script: Script = "original") -> dict:
    def work() -> dict:
        doc = loaded.catalog.document(document_id)
        if doc is None:
            raise ApiError(404, "not_found", f"No document with id {document_id!r} in index generation "
                                             f"{loaded.generation}. /api/documents lists them.")
        return {"document": summary_for_display(loaded.catalog.summary_of(doc), script),
                "history": [asdict(e) for e in history(doc)],
                "relations": [related_for_display(r, script) for r in loaded.catalog.related(doc.id)],
                "outline": outline_for_display(loaded.catalog.outline(doc), script),
                "clauses": [clause_out(loaded.catalog, doc, c, script) for c in doc.clauses], "script": script,
                "generation": loaded.generation}

    return await run_limited(request, work)
