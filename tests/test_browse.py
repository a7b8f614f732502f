"""Browsing: the document list narrowed by facets, sorted and paged; search pages, date order and facet
counts for the query; `policykb documents`. Bad values are 422 JSON with a message, never 500."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policykb.service.api.main import create_app
from policykb.service.config import Settings

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # builds a real index (tiny model)

# Dated documents with a stated status, beside the seeds (which state no date, and mostly no status).
DATED = {
    "notice_2015.md": ("国务院办公厅关于加强干部培训管理的通知", "国务院办公厅", "国办发〔2015〕12号", "2015-03-01",
                       "通知", "现行有效", "（一）干部每年参加脱产培训累计不少于90学时。"),
    "rule_2008.md": ("人事部关于公务员培训的规定", "人事部", "人发〔2008〕5号", "2008-06-20", "规定", "已废止",
                     "（一）公务员每年参加培训的时间累计不少于12天。"),
    "opinion_2019.md": ("关于进一步做好干部培训工作的意见", "中共中央办公厅", "中办发〔2019〕3号", "2019-07-15", "意见",
                        "现行有效", "（一）干部培训应当每年制定计划，培训学时累计不少于100学时。"),
}


def dated_markdown(title, issuer, number, date, doc_type, status, clause) -> str:
    return (f"---\ntitle: {title}\nissuer: {issuer}\ndoc_number: {number}\ndate: {date}\ndoc_type: {doc_type}\n"
            f"status: {status}\n---\n\n## 一、总则\n\n{clause}\n")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, tiny_model_path) -> Path:
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    corpus = tmp_path_factory.mktemp("corpus")
    for path in (REPO / "corpus").glob("*.txt"):
        shutil.copy(path, corpus / path.name)
    for name, fields in DATED.items():
        (corpus / name).write_text(dated_markdown(*fields), encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("index")
    build_index(ingest_paths([corpus]), index_dir, model=tiny_model_path, progress=None)
    return index_dir


@pytest.fixture(scope="module")
def client(index_dir):
    with TestClient(create_app(Settings(index=index_dir, request_timeout=300))) as c:
        yield c


def get(client, path: str, **params) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def rejected(client, path: str, **params) -> str:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and error["message"]
    return error["message"]


def counts(facet: list[dict]) -> dict:
    return {row["value"]: row["count"] for row in facet}


# -- the document list -------------------------------------------------------------------------------


def test_the_document_list_unfiltered_is_every_document_in_index_order_with_status_counts(client):
    body = get(client, "/api/documents")
    assert body["total"] == body["matched"] == len(body["documents"]) > len(DATED)
    assert body["sort"] == "index" and body["offset"] == 0 and body["limit"] is None
    assert counts(body["facets"]["statuses"])["现行有效"] == 2 and counts(body["facets"]["statuses"])["已废止"] == 1
    assert None in counts(body["facets"]["statuses"])  # documents that state no status are counted, as unknown
    assert all(len(d["version"]) == 12 for d in body["documents"])


def test_facets_narrow_the_list_and_count_only_what_is_left(client):
    body = get(client, "/api/documents", status="现行有效")
    assert body["matched"] == 2 and body["total"] > 2
    assert {d["title"] for d in body["documents"]} == {DATED["notice_2015.md"][0], DATED["opinion_2019.md"][0]}
    assert counts(body["facets"]["statuses"]) == {"现行有效": 2}
    assert counts(body["facets"]["doc_types"]) == {"通知": 1, "意见": 1}
    assert counts(body["facets"]["years"]) == {2019: 1, 2015: 1}

    both = get(client, "/api/documents", status="现行有效", doc_type="意见")
    assert [d["doc_number"] for d in both["documents"]] == ["中办发〔2019〕3号"]
    by_year = get(client, "/api/documents", year_from=2015, year_to=2015)
    assert [d["date"] for d in by_year["documents"]] == ["2015-03-01"]
    # 現行有效 in traditional characters filters the same
    assert get(client, "/api/documents", status="現行有效")["matched"] == 2


def test_sort_by_date_puts_the_newest_first_inferred_years_after_that_years_dates_and_unknown_last(client):
    docs = get(client, "/api/documents", sort="date")["documents"]
    keys = [d["date"] or (str(d["year"]) if d["year"] is not None else "") for d in docs]
    assert keys == sorted(keys, reverse=True)
    assert docs[0]["date"] == "2024-02-09" or docs[0]["year"] == 2024
    assert docs[-1]["year"] is None  # 干部教育培训计划方案 states no year at all
    dated = [d["date"] for d in docs if d["date"]]
    assert dated.index("2019-07-15") < dated.index("2015-03-01") < dated.index("2008-06-20")

    titles = [d["title"] for d in get(client, "/api/documents", sort="title")["documents"]]
    assert titles == sorted(titles)


def test_offset_and_limit_page_through_the_sorted_list(client):
    whole = [d["id"] for d in get(client, "/api/documents", sort="date")["documents"]]
    pages = [get(client, "/api/documents", sort="date", offset=offset, limit=5) for offset in range(0, len(whole), 5)]
    assert len(pages) >= 2 and [d["id"] for p in pages for d in p["documents"]] == whole
    assert all(len(p["documents"]) == 5 for p in pages[:-1]) and all(p["matched"] == len(whole) for p in pages)
    assert get(client, "/api/documents", offset=50)["documents"] == []


def test_bad_document_list_parameters_are_422_with_a_message(client):
    assert "sort" in rejected(client, "/api/documents", sort="newest")
    assert "offset" in rejected(client, "/api/documents", offset=-1)
    assert "limit" in rejected(client, "/api/documents", limit=0)
    assert "year_from" in rejected(client, "/api/documents", year_from=2020, year_to=2010)
    assert "offset" in rejected(client, "/api/documents", offset="ten")


# -- search: pages, date order, facets ---------------------------------------------------------------


def test_search_pages_with_offset_are_the_same_clauses_as_one_long_page(client):
    q = {"q": "干部培训学时", "mode": "lexical"}
    whole = get(client, "/api/search", k=10, **q)
    first, second = get(client, "/api/search", k=5, **q), get(client, "/api/search", k=5, offset=5, **q)
    assert [r["id"] for r in first["results"] + second["results"]] == [r["id"] for r in whole["results"]]
    assert [r["rank"] for r in second["results"]] == [6, 7, 8, 9, 10]
    assert second["offset"] == 5 and second["matches"] == whole["matches"] >= 10
    assert second["confidence"] == whole["confidence"]  # the query's confidence does not depend on the page
    past = get(client, "/api/search", k=5, offset=whole["matches"], **q)
    assert past["results"] == [] and past["matches"] == whole["matches"]


def test_search_sorted_by_date_orders_the_same_matches_newest_first(client):
    q = {"q": "干部培训学时", "mode": "lexical", "k": 100}
    relevance, by_date = get(client, "/api/search", **q), get(client, "/api/search", sort="date", **q)
    assert by_date["sort"] == "date" and by_date["matches"] == relevance["matches"]
    assert {r["id"] for r in by_date["results"]} == {r["id"] for r in relevance["results"]}
    keys = [r["citation"]["date"] or (str(r["document_year"]) if r["document_year"] is not None else "")
            for r in by_date["results"]]
    assert keys == sorted(keys, reverse=True)
    assert by_date["results"][0]["citation"]["date"] == "2019-07-15" or by_date["results"][0]["document_year"] >= 2019
    assert [r["rank"] for r in by_date["results"]] == list(range(1, len(by_date["results"]) + 1))
    page_two = get(client, "/api/search", q="干部培训学时", mode="lexical", k=3, offset=3, sort="date")
    assert [r["id"] for r in page_two["results"]] == [r["id"] for r in by_date["results"][3:6]]


def test_search_facets_count_the_matches_of_the_query_and_narrow_with_the_filters(client):
    q = {"q": "干部培训学时", "mode": "lexical"}
    body = get(client, "/api/search", **q)
    for name in ("issuers", "doc_types", "years", "statuses"):
        assert sum(row["count"] for row in body["facets"][name]) == body["matches"], name
    in_force = counts(body["facets"]["statuses"]).get("现行有效", 0)
    assert in_force >= 2  # the 2015 notice and the 2019 opinion both answer
    narrowed = get(client, "/api/search", status="现行有效", k=50, **q)
    assert narrowed["matches"] == in_force and counts(narrowed["facets"]["statuses"]) == {"现行有效": in_force}
    assert {r["citation"]["doc_number"] for r in narrowed["results"]} == {"国办发〔2015〕12号", "中办发〔2019〕3号"}


def test_bad_search_paging_parameters_are_422_with_a_message(client):
    assert "sort" in rejected(client, "/api/search", q="培训", sort="newest")
    assert "offset" in rejected(client, "/api/search", q="培训", offset=-1)
    assert "offset" in rejected(client, "/api/search", q="培训", offset=100000)
    assert "offset" in rejected(client, "/api/search", q="培训", offset="2x")


# -- the CLI -----------------------------------------------------------------------------------------


def policykb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policykb.service.cli", *args], capture_output=True, text=True,
                          timeout=300)


def test_policykb_documents_lists_ids_dates_and_unknowns_as_dashes(index_dir):
    run = policykb("documents", "--index", str(index_dir), "--sort", "date")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    total = len(json.loads(policykb("documents", "--index", str(index_dir), "--json").stdout)["documents"])
    assert len(lines) == total and f"({total} documents" in run.stderr
    first = lines[0].split("  ")
    assert len(first[0]) == 12 and first[1] in ("2024-02-09", "2024（据标题）")
    notice = next(line for line in lines if "国办发〔2015〕12号" in line)
    assert "2015-03-01  通知  现行有效  2条  《国务院办公厅关于加强干部培训管理的通知》  国务院办公厅" in notice
    assert lines[-1].split("  ")[1] == "-"  # no date and no year: shown as unknown, not guessed

    listed = json.loads(policykb("documents", "--index", str(index_dir), "--status", "已废止", "--json").stdout)
    assert listed["matched"] == 1 and listed["documents"][0]["doc_number"] == "人发〔2008〕5号"
    missing = policykb("documents", "--index", str(index_dir / "nowhere"))
    assert missing.returncode == 1 and "policykb ingest" in missing.stderr
