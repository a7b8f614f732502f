"""Concurrent searches share the query encoder's forward passes and get the same answers."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from service.query_batching import QueryBatcher

REPO = Path(__file__).resolve().parents[1]
QUERIES = ["基层干部每年培训不少于多少学时", "干部教育培训经费", "公务员培训", "人才队伍建设",
           "党校办学", "网络培训", "培训考核", "组织部门职责"]


def _embedder(tiny_model_path):
    from index.embedders import load_embedder

    return load_embedder(tiny_model_path)


def test_queries_that_arrive_together_are_embedded_in_one_pass_with_the_same_vectors(tiny_model_path):
    embedder = _embedder(tiny_model_path)
    alone = embedder.embed_queries(QUERIES)
    all_queued = threading.Event()
    batches: list[int] = []

    def embed(texts: list[str]) -> np.ndarray:
        all_queued.wait(timeout=30)  # the first pass waits until every other search has queued
        batches.append(len(texts))
        return embedder.embed_queries(texts)

    batcher = QueryBatcher(embed)
    vectors: dict[int, np.ndarray] = {}
    threads = [threading.Thread(target=lambda i=i: vectors.__setitem__(i, batcher.embed(QUERIES[i])))
               for i in range(len(QUERIES))]
    for t in threads:
        t.start()
    while len(batcher._queue) < len(QUERIES) - 1:  # the leader's own query has left the queue
        threading.Event().wait(0.01)
    all_queued.set()
    for t in threads:
        t.join(timeout=60)
    assert batches[0] == 1 and sum(batches) == len(QUERIES) and len(batches) == 2, \
        "the first search ran alone; all that arrived meanwhile shared the next pass"
    for i in range(len(QUERIES)):
        assert np.allclose(vectors[i], alone[i], atol=1e-5)


def test_an_encoder_error_reaches_every_waiting_search_and_the_next_search_works(tiny_model_path):
    embedder = _embedder(tiny_model_path)
    fail = [True]

    def embed(texts: list[str]) -> np.ndarray:
        if fail[0]:
            raise RuntimeError("encoder failed")
        return embedder.embed_queries(texts)

    batcher = QueryBatcher(embed)
    try:
        batcher.embed("公务员培训")
    except RuntimeError as error:
        assert "encoder failed" in str(error)
    else:
        raise AssertionError("the error was swallowed")
    fail[0] = False
    assert np.allclose(batcher.embed("公务员培训"), embedder.embed_queries(["公务员培训"])[0], atol=1e-5)


def test_concurrent_hybrid_searches_return_what_each_returns_alone(tiny_model_path, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from index.build import build_index
    from ingest.pipeline import ingest_paths
    from service.knowledge_base import KnowledgeBase

    build_index(ingest_paths([REPO / "corpus"]), tmp_path / "index", model=tiny_model_path, progress=None)
    kb = KnowledgeBase.load(tmp_path / "index")
    alone = {q: [r.id for r in kb.search(q, k=5).results] for q in QUERIES}
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = dict(zip(QUERIES, pool.map(lambda q: [r.id for r in kb.search(q, k=5).results], QUERIES * 3)))
    assert together == alone
