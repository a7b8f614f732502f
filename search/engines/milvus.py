"""The Milvus engine: the same retrievals as the embedded one, answered by a Milvus collection that
index/milvus.py wrote from the generation (milvus-lite in-process or as a server, or a cluster).

Lexical: the query's terms as a sparse vector of their idf (counted as often as the query has them,
as bm25s does) against each clause's stored BM25 weights: the inner product is bm25s's score.
Dense: the query vector against every vector; of the 2k best, each clause once with its best cosine
(as the embedded engine reads FAISS). Filters become a `document_id in [...]` expression. Texts, citations and the
BM25 statistics the search core reads besides scores (idf, known terms) still come from the
generation's folder this process has loaded (docs/scale.md says what that means for a cluster).
"""

from __future__ import annotations

import numpy as np

from policykb.index.lexical import LexicalIndex
from policykb.index.milvus import collection_name, connect, is_complete
from policykb.index.reader import IndexReader
from policykb.search.engines.base import ClauseFilter, LexicalQuery


class CollectionMissing(Exception):
    """The generation served has no complete collection in Milvus."""


class MilvusRetriever:
    """Top-k clause rows from the collection of the generation `index` reads (thread-safe: the
    client is)."""

    name = "milvus"

    def __init__(self, index: IndexReader, uri: str) -> None:
        self.index = index
        self.uri = uri
        self.client = connect(uri)
        assert index.manifest is not None
        self.collection = collection_name(index.path.name)
        if not is_complete(self.client, self.collection, int(index.manifest.counts.get("vectors", 0))):
            raise CollectionMissing(
                f"Milvus at {uri} has no complete collection {self.collection} for the generation {index.path.name} "
                f"of {index.path.parent.parent}. Write it with `policykb ingest PATH... --index DIR --backend milvus "
                f"--milvus-uri {uri}`.")
        self._lexical = index.lexical  # term statistics and the vocabulary the stored weights use
        self._vocab: dict[str, int] = dict(self._lexical.retriever.vocab_dict)

    @property
    def terms(self) -> LexicalIndex:
        return self._lexical

    @staticmethod
    def _expression(where: ClauseFilter) -> str:
        if where.documents is None:
            return ""
        quoted = ", ".join('"' + d.replace("\\", "\\\\").replace('"', '\\"') + '"' for d in sorted(where.documents))
        return f"document_id in [{quoted}]"

    def _sparse_query(self, query: LexicalQuery) -> dict[int, float]:
        idf = self._lexical.idf
        weights: dict[int, float] = {}
        for terms, factor in ((query.terms, 1.0), (query.weaker, query.weaker_weight)):
            known = self._lexical.known(list(terms))
            for token, value in idf(known).items():
                dim = self._vocab[token]
                weights[dim] = weights.get(dim, 0.0) + factor * value * known.count(token)
        return {dim: float(w) for dim, w in weights.items() if w > 0}

    def lexical(self, query: LexicalQuery, where: ClauseFilter, k: int) -> dict[int, float]:
        sparse = self._sparse_query(query)
        if not sparse or (where.documents is not None and not where.documents):
            return {}
        hits = self.client.search(self.collection, data=[sparse], anns_field="bm25", limit=k,
                                  filter=self._expression(where), output_fields=["row"],
                                  search_params={"metric_type": "IP"})[0]
        return {int(h["entity"]["row"]): float(h["distance"]) for h in hits if h["distance"] > 0}

    def dense(self, vector: np.ndarray, where: ClauseFilter, k: int) -> dict[int, float]:
        if where.documents is not None and not where.documents:
            return {}
        # The embedded engine's reading, kept exactly: the best clauses among the 2k best vectors (a
        # group-by on `row` would give k distinct clauses, a different candidate set for fusion to
        # normalize over, so hybrid scores would drift from the embedded index's).
        hits = self.client.search(self.collection, data=[np.asarray(vector, dtype=np.float32).tolist()],
                                  anns_field="vector", limit=k * 2, filter=self._expression(where),
                                  output_fields=["row"], search_params={"metric_type": "IP"})[0]
        best: dict[int, float] = {}
        for h in hits:
            row, sim = int(h["entity"]["row"]), float(h["distance"])
            if sim > best.get(row, -1.0):
                best[row] = sim
        return dict(sorted(best.items(), key=lambda kv: -kv[1])[:k])
