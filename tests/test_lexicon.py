"""The lay-to-legal lexicon: everyday words in a question bring the law's words to BM25."""

import pytest

from policykb.text.lexicon import Lexicon, lexicon


def test_the_bundled_lexicon_maps_everyday_words_to_the_words_the_law_uses():
    lex = lexicon()
    assert "配偶" in lex.legal_terms("老公欠的钱我要不要还")
    assert "劳动报酬" in lex.legal_terms("公司拖欠工资怎么办")
    assert "解除劳动合同" in lex.legal_terms("被公司辞退了能拿补偿吗")
    assert "有期徒刑" in lex.legal_terms("偷东西会坐牢吗")
    assert lex.legal_terms("国务院关于在线政务服务的若干规定") == []


def test_the_longest_expression_wins_and_words_the_question_has_are_not_added():
    lex = Lexicon.parse("快递\t运输 承运人\n快递公司\t承运人\n寄快递\t托运人 运输\n")
    # 快递公司 covers its 快递: the shorter entry inside it is not used as well
    assert lex.legal_terms("快递公司弄丢了我的东西") == ["承运人"]
    assert lex.legal_terms("寄快递丢了") == ["托运人", "运输"]
    assert lex.legal_terms("承运人的快递") == ["运输"]


def test_a_malformed_line_is_named_with_its_number():
    with pytest.raises(ValueError, match="line 2"):
        Lexicon.parse("# comment\n老公 配偶\n")


def test_the_record_changes_when_the_lexicon_changes():
    a = Lexicon.parse("老公\t配偶\n")
    b = Lexicon.parse("老公\t配偶 夫妻\n")
    assert a.record["name"] == b.record["name"]
    assert a.record["sha256"] != b.record["sha256"]
