"""Query latency through the Python API (`KnowledgeBase.search`), side by side with the plain stack.

For each size: the benchmark index (bench_index.py) and the plain stack
(plain_stack.py) over the same corpus and vectors, both loaded; real queries (every
seed-eval query, then corpus sentences), one at a time, k = 10, each mode, ours and
the plain stack alternating query by query. Ratios are plain ÷ ours (how many times
faster policykb is).

    .venv/bin/python -m benchmarks.query_latency --sizes 10k,100k
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.common import latency_queries, load_embedder, percentiles, print_table, sentence_pool, size_of, \
    write_result

MODES = ("lexical", "dense", "hybrid")


def interleaved(ours, plain, queries: list[str], plain_queries: int, max_seconds: float
                ) -> tuple[list[float], list[float]]:
    """Milliseconds per query for `ours` and (on the first `plain_queries`) `plain`, alternating."""
    import time

    ours(queries[0])
    if plain:
        plain(queries[0])
    a, b, started = [], [], time.perf_counter()
    for i, q in enumerate(queries):
        t = time.perf_counter()
        ours(q)
        a.append((time.perf_counter() - t) * 1000)
        if plain and i < plain_queries:
            t = time.perf_counter()
            plain(q)
            b.append((time.perf_counter() - t) * 1000)
        if time.perf_counter() - started > max_seconds:
            break
    return a, b


def main(argv: list[str] | None = None) -> dict:
    from benchmarks.bench_index import bench_index
    from benchmarks.plain_stack import PlainStack
    from policykb.search.knowledge_base import KnowledgeBase

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k", help="comma-separated: 10k, 100k, 1m or numbers")
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--queries", type=int, default=200, help="queries per mode")
    parser.add_argument("--plain", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure the plain stack (default on)")
    parser.add_argument("--plain-queries", type=int, default=100, help="queries per mode for the plain stack")
    parser.add_argument("--max-seconds", type=float, default=180, help="time cap per size and mode")
    parser.add_argument("--out", type=Path, help="JSON file (default .policykb/bench/results/query_latency.json)")
    args = parser.parse_args(argv)

    embedder = load_embedder(args.model)
    pool = sentence_pool(embedder)
    queries = latency_queries(pool, args.queries)
    rows, builds = [], []
    for name in args.sizes.split(","):
        info = bench_index(pool, embedder, size_of(name))
        builds.append(info.__dict__)
        kb = KnowledgeBase.load(info.index, embedder=embedder, verify=False)
        stack = PlainStack.build(Path(info.corpus), pool, embedder) if args.plain else None
        if stack:
            builds[-1]["plain_build_seconds"] = stack.build_seconds
        ours, plain = {}, {}
        for mode in MODES:
            # ours and the plain stack alternate query by query, so load from other processes
            # on the shared machine weighs on both alike
            a, b = interleaved(lambda q: kb.search(q, 10, mode),
                               (lambda q: stack.search(q, 10, mode)) if stack else None,
                               queries, args.plain_queries, args.max_seconds)
            ours[mode] = percentiles(a)
            if stack:
                plain[mode] = percentiles(b)
        del kb, stack
        for mode in MODES:
            row = {"size": name, "clauses": info.clauses, "vectors": info.vectors, "index_kind": info.index_kind,
                   "mode": mode, **ours[mode]}
            if plain:
                p = plain[mode]
                row |= {"plain_p50": p["p50"], "plain_p95": p["p95"], "plain_p99": p["p99"], "plain_n": p["n"],
                        "p50_ratio": round(p["p50"] / ours[mode]["p50"], 1) if ours[mode]["p50"] else None}
            rows.append(row)
    columns = ["size", "clauses", "index_kind", "mode", "p50", "p95", "p99", "n"]
    if args.plain:
        columns += ["plain_p50", "plain_p99", "p50_ratio"]
    print_table(rows, columns, "query latency, Python API, ms (ratio = plain p50 / ours)")
    params = vars(args) | {"model_id": embedder.model_id, "k": 10, "query_count": len(queries)}
    write_result("query_latency", params, rows, args.out, builds=builds)
    return {"rows": rows, "builds": builds}


if __name__ == "__main__":
    main()
