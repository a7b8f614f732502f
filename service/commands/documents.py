"""`policykb documents [--index DIR] [--sort date] [--status S] [--json]`: the documents of an index and their ids."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from policykb.search.filters import SearchFilters
from policykb.service.browse import DOCUMENT_SORTS, DocumentQuery, browse
from policykb.service.config import DEFAULT_INDEX_HELP, default_index


def register(subparsers) -> None:
    p = subparsers.add_parser("documents", help="list the documents of an index with their ids",
                              description="List the documents an index holds: id, date (or the year its 文号 or "
                                          "title gives), type, status (as the text states it), clause count, "
                                          "title, issuer, 文号, and 被取代:ID when the index holds a newer "
                                          "version or a replacement of it. "
                                          "Unknown values print as -. The id is what `policykb search "
                                          "--document ID` and /api/documents/{id} take.")
    p.add_argument("--index", metavar="DIR", help=f"index directory (default: {DEFAULT_INDEX_HELP})")
    p.add_argument("--sort", choices=DOCUMENT_SORTS, default="index",
                   help="index (as ingested, default), date (newest first) or title")
    p.add_argument("--issuer", action="append", default=[], help="only documents whose issuer contains this")
    p.add_argument("--doc-type", action="append", default=[], help="only documents of this type (规划, 意见 …)")
    p.add_argument("--status", action="append", default=[], help="only documents that state this status")
    p.add_argument("--year-from", type=int, help="only documents of this year or later")
    p.add_argument("--year-to", type=int, help="only documents of this year or earlier")
    p.add_argument("--json", action="store_true", help="print {\"total\", \"matched\", \"documents\": [...]} as JSON")
    p.set_defaults(handler=run)


def when(summary: dict) -> str:
    """「2015-03-01」, 「2009（据文号）」 for an inferred year, or - when neither is known."""
    if summary["date"]:
        return summary["date"]
    if summary["year"] is None:
        return "-"
    source = (summary.get("year_source") or {}).get("field")
    return f"{summary['year']}（据{'文号' if source == 'doc_number' else '标题'}）"


def superseded(summary: dict) -> str:
    """「被取代:ID,ID」 when the index holds a newer version or a replacement of the document, else -."""
    return f"被取代:{','.join(d['id'] for d in summary['superseded_by'])}" if summary.get("superseded_in_corpus") else "-"


def run(args: argparse.Namespace) -> int:
    from policykb.index.generation import IndexLoadError, open_generation
    from policykb.index.reader import IndexReader
    from policykb.service.catalog import Catalog

    filters = SearchFilters(issuers=args.issuer, doc_types=args.doc_type, statuses=args.status,
                            year_from=args.year_from, year_to=args.year_to)
    for name, message in filters.problems():
        print(f"error: --{name.replace('_', '-')}: {message}", file=sys.stderr)
        return 2
    try:
        generation = open_generation(Path(args.index) if args.index else default_index(), verify=False)
    except IndexLoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    catalog = Catalog(IndexReader.open(generation))
    page = browse(catalog, DocumentQuery(filters, args.sort))
    if args.json:
        print(json.dumps({"total": len(catalog.summaries), "matched": page.matched, "documents": page.documents},
                         ensure_ascii=False, indent=1))
        return 0
    for s in page.documents:
        line = "  ".join([s["id"], when(s), s["doc_type"] or "-", s["status"] or "-", f"{s['clause_count']}条",
                          f"《{s['title']}》" if s["title"] else s["file"], s["issuer"] or "-", s["doc_number"] or "-",
                          superseded(s)])
        print(line)
    shown = f"{page.matched} of {len(catalog.summaries)}" if filters.active else str(page.matched)
    print(f"({shown} documents; columns: id, date, type, status as stated, clauses, title, issuer, 文号, "
          f"被取代:ID when a newer version or replacement is in the index)", file=sys.stderr)
    return 0
