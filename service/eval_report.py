"""What `policykb eval` adds around the shared scorer: samples, breakdowns, several modes, misses.

The metrics themselves are the scorer's (service/evaluation.py, a copy of
shared/eval/score.py): every figure here is a mean of its per-query records, so a
breakdown row is the scorer's figure on that subset of the questions.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policykb.index.rows import DocumentRow
from policykb.service.evaluation import file_match, gold_groups, matched_groups, norm

if TYPE_CHECKING:
    from policykb.ingest.model import Clause

METRICS = ["recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "hit@10"]
HEADERS = ["R@1", "R@5", "R@10", "MRR@10", "nDCG@10", "hit@10"]
# (name, lowest, highest) in characters of the question as asked; None: open-ended
LENGTH_BUCKETS = [("≤15", 0, 15), ("16–30", 16, 30), (">30", 31, None)]
GOLD_BUCKETS = [("1", 1, 1), ("2", 2, 2), ("3+", 3, None)]
TEXT_HEAD = 120


def sample_queries(queries: list[dict], n: int | None, seed: int = 0) -> list[dict]:
    """`n` of `queries` drawn at random with `seed` (the same ones every run), in file order.

    None or n >= len(queries): all of them.
    """
    if n is None or n >= len(queries):
        return list(queries)
    if n < 0:
        raise ValueError(f"a sample size is 0 or more (got {n})")
    keep = set(random.Random(seed).sample(range(len(queries)), n))
    return [q for i, q in enumerate(queries) if i in keep]


def _bucket(value: int, buckets) -> str:
    for name, low, high in buckets:
        if value >= low and (high is None or value <= high):
            return name
    return "?"


def length_bucket(query: str) -> str:
    return _bucket(len(query.strip()), LENGTH_BUCKETS)


def gold_bucket(n_groups: int) -> str:
    return _bucket(n_groups, GOLD_BUCKETS) if n_groups else "0"


def aggregate(records: list[dict]) -> dict:
    """n and the mean of each metric over answerable per-query records (None when there are none)."""
    ans = [r for r in records if r.get("answerable")]
    out: dict[str, Any] = {"n": len(ans)}
    for m in METRICS:
        out[m] = sum(r[m] for r in ans) / len(ans) if ans else None
    return out


def breakdowns(queries: list[dict], per_query: list[dict]) -> dict[str, dict[str, dict]]:
    """{"length": {bucket: aggregate}, "golds": {bucket: aggregate}} over answerable questions.

    `per_query` are the summary's per-query records (service.evaluation.summarize), in any order.
    """
    by_id = {r["id"]: r for r in per_query}
    out: dict[str, dict[str, dict]] = {}
    for dim, buckets, key in (("length", LENGTH_BUCKETS, lambda q, r: length_bucket(q["query"])),
                              ("golds", GOLD_BUCKETS, lambda q, r: gold_bucket(r["n_groups"]))):
        groups: dict[str, list[dict]] = {name: [] for name, _, _ in buckets}
        for q in queries:
            r = by_id.get(q["id"])
            if r is None or not r.get("answerable"):
                continue
            groups.setdefault(key(q, r), []).append(r)
        out[dim] = {name: aggregate(recs) for name, recs in groups.items()}
    return out


def _f(x) -> str:
    return "    -" if x is None else f"{x:.3f}"


def format_modes(summaries: dict[str, dict]) -> str:
    """One row per mode: n, R@1, R@5, R@10, MRR@10, nDCG@10, hit@10 (over answerable questions)."""
    lines = [f"{'mode':8s} {'n':>5s} " + " ".join(f"{h:>7s}" for h in HEADERS)]
    for mode, s in summaries.items():
        d = s["overall"]
        lines.append(f"{mode:8s} {d['n_answerable']:5d} " + " ".join(f"{_f(d[m]):>7s}" for m in METRICS))
    return "\n".join(lines)


DIMENSION_TITLES = {"length": "by question length (characters)", "golds": "by number of gold groups"}


def format_breakdowns(per_mode: dict[str, dict[str, dict[str, dict]]]) -> str:
    """The breakdown tables: for each dimension, a row per (bucket, mode)."""
    first = next(iter(per_mode.values()), {})
    blocks = []
    for dim in first:
        lines = [DIMENSION_TITLES.get(dim, dim),
                 f"{'bucket':7s} {'n':>5s} {'mode':8s} " + " ".join(f"{h:>7s}" for h in HEADERS)]
        for bucket in first[dim]:
            for i, (mode, dims) in enumerate(per_mode.items()):
                d = dims[dim][bucket]
                head = f"{bucket:7s} {d['n']:5d}" if i == 0 else " " * 13
                lines.append(f"{head} {mode:8s} " + " ".join(f"{_f(d[m]):>7s}" for m in METRICS))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# -- misses ------------------------------------------------------------------------------

def _head(text: str, n: int = TEXT_HEAD) -> str:
    one = " ".join((text or "").split())
    return one if len(one) <= n else one[:n] + "…"


class GoldFinder:
    """The clauses of an index that hold a gold (file, must_contain), read from its store on demand."""

    def __init__(self, kb) -> None:
        self.kb = kb
        self._docs: dict[str, list[tuple[DocumentRow, Clause]]] = {}

    def _clauses_of(self, gold_file: str) -> list[tuple[DocumentRow, Clause]]:
        if gold_file not in self._docs:
            found: list[tuple[DocumentRow, Clause]] = []
            for doc_id, d in self.kb.documents.items():
                if file_match(d.file, gold_file):
                    doc = self.kb.store.document(doc_id)
                    found.extend((d, c) for c in (doc.clauses if doc else []))
            self._docs[gold_file] = found
        return self._docs[gold_file]

    def find(self, gold_file: str, must_contain: str) -> list[dict]:
        """Every clause of `gold_file` whose normalized text contains `must_contain` (normalized)."""
        needle = norm(must_contain)
        out = []
        for d, c in self._clauses_of(gold_file):
            if needle and needle in norm(c.text):
                out.append({"file": d.file, "title": d.title, "label": c.label,
                            "section_path": list(c.section_path), "kind": c.kind, "text": c.text})
        return out


def _result_view(rank: int, r: dict, groups) -> dict:
    c = r.get("citation") or {}
    return {"rank": rank, "file": r.get("file"), "title": c.get("title"), "label": c.get("label"),
            "section_path": c.get("section_path") or [], "text_head": _head(r.get("text", "")),
            "matches_gold": sorted(matched_groups(r, groups))}


def gold_rank(results: list[dict], groups, group_index: int) -> int | None:
    """The first rank (1-based) in `results` that answers gold group `group_index`, or None."""
    for rank, r in enumerate(results, 1):
        if group_index in matched_groups(r, groups):
            return rank
    return None


def miss_record(query: dict, record: dict, line: dict, deep: list[dict] | None, finder: GoldFinder | None,
                mode: str, top: int = 3) -> dict:
    """One missed question: its golds (found or not in the top 10, deeper rank), and the top results.

    `line` is the run's batch line (top 10), `deep` the same search to a greater depth (or None).
    """
    groups = gold_groups(query.get("gold", []))
    results = (line or {}).get("results") or []
    gold = query.get("gold", [])
    has_groups = any("group" in g for g in gold)
    entries: dict[str | None, list[dict]] = {}  # the scorer's grouping (gold_groups), entries kept
    for i, g in enumerate(gold):
        entries.setdefault(g.get("group", f"__entry{i}") if has_groups else None, []).append(g)
    golds = []
    for gi, (key, alts) in enumerate(entries.items()):
        rank10 = gold_rank(results[:10], groups, gi)
        rank_deep = gold_rank(deep, groups, gi) if deep is not None else None
        for g in alts:
            clauses = finder.find(g["file"], g["must_contain"]) if finder else []
            golds.append({
                "group": key, "file": g["file"], "must_contain": g["must_contain"],
                "found_in_top10": rank10 is not None, "rank": rank10 or rank_deep,
                "clauses_matching": len(clauses),
                "label": clauses[0]["label"] if clauses else None,
                "section_path": clauses[0]["section_path"] if clauses else [],
                "title": clauses[0]["title"] if clauses else None,
                "text_head": _head(clauses[0]["text"], 200) if clauses else None,
            })
    return {"id": query["id"], "query": query["query"], "mode": mode,
            "recall@10": record["recall@10"], "hit@10": record["hit@10"],
            "n_groups": record["n_groups"], "golds": golds,
            "deep_k": len(deep) if deep is not None else None,
            "top": [_result_view(i, r, groups) for i, r in enumerate(results[:top], 1)]}


def write_misses(path: str | Path, misses: list[dict]) -> tuple[Path, Path]:
    """Write the misses as JSONL at `path` and as markdown beside it (same name, .md)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for m in misses:
            f.write(json.dumps(m, ensure_ascii=False) + "\n")
    md = path.with_suffix(".md")
    md.write_text(render_misses(misses), encoding="utf-8")
    return path, md


