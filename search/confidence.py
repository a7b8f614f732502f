"""Confidence that a result answers the query, and the threshold for `no_answer`.

Two signals, each mapped to [0, 1] and averaged:

- semantic: the clause's best dense cosine, rescaled over e5's band of relevant
  matches, `(cos − 0.80) / 0.15` clipped (e5 cosines of Chinese texts sit in 0.75–0.95
  whatever the topic, so the raw value barely moves);
- lexical coverage: the share of the query's words, weighted by idf, that the clause
  contains. A question the corpus cannot answer is usually about a specific thing the
  texts never name (伙食补助, 意外保险), which the dense cosine alone misses because
  the rest of the query is on topic.

Coverage counts each word jieba cuts from the query once (weight: its BM25 idf). A
word the clause does not contain whole earns partial credit: the idf share of its
dictionary sub-words that it does contain (差旅费 → 差旅, 旅费), or, for a word with
no sub-words, the share of its characters (请客吃饭 against 吃请, 出境 against 境外); a
number or Latin word counts whole or not at all (120 shares digits with 100, not meaning).
Counting search-mode tokens instead (word and sub-words each with full weight) let one
long unknown word outweigh the rest of the query, and gave a paraphrase no credit for
the characters it shares with the text.

Measured with `make eval` and the held-out laws set (tests/test_search_laws.py;
docs/quality.md): confidence AUROC 0.971 on the seed set and 0.885 on the laws set,
against 0.935 and 0.817 for token coverage; the 0.5/0.5 mix and the cosine band are
unchanged from the first version, so nothing but the threshold was chosen on these
queries. The threshold sits in the middle of the seed-set window [0.475, 0.491] where
4/5 negatives abstain and at most 2/55 answerable queries do. The band and the
threshold are for the default model; with another model the semantic term is on
another scale. A query's confidence is the best of its top 10 results' (whatever number
of results was asked for, so `no_answer` does not depend on it).

Lexical mode has no cosine. It used to give coverage alone, so every clause holding all the
query's words showed 1.00 (27 results of the seed set's top 10s, a third of them not
answers). The semantic half is now its expected value given what BM25 saw, on the same
scale as hybrid's so the threshold keeps its meaning: `0.365 + 0.178·coverage + 0.193·s/s_top`
(s: the clause's BM25 score, s_top: the query's best), the least-squares fit of the dense
semantic term on those two signals over the seed set's lexical top 10s (the model's own
cosines, no gold labels). Measured (docs/quality.md), lexical seed set / laws set: no result
at 1.00 (was 27 / 4); answerable queries wrongly abstaining 0.236 → 0.109 / 0.154 → 0.0;
negatives abstaining 1.0 → 0.8 / 0.75 → 0.5; AUROC 0.931 → 0.884 / 0.933 → 0.933.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

COSINE_FLOOR, COSINE_SPAN = 0.80, 0.15
NO_ANSWER_THRESHOLD = 0.48
# Lexical mode: the semantic term's expected value from coverage and relative BM25 (module doc).
LEXICAL_SEMANTIC = (0.365, 0.178, 0.193)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class QueryWord:
    """One word of the query: its text, its idf weight, and its sub-words with their idf."""

    text: str
    weight: float
    parts: tuple[tuple[str, float], ...] = ()


@dataclass
class Evidence:
    """What the retrievers saw for one query: its tokens and words, candidate scores by clause row,
    and the synonyms BM25 also searched (highlighted, but not counted as coverage)."""

    query_tokens: list[str]
    lexical: dict[int, float]
    dense: dict[int, float]
    words: list[QueryWord] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    pinned: set[int] = field(default_factory=set)  # rows the query points to (search/query_understanding.py)
    # (floor, span) of relevant cosines for the query encoder that embedded the query: a query
    # adapter moves them (index/embedders/query_adapter.py)
    cosine_band: tuple[float, float] = (COSINE_FLOOR, COSINE_SPAN)


def query_words(words: list[tuple[str, tuple[str, ...]]], idf: dict[str, float]) -> list[QueryWord]:
    """QueryWords from the segmenter's (word, tokens) pairs and an idf for every word and token."""
    return [QueryWord(word, idf.get(word, 0.0), tuple((t, idf.get(t, 0.0)) for t in tokens if t != word))
            for word, tokens in words]


def _credit(word: QueryWord, search_text: str) -> float:
    """1 when the clause has the word; else the share of its sub-words (by idf) or characters it has."""
    if word.text in search_text:
        return 1.0
    if word.parts:
        total = sum(weight for _, weight in word.parts)
        return sum(weight for part, weight in word.parts if part in search_text) / total if total else 0.0
    if not _HAN.search(word.text):
        return 0.0  # a number or Latin word is all or nothing: 120 is not two thirds of 100
    return sum(ch in search_text for ch in word.text) / len(word.text)


def coverage(search_text: str, evidence: Evidence) -> float:
    """Share of the query's idf-weighted words that occur in the clause's search text (see module doc)."""
    total = sum(w.weight for w in evidence.words)
    if not total:
        return 0.0
    return sum(w.weight * _credit(w, search_text) for w in evidence.words) / total


def confidence(row: int, search_text: str, evidence: Evidence) -> float:
    """Confidence in [0, 1] that clause `row` answers the query."""
    if row in evidence.pinned:  # the article the query cites, or the 施行 clause it asks for
        from policykb.search.query_understanding import PINNED_CONFIDENCE

        return max(PINNED_CONFIDENCE, _computed(row, search_text, evidence))
    return _computed(row, search_text, evidence)


def _computed(row: int, search_text: str, evidence: Evidence) -> float:
    lexical = coverage(search_text, evidence)
    cosine = evidence.dense.get(row)
    if cosine is not None:
        floor, span = evidence.cosine_band
        semantic = min(1.0, max(0.0, (cosine - floor) / span))
    elif evidence.dense:
        semantic = 0.0  # hybrid, outside the dense top: nothing says it is on topic
    else:  # lexical mode: the semantic term expected from what BM25 saw
        best = max(evidence.lexical.values(), default=0.0)
        relative = evidence.lexical.get(row, 0.0) / best if best > 0 else 0.0
        base, per_coverage, per_relative = LEXICAL_SEMANTIC
        semantic = min(1.0, max(0.0, base + per_coverage * lexical + per_relative * relative))
    return 0.5 * semantic + 0.5 * lexical
