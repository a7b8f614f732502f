"""The plain stack a user glues together from popular parts, to measure policykb against.

The shape of Langchain-Chatchat's ensemble retriever: the corpus cut into one-line
chunks; `rank_bm25.BM25Okapi` over `jieba.lcut_for_search` tokens; a flat FAISS
inner-product index (`IndexFlatIP`) over the same embedder's vectors of the chunks;
the two top-k lists fused 50/50 by weighted reciprocal rank (LangChain's
`EnsembleRetriever`, c = 60). Query embedding is included in its latency, as in ours.

    .venv/bin/python -m benchmarks.plain_stack --size 10k     # latency alone
(query_latency.py runs it side by side with policykb.)
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.common import SentencePool, Timer, latency_queries, load_embedder, percentiles, print_table, \
    sentence_pool, size_of, write_result
from benchmarks.make_corpus import text_vector

RRF_C = 60
WEIGHTS = (0.5, 0.5)  # bm25, dense


def one_line_chunks(corpus: Path) -> list[str]:
    """Every non-empty line of every .txt file under `corpus`, in file order."""
    lines: list[str] = []
    for path in sorted(Path(corpus).rglob("*.txt")):
        lines += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines


@dataclass
class PlainStack:
    """rank_bm25 + flat FAISS + weighted RRF over one-line chunks."""

    chunks: list[str]
    bm25: object
    dense: object
    embedder: object
    build_seconds: dict

    @classmethod
    def build(cls, corpus: Path, pool: SentencePool, embedder, vectors: np.ndarray | None = None) -> "PlainStack":
        """Chunk, tokenize and index `corpus`; chunk vectors are derived from `pool` (as for policykb's index)
        unless `vectors` are given."""
        import faiss
        import jieba
        from rank_bm25 import BM25Okapi

        from policykb.text.normalize import search_form

        jieba.setLogLevel(60)
        chunks = one_line_chunks(corpus)
        with Timer() as t_tok:
            tokens = [jieba.lcut_for_search(c) for c in chunks]
        with Timer() as t_bm25:
            bm25 = BM25Okapi(tokens)
        del tokens
        if vectors is None:
            lookup = pool.lookup()
            vectors = np.vstack([text_vector(pool, lookup, search_form(c))[0] for c in chunks])
        with Timer() as t_faiss:
            dense = faiss.IndexFlatIP(vectors.shape[1])
            dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(chunks, bm25, dense, embedder,
                   {"tokenize": round(t_tok.seconds, 1), "bm25": round(t_bm25.seconds, 1),
                    "faiss": round(t_faiss.seconds, 1)})

    def lexical(self, query: str, k: int) -> list[int]:
        import jieba

        scores = self.bm25.get_scores(jieba.lcut_for_search(query))
        top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
        return [int(i) for i in top[np.argsort(-scores[top], kind="stable")]]

    def dense_search(self, query: str, k: int) -> list[int]:
        vector = self.embedder.embed_queries([query]).astype(np.float32)
        _, ids = self.dense.search(vector, k)
        return [int(i) for i in ids[0] if i >= 0]

    def search(self, query: str, k: int = 10, mode: str = "hybrid") -> list[int]:
        """Chunk numbers best first."""
        if mode == "lexical":
            return self.lexical(query, k)
        if mode == "dense":
            return self.dense_search(query, k)
        fused: dict[int, float] = {}
        for weight, ranking in zip(WEIGHTS, (self.lexical(query, k), self.dense_search(query, k))):
            for rank, item in enumerate(ranking, 1):
                fused[item] = fused.get(item, 0.0) + weight / (RRF_C + rank)
        return sorted(fused, key=lambda i: -fused[i])[:k]


def time_queries(search, queries: list[str], max_seconds: float | None = None) -> list[float]:
    """Milliseconds per query (one warm-up first); stops early after `max_seconds`."""
    search(queries[0])
    out, started = [], time.perf_counter()
    for q in queries:
        t = time.perf_counter()
        search(q)
        out.append((time.perf_counter() - t) * 1000)
        if max_seconds and time.perf_counter() - started > max_seconds:
            break
    return out


def main(argv: list[str] | None = None) -> None:
    from benchmarks.bench_index import bench_index

    parser = argparse.ArgumentParser(description="Latency of the plain stack (rank_bm25 + flat FAISS + RRF).")
    parser.add_argument("--sizes", default="10k")
    parser.add_argument("--model", default=None)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--max-seconds", type=float, default=120, help="time cap per size and mode")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    embedder = load_embedder(args.model)
    pool = sentence_pool(embedder)
    queries = latency_queries(pool, args.queries)
    rows = []
    for name in args.sizes.split(","):
        info = bench_index(pool, embedder, size_of(name))
        stack = PlainStack.build(Path(info.corpus), pool, embedder)
        for mode in ("lexical", "dense", "hybrid"):
            ms = time_queries(lambda q: stack.search(q, 10, mode), queries, args.max_seconds)
            rows.append({"size": name, "chunks": len(stack.chunks), "mode": mode, **percentiles(ms),
                         "build_seconds": stack.build_seconds})
    print_table(rows, ["size", "chunks", "mode", "p50", "p95", "p99", "n"], "plain stack latency (ms)")
    write_result("plain_stack", vars(args) | {"model_id": embedder.model_id}, rows, args.out)


if __name__ == "__main__":
    main()
