"""中央与地方 side by side: for a question, the national clause that answers it and, next to it, the closest
clause of each document in the index that implements that national document, grouped by issuer level.

`regions(kb, query)` runs the ordinary search and takes as the national clause the best-ranked answering
clause (the search's confidence, and at least `RELATIVE_FLOOR` of the best clause's score) whose document
is not local (service/issuer_levels.py: its issuer, or its title when no issuer is stated, is not 省/市/县),
preferring one whose document some measure implements; when the index holds a newer version of that document
(ingest/relations.py) whose clauses answer too, the newest version's best clause is shown instead. `document=`
names the national document instead.
The implementing documents are those the index's relations say implement that document or any version
of it (ingest/relations.py: 「实施《…》办法」 by its title or its first article). Each gets the clause a
search restricted to it ranks first for the question, held to the same confidence; a document with none
is listed with no clause rather than an unrelated one. A measure that implements another version of the
national document than the one whose clause is shown says which (`implemented_version`), and when that
version is in the index its clause is shown too, as a national row of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from policykb.ingest.relations import DocumentRelation
from policykb.search.confidence import NO_ANSWER_THRESHOLD
from policykb.search.results import SearchResult
from policykb.service.issuer_levels import LEVEL_LABELS, LEVELS, IssuerLevel, issuer_level
from policykb.service.timeline import DocumentTime, document_time

if TYPE_CHECKING:  # the knowledge base loads FAISS and the embedder: not needed to read a comparison
    from policykb.search.filters import SearchFilters
    from policykb.search.knowledge_base import KnowledgeBase

SEARCH_DEPTH = 100  # results of the search the national clause is taken from
RELATIVE_FLOOR = 0.5  # as the timeline's: a national clause scores at least this share of the best clause's
DOCUMENT_DEPTH = 10  # results of a one-document search for a measure's closest clause
OTHERS = 2  # further answering clauses of a document, listed after its closest one


class UnknownDocument(LookupError):
    """`document=` names no document of the index."""


@dataclass(frozen=True)
class RegionRow:
    """One document beside the question: `role` national (the national clause's document), implemented_version
    (another version of it, one a measure implements) or implements (a measure implementing it); its level
    and when it is; `clause` its closest clause (None: none of its clauses answers); for a measure, the
    relation's `evidence`, the version it implements (`implemented_version`, ISO date, None when it cannot be
    told) and whether that version is in the index (`implemented_version_held`); `others` the next clauses of
    the document that also answer (at most OTHERS), for a reader who finds the first one beside the point."""

    role: str
    document_id: str
    title: str | None
    issuer: str | None
    doc_type: str | None
    level: IssuerLevel
    when: DocumentTime
    clause: SearchResult | None
    evidence: str | None = None
    implemented_version: str | None = None
    implemented_version_held: bool | None = None
    implemented_document_id: str | None = None
    others: tuple[SearchResult, ...] = ()

    def to_dict(self) -> dict:
        return {"role": self.role, "document_id": self.document_id, "title": self.title, "issuer": self.issuer,
                "doc_type": self.doc_type, "level": self.level.to_dict(), "when": self.when.to_dict(),
                "clause": self.clause.to_dict() if self.clause else None, "evidence": self.evidence,
                "implemented_version": self.implemented_version,
                "implemented_version_held": self.implemented_version_held,
                "implemented_document_id": self.implemented_document_id,
                "others": [{"id": o.id, "label": o.citation.label, "section_path": o.citation.section_path,
                            "confidence": round(o.confidence, 4)} for o in self.others]}


@dataclass(frozen=True)
class LevelGroup:
    """The rows of one issuer level (one of LEVELS, or None: 级别不详), in the order they are shown."""

    level: str | None
    rows: list[RegionRow]

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level] if self.level else "级别不详"

    def to_dict(self) -> dict:
        return {"level": self.level, "label": self.label, "rows": [r.to_dict() for r in self.rows]}


@dataclass(frozen=True)
class RegionsView:
    """The answer for `query`: `national` the national document's row (None when no national clause answers),
    `groups` every row by level from 中央 down (the national row included), `implementing` how many measures
    the index holds for it, `answering` how many of them have a clause that answers."""

    query: str
    mode: str
    no_answer: bool
    confidence: float
    national: RegionRow | None
    groups: list[LevelGroup] = field(default_factory=list)

    @property
    def rows(self) -> list[RegionRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def implementing(self) -> int:
        return sum(row.role == "implements" for row in self.rows)

    @property
    def answering(self) -> int:
        return sum(row.role == "implements" and row.clause is not None for row in self.rows)

    def to_dict(self) -> dict:
        return {"query": self.query, "mode": self.mode, "no_answer": self.no_answer,
                "confidence": round(self.confidence, 4),
                "national": self.national.to_dict() if self.national else None,
                "implementing": self.implementing, "answering": self.answering,
                "groups": [g.to_dict() for g in self.groups]}


def version_family(document_id: str, relations: list[DocumentRelation]) -> set[str]:
    """`document_id` and every document the index's relations make a version of it, however far."""
    linked: dict[str, set[str]] = {}
    for r in relations:
        if r.kind == "version" and r.target_id:
            linked.setdefault(r.source_id, set()).add(r.target_id)
            linked.setdefault(r.target_id, set()).add(r.source_id)
    family, todo = {document_id}, [document_id]
    while todo:
        for other in linked.get(todo.pop(), ()):
            if other not in family:
                family.add(other)
                todo.append(other)
    return family


