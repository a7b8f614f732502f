"""`policykb eval QUERIES.jsonl [--index DIR] [--mode M] [--json] [--misses]`: run a query set, print the scorer's table.

The metrics are those of shared/eval/score.py (vendored in service/evaluation.py).
`--results FILE` also writes the run in the scorer's input format, so the shared
scorer can be run on it directly. `--misses` lists the queries the run got wrong.
"""

from __future__ import annotations

import argparse
import json

from service.commands.search import batch_line, load_kb, read_queries
from service.config import DEFAULT_INDEX_HELP

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


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="measure retrieval on a query set with gold clauses",
                              formatter_class=argparse.RawDescriptionHelpFormatter,
                              description="Run queries with gold answers and print R@k, MRR, nDCG per kind.",
                              epilog=QUERY_FORMAT)
    p.add_argument("queries", metavar="QUERIES.jsonl", help="the query set (format below)")
    p.add_argument("--index", metavar="DIR", help=f"index directory (default: {DEFAULT_INDEX_HELP})")
    p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    p.add_argument("--k", type=int, default=10, help="cut-off for hit/MRR/nDCG (default 10)")
    p.add_argument("--threshold", type=float, help="also abstain when confidence is below this")
    p.add_argument("--results", metavar="FILE", help="write the run as JSONL (score.py's input)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--misses", action="store_true",
                   help="also list the queries that missed: answerable ones with no answer in the top k, "
                        "and unanswerable ones that were not given no_answer")
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
    per_query = summary.pop("per_query")
    missed = misses(queries, runs, per_query) if args.misses else None
    if args.json:
        extra = {"misses": missed} if missed is not None else {}
        print(json.dumps({"mode": args.mode, **summary, **extra}, ensure_ascii=False, indent=1))
    else:
        print(f"mode: {args.mode}   queries: {args.queries} ({len(queries)})   k={args.k}")
        print(format_table(summary))
        if missed is not None:
            print(format_misses(missed, len(queries), args.k))
    return 0


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
