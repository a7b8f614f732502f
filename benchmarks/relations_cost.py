"""What finding relations between documents (ingest/relations.py) adds to ingest: the real laws, local
measures and plans of ../shared/corpora/versions-and-regions/ and the bundled seeds, written out
again as copies whose laws and plans are renamed per copy (职业教育法 → 职业教育3法, 干部教育 → 干部3教育 in the
titles and texts of copy 3, so each copy is a family of its own: versions, a replacement, measures
naming their law, plan series) until the files hold `--clauses` clauses. Times `ingest_paths` over
them (read, parse, segment, tokenize, link near-duplicates: ingest without embedding, so the share
printed is the most relations can add; the embedding of a real ingest makes it smaller), then
`find_relations` over the documents, as index/build.py runs it, and the signature check that lets a
build over the same documents skip it.

    .venv/bin/python -m benchmarks.relations_cost --clauses 100000
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from policykb.ingest.pipeline import ingest_paths
from policykb.ingest.relations import KINDS, find_relations, relations_signature

REPO = Path(__file__).resolve().parents[1]
SOURCES = [REPO.parent / "shared" / "corpora" / "versions-and-regions", REPO / "corpus",
           REPO / "tests" / "fixtures" / "relations", REPO / "tests" / "fixtures" / "compare"]
LAWS = ("职业教育法", "妇女权益保障法", "未成年人保护法", "海洋环境保护法", "档案法")


def write_corpus(folder: Path, clauses: int) -> int:
    """Renamed copies of the source files in `folder` until about `clauses` clauses; returns the file count."""
    originals = []
    for source in SOURCES:
        if source.is_dir():
            for path in sorted(source.glob("*")):
                if path.suffix in (".md", ".txt") and path.name not in ("SOURCE.txt", "CATALOGUE.md", "README.md"):
                    originals.append((path.name, path.read_text(encoding="utf-8")))
    files, n, per_round = 0, 0, None
    while per_round is None or n * per_round < clauses:
        for name, text in originals:
            for law in LAWS:
                text = text.replace(law, f"{law[:-1]}{n}法")
            text = text.replace("干部教育", f"干部{n}教育").replace("党员教育", f"党员{n}教育")  # the seeds' plans
            (folder / f"{n:04d}_{name}").write_text(text, encoding="utf-8")
            files += 1
        if per_round is None:  # one round read to count its clauses
            per_round = sum(len(d.clauses) for d in ingest_paths([folder], near_duplicates=False).documents)
        n += 1
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clauses", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=None, help="ingest worker processes (default: as ingest picks)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="policykb-relations-"))
    try:
        files = write_corpus(folder, args.clauses)
        started = time.perf_counter()
        run = ingest_paths([folder], jobs=args.jobs)
        ingest_s = time.perf_counter() - started
        documents = run.documents
        started = time.perf_counter()
        relations = find_relations(documents)
        relations_s = time.perf_counter() - started
        started = time.perf_counter()
        relations_signature(documents)
        signature_s = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    clauses = sum(len(d.clauses) for d in documents)
    kinds = {k: sum(1 for r in relations if r.kind == k) for k in KINDS}
    print(f"{clauses} clauses in {len(documents)} documents ({files} files)")
    print(f"ingest (parse, no embedding): {ingest_s:.1f} s")
    print(f"find_relations: {relations_s:.2f} s ({relations_s / ingest_s:.1%} of that ingest); "
          f"{len(relations)} relations {kinds}")
    print(f"signature of an unchanged document set (what a build over the same documents spends instead): "
          f"{signature_s:.3f} s")


if __name__ == "__main__":
    main()
