"""The 40 real laws and State Council documents of ../shared ingest, and laws parse by article."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policykb.ingest.metadata import simplified
from policykb.ingest.pipeline import ingest_paths

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpora" / "laws-and-policies"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is absent (it ships beside the repo, not in it)"),
]
ARTICLE_LINE = re.compile(r"^第[一二三四五六七八九十百零]+条(之[一二三四五六七八九十]+)?[\s\u3000]")


@pytest.fixture(scope="module")
def corpus():
    return ingest_paths([CORPUS])


def doc(corpus, name: str):
    found = [d for d in corpus.documents if d.file == name]
    assert len(found) == 1
    return found[0]


def test_all_forty_files_ingest_without_error(corpus):
    assert len(corpus.results) == 40
    assert corpus.failures == []
    assert all(r.documents for r in corpus.results)


def test_the_big5_and_gb18030_files_decode_and_record_their_encoding(corpus):
    big5 = doc(corpus, "lrb_seal_management_rules_1999_zh-tw.big5.txt")
    assert big5.encoding == "big5"
    assert big5.title == "國務院關於國家行政機關和企業事業單位社會團體印章管理的規定"
    gb = doc(corpus, "govcn_research_autonomy_notice_2018.gb18030.txt")
    assert gb.encoding == "gb18030"
    assert gb.meta.value("doc_number") == "国办发〔2018〕127号"


def test_every_article_of_a_law_is_one_clause_under_its_chapter(corpus):
    checked = 0
    for result in corpus.results:
        path = CORPUS / result.file
        for document in result.documents:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines() \
                if path.suffix == ".md" else None
            if lines is None:
                continue
            starts = {c.line_start: c for c in document.clauses}
            has_chapters = any(re.match(r"^(## )?第.{1,3}章", simplified(l)) for l in lines)
            for number, line in enumerate(lines, 1):
                if not ARTICLE_LINE.match(simplified(line)):
                    continue
                clause = starts.get(number)
                assert clause is not None and clause.kind == "article", f"{result.file}:{number} is not an article"
                assert simplified(clause.label) == simplified(line.split()[0].split("\u3000")[0])
                if has_chapters:
                    assert clause.section_path and re.match(r"^第.{1,3}章", simplified(clause.section_path[0])), \
                        f"{result.file}:{number} has no chapter in its path"
                checked += 1
    assert checked > 900


def test_an_article_keeps_its_paragraphs_and_items_together(corpus):
    law = doc(corpus, "lrb_plan_eia_regs_2009.md")
    article = next(c for c in law.clauses if c.label == "第八条")
    assert article.section_path == ["第二章 评价"]
    assert "(一)规划实施可能对相关区域、流域、海域生态系统产生的整体影响" in article.text
    assert article.line_end > article.line_start
    # the 款 「依照本条第一款规定…」 stays inside 第二条
    second = next(c for c in law.clauses if c.label == "第二条")
    assert "依照本条第一款规定应当进行环境影响评价的规划的具体范围" in second.text


def test_cross_references_inside_sentences_are_not_headings(corpus):
    law = doc(corpus, "lrb_civil_servant_law_2018.md")
    labels = [c.label for c in law.clauses if c.kind == "article"]
    assert len(labels) == len(set(labels)), "a referenced article became a clause of its own"
    # 「…具备本法第十三条规定的条件…」 stays inside the article that says it
    referring = [c for c in law.clauses if "本法第十三条规定的条件" in c.text]
    assert len(referring) >= 2 and all(c.kind == "article" for c in referring)
    assert all(c.label != "第十三条" for c in referring)
    sanctions = doc(corpus, "lrb_public_officials_sanctions_law_2020.md")
    assert any("本法第" in c.text and c.kind == "article" for c in sanctions.clauses)


def test_traditional_law_parses_its_articles(corpus):
    ningbo = doc(corpus, "lrb_ningbo_vocational_skills_training_regs_2016_zh-tw.md")
    articles = [c for c in ningbo.clauses if c.kind == "article"]
    assert len(articles) > 30
    assert articles[0].label == "第一條" and articles[0].section_path[0].startswith("第一章")


def test_state_council_documents_state_their_number_issuer_and_date(corpus):
    plan = doc(corpus, "govcn_vocational_education_reform_plan_2019.txt")
    assert plan.title == "国家职业教育改革实施方案"  # the plan the notice transmits
    assert plan.meta.value("doc_number") == "国发〔2019〕4号"
    assert plan.meta.value("issuer") == "国务院"
    assert plan.meta.value("date") == "2019-01-24"
    assert plan.meta.value("source_url").startswith("http://www.gov.cn/")
    approval = doc(corpus, "govcn_website_consolidation_pilot_plan_2018.txt".replace("website", "gov_website"))
    assert approval.meta.value("doc_number") == "国办函〔2018〕71号"
    grain = doc(corpus, "govcn_grain_emergency_plan_2005.txt")
    assert grain.title == "国家粮食应急预案" and grain.meta.value("date") == "2005-06-11"
    toc = [c for c in grain.clauses if c.kind == "toc"]
    assert len(toc) == 1, "the table of contents is one clause, not a second outline"
    sub = next(c for c in grain.clauses if c.text.startswith("1.2.1"))
    assert sub.section_path == ["1 总则", "1.2 等级划分"]


def test_laws_record_the_date_of_their_latest_version(corpus):
    law = doc(corpus, "lrb_civil_servant_law_2018.md")
    assert law.meta.value("date") == "2018-12-29"
    assert law.meta.value("issuer") == "全国人民代表大会常务委员会"
    assert law.meta.value("doc_type") == "法律"
    regs = doc(corpus, "lrb_plan_eia_regs_2009.md")
    assert regs.meta.value("doc_number") == "中华人民共和国国务院令第559号"
