"""中央与地方 side by side: a researcher asks what the 职业教育法 requires of a new 职业学校 and sees, beside the
national article, what each province's 实施办法 says, grouped by issuer level — over the repo's own fixtures
(the law in its 1996 and 2022 versions, 河南's 2010 measure, and a measure full of markup), through the
service, GET /api/compare/regions, `policykb regions` — and over ../shared/corpora/versions-and-regions.
Tiny model, so searches run in lexical mode (its dense ranking means nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from policykb.service.api.main import create_app
from policykb.service.config import Settings
from tests.fixture_builders import build_corpus_index

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpora" / "versions-and-regions"
QUESTION = "职业学校的设立应当具备哪些条件"
HENAN = "河南省实施《职业教育法》办法(2010-07-30).md"
# a province's measure that states no issuer and no date, with markup in its text
HOSTILE = ("# 湖北省实施《中华人民共和国职业教育法》办法\n\n<!-- INFO END -->\n\n"
           "第一条 为了实施《中华人民共和国职业教育法》，结合本省实际，制定本办法。\n\n"
           "第二条 设立职业学校，应当具备<script>alert(1)</script>法定的基本条件，并有<b>稳定</b>的经费来源。\n")
pytestmark = pytest.mark.slow  # builds a real index (tiny model)


# the corpus: the law in two versions, 河南's measure and the hostile one
REGIONS_FILES = (*sorted((REPO / "tests" / "fixtures" / "compare").glob("*.md")),
                 REPO / "tests" / "fixtures" / "relations" / HENAN)
REGIONS_EXTRA = {"湖北省实施《职业教育法》办法.md": HOSTILE}


@pytest.fixture(scope="module")
def regions_index(tmp_path_factory, tiny_model_path) -> Path:
    return build_corpus_index(tmp_path_factory, tiny_model_path, "regions", REGIONS_FILES, REGIONS_EXTRA)


@pytest.fixture(scope="module")
def client(regions_index):
    with TestClient(create_app(Settings(index=regions_index, request_timeout=300))) as c:
        yield c


@pytest.fixture(scope="module")
def body(client) -> dict:
    r = client.get("/api/compare/regions", params={"q": QUESTION, "mode": "lexical"})
    assert r.status_code == 200, r.text
    return r.json()


def rows_of(body: dict) -> dict[str, dict]:
    return {row["title"]: row for group in body["groups"] for row in group["rows"]}


def test_the_national_article_stands_beside_each_provinces_measure_grouped_by_level(body):
    assert [g["level"] for g in body["groups"]] == ["中央", "省"]
    national = body["national"]
    assert national["role"] == "national" and national["level"]["level"] == "中央"
    assert national["level"]["source"] == "issuer" and not national["level"]["inferred"]
    assert national["when"]["date"] == "2022-04-20" and national["clause"]["citation"]["label"] == "第三十三条"
    assert "职业学校的设立" in national["clause"]["text"]
    assert body["implementing"] == 2 and body["answering"] == 2
    henan = rows_of(body)["河南省实施《中华人民共和国职业教育法》办法"]
    assert henan["role"] == "implements" and henan["level"]["level"] == "省"
    assert henan["clause"]["citation"]["label"] == "第八条"  # 举办职业学校和职业培训机构，应当具备法定条件
    assert henan["clause"]["citation"]["file"] == HENAN


def test_a_measure_implementing_the_older_version_says_so_and_that_version_is_shown_too(body):
    henan = rows_of(body)["河南省实施《中华人民共和国职业教育法》办法"]
    assert henan["implemented_version"] == "1996-05-15" and henan["implemented_version_held"] is True
    central = next(g for g in body["groups"] if g["level"] == "中央")["rows"]
    assert {r["when"]["date"] for r in central} == {"1996-05-15", "2022-04-20"}
    assert central[0]["role"] == "national"  # the document whose clause answered best leads its group
    older = next(r for r in central if r["when"]["date"] == "1996-05-15")
    assert older["document_id"] == henan["implemented_document_id"]
    assert older["clause"]["citation"]["label"] == "第二十四条"  # 职业学校的设立，必须符合下列基本条件


def test_an_undated_measure_with_no_issuer_is_placed_by_its_title_and_says_so(body):
    hubei = rows_of(body)["湖北省实施《中华人民共和国职业教育法》办法"]
    assert hubei["level"] == {"level": "省", "label": "省级（含直辖市、自治区）（据标题推断）", "source": "title",
                              "text": "湖北省实施《中华人民共和国职业教育法》办法", "inferred": True}
    assert hubei["implemented_version"] is None and hubei["when"]["known"] is False
    assert "无法判定" in hubei["evidence"]


def test_markup_in_a_measure_comes_back_escaped_in_its_highlights(body):
    hubei = rows_of(body)["湖北省实施《中华人民共和国职业教育法》办法"]
    html = hubei["clause"]["highlights"]["html"]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<b>" not in html


def test_naming_the_national_document_and_the_traditional_script(client, body):
    older = body["groups"][0]["rows"][1]["document_id"]
    r = client.get("/api/compare/regions", params={"q": QUESTION, "mode": "lexical", "document": older,
                                                   "script": "hant"})
    assert r.status_code == 200, r.text
    named = r.json()
    assert named["national"]["document_id"] == older and named["script"] == "hant"
    assert "職業學校" in named["national"]["clause"]["text"]


def test_a_question_no_national_document_answers_has_no_rows(client):
    body = client.get("/api/compare/regions", params={"q": "量子计算机的散热方案", "mode": "lexical"}).json()
    assert body["national"] is None and body["groups"] == []


@pytest.mark.parametrize("params, status, field", [
    ({}, 422, "q"), ({"q": "  "}, 422, "q"), ({"q": "学" * 257}, 422, "q"), ({"q": QUESTION, "mode": "fuzzy"}, 422, "mode"),
    ({"q": QUESTION, "document": "<script>"}, 422, "document"), ({"q": QUESTION, "document": "nosuchdoc"}, 404, "document"),
])
def test_bad_parameters_are_4xx_naming_them(client, params, status, field):
    r = client.get("/api/compare/regions", params=params)
    assert r.status_code == status, r.text
    assert field in json.dumps(r.json(), ensure_ascii=False)


def test_the_cli_prints_the_groups_and_each_measures_clause(regions_index, capsys):
    from policykb.service.cli import main

    assert main(["regions", QUESTION, "--index", str(regions_index), "--mode", "lexical"]) == 0
    out = capsys.readouterr().out
    assert "2 measure(s) in the index implement 《中华人民共和国职业教育法》" in out
    assert out.index("【中央】") < out.index("【省级（含直辖市、自治区）】")
    assert "implements the 1996-05-15 text in the index" in out and "第八条" in out
    assert main(["regions", QUESTION, "--index", str(regions_index), "--mode", "lexical", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["implementing"] == 2
    assert main(["regions", QUESTION, "--index", str(regions_index), "--document", "nosuchdoc"]) == 2
    assert "no document with id 'nosuchdoc'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def shared_index(tmp_path_factory, tiny_model_path) -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (it ships beside the repo, not in it)")
    return build_corpus_index(tmp_path_factory, tiny_model_path, "regions-shared", sorted(SHARED.glob("*.md")))


def test_the_archives_law_beside_its_state_council_regulation_and_two_provinces(shared_index):
    """档案馆 opening archives to the public: 档案法 第二十七条, with what the 实施条例, 北京 and 浙江 say."""
    from policykb.search.knowledge_base import KnowledgeBase
    from policykb.service.regions import regions

    view = regions(KnowledgeBase.load(shared_index), "档案馆的档案应当自形成之日起满多少年向社会开放",
                   mode="lexical")
    assert view.national.title == "中华人民共和国档案法" and view.national.clause.citation.label == "第二十七条"
    by_title = {row.title: row for row in view.rows}
    measures = {t for t, row in by_title.items() if row.role == "implements"}
    assert measures == {"中华人民共和国档案法实施办法", "中华人民共和国档案法实施条例",
                        "北京市实施《中华人民共和国档案法》办法", "浙江省实施《中华人民共和国档案法》办法"}
    assert by_title["北京市实施《中华人民共和国档案法》办法"].level.level == "省"
    assert by_title["中华人民共和国档案法实施办法"].level.level == "部委"  # 国家档案局
    assert by_title["中华人民共和国档案法实施条例"].implemented_version == "2020-06-20"
    assert by_title["浙江省实施《中华人民共和国档案法》办法"].implemented_version_held is False  # the 2016 text
    old_rules = by_title["中华人民共和国档案法实施办法"].clause  # its own 开放 rule: 满30年
    assert old_rules.citation.label == "第十九条" and "满30年向社会开放" in old_rules.text
    assert [g.level for g in view.groups][0] == "中央" and [g.level for g in view.groups][-1] == "省"


def test_womens_rights_measures_implement_versions_the_index_lacks(shared_index):
    from policykb.search.knowledge_base import KnowledgeBase
    from policykb.service.regions import regions

    view = regions(KnowledgeBase.load(shared_index), "妇女享有与男子平等的劳动权利", mode="lexical")
    assert view.national.title == "中华人民共和国妇女权益保障法"
    local = {row.title: row for row in view.rows if row.role == "implements"}
    assert set(local) == {"上海市实施《中华人民共和国妇女权益保障法》办法", "河南省实施《中华人民共和国妇女权益保障法》办法"}
    assert local["河南省实施《中华人民共和国妇女权益保障法》办法"].implemented_version == "2005-08-28"
    assert all(row.implemented_version_held is False for row in local.values())
    # no row for a version no measure implements: the other version of the law in the index is not shown
    assert [row.role for row in view.rows].count("implemented_version") == 0
