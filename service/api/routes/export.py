"""GET /api/export: search results, chosen clauses or whole documents as CSV, XLSX, DOCX, Markdown,
RIS, BibTeX or CSL-JSON, each clause with its citations (service/export); GET /api/citations: the
citation formats of some clauses as JSON (what the page's 复制引用 copies)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date as Date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from policykb.search.filters import SearchFilters
from policykb.service.api.deps import run_limited, served
from policykb.service.api.errors import ApiError
from policykb.service.api.routes.clauses import Script
from policykb.service.api.routes.search import checked_query
from policykb.service.api.schemas import ErrorOut
from policykb.service.export import selection
from policykb.service.export.writers import FORMATS
from policykb.service.reload import Loaded

router = APIRouter(tags=["export"])


class FormattedCitationOut(BaseModel):
    """Every citation format of one clause (docs/api.md, *Citations and exports*)."""

    id: str = Field(description="Clause id.")
    legal: str = Field(description="法学引注手册, in text: 「《中华人民共和国公务员法》第十四条」.")
    footnote: str = Field(description="The same closed as a footnote: 「《中华人民共和国公务员法》第十四条。」 (what the "
                                      "page's 复制引用 copies, with the GB/T 7714—2015 entry on the next line).")
    gbt7714_2015: str = Field(description="GB/T 7714—2015 entry of its document.")
    gbt7714_2025: str = Field(description="GB/T 7714—2025 entry of its document.")
    locator: str = Field(description="File and lines (pages, Word paragraphs) for a checker.")
    version: str | None = Field(description="The quoted document text's version: 12 hex digits of its content hash "
                                            "(null for a document stored without one).")
    permalink: str = Field(description="The clause in this server's reader, pinned to that version: "
                                       "http://host/#doc=…&clause=…&v=… (see Permalinks).")
    csl: dict = Field(description="The CSL-JSON item (type legislation).")


class CitationsOut(BaseModel):
    accessed: str = Field(description="The 引用日期 the entries carry, YYYY-MM-DD.")
    citations: list[FormattedCitationOut] = Field(description="One per clause id, in the order given.")
    generation: str = Field(description="The index generation that answered.")


FormatName = Literal["csv", "xlsx", "docx", "md", "ris", "bibtex", "csl-json"]


def _accessed(value: Date | None) -> Date:
    return Date.today() if value is None else value


@router.get(
    "/export", response_class=Response,
    responses={200: {"content": {f.media_type.split(";")[0]: {} for f in FORMATS.values()},
                     "description": "The export file (Content-Disposition: attachment)"},
               404: {"model": ErrorOut, "description": "A clause or document id is not in the index"},
               422: {"model": ErrorOut, "description": "Nothing to export was named, or a parameter is out of range"},
               503: {"model": ErrorOut, "description": "Index not loaded yet, or the request timed out"}},
    summary="Export clauses with their citations",
    description="Exports the clauses named by `id` (repeatable; `q` then titles the handout), else the results "
                "of searching `q` (with the same `k`, `mode` and filters as /api/search), else every clause of the "
                "`document`s. Each clause carries its citations: 法学引注手册 in text, GB/T 7714—2015 and —2025, "
                "CSL-JSON, RIS, BibTeX, and the file and lines. Formats: csv and xlsx (one row per clause), docx (a "
                "handout: each clause quoted with its citation, then the references in GB/T 7714 order), md, and "
                "ris, bibtex, csl-json bundles (one item per clause).")
async def export(
    request: Request,
    loaded: Annotated[Loaded, Depends(served)],
    format: Annotated[FormatName, Query(description="csv, xlsx, docx, md, ris, bibtex or csl-json.")],
    q: Annotated[str | None, Query(description="A question to search (1–256 characters), or the handout's title "
                                               "when `id` is given.")] = None,
    id: Annotated[list[str], Query(description="Clause ids to export, in this order (repeatable, at most "
                                               f"{selection.MAX_CLAUSES}).")] = [],
    k: Annotated[int, Query(ge=1, le=100, description="Number of search results, 1–100.")] = 10,
    mode: Annotated[Literal["hybrid", "dense", "lexical"], Query(description="Search mode, as /api/search.")] = "hybrid",
    document: Annotated[list[str], Query(description="With `q`: only clauses of these documents; alone: every "
                                                     "clause of them (repeatable).")] = [],
    issuer: Annotated[list[str], Query(description="With `q`: only documents whose issuer contains this.")] = [],
    doc_type: Annotated[list[str], Query(description="With `q`: only documents of this type.")] = [],
    year_from: Annotated[int | None, Query(ge=1900, le=2200, description="With `q`: this year or later.")] = None,
    year_to: Annotated[int | None, Query(ge=1900, le=2200, description="With `q`: this year or earlier.")] = None,
    # a date in the schema (format: date), so a request the schema allows is one the route takes
    accessed: Annotated[Date | None, Query(description="The 引用日期 of every citation, YYYY-MM-DD (default today).")] = None,
    online_type: Annotated[Literal["A", "EB"], Query(description="GB/T 7714—2015 type of an entry with a URL: A "
                                                                 "([A/OL], the default) or EB ([EB/OL]).")] = "A",
    script: Script = "original",
) -> Response:
    day = _accessed(accessed)
    query = checked_query(q) if q is not None else None
    if not id and query is None and not document:
        raise ApiError(422, "invalid_request", "Say what to export: `q` (a search), `id` (clause ids, repeatable) "
                                               "or `document` (every clause of these documents).",
                       [{"loc": ["query", "q"], "msg": "one of q, id or document is required", "type": "missing"}])
    filters = SearchFilters(document_ids=document, issuers=issuer, doc_types=doc_type,
                            year_from=year_from, year_to=year_to)
    problems = filters.problems()
    if problems:
        raise ApiError(422, "invalid_request", " ".join(f"{name}: {message}" for name, message in problems),
                       [{"loc": ["query", name], "msg": message, "type": "value_error"} for name, message in problems])
    writer = FORMATS[format]

    def work() -> bytes:
        if id:
            chosen = selection.from_clause_ids(loaded.catalog, id, day, online_type, query=query, script=script)
        elif query is not None:
            chosen = selection.from_search(loaded.kb, loaded.catalog, query, day, k, mode, filters, online_type,
                                           script)
        else:
            chosen = selection.from_documents(loaded.catalog, document, day, online_type, script)
        return writer.write(replace(chosen, base_url=str(request.base_url)))

    try:
        body = await run_limited(request, work)
    except selection.NotInIndex as err:
        raise ApiError(404, "not_found", str(err)) from err
    except selection.TooManyClauses as err:
        raise ApiError(422, "invalid_request", str(err)) from err
    name = f"policykb-{day.isoformat()}.{writer.extension}"
    return Response(body, media_type=writer.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Policykb-Generation": loaded.generation})


@router.get(
    "/citations", response_model=CitationsOut,
    responses={404: {"model": ErrorOut, "description": "A clause id is not in the index"},
               422: {"model": ErrorOut, "description": "No id, too many, or a bad date"}},
    summary="Citation formats of clauses",
    description="For each clause id (repeatable, in order): its 法学引注手册 citation, its document's GB/T 7714—2015 "
                "and —2025 entries, the CSL-JSON item, the locator and the version. Unknown metadata is left out.")
async def citations(
    request: Request,
    loaded: Annotated[Loaded, Depends(served)],
    id: Annotated[list[str], Query(min_length=1, description="Clause ids (repeatable; at least one).")],
    accessed: Annotated[Date | None, Query(description="The 引用日期, YYYY-MM-DD (default today).")] = None,
    online_type: Annotated[Literal["A", "EB"], Query(description="GB/T 7714—2015 type of an online entry.")] = "A",
    script: Script = "original",
) -> dict:
    import json

    day = _accessed(accessed)

    def work() -> dict:
        chosen = replace(selection.from_clause_ids(loaded.catalog, id, day, online_type, script=script),
                         base_url=str(request.base_url))
        return {"accessed": day.isoformat(), "generation": loaded.generation, "citations": [
            {"id": e.clause.clause_id, "legal": e.citations.legal, "footnote": e.citations.footnote,
             "permalink": chosen.permalink(e), "gbt7714_2015": e.citations.gbt7714_2015,
             "gbt7714_2025": e.citations.gbt7714_2025, "locator": e.citations.locator,
             "version": e.clause.document.version, "csl": json.loads(e.citations.csl_json)}
            for e in chosen.clauses]}

    try:
        return await run_limited(request, work)
    except selection.NotInIndex as err:
        raise ApiError(404, "not_found", str(err)) from err
    except selection.TooManyClauses as err:
        raise ApiError(422, "invalid_request", str(err)) from err
