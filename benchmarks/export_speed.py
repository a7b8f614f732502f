"""How long an export takes: the selection (every citation format of each clause) and each writer.

Exports the first N clauses of an index (in document order) once per format and prints the
time and size of each file; an export holds at most 500 clauses (service/export/selection.py).

    .venv/bin/python -m benchmarks.export_speed --index .policykb/index --clauses 500
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path


def main(argv: list[str] | None = None) -> dict:
    from policykb.service.catalog import Catalog
    from policykb.service.config import default_index
    from policykb.service.export import selection
    from policykb.service.export.writers import FORMATS
    from policykb.search.knowledge_base import KnowledgeBase

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="index directory (default: the default index)")
    parser.add_argument("--clauses", type=int, default=selection.MAX_CLAUSES, help="clauses to export (default 500)")
    args = parser.parse_args(argv)

    kb = KnowledgeBase.load(args.index or default_index())
    catalog = Catalog(kb.index)
    ids: list[str] = []
    for document_id in kb.documents:
        ids += [c.id for c in catalog.document(document_id).clauses]
        if len(ids) >= args.clauses:
            break
    ids = ids[:args.clauses]
    start = time.perf_counter()
    chosen = selection.from_clause_ids(catalog, ids, date.today())
    figures = {"clauses": len(chosen.clauses), "documents": len(chosen.references()),
               "selection_ms": round((time.perf_counter() - start) * 1000)}
    print(f"selection of {figures['clauses']} clauses from {figures['documents']} documents: "
          f"{figures['selection_ms']} ms")
    for name, writer in FORMATS.items():
        start = time.perf_counter()
        body = writer.write(chosen)
        ms = round((time.perf_counter() - start) * 1000)
        figures[name] = {"ms": ms, "kib": round(len(body) / 1024, 1)}
        print(f"{name:9s} {ms:6d} ms  {len(body) / 1024:7.1f} KiB")
    return figures


if __name__ == "__main__":
    main()
