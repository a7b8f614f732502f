"""Highlights pick out what answers: the rare query words and the figure the question asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykb.search.highlight import QueryMarks, asked_units, highlight

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
QUESTION = "基层干部每年培训不少于多少学时"


@pytest.fixture(scope="module")
def kb(tmp_path_factory, tiny_model_path):
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths
    from policykb.search.knowledge_base import KnowledgeBase

    index_dir = tmp_path_factory.mktemp("seed-index")
    build_index(ingest_paths([CORPUS]), index_dir, model=tiny_model_path, progress=None)
    return KnowledgeBase.load(index_dir)


def marked(result) -> list[str]:
    return [result.text[a:b] for a, b in result.highlights.spans]


def test_the_hours_figure_is_marked_and_the_words_every_clause_has_are_not(kb):
    results = kb.search(QUESTION, k=10, mode="lexical").results
    answer = next(r for r in results if "每年参加各类学习培训的时间累计一般不少于100学时" in r.text)
    assert any("100学时" in m for m in marked(answer))
    assert any("基层干部" in m for m in marked(answer))
    for result in results:  # 干部 and 培训 are in most clauses of a training corpus: never marked on their own
        assert not {"干部", "培训", "干部培训"} & set(marked(result)), marked(result)
    full_width = next(r for r in results if "不少于２４学时" in r.text)
    assert any("２４学时" in m for m in marked(full_width))


def test_a_figure_is_marked_only_with_the_unit_asked_for_and_a_year_is_not_a_duration():
    text = "科级以下干部累计3个月或者550学时以上的培训，2014年前完成，任职培训应在任职一年内完成。"
    hours = highlight(text, [], question=QUESTION)
    assert [text[a:b] for a, b in hours.spans] == ["550学时"]
    how_long = highlight(text, [], question="任职培训要在多长时间内完成")
    assert [text[a:b] for a, b in how_long.spans] == ["3个月", "550学时", "一年"]
    assert highlight(text, [], question="任职培训的要求").spans == []  # no 多少/几: no figure marked


@pytest.mark.parametrize("question, unit", [
    ("每年要参加几次培训", "次"), ("基层干部每年培训不少于多少学时", "学时"), ("需要多少个课时", "课时"),
    ("經費不少於多少萬元", "万元"), ("要培训多少台班", "台班"),
])
def test_the_unit_of_the_asked_figure_is_read_from_the_question(question, unit):
    assert unit in asked_units(question)


def test_a_traditional_full_width_clause_gets_its_figure_and_rare_words_marked_on_escaped_text():
    text = "<b>鄉鎮幹部</b>每年參加培訓累計不少於１２天"
    marks = QueryMarks(["乡镇干部", "乡镇", "干部", "培训"], weights={"乡镇干部": 4.0, "乡镇": 3.5, "干部": 0.6,
                                                                   "培训": 0.4}, question="乡镇干部每年培训多少天")
    result = marks.highlight(text)
    assert [text[a:b] for a, b in result.spans] == ["鄉鎮幹部", "１２天"]
    assert result.html.startswith("&lt;b&gt;<mark>鄉鎮幹部</mark>&lt;/b&gt;")
    assert "<mark>１２天</mark>" in result.html and "<b>" not in result.html


def test_a_query_of_common_words_alone_still_marks_its_rarest_word():
    text = "各级党组织要重视干部教育培训工作。"
    result = highlight(text, ["干部", "教育", "培训"], weights={"干部": 0.6, "教育": 0.62, "培训": 0.43})
    assert [text[a:b] for a, b in result.spans] == ["干部教育培训"]  # all three are about as common
