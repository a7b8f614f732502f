"""Confidence: how much of the question a clause covers, word by word (search/confidence.py).

Unit-level checks of the coverage rule with the real segmenter; how well confidence
separates answerable from unanswerable questions is measured in test_search.py and
test_search_laws.py.
"""

from __future__ import annotations

import pytest

from policykb.text.normalize import search_form
from policykb.text.tokens import words
from policykb.search.confidence import Evidence, coverage, query_words


def evidence_for(question: str, idf: dict[str, float]) -> Evidence:
    cut = words(search_form(question))
    return Evidence(query_tokens=[t for _, ts in cut for t in ts], lexical={}, dense={}, words=query_words(cut, idf))


def test_a_word_the_clause_lacks_earns_the_share_of_its_characters_the_clause_has():
    # 出境 (leave the country) against a clause about 境外 training: one of its two characters
    ev = evidence_for("干部出境培训", {"干部": 1.0, "出境": 2.0, "培训": 1.0})
    assert coverage("有计划地组织干部赴境外培训考察", ev) == pytest.approx((1.0 + 2.0 * 0.5 + 1.0) / 4.0)


def test_a_long_word_counts_once_and_its_sub_words_give_partial_credit():
    idf = {"差旅费": 3.0, "差旅": 2.0, "旅费": 2.0, "报销": 1.0, "标准": 1.0, "多少": 1.0}
    ev = evidence_for("差旅费报销标准是多少", idf)
    assert [w.text for w in ev.words] == ["差旅费", "报销", "标准", "多少"]
    # the clause has 旅费 (half of 差旅费's sub-word idf) and 标准
    assert coverage("按照规定标准报销旅费", ev) == pytest.approx((3.0 * 0.5 + 1.0 + 1.0) / 6.0)
    # a clause naming none of the query's words covers nothing
    assert coverage("加强师资队伍建设", ev) == 0.0


def test_a_query_of_stopwords_only_covers_nothing_rather_than_dividing_by_zero():
    ev = evidence_for("的和与", {})
    assert ev.words == [] and coverage("任何条文", ev) == 0.0


def test_a_number_the_clause_lacks_earns_nothing_for_the_digits_it_shares():
    # 120 学时 asked, 100 学时 written: the digits 1 and 0 are no evidence of the answer
    ev = evidence_for("每年培训不少于120学时", {"每年": 1.0, "培训": 1.0, "不少": 1.0, "少于": 1.0,
                                           "不少于": 1.0, "120": 2.0, "学时": 1.0})
    number = next(w for w in ev.words if w.text == "120")
    assert coverage("每年培训不少于100学时", ev) == pytest.approx(1.0 - number.weight / sum(w.weight for w in ev.words))
