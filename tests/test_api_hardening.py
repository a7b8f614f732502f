"""The HTTP API's edges: declared limits, HEAD, page headers, no Host-built redirects, what /readyz
shows, the admin key, links of unsafe schemes, body size and rate limits (issue 17, item 7)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policykb.service.api.main import PAGE_CSP, create_app
from policykb.service.config import Settings, SettingsError
from policykb.index.manifest import read_manifest
from policykb.service.reload import IndexHolder, load_generation
from tests.fixture_builders import build_generation

REPO = Path(__file__).resolve().parents[1]
SEED = "002_e058e02591a1b2b6.txt"
LINKED = {  # documents whose front matter gives a link of each kind
    "javascript.md": "javascript:alert(document.cookie)",
    "data.md": '"data:text/html,<script>alert(1)</script>"',
    "web.md": "https://www.gov.cn/zhengce/2024-01/01/content_1.htm",
}
ADMIN = {"Authorization": "Bearer admin-secret"}

pytestmark = pytest.mark.slow  # builds a real index (tiny model)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(REPO / "corpus" / SEED, folder / SEED)
    for i, (name, link) in enumerate(LINKED.items()):
        (folder / name).write_text(f"---\ntitle: 测试链接办法{i}\nlink: {link}\n---\n\n第一条 本办法适用于第{i}类培训管理。\n",
                                   encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def index_dir(corpus, tmp_path_factory, tiny_model_path) -> Path:
    folder = tmp_path_factory.mktemp("index") / "seed-index"
    build_generation(corpus, folder, tiny_model_path)
    return folder


@pytest.fixture(scope="module")
def client(index_dir):
    with TestClient(create_app(Settings(index=index_dir, request_timeout=300))) as c:
        yield c


def app_with(client, **settings) -> TestClient:
    """A client of an app with these settings, sharing the loaded index."""
    return TestClient(create_app(Settings(index=client.app.state.settings.index, request_timeout=300, **settings),
                                 holder=client.app.state.holder))


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "detail"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def test_the_schema_declares_the_query_length_the_server_enforces(client):
    spec = client.get("/openapi.json").json()
    (q,) = [p for p in spec["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "q"]
    assert (q["schema"]["minLength"], q["schema"]["maxLength"]) == (1, 256)
    for bad in ("", "   ", "党" * 257):  # each outside the declared schema, each a JSON 422
        error = error_of(client.get("/api/search", params={"q": bad}), 422, "invalid_request")
        assert error["message"].startswith("q:") and "1–256" in error["message"]
    assert client.get("/api/search", params={"q": "党" * 256, "mode": "lexical", "k": 1}).status_code == 200


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/static/embed.js", "/api/documents",
                                  "/api/search?q=%E5%85%9A%E5%91%98&mode=lexical&k=1", "/healthz", "/readyz"])
def test_head_is_answered_like_get_without_a_body(client, path):
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))


@pytest.mark.parametrize("path", ["/static/index.html", "/static/app.js", "/static/app.css"])
def test_the_page_files_under_static_have_the_same_security_headers_as_the_page(client, path):
    assert client.get("/").headers["content-security-policy"] == PAGE_CSP
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == PAGE_CSP
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/api/documents/%2e%2e%2f", "/api/documents/", "/api/search/"])
def test_no_redirect_is_built_from_the_host_header(client, path):
    response = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert "location" not in response.headers
    error = error_of(response, 404, "not_found")
    assert "evil.example" not in error["message"] and "slash" in error["message"]


def test_readyz_shows_only_the_index_name_when_the_server_has_an_api_key(client, index_dir):
    assert client.get("/readyz").json()["index"] == str(index_dir)  # no key: the operator's own machine
    with app_with(client, api_key="s3cret") as c:
        response = c.get("/readyz")
    assert response.status_code == 200 and response.json()["index"] == "seed-index"
    assert str(index_dir.parent) not in response.text


def test_without_an_admin_key_the_admin_route_is_off_and_says_how_to_turn_it_on(client):
    before = client.get("/readyz").json()["loaded_at"]
    error = error_of(client.post("/api/admin/reload"), 403, "forbidden")
    assert "POLICYKB_ADMIN_KEY" in error["message"] and "Authorization: Bearer" in error["message"]
    # what another site's page can send without a preflight: a text/plain form POST
    cross_site = client.post("/api/admin/reload", content="x=1",
                             headers={"Content-Type": "text/plain", "Origin": "https://evil.example"})
    error_of(cross_site, 403, "forbidden")
    assert client.get("/readyz").json()["loaded_at"] == before


def test_with_an_admin_key_reload_needs_that_key_and_not_the_api_key(client):
    with app_with(client, api_key="api-secret", admin_key="admin-secret") as c:
        error = error_of(c.post("/api/admin/reload"), 401, "unauthorized")
        assert "POLICYKB_ADMIN_KEY" in error["message"]
        error_of(c.post("/api/admin/reload", headers={"Authorization": "Bearer api-secret"}), 401, "unauthorized")
        error_of(c.post("/api/admin/reload", content="x=1", headers={"Content-Type": "text/plain"}),
                 401, "unauthorized")
        body = c.post("/api/admin/reload", headers=ADMIN).json()
        assert body["switched"] is False and body["generation"] == body["previous"]
        assert c.get("/api/documents", headers={"Authorization": "Bearer api-secret"}).status_code == 200


def test_a_broken_generation_is_loaded_once_not_on_every_reload_call(corpus, tmp_path, tiny_model_path):
    corpus = Path(shutil.copytree(corpus, tmp_path / "corpus"))
    index_dir = tmp_path / "index"
    build_generation(corpus, index_dir, tiny_model_path)
    loads: list[str] = []

    def counted(folder, previous, warm):
        loads.append((folder / "CURRENT").read_text(encoding="utf-8").strip())
        return load_generation(folder, previous, warm)

    holder = IndexHolder(index_dir, check_seconds=0, loader=counted)
    first = holder.reload().generation
    app = create_app(Settings(index=index_dir, admin_key="admin-secret", reload_check_seconds=0,
                              request_timeout=300), holder=holder)
    with TestClient(app) as c:
        (corpus / "new.txt").write_text("第一条 新增的培训办法。\n", encoding="utf-8")
        broken = build_generation(corpus, index_dir, tiny_model_path)
        folder = index_dir / "generations" / broken
        victim = folder / "dense.faiss"
        assert "dense.faiss" in read_manifest(folder).files
        data = victim.read_bytes()
        victim.unlink()  # a new file: a build may hard-link files shared with the served generation
        victim.write_bytes(data + b"\0")  # its checksum no longer matches the manifest
        loads.clear()
        for _ in range(3):
            error = error_of(c.post("/api/admin/reload", headers=ADMIN), 503, "unavailable")
            assert first in error["message"]
        assert loads == [broken], "the same broken generation was loaded again"
        assert "Not loaded again" in error["message"] and "5 minutes" in error["message"]
        assert c.get("/readyz").json()["generation"] == first
        (corpus / "newer.txt").write_text("第一条 再新增的培训办法。\n", encoding="utf-8")
        fixed = build_generation(corpus, index_dir, tiny_model_path)  # CURRENT changes: tried at once
        assert c.post("/api/admin/reload", headers=ADMIN).json()["generation"] == fixed


def test_links_of_other_schemes_than_http_are_null_in_every_document_answer(client):
    documents = client.get("/api/documents").json()["documents"]
    links = {d["title"]: d["source_url"] for d in documents}
    assert links["测试链接办法0"] is None  # javascript:
    assert links["测试链接办法1"] is None  # data:
    assert links["测试链接办法2"] == LINKED["web.md"]
    for d in documents:
        reader = client.get(f"/api/documents/{d['id']}").json()
        assert reader["document"]["source_url"] == links[d["title"]]
        clause = client.get(f"/api/clauses/{reader['clauses'][0]['id']}").json()
        assert clause["document"]["source_url"] == links[d["title"]]


def test_a_request_body_over_the_limit_is_a_json_413(client):
    with app_with(client, admin_key="admin-secret", max_body_bytes=1024) as c:
        error = error_of(c.post("/api/admin/reload", content=b"x" * 2048, headers=ADMIN), 413, "too_large")
        assert "POLICYKB_MAX_BODY_BYTES" in error["message"] and "1024" in error["message"]
        chunked = c.post("/api/admin/reload", content=iter([b"x" * 700, b"x" * 700]), headers=ADMIN)
        error_of(chunked, 413, "too_large")
        assert c.post("/api/admin/reload", content=b"x" * 100, headers=ADMIN).status_code == 200


def test_a_client_over_the_rate_limit_gets_a_json_429_with_retry_after(client):
    with app_with(client, rate_limit=3) as c:
        assert [c.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]
        response = c.get("/api/documents")
        error = error_of(response, 429, "rate_limited")
        assert "POLICYKB_RATE_LIMIT" in error["message"]
        assert int(response.headers["retry-after"]) >= 1
    with app_with(client, rate_limit=0) as c:  # off
        assert all(c.get("/healthz").status_code == 200 for _ in range(50))


def test_a_bucket_refills_at_the_configured_rate_per_client():
    from policykb.service.api.limits import TokenBuckets

    now = [0.0]
    buckets = TokenBuckets(per_minute=2, clock=lambda: now[0])
    assert buckets.take("10.0.0.1") == 0 and buckets.take("10.0.0.1") == 0
    assert buckets.take("10.0.0.1") == pytest.approx(30.0)  # one token every 30 s
    assert buckets.take("10.0.0.2") == 0  # another address has its own bucket
    now[0] = 30.0
    assert buckets.take("10.0.0.1") == 0


def test_the_buckets_of_many_addresses_stay_bounded():
    from policykb.service.api.limits import PRUNE_ABOVE, TokenBuckets

    now = [0.0]
    buckets = TokenBuckets(per_minute=2, clock=lambda: now[0])
    for i in range(3 * PRUNE_ABOVE):  # each spends a token and none refills within the 3 s: none is idle-full
        now[0] += 0.0001
        buckets.take(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
    assert len(buckets) <= PRUNE_ABOVE


def test_the_new_settings_come_from_policykb_variables_and_bad_values_are_named():
    settings = Settings.from_env({"POLICYKB_ADMIN_KEY": "a", "POLICYKB_RATE_LIMIT": "120",
                                  "POLICYKB_MAX_BODY_BYTES": "2048"})
    assert (settings.admin_key, settings.rate_limit, settings.max_body_bytes) == ("a", 120.0, 2048)
    defaults = Settings.from_env({})
    assert defaults.admin_key is None and defaults.rate_limit >= 1000  # generous: a person never meets it
    with pytest.raises(SettingsError, match="POLICYKB_RATE_LIMIT"):
        Settings.from_env({"POLICYKB_RATE_LIMIT": "-1"})
    with pytest.raises(SettingsError, match="POLICYKB_MAX_BODY_BYTES"):
        Settings.from_env({"POLICYKB_MAX_BODY_BYTES": "big"})


def test_the_page_and_the_search_box_never_make_a_link_of_source_url():
    for name in ("app.js", "embed.js", "index.html"):
        assert "source_url" not in (REPO / "service" / "static" / name).read_text(encoding="utf-8"), name
