"""Numbering schemes and the ladder inferred from their order, on short real texts."""

from __future__ import annotations

import pytest

from policykb.ingest.clauses import BodyLine, parse_clauses
from policykb.ingest.numbering import detect
from policykb.ingest.numbering.markup import LineMarkup


@pytest.mark.parametrize("line, style, label", [
    ("一、指导思想和基本要求", "cn_dun", "一、"),
    ("（二)总体要求", "cn_paren", "（二)"),
    ("(一)指导思想", "cn_paren", "(一)"),
    ("１．坚持把增强党性作为第一任务", "ar_dot", "１．"),
    ("1、坚持围绕中心，服务大局。", "ar_dot", "1、"),
    ("（3）反应及时、处置果断。", "ar_paren", "（3）"),
    ("①建立健全培训制度", "circled", "①"),
    ("第一章 总则", "article_章", "第一章"),
    ("第十五条 公务员的管理", "article_条", "第十五条"),
    ("1.2.1　国家级（Ⅰ级）：两个以上省", "decimal3", "1.2.1"),
    ("——党性教育更加扎实", "dash", "——"),
])
def test_each_numbering_scheme_is_recognised(line, style, label):
    marker = detect(line)
    assert marker is not None and marker.style == style and marker.label == label


@pytest.mark.parametrize("line", [
    "第十条规定的情形，依照本法处理。",      # a reference that happens to open a line
    "第三条、第五条所列人员",
    "2024年全国干部教育培训规划",          # a year is not an item number
    "1.5万名基层干部参加培训",             # nor a decimal amount
    "十一五期间人事人才工作",
    "一是加强理论武装",
])
def test_references_years_and_amounts_are_not_numbering(line):
    assert detect(line) is None


def _body(lines):
    return [BodyLine(n, LineMarkup(t)) for n, t in enumerate(lines, 1)]


def test_the_ladder_follows_the_order_styles_first_appear():
    # plans nest 一、 › （一） › 1.; a later 一、-style line closes the deeper levels
    clauses = parse_clauses("doc", _body([
        "一、总体要求", "（一）指导思想", "坚持服务大局。", "（二）基本原则",
        "1.坚持按需施教。", "2.坚持从严管理。", "二、主要任务", "加强理论教育。",
    ]))
    by_text = {c.text: c for c in clauses}
    assert by_text["2.坚持从严管理。"].section_path == ["一、总体要求", "（二）基本原则"]
    assert by_text["加强理论教育。"].section_path == ["二、主要任务"]
    assert by_text["坚持服务大局。"].label == "第1段"


def test_a_document_that_nests_the_other_way_round_is_read_its_own_way():
    # some notices put 1. above （一）: the ladder is per document, not fixed
    clauses = parse_clauses("doc", _body(["1.工作目标", "（一）到2020年", "建成体系。", "2.保障措施", "（一）加强领导"]))
    assert clauses[2].section_path == ["1.工作目标", "（一）到2020年"]
    assert clauses[4].section_path == ["2.保障措施"]


def test_in_a_law_items_and_paragraphs_stay_inside_their_article():
    clauses = parse_clauses("law", _body([
        "第一章 总则", "第一条 为了规范管理，制定本条例。",
        "第二条 有下列情形之一的，不得录用：", "（一）因犯罪受过刑事处罚的；", "（二）被开除公职的。",
        "前款规定的人员，不得报考。", "第二章 录用", "第三条 录用公务员，采取公开考试。",
    ]))
    articles = [c for c in clauses if c.kind == "article"]
    assert [a.label for a in articles] == ["第一条", "第二条", "第三条"]
    assert articles[1].text.count("\n") == 3 and articles[1].line_end == 6
    assert articles[2].section_path == ["第二章 录用"]


def test_clause_ids_do_not_change_when_text_elsewhere_changes():
    before = parse_clauses("doc", _body(["一、目标", "建成体系。", "二、措施", "加强领导。"]))
    after = parse_clauses("doc", _body(["一、目标", "建成更完善的体系。", "二、措施", "加强领导。"]))
    assert before[3].id == after[3].id
