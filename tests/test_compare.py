"""新旧对照: 职业教育法 1996 against 2022 (rewritten: 40 → 69 articles, renumbered) checked against a
hand-made key, and the pair kinds and redline on small documents ingested from text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policykb.ingest.pipeline import ingest_file
from policykb.service.compare import compare_documents, redline

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "compare"
KEY = HERE / "data" / "compare_vocational_education_key.jsonl"


def _doc(path: Path):
    result = ingest_file(path)
    assert result.failure is None, result.failure
    return result.documents[0]


@pytest.fixture(scope="module")
def vocational():
    return compare_documents(_doc(FIXTURES / "职业教育法(1996-05-15).md"), _doc(FIXTURES / "职业教育法(2022-04-20).md"))


def aligned_label_pairs(comparison) -> set[tuple[str, str]]:
    """Every (A article, B article) the comparison puts side by side (a split pair gives two)."""
    out = set()
    for p in comparison.pairs:
        if p.a is None or p.b is None:
            continue
        for a in (p.a, *p.a_more):
            for b in (p.b, *p.b_more):
                out.add((a.label, b.label))
    return out


def precision_recall(comparison) -> tuple[float, float]:
    """Precision: the aligned pairs the key accepts, of all aligned pairs. Recall: the 1996 articles the
    key gives a 2022 counterpart that are aligned to one it accepts, of all such articles."""
    key = [json.loads(line) for line in KEY.read_text(encoding="utf-8").splitlines() if line.strip()]
    accepts = {row["a"]: set(row["b"]) for row in key if row["a"]}
    predicted = aligned_label_pairs(comparison)
    correct = {(a, b) for a, b in predicted if b in accepts.get(a, ())}
    wanted = [a for a, bs in accepts.items() if bs]
    found = {a for a, _ in correct}
    return len(correct) / len(predicted), sum(a in found for a in wanted) / len(wanted)


def test_the_key_checks_at_least_thirty_article_pairs():
    rows = [json.loads(line) for line in KEY.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert sum(1 for r in rows if r["a"] and r["b"]) >= 30


def test_vocational_education_law_alignment_agrees_with_the_hand_key(vocational):
    precision, recall = precision_recall(vocational)
    assert precision >= 0.95, precision
    assert recall >= 0.95, recall


def test_renumbered_articles_are_aligned_to_their_new_numbers(vocational):
    pairs = aligned_label_pairs(vocational)
    # 管理体制 moved up from 第十一条 to 第八条; 施行日期 from 第四十条 to 第六十九条
    assert ("第十一条", "第八条") in pairs
    assert ("第四十条", "第六十九条") in pairs
    assert ("第二十九条", "第六十四条") in pairs  # into the new 法律责任 chapter
    assert vocational.renumbered >= 30
    assert not vocational.numbered_alike  # the same numbers read differently, so they are no anchor


def test_vocational_education_law_counts(vocational):
    counts = vocational.counts
    assert sum(counts.values()) == len(vocational.pairs)
    assert counts["unchanged"] == 1  # 第五条 公民有依法接受职业教育的权利。
    assert counts["added"] >= 22  # the key's 22 new articles at least
    assert counts["removed"] <= 2
    assert counts["changed"] + counts["moved"] >= 30
    split = [p for p in vocational.pairs if p.kind == "split"]
    assert [(p.a.label, [p.b.label, *[b.label for b in p.b_more]]) for p in split] == \
        [("第二十四条", ["第三十三条", "第三十四条"])]  # school and training-body conditions, now two articles


def test_the_redline_rebuilds_both_texts(vocational):
    for p in vocational.pairs:
        old = "".join(s.text for s in p.redline if s.op != "insert")
        new = "".join(s.text for s in p.redline if s.op != "delete")
        if p.a is not None and not p.a_more:
            assert old == p.a.text.split(" ", 1)[1].strip() or old in p.a.text
        if p.b is not None and not p.b_more:
            assert new in p.b.text


def test_a_rewritten_phrase_reads_as_one_deletion_and_one_insertion_not_shreds():
    old = "提高劳动者素质，促进社会主义现代化建设"
    new = "提高劳动者素质和技术技能水平，促进就业创业，推进社会主义现代化建设"
    segments = [(s.op, s.text) for s in redline(old, new)]
    assert segments == [("equal", "提高劳动者素质"), ("delete", "，促"), ("insert", "和技术技能水平，促进就业创业，推"),
                        ("equal", "进社会主义现代化建设")]
    assert "".join(t for op, t in segments if op != "insert") == old
    assert "".join(t for op, t in segments if op != "delete") == new


LAW_V1 = """# 示范条例

