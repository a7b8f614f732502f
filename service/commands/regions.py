"""`policykb regions QUERY [--document ID] [--index DIR] [--mode M] [--json]`: 中央与地方 side by side — the national
clause that answers a question and the closest clause of each local measure implementing it (service/regions.py)."""

from __future__ import annotations

import argparse
import json
import sys

from policykb.service.config import DEFAULT_INDEX_HELP


def register(subparsers) -> None:
    p = subparsers.add_parser("regions", help="中央与地方: the national clause beside each implementing measure's",
                              description="For QUERY, the best answering clause of a national document and, beside "
                                          "it, the closest clause of each document in the index that implements it "
                                          "(实施办法, 实施条例 …), grouped by issuer level: 中央, 国务院, 部委, 省, 市, 县.")
    p.add_argument("query", help="the question (simplified or traditional)")
    p.add_argument("--document", metavar="ID", help="the national document (default: the one answering best)")
    p.add_argument("--index", metavar="DIR", help=f"index directory (default: {DEFAULT_INDEX_HELP})")
    p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    p.add_argument("--json", action="store_true", help="print {query, national, groups: [...]} as JSON")
    p.set_defaults(handler=run)


def _print_readable(view) -> None:
    if view.national is None:
        if view.no_answer:
            print(f"(low confidence {view.confidence:.2f}: the corpus may not answer this)")
        else:
            print("(no national document answers this)")
        return
    print(f"{view.implementing} measure(s) in the index implement 《{view.national.title}》; "
          f"{view.answering} of them answer the question.\n")
    for group in view.groups:
        print(f"【{group.label}】")
        for row in group.rows:
            print(f"  《{row.title or row.document_id}》 {row.when.label()}  {row.level.label}")
            if row.role == "implements":
                version = row.implemented_version or "version not known"
                held = {True: "in the index", False: "not in the index", None: ""}[row.implemented_version_held]
                print(f"    implements the {version} text {held}".rstrip())
            if row.clause is None:
                print("    (none of its clauses answers the question)")
                continue
            c = row.clause.citation
            where = " › ".join(c.section_path + ([c.label] if c.label else []))
            print(f"    {where}  ({c.file}, {c.where()})  confidence {row.clause.confidence:.2f}")
            print("    " + row.clause.text.replace("\n", "\n    "))
            if row.others:
                print("    also: " + "、".join(o.citation.label or o.id for o in row.others))
        print()


def run(args: argparse.Namespace) -> int:
    from policykb.service.commands.search import load_kb
    from policykb.service.regions import UnknownDocument, regions

    if not args.query.strip():
        print("error: QUERY is empty", file=sys.stderr)
        return 2
    kb = load_kb(args.index)
    if kb is None:
        return 1
    try:
        view = regions(kb, args.query, mode=args.mode, document=args.document)
    except UnknownDocument:
        print(f"error: no document with id {args.document!r} in the index; `policykb documents` lists them",
              file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(view.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_readable(view)
    return 0
