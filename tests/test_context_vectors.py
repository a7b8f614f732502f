"""Each clause is also embedded under its law's title and chapter, so a question that names the
topic (租赁合同, 解除劳动合同) reaches an article whose own words do not; an index built before
that gets the extra vectors on its next ingest, embedding only them."""

from __future__ import annotations

from pathlib import Path

from policykb.index.generation import open_generation
from policykb.index.units import EMBEDDING_UNIT, embedding_texts
from policykb.ingest.pipeline import ingest_paths
from policykb.service.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "stard"
LEASE_CHAPTER = FIXTURES / "民法典-合同编(2020-05-28).md"


def test_every_clause_gets_one_more_vector_of_its_text_under_its_title_and_chapter():
    documents = ingest_paths([LEASE_CHAPTER], jobs=1).documents
    texts, owners = embedding_texts(documents)
    clauses = [c for d in documents for c in d.clauses]
    article = next(i for i, c in enumerate(clauses) if c.text.startswith("第七百零三条"))
    mine = [texts[i] for i, (row, _) in enumerate(owners) if row == article]
    assert clauses[article].search_text in mine  # the plain vector stays
    with_context = [t for t in mine if t.endswith("\n" + clauses[article].search_text)]
    assert len(with_context) == 1
    context = with_context[0].split("\n")[0]
    assert "民法典" in context and "租赁合同" in context
    assert len(texts) == len(embedding_texts(documents, "windows")[0]) + len(clauses)


def test_an_index_built_before_context_vectors_gets_them_on_the_next_ingest(tmp_path, tiny_model_path, capsys):
    from policykb.index.build import build_index
    from policykb.index.embedders import load_embedder

    index = tmp_path / "index"
    run = ingest_paths([FIXTURES], jobs=1)
    old = build_index(run, index, embedder=load_embedder(tiny_model_path), progress=None, unit="windows")
    assert open_generation(index).manifest.embedding_unit == "windows"
    capsys.readouterr()

    assert main(["ingest", str(FIXTURES), "--index", str(index), "--model", tiny_model_path]) == 0
    out = capsys.readouterr().out
    assert "up to date" not in out
    manifest = open_generation(index).manifest
    assert manifest.embedding_unit == EMBEDDING_UNIT == "windows+context"
    assert manifest.counts["vectors"] == old.vectors + manifest.counts["clauses"]
    # the plain vectors come from the cache; only the context texts are embedded
    assert f"reused {old.vectors} from cache" in out

    assert main(["ingest", str(FIXTURES), "--index", str(index), "--model", tiny_model_path]) == 0
    assert "up to date" in capsys.readouterr().out
