"""What the context vectors (index/units.py) cost a query: the same 100k-clause corpus indexed
with and without them, both loaded, questions alternated between the two so both see the same load.

One ingest of the synthetic corpus (make_corpus.write_corpus: titled documents, so every clause gets
its context vector as a real document's would), the embedding cache pre-filled with derived vectors
for each unit (as bench_index does), two builds; then every STARD dev question (or the seed queries
where ../shared is absent) through `KnowledgeBase.search`, hybrid, k = 10: wall p50/p99 and CPU per query.

    .venv/bin/python -m benchmarks.context_cost --size 100k
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from benchmarks.common import BENCH_DIR, load_embedder, sentence_pool, size_of, write_result

UNITS = ("windows", "windows+context")
REPO = Path(__file__).resolve().parents[1]
STARD_QUERIES = REPO.parent / "shared" / "eval" / "stard-dev" / "queries.jsonl"
SEED_QUERIES = REPO / "tests" / "data" / "seed_queries.jsonl"


def build_both(size: int, root: Path) -> dict[str, Path]:
    from policykb.index.build import build_index
    from policykb.ingest.duplicates import group_near_duplicates
    from policykb.ingest.pipeline import ingest_paths

    from benchmarks.make_corpus import prefill_cache, write_corpus

    embedder = load_embedder(None)
    pool = sentence_pool(embedder)
    corpus = root / f"context-cost-corpus-{size}"
    indexes = {unit: root / f"context-cost-{size}-{unit.replace('+', '-')}" for unit in UNITS}
    if all((p / "CURRENT").exists() for p in indexes.values()):
        return indexes
    write_corpus(pool, size, corpus)
    run = ingest_paths([corpus], jobs=2, near_duplicates=False)
    group_near_duplicates([c for d in run.documents for c in d.clauses])
    for unit, index in indexes.items():
        print(f"[{unit}] prefill {prefill_cache(index, run.documents, pool, embedder.dim, unit=unit)}", flush=True)
        report = build_index(run, index, embedder=embedder, progress=None, unit=unit)
        print(f"[{unit}] {report.clauses} clauses, {report.vectors} vectors, {report.embedded} embedded", flush=True)
    return indexes


def queries() -> list[str]:
    path = STARD_QUERIES if STARD_QUERIES.is_file() else SEED_QUERIES
    return [json.loads(line)["query"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> dict:
    from policykb.search.knowledge_base import KnowledgeBase

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    size = size_of(args.size)
    indexes = build_both(size, BENCH_DIR)
    kbs = {unit: KnowledgeBase.load(path, verify=False) for unit, path in indexes.items()}
    qs = queries()
    for kb in kbs.values():  # warm up
        for q in qs[:20]:
            kb.search(q, 10, "hybrid")
    wall = {u: [] for u in UNITS}
    cpu = {u: [] for u in UNITS}
    for i, q in enumerate(qs):
        for unit in (UNITS if i % 2 == 0 else UNITS[::-1]):
            w, c = time.perf_counter(), time.process_time()
            kbs[unit].search(q, 10, "hybrid")
            wall[unit].append((time.perf_counter() - w) * 1000)
            cpu[unit].append((time.process_time() - c) * 1000)
    rows = []
    for unit in UNITS:
        w, c = np.array(wall[unit]), np.array(cpu[unit])
        vectors = kbs[unit].generation.manifest.counts["vectors"]
        rows.append({"unit": unit, "vectors": vectors, "wall_p50_ms": round(float(np.percentile(w, 50)), 2),
                     "wall_p99_ms": round(float(np.percentile(w, 99)), 2), "cpu_mean_ms": round(float(c.mean()), 2)})
        print(f"{unit:16s} vectors {vectors:7d}  hybrid wall p50 {np.percentile(w, 50):6.2f} ms  "
              f"p99 {np.percentile(w, 99):6.2f} ms  CPU/query {c.mean():6.2f} ms", flush=True)
    write_result("context_cost", {"size": size, "queries": len(qs), "mode": "hybrid", "k": 10}, rows, args.out)
    return {"size": size, "rows": rows}


if __name__ == "__main__":
    main()
