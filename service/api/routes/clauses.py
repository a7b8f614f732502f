"""GET /api/clauses/{id}: one clause with its section path, neighbours and duplicates."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from policykb.ingest.model import Clause, Document
from policykb.service.api.deps import run_limited, served
from policykb.service.api.errors import ApiError
from policykb.service.api.schemas import ClauseContextOut, ErrorOut
from policykb.service.catalog import Catalog
from policykb.service.display import citation_for_display, convert, summary_for_display
from policykb.service.permalinks import VersionCheck, check_version
from policykb.service.reload import Loaded

router = APIRouter(tags=["documents"])
Script = Annotated[Literal["original", "hans", "hant"],
                   Query(description="Display script: original (as written), hans (simplified) or hant "
                                     "(traditional; characters only, same words). Clause texts, citations "
                                     "(title, issuer, 文号, section path, label), document metadata and outline "
                                     "follow it; file names, dates and line numbers do not change.")]


def clause_out(catalog: Catalog, doc: Document, clause: Clause, script: str) -> dict:
    """A clause for the API, its texts in `script` (service/display.py)."""
    text = convert(clause.text, script)
    confidence = clause.char_confidence if clause.char_confidence and len(text) == len(clause.char_confidence) else None
    return {"id": clause.id, "document_id": doc.id, "kind": clause.kind,
            "label": convert(clause.label, script) if clause.label else None,
            "heading": convert(clause.heading, script) if clause.heading else None,
            "section_path": [convert(p, script) for p in clause.section_path], "depth": clause.depth,
            "text": text, "line_start": clause.line_start, "line_end": clause.line_end,
            "citation": citation_for_display(catalog.citation(doc, clause).to_dict(), script),
            "char_confidence": confidence}


def _links(loaded: Loaded, clause_ids: list[str], script: str) -> dict[str, dict]:
    """clause id -> {clause_id, document_id, label, title} for the clauses the index holds."""
    if not clause_ids:
        return {}
    documents = loaded.catalog.index.documents
    out = {}
    for cid, (doc_id, label) in loaded.catalog.store.clause_labels(clause_ids).items():
        title = documents[doc_id].title if doc_id in documents else None
        out[cid] = {"clause_id": cid, "document_id": doc_id, "label": convert(label, script) if label else None,
                    "title": convert(title, script) if title else None}
    return out


def references_out(loaded: Loaded, clause_id: str, script: str) -> tuple[list[dict], list[dict]]:
    """The clause's outgoing references and its backlinks, for the API (texts in `script`)."""
    store = loaded.catalog.store
    outgoing, incoming = store.references_from(clause_id), store.references_to(clause_id)
    links = _links(loaded, [r.resolved_clause_id for r in outgoing if r.resolved_clause_id]
                   + [r.clause_id for r in incoming], script)
    refs = [{"span_start": r.span_start, "span_end": r.span_end, "text": convert(r.text, script), "kind": r.kind,
             "target_document": convert(r.target_document, script) if r.target_document else None,
             "target_label": convert(r.target_label, script) if r.target_label else None,
             "paragraph": r.paragraph, "item": r.item,
             "target": links.get(r.resolved_clause_id) if r.resolved_clause_id else None} for r in outgoing]
    cited = [{"source": links[r.clause_id], "span_start": r.span_start, "span_end": r.span_end,
              "text": convert(r.text, script), "paragraph": r.paragraph, "item": r.item}
             for r in incoming if r.clause_id in links and r.clause_id != clause_id]
    return refs, cited


def version_out(check: VersionCheck, script: str) -> dict:
    """A permalink's version check for the API, the cited text in `script`."""
    cited = check.cited
    return {"requested": check.requested, "current": check.current, "status": check.status,
            "message": check.message,
            "cited": None if cited is None else {
                "clause_id": cited.clause_id, "document_id": cited.document_id, "version": cited.version,
                "label": convert(cited.label, script) if cited.label else None,
                "section_path": [convert(p, script) for p in cited.section_path],
                "text": convert(cited.text, script), "line_start": cited.line_start, "line_end": cited.line_end,
                "title": convert(cited.title, script) if cited.title else None,
                "issuer": convert(cited.issuer, script) if cited.issuer else None,
                "doc_number": convert(cited.doc_number, script) if cited.doc_number else None,
                "date": cited.date, "file": cited.file, "replaced_in": cited.replaced_in}}


@router.get(
    "/clauses/{clause_id}", response_model=ClauseContextOut,
    responses={404: {"model": ErrorOut, "description": "No clause with this id (with `version`: when the clause "
                                                       "is gone but that version is held, `detail.version.cited` "
                                                       "is its text as it was)"},
               422: {"model": ErrorOut, "description": "`version` is not 12–64 hex digits"}},
    summary="A clause in context",
    description="The clause with its citation and section path, the clauses just before and after it in its "
                "document, and its near-identical copies in other documents. With `version` (from a permalink), "
                "`version` says whether the clause changed since that version of its document.")
async def clause(request: Request, loaded: Annotated[Loaded, Depends(served)],
                 clause_id: Annotated[str, Path(description="Clause id, as in search results.")],
                 script: Script = "original",
                 version: Annotated[str | None, Query(
                     pattern=r"^[0-9a-fA-F]{12,64}$",
                     description="The document version a permalink names (its `version`: 12 hex digits of the "
                                 "content hash). The answer's `version` then says whether the clause changed "
                                 "since, with its text as that version had it when the index holds it.")] = None,
                 ) -> dict:
    def work() -> dict:
        check = check_version(loaded.catalog, clause_id, version) if version else None
        ctx = check.context if check else loaded.catalog.context(clause_id)
        if ctx is None:
            removed = {"version": version_out(check, script)} if check else None
            raise ApiError(404, "not_found", f"No clause with id {clause_id!r} in index generation "
                                             f"{loaded.generation}. Ids come from /api/search results; an id "
                                             "can disappear when its document changes and is re-ingested."
                                             + (f" {check.message}" if check else ""), removed)
        doc = ctx.document
        references, cited_by = references_out(loaded, ctx.clause.id, script)
        return {"clause": clause_out(loaded.catalog, doc, ctx.clause, script), "references": references, "cited_by": cited_by,
                "document": summary_for_display(loaded.catalog.summary_of(doc), script),
                "previous": clause_out(loaded.catalog, doc, ctx.previous, script) if ctx.previous else None,
                "next": clause_out(loaded.catalog, doc, ctx.next, script) if ctx.next else None,
                "duplicates": [clause_out(loaded.catalog, d, c, script) for d, c in ctx.duplicates],
                "generation": loaded.generation, "version": version_out(check, script) if check else None}

    return await run_limited(request, work)
