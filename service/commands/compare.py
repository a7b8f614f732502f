"""`policykb compare A B [--index DIR] [--json]`: 新旧对照 of two documents of an index, clause by clause."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from policykb.service.config import DEFAULT_INDEX_HELP, default_index

MARKS = {"delete": ("【删】", "【/删】"), "insert": ("【增】", "【/增】")}


def register(subparsers) -> None:
    p = subparsers.add_parser("compare", help="新旧对照: align the clauses of two documents and mark what changed",
                              description="Align the clauses of document A (the old or national one) with those "
                                          "of document B (the new or local one): by 第X条 where both number "
                                          "alike, else by text similarity keeping order; each pair is unchanged, "
                                          "changed, added, removed, moved, split or merged. Changed text is "
                                          "marked 【删】…【/删】 and 【增】…【/增】. Ids are those `policykb "
                                          "documents` lists.")
    p.add_argument("a", metavar="A", help="id of the first (old, national) document")
    p.add_argument("b", metavar="B", help="id of the second (new, local) document")
    p.add_argument("--index", metavar="DIR", help=f"index directory (default: {DEFAULT_INDEX_HELP})")
    p.add_argument("--json", action="store_true", help="print {a, b, counts, renumbered, pairs: [...]} as JSON")
    p.set_defaults(handler=run)


def marked(redline) -> str:
    """The redline as text: kept runs as they are, deletions and insertions in 【删】/【增】 marks."""
    out = []
    for seg in redline:
        start, end = MARKS.get(seg.op, ("", ""))
        out.append(f"{start}{seg.text}{end}")
    return "".join(out)


def _labels(first, more) -> str:
    if first is None:
        return "-"
    return "+".join(c.label or c.id for c in (first, *more))


def run(args: argparse.Namespace) -> int:
    from policykb.index.generation import IndexLoadError, open_generation
    from policykb.index.reader import IndexReader
    from policykb.service.catalog import Catalog
    from policykb.service.compare import compare_documents

    index = Path(args.index) if args.index else default_index()
    try:
        generation = open_generation(index, verify=False)
    except IndexLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    catalog = Catalog(IndexReader.open(generation))
    docs = []
    for name, document_id in (("A", args.a), ("B", args.b)):
        doc = catalog.document(document_id)
        if doc is None:
            print(f"error: {name}: no document with id {document_id!r} in {index}; `policykb documents` lists "
                  f"the ids.", file=sys.stderr)
            return 1
        docs.append(doc)
    comparison = compare_documents(*docs)
    if args.json:
        print(json.dumps(comparison.as_dict(), ensure_ascii=False, indent=1))
        return 0
    a, b = docs
    print(f"A {a.id} 《{a.title or a.file}》")
    print(f"B {b.id} 《{b.title or b.file}》")
    print("  ".join(f"{kind} {n}" for kind, n in comparison.counts.items()) + f"  (renumbered {comparison.renumbered})")
    for p in comparison.pairs:
        print(f"\n[{p.kind}] {_labels(p.a, p.a_more)} → {_labels(p.b, p.b_more)}"
              + (f"  similarity {p.similarity:.2f}" if p.a is not None and p.b is not None else ""))
        if p.kind == "unchanged":
            continue
        print(marked(p.redline))
    return 0
