"""`policykb eval QUERIES.jsonl [--index DIR] [--mode M] [--json]`: run a query set, print the scorer's table.

The metrics are those of shared/eval/score.py (vendored in service/evaluation.py).
`--results FILE` also writes the run in the scorer's input format, so the shared
scorer can be run on it directly.
"""

from __future__ import annotations

import json

from service.commands.search import batch_line, load_kb, read_queries
from service.config import DEFAULT_INDEX_HELP


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="measure retrieval on a query set with gold clauses",
                              description="Run queries with gold answers and print R@k, MRR, nDCG per kind.")
    p.add_argument("queries", help="JSONL with id, query, gold, kind (the shared eval format)")
    p.add_argument("--index", metavar="DIR", help=f"index directory (default: {DEFAULT_INDEX_HELP})")
    p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    p.add_argument("--k", type=int, default=10, help="cut-off for hit/MRR/nDCG (default 10)")
    p.add_argument("--threshold", type=float, help="also abstain when confidence is below this")
    p.add_argument("--results", metavar="FILE", help="write the run as JSONL (score.py's input)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=run)


def run(args) -> int:
    from service.evaluation import format_table, summarize

    queries = read_queries(args.queries)
    kb = load_kb(args.index)
    if kb is None:
        return 1
    runs = {}
    for q in queries:
        runs[q["id"]] = batch_line(q["id"], kb.search(q["query"], k=max(args.k, 10), mode=args.mode))
    if args.results:
        with open(args.results, "w", encoding="utf-8") as f:
            for line in runs.values():
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
    summary = summarize(queries, runs, k=args.k, threshold=args.threshold)
    if args.json:
        summary.pop("per_query")
        print(json.dumps({"mode": args.mode, **summary}, ensure_ascii=False, indent=1))
    else:
        print(f"mode: {args.mode}   queries: {args.queries} ({len(queries)})   k={args.k}")
        print(format_table(summary))
    return 0
