"""GET /api/compare/regions?q=: 中央与地方 side by side (service/regions.py), as JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from policykb.service.api.deps import run_limited, served
from policykb.service.api.errors import ApiError
from policykb.service.api.routes.search import MAX_QUERY, checked_query
from policykb.service.api.routes.timeline import DocumentTimeOut
from policykb.service.api.schemas import ErrorOut, SearchResultOut
from policykb.service.display import row_for_display
from policykb.service.regions import UnknownDocument, regions
from policykb.service.reload import Loaded

router = APIRouter(tags=["compare"])
Level = Literal["中央", "国务院", "部委", "全国", "省", "市", "县"]


class IssuerLevelOut(BaseModel):
    level: Level | None = Field(description="中央, 国务院, 部委, 省 (直辖市 and 自治区 included), 市, 县; 全国 when only the "
                                            "title says the document is national (中华人民共和国…); null when "
                                            "nothing says.")
    label: str = Field(description="As the page shows it: 「省级（含直辖市、自治区）」, 「…（据标题推断）」, 「级别不详」.")
    source: Literal["issuer", "title"] | None = Field(description="What the level was read from, or null.")
    text: str | None = Field(description="That field as written, or null.")
    inferred: bool = Field(description="True when no issuer is stated and the level was read from the title.")


class OtherClauseOut(BaseModel):
    id: str = Field(description="Clause id (see /api/clauses/{id}).")
    label: str | None = Field(description="Its number as written (「第二十条」), or null.")
    section_path: list[str] = Field(description="Headings above it, outermost first.")
    confidence: float = Field(description="The search's confidence (0–1) that it answers.")


class RegionRowOut(BaseModel):
    role: Literal["national", "implemented_version", "implements"] = Field(
        description="national: the document of the national clause; implemented_version: another version of it "
                    "that a measure implements; implements: a measure (实施办法/实施条例 …) implementing it.")
    document_id: str = Field(description="Id of the document (see /api/documents/{id}).")
    title: str | None = Field(description="Its title as stated, or null.")
    issuer: str | None = Field(description="Its issuer as stated, or null.")
    doc_type: str | None = Field(description="Its type (法律, 办法 …), or null.")
    level: IssuerLevelOut = Field(description="The level of government it comes from, and where that was read.")
    when: DocumentTimeOut = Field(description="When the document is, and where that comes from.")
    clause: SearchResultOut | None = Field(description="Its clause closest to the question (a search restricted to "
                                                       "it, held to the search's confidence); null when none answers.")
    others: list[OtherClauseOut] = Field(description="Its next clauses that also answer, at most 2.")
    evidence: str | None = Field(description="For a measure: what in the texts says it implements the national "
                                             "document, and the version it most likely implements by date.")
    implemented_version: str | None = Field(description="For a measure: the date (ISO) of the version it implements, "
                                                        "as its own date and the law's history tell; null when they "
                                                        "cannot tell.")
    implemented_version_held: bool | None = Field(description="For a measure: whether that version is in the index.")
    implemented_document_id: str | None = Field(description="For a measure: the document of the index it is linked "
                                                            "to (that version, or the nearest later one).")


class LevelGroupOut(BaseModel):
    level: Level | None = Field(description="The issuer level of the group, null for 级别不详.")
    label: str = Field(description="The group's heading as the page shows it.")
    rows: list[RegionRowOut] = Field(description="National rows first, then measures, each oldest first.")


class RegionsOut(BaseModel):
    query: str = Field(description="The question as received (trimmed).")
    mode: str = Field(description="Retrieval mode used: hybrid, dense or lexical.")
    script: str = Field(description="Script of the display text: original, hans or hant.")
    no_answer: bool = Field(description="True when the search finds nothing likely to answer.")
    confidence: float = Field(description="The search's confidence (0–1) in its best answer.")
    national: RegionRowOut | None = Field(description="The national document's row (also in its group); null when no "
                                                      "national clause answers.")
    implementing: int = Field(description="Measures in the index implementing the national document (any version).")
    answering: int = Field(description="Of those, how many have a clause that answers the question.")
    groups: list[LevelGroupOut] = Field(description="Every row, by issuer level from 中央 down, 级别不详 last.")
    generation: str = Field(description="Index generation that answered.")


@router.get(
    "/compare/regions", response_model=RegionsOut, summary="中央与地方: the national clause beside each local measure's",
    responses={404: {"model": ErrorOut, "description": "No document with the id given as document"},
               422: {"model": ErrorOut, "description": "q empty or too long, document, mode or script not valid"},
               503: {"model": ErrorOut, "description": "Index not loaded yet, or the request timed out"}},
    description="For `q`, the best-ranked answering clause of a national document (its issuer, or its title when no "
                "issuer is stated, is not 省/市/县; one that measures implement is preferred), or of `document` "
                "when given, and beside it the closest clause of each document that implements it or another "
                "version of it (实施办法, 实施条例 …, found at ingest with their evidence and the version they "
                "implement), grouped by issuer level: 中央, 国务院, 部委, 省, 市, 县.")
async def get_regions(
    request: Request,
    loaded: Annotated[Loaded, Depends(served)],
    q: Annotated[str, Query(description="The question; 1–256 characters after trimming.",
                            json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY, "pattern": r"\S"})],
    document: Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$",
                                          description="The national document (its id, as /api/documents lists "
                                                      "them); default: the one whose clause answers best.")] = None,
    mode: Annotated[Literal["hybrid", "dense", "lexical"],
                    Query(description="hybrid (BM25 + embeddings, fused), dense or lexical.")] = "hybrid",
    script: Annotated[Literal["original", "hans", "hant"],
                      Query(description="Display script of clause texts, citations and titles: original, hans, hant.")]
        = "original",
) -> dict:
    query = checked_query(q)

    def work() -> dict:
        try:
            body = regions(loaded.kb, query, mode=mode, document=document).to_dict()
        except UnknownDocument:
            raise ApiError(404, "not_found", f"No document with id {document!r} (parameter document) in index "
                                             f"generation {loaded.generation}. /api/documents lists them.",
                           {"parameter": "document", "id": document}) from None
        # the national row is written twice (on its own and in its group): separate dicts, each converted once
        for row in [row for group in body["groups"] for row in group["rows"]] + [body["national"]] * bool(body["national"]):
            row_for_display(row, script)
        return {**body, "script": script, "generation": loaded.generation}

    return await run_limited(request, work)
