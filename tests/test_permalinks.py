"""Permalinks that survive re-ingest: a clause link names its document's version, and following an old
link after the file changed shows the clause as it was, says that it changed, and never shows the new
text under the old citation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policykb.service.api.main import create_app
from policykb.service.config import Settings

pytestmark = pytest.mark.slow  # builds real indexes (tiny model)

BEFORE = """关于加强干部培训的办法

一、总则

第一条 干部每年参加脱产培训的时间累计不少于90学时。

第二条 培训经费列入年度预算。

二、附则

第三条 本办法自发布之日起施行。
"""
AFTER = BEFORE.replace("累计不少于90学时", "累计不少于110学时")


ADMIN_KEY = "admin-secret"  # POST /api/admin/reload needs POLICYKB_ADMIN_KEY


def build(corpus: Path, index_dir: Path, model: str) -> None:
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    build_index(ingest_paths([corpus]), index_dir, model=model, progress=None)


def clause_starting(client, text: str) -> tuple[dict, dict]:
    """(document summary, clause) of the clause whose text starts with `text`."""
    (doc,) = client.get("/api/documents").json()["documents"]
    body = client.get(f"/api/documents/{doc['id']}").json()
    return body["document"], next(c for c in body["clauses"] if c["text"].startswith(text))


def reloaded(client) -> str:
    response = client.post("/api/admin/reload", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert response.status_code == 200, response.text
    return response.json()["generation"]


@pytest.fixture()
def plan(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.txt").write_text(BEFORE, encoding="utf-8")
    return corpus, tmp_path / "index"


def test_an_old_link_to_a_changed_clause_shows_the_text_it_cited_and_says_it_changed(plan, tiny_model_path):
    corpus, index_dir = plan
    build(corpus, index_dir, tiny_model_path)
    with TestClient(create_app(Settings(index=index_dir, request_timeout=300, reload_check_seconds=0, admin_key=ADMIN_KEY))) as client:
        doc, clause = clause_starting(client, "第一条")
        old_version = doc["version"]
        assert len(old_version) == 12
        now = client.get(f"/api/clauses/{clause['id']}", params={"version": old_version}).json()
        assert now["version"]["status"] == "current" and now["version"]["cited"] is None

        (corpus / "plan.txt").write_text(AFTER, encoding="utf-8")
        build(corpus, index_dir, tiny_model_path)
        reloaded(client)

        body = client.get(f"/api/clauses/{clause['id']}", params={"version": old_version}).json()
        check = body["version"]
        assert check["status"] == "changed" and check["requested"] == old_version
        assert check["current"] != old_version and "changed" in check["message"]
        assert "90学时" in check["cited"]["text"] and "110学时" not in check["cited"]["text"]
        assert check["cited"]["label"] == "第一条" and check["cited"]["title"] == "关于加强干部培训的办法"
        assert "110学时" in body["clause"]["text"]  # the current text, labelled as such

        # another clause of the changed document: same text, and the answer says so
        _, second = clause_starting(client, "第二条")
        same = client.get(f"/api/clauses/{second['id']}", params={"version": old_version}).json()["version"]
        assert same["status"] == "unchanged" and same["cited"]["text"] == second["text"]

        # a link without a version is the live clause, as before
        plain = client.get(f"/api/clauses/{clause['id']}").json()
        assert plain["version"] is None and "110学时" in plain["clause"]["text"]


def test_the_old_text_survives_later_builds_and_the_removal_of_every_older_generation(plan, tiny_model_path):
    corpus, index_dir = plan
    build(corpus, index_dir, tiny_model_path)
    with TestClient(create_app(Settings(index=index_dir, request_timeout=300, reload_check_seconds=0, admin_key=ADMIN_KEY))) as client:
        doc, clause = clause_starting(client, "第一条")
    old_version = doc["version"]
    (corpus / "plan.txt").write_text(AFTER, encoding="utf-8")
    build(corpus, index_dir, tiny_model_path)
    for n in (120, 130):  # two more versions: the generation that held the first is long gone
        (corpus / "plan.txt").write_text(BEFORE.replace("90学时", f"{n}学时"), encoding="utf-8")
        build(corpus, index_dir, tiny_model_path)
    current = (index_dir / "CURRENT").read_text().strip()
    for folder in (index_dir / "generations").iterdir():  # only the serving generation is left
        if folder.name != current:
            shutil.rmtree(folder)
    with TestClient(create_app(Settings(index=index_dir, request_timeout=300, reload_check_seconds=0, admin_key=ADMIN_KEY))) as client:
        check = client.get(f"/api/clauses/{clause['id']}", params={"version": old_version}).json()["version"]
        assert check["status"] == "changed" and "90学时" in check["cited"]["text"]


def test_a_removed_clause_answers_404_with_its_cited_text_and_an_unknown_version_says_so(plan, tiny_model_path):
    corpus, index_dir = plan
    build(corpus, index_dir, tiny_model_path)
    with TestClient(create_app(Settings(index=index_dir, request_timeout=300, reload_check_seconds=0, admin_key=ADMIN_KEY))) as client:
        doc, clause = clause_starting(client, "第二条")
        (corpus / "plan.txt").write_text(BEFORE.replace("第二条 培训经费列入年度预算。\n\n", ""), encoding="utf-8")
        build(corpus, index_dir, tiny_model_path)
        reloaded(client)
        _, third = clause_starting(client, "第三条")

        gone = client.get(f"/api/clauses/{clause['id']}", params={"version": doc["version"]})
        assert gone.status_code == 404
        error = gone.json()["error"]
        assert error["detail"]["version"]["status"] == "removed"
        assert error["detail"]["version"]["cited"]["text"].startswith("第二条 培训经费列入年度预算。")

        unknown = client.get(f"/api/clauses/{third['id']}", params={"version": "0123456789ab"}).json()["version"]
        assert unknown["status"] == "unknown" and unknown["cited"] is None and "may have changed" in unknown["message"]

        bad = client.get(f"/api/clauses/{third['id']}", params={"version": "not-a-hash"})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"


def test_the_history_cost_benchmark_prints_its_figures(plan, tiny_model_path, capsys):
    from benchmarks.permalink_history import main

    corpus, index_dir = plan
    build(corpus, index_dir, tiny_model_path)
    store = index_dir / "generations" / (index_dir / "CURRENT").read_text().strip() / "store.sqlite"
    assert main(["--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "no document changed:    0 clauses carried" in out and "every document changed: " in out
