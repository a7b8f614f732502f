"""`policykb eval QUERIES.jsonl [--index DIR] [--mode M|all] [--sample N] [--breakdown] [--misses [FILE]] [--json]`.

Runs a query set with gold answers and prints the scorer's table. The metrics are
those of shared/eval/score.py (vendored in service/evaluation.py). `--results FILE`
also writes the run in the scorer's input format, so the shared scorer can be run on
it directly (with several modes, one file per mode: FILE's name gets `.MODE` before
its extension).

`--mode all` runs hybrid, dense and lexical and prints one row per mode (R@1/5/10,
MRR@10, nDCG@10, hit@10); `--breakdown` adds the same figures by question length
and by number of gold groups; `--sample N` scores N questions drawn with `--seed`
(the same ones every run); `--misses` lists the queries the run got wrong (answerable
with nothing in the top k, unanswerable and not given no_answer); `--misses FILE` instead
writes the questions with a gold group outside the top 10, with where each gold ranked
(JSONL, and a readable FILE.md beside it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from policykb.service.commands.search import add_backend_arguments, batch_line, load_kb, read_queries
from policykb.service.config import DEFAULT_INDEX_HELP

QUERY_FORMAT = """\
QUERIES.jsonl holds one JSON object per line (tests/data/seed_queries.jsonl is an example):

  {"id": "s001", "query": "乡镇干部一年至少要参加多少学时的培训", "kind": "paraphrase",
   "gold": [{"file": "000_3adddd7c9c291dd6.txt", "must_contain": "每年参加各类学习培训的时间累计一般不少于100学时"}]}

  id       unique name of the query
  query    the question, as a user would type it
  kind     optional label the table is broken down by (paraphrase, keyword, numeric, traditional,
           cross-doc, negative, or any other)
  gold     where the answer is: a result answers when its file name (extension optional) equals
           "file" and its text contains "must_contain" (both sides compared after t2s, full-width
           digits and letters folded, whitespace removed). Entries are alternatives of one answer,
           unless they carry "group": then each group is one answer that should be found.
           "gold": [] marks a question the corpus does not answer (it should get no_answer).

