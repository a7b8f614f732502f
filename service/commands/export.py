"""`policykb export [QUERY] --format F [--out FILE] [--id ID ...] [--document ID ...] [--index DIR]`.

Writes search results (QUERY), chosen clauses (--id, repeatable; QUERY then titles the
handout) or whole documents (--document alone) as csv, xlsx, docx, md, ris, bibtex or
csl-json, every clause with its citations (service/export). The file goes to --out, or to
stdout for the text formats.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date as Date
from pathlib import Path

from policykb.service.citations.gbt7714 import OnlineType
from policykb.service.commands.search import filters_from, load_kb
from policykb.service.config import DEFAULT_INDEX_HELP


def register(subparsers) -> None:
    from policykb.service.export.writers import FORMATS

    p = subparsers.add_parser("export", help="export clauses with their citations (docx, xlsx, csv, md, ris, bibtex, csl-json)",
                              description="Export search results, chosen clauses or whole documents, each clause "
                                          "with its citations (法学引注手册, GB/T 7714—2015 and —2025, CSL-JSON, RIS, "
                                          "BibTeX, file and lines).")
    p.add_argument("query", nargs="?", help="a question to search; with --id, the handout's title")
    p.add_argument("--format", required=True, choices=sorted(FORMATS), help="the file format")
    p.add_argument("--out", metavar="FILE", help="where to write (default: stdout, text formats only)")
    p.add_argument("--id", action="append", default=[], help="a clause id to export (repeatable, in order)")
    p.add_argument("--index", metavar="DIR", help=f"index directory (default: {DEFAULT_INDEX_HELP})")
    p.add_argument("--k", type=int, default=10, help="number of search results (default 10)")
    p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    p.add_argument("--document", action="append", default=[],
                   help="with QUERY: only this document id; alone: every clause of it (repeatable)")
    p.add_argument("--issuer", action="append", default=[], help="with QUERY: only documents whose issuer contains this")
    p.add_argument("--doc-type", action="append", default=[], help="with QUERY: only documents of this type")
    p.add_argument("--year-from", type=int, help="with QUERY: only documents of this year or later")
    p.add_argument("--year-to", type=int, help="with QUERY: only documents of this year or earlier")
    p.add_argument("--accessed", metavar="YYYY-MM-DD", help="the 引用日期 of every citation (default today)")
    p.add_argument("--base-url", default="", metavar="URL",
                   help="the policykb server's address (http://host:port), which makes each clause's permalink "
                        "column and the handout's link absolute (default: the reader address /#doc=… alone)")
    p.add_argument("--script", choices=["original", "hans", "hant"], default="original",
                   help="texts and citations as written (default), in simplified (hans) or traditional (hant) "
                        "characters, as the page's 原文/简/繁 shows them")
    p.add_argument("--eb", action="store_true", help="GB/T 7714—2015 entries with a URL as [EB/OL] instead of [A/OL]")
    p.set_defaults(handler=run)


def run(args) -> int:
    from policykb.service.catalog import Catalog
    from policykb.service.export import selection
    from policykb.service.export.writers import FORMATS

    if not args.query and not args.id and not args.document:
        print("error: say what to export: a QUERY, --id CLAUSE_ID (repeatable) or --document DOCUMENT_ID",
              file=sys.stderr)
        return 2
    writer = FORMATS[args.format]
    if args.out is None and args.format in ("xlsx", "docx"):
        print(f"error: {args.format} is a binary file: give --out FILE.{writer.extension}", file=sys.stderr)
        return 2
    try:
        day = Date.fromisoformat(args.accessed) if args.accessed else Date.today()
    except ValueError:
        print(f"error: --accessed {args.accessed!r} is not a date; write it as YYYY-MM-DD", file=sys.stderr)
        return 2
    filters = filters_from(args)
    for name, message in filters.problems():
        print(f"error: --{name.replace('_', '-')}: {message}", file=sys.stderr)
        return 2
    kb = load_kb(args.index)
    if kb is None:
        return 1
    catalog = Catalog(kb.index)
    online_type: OnlineType = "EB" if args.eb else "A"
    try:
        if args.id:
            chosen = selection.from_clause_ids(catalog, args.id, day, online_type, query=args.query,
                                               script=args.script)
        elif args.query:
            chosen = selection.from_search(kb, catalog, args.query, day, args.k, args.mode, filters, online_type,
                                           args.script)
        else:
            chosen = selection.from_documents(catalog, args.document, day, online_type, args.script)
    except selection.SelectionError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    body = writer.write(replace(chosen, base_url=args.base_url))
    if args.out is None:
        sys.stdout.write(body.decode("utf-8-sig"))
        return 0
    Path(args.out).write_bytes(body)
    print(f"wrote {len(chosen.clauses)} clause(s) from {len(chosen.references())} document(s) to {args.out}",
          file=sys.stderr)
    return 0
