"""`policykb inspect FILE`: what ingest understood of one file, to check before trusting search."""

from __future__ import annotations

import argparse
import json
import sys

from policykb.ingest.model import Document, FileResult


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "inspect", help="show the documents, metadata, outline and warnings ingest reads from a file",
        description="Print what ingest understood of FILE: its documents, each metadata value with the "
                    "line it came from, the encoding, the outline with clause counts, and warnings.")
    parser.add_argument("file", help="a policy file (.txt .md .html .docx .doc .wps .odt .rtf .pdf .ofd, a scan as "
                                     ".png/.jpg/.tif) or an archive of them (.zip .7z .rar .tar), whose members are "
                                     "shown one by one")
    parser.add_argument("--json", action="store_true", help="print the documents and clauses as JSON")
    parser.add_argument("--clauses", action="store_true", help="also list every clause with its label and lines")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from policykb.ingest.archives import is_archive
    from policykb.ingest.pipeline import ingest_archive, ingest_file

    results = ingest_archive(args.file, Path(args.file).name) if is_archive(args.file) else [ingest_file(args.file)]
    if args.json:
        dicts = [result_as_dict(r) for r in results]
        print(json.dumps(dicts if is_archive(args.file) else dicts[0], ensure_ascii=False, indent=1))
    else:
        for i, result in enumerate(results):
            if i:
                print("\n" + "=" * 60)
            print_result(result, show_clauses=args.clauses)
    return 1 if any(r.failure for r in results) else 0


def result_as_dict(result: FileResult) -> dict:
    from dataclasses import asdict

    return {
        "file": result.file,
        "failure": result.failure.reason if result.failure else None,
        "warnings": result.warnings,
        "documents": [{
            "id": d.id, "index_in_file": d.index_in_file, "format": d.format, "encoding": d.encoding,
            "line_start": d.line_start, "line_end": d.line_end, "meta": d.meta.as_dict(), "warnings": d.warnings,
            "text_source": d.text_source, "ocr": d.ocr.as_dict() if d.ocr else None, "converter": d.converter,
            "page_count": d.page_count,
            "clauses": [{k: v for k, v in asdict(c).items() if k not in ("tokens", "passages")} for c in d.clauses],
        } for d in result.documents],
    }


def print_result(result: FileResult, show_clauses: bool = False, out=None) -> None:
    from policykb.ingest.outline import outline

    out = out or sys.stdout
    if result.failure:
        print(f"FAILED {result.file}: {result.failure.reason}", file=out)
        return
    docs = result.documents
    first = docs[0] if docs else None
    print(f"{result.file}: {len(docs)} document(s), format {first.format if first else '?'}, "
          f"encoding {(first.encoding if first else None) or 'n/a'}", file=out)
    for warning in result.warnings:
        print(f"  warning: {warning}", file=out)
    for doc in docs:
        _print_document(doc, len(docs), show_clauses, out)
        nodes = outline(doc)
        print(f"  outline ({len(doc.clauses)} clauses):", file=out)
        preamble = [c for c in doc.clauses if c.kind == "preamble"]
        if preamble:
            print(f"    [header] lines {preamble[0].line_start}–{preamble[0].line_end}", file=out)
        loose = sum(1 for c in doc.clauses if not c.section_path and c.kind not in ("preamble", "heading")
                    and not any(n.clause_id == c.id for n in nodes))
        if loose:
            print(f"    [text outside any heading] {loose} clause(s)", file=out)
        _print_nodes(nodes, 2, out)
        if show_clauses:
            print("  clauses:", file=out)
            for c in doc.clauses:
                where = " › ".join(c.section_path)
                place = ""
                if c.page_start is not None:
                    place = f" p.{c.page_start}" + (f"-{c.page_end}" if c.page_end != c.page_start else "")
                if c.paragraph_start is not None:
                    place += f" ¶{c.paragraph_start}" + (f"-{c.paragraph_end}" if c.paragraph_end != c.paragraph_start else "")
                if c.ocr_confidence is not None:
                    place += f" ocr {c.ocr_confidence:.0f}%"
                print(f"    L{c.line_start}-{c.line_end}{place} {c.kind:9s} {c.label or '-':10s} {where}", file=out)


def _print_document(doc: Document, total: int, show_clauses: bool, out) -> None:
    pages = f"  {doc.page_count} page(s)" if doc.page_count else ""
    print(f"\nDocument {doc.index_in_file + 1}/{total}  id {doc.id}  lines {doc.line_start}–{doc.line_end}{pages}", file=out)
    if doc.ocr is not None:
        where = "all pages" if doc.text_source == "ocr" else f"pages {', '.join(map(str, doc.ocr.pages))}"
        mean = f", mean character confidence {doc.ocr.mean_confidence}" if doc.ocr.mean_confidence is not None else ""
        print(f"  text        read by OCR on {where}: {doc.ocr.describe()}{mean}", file=out)
    if doc.converter:
        print(f"  converted   by {doc.converter}", file=out)
    for name in doc.meta.FIELDS:
        field = getattr(doc.meta, name)
        if field is None:
            print(f"  {name:11s} null", file=out)
        else:
            where = f"line {field.line}" if field.line else "?"
            if field.source == "front_matter":
                where = f"front matter, {where}"
            print(f"  {name:11s} {field.value}   ({where})", file=out)
    if doc.meta.year is not None:  # only for a document with no date: read out of its 文号 or title
        year = doc.meta.year
        print(f"  {'year':11s} {year.value}   (inferred from {year.inferred_from}, line {year.line or '?'})", file=out)
    for warning in doc.warnings:
        print(f"  warning: {warning}", file=out)


def _print_nodes(nodes, indent: int, out) -> None:
    for node in nodes:
        print(f"{'  ' * indent}{node.title}  [{node.clause_count}]  L{node.line}", file=out)
        _print_nodes(node.children, indent + 1, out)
