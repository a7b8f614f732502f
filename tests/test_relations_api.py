"""Relations between documents over a built index: GET /api/documents(/{id}), `policykb documents`,
and rebuilding: a small real corpus (职业教育法 1996 and 2022, 河南省实施《职业教育法》办法 2010,
档案法实施办法 and the 档案法实施条例 that abolishes it)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policykb.service.api.main import create_app
from policykb.service.config import Settings
from tests.fixture_builders import build_generation, fill_corpus

HERE = Path(__file__).resolve().parent
FIXTURES = [*sorted((HERE / "fixtures" / "relations").glob("*.md")),
            *sorted((HERE / "fixtures" / "compare").glob("*.md"))]
pytestmark = pytest.mark.slow  # builds a real index (tiny model)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return fill_corpus(tmp_path_factory.mktemp("relations-corpus"), FIXTURES)


@pytest.fixture(scope="module")
def index(tmp_path_factory, tiny_model_path, corpus) -> Path:
    index = tmp_path_factory.mktemp("relations-index")
    build_generation(corpus, index, tiny_model_path)
    return index


@pytest.fixture(scope="module")
def client(index):
    with TestClient(create_app(Settings(index=index, request_timeout=300))) as c:
        yield c


@pytest.fixture(scope="module")
def ids(client) -> dict[str, str]:
    return {d["file"]: d["id"] for d in client.get("/api/documents").json()["documents"]}


def test_the_old_law_and_the_abolished_regulation_are_superseded_in_the_corpus_and_say_by_what(client, ids):
    docs = {d["file"]: d for d in client.get("/api/documents").json()["documents"]}
    superseded = {f for f, d in docs.items() if d["superseded_in_corpus"]}
    assert superseded == {"职业教育法(1996-05-15).md", "档案法实施办法(2017-03-01).md"}
    assert docs["职业教育法(1996-05-15).md"]["superseded_by"] == [
        {"id": ids["职业教育法(2022-04-20).md"], "title": "中华人民共和国职业教育法", "date": "2022-04-20"}]
    # what the texts state of themselves is kept apart: none of these states a status
    assert {d["status"] for d in docs.values()} == {None}


def test_a_document_answers_its_history_and_its_relations_with_evidence(client, ids):
    body = client.get(f"/api/documents/{ids['职业教育法(1996-05-15).md']}").json()
    assert [e["action"] for e in body["history"]] == ["通过"]
    roles = {(r["role"], r["document_id"]) for r in body["relations"]}
    assert ("newer_version", ids["职业教育法(2022-04-20).md"]) in roles
    assert ("implemented_by", ids["河南省实施《职业教育法》办法(2010-07-30).md"]) in roles
    newer = next(r for r in body["relations"] if r["role"] == "newer_version")
    assert newer["title"] == "中华人民共和国职业教育法" and newer["date"] == "2022-04-20"
    assert newer["evidence"] and 0 < newer["confidence"] <= 1 and newer["inferred"] is False


def test_the_measure_says_which_version_of_the_law_it_implements(client, ids):
    body = client.get(f"/api/documents/{ids['河南省实施《职业教育法》办法(2010-07-30).md']}").json()
    (rel,) = [r for r in body["relations"] if r["role"] == "implements"]
    assert (rel["document_id"], rel["implemented_version"], rel["implemented_version_held"]) == (
        ids["职业教育法(1996-05-15).md"], "1996-05-15", True)


def test_the_replacement_names_what_it_replaces_in_traditional_script_when_asked(client, ids):
    body = client.get(f"/api/documents/{ids['档案法实施条例(2024-01-12).md']}", params={"script": "hant"}).json()
    (rel,) = [r for r in body["relations"] if r["role"] == "replaces"]
    assert rel["document_id"] == ids["档案法实施办法(2017-03-01).md"]
    assert "同時廢止" in rel["evidence"] and rel["title"] == "中華人民共和國檔案法實施辦法"


def test_an_unknown_document_is_a_404_that_names_it(client):
    r = client.get("/api/documents/nosuchdoc")
    assert r.status_code == 404 and "nosuchdoc" in r.json()["error"]["message"]


def test_policykb_documents_marks_what_is_superseded_and_by_which_id(index, ids, capsys):
    from policykb.service.cli import main

    assert main(["documents", "--index", str(index)]) == 0
    lines = {line.split("  ")[0]: line for line in capsys.readouterr().out.splitlines()}
    old, new = ids["职业教育法(1996-05-15).md"], ids["职业教育法(2022-04-20).md"]
    assert f"被取代:{new}" in lines[old]
    assert "被取代" not in lines[new]


def test_re_ingesting_unchanged_files_finds_no_relation_again_and_keeps_them_all(index, corpus, tiny_model_path,
                                                                                    monkeypatch, client, ids):
    from policykb.index import build
    from policykb.index.generation import open_generation
    from policykb.index.store import StoreReader
    from policykb.ingest.pipeline import ingest_paths

    before = StoreReader(open_generation(index, verify=False).path / "store.sqlite").relations()

    def must_not_run(documents):
        raise AssertionError("relations were found again over the same documents")

    monkeypatch.setattr(build, "find_relations", must_not_run)
    build.build_index(ingest_paths([corpus]), index, model=tiny_model_path, progress=None)
    after = StoreReader(open_generation(index, verify=False).path / "store.sqlite").relations()
    assert after == before and len(after) >= 4


def test_a_store_written_before_relations_were_kept_still_serves_with_none(index, tmp_path):
    from policykb.index.generation import open_generation
    from policykb.service.catalog import Catalog

    copy = tmp_path / "store.sqlite"
    shutil.copy(open_generation(index, verify=False).path / "store.sqlite", copy)
    con = sqlite3.connect(copy)
    con.executescript("DROP TABLE document_relations; DROP TABLE relations_state;")
    con.close()
    catalog = Catalog.load(tmp_path)
    assert catalog.relations == [] and not any(s["superseded_in_corpus"] for s in catalog.summaries)
    assert catalog.related(catalog.summaries[0]["id"]) == []


def test_a_clause_both_versions_of_the_law_share_is_one_result_from_the_newer_with_the_older_in_also_in(client, ids):
    body = client.get("/api/search", params={"q": "公民有依法接受职业教育的权利", "mode": "lexical", "k": 10}).json()
    hits = [r for r in body["results"] if r["text"].startswith("第五条 公民有依法接受职业教育的权利")]
    assert len(hits) == 1
    (hit,) = hits
    assert hit["citation"]["document_id"] == ids["职业教育法(2022-04-20).md"]
    assert [o["document_id"] for o in hit["also_in"]] == [ids["职业教育法(1996-05-15).md"]]
    assert hit["superseded_by"] == []  # the newest version is superseded by nothing


def test_a_result_from_the_old_law_alone_says_the_index_holds_its_newer_version(client, ids):
    body = client.get("/api/search", params={"q": "科教兴国战略", "mode": "lexical", "k": 10}).json()
    old = [r for r in body["results"] if r["citation"]["document_id"] == ids["职业教育法(1996-05-15).md"]]
    assert old, [r["citation"]["title"] for r in body["results"]]
    assert old[0]["superseded_by"] == [
        {"id": ids["职业教育法(2022-04-20).md"], "title": "中华人民共和国职业教育法", "date": "2022-04-20"}]
    others = [r for r in body["results"] if r["citation"]["document_id"] != ids["职业教育法(1996-05-15).md"]]
    assert all(r["superseded_by"] == [] for r in others if r["citation"]["document_id"] in (
        ids["职业教育法(2022-04-20).md"], ids["河南省实施《职业教育法》办法(2010-07-30).md"]))


def test_policykb_search_says_a_result_has_a_newer_version_in_the_index(index, ids, capsys):
    from policykb.service.cli import main

    assert main(["search", "科教兴国战略", "--index", str(index), "--mode", "lexical", "--k", "5"]) == 0
    out = capsys.readouterr().out
    assert f"newer in the index: 中华人民共和国职业教育法 (2022-04-20, {ids['职业教育法(2022-04-20).md']})" in out


def test_a_store_without_relations_is_found_anew_by_the_next_build(index, tmp_path):
    from policykb.index.generation import open_generation
    from policykb.index.store import stored_relations

    copy = tmp_path / "store.sqlite"
    shutil.copy(open_generation(index, verify=False).path / "store.sqlite", copy)
    assert stored_relations(copy) is not None
    con = sqlite3.connect(copy)
    con.executescript("DROP TABLE document_relations; DROP TABLE relations_state;")
    con.close()
    assert stored_relations(copy) is None  # so index/build.py finds them again instead of copying


def test_a_newer_version_ingested_later_relates_to_the_documents_already_indexed(tmp_path, tiny_model_path):
    from policykb.index.build import build_index
    from policykb.index.generation import open_generation
    from policykb.index.store import StoreReader
    from policykb.ingest.pipeline import ingest_paths

    first, second, index = tmp_path / "first", tmp_path / "second", tmp_path / "index"
    first.mkdir(), second.mkdir()
    for path in FIXTURES:
        if "职业教育法" in path.name:
            shutil.copy(path, (second if "2022" in path.name else first) / path.name)
    build_index(ingest_paths([first]), index, model=tiny_model_path, progress=None)
    store = StoreReader(open_generation(index, verify=False).path / "store.sqlite")
    assert [r.kind for r in store.relations()] == ["implements"]  # 河南's measure and the 1996 law
    build_index(ingest_paths([second]), index, model=tiny_model_path, progress=None)  # kept: the first two
    store = StoreReader(open_generation(index, verify=False).path / "store.sqlite")
    names = {d.id: d.file for d in store.documents()}
    found = {(r.kind, names[r.source_id], names[r.target_id], r.implemented_version) for r in store.relations()}
    assert found == {("version", "职业教育法(1996-05-15).md", "职业教育法(2022-04-20).md", None),
                     ("implements", "河南省实施《职业教育法》办法(2010-07-30).md", "职业教育法(1996-05-15).md",
                      "1996-05-15")}


def test_a_new_way_of_finding_relations_finds_them_again_over_the_same_documents(corpus, tiny_model_path,
                                                                                  monkeypatch, tmp_path):
    from policykb.index import build
    from policykb.ingest import relations
    from policykb.ingest.pipeline import ingest_paths

    build.build_index(ingest_paths([corpus]), tmp_path, model=tiny_model_path, progress=None)
    calls = []
    monkeypatch.setattr(relations, "RELATIONS_VERSION", relations.RELATIONS_VERSION + 1)
    monkeypatch.setattr(build, "find_relations", lambda documents: calls.append(len(documents)) or [])
    build.build_index(ingest_paths([corpus]), tmp_path, model=tiny_model_path, progress=None)
    assert calls == [5]  # not copied from the previous generation: found again over all five documents
