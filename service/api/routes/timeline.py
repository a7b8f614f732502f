"""GET /api/timeline?q=: a requirement over time (service/timeline.py), as JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from policykb.service.api.deps import run_limited, served
from policykb.service.api.routes.search import MAX_QUERY, checked_query
from policykb.service.api.schemas import ErrorOut, SearchResultOut
from policykb.service.display import row_for_display
from policykb.service.reload import Loaded
from policykb.service.timeline import DEFAULT_DOCUMENTS, timeline

router = APIRouter(tags=["timeline"])
MAX_DOCUMENTS = 50


class QuantityOut(BaseModel):
    value: float = Field(description="The amount, normalized (「十二天」 and 「１２天」 → 12; 「1.5万人」 → 15000).")
    unit: str = Field(description="The unit in one spelling: 学时, 课时, 小时, 天, 日, 周, 月 (个月), 年, 次, 期, %, 人 (名), 元 …")
    text: str = Field(description="The figure as written in the clause (「１２天」).")
    start: int = Field(description="Start of the figure in the clause text as written (script=original).")
    end: int = Field(description="End (exclusive) of the figure in the clause text as written.")
    bound: Literal["at_least", "at_most"] | None = Field(
        description="What the text says of it: at_least (不少于, 至少, 以上), at_most (不超过, 以内, 内), or null.")
    figure: str = Field(description="Value and unit as the page shows them (「12 天」, 「3 个月」).")
    context: str = Field(description="The sentence of the clause the figure is in, as written: whom or what it is "
                                     "for (「科级以下干部每年参加培训累计不少于12天或者90学时」).")


class DocumentTimeOut(BaseModel):
    date: str | None = Field(description="The date the document states (ISO), or null.")
    year: int | None = Field(description="The date's year, or the year inferred from the 文号 or title; null when neither.")
    period: list[int] | None = Field(description="[first, last] year of the period its title names (「2009—2013年」), or null.")
    inferred: bool = Field(description="True when no date is stated and the year or period was read out of another field.")
    source: Literal["date", "doc_number", "title"] | None = Field(
        description="The field the date or year comes from: date (stated), doc_number or title (inferred); null when "
                    "unknown. A period is always read from the title.")
    source_text: str | None = Field(description="That field as written (the date, the 文号 or the title), or null.")
    line: int | None = Field(description="Its source line, or null.")
    label: str = Field(description="As the page shows it: 「2011-11-14」, 「2009—2013年（据标题推断）」, 「日期不详」.")
    known: bool = Field(description="False when the document states no date and none can be read from its 文号 or title.")


class FigureChangeOut(BaseModel):
    unit: str = Field(description="The unit compared (the units the question asks for come first).")
    kind: Literal["same", "raised", "lowered", "changed", "new", "dropped"] = Field(
        description="same; raised / lowered (one figure on each side); changed; new (only in this row); dropped "
                    "(only in the row before).")
    before: list[QuantityOut] = Field(description="The figures of that unit in the row before.")
    after: list[QuantityOut] = Field(description="The figures of that unit in this row.")
    text: str = Field(description="The change in words: 「学时：100、40 → 90（改变）」.")


class TimelineRowOut(BaseModel):
    document_id: str = Field(description="Id of the document (see /api/documents/{id}).")
    title: str | None = Field(description="Its title as stated, or null.")
    doc_type: str | None = Field(description="Its type (规划, 意见 …), or null.")
    issuer: str | None = Field(description="Its issuer as stated, or null.")
    doc_number: str | None = Field(description="Its 文号 as written, or null.")
    when: DocumentTimeOut = Field(description="When the document is, and where that comes from.")
    clause: SearchResultOut = Field(description="The document's best clause for the question, a search result.")
    quantities: list[QuantityOut] = Field(description="The figures the clause states, in reading order.")
    changes: list[FigureChangeOut] | None = Field(
        description="Per unit, how this row's figures differ from the row before; null for the first dated row "
                    "and for rows whose date is unknown (they are not placed in time).")


class TimelineOut(BaseModel):
    query: str = Field(description="The question as received (trimmed).")
    mode: str = Field(description="Retrieval mode used: hybrid, dense or lexical.")
    script: str = Field(description="Script of the display text: original, hans or hant.")
    no_answer: bool = Field(description="True when the search finds nothing likely to answer; rows are then empty.")
    confidence: float = Field(description="The search's confidence (0–1) in its best answer.")
    units: list[str] = Field(description="The units the question asks for (多少学时 → 学时); empty when it asks none.")
    k: int = Field(description="At most this many documents (rows).")
    documents_considered: int = Field(description="Documents the search's results came from, before the relevance floor.")
    rows: list[TimelineRowOut] = Field(description="Dated rows oldest first, then those whose date is unknown.")
    generation: str = Field(description="Index generation that answered.")


@router.get(
    "/timeline", response_model=TimelineOut, summary="A requirement over time: each answering document's clause, by date",
    responses={422: {"model": ErrorOut, "description": "q empty or too long, k or mode out of range"},
               503: {"model": ErrorOut, "description": "Index not loaded yet, or the request timed out"}},
    description="For each document that answers `q` (its best clause has the search's confidence and at least half "
                "the best clause's score; at most `k` documents), that clause, ordered by the document's date — the "
                "stated date, else the period or year its title or 文号 gives (marked inferred), rows with neither "
                "last — with the figures it states (numbers normalized, Chinese numerals too) and what changed "
                "from the row before.")
async def get_timeline(
    request: Request,
    loaded: Annotated[Loaded, Depends(served)],
    q: Annotated[str, Query(description="The question; 1–256 characters after trimming.",
                            json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY, "pattern": r"\S"})],
    k: Annotated[int, Query(ge=1, le=MAX_DOCUMENTS, description=f"At most this many documents, 1–{MAX_DOCUMENTS}.")]
        = DEFAULT_DOCUMENTS,
    mode: Annotated[Literal["hybrid", "dense", "lexical"],
                    Query(description="hybrid (BM25 + embeddings, fused), dense or lexical.")] = "hybrid",
    script: Annotated[Literal["original", "hans", "hant"],
                      Query(description="Display script of clause texts, citations and titles: original, hans, hant.")]
        = "original",
) -> dict:
    query = checked_query(q)

    def work() -> dict:
        body = timeline(loaded.kb, query, k=k, mode=mode).to_dict()
        for row in body["rows"]:
            row_for_display(row, script, ("title", "issuer", "doc_number", "doc_type"))
        return {**body, "script": script, "generation": loaded.generation}

    return await run_limited(request, work)
