"""Near-duplicate clauses are linked in one group; clauses that merely share words are not."""

import random
from pathlib import Path

import pytest

from policykb.ingest.duplicates import group_near_duplicates
from policykb.ingest.model import Clause

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (seeds and corpora) is not present")
SEED_000 = "000_3adddd7c9c291dd6.txt"
SEED_001 = "001_cb65ab459c5c236d.txt"


def clause(cid: str, text: str, kind: str = "paragraph", line: int = 1) -> Clause:
    return Clause(id=cid, document_id=cid.split(":")[0], ordinal=line, kind=kind, label=None, heading=None,
                  section_path=[], text=text, search_text="", line_start=line, line_end=line)


def line_clauses(name: str, first: int, last: int, doc: str) -> list[Clause]:
    """One clause per non-empty source line first..last (1-based) of a seed file."""
    lines = (SHARED / "seeds" / name).read_text(encoding="utf-8").splitlines()
    return [clause(f"{doc}:{n}", lines[n - 1], line=n) for n in range(first, last + 1) if lines[n - 1].strip()]


@needs_shared
def test_the_two_versions_of_the_personnel_plan_in_seed_001_pair_up():
    first = line_clauses(SEED_001, 10, 35, "001-1")  # 第一篇, body of the plan
    second = line_clauses(SEED_001, 39, 64, "001-2")  # 第二篇, the other version
    groups = group_near_duplicates(first + second)
    by_line = {c.id: c for c in first + second}
    # 年度培训计划 vs 培训计划, and full-width vs half-width brackets
    assert by_line["001-1:35"].duplicate_group == by_line["001-2:64"].duplicate_group is not None
    # 企事业单位 vs 企事单位 sits in the 2、切实做好全员培训 item
    assert by_line["001-1:23"].duplicate_group == by_line["001-2:52"].duplicate_group is not None
    long_first = [c for c in first if len(c.text) >= 40]
    assert all(c.duplicate_group for c in long_first)
    for members in groups.values():
        assert len(members) == 2
        assert {m.split(":")[0] for m in members} == {"001-1", "001-2"}


@needs_shared
def test_clauses_that_share_only_one_sentence_stay_apart_but_the_sentence_itself_groups():
    para_000 = line_clauses(SEED_000, 80, 80, "000")[0]
    para_001 = line_clauses(SEED_001, 245, 245, "001-5")[0]
    shared_sentence = "地方各级党委留存的党费要对基层党员干部教育培训给予适当补贴。"
    assert shared_sentence in para_000.text and shared_sentence in para_001.text
    assert group_near_duplicates([para_000, para_001]) == {}

    as_clauses = [clause("000:80", shared_sentence, line=80), clause("001-5:245", shared_sentence, line=245)]
    groups = group_near_duplicates(as_clauses)
    assert list(groups.values()) == [["000:80", "001-5:245"]]


@needs_shared
def test_law_articles_that_share_liability_boilerplate_do_not_group():
    laws = SHARED / "corpora" / "laws-and-policies"
    a = (laws / "lrb_data_security_law_2021.md").read_text(encoding="utf-8").splitlines()[148]
    b = (laws / "lrb_network_data_security_regs_2024.md").read_text(encoding="utf-8").splitlines()[290]
    assert "对直接负责的主管人员和其他直接责任人员依法给予处分" in a and a[:4] == "第四十九"
    assert "对直接负责的主管人员和其他直接责任人员依法给予处分" in b
    assert group_near_duplicates([clause("dsl:149", a), clause("ndsr:291", b)]) == {}


def test_traditional_and_simplified_copies_of_a_clause_group():
    simplified = "地方各级党委留存的党费要对基层党员干部教育培训给予适当补贴"
    traditional = "地方各級黨委留存的黨費要對基層黨員幹部教育培訓給予適當補貼"
    groups = group_near_duplicates([clause("a:1", simplified), clause("b:1", traditional)])
    assert list(groups.values()) == [["a:1", "b:1"]]


def test_short_clauses_and_headings_are_not_grouped():
    clauses = [clause("a:1", "第一章 总则"), clause("b:1", "第一章 总则"),
               clause("a:2", "一、指导思想和基本原则与总体要求", kind="heading"),
               clause("b:2", "一、指导思想和基本原则与总体要求", kind="heading")]
    assert group_near_duplicates(clauses) == {}
    assert all(c.duplicate_group is None for c in clauses)


def test_group_ids_do_not_depend_on_input_order_and_stale_groups_are_cleared():
    text = "各级政府要将干部教育培训经费列入财政预算，保证工作需要。"
    clauses = [clause("x:1", text), clause("y:7", text.replace("，", ",")), clause("z:3", "完全不同的另一条规定内容，讲的是师资库建设。")]
    clauses[2].duplicate_group = "stale"
    first = group_near_duplicates(clauses)
    shuffled = clauses[:]
    random.Random(7).shuffle(shuffled)
    second = group_near_duplicates(shuffled)
    assert set(first) == set(second)
    gid = clauses[0].duplicate_group
    assert gid and gid == clauses[1].duplicate_group
    assert sorted(first[gid]) == ["x:1", "y:7"]
    assert clauses[2].duplicate_group is None


def test_thousands_of_nearly_the_same_lines_are_grouped_in_linear_work():
    """3,000 rows that differ in a number (a runaway file of issue 17): every row is grouped with
    its near-duplicates, and the candidate pairs grow with the rows, not with their square."""
    from policykb.ingest import duplicates

    base = "各县（市、区）每年组织基层干部轮训不少于一次，培训经费列入本级财政预算第"
    clauses = [clause(f"t:{i}", f"{base}{i}号", line=i + 1) for i in range(3000)]
    proposed = []
    original = duplicates._candidate_pairs

    def counting(signatures):
        pairs = original(signatures)
        proposed.append(len(pairs))
        return pairs

    duplicates._candidate_pairs = counting
    try:
        groups = group_near_duplicates(clauses)
    finally:
        duplicates._candidate_pairs = original
    assert proposed and proposed[0] <= len(clauses) * duplicates.BUCKET_WINDOW * duplicates.BANDS
    assert proposed[0] < 200_000  # the old code proposed 4.4 million pairs here (36 s)
    assert sum(len(members) for members in groups.values()) == len(clauses)  # each row found its near-duplicates