第一条 为了规范示范工作，制定本条例。

第二条 本条例适用于本市行政区域内的示范工作。

第三条 市人民政府负责示范工作的统筹协调。

第四条 示范单位应当每年报告工作情况。

第五条 本条例自2020年1月1日起施行。
"""

LAW_V2 = """# 示范条例

第一条 为了规范示范工作，制定本条例。

第二条 本条例适用于本省行政区域内的示范工作。

第三条 市人民政府负责示范工作的统筹协调。

第四条 示范单位应当每年向社会公开工作情况。

第五条 示范单位应当建立档案管理制度，妥善保存示范资料。

第六条 本条例自2024年1月1日起施行。
"""


def _text_doc(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return _doc(path)


def test_an_amended_version_is_aligned_by_article_and_marks_what_changed(tmp_path):
    c = compare_documents(_text_doc(tmp_path, "v1.md", LAW_V1), _text_doc(tmp_path, "v2.md", LAW_V2))
    kinds = [(p.kind, p.a.label if p.a else None, p.b.label if p.b else None) for p in c.pairs]
    assert kinds == [("unchanged", "第一条", "第一条"), ("changed", "第二条", "第二条"),
                     ("unchanged", "第三条", "第三条"), ("changed", "第四条", "第四条"),
                     ("added", None, "第五条"), ("changed", "第五条", "第六条")]
    assert c.counts["unchanged"] == 2 and c.counts["changed"] == 3 and c.counts["added"] == 1
    assert c.numbered_alike
    second = c.pairs[1]
    assert [(s.op, s.text) for s in second.redline if s.op != "equal"] == [("delete", "市"), ("insert", "省")]


def test_a_document_compared_with_itself_is_all_unchanged(tmp_path):
    doc = _text_doc(tmp_path, "v1.md", LAW_V1)
    c = compare_documents(doc, doc)
    assert c.counts["unchanged"] == 5 and sum(c.counts.values()) == 5
    assert all(s.op == "equal" for p in c.pairs for s in p.redline)


def test_a_plan_and_its_successor_align_by_text_without_article_numbers():
    # corpus/001 holds the national cadre-training plans 2013–2017 (第五篇) and 2018–2022 (第四篇)
    docs = ingest_file(HERE.parent / "corpus" / "001_cb65ab459c5c236d.txt").documents
    older, newer = docs[4], docs[3]
    c = compare_documents(older, newer)
    assert not c.numbered_alike and c.renumbered == 0  # 第N段 and （N） labels are not article numbers

    def counterpart(start: str) -> str:
        (pair,) = [p for p in c.pairs if p.a is not None and p.a.text.startswith(start)]
        assert pair.b is not None, f"{start} was not aligned"
        return pair.b.text

    assert counterpart("各级政府要将干部教育培训经费列入财政预算").startswith("（七）经费管理。")
    assert counterpart("加强干部教育培训理论研究").startswith("（八）理论研究。")
    assert counterpart("中国人民解放军和中国人民武装警察部队").startswith("中国人民解放军的干部教育培训工作")


def test_documents_without_clauses_compare_to_nothing_instead_of_failing(tmp_path):
    from dataclasses import replace

    doc = _text_doc(tmp_path, "v1.md", LAW_V1)
    empty = replace(doc, clauses=[])
    assert sum(compare_documents(empty, empty).counts.values()) == 0
    assert compare_documents(empty, doc).counts["added"] == 5
    assert compare_documents(doc, empty).counts["removed"] == 5


ARCHIVES_OLD = """# 档案条例

第一条 为了加强档案管理，制定本条例。

第二条 档案馆应当配备防火、防盗、防潮、防虫的库房设施。

第三条 档案馆应当定期检查馆藏档案的保管状况，发现破损及时修复。

第四条 本条例自2020年1月1日起施行。
"""
ARCHIVES_NEW = """# 档案条例

第一条 为了加强档案管理，制定本条例。

第二条 档案馆应当配备防火、防盗、防潮、防虫的库房设施，并定期检查馆藏档案的保管状况，发现破损及时修复。

