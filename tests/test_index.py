"""The index directory: generations built atomically, cached embeddings, merging and pruning."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SEED_002 = "002_e058e02591a1b2b6.txt"
SEED_003 = "003_4324baae79f107ff.txt"


class CountingEmbedder:
    """Delegates to a real embedder and counts the passage-embedding calls."""

    def __init__(self, inner) -> None:
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.calls, self.texts = 0, 0

    def embed_passages(self, texts, batch_size=32):
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed_passages(texts, batch_size)

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)


@pytest.fixture(scope="module")
def tiny_model(tiny_model_path) -> Path:
    """The session's tiny real sentence-transformers model (tests/conftest.py)."""
    return Path(tiny_model_path)


@pytest.fixture()
def docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in (SEED_002, SEED_003):
        shutil.copy(CORPUS / name, folder / name)
    return folder


def build(paths, index_dir, model=None, embedder=None, prune=False):
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    return build_index(ingest_paths(paths), index_dir, model=None if embedder else str(model),
                       embedder=embedder, prune=prune, progress=None)


def counting(model_path) -> CountingEmbedder:
    from policykb.index.embedders import load_embedder

    return CountingEmbedder(load_embedder(str(model_path)))


def test_a_build_writes_a_generation_whose_manifest_lists_every_file_with_its_checksum(docs, tmp_path, tiny_model):
    from policykb.index.generation import open_generation

    report = build([docs], tmp_path / "ix", tiny_model)
    generation = open_generation(tmp_path / "ix")
    manifest = generation.manifest
    assert generation.name == report.generation
    assert manifest.model_id == f"st:{tiny_model.resolve()}"
    assert manifest.counts["clauses"] == report.clauses > 50
    assert manifest.counts["documents"] == 2
    assert {"store.sqlite", "dense.faiss", "lexical/params.index.json"} <= set(manifest.files)
    assert manifest.normalization_version and manifest.dictionary_hash and manifest.opencc_config


def test_reingesting_unchanged_files_makes_no_embedding_calls(docs, tmp_path, tiny_model):
    embedder = counting(tiny_model)
    first = build([docs], tmp_path / "ix", embedder=embedder)
    assert embedder.calls > 0 and first.embedded > 0
    embedder.calls = 0
    second = build([docs], tmp_path / "ix", embedder=embedder)
    assert embedder.calls == 0
    assert second.embedded == 0 and second.reused == first.vectors


def test_a_changed_file_re_embeds_only_its_changed_clauses(docs, tmp_path, tiny_model):
    embedder = counting(tiny_model)
    build([docs], tmp_path / "ix", embedder=embedder)
    path = docs / SEED_003
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("入部教育应在入部半年内完成", "入部教育应在入部三个月内完成"), encoding="utf-8")
    embedder.texts = 0
    report = build([docs], tmp_path / "ix", embedder=embedder)
    assert 1 <= report.embedded <= 3  # the clause, maybe its passage(s)
    assert embedder.texts == report.embedded


def test_files_not_in_a_run_are_kept_and_prune_drops_files_that_were_deleted(docs, tmp_path, tiny_model):
    from policykb.index.generation import open_generation

    build([docs], tmp_path / "ix", tiny_model)
    report = build([docs / SEED_002], tmp_path / "ix", tiny_model)
    assert report.files_kept == [SEED_003]
    assert open_generation(tmp_path / "ix").manifest.counts["documents"] == 2

    (docs / SEED_003).unlink()
    report = build([docs / SEED_002], tmp_path / "ix", tiny_model, prune=True)
    assert report.files_pruned == [SEED_003]
    assert open_generation(tmp_path / "ix").manifest.counts["documents"] == 1


def test_only_the_last_two_generations_are_kept(docs, tmp_path, tiny_model):
    for _ in range(4):
        build([docs / SEED_003], tmp_path / "ix", tiny_model)
    assert len(list((tmp_path / "ix" / "generations").iterdir())) == 2


def test_a_changed_index_file_is_refused_with_its_name(docs, tmp_path, tiny_model):
    from policykb.index.generation import IndexCorrupt, open_generation

    build([docs / SEED_003], tmp_path / "ix", tiny_model)
    generation = open_generation(tmp_path / "ix")
    with open(generation.path / "dense.faiss", "ab") as f:
        f.write(b"x")
    with pytest.raises(IndexCorrupt, match="dense.faiss"):
        open_generation(tmp_path / "ix")


def test_a_missing_index_says_how_to_build_one(tmp_path):
    from policykb.index.generation import IndexNotFound, open_generation

    with pytest.raises(IndexNotFound, match="policykb ingest"):
        open_generation(tmp_path / "nothing")


