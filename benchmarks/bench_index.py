"""A benchmark index of a given size, built once through the real ingest + build path and reused.

corpus (make_corpus.write_corpus) → `ingest.pipeline.ingest_paths` (parsing in `jobs`
worker processes) → the embedding cache pre-filled with vectors derived from real
embeddings (make_corpus.prefill_cache) → `index.build.build_index` with the real
embedder (which then embeds nothing).

Duplicates: up to NEAR_DUPLICATES_MAX clauses the run links near-identical clauses as
`policykb ingest` does (ingest.duplicates, MinHash + exact Jaccard). Above it only
clauses identical apart from their label are linked (same skeleton): a corpus recombined
from 4,852 sentences makes every sentence shared by ~400 clauses at 1M, and the
near-duplicate candidate pairs grow ~n^1.9 (84k pairs at 10k, 6.5M at 100k: ~250 s;
~500M at 1M), which no real corpus of this size would do. bench.json records which
was used.

    .venv/bin/python -m benchmarks.bench_index --size 1m     # prints each phase's seconds
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.common import BENCH_DIR, SentencePool, Timer, _slug

NEAR_DUPLICATES_MAX = 100_000


@dataclass
class BenchIndex:
    """Where a benchmark index and its corpus live, and what building them cost."""

    size: int
    corpus: str
    index: str
    clauses: int
    vectors: int
    index_kind: str
    write_seconds: float
    ingest_seconds: float
    prefill_seconds: float
    build_seconds: float
    prefill: dict
    duplicates: str = "near"  # "near": ingest.duplicates; "exact": identical skeletons only
    duplicates_seconds: float | None = None  # included in ingest_seconds
    jobs: int = 1
    disk_bytes: dict = field(default_factory=dict)


def link_identical_clauses(documents) -> int:
    """Give clauses identical apart from their label (第N条) one duplicate group; returns the groups.

    Keys are ingest.duplicates' skeletons (min_chars 12, headings left out) with the
    label's skeleton cut off the front, so 「第二条 X」 and 「第五条 X」 meet, as the
    near-duplicate search would link them.
    """
    from policykb.ingest.duplicates import group_id, skeleton
    from policykb.text.normalize import search_form

    labels: dict[str, str] = {}
    by_skeleton: dict[str, list] = defaultdict(list)
    for doc in documents:
        for clause in doc.clauses:
            clause.duplicate_group = None
            if clause.kind == "heading":
                continue
            s = skeleton(clause.search_text)
            if clause.label:
                if clause.label not in labels:
                    labels[clause.label] = skeleton(search_form(clause.label))
                s = s.removeprefix(labels[clause.label])
            if len(s) >= 12:
                by_skeleton[s].append(clause)
    groups = 0
    for members in by_skeleton.values():
        if len(members) > 1:
            gid = group_id([c.id for c in members])
            for clause in members:
                clause.duplicate_group = gid
            groups += 1
    return groups


def disk_bytes(index_dir: Path) -> dict:
    """Bytes on disk of the serving generation's parts and of the embedding cache."""
    from policykb.index.generation import open_generation

    folder = open_generation(index_dir, verify=False).path
    out = {}
    for part in sorted(folder.iterdir()):
        files = [part] if part.is_file() else [p for p in part.rglob("*") if p.is_file()]
        out[part.name] = sum(p.stat().st_size for p in files)
    out["cache"] = sum(p.stat().st_size for p in (index_dir / "cache").rglob("*") if p.is_file())
    return out


def bench_index(pool: SentencePool, embedder, size: int, root: Path = BENCH_DIR, rebuild: bool = False,
                progress=print, jobs: int | None = None) -> BenchIndex:
    """The index of `size` synthetic clauses for `embedder`, built unless already built with these inputs.

    `jobs` parsing processes (None: ingest.pipeline.auto_jobs).
    """
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import auto_jobs, discover, ingest_paths

    from benchmarks.make_corpus import prefill_cache, write_corpus

    from policykb.index.units import EMBEDDING_UNIT

    # the unit is in the name: an index of other vectors is another benchmark index
    name = f"{size}-{_slug(embedder.model_id)}-{_slug(EMBEDDING_UNIT)}"
    corpus, index_dir = Path(root) / f"corpus-{name}", Path(root) / f"index-{name}"
    marker = index_dir / "bench.json"
    if marker.exists() and not rebuild:
        return BenchIndex(**json.loads(marker.read_text()))
    shutil.rmtree(index_dir, ignore_errors=True)
    progress(f"[{size}] writing corpus to {corpus}")
    with Timer() as t_write:
        write_corpus(pool, size, corpus)
    near = size <= NEAR_DUPLICATES_MAX
    if jobs is None:
        jobs = auto_jobs([p.stat().st_size for p, _ in discover([corpus])])
    progress(f"[{size}] ingesting ({jobs} parsing process(es); {'near' if near else 'identical'} duplicates)")
    with Timer() as t_ingest:
        run = ingest_paths([corpus], jobs=jobs, near_duplicates=False)
        with Timer() as t_dups:
            if near:
                from policykb.ingest.duplicates import group_near_duplicates

                group_near_duplicates([c for d in run.documents for c in d.clauses])
            else:
                link_identical_clauses(run.documents)
    progress(f"[{size}] ingested in {t_ingest.seconds:.0f} s (duplicates {t_dups.seconds:.0f} s); "
             f"deriving vectors into the embedding cache")
    with Timer() as t_prefill:
        prefill = prefill_cache(index_dir, run.documents, pool, embedder.dim)
    progress(f"[{size}] prefilled in {t_prefill.seconds:.0f} s; building the index ({prefill})")
    with Timer() as t_build:
        report = build_index(run, index_dir, embedder=embedder, progress=None)
    from policykb.index.generation import open_generation

    manifest = open_generation(index_dir, verify=False).manifest
    info = BenchIndex(size, str(corpus), str(index_dir), report.clauses, report.vectors, manifest.index_kind,
                      round(t_write.seconds, 1), round(t_ingest.seconds, 1), round(t_prefill.seconds, 1),
                      round(t_build.seconds, 1), prefill, "near" if near else "exact", round(t_dups.seconds, 1),
                      jobs, disk_bytes(index_dir))
    progress(f"[{size}] built in {t_build.seconds:.0f} s")
    if report.embedded:
        progress(f"[{size}] note: {report.embedded} texts were embedded for real (not derived)")
    marker.write_text(json.dumps(asdict(info), indent=1))
    return info


def main(argv: list[str] | None = None) -> BenchIndex:
    from benchmarks.common import load_embedder, sentence_pool, size_of

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10k", help="clauses: 10k, 100k, 1m or a number")
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--jobs", type=int, default=None, help="parsing processes (default: all cores for big runs)")
    parser.add_argument("--rebuild", action="store_true", help="build again even if built")
    args = parser.parse_args(argv)
    embedder = load_embedder(args.model)
    print(f"embedder: {embedder.model_id}")
    info = bench_index(sentence_pool(embedder), embedder, size_of(args.size), rebuild=args.rebuild, jobs=args.jobs)
    print(json.dumps(asdict(info), indent=1))
    return info


if __name__ == "__main__":
    main()
