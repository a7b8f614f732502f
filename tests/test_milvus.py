"""The second engine: a generation written to Milvus answers as the embedded index does.

Real milvus-lite throughout (pymilvus[milvus_lite]): in this process over a local file, and as a gRPC
server on loopback for the network client path and for a client killed midway through an export.
The index is the bundled corpus built with the tiny test model, so the comparisons are exact.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

pytest.importorskip("pymilvus", reason="the Milvus backend's tests need pymilvus[milvus_lite] (pip install "
                                       "'pymilvus[milvus_lite]'); .ci/run installs it")

from fixture_builders import build_generation, fill_corpus

REPO = Path(__file__).resolve().parents[1]
SEEDS = sorted((REPO / "corpus").glob("*.txt"))
QUESTIONS = ["基层干部每年培训不少于多少学时", "干部教育培训的经费由谁保障", "公务员法什么时候施行",
             "培训机构的师资队伍建设", "網絡培訓", "党员教育培训工作规划的指导思想"]


def _corpus_index(tmp_path_factory, model: str, name: str, files: list[Path]) -> tuple[Path, Path]:
    corpus = fill_corpus(tmp_path_factory.mktemp(f"{name}-corpus"), files)
    index = tmp_path_factory.mktemp(f"{name}-index")
    build_generation(corpus, index, model)
    return corpus, index


@pytest.fixture(scope="module")
def seeds(tmp_path_factory, tiny_model_path) -> tuple[Path, Path]:
    """The bundled corpus's folder and its index, built with the tiny model."""
    return _corpus_index(tmp_path_factory, tiny_model_path, "milvus-seeds", SEEDS)


@pytest.fixture(scope="module")
def index(seeds) -> Path:
    return seeds[1]


@pytest.fixture(scope="module")
def lite_uri(tmp_path_factory, seeds) -> str:
    """A milvus-lite file holding the index's serving generation (written through the CLI)."""
    uri = str(tmp_path_factory.mktemp("milvus") / "policykb.db")
    out = _ingest(seeds[1], uri, seeds[0])
    assert out.returncode == 0, out.stderr
    assert "written; alias moved to it" in out.stdout.replace(")", "")
    return uri


