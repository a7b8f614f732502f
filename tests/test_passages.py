"""Long clauses are cut at sentence ends into passages that still cite their clause."""

import re
from pathlib import Path

import pytest

from policykb.ingest.model import Clause
from policykb.text.normalize import search_form
from policykb.ingest.passages import cut_passages

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (seeds) is not present")
SEED_001 = "001_cb65ab459c5c236d.txt"


def clause_of_lines(lines: list[str], first: int, last: int) -> Clause:
    text = "\n".join(lines[first - 1:last])
    return Clause(id="c1", document_id="d1", ordinal=1, kind="item", label=None, heading=None,
                  section_path=[], text=text, search_text=search_form(text), line_start=first, line_end=last)


def no_space(s: str) -> str:
    return re.sub(r"\s", "", s)


def test_a_clause_within_the_limit_needs_no_passages():
    c = clause_of_lines(["（一）指导思想。以科学发展观为统领。"], 1, 1)
    assert cut_passages(c) == []


@needs_shared
def test_a_long_seed_clause_is_cut_at_sentence_ends_without_losing_text():
    lines = (SHARED / "seeds" / SEED_001).read_text(encoding="utf-8").splitlines()
    c = clause_of_lines(lines, 219, 219)
    assert len(c.text) > 600
    passages = cut_passages(c, max_chars=200)
    assert len(passages) >= 4
    assert no_space("".join(p.text for p in passages)) == no_space(c.text)
    for p in passages:
        assert len(p.text) <= 200
        assert p.clause_id == "c1" and p.line_start == p.line_end == 219
        assert p.search_text == search_form(p.text)
    assert all(re.search(r"[。；！？]”?$", p.text) for p in passages[:-1])
    assert [p.index for p in passages] == list(range(len(passages)))


@needs_shared
def test_passages_of_a_multi_line_clause_carry_their_own_source_lines():
    lines = (SHARED / "seeds" / SEED_001).read_text(encoding="utf-8").splitlines()
    c = clause_of_lines(lines, 12, 35)
    passages = cut_passages(c, max_chars=300)
    assert len(passages) > 3
    previous_end = 11
    for p in passages:
        assert c.line_start <= p.line_start <= p.line_end <= c.line_end
        assert p.line_start >= previous_end  # in order; a line may end one passage and start the next
        source = "\n".join(lines[p.line_start - 1:p.line_end])
        assert p.text in source
        previous_end = p.line_end
    assert passages[-1].line_end == 35


def test_a_sentence_longer_than_the_limit_is_cut_at_commas():
    sentence = "，".join(["坚持把增强党性作为第一任务"] * 30) + "。"
    c = clause_of_lines([sentence], 1, 1)
    passages = cut_passages(c, max_chars=100)
    assert len(passages) >= 4
    assert all(len(p.text) <= 100 for p in passages)
    assert all(p.text.endswith(("，", "。")) for p in passages)
    assert "".join(p.text for p in passages) == sentence


def test_text_without_any_punctuation_is_still_cut_within_the_limit():
    c = clause_of_lines(["党员教育培训" * 100], 1, 1)
    passages = cut_passages(c, max_chars=120)
    assert all(len(p.text) <= 120 for p in passages)
    assert "".join(p.text for p in passages) == c.text
