"""Dense vectors in FAISS, keyed by int64 ids that the store maps to clauses/passages.

The index is an `IndexIDMap2` over inner product (vectors are L2-normalized, so the
score is the cosine). `choose_index_kind` is the hook for switching to an approximate
index when a corpus grows; at policy-corpus sizes (10^3–10^5 vectors) exact search
costs milliseconds, so it is always exact today.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

def choose_index_kind(n_vectors: int) -> str:
    """Which FAISS index to build for this many vectors ("flat-ip" = exact inner product).

    The hook for a size-based choice: exact search over 10^6 384-d vectors still takes
    ~0.1 s on 2 cores, so an approximate (HNSW/IVF) kind is not worth its recall loss yet.
    """
    return "flat-ip"


@dataclass
class DenseIndex:
    """A FAISS index; `search` returns (ids, scores) best first."""

    index: object
    kind: str = "flat-ip"

    @classmethod
    def build(cls, vectors: np.ndarray, ids: np.ndarray, dim: int) -> "DenseIndex":
        import faiss

        kind = choose_index_kind(len(ids))
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        if len(ids):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                               np.asarray(ids, dtype=np.int64))
        return cls(index, kind)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> "DenseIndex":
        import faiss

        return cls(faiss.read_index(str(path)))

    @property
    def dim(self) -> int:
        return int(self.index.d)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ids and inner products for one query vector; `allowed_ids` restricts the search."""
        import faiss

        k = min(k, self.size)
        if k <= 0 or (allowed_ids is not None and len(allowed_ids) == 0):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        params = None
        if allowed_ids is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed_ids, dtype=np.int64))
            params = faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
