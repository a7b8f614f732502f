"""`policykb search QUERY --index DIR [--json] [--k N] [--mode M] [--batch QUERIES.jsonl]`.

Output shapes (DESIGN.md): with --json, `{"query": ..., "results": [...]}`; with
--batch, one line per query `{"id": ..., "results": [...]}` in rank order (plus
`no_answer` and `confidence`). Without --json, a readable list with citations.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from policykb.search.filters import SearchFilters
from policykb.service.config import DEFAULT_INDEX_HELP, default_index


def register(subparsers) -> None:
    p = subparsers.add_parser("search", help="search the clauses of an index",
                              description="Search an index; prints clauses with their citations.")
    p.add_argument("query", nargs="?", help="the question or terms (simplified or traditional)")
    p.add_argument("--index", metavar="DIR", help=f"index directory (default: {DEFAULT_INDEX_HELP})")
    p.add_argument("--k", type=int, default=10, help="number of results (default 10)")
    p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--batch", metavar="QUERIES.jsonl",
                   help='run every line {"id": ..., "query": ...}; prints one JSON line per query')
    p.add_argument("--document", action="append", default=[], help="only this document id (repeatable)")
    p.add_argument("--issuer", action="append", default=[], help="only documents whose issuer contains this (either script)")
    p.add_argument("--doc-type", action="append", default=[], help="only documents of this type (规划, 意见 …)")
    p.add_argument("--year-from", type=int, help="only documents of this year or later (the date's year, or the "
                                                 "one the 文号 or title gives when no date is stated)")
    p.add_argument("--year-to", type=int, help="only documents of this year or earlier")
    add_backend_arguments(p)
    p.set_defaults(handler=run)


def add_backend_arguments(p) -> None:
    """--backend and --milvus-uri, for the commands that search."""
    p.add_argument("--backend", choices=["embedded", "milvus"], default="embedded",
                   help="the engine that retrieves: the index's own files (default), or its collection in Milvus")
    p.add_argument("--milvus-uri", metavar="URI",
                   help="Milvus for --backend milvus: a milvus-lite file (x.db) or http://127.0.0.1:19530")


def filters_from(args) -> SearchFilters:
    return SearchFilters(document_ids=args.document, issuers=args.issuer, doc_types=args.doc_type,
                         year_from=args.year_from, year_to=args.year_to)


def load_kb(index: str | None, backend: str = "embedded", milvus_uri: str | None = None):
    """The KnowledgeBase at `index` (None: the default index), or None after printing what to do."""
    from policykb.index.embedders import ModelNotFound
    from policykb.index.generation import IndexLoadError
    from policykb.index.milvus import MilvusUnavailable
    from policykb.search.engines.milvus import CollectionMissing
    from policykb.search.knowledge_base import KnowledgeBase

    try:
        return KnowledgeBase.load(Path(index) if index else default_index(), engine=backend, milvus_uri=milvus_uri)
    except (IndexLoadError, ModelNotFound, MilvusUnavailable, CollectionMissing, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def read_queries(path: str) -> list[dict]:
    """Lines of a JSONL file with "id" and "query"; exits with the line number on a bad line."""
    queries = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                queries.append({**item, "id": item["id"], "query": item["query"]})
            except (json.JSONDecodeError, KeyError, TypeError):
                raise SystemExit(f"error: {path}:{n}: expected a JSON object with \"id\" and \"query\"") from None
    return queries


def batch_line(query_id, response) -> dict:
    return {"id": query_id, "no_answer": response.no_answer, "confidence": round(response.confidence, 4),
            "results": [r.to_dict() for r in response.results]}


def _print_readable(response) -> None:
    if response.no_answer:
        print(f"(low confidence {response.confidence:.2f}: the corpus may not answer this)\n")
    if response.synonyms:
        print(f"(also searched the synonyms {'、'.join(response.synonyms)})\n")
    report = response.filters
    if report and report.documents == 0:
        print(f"(no document of the {report.total} passes these filters)\n")
    elif report and not response.results:
        print(f"(nothing found in the {report.documents} documents that pass these filters)\n")
    if report and report.undated_left_out:
        print(f"(the year filter left out {report.undated_left_out} document(s) with no date or year)\n")
    found = (response.understood or {}).get("found")
    if found and response.results:
        what = f"article {response.understood['article']}" if found == "article" else "the clause on when it takes effect"
        print(f"(the query names {response.understood['name']}: {what} first)\n")
    if response.disagreement:
        said = "; ".join(f"#{rank}: {', '.join(f)} {response.disagreement.unit}"
                         for rank, f in sorted(response.disagreement.figures.items()))
        print(f"(the top answers state different figures ({said}): see each document's date and type)\n")
    for r in response.results:
        c = r.citation
        where = " › ".join(c.section_path + ([c.label] if c.label else []))
        print(f"{r.rank}. [{r.confidence:.2f}] {c.title or c.file} {c.doc_number or ''}".rstrip())
        if response.disagreement:
            year = c.date or (f"{r.document_year} (inferred from {r.document_year_source['field']})"
                              if r.document_year else "no date")
            print(f"   document: {year} · {r.document_type or 'type unknown'}")
        print(f"   {where}  ({c.file}, {c.where()})" + ("  [text read by OCR]" if c.text_source != "text" else ""))
        print("   " + r.text.replace("\n", "\n   "))
        for newer in r.superseded_by:
            print(f"   newer in the index: {newer.title or newer.id} ({newer.date or 'undated'}, {newer.id})")
        for other in r.also_in:
            print(f"   also in: {other.title or other.file} ({other.file}, {other.where()})")
        print()


def run(args) -> int:
    if not args.query and not args.batch:
        print("error: give a QUERY or --batch QUERIES.jsonl", file=sys.stderr)
        return 2
    filters = filters_from(args)
    for name, message in filters.problems():
        print(f"error: --{name.replace('_', '-')}: {message}", file=sys.stderr)
        return 2
    kb = load_kb(args.index, args.backend, args.milvus_uri)
    if kb is None:
        return 1
    if args.batch:
        for item in read_queries(args.batch):
            response = kb.search(item["query"], k=args.k, mode=args.mode, filters=filters)
            print(json.dumps(batch_line(item["id"], response), ensure_ascii=False), flush=True)
        return 0
    response = kb.search(args.query, k=args.k, mode=args.mode, filters=filters)
    if args.json:
        print(json.dumps(response.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_readable(response)
    return 0
