"""jieba-style tokens (rjieba) with the policy dictionary: domain terms stay whole, noise is dropped."""

import re
from pathlib import Path

import pytest

from policykb.text.normalize import search_form, to_traditional
from policykb.text.tokens import SEGMENTER_NAME, Segmenter, dictionary_hash, segmenter, tokenize

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (seeds) is not present")


def _seed_sentence_with(term: str) -> str:
    """A real sentence (up to 。；) of a simplified seed that contains term."""
    for path in sorted((SHARED / "seeds").glob("00[0-3]_*.txt")):
        for sentence in re.split(r"[。；\n]", path.read_text(encoding="utf-8")):
            if term in sentence:
                return sentence
    raise AssertionError(f"no seed sentence contains {term}")


@needs_shared
@pytest.mark.parametrize("term", ["干部教育培训", "脱产培训", "党性教育", "组工干部", "学时"])
def test_policy_terms_come_out_whole_from_real_seed_sentences(term):
    sentence = _seed_sentence_with(term)
    assert term in tokenize(search_form(sentence)), sentence


def test_long_terms_also_give_their_parts_so_shorter_queries_match():
    tokens = tokenize(search_form("组工干部教育培训要坚持全员培训"))
    for part in ["组工干部教育培训", "组工干部", "干部教育培训", "教育培训", "干部", "培训", "全员培训"]:
        assert part in tokens


def test_a_number_stays_apart_from_its_unit():
    tokens = tokenize(search_form("每年参加各类学习培训的时间累计一般不少于100学时"))
    assert "100" in tokens and "学时" in tokens
    assert "16" in tokenize(search_form("脱产培训时间不少于１６学时"))


def test_stopwords_punctuation_and_spaces_are_dropped_and_latin_is_lowercased():
    tokens = tokenize(search_form("党员的教育，和 ISO 9001 认证。"))
    assert "的" not in tokens and "和" not in tokens
    assert not any(t in {"，", "。", " "} for t in tokens)
    assert "iso" in tokens and "9001" in tokens


def test_prohibitions_are_not_treated_as_stopwords():
    assert "不得" in tokenize(search_form("不得以任何名义收取费用"))


def test_traditional_input_tokenizes_like_the_simplified():
    simplified = "乡镇党政领导干部每年参加各类学习培训的时间累计一般不少于100学时，组工干部要加强党性教育"
    traditional = to_traditional(simplified)
    assert traditional != simplified
    assert tokenize(search_form(traditional)) == tokenize(search_form(simplified))


@needs_shared
def test_seed_004_taiwan_style_text_gives_mainland_tokens():
    text = (SHARED / "seeds" / "004_85b088c42286e0b9.txt").read_text(encoding="utf-8")
    tokens = set(tokenize(search_form(text)))
    assert {"干部教育培训", "信息", "联系实际"} <= tokens
    assert "资讯" not in tokens


def test_the_policy_dictionary_stays_inside_policykbs_segmenter():
    import rjieba

    assert segmenter().engine.has_word("组工干部教育培训")
    assert not rjieba.Jieba().has_word("组工干部教育培训")


def test_a_query_for_one_year_meets_a_clause_naming_a_range_of_years():
    tokens = tokenize(search_form("《2013-2017年全国干部教育培训规划》第1.2.1项"))
    assert {"2013", "2017", "干部教育培训"} <= set(tokens)
    assert "2013-2017" not in tokens and "1.2" in tokens


def test_words_of_a_dictionary_entry_with_symbols_stay_whole():
    assert "c++" in tokenize(search_form("掌握C++编程"))


def test_rjieba_gives_the_same_tokens_as_python_jieba_on_the_bundled_corpus():
    """The switch from jieba to rjieba (12x faster) must not change what the index holds."""
    from benchmarks.segmentation import corpus_lines, jieba_segmenter

    lines = corpus_lines([Path(__file__).resolve().parents[1] / "corpus"])
    assert len(lines) > 300
    ours, reference = Segmenter.load(), jieba_segmenter()
    differing = [line for line in lines if ours.tokenize(line) != reference.tokenize(line)]
    assert differing == []


def test_the_dictionary_hash_names_the_segmentation():
    h = dictionary_hash()
    assert re.fullmatch(r"[0-9a-f]{16}", h)
    assert dictionary_hash() == h
    assert SEGMENTER_NAME


def test_a_fresh_segmenter_tokenizes_the_same_as_the_shared_one():
    text = search_form("干部教育培训机构要建设师资库，推行菜单式选学和错峰调训")
    assert Segmenter.load().tokenize(text) == tokenize(text)
    assert {"师资库", "菜单式选学", "错峰调训"} <= set(tokenize(text))
