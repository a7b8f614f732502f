"""The embedded engine: bm25s and FAISS files of the generation (index/lexical.py, index/dense.py),
in this process. The zero-setup default."""

from __future__ import annotations

import numpy as np

from policykb.index.lexical import LexicalIndex
from policykb.index.reader import IndexReader
from policykb.search.engines.base import ClauseFilter, LexicalQuery


class EmbeddedRetriever:
    """Top-k clause rows from one generation's own BM25 and FAISS indexes (thread-safe: read-only)."""

    name = "embedded"

    def __init__(self, index: IndexReader) -> None:
        self.index = index
        self._lexical = index.lexical  # opened here, so the first query does not pay for it
        self._dense = index.dense
        self._vector_rows = index.vector_rows

    @property
    def terms(self) -> LexicalIndex:
        return self._lexical

    def _mask(self, where: ClauseFilter) -> np.ndarray | None:
        return None if where.documents is None else self.index.rows_of(where.documents)

    def lexical(self, query: LexicalQuery, where: ClauseFilter, k: int) -> dict[int, float]:
        scores = self._lexical.scores(list(query.terms))
        if query.weaker:
            scores = scores + query.weaker_weight * self._lexical.scores(list(query.weaker))
        mask = self._mask(where)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return _top(scores, k)

    def dense(self, vector: np.ndarray, where: ClauseFilter, k: int) -> dict[int, float]:
        mask = self._mask(where)
        allowed = None if mask is None else np.flatnonzero(mask[self._vector_rows])
        # A clause has several vectors: twice k vectors give about k distinct clauses.
        ids, sims = self._dense.search(vector, k * 2, allowed)
        best: dict[int, float] = {}
        for vid, sim in zip(ids, sims, strict=True):
            row = int(self._vector_rows[vid])
            if sim > best.get(row, -1.0):
                best[row] = float(sim)
        return dict(sorted(best.items(), key=lambda kv: -kv[1])[:k])


def _top(scores: np.ndarray, n: int) -> dict[int, float]:
    """The n best positive scores by row, best first (ties: lower row first), without sorting all rows."""
    cut = np.argpartition(-scores, n - 1)[:n] if len(scores) > n else np.arange(len(scores))
    top = cut[np.lexsort((cut, -scores[cut]))]
    return {int(r): float(scores[r]) for r in top if scores[r] > 0}