KILLED_BUILD = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {repo!r})
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    def progress(message):
        if message.startswith("writing generation"):
            print("WRITING", flush=True)
            time.sleep(600)  # the test kills us here, with the new generation half written

    build_index(ingest_paths([{docs!r}]), {index!r}, model={model!r}, progress=progress)
""")


def test_a_build_killed_midway_leaves_the_previous_index_serving_correct_answers(docs, tmp_path, tiny_model):
    from policykb.search.knowledge_base import KnowledgeBase

    index_dir = tmp_path / "ix"
    build([docs], index_dir, tiny_model)
    before = KnowledgeBase.load(index_dir).search("入部教育应在入部半年内完成", k=3, mode="lexical")

    path = docs / SEED_003
    path.write_text(path.read_text(encoding="utf-8").replace("入部半年内", "入部两年内"), encoding="utf-8")
    script = KILLED_BUILD.format(repo=str(REPO), docs=str(docs), index=str(index_dir), model=str(tiny_model))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "WRITING"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    after = KnowledgeBase.load(index_dir).search("入部教育应在入部半年内完成", k=3, mode="lexical")
    assert [r.id for r in after.results] == [r.id for r in before.results]
    assert "入部半年内完成" in after.results[0].text
    unfinished = [p for p in (index_dir / "generations").iterdir() if not (p / "manifest.json").exists()]
    assert len(unfinished) == 1  # the killed build's folder, never served

    build([docs], index_dir, tiny_model)  # the next build serves the change and clears the debris
    answer = KnowledgeBase.load(index_dir).search("入部教育应在入部两年内完成", k=1, mode="lexical")
    assert "入部两年内" in answer.results[0].text
    assert all((p / "manifest.json").exists() for p in (index_dir / "generations").iterdir())


KILLED_SWITCH = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {repo!r})
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    def progress(message):
        if message.startswith("switching CURRENT"):  # die inside the switch: CURRENT's temp file written, not moved
            os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)

    build_index(ingest_paths([{docs!r}]), {index!r}, model={model!r}, progress=progress)
""")


def test_a_build_killed_inside_the_switch_keeps_the_old_generation_and_the_next_build_leaves_no_temp_file(
        docs, tmp_path, tiny_model):
    """Found by the crash suite (benchmarks/reliability/crash.py): a kill between writing
    CURRENT's temp file and moving it into place left CURRENT.<pid>.tmp in the index for good."""
    from policykb.index.generation import current_name
    from policykb.search.knowledge_base import KnowledgeBase

    index_dir = tmp_path / "ix"
    first = build([docs], index_dir, tiny_model).generation
    path = docs / SEED_003
    path.write_text(path.read_text(encoding="utf-8").replace("入部半年内", "入部两年内"), encoding="utf-8")
    script = KILLED_SWITCH.format(repo=str(REPO), docs=str(docs), index=str(index_dir), model=str(tiny_model))
    assert subprocess.run([sys.executable, "-c", script], timeout=600).returncode == -signal.SIGKILL
    assert current_name(index_dir) == first  # the switch did not happen: the old generation serves
    assert [p.name for p in index_dir.glob("CURRENT.*")], "the kill was meant to land inside the switch"

    build([docs], index_dir, tiny_model)
    assert [p.name for p in index_dir.glob("CURRENT.*")] == [], "the killed switch's temp file is still there"
    answer = KnowledgeBase.load(index_dir).search("入部教育应在入部两年内完成", k=1, mode="lexical")
    assert "入部两年内" in answer.results[0].text


# -- the dense index types (index/dense.py) ---------------------------------------------------

@pytest.fixture(scope="module")
def mixed_vectors(tiny_model) -> "np.ndarray":
    """~4,000 distinct vectors mixed from real embeddings of the bundled corpus's sentences,
    as the benchmarks derive large corpora (benchmarks/make_corpus.derive_vectors)."""
    import numpy as np

    from benchmarks.common import SentencePool, split_sentences
    from benchmarks.make_corpus import derive_vectors, draw_clauses
    from policykb.index.embedders import load_embedder

    sentences = sorted({s for p in sorted(CORPUS.glob("*.txt"))[:6] for s in split_sentences(p.read_text("utf-8"))})[:400]
    embedder = load_embedder(str(tiny_model))
    pool = SentencePool(embedder.model_id, sentences, embedder.embed_passages(sentences))
    vectors = derive_vectors(pool, draw_clauses(4200, len(sentences), seed=3))
    return np.unique(vectors, axis=0)  # distinct rows, so each vector's own id is its only exact hit


