"""What the search core asks of an engine: the top clauses for a lexical and for a dense query.

An engine answers in clause rows (the store's `row`: the same numbers on every engine of one
generation) with its own score, best first; fusion, near-duplicate collapsing, confidence and
citations stay in the search core (search/knowledge_base.py), so every engine gives the same JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class ClauseFilter:
    """Which clauses a retrieval may return. `documents`: the ids of the documents allowed (None: every
    document); the search core resolves the user's filters (issuer, type, year, status, named
    documents) to it, so an engine needs one field to filter on."""

    documents: frozenset[str] | None = None

    @property
    def everything(self) -> bool:
        return self.documents is None


EVERYTHING = ClauseFilter()


@dataclass(frozen=True)
class LexicalQuery:
    """A BM25 query: `terms` count fully; `weaker` (the lay-to-legal lexicon's legal terms, which
    stand for words the question has) count at `weaker_weight`."""

    terms: Sequence[str]
    weaker: Sequence[str] = field(default_factory=tuple)
    weaker_weight: float = 1.0


class TermStatistics(Protocol):
    """The BM25 statistics the search core reads besides scores: for synonyms, highlights, confidence."""

    def known(self, tokens: list[str]) -> list[str]:
        """The tokens the index holds (a query's other tokens match nothing)."""
        ...

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """BM25 (Lucene) idf of each token; an unseen one gets a one-clause term's."""
        ...

    def clauses_with(self, token: str) -> int:
        """How many clauses hold `token`."""
        ...


class Retriever(Protocol):
    """An engine over one generation's clauses. Both methods return {clause row: score}, best first,
    at most `k`, only rows `where` allows and only positive lexical scores."""

    name: str

    def lexical(self, query: LexicalQuery, where: ClauseFilter, k: int) -> dict[int, float]:
        """BM25 scores of the best clauses."""
        ...

    def dense(self, vector: np.ndarray, where: ClauseFilter, k: int) -> dict[int, float]:
        """Each clause's best cosine over its vectors (the clause, its windows, its context vector)."""
        ...

    @property
    def terms(self) -> TermStatistics:
        ...
