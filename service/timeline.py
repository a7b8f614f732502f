"""Timeline of a requirement: for each document that answers a question, its best clause, ordered by the
document's date, with the quantities the clause states and what changed from the row before.

`timeline(kb, query)` runs the ordinary search (hybrid by default) and keeps the documents whose best
clause answers: its confidence clears the search's own no-answer threshold and its fused score is within
`RELATIVE_FLOOR` of the best clause's (so a document that only shares the question's common words is not
a row), at most `k` documents. Within a document, the best-ranked of those clauses that states a figure in
the unit the question asks for (多少学时 → 学时) is kept, else its best-ranked clause. A clause search collapsed
into another document's result (`also_in`: the same plan restated in a second version) gives its own document a
row too, found by a search restricted to that document and held to the same confidence, so a requirement restated
unchanged shows as two rows whose figures did not change.

When a row is dated comes from the stored document metadata only (DocumentMeta.year_of): the stated date;
else the period or year its title or 文号 gives, said to be inferred and from what; else nothing, and the
row is shown as 日期不详 after the dated ones, in relevance order, and is not compared with its neighbours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, cast

from policykb.index.rows import DocumentRow
from policykb.search.confidence import NO_ANSWER_THRESHOLD
from policykb.search.highlight import asked_units
from policykb.search.quantities import Quantity, by_unit, quantities
from policykb.search.results import SearchResult

if TYPE_CHECKING:  # the knowledge base loads FAISS and the embedder: not needed to read a timeline
    from policykb.search.filters import SearchFilters
    from policykb.search.knowledge_base import KnowledgeBase

DEFAULT_DOCUMENTS = 10  # rows at most (`k`)
SEARCH_DEPTH = 100  # results of the search the documents are taken from
RELATIVE_FLOOR = 0.5  # a row's clause scores at least this share of the best clause's fused score
TWIN_DEPTH = 20  # results of a one-document search that look for a collapsed near-duplicate clause

# 「2009—2013年」, 「2013-2017年」 in a title: the period a plan covers
_PERIOD = re.compile(r"((?:19|20)[0-9]{2})\s*[—–―\-－~～至到]+\s*((?:19|20)[0-9]{2})\s*年")
_FIELD_NAMES = {"date": "日期", "doc_number": "文号", "title": "标题"}

ChangeKind = Literal["same", "raised", "lowered", "changed", "new", "dropped"]


@dataclass(frozen=True)
class DocumentTime:
    """When a document is, from its stored metadata: `date` as stated (ISO, or None), `year` (the date's,
    or one inferred from the 文号 or title), `period` (first and last year its title names, 「2009—2013年」),
    `inferred` (True when there is no stated date and the year or period was read out of `source_field`,
    whose text as written is `source_text`, on `line`). All None when the document says nothing."""

    date: str | None = None
    year: int | None = None
    period: tuple[int, int] | None = None
    inferred: bool = False
    source_field: str | None = None
    source_text: str | None = None
    line: int | None = None

    @property
    def known(self) -> bool:
        return self.date is not None or self.year is not None or self.period is not None

    def sort_key(self) -> tuple[int, str]:
        """Oldest first: the first year the document is of, then the date as stated (2011-11-14 after 2011)."""
        first = self.year if self.year is not None else self.period[0] if self.period else 0
        if self.period and not self.date:
            first = min(first, self.period[0])
        return first, self.date or ""

    def label(self) -> str:
        """「2011-11-14」, 「2009—2013年（据标题推断）」, 「2013年（据文号推断）」, 「日期不详」."""
        if self.date:
            return self.date
        if not self.known:
            return "日期不详"
        if self.period and self.period[0] != self.period[1]:
            when = f"{self.period[0]}—{self.period[1]}年"
            origin = "标题"
        else:
            # known, with no date: a year, else a period
            when = f"{self.year if self.year is not None else cast(tuple[int, int], self.period)[0]}年"
            origin = _FIELD_NAMES.get(self.source_field or "", self.source_field or "")
        return f"{when}（据{origin}推断）" if self.inferred else when

    def to_dict(self) -> dict:
        return {"date": self.date, "year": self.year, "period": list(self.period) if self.period else None,
                "inferred": self.inferred, "source": self.source_field, "source_text": self.source_text,
                "line": self.line, "label": self.label(), "known": self.known}


def document_time(doc: DocumentRow) -> DocumentTime:
    """The DocumentTime of a stored document (its date, year, year_source and title)."""
    source = doc.year_source or {}
    title = doc.title or ""
    period = None
    m = _PERIOD.search(title)
    if m and int(m.group(1)) <= int(m.group(2)):
        period = (int(m.group(1)), int(m.group(2)))
    if doc.date:
        return DocumentTime(date=doc.date, year=doc.year, period=period, inferred=False,
                            source_field="date", source_text=doc.date, line=source.get("line"))
    if doc.year is not None:
        if period and source.get("field") != "title" and period[0] != doc.year:
            period = None  # the 文号's year and the title's period disagree: show the year it was read from
        return DocumentTime(year=doc.year, period=period, inferred=bool(source.get("inferred")),
                            source_field=source.get("field"), source_text=source.get("text"), line=source.get("line"))
    if period:
        return DocumentTime(period=period, inferred=True, source_field="title", source_text=title)
    return DocumentTime()


@dataclass(frozen=True)
class FigureChange:
    """How one unit's figures differ from the row before: `before` and `after` (the figures of that unit in
    each clause, in reading order). `kind`: same, raised / lowered (one figure each side), changed, new
    (only in this row), dropped (only in the one before)."""

    unit: str
    before: tuple[Quantity, ...]
    after: tuple[Quantity, ...]

    @property
    def kind(self) -> ChangeKind:
        old, new = [q.value for q in self.before], [q.value for q in self.after]
        if not old:
            return "new"
        if not new:
            return "dropped"
        if sorted(old) == sorted(new):
            return "same"
        if len(old) == len(new) == 1:
            return "raised" if new[0] > old[0] else "lowered"
        return "changed"

    def describe(self) -> str:
        """「学时：100、40 → 90（改）」 as the CLI and the page print it."""
        def side(figures: tuple[Quantity, ...]) -> str:
            return "、".join(q.number() for q in figures) or "—"

        word = {"same": "未变", "raised": "提高", "lowered": "降低", "changed": "改变", "new": "新出现",
                "dropped": "未再规定"}[self.kind]
        unit = "个月" if self.unit == "月" else self.unit
        return f"{unit}：{side(self.before)} → {side(self.after)}（{word}）"

    def to_dict(self) -> dict:
        return {"unit": self.unit, "kind": self.kind, "before": [q.to_dict() for q in self.before],
                "after": [q.to_dict() for q in self.after], "text": self.describe()}


@dataclass(frozen=True)
class TimelineRow:
    """One document's answer: its summary facts, when it is, its best clause (a search result, with its
    citation, highlights and confidence), the quantities the clause states and the changes from the row
    before (None: nothing to compare with — the first dated row, or a row whose date is unknown)."""

    document_id: str
    title: str | None
    doc_type: str | None
    issuer: str | None
    doc_number: str | None
    when: DocumentTime
    clause: SearchResult
    quantities: tuple[Quantity, ...]
    changes: tuple[FigureChange, ...] | None = None

    def to_dict(self) -> dict:
        return {"document_id": self.document_id, "title": self.title, "doc_type": self.doc_type,
                "issuer": self.issuer, "doc_number": self.doc_number, "when": self.when.to_dict(),
                "clause": self.clause.to_dict(), "quantities": [q.to_dict() for q in self.quantities],
                "changes": None if self.changes is None else [c.to_dict() for c in self.changes]}


@dataclass(frozen=True)
class Timeline:
    """The rows for `query`, dated ones oldest first, then the undated; `no_answer` and `confidence` are the
    search's; `units` the units the question asks for (compared first); `documents_considered` how many
    documents the search's results came from, of which `rows` passed the floor."""

    query: str
    mode: str
    no_answer: bool
    confidence: float
    units: tuple[str, ...]
    rows: list[TimelineRow] = field(default_factory=list)
    documents_considered: int = 0
    k: int = DEFAULT_DOCUMENTS

    def to_dict(self) -> dict:
        return {"query": self.query, "mode": self.mode, "no_answer": self.no_answer,
                "confidence": round(self.confidence, 4), "units": list(self.units), "k": self.k,
                "documents_considered": self.documents_considered, "rows": [r.to_dict() for r in self.rows]}


