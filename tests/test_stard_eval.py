"""STARD (plain-words legal questions over 88 laws) through `policykb eval`, at a sample size.

The same steps as `make eval-stard` (ingest ../shared/corpora/stard-laws into the cached
.policykb/stard-index, then every mode over ../shared/eval/stard-dev), on SAMPLE questions
drawn with a fixed seed so the run fits CI. The full table and what the misses have in
common: docs/quality.md, "STARD: plain-words questions".
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
STARD = SHARED / "corpora" / "stard-laws"
QUERIES = SHARED / "eval" / "stard-dev" / "queries.jsonl"
SCORER = SHARED / "eval" / "score.py"
INDEX = REPO / ".policykb" / "stard-index"  # make eval-stard's; its embedding cache makes rebuilds quick
SAMPLE, SEED = 80, 0

# Measured on this sample (seed 0, 80 of 734) on 2026-12-01, as landed then: hybrid R@10 0.600,
# hit@10 0.662, MRR@10 0.473; dense R@10 0.604; lexical R@10 0.462 (the full dev set's table is
# in docs/quality.md). One question is 1/80 = 0.0125 of hit@10, so each floor (measured - 0.05)
# lets about four questions slip before it fails. Raise them with what a change reaches.
FLOORS = {"hybrid": {"recall@10": 0.600 - 0.05, "hit@10": 0.662 - 0.05, "mrr@10": 0.473 - 0.05},
          "dense": {"recall@10": 0.604 - 0.05},
          "lexical": {"recall@10": 0.462 - 0.05}}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.shared,
    pytest.mark.skipif(not (STARD.is_dir() and QUERIES.is_file()),
                       reason=f"{STARD} or {QUERIES} is absent (they ship beside the repo, in ../shared, not in it)"),
]


def _cli(*argv) -> tuple[int, str]:
    from policykb.service.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


@pytest.fixture(scope="module")
def stard_index() -> Path:
    """make eval-stard's ingest (~6 min on 2 cores the first time; nothing to do when up to date)."""
    code, _ = _cli("ingest", str(STARD), "--index", str(INDEX))
    assert code == 0
    return INDEX


@pytest.fixture(scope="module")
def stard_eval(stard_index, tmp_path_factory):
    """`policykb eval --mode all --breakdown --sample` over the cached index, as JSON."""
    work = tmp_path_factory.mktemp("stard")
    code, out = _cli("eval", str(QUERIES), "--index", str(INDEX), "--mode", "all", "--breakdown",
                     "--sample", str(SAMPLE), "--seed", str(SEED), "--results", str(work / "run.jsonl"),
                     "--misses", str(work / "misses.jsonl"), "--json")
    assert code == 0
    return {"summary": json.loads(out), "work": work}


def test_the_index_holds_the_whole_stard_corpus(stard_index):
    from policykb.search.knowledge_base import KnowledgeBase

    kb = KnowledgeBase.load(stard_index)
    files = {d.file for d in kb.documents.values()}
    assert {p.name for p in STARD.glob("*.md")} <= files
    assert kb.size >= 6000  # 6,777 clauses when measured: every article, not a few big chunks


def test_every_mode_has_every_figure_and_they_are_consistent(stard_eval):
    summary = stard_eval["summary"]
    assert summary["n_queries"] == SAMPLE and summary["sample"] == SAMPLE
    assert list(summary["modes"]) == ["hybrid", "dense", "lexical"]
    for mode, s in summary["modes"].items():
        d = s["overall"]
        assert d["n_answerable"] == SAMPLE, mode
        assert 0.0 <= d["recall@1"] <= d["recall@5"] <= d["recall@10"] <= d["hit@10"] <= 1.0, mode
        assert d["recall@1"] <= d["mrr@10"] <= d["hit@10"], mode
        assert 0.0 < d["ndcg@10"] <= d["hit@10"], mode
        for dim in ("length", "golds"):
            rows = s["breakdown"][dim]
            assert sum(r["n"] for r in rows.values()) == SAMPLE, (mode, dim)
            weighted = sum(r["n"] * r["recall@10"] for r in rows.values() if r["n"])
            assert weighted / SAMPLE == pytest.approx(d["recall@10"]), (mode, dim)


def test_plain_words_questions_find_their_articles_at_least_as_often_as_measured(stard_eval):
    modes = stard_eval["summary"]["modes"]
    for mode, floors in FLOORS.items():
        for metric, floor in floors.items():
            assert modes[mode]["overall"][metric] >= floor, (mode, metric)
    # hybrid fusion is worth having on these questions too: not clearly below either mode. 0.05 of R@10 is
    # ~3 of these 80 questions; the sample swings that much between machines (AMD EPYC, 2026-12-02: dense
    # 0.653, hybrid 0.619 on this sample, while on all 734 questions hybrid is above dense, 0.623 vs 0.607).
    assert modes["hybrid"]["overall"]["recall@10"] >= max(modes["dense"]["overall"]["recall@10"],
                                                          modes["lexical"]["overall"]["recall@10"]) - 0.05


def test_the_figures_are_the_shared_scorers_on_the_same_run(stard_eval, tmp_path):
    from policykb.service.commands.search import read_queries
    from policykb.service.eval_report import sample_queries

    sampled = tmp_path / "sample.jsonl"
    sampled.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n"
                               for q in sample_queries(read_queries(str(QUERIES)), SAMPLE, SEED)), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("shared_score", SCORER)
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    for mode, s in stard_eval["summary"]["modes"].items():
        with contextlib.redirect_stdout(io.StringIO()):
            theirs = score.main([str(stard_eval["work"] / f"run.{mode}.jsonl"), "--queries", str(sampled), "--json"])
        assert theirs["missing_ids"] == []
        assert s["overall"] == theirs["overall"], mode


def test_the_misses_are_the_hybrid_questions_with_a_gold_outside_the_top_10(stard_eval):
    summary = stard_eval["summary"]
    lines = [json.loads(l) for l in Path(summary["misses_file"]["jsonl"]).read_text(encoding="utf-8").splitlines()]
    hybrid = summary["modes"]["hybrid"]["overall"]
    assert len(lines) == summary["misses_file"]["n"] > 0
    assert sum(1 for m in lines if m["hit@10"] == 0.0) == round(SAMPLE * (1 - hybrid["hit@10"]))
    for m in lines:
        assert m["recall@10"] < 1.0 and any(not g["found_in_top10"] for g in m["golds"])
        # every gold article of STARD is in the index, whole: its text can be shown
        assert all(g["clauses_matching"] >= 1 and g["text_head"] for g in m["golds"]), m["id"]
        assert len(m["top"]) == 3
    assert Path(summary["misses_file"]["markdown"]).read_text(encoding="utf-8").count("\n## ") == len(lines)
