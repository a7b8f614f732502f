"""GET /api/compare?a=&b=: 新旧对照 of two documents (service/compare.py), as JSON."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from policykb.service.api.deps import run_limited, served
from policykb.service.api.errors import ApiError
from policykb.service.api.schemas import ErrorOut
from policykb.service.compare import compare_documents
from policykb.service.reload import Loaded

router = APIRouter(tags=["compare"])

DocumentId = Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$",
                                  description="Document id, as /api/documents lists them.")]


class ComparedDocumentOut(BaseModel):
    id: str = Field(description="Document id.")
    title: str | None = Field(description="Title as stated in the document, or null.")
    file: str = Field(description="Source file, relative to the ingest root.")
    date: str | None = Field(description="Date as stated (ISO), or null.")


class ComparedClauseOut(BaseModel):
    id: str = Field(description="Clause id (see /api/clauses/{id}).")
    label: str | None = Field(description="The clause's number as written (「第十一条」), or null.")
    section_path: list[str] = Field(description="Headings above the clause, outermost first.")
    text: str = Field(description="The clause as written (an article with its 款 and 项).")
    line_start: int = Field(description="First source line (1-based).")
    line_end: int = Field(description="Last source line (1-based, inclusive).")


class RedlineSegmentOut(BaseModel):
    op: Literal["equal", "insert", "delete"] = Field(description="Kept, inserted in B, or deleted from A.")
    text: str = Field(description="The characters of this run, unescaped (escape them to show them).")


class AlignedPairOut(BaseModel):
    kind: Literal["unchanged", "changed", "added", "removed", "moved", "split", "merged"] = Field(
        description="unchanged/changed: in order; moved: out of order; split: one A clause became several B "
                    "clauses; merged: several A clauses became one; added/removed: only in B / only in A.")
    a: list[ComparedClauseOut] = Field(description="The A clause(s) of the pair (several when merged; empty when added).")
    b: list[ComparedClauseOut] = Field(description="The B clause(s) of the pair (several when split; empty when removed).")
    similarity: float = Field(description="0–1 share of characters the joined texts have in common (Indel "
                                          "ratio; 0 for added/removed).")
    renumbered: bool = Field(description="True when the two sides are articles with different 第X条 numbers.")
    redline: list[RedlineSegmentOut] = Field(description="Character-level diff from A's text (without its "
                                                         "number) to B's.")


class ComparisonOut(BaseModel):
    a: ComparedDocumentOut = Field(description="Document a (the old or national one).")
    b: ComparedDocumentOut = Field(description="Document b (the new or local one).")
    counts: dict[str, int] = Field(description="Pairs per kind (every kind, zeros included).")
    renumbered: int = Field(description="Pairs whose two sides carry different 第X条 numbers.")
    numbered_alike: bool = Field(description="True when the two documents' same-numbered articles mostly read "
                                             "alike, so the numbers anchored the alignment.")
    pairs: list[AlignedPairOut] = Field(description="The aligned pairs in B's reading order (a removed clause "
                                                    "after the B clause its A predecessor went to).")
    generation: str = Field(description="Index generation the documents were read from.")


@router.get(
    "/compare", response_model=ComparisonOut, summary="新旧对照: two documents aligned clause by clause",
    responses={404: {"model": ErrorOut, "description": "No document with the id given as a or b"},
               422: {"model": ErrorOut, "description": "a or b missing or not a document id"}},
    description="The clauses of document a (the old or national one) aligned with those of document b (the new "
                "or local one): by 第X条 where both number alike, else by text similarity keeping order; clauses "
                "that read alike out of order are `moved`, one clause become two consecutive ones `split` (or "
                "`merged`). Each pair has a character-level redline. Summary counts per kind on top.")
async def compare(request: Request, loaded: Annotated[Loaded, Depends(served)], a: DocumentId,
                  b: DocumentId) -> dict:
    def work() -> dict:
        docs = []
        for name, document_id in (("a", a), ("b", b)):
            doc = loaded.catalog.document(document_id)
            if doc is None:
                raise ApiError(404, "not_found", f"No document with id {document_id!r} (parameter {name}) in index "
                                                 f"generation {loaded.generation}. /api/documents lists them.",
                               {"parameter": name, "id": document_id})
            docs.append(doc)
        return {**compare_documents(*docs).as_dict(), "generation": loaded.generation}

    return await run_limited(request, work)
