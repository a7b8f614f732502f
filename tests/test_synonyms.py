"""Synonyms: a question in one word finds a provision written with its synonym (search/synonyms.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykb.search.synonyms import MAX_SET_WORDS, Thesaurus, thesaurus

PLAN = """关于加强基层干部教育培训工作的意见

一、推动资源向基层倾斜
鼓励高校采取派教师到基层办班授课等方式，与欠发达地区开展结对帮扶。
二、创新学习方式
农村党员利用冬春农闲季节集中学习，每年不少于一次。
"""


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory, tiny_model_path):
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths
    from policykb.search.knowledge_base import KnowledgeBase

    corpus = tmp_path_factory.mktemp("plan")
    (corpus / "plan.txt").write_text(PLAN, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("index")
    build_index(ingest_paths([corpus]), index_dir, model=str(Path(tiny_model_path)), progress=None)
    return KnowledgeBase.load(index_dir)


def test_a_question_saying_daxue_finds_the_clause_that_says_gaoxiao_and_marks_it(small_kb):
    # lexical mode: the tiny test model is untrained, so only BM25 can find the clause
    response = small_kb.search("大学能起什么作用", k=5, mode="lexical")
    assert "高校" in response.synonyms
    assert response.results, "the clause written with 高校 was not found"
    top = response.results[0]
    assert "鼓励高校" in top.text
    assert "<mark>高校</mark>" in top.highlights.html
    assert response.to_dict()["synonyms"] == response.synonyms


def test_synonyms_do_not_count_as_covering_the_question(small_kb):
    # the clause has 高校, not 大学: its coverage comes from the query's own words only
    with_synonym = small_kb.search("大学", k=1, mode="lexical").results[0]
    own_word = small_kb.search("高校", k=1, mode="lexical").results[0]
    assert with_synonym.id == own_word.id
    assert with_synonym.confidence < own_word.confidence


def test_dense_mode_searches_no_synonyms(small_kb):
    assert small_kb.search("大学能起什么作用", k=3, mode="dense").synonyms == []


def test_the_thesaurus_keeps_tight_synonym_sets_of_words_and_drops_loose_sets_and_single_characters():
    synonyms = thesaurus().synonyms
    assert "高校" in synonyms["大学"] and "大学" in synonyms["高校"]
    assert "课时" in synonyms["学时"]
    assert "培训" not in synonyms  # its set (培养, 造就, 栽培, 树, 养…) is too loose to search with
    assert all(len(s) >= 2 for others in synonyms.values() for s in others)


def test_expansion_leaves_out_the_query_s_own_words_and_repeats_nothing():
    t = Thesaurus.from_sets({"Dm05A05=": {"高等学校", "大学", "高校"}, "Xx01A01#": {"大学", "学府"}}, "test")
    assert t.expand(["大学", "高校"]) == ["高等学校"]
    assert t.expand(["大学"], exclude={"高校"}) == ["高等学校"]
    assert t.expand(["大学", "高等学校"]) == ["高校"]
    assert "学府" not in t.synonyms.get("大学", ())  # a `#` set is related things, not synonyms


def test_a_word_of_two_senses_is_not_expanded_but_its_synonyms_of_one_sense_are():
    # 要求 = requirement and = need: the union would search 需要 for a requirement
    t = Thesaurus.from_sets({"Df07B01=": {"需要", "需求", "要求"}, "Gb04B01=": {"要求", "讲求", "务求"}}, "test")
    assert t.expand(["要求"]) == []
    assert t.expand(["需求"]) == ["要求", "需要"]
    assert "要求" not in thesaurus().synonyms and "多少" not in thesaurus().synonyms


def test_a_set_larger_than_the_limit_links_nothing():
    loose = {f"词{i:02d}" for i in range(MAX_SET_WORDS + 1)}
    assert Thesaurus.from_sets({"Zz01A01=": loose}, "test").synonyms == {}
    tight = set(sorted(loose)[:MAX_SET_WORDS])
    assert len(Thesaurus.from_sets({"Zz01A01=": tight}, "test").synonyms) == MAX_SET_WORDS