def render_misses(misses: list[dict]) -> str:
    """A readable rendering: per question, its golds (✗ missed, ✓ found) then the top results."""
    full = sum(1 for m in misses if not m["hit@10"])
    lines = [f"# Misses: {len(misses)} questions with a gold group outside the top 10 "
             f"({full} with none of theirs in it)", ""]
    for m in misses:
        state = "none found" if not m["hit@10"] else f"R@10 {m['recall@10']:.2f}"
        lines.append(f"## {m['id']} ({m['mode']}, {state}): {m['query']}")
        lines.append("")
        lines.append("gold:")
        for g in m["golds"]:
            mark = "✓" if g["found_in_top10"] else "✗"
            where = f"rank {g['rank']}" if g["rank"] else f"not in top {m['deep_k'] or 10}"
            label = " › ".join([*g["section_path"], g["label"] or ""]).strip(" ›")
            lines.append(f"- {mark} [{g['group']}] {g['file']} {label} ({where})"
                         + ("" if g["clauses_matching"] == 1 else f" — matches {g['clauses_matching']} clauses"))
            lines.append(f"  > {g['text_head'] or '(no clause of the index holds: ' + g['must_contain'] + ')'}")
        lines.append("")
        lines.append("returned:")
        for r in m["top"]:
            hit = f" = gold {','.join(str(i) for i in r['matches_gold'])}" if r["matches_gold"] else ""
            lines.append(f"{r['rank']}. {r['file']} {r['label'] or ''}{hit}")
            lines.append(f"   > {r['text_head']}")
        lines.append("")
    return "\n".join(lines)
