"""Questions people type on day one: an article by number, when a law takes effect, lexical confidence,
answers that disagree.

The index holds the bundled corpus and verbatim excerpts of two laws (tests/data/, from
../shared/corpora/laws-and-policies): the civil servant law (第五条, 第六十六–六十八条,
第一百一十三条 「本法自2019年6月1日起施行」) and the public officials sanctions law, which
has its own 第六十七条, its own 「本法自2020年7月1日起施行」, a 「本法施行前」 article and
an article that names 《中华人民共和国公务员法》: everything that outweighed the answer before.
Lexical-mode rankings and confidences do not depend on the embedding model, so the tiny
test model gives the figures the default one does there.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
LAW_EXCERPTS = sorted((REPO / "tests" / "data").glob("*_law_excerpt.md"))
CIVIL_SERVANT_LAW = "中华人民共和国公务员法"
SANCTIONS_LAW = "中华人民共和国公职人员政务处分法"


# -- reading a query (no index) ----------------------------------------------------------------

def _reader(titles: dict[str, str], clauses: list[tuple[str, str, str]]):
    """A QueryReader over documents {id: title} and clauses [(document id, label, text)]."""
    from policykb.index.rows import DocumentRow
    from policykb.ingest.metadata import doc_type_of
    from policykb.text.normalize import search_form
    from policykb.search.query_understanding import QueryReader

    documents = {i: DocumentRow(id=i, file=f"{i}.txt", title=t, doc_type=doc_type_of(t)) for i, t in titles.items()}
    order = list(documents)
    clause_doc = np.array([order.index(d) for d, _, _ in clauses], dtype=np.int32)
    records = {row: SimpleNamespace(kind="article", label=label, search_text=search_form(text))
               for row, (_, label, text) in enumerate(clauses)}
    return QueryReader(documents, clause_doc, lambda rows: {r: records[r] for r in rows})


@pytest.fixture(scope="module")
def reader():
    return _reader({"law": CIVIL_SERVANT_LAW, "sanctions": SANCTIONS_LAW, "archives": "中华人民共和国档案法",
                    "archives-regs": "中华人民共和国档案法实施条例"},
                   [("law", "第六十七条", "第六十七条 机关对新录用人员应当在试用期内进行初任培训"),
                    ("law", "第一百一十三条", "第一百一十三条 本法自2019年6月1日起施行。"),
                    ("sanctions", "第六十七条", "第六十七条 本法施行前，已结案的案件如果需要复审"),
                    ("sanctions", "第八条", "第八条 政务处分决定自作出之日起生效。"),
                    ("sanctions", "第六十八条", "第六十八条 本法自2020年7月1日起施行。"),
                    ("archives-regs", "第10条", "第10条 档案馆应当……")])


@pytest.mark.parametrize("query", ["公务员法 第67条", "公务员法第六十七条", "《公务员法》第67条", "中华人民共和国公务员法 第６７条",
                                   "公務員法第67條"])
def test_an_article_of_a_named_law_is_read_in_arabic_or_chinese_numerals_and_either_script(reader, query):
    from policykb.text.normalize import search_form

    plan = reader.read(search_form(query))
    assert plan.documents == ("law",) and plan.article == 67
    assert reader.pinned(plan, None).rows == [0]  # 公务员法 第六十七条, not the sanctions law's


@pytest.mark.parametrize("query", ["公务员法什么时候施行", "公务员法施行日期", "公务员法何时生效", "公务员法从哪天开始实施"])
def test_a_question_about_when_a_named_law_takes_effect_points_to_its_own_施行_article(reader, query):
    from policykb.text.normalize import search_form

    plan = reader.read(search_form(query))
    assert plan.documents == ("law",) and plan.effective_date
    assert reader.pinned(plan, None).rows == [1]


def test_the_document_s_own_施行_statement_beats_another_thing_that_takes_effect(reader):
    from policykb.text.normalize import search_form

    plan = reader.read(search_form("公职人员政务处分法什么时候生效"))
    assert reader.pinned(plan, None).rows == [4]  # 本法自…起施行, not 处分决定自…起生效 nor 本法施行前


def test_the_longest_name_wins_and_words_alone_name_nothing(reader):
    from policykb.text.normalize import search_form

    assert reader.read(search_form("档案法实施条例第10条")).documents == ("archives-regs",)
    assert reader.read(search_form("档案法第十条")).documents == ("archives",)
    assert reader.read(search_form("公务员培训多少学时")).empty
    assert reader.read(search_form("本法什么时候施行")).empty  # no document named: nothing to point to


# -- search over an index ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def kb(tmp_path_factory, tiny_model_path):
    from policykb.index.build import build_index
    from policykb.ingest.pipeline import ingest_paths
    from policykb.search.knowledge_base import KnowledgeBase

    corpus = tmp_path_factory.mktemp("corpus")
    for path in [*CORPUS.glob("*.txt"), *LAW_EXCERPTS]:
        shutil.copy(path, corpus / path.name)
    index_dir = tmp_path_factory.mktemp("index")
    build_index(ingest_paths([corpus]), index_dir, model=tiny_model_path, progress=None)
    return KnowledgeBase.load(index_dir)


slow = pytest.mark.slow  # builds an index (tiny model)


@slow
@pytest.mark.parametrize("mode", ["hybrid", "lexical"])
@pytest.mark.parametrize("query", ["公务员法 第67条", "公务员法第六十七条"])
def test_an_article_asked_for_by_number_comes_first_with_high_confidence(kb, mode, query):
    response = kb.search(query, k=5, mode=mode)
    first = response.results[0]
    assert first.citation.title == CIVIL_SERVANT_LAW and first.citation.label == "第六十七条"
    assert first.text.startswith("第六十七条 机关对新录用人员应当在试用期内进行初任培训")
    assert first.confidence >= 0.9 and not response.no_answer
    assert response.understood["found"] == "article"
    # the rest of the law follows before other documents (a soft filter on the named law)
    assert all(r.citation.title == CIVIL_SERVANT_LAW for r in response.results)


@slow
@pytest.mark.parametrize("mode", ["hybrid", "lexical"])
@pytest.mark.parametrize("query", ["公务员法什么时候施行", "公务员法施行日期"])
def test_when_a_law_takes_effect_finds_its_本法自_起施行_article_not_the_clauses_that_repeat_its_name(kb, mode, query):
    first = kb.search(query, k=5, mode=mode).results[0]
    assert first.citation.title == CIVIL_SERVANT_LAW
    assert first.text == "第一百一十三条 本法自2019年6月1日起施行。"
    other = kb.search("公职人员政务处分法什么时候施行", k=5, mode=mode).results[0]
    assert other.text == "第六十八条 本法自2020年7月1日起施行。"


@slow
def test_a_document_filter_still_holds_when_the_query_names_another_document(kb):
    from policykb.search.filters import SearchFilters

    sanctions = next(d for d, row in kb.documents.items() if row.title == SANCTIONS_LAW)
    response = kb.search("公务员法 第67条", k=5, mode="lexical", filters=SearchFilters(document_ids=[sanctions]))
    assert response.results and all(r.citation.document_id == sanctions for r in response.results)


@slow
@pytest.mark.parametrize("query", ["党员教育培训", "干部培训学时", "新党员集中培训"])
def test_lexical_confidence_is_graded_not_one_hundred_percent_for_every_hit(kb, query):
    confidences = [r.confidence for r in kb.search(query, k=10, mode="lexical").results]
    assert len(confidences) == 10
    assert max(confidences) < 0.95  # words alone never make it certain (it was 1.00 for all ten)
    assert len({round(c, 2) for c in confidences}) >= 3


@slow
def test_top_answers_that_state_different_figures_are_flagged_with_each_document_s_year_and_type(kb):
    response = kb.search("乡镇干部一年至少要参加多少学时的培训", k=10, mode="lexical")
    disagreement = response.disagreement
    assert disagreement is not None and disagreement.unit == "学时"
    by_rank = {r.rank: r for r in response.results}
    figures = {by_rank[rank].citation.document_id: tuple(f) for rank, f in disagreement.figures.items()}
    assert len(figures) >= 2 and len(set(figures.values())) >= 2
    opinion = next(r for r in response.results[:3] if r.file.startswith("000"))
    assert ("100" in disagreement.figures[opinion.rank] and opinion.citation.date == "2011-11-14"
            and opinion.document_type == "意见")
    assert all(r.document_year is not None for r in response.results[:3])
    assert kb.search("新党员集中培训", k=10, mode="lexical").disagreement is None


def test_figures_are_read_with_their_units_and_dates_are_not_amounts():
    from policykb.search.agreement import figures

    assert figures("每年参加各类学习培训的时间累计一般不少于100学时或12天，其他干部一般不少于40学时") == \
        {"学时": ["100", "40"], "天": ["12"]}
    assert figures("时间一般不少于１６学时，每年至少培训一次") == {"学时": ["16"], "次": ["1"]}
    assert figures("2018年至2022年，累计3个月或者550学时以上") == {"个月": ["3"], "学时": ["550"]}