def exact_top(vectors, query, k, allowed=None):
    import numpy as np

    scores = vectors @ query
    if allowed is not None:
        scores = np.where(np.isin(np.arange(len(vectors)), allowed), scores, -np.inf)
    return np.argsort(-scores, kind="stable")[:k]


def test_the_index_chosen_above_the_flat_limit_finds_each_indexed_vector_as_its_own_top_hit(mixed_vectors):
    import numpy as np

    from policykb.index.dense import FLAT_MAX, DenseIndex, choose_index_spec

    kind = choose_index_spec(FLAT_MAX + 1).kind
    assert kind != "flat-ip"
    ids = np.arange(len(mixed_vectors), dtype=np.int64)
    dense = DenseIndex.build(mixed_vectors, ids, mixed_vectors.shape[1], kind=kind)
    assert dense.kind == kind and dense.size == len(mixed_vectors)
    for i in np.random.default_rng(1).choice(len(mixed_vectors), 60, replace=False):
        found, scores = dense.search(mixed_vectors[i], 10)
        assert found[0] == i and abs(scores[0] - 1.0) < 1e-2


@pytest.mark.parametrize("kind", ["flat-ip", "ivf-fp16", "ivf-sq8", "hnsw"])
def test_a_filtered_dense_search_returns_only_allowed_ids_best_first(mixed_vectors, kind):
    import numpy as np

    from policykb.index.dense import DenseIndex

    ids = np.arange(len(mixed_vectors), dtype=np.int64)
    dense = DenseIndex.build(mixed_vectors, ids, mixed_vectors.shape[1], kind=kind)
    allowed = np.random.default_rng(2).choice(len(mixed_vectors), 150, replace=False)
    query = mixed_vectors[int(allowed[0])]
    found, scores = dense.search(query, 10, allowed_ids=allowed)
    assert len(found) == 10 and set(found) <= set(allowed.tolist())
    assert found[0] == allowed[0] == exact_top(mixed_vectors, query, 1, allowed)[0]
    assert list(scores) == sorted(scores, reverse=True)
    assert len(dense.search(query, 10, allowed_ids=np.array([], dtype=np.int64))[0]) == 0


@pytest.mark.parametrize("kind", ["ivf-fp16", "ivf-sq8", "hnsw"])
def test_an_approximate_dense_index_keeps_its_kind_params_and_answers_after_save_and_load(mixed_vectors, tmp_path, kind):
    import numpy as np

    from policykb.index.dense import DenseIndex

    ids = np.arange(len(mixed_vectors), dtype=np.int64) + 1000  # ids are the store's, not row numbers
    dense = DenseIndex.build(mixed_vectors, ids, mixed_vectors.shape[1], kind=kind)
    dense.save(tmp_path / "dense.faiss")
    loaded = DenseIndex.load(tmp_path / "dense.faiss")
    assert (loaded.kind, loaded.params) == (dense.kind, dense.params)
    assert (loaded.dim, loaded.size) == (mixed_vectors.shape[1], len(mixed_vectors))
    query = mixed_vectors[42]
    before, after = dense.search(query, 10), loaded.search(query, 10)
    assert after[0][0] == 1042 and np.array_equal(before[0], after[0])
    allowed = ids[:300:3]
    assert set(loaded.search(query, 5, allowed_ids=allowed)[0]) <= set(allowed.tolist())


def test_a_word_files_paragraph_numbers_survive_an_ingest_that_reuses_it(docs, tmp_path, tiny_model):
    """A second ingest reads unchanged files back from the store: their citations keep the Word paragraph
    numbers (and, for PDFs, the pages) the first one found. (`key in row` on a sqlite3.Row looks among its
    values, not its columns: a lint "fix" to that form read every such column back as missing.)"""
    from policykb.index.generation import open_generation
    from policykb.index.store import StoreReader, load_documents
    from tests.fixture_builders import write_docx

    write_docx(["关于干部培训的通知", "第一条 干部每年参加培训不少于十二天。", "第二条 培训结束后进行考核。"],
               docs / "notice.docx")
    build([docs], tmp_path / "ix", model=tiny_model)
    (docs / "extra.txt").write_text("关于考核的说明\n一、考核每年进行一次。\n", encoding="utf-8")
    build([docs], tmp_path / "ix", model=tiny_model)  # notice.docx is unchanged: read back from the store
    store = open_generation(tmp_path / "ix").path / "store.sqlite"
    documents, _ = load_documents(store)
    notice = next(d for d in documents if d.file == "notice.docx")
    article = next(c for c in notice.clauses if c.label == "第一条")
    assert (article.paragraph_start, article.paragraph_end) == (2, 2)
    again = StoreReader(store).document(notice.id)
    assert next(c for c in again.clauses if c.label == "第一条").paragraph_start == 2
