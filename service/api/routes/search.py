"""GET /api/search: the k best clauses for a question, with citations and highlights."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from policykb.service.api.deps import run_limited, served
from policykb.service.api.errors import ApiError
from policykb.service.api.schemas import ErrorOut, SearchResponseOut
from policykb.service.display import result_for_display
from policykb.service.filters import SearchFilters
from policykb.service.reload import Loaded

router = APIRouter(tags=["search"])
MAX_QUERY = 256


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
    year_from: Annotated[int | None, Query(ge=1900, le=2200, description="Only documents of this year or later (the "
                                                                          "date's year, or the one inferred from the 文号 or title).")] = None,
    year_to: Annotated[int | None, Query(ge=1900, le=2200, description="Only documents of this year or earlier; not "
                                                                        "before year_from.")] = None,
    script: Annotated[Literal["original", "hans", "hant"],
                      Query(description="Display script: original (as written), hans (simplified) or hant "
                                        "(traditional; characters only, same words). `text`, highlights and the "
                                        "citations' title, issuer, 文号, section path and label follow it; file "
                                        "names, dates and line numbers do not change.")] = "original",
) -> dict:
    query = checked_query(q)
    filters = SearchFilters(document_ids=document, issuers=issuer, doc_types=doc_type,
                            year_from=year_from, year_to=year_to)
    problems = filters.problems()
    if problems:
        raise ApiError(422, "invalid_request", " ".join(f"{name}: {message}" for name, message in problems),
                       [{"loc": ["query", name], "msg": message, "type": "value_error"} for name, message in problems])

    def work() -> dict:
        body = loaded.kb.search(query, k=k, mode=mode, filters=filters).to_dict()
        body["results"] = [result_for_display(r, script) for r in body["results"]]
        return {**body, "script": script, "generation": loaded.generation}

    return await run_limited(request, work)
