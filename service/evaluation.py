"""Retrieval metrics for `policykb eval`, identical to the shared scorer.

The functions `norm`, `file_match`, `gold_groups`, `matched_groups`, `score_query`,
`confidence`, `abstained`, `auroc` and the summary/table are copied, with only
formatting changes, from `shared/eval/score.py` (the seed eval set's scorer, which
defines the metrics; see its README for the matching rule). They are vendored, not
imported, because an installed policykb has no ../shared; tests/test_search.py checks
that both give the same figures on the same results.
"""

from __future__ import annotations

import math
import os
import re
from functools import lru_cache

_FW = {0xFF10 + i: 0x30 + i for i in range(10)}          # ０-９
_FW.update({0xFF21 + i: 0x41 + i for i in range(26)})      # Ａ-Ｚ
_FW.update({0xFF41 + i: 0x61 + i for i in range(26)})      # ａ-ｚ
_WS = re.compile(r"\s+")
KINDS_ORDER = ["paraphrase", "keyword", "numeric", "traditional", "cross-doc", "negative"]


@lru_cache(maxsize=1)
def _cc():
    import opencc

    return opencc.OpenCC("t2s")  # the scorer's own config, not ingest's


def norm(s):
    """t2s conversion, full-width digits/letters -> half-width, drop all whitespace."""
    return _WS.sub("", _cc().convert(s or "").translate(_FW))


def _base(f):
    return os.path.basename(str(f or "")).strip()


def file_match(res_file, gold_file):
    if not res_file:
        return True
    a, b = _base(res_file), _base(gold_file)
    return a == b or os.path.splitext(a)[0] == os.path.splitext(b)[0]


def gold_groups(gold):
    """Groups of alternative (file, normalized must_contain) answers."""
    if not gold:
        return []
    if not any("group" in g for g in gold):
        return [[(g["file"], norm(g["must_contain"])) for g in gold]]
    groups, order = {}, []
    for i, g in enumerate(gold):
        key = g.get("group", f"__entry{i}")
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((g["file"], norm(g["must_contain"])))
    return [groups[k] for k in order]


def matched_groups(result, groups):
    text = norm(result.get("text", ""))
    f = result.get("file")
    return {gi for gi, alts in enumerate(groups)
            if any(mc and mc in text and file_match(f, gf) for gf, mc in alts)}


def score_query(results, groups, k=10):
    """recall@1/5/10 (fraction of answer groups found), hit@k, MRR@k, nDCG@k."""
    res = results[:max(k, 10)]
    credited, first_rel = set(), None
    dcg = 0.0
    found_at = {}
    for r, item in enumerate(res, 1):
        m = matched_groups(item, groups)
        if m and first_rel is None:
            first_rel = r
        new = m - credited
        if new:
            if r <= k:
                dcg += 1.0 / math.log2(r + 1)
            for g in new:
                found_at[g] = r
            credited |= new
    if first_rel is not None and first_rel > k:
        first_rel = None
    n = len(groups)
    idcg = sum(1.0 / math.log2(r + 1) for r in range(1, min(n, k) + 1))
    out = {}
    for c in (1, 5, 10):
        out[f"recall@{c}"] = sum(1 for g, r in found_at.items() if r <= c) / n
    out[f"hit@{k}"] = 1.0 if first_rel is not None else 0.0
    out[f"mrr@{k}"] = 1.0 / first_rel if first_rel else 0.0
    out[f"ndcg@{k}"] = dcg / idcg if idcg else 0.0
    out["first_rel_rank"] = first_rel
    return out


def confidence(line):
    if line is None:
        return None
    if isinstance(line.get("confidence"), (int, float)):
        return float(line["confidence"])
    rs = line.get("results") or []
    if rs and isinstance(rs[0].get("score"), (int, float)):
        return float(rs[0]["score"])
    return None


def abstained(line, threshold):
    if line is None or not (line.get("results") or []):
        return True
    if line.get("no_answer") is True:
        return True
    if threshold is not None:
        c = confidence(line)
        if c is not None and c < threshold:
            return True
    return False


