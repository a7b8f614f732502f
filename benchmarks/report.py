"""Render the benchmark JSON files of one run as the markdown tables of docs/performance.md.

    .venv/bin/python -m benchmarks.report [RESULTS_DIR]   # default .policykb/bench/results
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmarks.common import BENCH_DIR, print_table

COLUMNS = {
    "query_latency": ["size", "clauses", "index_kind", "mode", "p50", "p95", "p99", "n", "plain_p50", "plain_p99",
                      "p50_ratio"],
    "http_load": ["size", "clauses", "index_kind", "clients", "requests", "rps", "p50", "p99", "errors",
                  "server_rss_mib"],
    "memory_disk": ["size", "clauses", "vectors", "index_kind", "server_rss_mib", "generation_mib",
                    "bytes_per_clause", "store_bpc", "faiss_bpc", "bm25_bpc", "cache_bpc"],
    "index_types": ["size", "vectors", "kind", "setting", "recall_at_10", "p50", "p99", "bytes_per_vector",
                    "build_seconds", "chosen"],
    "ingest_speed": ["corpus", "files", "clauses", "seconds", "clauses_per_s"],
    "segmentation": ["mode", "lines", "chars", "jieba_s", "rjieba_s", "speedup", "identical_share"],
    "plain_stack": ["size", "chunks", "mode", "p50", "p95", "p99", "n"],
}


def render(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    name, m = data["benchmark"], data["machine"]
    print(f"\n`{path.name}` — {m['date']}, {m['cores']} cores, {m['memory_gib']} GiB, "
          f"load average {m['load_average']}\n")
    print_table(data["rows"], COLUMNS.get(name, list(data["rows"][0]) if data["rows"] else []), name)
    if name == "http_load" and data.get("modes"):
        print()
        print_table(data["modes"], ["size", "clauses", "mode", "requests", "p50", "p99", "errors"], "http one client")
    if name == "ingest_speed":
        print()
        print_table(data["embedding"], ["model_id", "texts", "mean_chars", "seconds", "clauses_per_s"], "embedding")
        re = data["reingest"]
        print()
        print_table([{k: re.get(k) for k in ("clauses", "unchanged_files", "default_seconds", "command_seconds",
                                             "reparse_seconds", "build_seconds", "embedded")}],
                    ["clauses", "unchanged_files", "default_seconds", "command_seconds", "reparse_seconds",
                     "build_seconds", "embedded"],
                    "unchanged re-ingest")
        print()
        print_table([{"stage": k, "seconds": v} for k, v in re["stages"].items()], ["stage", "seconds"], "re-ingest stages")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else BENCH_DIR / "results"
    for path in sorted(folder.glob("*.json")):
        render(path)


if __name__ == "__main__":
    main()
