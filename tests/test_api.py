"""The HTTP API over an index of the bundled seeds: contract fields, citations, limits, errors, keys, docs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.fixture_builders import ENGINES, engine_settings

from policykb.service.api.main import create_app
from policykb.service.config import Settings, describe_settings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
STATIC = REPO / "service" / "static"
CONTRACT_CITATION = {"document_id", "title", "issuer", "doc_number", "date", "section_path", "label",
                     "file", "line_start", "line_end"}
HOSTILE = """《关于<script>alert(1)</script>的测试办法》

一、总则

第一条 本办法适用于<script>alert(1)</script>培训管理，图片 <img src=x onerror=alert(1)> 不得执行。

第二条 培训记录应当 "引号" & 'apostrophe' 原样保存。
"""

pytestmark = pytest.mark.slow  # builds a real index (tiny model)


def _build(folder: Path, index_dir: Path, model: str) -> Path:
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    build_index(ingest_paths([folder]), index_dir, model=model, progress=None)
    return index_dir


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory, tiny_model_path) -> Path:
    """The five seeds plus a document full of markup, indexed with the tiny model."""
    corpus = tmp_path_factory.mktemp("corpus")
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, corpus / path.name)
    (corpus / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    return _build(corpus, tmp_path_factory.mktemp("index"), tiny_model_path)


@pytest.fixture(scope="module", params=ENGINES)
def client(request, seed_index, tmp_path_factory):
    """The API over the seed index, served through each engine in turn (the milvus one from a collection
    written by the export `policykb ingest --backend milvus` runs)."""
    engine = engine_settings(request.param, tmp_path_factory.mktemp(f"engine-{request.param}"))
    if engine:
        from policykb.index.generation import open_generation
        from policykb.index.milvus import connect, export_generation

        export_generation(connect(engine["milvus_uri"]), open_generation(seed_index), seed_index)
    app = create_app(Settings(index=seed_index, request_timeout=300, **engine))
    with TestClient(app) as c:
        yield c


def search(client, **params):
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def find(results, start: str) -> dict:
    hits = [r for r in results if r["text"].startswith(start)]
    assert hits, f"no result starts with {start!r}: {[r['text'][:20] for r in results]}"
    return hits[0]


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "detail"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_search_results_carry_every_contract_field_plus_highlights_confidence_and_no_answer(client):
    body = search(client, q="新党员在入党后一年内至少参加一次集中培训", k=5)
    assert {"query", "results", "no_answer", "confidence", "mode", "script", "generation"} <= set(body)
    assert body["query"] == "新党员在入党后一年内至少参加一次集中培训"
    assert 1 <= len(body["results"]) <= 5
    for result in body["results"]:
        assert {"id", "text", "score", "file", "citation", "highlights", "also_in", "confidence", "rank"} <= set(result)
        assert CONTRACT_CITATION <= set(result["citation"])  # "at least" (DESIGN.md); pages etc. beyond
        assert set(result["highlights"]) == {"spans", "html", "terms"}
        assert result["file"] == result["citation"]["file"]


def test_a_search_lists_the_synonyms_it_also_searched_and_marks_them_in_the_clause(client):
    body = search(client, q="大学派教师到基层办班授课", k=5, mode="lexical")
    assert "高校" in body["synonyms"]
    clause = find(body["results"], "鼓励开展结对帮扶培训")
    assert "高校" in clause["highlights"]["terms"] and "<mark>高校</mark>" in clause["highlights"]["html"]


def test_the_named_clause_of_seed_002_is_cited_with_title_number_section_path_file_and_line(client):
    body = search(client, q="坚持把增强党性作为第一任务", k=20, mode="lexical")
    clause = find(body["results"], "１．坚持把增强党性作为第一任务")
    c = clause["citation"]
    assert c["title"] == "2009—2013年全国党员教育培训工作规划"
    assert c["doc_number"] == "中共中央办公厅（2009年23号）"
    assert c["date"] is None  # the seed states no date: null, never invented
    assert c["section_path"] == ["一、指导思想和基本要求", "（二）基本要求"]
    assert c["file"] == "002_e058e02591a1b2b6.txt"
    assert (c["line_start"], c["line_end"]) == (15, 15)
    line = (CORPUS / c["file"]).read_text(encoding="utf-8").splitlines()[c["line_start"] - 1]
    assert "坚持把增强党性作为第一任务" in line


def test_a_clause_comes_with_its_section_path_neighbours_and_document(client):
    clause_id = find(search(client, q="坚持把增强党性作为第一任务", k=20, mode="lexical")["results"],
                     "１．坚持把增强党性作为第一任务")["id"]
    body = client.get(f"/api/clauses/{clause_id}").json()
    assert body["clause"]["id"] == clause_id
    assert body["clause"]["section_path"] == ["一、指导思想和基本要求", "（二）基本要求"]
    assert CONTRACT_CITATION <= set(body["clause"]["citation"])
    assert body["previous"]["text"].strip() == "（二）基本要求"
    assert body["next"]["text"].startswith("２．坚持以人为本")
    assert body["document"]["title"] == "2009—2013年全国党员教育培训工作规划"
    assert body["duplicates"] == []


def test_a_clause_found_in_two_versions_of_a_plan_lists_the_other_as_duplicate(client):
    body = search(client, q="人事部每年各举办1期全国人事厅局长培训班", k=10)
    hits = [r for r in body["results"] if "全国人事厅局长培训班" in r["text"]]
    assert len(hits) == 1 and len(hits[0]["also_in"]) == 1
    other = hits[0]["also_in"][0]
    context = client.get(f"/api/clauses/{hits[0]['id']}").json()
    assert [d["id"] for d in context["duplicates"]] == [other["id"]]
    assert context["duplicates"][0]["document_id"] != hits[0]["citation"]["document_id"]


def test_the_document_list_counts_documents_per_issuer_type_and_year(client):
    body = client.get("/api/documents").json()
    docs = body["documents"]
    assert body["total"] == len(docs) == 10  # nine seed documents and the markup test
    for facet, field in (("issuers", "issuer"), ("doc_types", "doc_type"), ("years", "year")):
        counts = {row["value"]: row["count"] for row in body["facets"][facet]}
        assert sum(counts.values()) == len(docs)
        for value, count in counts.items():
            assert count == sum(1 for d in docs if d[field] == value)
    assert {"value": "中共中央办公厅", "count": 2} in body["facets"]["issuers"]


def test_a_document_has_its_outline_with_clause_ids_that_open_its_clauses(client):
    docs = client.get("/api/documents").json()["documents"]
    doc_id = next(d["id"] for d in docs if d["file"] == "002_e058e02591a1b2b6.txt")
    body = client.get(f"/api/documents/{doc_id}").json()
    assert body["document"]["doc_number"] == "中共中央办公厅（2009年23号）"
    top = [n["title"] for n in body["outline"]]
    assert top[0] == "一、指导思想和基本要求"
    assert [n["title"] for n in body["outline"][0]["children"]] == ["（一）指导思想", "（二）基本要求"]
    clause_ids = {c["id"] for c in body["clauses"]}

    def walk(nodes):
        for node in nodes:
            yield node
            yield from walk(node["children"])

    assert all(node["clause_id"] in clause_ids for node in walk(body["outline"]))
    assert [c["line_start"] for c in body["clauses"]] == sorted(c["line_start"] for c in body["clauses"])


def test_the_script_toggle_converts_text_highlights_and_citations_but_not_files_dates_or_lines(client):
    original = find(search(client, q="坚持把增强党性作为第一任务", k=20, mode="lexical")["results"], "１．坚持")
    hant = find(search(client, q="坚持把增强党性作为第一任务", k=20, mode="lexical", script="hant")["results"],
                "１．堅持")
    assert "增強黨性" in hant["text"]
    cite, as_written = hant["citation"], original["citation"]
    assert cite["title"] == "2009—2013年全國黨員教育培訓工作規劃"
    assert cite["section_path"] == ["一、指導思想和基本要求", "（二）基本要求"]
    assert cite["doc_number"] == "中共中央辦公廳（2009年23號）" and cite["issuer"] == "中共中央辦公廳"
    assert {k: cite[k] for k in ("document_id", "file", "date", "line_start", "line_end")} == \
        {k: as_written[k] for k in ("document_id", "file", "date", "line_start", "line_end")}
    reader = client.get(f"/api/documents/{cite['document_id']}", params={"script": "hant"}).json()
    assert reader["document"]["title"] == cite["title"]
    assert reader["outline"][0]["title"] == "一、指導思想和基本要求"
    assert client.get(f"/api/clauses/{hant['id']}", params={"script": "hant"}).json()["clause"]["citation"] == cite
    marked = re.findall(r"<mark>(.*?)</mark>", hant["highlights"]["html"])
    assert marked == [hant["text"][s:e] for s, e in hant["highlights"]["spans"]]
    assert any("黨性" in m for m in marked)  # the marks are converted with the text
    simplified = [r for r in search(client, q="幹部教育培訓", k=20, mode="lexical", script="hans")["results"]
                  if r["file"].startswith("004")]  # seed 004 is written in traditional characters
    assert simplified and all("幹" not in r["text"] and "培訓" not in r["text"] for r in simplified)
    assert any("干部" in r["text"] for r in simplified)


@pytest.mark.parametrize("q", ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>"])
def test_markup_in_documents_and_queries_comes_back_escaped_in_highlights(client, q):
    body = search(client, q=q, k=10, mode="lexical")
    hostile = [r for r in body["results"] if r["file"] == "hostile.txt"]
    assert hostile, "the markup test document should match"
    assert body["query"] == q  # the JSON echoes the query as data
    for result in hostile:
        html_text = result["highlights"]["html"]
        assert result["highlights"]["terms"]
        assert re.sub(r"</?mark>", "", html_text).count("<") == 0  # no tag but <mark>
        assert "&lt;" in html_text
    assert any("&lt;script&gt;" in r["highlights"]["html"] or "&lt;<mark>script" in r["highlights"]["html"]
               for r in hostile)


@pytest.mark.parametrize("params, field", [
    ({"q": ""}, "q"),
    ({"q": "   "}, "q"),
    ({"q": "党" * 257}, "q"),
    ({"q": "党员", "k": 0}, "k"),
    ({"q": "党员", "k": 1000}, "k"),
    ({"q": "党员", "k": "ten"}, "k"),
    ({"q": "党员", "mode": "fuzzy"}, "mode"),
    ({"q": "党员", "script": "latin"}, "script"),
    ({"k": 5}, "q"),
])
def test_out_of_range_parameters_are_refused_with_422_and_a_message_naming_them(client, params, field):
    error = assert_error_shape(client.get("/api/search", params=params), 422, "invalid_request")
    assert error["message"].startswith(field + ":")
    assert any(field in item["loc"] for item in error["detail"])


def test_a_query_of_256_characters_after_trimming_is_accepted(client):
    body = search(client, q="  " + "党员培训" * 64 + "  ", k=1, mode="lexical")
    assert body["query"] == "党员培训" * 64


def test_unknown_routes_methods_and_ids_answer_in_the_same_error_shape(client):
    assert_error_shape(client.get("/api/nothing"), 404, "not_found")
    assert_error_shape(client.post("/api/search?q=x"), 405, "method_not_allowed")
    error = assert_error_shape(client.get("/api/clauses/no-such-clause"), 404, "not_found")
    assert "no-such-clause" in error["message"]
    assert_error_shape(client.get("/api/documents/no-such-document"), 404, "not_found")


def test_an_unexpected_failure_is_a_500_in_the_same_shape_without_internals(seed_index):
    app = create_app(Settings(index=seed_index))

    def broken():
        raise RuntimeError("secret internals")

    app.add_api_route("/api/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as c:
        error = assert_error_shape(c.get("/api/broken"), 500, "internal_error")
    assert "secret" not in error["message"]


def test_a_request_that_runs_too_long_is_answered_with_503_timeout(client, seed_index):
    holder = client.app.state.holder  # already loaded: only the search itself is timed
    app = create_app(Settings(index=seed_index, request_timeout=1e-6), holder=holder)
    with TestClient(app) as c:
        error = assert_error_shape(c.get("/api/search", params={"q": "党员教育培训", "k": 100}), 503, "timeout")
    assert "longer than" in error["message"]


def test_with_an_api_key_the_api_needs_the_bearer_token_and_health_stays_open(client, seed_index):
    app = create_app(Settings(index=seed_index, api_key="s3cret", request_timeout=300),
                     holder=client.app.state.holder)
    with TestClient(app) as c:
        error = assert_error_shape(c.get("/api/search", params={"q": "党员"}), 401, "unauthorized")
        assert "Authorization: Bearer" in error["message"]
        assert_error_shape(c.get("/api/search", params={"q": "党员"}, headers={"Authorization": "Bearer nope"}),
                           401, "unauthorized")
        assert_error_shape(c.post("/api/admin/reload"), 403, "forbidden")  # the admin key, not the API key
        ok = c.get("/api/search", params={"q": "党员", "mode": "lexical"}, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").status_code == 200
        assert c.get("/").status_code == 200


def test_without_an_index_health_answers_and_the_api_says_how_to_build_one(tmp_path):
    with TestClient(create_app(Settings(index=tmp_path / "missing", request_timeout=300))) as c:
        assert c.get("/healthz").status_code == 200
        error = assert_error_shape(c.get("/api/search", params={"q": "党员"}), 503, "unavailable")
        assert "policykb ingest" in error["message"]
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["ready"] is False
        assert "policykb ingest" in ready.json()["last_error"]


def test_readyz_says_which_index_generation_is_served(client, seed_index):
    assert client.get("/healthz").json() == {"status": "ok"}
    body = client.get("/readyz").json()
    current = (seed_index / "CURRENT").read_text(encoding="utf-8").strip()
    assert body["ready"] is True and body["generation"] == current
    assert body["counts"]["documents"] == 10
    assert client.get("/api/documents").headers["X-Policykb-Generation"] == current


def test_every_route_parameter_and_response_field_is_described_in_openapi(client):
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            assert op.get("description"), f"{method.upper()} {path} has no description"
            for param in op.get("parameters", []):
                assert param.get("description"), f"{method.upper()} {path}: parameter {param['name']}"
    for name, schema in spec["components"]["schemas"].items():
        if name in ("HTTPValidationError", "ValidationError") or name.startswith("ValidationError"):
            continue
        for prop, info in schema.get("properties", {}).items():
            assert info.get("description"), f"schema {name}.{prop} has no description"


def test_the_api_docs_page_works_offline(client):
    page = client.get("/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in page and "cdn." not in page
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_the_page_loads_only_its_own_files(client):
    response = client.get("/")
    assert response.status_code == 200 and "script-src 'self'" in response.headers["content-security-policy"]
    for name in ("index.html", "app.js", "app.css"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://|@import|@font-face", text), f"{name} refers to an outside resource"
        assert "innerHTML" not in text
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/static/embed.js").status_code == 200


def test_every_setting_is_documented_in_the_api_guide():
    guide = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    for variable, _default, help_text in describe_settings():
        assert help_text
        assert variable in guide, f"{variable} is not documented in docs/api.md"


def test_settings_come_from_policykb_variables_and_bad_values_are_named():
    from policykb.service.config import SettingsError

    settings = Settings.from_env({"POLICYKB_INDEX": "/srv/kb", "POLICYKB_CORS_ORIGINS": "https://a.example/, https://b.example",
                                  "POLICYKB_API_KEY": "k", "POLICYKB_THREADS": "4", "POLICYKB_REQUEST_TIMEOUT": "9.5"})
    assert settings.index == Path("/srv/kb")
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert (settings.api_key, settings.threads, settings.request_timeout) == ("k", 4, 9.5)
    assert Settings.from_env({}).cors_origins == ()
    with pytest.raises(SettingsError, match="POLICYKB_WORKERS"):
        Settings.from_env({"POLICYKB_WORKERS": "many"})
    assert Settings.from_env({}).embed_threads == 1 and Settings.from_env({"POLICYKB_EMBED_THREADS": "2"}).embed_threads == 2
    with pytest.raises(SettingsError, match="POLICYKB_EMBED_THREADS"):
        Settings.from_env({"POLICYKB_EMBED_THREADS": "0"})


def test_cors_is_off_by_default_and_allows_only_configured_origins(client, seed_index):
    headers = {"Origin": "https://portal.example"}
    assert "access-control-allow-origin" not in client.get("/healthz", headers=headers).headers
    app = create_app(Settings(index=seed_index, cors_origins=("https://portal.example",)),
                     holder=client.app.state.holder)
    with TestClient(app) as c:
        allowed = c.get("/api/documents", headers=headers)
        assert allowed.headers["access-control-allow-origin"] == "https://portal.example"
        other = c.get("/api/documents", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