第三条 本条例自2024年1月1日起施行。
"""


def _sides(pair) -> tuple[list[str], list[str]]:
    return ([c.label for c in (pair.a, *pair.a_more)] if pair.a else [],
            [c.label for c in (pair.b, *pair.b_more)] if pair.b else [])


def test_two_articles_joined_into_one_are_merged_and_the_reverse_is_split(tmp_path):
    old, new = _text_doc(tmp_path, "old.md", ARCHIVES_OLD), _text_doc(tmp_path, "new.md", ARCHIVES_NEW)
    merged = compare_documents(old, new)
    assert [(p.kind, *_sides(p)) for p in merged.pairs] == [
        ("unchanged", ["第一条"], ["第一条"]), ("merged", ["第二条", "第三条"], ["第二条"]),
        ("changed", ["第四条"], ["第三条"])]
    split = compare_documents(new, old)
    assert [(p.kind, *_sides(p)) for p in split.pairs] == [
        ("unchanged", ["第一条"], ["第一条"]), ("split", ["第二条"], ["第二条", "第三条"]),
        ("changed", ["第三条"], ["第四条"])]
    assert split.counts["split"] == 1 and merged.counts["merged"] == 1


SHARED = HERE.parent.parent / "shared" / "corpora" / "versions-and-regions"


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent (it ships beside the repo, not in it)")
def test_an_amendment_of_one_article_is_aligned_by_number():
    c = compare_documents(_doc(SHARED / "未成年人保护法(2020-10-17).md"), _doc(SHARED / "未成年人保护法(2024-04-26).md"))
    assert c.numbered_alike and c.renumbered == 0
    assert [(p.kind, p.a.label) for p in c.pairs if p.kind != "unchanged"] == [("changed", "第九条")]
    assert c.counts["unchanged"] == 131


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent (it ships beside the repo, not in it)")
def test_a_national_law_and_its_local_implementing_measure_pair_the_articles_that_restate_each_other():
    c = compare_documents(_doc(SHARED / "职业教育法(1996-05-15).md"),
                          _doc(SHARED / "河南省实施《职业教育法》办法(2010-07-30).md"))
    pairs = aligned_label_pairs(c)
    assert {("第一条", "第一条"), ("第四条", "第四条"), ("第十一条", "第七条"),  # 国务院 → 省教育行政部门
            ("第二十九条", "第十五条"), ("第三十一条", "第十四条"), ("第十条", "第二十五条"),
            ("第四十条", "第三十二条")} <= pairs
    # 违反教育法的处罚 and 表彰 share only boilerplate: not a pair
    assert ("第三十九条", "第二十五条") not in pairs
    assert c.counts["added"] > 0 and c.counts["removed"] > 0  # the measure neither restates nor only restates


if __name__ == "__main__":  # the figures docs/api.md quotes: python -m tests.test_compare
    found = compare_documents(_doc(FIXTURES / "职业教育法(1996-05-15).md"), _doc(FIXTURES / "职业教育法(2022-04-20).md"))
    p, r = precision_recall(found)
    print(f"precision {p:.3f}  recall {r:.3f}  aligned pairs {len(aligned_label_pairs(found))}  "
          f"counts {found.counts}  renumbered {found.renumbered}")


def test_the_two_versions_of_the_十一五_personnel_plan_tell_unchanged_clauses_from_changed_ones():
    """corpus/001 holds the 人事部 “十一五” plan twice (dated 二00七年二月九日 and, as the source states it, 2024年2月9日):
    the clauses that read the same are unchanged, and each changed one carries its change in the redline."""
    first, second = ingest_file(HERE.parent / "corpus" / "001_cb65ab459c5c236d.txt").documents[:2]
    assert first.title == second.title == "“十一五”全国人事干部教育培训规划"
    c = compare_documents(first, second)
    assert c.counts["unchanged"] >= 5 and c.counts["changed"] >= 5
    assert c.counts["added"] == c.counts["removed"] == c.counts["moved"] == 0  # the same plan, in the same order
    def change(start: str) -> tuple[str, str]:
        (pair,) = [p for p in c.pairs if p.kind == "changed" and p.a.text.startswith(start)]
        return ("".join(s.text for s in pair.redline if s.op == "delete"),
                "".join(s.text for s in pair.redline if s.op == "insert"))

    assert change("3、坚持以人为本") == ("需", "要")  # 培训需求 → 培训要求
    assert change("3、大力开展人事人才业务培训") == ("年度年度", "")  # 「确定年度人事人才业务培训主题」 lost 年度 twice
    assert change("（一）提高认识") == ("各地区、", "")
    # an unchanged pair's redline keeps everything: only its label's brackets may differ (（三） and (三))
    assert all(all(s.op == "equal" for s in p.redline) for p in c.pairs if p.kind == "unchanged")
