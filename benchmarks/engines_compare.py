"""The embedded index and Milvus side by side: eval figures per mode, top-10 overlap, filters, latency.

For an index and a query set (the seed set, the laws set, STARD): the generation is written to Milvus
(milvus-lite in this process over a file, or `--milvus-uri http://127.0.0.1:PORT` for a server), then
every question is asked in every mode of both engines, alternating question by question so both see the
same load. Printed: R@1/5/10, MRR@10, nDCG@10 per engine and mode; the mean overlap of the two top 10s;
whether filtered searches (each document alone; issuer; from a year on) return the same clauses; and
each engine's hybrid p50/p99 wall time (milvus-lite is a test engine: its figures say what this process
spends talking to it, not what a cluster does).

    .venv/bin/python -m benchmarks.engines_compare tests/data/seed_queries.jsonl --index /tmp/seed-index
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks.common import percentiles, print_table, write_result

MODES = ("hybrid", "dense", "lexical")
METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
LABELS = ("R@1", "R@5", "R@10", "MRR@10", "nDCG@10")


def _queries(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _filters(kb) -> list:
    from policykb.search.filters import SearchFilters

    issuers = sorted({d.issuer for d in kb.documents.values() if d.issuer})[:3]
    years = sorted({d.year for d in kb.documents.values() if d.year})
    return ([SearchFilters(document_ids=[d]) for d in list(kb.documents)[:10]]
            + [SearchFilters(issuers=[i]) for i in issuers]
            + ([SearchFilters(year_from=years[len(years) // 2])] if years else []))


def main(argv: list[str] | None = None) -> dict:
    from policykb.index.generation import open_generation
    from policykb.index.milvus import connect, export_generation
    from policykb.search.knowledge_base import KnowledgeBase
    from policykb.service.commands.search import batch_line
    from policykb.service.evaluation import summarize

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("queries", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--milvus-uri", help="default: a milvus-lite file in a temporary folder")
    parser.add_argument("--sample", type=int, help="the first N questions only")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    scratch = tempfile.TemporaryDirectory(prefix="policykb-engines-")
    uri = args.milvus_uri or str(Path(scratch.name) / "milvus.db")
    client = connect(uri)
    started = time.perf_counter()
    export = export_generation(client, open_generation(args.index), args.index)
    export_seconds = time.perf_counter() - started
    embedded = KnowledgeBase.load(args.index)
    milvus = KnowledgeBase.load(args.index, embedder=embedded.embedder, engine="milvus", milvus_uri=uri)
    queries = _queries(args.queries)[: args.sample or None]
    engines = {"embedded": embedded, "milvus": milvus}
    runs: dict[str, dict[str, dict]] = {(e + "/" + m): {} for e in engines for m in MODES}
    wall: dict[str, list[float]] = {e: [] for e in engines}
    overlap: dict[str, list[float]] = {m: [] for m in MODES}
    for q in queries:
        for mode in MODES:
            tops = {}
            for name, kb in engines.items():
                t = time.perf_counter()
                response = kb.search(q["query"], k=10, mode=mode)
                if mode == "hybrid":
                    wall[name].append((time.perf_counter() - t) * 1000)
                runs[f"{name}/{mode}"][q["id"]] = batch_line(q["id"], response)
                tops[name] = {r.id for r in response.results}
            if tops["embedded"] or tops["milvus"]:
                overlap[mode].append(len(tops["embedded"] & tops["milvus"]) / max(len(tops["embedded"]), 1))
    rows = []
    summaries = {}
    for key, run in runs.items():
        s = summarize(queries, run, k=10)["overall"]
        summaries[key] = s
        engine, mode = key.split("/")
        rows.append({"mode": mode, "engine": engine, "n": s["n_answerable"],
                     **{label: round(s[m], 3) for label, m in zip(LABELS, METRICS, strict=True)}})
    rows.sort(key=lambda r: (MODES.index(r["mode"]), r["engine"]))
    print(f"{args.queries} ({len(queries)} questions) over {args.index}; Milvus {uri} "
          f"(collection {export.collection}, {export.entities} vectors, written in {export_seconds:.1f} s)")
    print_table(rows, ["mode", "engine", "n", *LABELS])
    print_table([{"mode": m, "mean top-10 overlap": round(sum(v) / len(v), 3) if v else None, "questions": len(v)}
                 for m, v in overlap.items()], ["mode", "mean top-10 overlap", "questions"])
    same = total = 0
    for filters in _filters(embedded):
        for mode in MODES:
            for q in queries[:20]:
                a = {r.id for r in embedded.search(q["query"], k=20, mode=mode, filters=filters).results}
                b = {r.id for r in milvus.search(q["query"], k=20, mode=mode, filters=filters).results}
                same += a == b
                total += 1
    print(f"filtered searches with the same result set on both engines: {same} of {total}")
    latency = {name: percentiles(ms) for name, ms in wall.items()}
    print_table([{"engine": n, "hybrid p50 ms": p["p50"], "p99 ms": p["p99"], "queries": len(wall[n])}
                 for n, p in latency.items()], ["engine", "hybrid p50 ms", "p99 ms", "queries"])
    result = {"queries": str(args.queries), "index": str(args.index), "n": len(queries),
              "summaries": {k: {m: v[m] for m in METRICS} for k, v in summaries.items()},
              "overlap": {m: (sum(v) / len(v) if v else None) for m, v in overlap.items()},
              "filters_same": [same, total], "latency_ms": latency, "export_seconds": export_seconds}
    if args.out:
        write_result("engines_compare", {"queries": str(args.queries), "index": str(args.index)}, rows, args.out,
                     **result)
    client.close()
    scratch.cleanup()
    return result


if __name__ == "__main__":
    main()