def changes_between(before: tuple[Quantity, ...], after: tuple[Quantity, ...],
                    units: tuple[str, ...] = ()) -> tuple[FigureChange, ...]:
    """Per unit either clause states (the asked `units` first, then in reading order), its figures before and after."""
    old, new = by_unit(list(before)), by_unit(list(after))
    order = [u for u in units if u in old or u in new]
    order += [u for u in [*new, *old] if u not in order]
    return tuple(FigureChange(u, tuple(old.get(u, ())), tuple(new.get(u, ()))) for u in dict.fromkeys(order))


def timeline(kb: KnowledgeBase, query: str, k: int = DEFAULT_DOCUMENTS, mode: str = "hybrid",
             filters: SearchFilters | None = None, relative_floor: float = RELATIVE_FLOOR,
             min_confidence: float = NO_ANSWER_THRESHOLD) -> Timeline:
    """The timeline of `query` over the knowledge base `kb` (see the module docstring)."""
    if k < 1:
        raise ValueError(f"k must be 1 or more, not {k}.")
    response = kb.search(query, k=SEARCH_DEPTH, mode=mode, filters=filters)
    units = asked_units(query)
    results = response.results
    considered = len({r.citation.document_id for r in results})
    if not results or response.no_answer:
        return Timeline(query, mode, response.no_answer, response.confidence, units, [], considered, k)
    floor = relative_floor * results[0].score
    passing: dict[str, list[SearchResult]] = {}
    tried: set[str] = set()  # documents whose collapsed near-duplicate clause was looked for
    for r in results:
        if r.confidence >= min_confidence and r.score >= floor:
            passing.setdefault(r.citation.document_id, []).append(r)
            for twin_id, twin in zip(r.also_in_ids, r.also_in):  # another version stating the same clause
                if twin.document_id not in passing and twin.document_id not in tried and len(passing) < k:
                    tried.add(twin.document_id)
                    clause = _twin(kb, query, mode, filters, twin.document_id, twin_id, min_confidence)
                    if clause is not None:
                        passing[twin.document_id] = [clause]
    chosen = []
    for document_id, clauses in list(passing.items())[:k]:  # documents in the order of their best clause
        found = [quantities(c.text) for c in clauses]
        pick = next((i for i, qs in enumerate(found) if any(q.unit in units for q in qs)), 0)
        chosen.append((document_id, clauses[pick], tuple(found[pick])))
    rows = []
    for document_id, clause, stated in chosen:
        doc = kb.documents[document_id]
        rows.append(TimelineRow(document_id, doc.title, doc.doc_type, doc.issuer, doc.doc_number,
                                document_time(doc), clause, stated))
    dated = sorted((r for r in rows if r.when.known), key=lambda r: r.when.sort_key())  # stable: ties by relevance
    undated = [r for r in rows if not r.when.known]
    ordered: list[TimelineRow] = []
    for i, row in enumerate(dated):
        changes = changes_between(dated[i - 1].quantities, row.quantities, units) if i else None
        ordered.append(replace(row, changes=changes))
    ordered.extend(undated)
    return Timeline(query, mode, response.no_answer, response.confidence, units, ordered, considered, k)


def _twin(kb: KnowledgeBase, query: str, mode: str, filters: SearchFilters | None, document_id: str,
          clause_id: str, min_confidence: float) -> SearchResult | None:
    """The near-identical clause `clause_id` of another document (search shows it only in `also_in`), as that
    document's own search result, when it clears the confidence floor and the filters; else None."""
    from policykb.search.filters import SearchFilters

    only = replace(filters, document_ids=[document_id]) if filters else SearchFilters(document_ids=[document_id])
    found = kb.search(query, k=TWIN_DEPTH, mode=mode, filters=only).results
    return next((r for r in found if r.id == clause_id and r.confidence >= min_confidence), None)
