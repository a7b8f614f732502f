"""Questions in everyday words find the article: the query adapter and the lay-to-legal lexicon.

Real lay questions from STARD (and two written here) over verbatim chapters of three laws
(tests/fixtures/stard/), ingested as a user would with `--query-adapter stard-lay-query-v1`
(the lexicon is always on; the adapter is opted into per index).
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest

from policykb.index.embedders.query_adapter import ADAPTERS_DIR, bundled_adapter
from policykb.index.manifest import MANIFEST, read_manifest
from policykb.text.lexicon import lexicon
from policykb.service.evaluation import gold_groups, matched_groups

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "stard"
QUESTIONS = [json.loads(line) for line in (REPO / "tests" / "data" / "stard_questions.jsonl")
             .read_text(encoding="utf-8").splitlines()]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """An index of the three law chapters, built by `policykb ingest` with the defaults."""
    from policykb.service.cli import main

    index = tmp_path_factory.mktemp("stard") / "index"
    assert main(["ingest", str(FIXTURES), "--index", str(index), "--query-adapter", "stard-lay-query-v1"]) == 0
    return index


@pytest.fixture(scope="module")
def kb(built):
    from policykb.search.knowledge_base import KnowledgeBase

    return KnowledgeBase.load(built)


def _found(kb, question, k=5, mode="hybrid") -> bool:
    groups = gold_groups(question["gold"])
    results = [r.to_dict() for r in kb.search(question["query"], k=k, mode=mode).results]
    return any(matched_groups(r, groups) for r in results)


@pytest.mark.parametrize("question", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_a_question_in_everyday_words_finds_its_article_in_the_top_5(kb, question):
    assert _found(kb, question), question["query"]


def test_the_adapter_and_lexicon_come_from_the_repository_and_the_manifest_records_them(built, kb):
    adapter = bundled_adapter()
    assert adapter is not None and adapter.folder.parent == ADAPTERS_DIR
    assert ADAPTERS_DIR.is_relative_to(REPO)
    assert (adapter.folder / "adapter_model.safetensors").stat().st_size <= 5 * 1024 * 1024
    manifest = read_manifest(kb.generation.path)
    assert manifest.query_adapter == adapter.record
    assert manifest.lexicon == lexicon().record
    assert kb.embedder.query_adapter == adapter
    assert kb.lexicon == lexicon()
    assert kb.query_warnings == []


def test_the_adapter_changes_how_questions_are_read_and_not_the_passages(kb):
    from policykb.index.embedders import load_embedder

    adapted, plain = kb.embedder, load_embedder(None, query_adapter=None)
    passage = ["承租人在租赁物需要维修时可以请求出租人在合理期限内维修。"]
    assert np.allclose(adapted.embed_passages(passage), plain.embed_passages(passage), atol=1e-6)
    question = ["租房期间家具坏了，可以找房东修吗？"]
    assert float(adapted.embed_queries(question)[0] @ plain.embed_queries(question)[0]) < 0.99


@pytest.mark.parametrize("question_id, legal_word", [("st1085", "出租人"), ("own01", "夫妻")])
def test_the_lexicon_lets_bm25_find_articles_that_use_the_laws_word_for_a_lay_one(kb, question_id, legal_word):
    question = next(q for q in QUESTIONS if q["id"] == question_id)
    response = kb.search(question["query"], k=5, mode="lexical")
    assert legal_word in response.synonyms
    assert _found(kb, question, mode="lexical")
    lexicon_on, kb.lexicon = kb.lexicon, None
    try:  # without it, BM25 sees only 房东 / 老公, which no article says
        assert not _found(kb, question, mode="lexical")
    finally:
        kb.lexicon = lexicon_on


def _rewrite_manifest(generation_path: Path, **changes) -> None:
    manifest = replace(read_manifest(generation_path), **changes)
    (generation_path / MANIFEST).write_text(json.dumps(asdict(manifest), ensure_ascii=False), encoding="utf-8")


def test_a_later_ingest_keeps_the_adapter_and_none_drops_it(built, tmp_path):
    import shutil

    from policykb.service.cli import main

    index = tmp_path / "index"
    shutil.copytree(built, index)
    extra = tmp_path / "extra.txt"
    extra.write_text("第一条 为了规范租赁行为，制定本办法。\n", encoding="utf-8")
    assert main(["ingest", str(extra), "--index", str(index)]) == 0
    assert read_manifest(_current(index)).query_adapter == bundled_adapter().record
    assert main(["ingest", str(extra), "--index", str(index), "--query-adapter", "none"]) == 0
    manifest = read_manifest(_current(index))
    assert manifest.query_adapter is None and manifest.lexicon == lexicon().record


def _current(index: Path) -> Path:
    from policykb.index.generation import open_generation

    return open_generation(index, verify=False).path


def test_an_index_built_without_the_lexicon_is_served_as_built_and_says_to_reingest(built, tmp_path):
    import shutil

    from policykb.search.knowledge_base import KnowledgeBase

    old = tmp_path / "index"
    shutil.copytree(built, old)
    _rewrite_manifest(_current(old), query_adapter=None, lexicon=None)  # as an index built before them
    kb = KnowledgeBase.load(old)
    assert len(kb.query_warnings) == 1 and "policykb ingest" in kb.query_warnings[0]
    assert kb.lexicon is None and kb.embedder.query_adapter is None
    assert "出租人" not in kb.search("房东不给修漏水的房子怎么办", k=5, mode="lexical").synonyms
    from policykb.service.cli import main

    assert main(["ingest", str(FIXTURES), "--index", str(old)]) == 0  # files unchanged: the manifest is renewed
    assert KnowledgeBase.load(old).query_warnings == []


def test_an_index_recording_an_adapter_this_policykb_lacks_is_refused_with_what_to_do(built, tmp_path):
    import shutil

    from policykb.index.embedders import ModelNotFound
    from policykb.search.knowledge_base import KnowledgeBase

    other = tmp_path / "index"
    shutil.copytree(built, other)
    _rewrite_manifest(_current(other), query_adapter={"name": "someone-elses", "sha256": "0" * 64})
    kb = KnowledgeBase.load(other)
    with pytest.raises(ModelNotFound, match="policykb ingest"):
        kb.search("租房期间家具坏了，可以找房东修吗？", k=5, mode="dense")
