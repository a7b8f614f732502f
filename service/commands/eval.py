"""`policykb eval QUERIES.jsonl --index DIR [--mode M|all] [--sample N] [--breakdown] [--misses FILE] [--json]`.

Runs a query set with gold answers and prints the scorer's table. The metrics are
those of shared/eval/score.py (vendored in service/evaluation.py). `--results FILE`
also writes the run in the scorer's input format, so the shared scorer can be run on
it directly (with several modes, one file per mode: FILE's name gets `.MODE` before
its extension).

`--mode all` runs hybrid, dense and lexical and prints one row per mode (R@1/5/10,
MRR@10, nDCG@10, hit@10); `--breakdown` adds the same figures by question length
and by number of gold groups; `--sample N` scores N questions drawn with `--seed`
(the same ones every run); `--misses FILE` writes the questions with a gold group
outside the top 10 (JSONL, and a readable FILE.md beside it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from service.commands.search import batch_line, load_kb, read_queries

MODES = ("hybrid", "dense", "lexical")
MISS_DEPTH = 100  # how deep a missed gold is looked for, to say how far off it was


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="measure retrieval on a query set with gold clauses",
                              description="Run queries with gold answers and print R@k, MRR, nDCG per kind "
                                          "(or, with --mode all, one row per mode).")
    p.add_argument("queries", help="JSONL with id, query, gold, kind (the shared eval format)")
    p.add_argument("--index", required=True, help="index directory built by `policykb ingest`")
    p.add_argument("--mode", choices=[*MODES, "all"], default="hybrid",
                   help="search mode, or all three (default hybrid)")
    p.add_argument("--k", type=int, default=10, help="cut-off for hit/MRR/nDCG (default 10)")
    p.add_argument("--threshold", type=float, help="also abstain when confidence is below this")
    p.add_argument("--sample", type=int, metavar="N", help="score only N questions drawn at random with --seed")
    p.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    p.add_argument("--breakdown", action="store_true",
                   help="also by question length (≤15, 16–30, >30 characters) and number of gold groups (1, 2, 3+)")
    p.add_argument("--misses", metavar="FILE",
                   help="write questions with a gold group outside the top 10 as JSONL, and FILE.md to read "
                        "(hybrid's misses under --mode all)")
    p.add_argument("--results", metavar="FILE", help="write the run as JSONL (score.py's input)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(handler=run)


def _results_path(path: str, mode: str, several: bool) -> Path:
    p = Path(path)
    return p.with_name(f"{p.stem}.{mode}{p.suffix}") if several else p


def run(args) -> int:
    from service.eval_report import (breakdowns, format_breakdowns, format_modes, sample_queries)
    from service.evaluation import format_table, summarize

    if args.sample is not None and args.sample < 1:
        print("error: --sample takes a number of questions, 1 or more", file=sys.stderr)
        return 2
    all_queries = read_queries(args.queries)
    queries = sample_queries(all_queries, args.sample, args.seed)
    kb = load_kb(args.index)
    if kb is None:
        return 1
    modes = list(MODES) if args.mode == "all" else [args.mode]
    several = len(modes) > 1
    runs_by_mode, summaries, per_mode_breakdowns = {}, {}, {}
    for mode in modes:
        runs = {q["id"]: batch_line(q["id"], kb.search(q["query"], k=max(args.k, 10), mode=mode))
                for q in queries}
        runs_by_mode[mode] = runs
        if args.results:
            out = _results_path(args.results, mode, several)
            out.parent.mkdir(parents=True, exist_ok=True)
            with open(out, "w", encoding="utf-8") as f:
                for line in runs.values():
                    f.write(json.dumps(line, ensure_ascii=False) + "\n")
        summaries[mode] = summarize(queries, runs, k=args.k, threshold=args.threshold)
        if args.breakdown:
            per_mode_breakdowns[mode] = breakdowns(queries, summaries[mode]["per_query"])

    misses_written = None
    miss_mode = "hybrid" if "hybrid" in modes else modes[0]
    if args.misses:
        misses_written = _write_misses(kb, queries, summaries[miss_mode], runs_by_mode[miss_mode],
                                       miss_mode, args.misses)

    counted = f"sample {len(queries)} of {len(all_queries)}, seed {args.seed}" if args.sample else str(len(queries))
    if args.json:
        def public(mode):
            s = dict(summaries[mode])
            s.pop("per_query")
            if args.breakdown:
                s["breakdown"] = per_mode_breakdowns[mode]
            return s
        if several:
            body = {"modes": {m: public(m) for m in modes}}
        else:
            body = {"mode": modes[0], **public(modes[0])}
        body.update({"queries": args.queries, "n_queries": len(queries),
                     "sample": args.sample, "seed": args.seed if args.sample else None})
        if misses_written:
            body["misses"] = {"jsonl": str(misses_written[0]), "markdown": str(misses_written[1]),
                              "n": misses_written[2]}
        print(json.dumps(body, ensure_ascii=False, indent=1))
        return 0
    if several:
        print(f"queries: {args.queries} ({counted})   index: {args.index}   k={args.k}")
        print(format_modes(summaries))
    else:
        print(f"mode: {modes[0]}   queries: {args.queries} ({counted})   k={args.k}")
        print(format_table(summaries[modes[0]]))
    if args.breakdown:
        print()
        print(format_breakdowns(per_mode_breakdowns))
    if misses_written:
        jsonl, md, n = misses_written
        print(f"\n{n} questions with a gold outside the top 10 ({miss_mode}): {jsonl} and {md}")
    return 0


def _write_misses(kb, queries, summary, runs, mode, path):
    from service.eval_report import GoldFinder, miss_record, write_misses

    by_id = {r["id"]: r for r in summary["per_query"]}
    finder = GoldFinder(kb)
    misses = []
    for q in queries:
        rec = by_id[q["id"]]
        if not rec["answerable"] or rec["recall@10"] >= 1.0:
            continue
        deep = [r.to_dict() for r in kb.search(q["query"], k=MISS_DEPTH, mode=mode).results]
        misses.append(miss_record(q, rec, runs[q["id"]], deep, finder, mode))
    jsonl, md = write_misses(path, misses)
    return jsonl, md, len(misses)
