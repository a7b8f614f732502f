"""Timeline of a requirement: a trainer asks 「基层干部每年培训不少于多少学时」 and sees, document by document and
oldest first, the clause that answers, the figures it states and what changed; a document whose date is
unknown says so and is not put in order by a guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykb.index.rows import DocumentRow
from policykb.search.quantities import quantities
from policykb.service.timeline import changes_between, document_time

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
QUESTION = "基层干部每年培训不少于多少学时"


def _row(fields: dict) -> DocumentRow:
    return DocumentRow(id="d", file="d.txt", **fields)


def test_a_stated_date_is_shown_as_stated():
    when = document_time(_row({"title": "关于加强基层干部教育培训的意见", "date": "2011-11-14", "year": 2011,
                          "year_source": {"field": "date", "text": "2011-11-14", "line": 6, "inferred": False}}))
    assert when.label() == "2011-11-14" and not when.inferred


def test_a_plans_period_from_its_title_is_shown_as_inferred_from_the_title():
    when = document_time(_row({"title": "2009—2013年全国党员教育培训工作规划", "date": None, "year": 2009,
                          "year_source": {"field": "doc_number", "text": "中共中央办公厅（2009年23号）", "line": 3,
                                          "inferred": True}}))
    assert when.period == (2009, 2013) and when.inferred
    assert when.label() == "2009—2013年（据标题推断）"


def test_a_year_from_the_document_number_says_so():
    when = document_time(_row({"title": "关于培训的通知", "date": None, "year": 2016,
                          "year_source": {"field": "doc_number", "text": "组通字〔2016〕3号", "line": 2, "inferred": True}}))
    assert when.label() == "2016年（据文号推断）" and when.source_text == "组通字〔2016〕3号"


def test_a_document_that_states_no_time_is_unknown_not_guessed():
    when = document_time(_row({"title": "幹部教育培訓計劃方案", "date": None, "year": None, "year_source": None}))
    assert not when.known and when.label() == "日期不详" and when.year is None and when.period is None


def test_changes_name_each_units_figures_before_and_after():
    before = tuple(quantities("每年不少于100学时或12天"))
    after = tuple(quantities("每年累计不少于12天或者90学时"))
    changes = {c.unit: c for c in changes_between(before, after, ("学时",))}
    assert list(changes)[0] == "学时"  # the asked unit first
    assert changes["学时"].kind == "lowered" and changes["学时"].describe() == "学时：100 → 90（降低）"
    assert changes["天"].kind == "same"
    assert changes_between(after, tuple(quantities("每年培训1次")))[0].kind == "new"


@pytest.fixture(scope="module")
def bundled():
    """The bundled corpus indexed with the default model where `make index` and the notebooks keep it
    (.policykb/index; an unchanged corpus embeds nothing again)."""
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths
    from policykb.search.knowledge_base import KnowledgeBase

    index_dir = REPO / ".policykb" / "index"
    build_index(ingest_paths([CORPUS]), index_dir, progress=None)
    return KnowledgeBase.load(index_dir)


def figures(row, unit: str) -> list[float]:
    return [q.value for q in row.quantities if q.unit == unit]


@pytest.mark.slow
def test_the_basic_level_cadre_question_shows_each_plan_and_opinion_oldest_first_with_its_figures(bundled):
    from policykb.service.timeline import timeline

    result = timeline(bundled, QUESTION)
    assert not result.no_answer and result.units[0] == "学时"
    rows = result.rows
    by_title = {row.title: row for row in rows}
    party = next(r for t, r in by_title.items() if t and "党员教育培训工作规划" in t)
    opinion = next(r for t, r in by_title.items() if t and "基层干部教育培训工作的意见" in t)
    national = next(r for r in rows if r.clause.file.startswith("001_") and 90 in figures(r, "学时"))

    # the 党员 plan states no date: its period comes from its title, and the row says it is inferred
    assert party.when.date is None and party.when.inferred and "推断" in party.when.label()
    assert figures(party, "学时") and all(q.text in party.clause.text for q in party.quantities)
    assert 100 in figures(opinion, "学时") and 12 in figures(opinion, "天") and opinion.when.date == "2011-11-14"
    assert 12 in figures(national, "天") and "不少于12天或者90学时" in national.clause.text

    # dated rows oldest first; the 90 学时 of the national plan comes after the opinion's 100 学时
    dated = [r for r in rows if r.when.known]
    assert [r.when.sort_key() for r in dated] == sorted(r.when.sort_key() for r in dated)
    assert rows.index(party) < rows.index(opinion) < rows.index(national)
    hours = next(c for c in national.changes if c.unit == "学时")
    assert 100 in [q.value for q in hours.before] and 90 in [q.value for q in hours.after]

    # a document with no date is last, marked, and not compared with the rows before it
    undated = [r for r in rows if not r.when.known]
    assert rows[len(dated):] == undated
    assert all(r.when.label() == "日期不详" and r.changes is None for r in undated)
    assert len({r.document_id for r in rows}) == len(rows)  # one row per document


@pytest.mark.slow
def test_a_question_the_corpus_does_not_answer_gives_no_rows(bundled):
    from policykb.service.timeline import timeline

    result = timeline(bundled, "如何申请公共租赁住房")
    assert result.no_answer and result.rows == []


@pytest.mark.slow
def test_k_bounds_the_number_of_documents(bundled):
    from policykb.service.timeline import timeline

    assert len(timeline(bundled, QUESTION, k=2).rows) == 2
    with pytest.raises(ValueError):
        timeline(bundled, QUESTION, k=0)


@pytest.mark.slow
def test_a_plan_restated_in_a_second_version_gives_a_row_for_each_saying_the_figure_did_not_change(bundled):
    from policykb.service.timeline import timeline

    rows = timeline(bundled, "人事干部大学本科以上人员比例达到多少").rows
    versions = [r for r in rows if r.title == "“十一五”全国人事干部教育培训规划"]
    assert len(versions) == 2 and versions[0].when.sort_key() <= versions[1].when.sort_key()
    assert [q.figure() for q in versions[0].quantities] == [q.figure() for q in versions[1].quantities]
    later = versions[1]
    assert later.changes is not None and later.changes and all(c.kind == "same" for c in later.changes)
