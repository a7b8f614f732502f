"""A researcher ingests the bundled seed documents and checks what ingest understood."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policykb.ingest.formats import read_source
from policykb.ingest.model import Document
from policykb.ingest.numbering.markup import is_markup_only, read_line
from policykb.ingest.pipeline import ingest_paths

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SEED_000 = "000_3adddd7c9c291dd6.txt"
SEED_001 = "001_cb65ab459c5c236d.txt"
SEED_002 = "002_e058e02591a1b2b6.txt"
SEED_003 = "003_4324baae79f107ff.txt"
SEED_004 = "004_85b088c42286e0b9.txt"


@pytest.fixture(scope="module")
def seeds():
    run = ingest_paths([CORPUS])
    assert run.failures == []
    return run


def docs_of(run, name: str) -> list[Document]:
    return [d for d in run.documents if d.file == name]


def clause_with(doc: Document, needle: str):
    found = [c for c in doc.clauses if needle in c.text]
    assert found, f"no clause of {doc.title!r} contains {needle!r}"
    return found[0]


def meta_values(doc: Document) -> dict:
    return {name: doc.meta.value(name) for name in doc.meta.FIELDS}


def test_the_seeds_give_nine_documents(seeds):
    counts = {name: len(docs_of(seeds, name)) for name in (SEED_000, SEED_001, SEED_002, SEED_003, SEED_004)}
    assert counts == {SEED_000: 1, SEED_001: 5, SEED_002: 1, SEED_003: 1, SEED_004: 1}


# What each document's text states, and null where it states nothing.
EXPECTED_META = {
    (SEED_000, 0): dict(title="中央组织部关于加强和改进基层干部教育培训工作的意见（2011年）", issuer="中共中央办公厅",
                        doc_number=None, date="2011-11-14", doc_type="意见", status="生效",
                        source_url="https://www.ccdi.gov.cn/fgk/law_display/262"),
    (SEED_001, 0): dict(title="“十一五”全国人事干部教育培训规划", issuer="人事部", doc_number="国人部发[2024]20号",
                        date="2007-02-09", doc_type="规划", status=None, source_url=None),
    (SEED_001, 1): dict(title="“十一五”全国人事干部教育培训规划", issuer="人事部", doc_number=None,
                        date="2024-02-09", doc_type="规划", status=None, source_url=None),
    (SEED_001, 2): dict(title="全国城乡建设档案事业“十一五”规划", issuer="中华人民共和国建设部办公厅",
                        doc_number="建办档【2024】45号", date="2006-06-12", doc_type="规划", status=None, source_url=None),
    (SEED_001, 3): dict(title="2024－2024年全国干部教育培训规划", issuer="中共中央", doc_number=None, date=None,
                        doc_type="规划", status=None, source_url=None),
    (SEED_001, 4): dict(title="2024—2024年全国干部教育培训规划", issuer=None, doc_number=None, date=None,
                        doc_type="规划", status=None, source_url=None),
    (SEED_002, 0): dict(title="2009—2013年全国党员教育培训工作规划", issuer="中共中央办公厅",
                        doc_number="中共中央办公厅（2009年23号）", date=None, doc_type="规划", status=None, source_url=None),
    (SEED_003, 0): dict(title="2013-2017年全国组工干部教育培训规划", issuer="中央组织部", doc_number=None, date=None,
                        doc_type="规划", status=None, source_url=None),
    (SEED_004, 0): dict(title="幹部教育培訓計劃方案", issuer=None, doc_number=None, date=None, doc_type="方案",
                        status=None, source_url=None),
}


@pytest.mark.parametrize("key", list(EXPECTED_META), ids=[f"{k[0][:3]}-{k[1] + 1}" for k in EXPECTED_META])
def test_each_document_has_the_metadata_its_text_states_and_null_elsewhere(seeds, key):
    name, index = key
    doc = docs_of(seeds, name)[index]
    assert meta_values(doc) == EXPECTED_META[key]


# Documents that state no date: the year their 文号 or title gives, and where from; the date stays null.
EXPECTED_YEARS = {
    (SEED_001, 3): (2024, {"field": "title", "text": "2024－2024年全国干部教育培训规划", "line": 128, "inferred": True}),
    (SEED_002, 0): (2009, {"field": "doc_number", "text": "中共中央办公厅（2009年23号）", "line": 3, "inferred": True}),
    (SEED_003, 0): (2013, {"field": "title", "text": "2013-2017年全国组工干部教育培训规划", "line": 4, "inferred": True}),
    (SEED_004, 0): (None, None),  # 幹部教育培訓計劃方案: no year anywhere, so none is given
    (SEED_001, 0): (2007, {"field": "date", "text": "2007-02-09", "line": 8, "inferred": False}),
}


@pytest.mark.parametrize("key", list(EXPECTED_YEARS), ids=[f"{k[0][:3]}-{k[1] + 1}" for k in EXPECTED_YEARS])
def test_an_undated_document_gets_the_year_its_doc_number_or_title_gives_labelled_as_inferred(seeds, key):
    doc = docs_of(seeds, key[0])[key[1]]
    assert doc.meta.year_of() == EXPECTED_YEARS[key]
    if EXPECTED_YEARS[key][1] and EXPECTED_YEARS[key][1]["inferred"]:
        assert doc.meta.value("date") is None and doc.meta.year.inferred_from == EXPECTED_YEARS[key][1]["field"]


def test_each_metadata_value_records_the_line_it_came_from(seeds):
    plan = docs_of(seeds, SEED_001)[0]
    lines = (CORPUS / SEED_001).read_text(encoding="utf-8").splitlines()
    assert plan.meta.doc_number.line == 4 and "国人部发[2024]20号" in lines[3]
    assert plan.meta.date.line == 8 and lines[7].strip() == "二00七年二月九日"
    assert plan.meta.issuer.line == 7 and lines[6].replace(" ", "") == "人事部"
    opinion = docs_of(seeds, SEED_000)[0]
    assert opinion.meta.title.source == "front_matter" and opinion.meta.title.line == 2
    assert opinion.meta.date.source == "front_matter"


def test_a_title_cut_by_a_line_break_is_read_whole(seeds):
    # 001 opens with 「关于印发《“十一五”全国人事干部教育\n培训规划》的通知」; the plan it transmits
    # titles the document, and the notice stays in its preamble.
    plan = docs_of(seeds, SEED_001)[0]
    assert plan.title == "“十一五”全国人事干部教育培训规划"
    preamble = plan.clauses[0]
    assert preamble.kind == "preamble"
    assert "关于印发《“十一五”全国人事干部教育" in preamble.text and "国人部发[2024]20号" in preamble.text


def test_002_numbered_principle_sits_under_its_headings(seeds):
    clause = clause_with(docs_of(seeds, SEED_002)[0], "１．坚持把增强党性作为第一任务")
    assert clause.section_path == ["一、指导思想和基本要求", "（二）基本要求"]
    assert clause.label == "１．"
    assert clause.heading == "坚持把增强党性作为第一任务，将理想信念教育与能力建设贯穿始终"


def test_000_hundred_hour_sentence_sits_under_its_second_heading(seeds):
    clause = clause_with(docs_of(seeds, SEED_000)[0], "累计一般不少于100学时")
    assert clause.section_path == ["二、明确基层干部教育培训工作的指导思想、基本原则和主要任务"]
    assert re.fullmatch(r"第\d段", clause.label)
    # the source line is where a trainer finds it
    line = (CORPUS / SEED_000).read_text(encoding="utf-8").splitlines()[clause.line_start - 1]
    assert "100学时" in line


def test_000_lead_phrase_titles_its_paragraph(seeds):
    clause = clause_with(docs_of(seeds, SEED_000)[0], "健全落实责任制。")
    assert clause.heading == "健全落实责任制"
    assert clause.section_path == ["五、加强对基层干部教育培训工作的组织领导"]


def test_001_bullets_and_numbered_items_keep_their_place(seeds):
    national = docs_of(seeds, SEED_001)[3]
    bullet = clause_with(national, "——党性教育更加扎实")
    assert bullet.section_path == ["一、总体要求", "（二）主要目标"]
    first = docs_of(seeds, SEED_001)[0]
    item = clause_with(first, "1、坚持围绕中心，服务大局")
    assert item.section_path == ["一、指导思想和总体要求", "（二）总体要求"] and item.label == "1、"
    # the second version writes its brackets half-width: 「(一)指导思想」
    second = docs_of(seeds, SEED_001)[1]
    assert clause_with(second, "(一)指导思想").label == "(一)"


def test_003_training_rules_cite_their_part_and_item(seeds):
    clause = clause_with(docs_of(seeds, SEED_003)[0], "入部教育应在入部半年内完成")
    assert clause.section_path[0] == "四、方式方法"
    assert clause.label in ("6、", "第2段") or clause.section_path[-1].startswith("6、")


def test_004_traditional_text_is_kept_as_written_and_searchable_in_simplified(seeds):
    doc = docs_of(seeds, SEED_004)[0]
    clause = clause_with(doc, "以人為本、按需施教的原則")
    assert clause.section_path == ["一、指導思想和基本原則", "(二)基本原則"]
    assert "以人为本、按需施教的原则" in clause.search_text
    assert doc.encoding == "utf-8"


def _content_lines(doc: Document) -> list[tuple[int, str]]:
    source = read_source(CORPUS / doc.file)
    out = []
    for number in range(doc.line_start, doc.line_end + 1):
        raw = source.lines[number - 1]
        if is_markup_only(raw):
            continue
        text = read_line(raw, markdown=True).text
        if text:
            out.append((number, text))
    return out


def test_nothing_is_lost_each_source_line_is_in_exactly_one_clause(seeds):
    for doc in seeds.documents:
        content = _content_lines(doc)
        owner: dict[int, str] = {}
        for clause in doc.clauses:
            inside = [(n, t) for n, t in content if clause.line_start <= n <= clause.line_end]
            assert "\n".join(t for _, t in inside) == clause.text, (doc.file, clause.label)
            for n, _ in inside:
                assert n not in owner, f"{doc.file} line {n} is in two clauses"
                owner[n] = clause.id
        assert sorted(owner) == [n for n, _ in content], f"{doc.file}: lines outside every clause"
        body = re.sub(r"\s", "", "".join(t for _, t in content))
        assert re.sub(r"\s", "", "".join(c.text for c in doc.clauses)) == body


def test_clause_ids_are_stable_when_the_same_file_is_ingested_again(seeds):
    again = ingest_paths([CORPUS / SEED_002])
    first = [c.id for c in docs_of(seeds, SEED_002)[0].clauses]
    assert [c.id for c in again.documents[0].clauses] == first
    assert len(set(first)) == len(first)


def test_every_clause_has_search_form_and_tokens(seeds):
    for doc in seeds.documents:
        for clause in doc.clauses:
            assert clause.search_text and clause.tokens, (doc.file, clause.label)
    tokens = clause_with(docs_of(seeds, SEED_000)[0], "累计一般不少于100学时").tokens
    assert "学时" in tokens and "基层干部" in tokens


def test_long_clauses_are_cut_into_passages_that_cite_their_clause(seeds):
    long_clauses = [c for d in seeds.documents for c in d.clauses if len(c.text) > 350]
    assert long_clauses
    for clause in long_clauses:
        assert clause.passages and all(p.clause_id == clause.id for p in clause.passages)
        assert re.sub(r"\s", "", "".join(p.text for p in clause.passages)) == re.sub(r"\s", "", clause.text)
        assert all(clause.line_start <= p.line_start <= p.line_end <= clause.line_end for p in clause.passages)


def test_the_two_versions_of_the_personnel_plan_are_linked_as_near_duplicates(seeds):
    first, second = docs_of(seeds, SEED_001)[:2]
    a = clause_with(first, "实行年度培训计划备案制度")
    b = clause_with(second, "实行培训计划备案制度")
    assert a.duplicate_group is not None and a.duplicate_group == b.duplicate_group
    unrelated = clause_with(docs_of(seeds, SEED_001)[2], "城建档案馆")
    assert unrelated.duplicate_group != a.duplicate_group
