"""Query understanding: what a query asks beyond its words.

What a trainer types on day one and word matching alone gets wrong:

- 「公务员法 第67条」: an article, by number (Arabic or Chinese numerals), of a document the
  query names. The clause says 第六十七条, which shares no token with 67;
- 「公务员法什么时候施行」, 「公务员法施行日期」: when a named document takes effect. Its own
  text says so as 「本法自2019年6月1日起施行」, with 本法 and not its name, so BM25 ranks the
  clauses that repeat 公务员 (in this law and in every law about civil servants) above it;
- any query that names a document: that document's clauses are the ones meant.

`QueryReader` is built once per index from the documents' titles. `read(form)` gives a
`QueryPlan`: the documents the query names, the article number it cites, and whether it
asks when a text takes effect. A document is named when the query contains its title,
or its title without a bracketed tail (（2011年）, （试行）) or without 中华人民共和国; only
titles that end with a document-type word have names (法, 条例, 规定, 意见 …: the
documents whose `doc_type` is known), and the longest name found wins (档案法实施条例
over 档案法). `pinned(plan, allowed)` finds the clauses the plan points to in the named
documents: the article with that number (its label, in either numeral system), or the
clauses that say 「本X自…起施行/生效/实施」 (the document's own statement; without one,
a plain 「自…起施行」), the last first.

`rerank` applies a plan to the fused scores (called once, from KnowledgeBase.search): the
named documents' clauses rank above every other clause, keeping their own order (a soft
filter: the rest still follows), and the pinned clauses above those. Pinned clauses get
at least `PINNED_CONFIDENCE`: the query named the document and the article or the
question, and the clause is that article or that statement; the remaining doubt is the
name (two documents may share one, and then both are pinned).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from policykb.index.rows import DocumentRow

PINNED_CONFIDENCE = 0.9
MIN_NAME = 3  # 档案法
_ARTICLE = re.compile(r"第\s*([0-9]{1,4}|[零〇一二两三四五六七八九十百千]{1,10})\s*条")
_LABEL = re.compile(r"^第\s*([0-9]{1,4}|[零〇一二两三四五六七八九十百千]{1,10})\s*条")
# 「什么时候施行」, 「何时生效」, 「从哪天起实施」, 「施行日期」, 「生效时间」
_WHEN = re.compile(r"什么时[候间]|何时|哪天|哪一天|哪年|几时|何日|多会|从何|自何|起始|开始")
_TAKES_EFFECT = re.compile(r"施行|生效|实施")
_EFFECTIVE_DATE = re.compile(r"(?:施行|生效|实施)(?:的)?(?:日期|时间|日子)")
# 「本法自2019年6月1日起施行」, 「本办法自印发之日起施行」, 「自2020年1月1日起实施」, 「本规定从…起生效」
_EFFECTIVE = re.compile(r"(本[\u4e00-\u9fff]{1,6}?)?[自从][^。；，]{1,40}?起(?:施行|生效|实施|执行)")
_TAIL = re.compile(r"（[^（）]{1,16}）$")
_MARKS = re.compile(r"[《》“”\"'「」『』\s]")
_PRC = "中华人民共和国"


@dataclass(frozen=True)
class QueryPlan:
    """What a query asks beyond its words; empty when it is only words."""

    documents: tuple[str, ...] = ()  # ids of the documents it names
    name: str | None = None  # the name as found in the query (search form)
    article: int | None = None  # the article number it cites (第67条, 第六十七条 → 67)
    effective_date: bool = False  # asks when the named document takes effect

    @property
    def empty(self) -> bool:
        return not self.documents

    def to_dict(self) -> dict:
        return {"documents": list(self.documents), "name": self.name, "article": self.article,
                "effective_date": self.effective_date}


@dataclass
class _Pins:
    rows: list[int] = field(default_factory=list)
    reason: str | None = None  # "article" | "effective_date"


def _names(title: str) -> set[str]:
    """The ways a query may name a document with this title (in search form)."""
    from policykb.text.normalize import search_form

    full = _MARKS.sub("", search_form(title))
    bare = _TAIL.sub("", full)
    names = {full, bare, bare.removeprefix(_PRC)}
    return {n for n in names if len(n) >= MIN_NAME}


def article_number(label: str | None) -> int | None:
    """The number of an article label (「第六十七条」, 「第67条」 → 67), else None."""
    from policykb.ingest.numbering.marker import cn_to_int

    m = _LABEL.match(label or "")
    return cn_to_int(m.group(1)) if m else None


class QueryReader:
    """Reads queries against one index's documents (thread-safe: read-only after construction)."""

    def __init__(self, documents: Mapping[str, DocumentRow], clause_doc: np.ndarray,
                 records: Callable[[set[int]], dict]) -> None:
        """`documents`: id -> row (title, doc_type) in store order; `clause_doc`: each clause row's
        document position; `records(rows)`: clause records (label, search_text) by row."""
        self._ids = list(documents)
        self._clause_doc = clause_doc
        self._records = records
        self._by_name: dict[str, list[str]] = {}
        for doc_id, doc in documents.items():
            if doc.title and doc.doc_type:
                for name in _names(doc.title):
                    self._by_name.setdefault(name, []).append(doc_id)
        self._longest = max(map(len, self._by_name), default=0)

    def _name_in(self, text: str) -> str | None:
        """The longest document name `text` contains (档案法实施条例 over 档案法), by dictionary look-ups of
        its substrings: a few hundred for a question, however many documents the index holds."""
        best = None
        for i in range(len(text)):
            for j in range(min(len(text), i + self._longest), i + max(MIN_NAME, len(best or "") + 1) - 1, -1):
                if text[i:j] in self._by_name:
                    best = text[i:j]
                    break
        return best

    def read(self, form: str) -> QueryPlan:
        """The plan for a query in search form (ingest.normalize.search_form)."""
        text = _MARKS.sub("", form)
        name = self._name_in(text)
        if name is None:
            return QueryPlan()
        rest = text.replace(name, " ", 1)
        m = _ARTICLE.search(rest)
        article = None
        if m:
            from policykb.ingest.numbering.marker import cn_to_int

            article = cn_to_int(m.group(1))
        effective = article is None and bool(_EFFECTIVE_DATE.search(rest) or (
            _TAKES_EFFECT.search(rest) and _WHEN.search(rest)))
        return QueryPlan(tuple(self._by_name[name]), name, article, effective)

    def named_rows(self, plan: QueryPlan) -> np.ndarray:
        """Boolean mask of the clause rows of the named documents."""
        positions = [self._ids.index(d) for d in plan.documents]
        return np.isin(self._clause_doc, positions)

    def pinned(self, plan: QueryPlan, allowed: np.ndarray | None) -> _Pins:
        """The clause rows the plan points to, best first (within `allowed` rows when given)."""
        if plan.empty or (plan.article is None and not plan.effective_date):
            return _Pins()
        rows = np.flatnonzero(self.named_rows(plan))
        if allowed is not None:
            rows = rows[allowed[rows]]
        records = self._records({int(r) for r in rows})
        if plan.article is not None:
            hits = [r for r in sorted(records) if records[r].kind in ("article", "heading")
                    and article_number(records[r].label) == plan.article]
            return _Pins(hits, "article")
        own: list[int] = []
        other: list[int] = []  # 「本法自…起施行」 is the document's own; 「处分决定自…起生效」 is about something else
        for r in sorted(records, reverse=True):  # the last such clause first: 附则 close a text
            m = _EFFECTIVE.search(records[r].search_text)
            if m:
                (own if m.group(1) else other).append(r)
        return _Pins((own or other)[:2], "effective_date")


def apply(reader: QueryReader, form: str, fused: dict[int, float],
          allowed: np.ndarray | None) -> tuple[dict[int, float], set[int], dict | None]:
    """Read the query and apply its plan: (reranked scores, pinned rows, what was understood or None)."""
    plan = reader.read(form)
    if plan.empty:
        return fused, set(), None
    pins = reader.pinned(plan, allowed)
    named = reader.named_rows(plan)
    if allowed is not None:
        named &= allowed
    return rerank(fused, named, pins.rows), set(pins.rows), {**plan.to_dict(), "found": pins.reason if pins.rows else None}


def rerank(fused: dict[int, float], named: np.ndarray | None, pinned: list[int]) -> dict[int, float]:
    """Scores with the named documents' clauses above all others and the pinned ones above those.

    Scores are only compared within one query, so lifting by the query's best score keeps
    each group's own order.
    """
    if named is None and not pinned:
        return fused
    top = max(fused.values(), default=0.0)
    out = {row: score + (top if named is not None and named[row] else 0.0) for row, score in fused.items()}
    ceiling = 2 * top + 1.0
    for i, row in enumerate(pinned):
        out[row] = ceiling + (len(pinned) - i)
    return out
