"""A benchmark index of a given size, built once through the real ingest + build path and reused.

corpus (make_corpus.write_corpus) → `ingest.pipeline.ingest_paths` → the embedding cache
pre-filled with vectors derived from real embeddings (make_corpus.prefill_cache) →
`index.build.build_index` with the real embedder (which then embeds nothing).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import BENCH_DIR, SentencePool, Timer, _slug
from benchmarks.make_corpus import prefill_cache, write_corpus


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


def bench_index(pool: SentencePool, embedder, size: int, root: Path = BENCH_DIR, rebuild: bool = False,
                progress=print) -> BenchIndex:
    """The index of `size` synthetic clauses for `embedder`, built unless already built with these inputs."""
    from index.build import build_index
    from ingest.pipeline import ingest_paths

    name = f"{size}-{_slug(embedder.model_id)}"
    corpus, index_dir = Path(root) / f"corpus-{name}", Path(root) / f"index-{name}"
    marker = index_dir / "bench.json"
    if marker.exists() and not rebuild:
        return BenchIndex(**json.loads(marker.read_text()))
    shutil.rmtree(index_dir, ignore_errors=True)
    progress(f"[{size}] writing corpus to {corpus}")
    with Timer() as t_write:
        write_corpus(pool, size, corpus)
    progress(f"[{size}] ingesting")
    with Timer() as t_ingest:
        run = ingest_paths([corpus])
    progress(f"[{size}] deriving vectors into the embedding cache")
    with Timer() as t_prefill:
        prefill = prefill_cache(index_dir, run.documents, pool, embedder.dim)
    progress(f"[{size}] building the index ({prefill})")
    with Timer() as t_build:
        report = build_index(run, index_dir, embedder=embedder, progress=None)
    from index.generation import open_generation

    manifest = open_generation(index_dir, verify=False).manifest
    info = BenchIndex(size, str(corpus), str(index_dir), report.clauses, report.vectors, manifest.index_kind,
                      round(t_write.seconds, 1), round(t_ingest.seconds, 1), round(t_prefill.seconds, 1),
                      round(t_build.seconds, 1), prefill)
    if report.embedded:
        progress(f"[{size}] note: {report.embedded} texts were embedded for real (not derived)")
    marker.write_text(json.dumps(asdict(info), indent=1))
    return info
