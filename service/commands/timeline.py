"""`policykb timeline QUERY [--index DIR] [--k N] [--mode M] [--json]`: the documents that answer a
question, oldest first, each with its best clause, the figures it states and what changed (service/timeline.py)."""

from __future__ import annotations

import argparse
import json
import sys

from policykb.service.config import DEFAULT_INDEX_HELP
from policykb.service.timeline import DEFAULT_DOCUMENTS


def register(subparsers) -> None:
    p = subparsers.add_parser("timeline", help="a requirement over time: each answering document's clause, oldest first",
                              description="For each document that answers QUERY, its best clause, ordered by the "
                                          "document's date (or the year or period its 文号 or title gives, marked "
                                          "inferred; 日期不详 last), with the figures it states (学时, 天, 年, %, 人 …, "
                                          "numbers normalized) and what changed from the row before.")
    p.add_argument("query", help="the question (simplified or traditional)")
    p.add_argument("--index", metavar="DIR", help=f"index directory (default: {DEFAULT_INDEX_HELP})")
    p.add_argument("--k", type=int, default=DEFAULT_DOCUMENTS,
                   help=f"at most this many documents (default {DEFAULT_DOCUMENTS})")
    p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    p.add_argument("--json", action="store_true", help="print {query, no_answer, units, rows: [...]} as JSON")
    p.set_defaults(handler=run)


def _print_readable(result) -> None:
    if result.no_answer:
        print(f"(low confidence {result.confidence:.2f}: the corpus may not answer this; no timeline)")
        return
    if not result.rows:
        print("(no document answers this)")
        return
    for n, row in enumerate(result.rows, 1):
        c = row.clause.citation
        where = " › ".join(c.section_path + ([c.label] if c.label else []))
        print(f"{n}. {row.when.label()}  《{row.title or c.file}》 {row.doc_number or ''}".rstrip())
        print(f"   {where}  ({c.file}, {c.where()})  confidence {row.clause.confidence:.2f}")
        print("   " + row.clause.text.replace("\n", "\n   "))
        print("   figures: " + ("、".join(q.describe() for q in row.quantities) or "none stated"))
        if row.changes is not None:
            print("   changed: " + ("；".join(ch.describe() for ch in row.changes) or "no figures on either side"))
        elif not row.when.known:
            print("   date unknown: not compared with the rows around it")
        print()


def run(args: argparse.Namespace) -> int:
    from policykb.service.commands.search import load_kb
    from policykb.service.timeline import timeline

    if args.k < 1:
        print(f"error: --k must be 1 or more, not {args.k}", file=sys.stderr)
        return 2
    if not args.query.strip():
        print("error: QUERY is empty", file=sys.stderr)
        return 2
    kb = load_kb(args.index)
    if kb is None:
        return 1
    result = timeline(kb, args.query, k=args.k, mode=args.mode)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_readable(result)
    return 0