def auroc(pos, neg):
    """P(conf(answerable) > conf(negative)), ties count 1/2."""
    if not pos or not neg:
        return None
    s = 0.0
    for p in pos:
        for q in neg:
            s += 1.0 if p > q else 0.5 if p == q else 0.0
    return s / (len(pos) * len(neg))


def mean(xs):
    return sum(xs) / len(xs) if xs else None


def summarize(queries: list[dict], runs: dict[str, dict], k: int = 10,
              threshold: float | None = None) -> dict:
    """The scorer's summary: overall and per-kind metrics, abstention rates, AUROC."""
    metric_names = ["recall@1", "recall@5", "recall@10", f"hit@{k}", f"mrr@{k}", f"ndcg@{k}"]
    by_kind: dict[str, list[dict]] = {}
    per_q, pos_conf, neg_conf = [], [], []
    for q in queries:
        line = runs.get(q["id"])
        results = (line or {}).get("results") or []
        groups = gold_groups(q.get("gold", []))
        conf = confidence(line)
        rec = {"id": q["id"], "kind": q.get("kind", "?"), "answerable": bool(groups),
               "abstained": abstained(line, threshold), "confidence": conf, "n_groups": len(groups)}
        if groups:
            rec.update(score_query(results, groups, k))
            if conf is not None:
                pos_conf.append(conf)
        elif conf is not None:
            neg_conf.append(conf)
        per_q.append(rec)
        by_kind.setdefault(rec["kind"], []).append(rec)

    def agg(recs):
        ans = [r for r in recs if r["answerable"]]
        neg = [r for r in recs if not r["answerable"]]
        d = {"n": len(recs), "n_answerable": len(ans), "n_negative": len(neg)}
        for m in metric_names:
            d[m] = mean([r[m] for r in ans])
        d["false_abstain_rate"] = mean([1.0 if r["abstained"] else 0.0 for r in ans])
        d["neg_abstain_rate"] = mean([1.0 if r["abstained"] else 0.0 for r in neg])
        return d

    order = KINDS_ORDER + sorted(kd for kd in by_kind if kd not in KINDS_ORDER)
    return {"k": k, "threshold": threshold, "overall": agg(per_q),
            "per_kind": {kd: agg(by_kind[kd]) for kd in order if kd in by_kind},
            "confidence_auroc": auroc(pos_conf, neg_conf),
            "n_conf_answerable": len(pos_conf), "n_conf_negative": len(neg_conf),
            "missing_ids": sorted({q["id"] for q in queries} - set(runs)), "per_query": per_q}


def format_table(summary: dict) -> str:
    """The scorer's text table (same columns and number format as score.py)."""
    k = summary["k"]
    metric_names = ["recall@1", "recall@5", "recall@10", f"hit@{k}", f"mrr@{k}", f"ndcg@{k}"]

    def f(x):
        return "   -  " if x is None else f"{x:6.3f}"

    cols = ["R@1", "R@5", "R@10", f"Hit@{k}", f"MRR@{k}", f"nDCG@{k}", "FalseAbst", "NegAbst"]
    lines = [f"{'kind':12s} {'n':>3s} {'ans':>3s} " + " ".join(f"{c:>9s}" for c in cols)]
    rows = [("ALL", summary["overall"]), *list(summary["per_kind"].items())]
    for name, d in rows:
        vals = [d[m] for m in metric_names] + [d["false_abstain_rate"], d["neg_abstain_rate"]]
        lines.append(f"{name:12s} {d['n']:3d} {d['n_answerable']:3d} " + " ".join(f"{f(v):>9s}" for v in vals))
    lines.append(f"confidence AUROC answerable-vs-negative: {f(summary['confidence_auroc'])} "
                 f"(conf available for {summary['n_conf_answerable']} answerable / "
                 f"{summary['n_conf_negative']} negative queries)")
    return "\n".join(lines)
