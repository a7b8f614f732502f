"""GET /api/documents (list with facet counts) and GET /api/documents/{id} (outline and clauses)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from policykb.service.api.deps import run_limited, served
from policykb.service.api.errors import ApiError
from policykb.service.api.routes.clauses import Script, clause_out
from policykb.service.api.schemas import DocumentListOut, DocumentOut, ErrorOut
from policykb.service.catalog import document_summary
from policykb.service.display import convert, outline_for_display, summary_for_display
from policykb.service.reload import Loaded

router = APIRouter(tags=["documents"])


@router.get(
    "/documents", response_model=DocumentListOut, summary="List documents with facet counts",
    description="Every document in the index with its metadata, and document counts per issuer, type and "
                "year (the values the search filters take; one row per issuer or type whatever the script it is "
                "written in, since the filters match either).")
async def documents(request: Request, loaded: Annotated[Loaded, Depends(served)],
                    script: Script = "original") -> dict:
    catalog = loaded.catalog
    facets = catalog.facets
    if script != "original":  # the filters match either script, so converted values still filter
        facets = {name: [{**row, "value": convert(row["value"], script) if row["value"] else row["value"]}
                         for row in rows] if name != "years" else rows
                  for name, rows in facets.items()}
    return {"total": len(catalog.summaries), "documents": [summary_for_display(s, script) for s in catalog.summaries],
            "facets": facets, "generation": loaded.generation}


@router.get(
    "/documents/{document_id}", response_model=DocumentOut,
    responses={404: {"model": ErrorOut, "description": "No document with this id"}},
    summary="A document: metadata, outline, clauses",
    description="The document's metadata, its outline (heading tree, each node naming the clause that opens "
                "it) and all its clauses in order, for a reader view.")
async def document(request: Request, loaded: Annotated[Loaded, Depends(served)],
                   document_id: Annotated[str, Path(description="Document id, as in citations.")],
                   script: Script = "original") -> dict:
    def work() -> dict:
        doc = loaded.catalog.document(document_id)
        if doc is None:
            raise ApiError(404, "not_found", f"No document with id {document_id!r} in index generation "
                                             f"{loaded.generation}. /api/documents lists them.")
        return {"document": summary_for_display(document_summary(doc), script),
                "outline": outline_for_display(loaded.catalog.outline(doc), script),
                "clauses": [clause_out(doc, c, script) for c in doc.clauses], "script": script,
                "generation": loaded.generation}

    return await run_limited(request, work)
