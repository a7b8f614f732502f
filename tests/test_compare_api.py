"""新旧对照 over an index: GET /api/compare and `policykb compare` on 职业教育法 1996 and 2022."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policykb.service.api.main import create_app
from policykb.service.config import Settings
from tests.fixture_builders import build_corpus_index

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "compare"
pytestmark = pytest.mark.slow  # builds a real index (tiny model)


@pytest.fixture(scope="module")
def compare_index(tmp_path_factory, tiny_model_path) -> Path:
    return build_corpus_index(tmp_path_factory, tiny_model_path, "compare", FIXTURES.glob("*.md"))


@pytest.fixture(scope="module")
def client(compare_index):
    with TestClient(create_app(Settings(index=compare_index, request_timeout=300))) as c:
        yield c


@pytest.fixture(scope="module")
def ids(client) -> dict[str, str]:
    docs = client.get("/api/documents").json()["documents"]
    return {d["date"][:4]: d["id"] for d in docs}


def test_the_api_answers_counts_and_pairs_with_redlines(client, ids):
    r = client.get("/api/compare", params={"a": ids["1996"], "b": ids["2022"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["a"]["id"] == ids["1996"] and body["b"]["date"] == "2022-04-20"
    assert body["counts"]["unchanged"] == 1 and sum(body["counts"].values()) == len(body["pairs"])
    moved = [p for p in body["pairs"] if p["a"] and p["a"][0]["label"] == "第十一条"]
    assert [c["label"] for c in moved[0]["b"]] == ["第八条"] and moved[0]["renumbered"]
    split = [p for p in body["pairs"] if p["kind"] == "split"][0]
    assert [c["label"] for c in split["b"]] == ["第三十三条", "第三十四条"]
    removed_text = "".join(s["text"] for s in body["pairs"][0]["redline"] if s["op"] == "delete")
    assert "科教兴国" in removed_text  # 第一条 lost 「实施科教兴国战略」


@pytest.mark.parametrize("params", [{"a": "x"}, {"a": "", "b": "y"}, {"a": "<script>", "b": "y"}])
def test_missing_or_malformed_ids_are_422_in_the_error_shape(client, params):
    r = client.get("/api/compare", params=params)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"


def test_an_unknown_id_is_404_naming_the_parameter(client, ids):
    r = client.get("/api/compare", params={"a": ids["1996"], "b": "000000000000"})
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "not_found" and "parameter b" in error["message"]
    assert error["detail"] == {"parameter": "b", "id": "000000000000"}


def test_the_cli_prints_the_summary_and_marked_changes(compare_index, ids, capsys):
    from policykb.service.cli import main

    assert main(["compare", ids["1996"], ids["2022"], "--index", str(compare_index)]) == 0
    out = capsys.readouterr().out
    assert "unchanged 1" in out and "split 1" in out
    assert "[moved] 第十一条 → 第八条" in out
    assert "【删】实施科教兴国战略，发展【/删】" in out
    assert main(["compare", ids["1996"], ids["2022"], "--index", str(compare_index), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["split"] == 1


def test_the_cli_names_an_unknown_id(compare_index, ids, capsys):
    from policykb.service.cli import main

    assert main(["compare", "nope", ids["2022"], "--index", str(compare_index)]) == 1
    assert "A: no document with id 'nope'" in capsys.readouterr().err