def implementing(family: set[str], relations: list[DocumentRelation]) -> list[DocumentRelation]:
    """The relations of measures implementing a document of `family`, one per measure, in index order."""
    out: dict[str, DocumentRelation] = {}
    for r in relations:
        if r.kind == "implements" and r.target_id in family and r.source_id not in family:
            out.setdefault(r.source_id, r)
    return list(out.values())


def regions(kb: KnowledgeBase, query: str, mode: str = "hybrid", document: str | None = None,
            filters: SearchFilters | None = None, relative_floor: float = RELATIVE_FLOOR,
            min_confidence: float = NO_ANSWER_THRESHOLD) -> RegionsView:
    """The national clause for `query` and each implementing measure's closest clause (see the module docstring).
    Raises UnknownDocument when `document` is given and is not in the index."""
    if document is not None and document not in kb.documents:
        raise UnknownDocument(document)
    relations = kb.index.relations
    def level(doc_id: str) -> IssuerLevel:  # read for the documents a view touches only, not the whole index
        d = kb.documents[doc_id]
        return issuer_level(d.issuer, d.title)

    response = kb.search(query, k=SEARCH_DEPTH, mode=mode, filters=filters)
    anchor: SearchResult | None = None
    anchor_id: str | None
    if document is not None:
        anchor = next(iter(_answering(kb, query, mode, filters, document, min_confidence)), None)
        anchor_id = document
    elif response.results and not response.no_answer:
        floor = relative_floor * response.results[0].score
        national_results = [r for r in response.results if r.confidence >= min_confidence and r.score >= floor
                            and not level(r.citation.document_id).local]
        implemented = [r for r in national_results
                       if implementing(version_family(r.citation.document_id, relations), relations)]
        anchor = next(iter(implemented or national_results), None)
        anchor_id = anchor.citation.document_id if anchor else None
    else:
        anchor_id = None
    if anchor_id is None:
        return RegionsView(query, mode, response.no_answer, response.confidence, None, [])

    family = version_family(anchor_id, relations)
    newest = max(family, key=lambda d: (kb.documents[d].date or "", d == anchor_id))
    if document is None and newest != anchor_id:  # the national clause is the current version's, when it has one
        current = _answering(kb, query, mode, filters, newest, min_confidence)
        if current:
            anchor_id, anchor = newest, current[0]

    def row(role: str, doc_id: str, clauses: list[SearchResult], **relation) -> RegionRow:
        d = kb.documents[doc_id]
        return RegionRow(role, doc_id, d.title, d.issuer, d.doc_type, level(doc_id),
                         document_time(d), clauses[0] if clauses else None, **relation,
                         others=tuple(clauses[1:1 + OTHERS]))

    def answering(doc_id: str) -> list[SearchResult]:
        return _answering(kb, query, mode, filters, doc_id, min_confidence)

    if anchor is not None and document is None:  # the national clause as the full search ranked it, then its runners-up
        national = row("national", anchor_id, [anchor] + [r for r in answering(anchor_id) if r.id != anchor.id])
    else:
        national = row("national", anchor_id, answering(anchor_id))
    rows = [national]
    shown_versions = {anchor_id}
    for r in implementing(family, relations):
        if r.implemented_version_held and r.target_id is not None and r.target_id not in shown_versions:
            # the measure implements another version, and the index holds it: show that version's clause too
            shown_versions.add(r.target_id)
            rows.append(row("implemented_version", r.target_id, answering(r.target_id)))
        rows.append(row("implements", r.source_id, answering(r.source_id),
                        evidence=r.evidence, implemented_version=r.implemented_version,
                        implemented_version_held=r.implemented_version_held, implemented_document_id=r.target_id))
    return RegionsView(query, mode, response.no_answer, response.confidence, national, _grouped(rows))


def _grouped(rows: list[RegionRow]) -> list[LevelGroup]:
    """Rows by level from 中央 down, 级别不详 last; within a level the national document first, then the other
    versions, then the measures, each by date, oldest first (日期不详 last)."""
    order = {level: i for i, level in enumerate(LEVELS)}
    groups: dict[str | None, list[RegionRow]] = {}
    for r in rows:
        groups.setdefault(r.level.level, []).append(r)
    out = []
    for level in sorted(groups, key=lambda lv: order.get(lv, len(LEVELS)) if lv else len(LEVELS) + 1):
        members = sorted(groups[level], key=lambda r: (r.role != "national", r.role == "implements", not r.when.known,
                                                       r.when.sort_key()))
        out.append(LevelGroup(level, members))
    return out


def _answering(kb: KnowledgeBase, query: str, mode: str, filters: SearchFilters | None, document_id: str,
               min_confidence: float) -> list[SearchResult]:
    """The clauses of `document_id` a search restricted to it ranks for `query`, those confident enough, best first."""
    from policykb.search.filters import SearchFilters

    only = replace(filters, document_ids=[document_id]) if filters else SearchFilters(document_ids=[document_id])
    found = kb.search(query, k=DOCUMENT_DEPTH, mode=mode, filters=only).results
    return [r for r in found if r.confidence >= min_confidence and r.citation.document_id == document_id]