Metrics: R@1/5/10 (share of answer groups in the top 1/5/10), Hit@k and MRR@k (first result
that answers), nDCG@k, FalseAbst (answerable queries given no_answer), NegAbst (unanswerable
ones given no_answer), and the AUROC of the confidence between the two.
"""

MODES = ("hybrid", "dense", "lexical")
LIST_MISSES = "-"  # --misses with no FILE: list them on stdout
MISS_DEPTH = 100  # how deep a missed gold is looked for, to say how far off it was


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="measure retrieval on a query set with gold clauses",
                              formatter_class=argparse.RawDescriptionHelpFormatter,
                              description="Run queries with gold answers and print R@k, MRR, nDCG per kind "
                                          "(or, with --mode all, one row per mode).",
                              epilog=QUERY_FORMAT)
    p.add_argument("queries", metavar="QUERIES.jsonl", help="the query set (format below)")
    p.add_argument("--index", metavar="DIR", help=f"index directory (default: {DEFAULT_INDEX_HELP})")
    p.add_argument("--mode", choices=[*MODES, "all"], default="hybrid",
                   help="search mode, or all three (default hybrid)")
    p.add_argument("--k", type=int, default=10, help="cut-off for hit/MRR/nDCG (default 10)")
    p.add_argument("--threshold", type=float, help="also abstain when confidence is below this")
    p.add_argument("--sample", type=int, metavar="N", help="score only N questions drawn at random with --seed")
    p.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    p.add_argument("--breakdown", action="store_true",
                   help="also by question length (≤15, 16–30, >30 characters) and number of gold groups (1, 2, 3+)")
    p.add_argument("--misses", metavar="FILE", nargs="?", const=LIST_MISSES,
                   help="list the queries that missed: answerable ones with no answer in the top k, and "
                        "unanswerable ones not given no_answer; with FILE, write instead every question with a "
                        "gold group outside the top 10 as JSONL, and FILE.md to read (hybrid's under --mode all)")
    p.add_argument("--results", metavar="FILE", help="write the run as JSONL (score.py's input)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_backend_arguments(p)
    p.set_defaults(handler=run)


def _results_path(path: str, mode: str, several: bool) -> Path:
    p = Path(path)
    return p.with_name(f"{p.stem}.{mode}{p.suffix}") if several else p


def run(args) -> int:
    from policykb.service.eval_report import breakdowns, format_breakdowns, format_modes, sample_queries
    from policykb.service.evaluation import format_table, summarize

    if args.sample is not None and args.sample < 1:
        print("error: --sample takes a number of questions, 1 or more", file=sys.stderr)
        return 2
    all_queries = read_queries(args.queries)
    queries = sample_queries(all_queries, args.sample, args.seed)
    kb = load_kb(args.index, args.backend, args.milvus_uri)
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

    misses_written, missed = None, None
    miss_mode = "hybrid" if "hybrid" in modes else modes[0]
    if args.misses == LIST_MISSES:
        missed = misses(queries, runs_by_mode[miss_mode], summaries[miss_mode]["per_query"])
    elif args.misses:
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
        body = {"modes": {m: public(m) for m in modes}} if several else {"mode": modes[0], **public(modes[0])}
        body.update({"queries": args.queries, "n_queries": len(queries),
                     "sample": args.sample, "seed": args.seed if args.sample else None})
        if missed is not None:
            body["misses"] = missed
        if misses_written:
            body["misses_file"] = {"jsonl": str(misses_written[0]), "markdown": str(misses_written[1]),
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
    if missed is not None:
        print(format_misses(missed, len(queries), args.k))
    if misses_written:
        jsonl, md, n = misses_written
        print(f"\n{n} questions with a gold outside the top 10 ({miss_mode}): {jsonl} and {md}")
    return 0


def _write_misses(kb, queries, summary, runs, mode, path):
    from policykb.service.eval_report import GoldFinder, miss_record, write_misses

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


def misses(queries: list[dict], runs: dict[str, dict], per_query: list[dict]) -> list[dict]:
    """The queries the run got wrong, in file order, each with what was wanted and what came first."""
    by_id = {q["id"]: q for q in queries}
    out = []
    for rec in per_query:
        if rec["answerable"] and rec.get("first_rel_rank") is None:
            why = "no answer in the top k"
        elif not rec["answerable"] and not rec["abstained"]:
            why = "answered, but the corpus does not answer it"
        else:
            continue
        q = by_id[rec["id"]]
        results = (runs.get(rec["id"]) or {}).get("results") or []
        top = results[0] if results else None
        out.append({"id": rec["id"], "kind": rec["kind"], "query": q["query"], "why": why,
                    "confidence": rec["confidence"],
                    "expected": [{"file": g["file"], "must_contain": g["must_contain"]} for g in q.get("gold", [])],
                    "top": None if top is None else {
                        "file": top["file"], "line_start": top["citation"]["line_start"], "text": top["text"]}})
    return out


def format_misses(missed: list[dict], total: int, k: int) -> str:
    lines = [f"\nmisses: {len(missed)} of {total} queries (answerable with nothing in the top {k}, "
             "or unanswerable and not given no_answer)"]
    for m in missed:
        lines.append(f"  {m['id']}  [{m['kind']}]  {m['query']}   ({m['why']})")
        for g in m["expected"]:
            lines.append(f"      wanted  {g['file']}: {g['must_contain']}")
        if m["top"]:
            text = m["top"]["text"].replace("\n", " ")
            text = text if len(text) <= 60 else text[:60] + "…"
            lines.append(f"      top     {m['top']['file']}:{m['top']['line_start']}: {text}")
    return "\n".join(lines)
