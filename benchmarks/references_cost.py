"""What reading and resolving cross-references (ingest/references.py) adds to a build: the eight
keyed laws and regulations of tests/data/references/ copied under new titles until the documents hold
`--clauses` clauses, then `resolve_references` over all of them, as index/build.py runs it.
Prints clauses, references, resolved and the seconds it took.

    .venv/bin/python -m benchmarks.references_cost --clauses 100000
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

from policykb.ingest.model import MetaField
from policykb.ingest.pipeline import ingest_file
from policykb.ingest.references import resolve_references

LAWS = Path(__file__).resolve().parents[1] / "tests" / "data" / "references"


def corpus(clauses: int) -> list:
    """Copies of the laws, each with its own document id, clause ids and title (so none is ambiguous)."""
    originals = [d for p in sorted(LAWS.glob("*.md")) for d in ingest_file(p, p.name).documents]
    out, total, n = [], 0, 0
    while total < clauses:
        for doc in originals:
            twin = copy.deepcopy(doc)
            twin.id = f"{doc.id}-{n}"
            twin.meta.title = MetaField(f"{doc.title}（副本{n}）")
            for c in twin.clauses:
                c.id, c.document_id = f"{c.id}-{n}", twin.id
            out.append(twin)
            total += len(twin.clauses)
        n += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clauses", type=int, default=100_000)
    args = parser.parse_args()
    documents = corpus(args.clauses)
    started = time.perf_counter()
    refs = resolve_references(documents)
    seconds = time.perf_counter() - started
    print(f"{sum(len(d.clauses) for d in documents)} clauses in {len(documents)} documents: {len(refs)} references, "
          f"{sum(1 for r in refs if r.resolved_clause_id)} resolved, {seconds:.2f} s")


if __name__ == "__main__":
    main()
