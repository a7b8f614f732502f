"""The timeline over HTTP and on the command line: GET /api/timeline and `policykb timeline`, over the bundled
seeds plus a document full of markup (tiny model, lexical mode: its dense ranking means nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policykb.service.api.main import create_app
from policykb.service.config import Settings
from tests.fixture_builders import build_corpus_index

REPO = Path(__file__).resolve().parents[1]
QUESTION = "基层干部每年培训不少于多少学时"
HOSTILE = ("《关于<b>基层干部</b>培训的<script>alert(1)</script>办法》\n一、总则\n"
           "1．基层干部每年培训不少于<img src=x onerror=alert(1)>20学时，其他干部一般不少于十二天。\n")
pytestmark = pytest.mark.slow  # builds a real index (tiny model)


@pytest.fixture(scope="module")
def timeline_index(tmp_path_factory, tiny_model_path) -> Path:
    return build_corpus_index(tmp_path_factory, tiny_model_path, "timeline", (REPO / "corpus").glob("*.txt"),
                              {"hostile.txt": HOSTILE})


@pytest.fixture(scope="module")
def client(timeline_index):
    with TestClient(create_app(Settings(index=timeline_index, request_timeout=300))) as c:
        yield c


def test_the_api_answers_rows_oldest_first_with_figures_and_changes(client):
    r = client.get("/api/timeline", params={"q": QUESTION, "mode": "lexical"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["units"][0] == "学时" and not body["no_answer"] and body["generation"]
    rows = body["rows"]
    dated = [row for row in rows if row["when"]["known"]]
    assert [row["when"]["label"] for row in rows[len(dated):]] == ["日期不详"] * (len(rows) - len(dated))
    opinion = next(row for row in rows if row["when"]["date"] == "2011-11-14")
    assert {"value": 100, "unit": "学时"}.items() <= next(q for q in opinion["quantities"] if q["unit"] == "学时").items()
    assert opinion["clause"]["citation"]["file"] == "000_3adddd7c9c291dd6.txt"
    later = rows[rows.index(opinion) + 1]
    assert later["changes"] is not None and later["changes"][0]["unit"] == "学时"
    assert later["changes"][0]["before"][0]["value"] == 100


def test_markup_in_a_clause_comes_back_escaped_in_its_highlights(client):
    rows = client.get("/api/timeline", params={"q": QUESTION, "mode": "lexical"}).json()["rows"]
    hostile = next(row for row in rows if row["clause"]["citation"]["file"] == "hostile.txt")
    assert hostile["when"]["known"] is False and hostile["changes"] is None
    html = hostile["clause"]["highlights"]["html"]
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert [q["figure"] for q in hostile["quantities"]] == ["20 学时", "12 天"]


def test_the_traditional_script_converts_the_clause_text(client):
    rows = client.get("/api/timeline", params={"q": QUESTION, "mode": "lexical", "script": "hant"}).json()["rows"]
    opinion = next(row for row in rows if row["when"]["date"] == "2011-11-14")
    assert "學時" in opinion["clause"]["text"]


@pytest.mark.parametrize("params, field", [
    ({}, "q"), ({"q": "   "}, "q"), ({"q": "学" * 257}, "q"), ({"q": QUESTION, "k": 0}, "k"),
    ({"q": QUESTION, "k": 51}, "k"), ({"q": QUESTION, "k": "many"}, "k"), ({"q": QUESTION, "mode": "fuzzy"}, "mode"),
    ({"q": QUESTION, "script": "latin"}, "script"),
])
def test_bad_parameters_are_422_naming_them(client, params, field):
    r = client.get("/api/timeline", params=params)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_request" and field in error["message"]


def test_a_question_nothing_answers_gives_no_rows(client):
    body = client.get("/api/timeline", params={"q": "如何申请公共租赁住房", "mode": "lexical"}).json()
    assert body["no_answer"] and body["rows"] == []


def test_the_cli_prints_the_rows_with_figures_and_changes(timeline_index, capsys):
    from policykb.service.cli import main

    assert main(["timeline", QUESTION, "--index", str(timeline_index), "--mode", "lexical"]) == 0
    out = capsys.readouterr().out
    assert "2011-11-14" in out and "≥100 学时" in out and "日期不详" in out
    assert "changed: 学时：100、40 → " in out
    assert main(["timeline", QUESTION, "--index", str(timeline_index), "--mode", "lexical", "--json", "--k", "2"]) == 0
    assert len(json.loads(capsys.readouterr().out)["rows"]) == 2


def test_the_cli_refuses_a_bad_k(timeline_index, capsys):
    from policykb.service.cli import main

    assert main(["timeline", QUESTION, "--index", str(timeline_index), "--k", "0"]) == 2
    assert "--k must be 1 or more" in capsys.readouterr().err


VERSIONS = REPO.parent / "shared" / "corpora" / "versions-and-regions"


@pytest.fixture(scope="module")
def laws(tmp_path_factory, tiny_model_path):
    """The versions-and-regions laws (national laws in two versions, local 实施办法) indexed with the tiny model."""
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths
    from policykb.search.knowledge_base import KnowledgeBase

    if not VERSIONS.is_dir():
        pytest.skip(f"{VERSIONS} is absent (it ships beside the repo, not in it)")
    index = tmp_path_factory.mktemp("versions-index")
    build_index(ingest_paths([VERSIONS]), index, model=tiny_model_path, progress=None)
    return KnowledgeBase.load(index)


@pytest.mark.shared
def test_over_laws_and_their_local_measures_a_retention_period_is_listed_by_each_law_oldest_first(laws):
    from policykb.service.timeline import timeline

    rows = timeline(laws, "档案保管期限多少年", mode="lexical").rows
    dated = [r for r in rows if r.when.known]
    assert len(dated) >= 3 and [r.when.sort_key() for r in dated] == sorted(r.when.sort_key() for r in dated)
    stating = [r for r in rows if 20 in [q.value for q in r.quantities if q.unit == "年"]]
    assert len({r.document_id for r in stating}) >= 2  # the national rule restated by the local measures
    assert all(q.text in r.clause.text for r in rows for q in r.quantities)


@pytest.mark.shared
def test_both_versions_of_a_law_answer_in_the_order_they_were_adopted(laws):
    from policykb.service.timeline import timeline

    rows = timeline(laws, "职业学校的设立应当符合哪些基本条件", mode="lexical").rows
    versions = [r.when.date for r in rows if r.title == "中华人民共和国职业教育法"]
    assert versions == ["1996-05-15", "2022-04-20"]
