"""FAISS index types by size: recall@10 against exact search, latency, memory, build time.

Vectors are those a policykb index of that many clauses holds (`--vectors-per-clause`
× clauses; a long clause also has window vectors), derived from real sentence
embeddings (make_corpus.derive_vectors). Queries are real (seed-eval queries and
corpus sentences) embedded as queries by the same model. Ground truth is exact
inner-product search over the same vectors. The index is built through
`index.dense.DenseIndex.build`, so what is measured is what policykb builds.

    .venv/bin/python -m benchmarks.index_types --sizes 10k,100k,1m --nprobe 32,64,96,192

At 1M, --kinds ivf-fp16,ivf-sq8 skips HNSW (it is skipped above --hnsw-max anyway).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks.common import Timer, latency_queries, load_embedder, percentiles, print_table, query_vectors, \
    sentence_pool, size_of, write_result


def recall_at(found: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    """Mean share of the exact top-k found in the approximate top-k."""
    return float(np.mean([len(set(f[:k]) & set(t[:k])) / k for f, t in zip(found, truth)]))


def measure_kind(vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, kind: str, settings: list[dict]) -> list[dict]:
    """Build one kind and, for each search setting, recall@10 and single-query latency."""
    import faiss

    from policykb.index.dense import DenseIndex

    ids = np.arange(len(vectors), dtype=np.int64)
    with Timer() as t:
        dense = DenseIndex.build(vectors, ids, vectors.shape[1], kind=kind)
    size_bytes = len(faiss.serialize_index(dense.index))
    rows = []
    for setting in settings:
        if dense.kind.startswith("ivf"):
            faiss.extract_index_ivf(dense.index).nprobe = setting["nprobe"]
        elif dense.kind == "hnsw":
            faiss.downcast_index(dense.index.index).hnsw.efSearch = setting["efSearch"]
        found, ms = [], []
        for q in queries:
            started = time.perf_counter()
            got, _ = dense.search(q, 10)
            ms.append((time.perf_counter() - started) * 1000)
            found.append(got)
        p = percentiles(ms)
        rows.append({"kind": dense.kind, "setting": setting or dense.params, "recall_at_10": round(recall_at(found, truth), 4),
                     "p50": p["p50"], "p99": p["p99"], "bytes": size_bytes,
                     "bytes_per_vector": round(size_bytes / len(vectors), 1), "build_seconds": round(t.seconds, 1)})
    del dense
    return rows


def main(argv: list[str] | None = None) -> dict:
    import faiss

    from benchmarks.make_corpus import clause_vectors
    from policykb.index.dense import choose_index_spec

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="clauses per size")
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--vectors-per-clause", type=float, default=1.35,
                        help="vectors per clause in a built index (whole clause + windows; measured at 100k)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--nprobe", default="16,32,48,96", help="IVF settings to try")
    parser.add_argument("--ef", default="64,128", help="HNSW efSearch settings to try")
    parser.add_argument("--kinds", default="ivf-fp16,ivf-sq8,hnsw",
                        help="approximate kinds to measure (ivf-fp16, ivf-sq8, hnsw)")
    parser.add_argument("--threads", type=int, default=None,
                        help="FAISS OpenMP threads (default: FAISS's own, = cores; one query uses ~1 with IVF)")
    parser.add_argument("--hnsw-max", type=int, default=200_000, help="skip HNSW above this many vectors (build time)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.threads:
        faiss.omp_set_num_threads(args.threads)

    embedder = load_embedder(args.model)
    pool = sentence_pool(embedder)
    queries = query_vectors(embedder, latency_queries(pool, args.queries))
    rows = []
    for name in args.sizes.split(","):
        n_vectors = int(size_of(name) * args.vectors_per_clause)
        vectors = clause_vectors(pool, n_vectors)
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        _, truth = flat.search(queries, 10)
        del flat
        chosen = choose_index_spec(n_vectors).kind
        found = []
        found += measure_kind(vectors, queries, truth, "flat-ip", [{}])
        kinds = args.kinds.split(",")
        for kind in (k for k in kinds if k.startswith("ivf")):
            found += measure_kind(vectors, queries, truth, kind, [{"nprobe": int(x)} for x in args.nprobe.split(",")])
        if "hnsw" in kinds and n_vectors <= args.hnsw_max:
            found += measure_kind(vectors, queries, truth, "hnsw", [{"efSearch": int(x)} for x in args.ef.split(",")])
        for r in found:
            r.update({"size": name, "vectors": n_vectors, "chosen": "yes" if r["kind"] == chosen else ""})
        rows += found
        del vectors
    print_table(rows, ["size", "vectors", "kind", "setting", "recall_at_10", "p50", "p99", "bytes_per_vector",
                       "build_seconds", "chosen"], "FAISS index types (latency ms per single query)")
    params = vars(args) | {"model_id": embedder.model_id, "query_count": len(queries),
                           "faiss_threads": faiss.omp_get_max_threads()}
    write_result("index_types", params, rows, args.out)
    return {"rows": rows}


if __name__ == "__main__":
    main()