def _ingest(index: Path, uri: str, corpus: Path) -> subprocess.CompletedProcess:
    """`policykb ingest CORPUS --index INDEX --backend milvus --milvus-uri URI` (the corpus the index holds:
    nothing is rebuilt, the serving generation is exported)."""
    return subprocess.run([sys.executable, "-m", "policykb.service.cli", "ingest", str(corpus), "--index", str(index),
                           "--backend", "milvus", "--milvus-uri", uri], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def both(index, lite_uri):
    from policykb.search.knowledge_base import KnowledgeBase

    embedded = KnowledgeBase.load(index)
    milvus = KnowledgeBase.load(index, embedder=embedded.embedder, engine="milvus", milvus_uri=lite_uri)
    return embedded, milvus


def test_bm25_on_milvus_gives_bm25s_scores_for_the_same_clauses(both):
    from policykb.search.engines.base import EVERYTHING, LexicalQuery
    from policykb.text.normalize import search_form
    from policykb.text.tokens import tokenize

    embedded, milvus = both
    for question in QUESTIONS:
        tokens = tokenize(search_form(question))
        # a query token twice counts twice, and the lexicon's legal terms at their weight, on both engines
        query = LexicalQuery([*tokens, tokens[0]], ("培训",), 0.5)
        ours, theirs = embedded.retriever.lexical(query, EVERYTHING, 30), milvus.retriever.lexical(query, EVERYTHING, 30)
        assert ours, question
        assert list(theirs)[:10] == list(ours)[:10], question
        for row, score in ours.items():
            if row in theirs:
                assert theirs[row] == pytest.approx(score, rel=1e-4), (question, row)


def test_dense_gives_each_clause_once_with_its_best_cosine(both):
    from policykb.search.engines.base import EVERYTHING

    embedded, milvus = both
    for question in QUESTIONS:
        vector = embedded.embedder.embed_queries([question])[0]
        ours, theirs = embedded.retriever.dense(vector, EVERYTHING, 20), milvus.retriever.dense(vector, EVERYTHING, 20)
        assert theirs and len(theirs) == len(ours)
        # the same cosines to float precision; clauses of one text tie, in either order
        assert list(theirs.values()) == pytest.approx(list(ours.values()), abs=1e-5)
        assert _tied_order(theirs)[:10] == _tied_order(ours)[:10], question


def _tied_order(scores: dict[int, float]) -> list[int]:
    return sorted(scores, key=lambda row: (-round(scores[row], 5), row))


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_a_search_answers_with_the_same_json_on_both_engines(both, mode):
    embedded, milvus = both
    for question in QUESTIONS:
        ours, theirs = embedded.search(question, k=10, mode=mode).to_dict(), milvus.search(question, k=10, mode=mode).to_dict()
        assert [r["id"] for r in theirs["results"]] == [r["id"] for r in ours["results"]], (question, mode)
        assert theirs["no_answer"] == ours["no_answer"] and theirs["confidence"] == pytest.approx(ours["confidence"], abs=1e-3)
        assert [r["citation"] for r in theirs["results"]] == [r["citation"] for r in ours["results"]]
        assert [r["highlights"] for r in theirs["results"]] == [r["highlights"] for r in ours["results"]]
        assert [r["also_in"] for r in theirs["results"]] == [r["also_in"] for r in ours["results"]]


def test_filters_leave_the_same_clauses_on_both_engines(both):
    from policykb.search.filters import SearchFilters

    embedded, milvus = both
    first = next(iter(embedded.documents))
    issuer = next(d.issuer for d in embedded.documents.values() if d.issuer)
    for filters in [SearchFilters(document_ids=[first]), SearchFilters(issuers=[issuer]),
                    SearchFilters(year_from=2010), SearchFilters(doc_types=["不存在的类型"])]:
        for mode in ("hybrid", "lexical", "dense"):
            ours = embedded.search("干部教育培训", k=50, mode=mode, filters=filters)
            theirs = milvus.search("干部教育培训", k=50, mode=mode, filters=filters)
            assert {r.id for r in theirs.results} == {r.id for r in ours.results}, (filters, mode)
            assert all(filters.allows(embedded.documents[r.citation.document_id]) for r in theirs.results)


def test_an_unchanged_reingest_writes_nothing_to_milvus(seeds, lite_uri, both, capsys):
    from policykb.index.generation import open_generation
    from policykb.index.milvus import ALIAS, collection_name, connect, entity_count, serving_collection
    from policykb.service.cli import main

    corpus, index = seeds
    # in this process: a milvus-lite file is opened by one process at a time, and this one holds it
    with warnings.catch_warnings():  # main() sets thread variables; this process imported torch long ago
        warnings.simplefilter("ignore", RuntimeWarning)
        assert main(["ingest", str(corpus), "--index", str(index), "--backend", "milvus", "--milvus-uri", lite_uri]) == 0
    out = capsys.readouterr().out
    assert "up to date" in out and "complete already: nothing written" in out and "alias already on it" in out
    client = connect(lite_uri)
    generation = open_generation(index)
    assert serving_collection(client, ALIAS) == collection_name(generation.name)
    assert entity_count(client, collection_name(generation.name)) == generation.manifest.counts["vectors"]
    client.close()


def test_milvus_without_its_collection_is_refused_with_what_to_run(index, tmp_path):
    from policykb.search.engines.milvus import CollectionMissing
    from policykb.search.knowledge_base import KnowledgeBase

    with pytest.raises(CollectionMissing, match="--backend milvus"):
        KnowledgeBase.load(index, engine="milvus", milvus_uri=str(tmp_path / "empty.db"))
    out = subprocess.run([sys.executable, "-m", "policykb.service.cli", "search", "培训", "--index", str(index),
                          "--backend", "milvus", "--milvus-uri", str(tmp_path / "empty2.db")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0 and "policykb ingest" in out.stderr and "Traceback" not in out.stderr


# -- milvus-lite as a gRPC server on loopback ----------------------------------------------------

def _loopback(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    mapped = getattr(address, "ipv4_mapped", None)  # gRPC reports 127.0.0.1 as ::ffff:127.0.0.1
    return (mapped or address).is_loopback


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`milvus-lite server` bound to 127.0.0.1 on a free port; its URI."""
    import psutil

    port = _free_port()
    binary = Path(sys.executable).parent / "milvus-lite"
    proc = subprocess.Popen([str(binary), "server", "--data-dir", str(tmp_path_factory.mktemp("milvus-server")),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"milvus-lite server did not listen on 127.0.0.1:{port}: {proc.stderr.read() if proc.stderr else ''}")
    listening = {c.laddr.ip for c in psutil.Process(proc.pid).net_connections() if c.status == psutil.CONN_LISTEN}
    assert listening and all(_loopback(ip) for ip in listening), f"the test server must listen on loopback only: {listening}"
    yield uri
    proc.kill()
    proc.wait(timeout=30)


def test_the_network_client_path_answers_like_the_embedded_index(seeds, server):
    from policykb.search.knowledge_base import KnowledgeBase

    corpus, index = seeds
    out = _ingest(index, server, corpus)
    assert out.returncode == 0, out.stderr
    embedded = KnowledgeBase.load(index)
    milvus = KnowledgeBase.load(index, embedder=embedded.embedder, engine="milvus", milvus_uri=server)
    for question in QUESTIONS:
        assert [r.id for r in milvus.search(question).results] == [r.id for r in embedded.search(question).results]


_KILLED_EXPORT = """
import os, signal, sys
from pathlib import Path
from policykb.index import milvus
from policykb.index.generation import open_generation
milvus.BATCH = 100
index = Path(sys.argv[1])
def die(done):
    if done >= 300:
        os.kill(os.getpid(), signal.SIGKILL)
milvus.export_generation(milvus.connect(sys.argv[2]), open_generation(index), index, after_batch=die)
"""


def test_an_export_killed_midway_leaves_the_previous_collection_serving(tmp_path_factory, tiny_model_path, server):
    from policykb.index.generation import open_generation
    from policykb.index.milvus import ALIAS, collection_name, connect, entity_count, serving_collection
    from policykb.search.engines.milvus import CollectionMissing
    from policykb.search.knowledge_base import KnowledgeBase

    small, index = _corpus_index(tmp_path_factory, tiny_model_path, "milvus-killed", SEEDS[:2])
    assert _ingest(index, server, small).returncode == 0
    client = connect(server)
    first = serving_collection(client, ALIAS)
    assert first == collection_name(open_generation(index).name)
    corpus = tmp_path_factory.mktemp("milvus-killed-more")
    for path in SEEDS:
        (corpus / path.name).write_bytes(path.read_bytes())
    built = subprocess.run([sys.executable, "-m", "policykb.service.cli", "ingest", str(corpus), "--index", str(index),
                            "--model", tiny_model_path], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    second = open_generation(index)
    killed = subprocess.run([sys.executable, "-c", _KILLED_EXPORT, str(index), server], capture_output=True, text=True,
                            timeout=600, env={**os.environ})
    assert killed.returncode == -9, killed.stderr
    # the alias never moved: searches through it see the whole previous collection
    assert serving_collection(client, ALIAS) == first
    hits = client.search(ALIAS, data=[[0.1] * second.manifest.dim], anns_field="vector", limit=3, output_fields=["row"],
                         search_params={"metric_type": "IP"})[0]
    assert len(hits) == 3
    partial = collection_name(second.name)
    assert client.has_collection(partial) and entity_count(client, partial) < second.manifest.counts["vectors"]
    with pytest.raises(CollectionMissing):  # the new generation is not served from a partial collection
        KnowledgeBase.load(index, engine="milvus", milvus_uri=server)
    again = _ingest(index, server, corpus)
    assert again.returncode == 0, again.stderr
    assert serving_collection(client, ALIAS) == partial
    assert entity_count(client, partial) == second.manifest.counts["vectors"]
    client.close()


def test_an_ingest_killed_during_its_milvus_export_leaves_the_index_and_the_alias_as_they_were(
        tmp_path_factory, tiny_model_path, server):
    from policykb.index.generation import current_name
    from policykb.index.milvus import ALIAS, connect, serving_collection
    from policykb.search.knowledge_base import KnowledgeBase

    small, index = _corpus_index(tmp_path_factory, tiny_model_path, "milvus-ingest-killed", SEEDS[:1])
    assert _ingest(index, server, small).returncode == 0
    client = connect(server)
    before, serving = current_name(index), serving_collection(client, ALIAS)
    for path in SEEDS[1:]:
        (small / path.name).write_bytes(path.read_bytes())
    proc = subprocess.Popen([sys.executable, "-m", "policykb.service.cli", "ingest", str(small), "--index", str(index),
                             "--backend", "milvus", "--milvus-uri", server], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:  # the first batch is written: SIGKILL before the rest, the flush and the switch
        if line.startswith("milvus: "):
            proc.kill()
            break
    assert proc.wait(timeout=600) == -9
    assert current_name(index) == before and serving_collection(client, ALIAS) == serving
    kb = KnowledgeBase.load(index, engine="milvus", milvus_uri=server)  # the previous generation still serves
    assert kb.search("干部教育培训").results
    assert _ingest(index, server, small).returncode == 0  # the next ingest finishes the job
    assert current_name(index) != before and serving_collection(client, ALIAS) != serving
    client.close()
