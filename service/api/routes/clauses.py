"""GET /api/clauses/{id}: one clause with its section path, neighbours and duplicates."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from policykb.ingest.model import Clause, Document
from policykb.service.api.deps import run_limited, served
from policykb.service.api.errors import ApiError
from policykb.service.api.schemas import ClauseContextOut, ErrorOut
from policykb.service.catalog import citation_of, document_summary
from policykb.service.display import citation_for_display, convert, summary_for_display
from policykb.service.reload import Loaded

router = APIRouter(tags=["documents"])
Script = Annotated[Literal["original", "hans", "hant"],
                   Query(description="Display script: original (as written), hans (simplified) or hant "
                                     "(traditional; characters only, same words). Clause texts, citations "
                                     "(title, issuer, 文号, section path, label), document metadata and outline "
                                     "follow it; file names, dates and line numbers do not change.")]


def clause_out(doc: Document, clause: Clause, script: str) -> dict:
    """A clause for the API, its texts in `script` (service/display.py)."""
    text = convert(clause.text, script)
    confidence = clause.char_confidence if clause.char_confidence and len(text) == len(clause.char_confidence) else None
    return {"id": clause.id, "document_id": doc.id, "kind": clause.kind,
            "label": convert(clause.label, script) if clause.label else None,
            "heading": convert(clause.heading, script) if clause.heading else None,
            "section_path": [convert(p, script) for p in clause.section_path], "depth": clause.depth,
            "text": text, "line_start": clause.line_start, "line_end": clause.line_end,
            "citation": citation_for_display(citation_of(doc, clause).to_dict(), script),
            "char_confidence": confidence}


@router.get(
    "/clauses/{clause_id}", response_model=ClauseContextOut,
    responses={404: {"model": ErrorOut, "description": "No clause with this id"}},
    summary="A clause in context",
    description="The clause with its citation and section path, the clauses just before and after it in its "
                "document, and its near-identical copies in other documents.")
async def clause(request: Request, loaded: Annotated[Loaded, Depends(served)],
                 clause_id: Annotated[str, Path(description="Clause id, as in search results.")],
                 script: Script = "original") -> dict:
    def work() -> dict:
        ctx = loaded.catalog.context(clause_id)
        if ctx is None:
            raise ApiError(404, "not_found", f"No clause with id {clause_id!r} in index generation "
                                             f"{loaded.generation}. Ids come from /api/search results; an id "
                                             "can disappear when its document changes and is re-ingested.")
        doc = ctx.document
        return {"clause": clause_out(doc, ctx.clause, script),
                "document": summary_for_display(document_summary(doc), script),
                "previous": clause_out(doc, ctx.previous, script) if ctx.previous else None,
                "next": clause_out(doc, ctx.next, script) if ctx.next else None,
                "duplicates": [clause_out(d, c, script) for d, c in ctx.duplicates],
                "generation": loaded.generation}

    return await run_limited(request, work)
