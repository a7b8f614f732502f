"""Filters that never hide the answer silently: inferred years, either script, empty and inverted filters.

The index holds the bundled corpus plus a notice of 国务院 in simplified characters and a
regulation of 國務院 in traditional ones, so an issuer and a type are written both ways.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
NOTICE = """国务院关于加强公务员培训工作的通知
国发〔2018〕12号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：

一、培训要求

公务员每年参加脱产培训的时间累计不少于12天。

二、组织实施

各地区各部门要把公务员培训纳入年度工作计划。

国务院
2018年3月1日
"""
RULES_TRADITIONAL = """國務院關於公務員在職培訓的規定

一、總則

公務員在職培訓應當堅持理論聯繫實際、按需施教。

二、培訓時間

公務員在職培訓每年累計不少於十天。

國務院
2019年5月1日
"""
SEED_002 = "002_e058e02591a1b2b6.txt"

pytestmark = pytest.mark.slow  # builds a real index (tiny model)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, tiny_model_path) -> Path:
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths

    corpus = tmp_path_factory.mktemp("corpus")
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, corpus / path.name)
    (corpus / "guowuyuan_notice.txt").write_text(NOTICE, encoding="utf-8")
    (corpus / "guowuyuan_rules_zh-tw.txt").write_text(RULES_TRADITIONAL, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("index")
    build_index(ingest_paths([corpus]), index_dir, model=tiny_model_path, progress=None)
    return index_dir


@pytest.fixture(scope="module")
def client(index_dir):
    from policykb.service.api.main import create_app
    from policykb.service.config import Settings

    with TestClient(create_app(Settings(index=index_dir, request_timeout=300))) as c:
        yield c


def search(client, **params) -> dict:
    response = client.get("/api/search", params={"mode": "lexical", "k": 50, **params})
    assert response.status_code == 200, response.text
    return response.json()


def files_of(body: dict) -> set[str]:
    return {r["file"] for r in body["results"]}


def test_an_undated_document_lists_the_year_its_doc_number_gives_and_says_it_is_inferred(client):
    docs = {d["file"]: d for d in client.get("/api/documents").json()["documents"]}
    plan = docs[SEED_002]
    assert plan["date"] is None  # the text states no date: none is made up
    assert plan["year"] == 2009
    assert plan["year_source"] == {"field": "doc_number", "text": "中共中央办公厅（2009年23号）", "line": 3,
                                   "inferred": True}
    assert docs["guowuyuan_notice.txt"]["year_source"]["inferred"] is False
    assert docs["004_85b088c42286e0b9.txt"]["year"] is None and docs["004_85b088c42286e0b9.txt"]["year_source"] is None


def test_a_year_filter_keeps_a_document_whose_year_is_inferred_and_counts_the_undated_it_left_out(client):
    body = search(client, q="新党员集中培训", year_from=2009, year_to=2009)
    assert SEED_002 in files_of(body)  # before: 002 has no date, so every year filter hid it
    hit = next(r for r in body["results"] if r["file"] == SEED_002)
    assert hit["document_year"] == 2009 and hit["document_year_source"]["field"] == "doc_number"
    assert hit["citation"]["date"] is None
    # 004 states no date and no year anywhere: the filter leaves it out, and says so
    assert body["filters"] == {"documents": 1, "total": 11, "undated_left_out": 1}


def test_issuers_and_types_are_one_facet_row_and_one_filter_whatever_the_script(client):
    facets = client.get("/api/documents").json()["facets"]
    issuers = {row["value"]: row["count"] for row in facets["issuers"]}
    assert issuers.get("国务院", issuers.get("國務院")) == 2
    assert not ("国务院" in issuers and "國務院" in issuers)
    for written in ("国务院", "國務院"):
        assert files_of(search(client, q="公务员培训", issuer=written)) == \
            {"guowuyuan_notice.txt", "guowuyuan_rules_zh-tw.txt"}
    assert files_of(search(client, q="公务员培训", doc_type="規定")) == {"guowuyuan_rules_zh-tw.txt"}
    assert files_of(search(client, q="公务员培训", doc_type="规定")) == {"guowuyuan_rules_zh-tw.txt"}


def test_facets_shown_in_traditional_still_filter(client):
    facets = client.get("/api/documents", params={"script": "hant"}).json()["facets"]
    issuer = next(row["value"] for row in facets["issuers"] if row["value"] in ("國務院",))
    assert files_of(search(client, q="公务员培训", issuer=issuer)) == {"guowuyuan_notice.txt", "guowuyuan_rules_zh-tw.txt"}


def test_a_filter_that_leaves_no_document_says_so_rather_than_finding_nothing(client):
    body = search(client, q="公务员培训", issuer="不存在的机关")
    assert body["results"] == []
    assert body["filters"] == {"documents": 0, "total": 11, "undated_left_out": 0}
    assert search(client, q="公务员培训")["filters"] is None  # unfiltered: nothing to report


def test_an_inverted_year_range_is_a_422_that_names_the_fix(client):
    response = client.get("/api/search", params={"q": "培训", "year_from": 2015, "year_to": 2010})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert "year_from 2015 is after year_to 2010" in error["message"] and "2010–2015" in error["message"]
    assert error["detail"][0]["loc"] == ["query", "year_from"]


def test_the_cli_refuses_an_inverted_year_range_with_the_same_message(index_dir):
    run = subprocess.run([sys.executable, "-m", "policykb.service.cli", "search", "培训", "--index", str(index_dir),
                          "--year-from", "2015", "--year-to", "2010"], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 2
    assert "year_from 2015 is after year_to 2010" in run.stderr
