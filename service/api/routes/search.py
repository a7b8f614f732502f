"""GET /api/search: the k best clauses for a question, with citations and highlights."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from policykb.search.filters import SearchFilters
from policykb.service.api.deps import run_limited, served
from policykb.service.api.errors import ApiError
from policykb.service.api.schemas import ErrorOut, SearchResponseOut
from policykb.service.display import convert, result_for_display
from policykb.service.reload import Loaded

router = APIRouter(tags=["search"])
MAX_QUERY = 256
MAX_OFFSET = 400  # a query finds at most 100 clauses per retriever (plus a named document's pinned ones): more finds nothing


def checked_query(q: str) -> str:
    """The query trimmed; 422 unless it has 1–256 characters."""
    text = q.strip()
    if not 1 <= len(text) <= MAX_QUERY:
        problem = "is empty" if not text else f"has {len(text)} characters"
        raise ApiError(422, "invalid_request",
                       f"q: the query {problem} after trimming spaces; it must have 1–{MAX_QUERY} characters.",
                       [{"loc": ["query", "q"], "msg": f"length must be 1–{MAX_QUERY} after trimming",
                         "type": "string_length"}])
    return text


def reject_problems(filters: SearchFilters) -> None:
    """422 naming each filter value that cannot mean anything (an inverted year range)."""
    problems = filters.problems()
    if problems:
        raise ApiError(422, "invalid_request", " ".join(f"{name}: {message}" for name, message in problems),
                       [{"loc": ["query", name], "msg": message, "type": "value_error"} for name, message in problems])


@router.get(
    "/search", response_model=SearchResponseOut,
    responses={422: {"model": ErrorOut, "description": "A parameter is out of range (or year_from is after year_to)"},
               503: {"model": ErrorOut, "description": "Index not loaded yet, or the request timed out"}},
    summary="Search clauses",
    description="Finds the clauses that best answer `q` (simplified or traditional Chinese; words or a "
                "question). Near-identical clauses from other documents are collapsed into one result and "
                "cited in `also_in`. `no_answer` is true when even the best clause is unlikely to answer.")
async def search(
    request: Request,
    loaded: Annotated[Loaded, Depends(served)],
    # the length is declared for the schema and checked by checked_query, after trimming, with
    # its own message (so 「  …256 characters…  」 is still accepted)
    q: Annotated[str, Query(description="The question or terms; 1–256 characters after trimming (at least one "
                                        "that is not a space).",
                            json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY, "pattern": r"\S"})],
    k: Annotated[int, Query(ge=1, le=100, description="Number of results, 1–100.")] = 10,
    mode: Annotated[Literal["hybrid", "dense", "lexical"],
                    Query(description="hybrid (BM25 + embeddings, fused), dense (embeddings) or lexical (BM25).")] = "hybrid",
    document: Annotated[list[str], Query(description="Only clauses of these document ids (repeatable).")] = [],
    issuer: Annotated[list[str], Query(description="Only documents whose issuer contains this text, in either script "
                                                   "(repeatable).")] = [],
    doc_type: Annotated[list[str], Query(description="Only documents of this type, e.g. 规划, 意见, in either script "
                                                     "(repeatable).")] = [],
    status: Annotated[list[str], Query(description="Only documents that state this status (现行有效, 废止 …), either "
                                                   "script; the whole value (repeatable).")] = [],
    year_from: Annotated[int | None, Query(ge=1900, le=2200, description="Only documents of this year or later (the "
                                                                          "date's year, or the one inferred from the "
                                                                          "文号 or title).")] = None,
    year_to: Annotated[int | None, Query(ge=1900, le=2200, description="Only documents of this year or earlier; not "
                                                                        "before year_from.")] = None,
    sort: Annotated[Literal["relevance", "date"], Query(
        description="relevance (default), or date: the same matches ordered by their document's date, newest "
                    "first (a document with no date by the year its 文号 or title gives; neither: last), ties "
                    "by relevance. Weak matches are in both orders; each result's `confidence` tells them.")] = "relevance",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description=f"Skip this many matches (0–{MAX_OFFSET}); "
                                                                   "with `k`, pages through `matches`.")] = 0,
    script: Annotated[Literal["original", "hans", "hant"],
                      Query(description="Display script: original (as written), hans (simplified) or hant "
                                        "(traditional; characters only, same words). `text`, highlights and the "
                                        "citations' title, issuer, 文号, section path and label follow it; file "
                                        "names, dates and line numbers do not change.")] = "original",
) -> dict:
    query = checked_query(q)
    filters = SearchFilters(document_ids=document, issuers=issuer, doc_types=doc_type, statuses=status,
                            year_from=year_from, year_to=year_to)
    reject_problems(filters)

    def work() -> dict:
        body = loaded.kb.search(query, k=k, mode=mode, filters=filters, offset=offset, sort=sort).to_dict()
        if script != "original":  # facet values follow the script; the filters take either
            body["facets"] = {name: [{**row, "value": convert(row["value"], script) if isinstance(row["value"], str)
                                      else row["value"]} for row in rows] for name, rows in body["facets"].items()}
        body["results"] = [result_for_display(r, script) for r in body["results"]]
        return {**body, "script": script, "generation": loaded.generation}

    return await run_limited(request, work)
