"""What the synonym expansion of the BM25 query costs (search/synonyms.py).

On a benchmark index (bench_index.py), the same KnowledgeBase answers every query with
its thesaurus and with an empty one, alternating query by query (and which goes first,
on the second pass), so load from other processes weighs on both alike. Also: how many
queries got synonyms, the expansion step alone, and the thesaurus's load time.

    .venv/bin/python -m benchmarks.synonyms_cost --size 100k
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.common import latency_queries, load_embedder, percentiles, print_table, sentence_pool, size_of, \
    write_result

MODES = ("lexical", "hybrid")


def main(argv: list[str] | None = None) -> dict:
    from benchmarks.bench_index import bench_index
    from policykb.text.normalize import search_form
    from policykb.text.tokens import words
    from policykb.search.knowledge_base import KnowledgeBase
    from policykb.search.synonyms import Thesaurus, thesaurus

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="100k", help="10k, 100k, 1m or a number of clauses")
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--queries", type=int, default=200, help="queries (each run twice per setting)")
    parser.add_argument("--out", type=Path, help="JSON file (default .policykb/bench/results/synonyms_cost.json)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    thesaurus.cache_clear()
    with_synonyms = thesaurus()
    load_seconds = time.perf_counter() - started
    embedder = load_embedder(args.model)
    pool = sentence_pool(embedder)
    queries = latency_queries(pool, args.queries)
    info = bench_index(pool, embedder, size_of(args.size))
    kb = KnowledgeBase.load(info.index, embedder=embedder, verify=False)
    without = Thesaurus({}, "none")
    expanded = sum(1 for q in queries if kb.search(q, 10, "lexical").synonyms)

    rows = []
    for mode in MODES:
        on, off = [], []
        for first in (with_synonyms, without):  # each setting goes first on one pass
            for q in queries:
                for setting in (first, without if first is with_synonyms else with_synonyms):
                    kb.thesaurus = setting
                    t = time.perf_counter()
                    kb.search(q, 10, mode)
                    (on if setting is with_synonyms else off).append((time.perf_counter() - t) * 1000)
        p_on, p_off = percentiles(on), percentiles(off)
        rows.append({"size": args.size, "clauses": info.clauses, "mode": mode,
                     "p50": p_on["p50"], "p99": p_on["p99"], "off_p50": p_off["p50"], "off_p99": p_off["p99"],
                     "n": p_on["n"]})
    cuts = [(words(form), form) for form in map(search_form, queries)]
    t = time.perf_counter()
    for cut, form in cuts:
        kb.synonyms_for(cut, form)
    expand_ms = (time.perf_counter() - t) * 1000 / max(1, len(cuts))

    print_table(rows, ["size", "clauses", "mode", "p50", "p99", "off_p50", "off_p99", "n"],
                "query latency with synonyms (p50, p99) and without (off_*), Python API, ms")
    print(f"{expanded} of {len(queries)} queries got synonyms; expansion step {expand_ms:.3f} ms per query; "
          f"thesaurus ({with_synonyms.source}, {len(with_synonyms.synonyms)} words) loaded in {load_seconds:.2f} s")
    params = vars(args) | {"model_id": embedder.model_id, "k": 10, "query_count": len(queries)}
    write_result("synonyms_cost", params, rows, args.out, queries_with_synonyms=expanded,
                 expansion_ms_per_query=round(expand_ms, 4), thesaurus_load_seconds=round(load_seconds, 3),
                 thesaurus=with_synonyms.source, thesaurus_words=len(with_synonyms.synonyms))
    return {"rows": rows}


if __name__ == "__main__":
    main()
