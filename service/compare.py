"""新旧对照: the clauses of two documents aligned, each pair classified, with a character-level redline.

`compare_documents(a, b)` works for two versions of a law, a plan and its successor, or a national
law and a local 实施办法. The alignment is order-keeping first: one dynamic programme (Needleman-Wunsch
style, gaps free) picks the set of in-order pairs with the largest total similarity above a floor,
with a bonus for pairs that carry the same 第X条 when the two documents number alike (most same-number
pairs read alike). Clauses it leaves over are then paired out of order when they still read alike
(`moved`), and a clause left over next to a matched one whose text it continues is joined to that
pair (`split`: one A clause ≈ two consecutive B clauses; `merged`: the other way round).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer

from policykb.ingest.model import Clause, Document

PairKind = Literal["unchanged", "changed", "added", "removed", "moved", "split", "merged"]
PAIR_KINDS: tuple[str, ...] = ("unchanged", "changed", "added", "removed", "moved", "split", "merged")

MATCH_FLOOR = 0.35  # below this two clauses are not taken for one another in order
MOVED_FLOOR = 0.5  # an out-of-order pair must read more alike than an in-order one
MUTUAL_FLOOR = 0.2  # least TF-IDF cosine for a mutual-best pair of left-over clauses
COSINE_FLOOR = 0.18  # least TF-IDF cosine for an in-order pair that is not a clear character match
MOVED_COSINE = 0.2  # the same for an out-of-order pair (a pair out of order needs more evidence)
CLEAR_MATCH = 0.6  # a character similarity this high needs no TF-IDF support
PARTIAL_COSINE = 0.1  # below this TF-IDF cosine the costly substring ratio is not computed
SPLIT_COSINE = 0.4  # least TF-IDF cosine between a clause and the neighbour it also became
SAME_NUMBER_BONUS = 0.5  # added to a same-number pair's gain when the documents number alike
NUMBERED_ALIKE_SHARE = 0.6  # share of same-number pairs that must read alike to trust the numbers
SHRED = 2  # a kept run this short between two changes is shown as part of them

_ARTICLE = re.compile(r"^第[一二三四五六七八九十百千零〇两\d]+条(之[一二三四五六七八九十]+)?$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class RedlineSegment:
    """One run of the character-level diff from A's text to B's: kept, inserted (in B) or deleted (from A)."""

    op: Literal["equal", "insert", "delete"]
    text: str


@dataclass(frozen=True)
class AlignedPair:
    """One row of the comparison. `a`/`b` is the clause on either side (None for added/removed);
    for `split` `b_more` holds the further B clauses `a` became, for `merged` `a_more` the further A
    clauses that became `b`. `similarity` (0-1) is the share of characters the joined texts have in
    common (Indel ratio); `redline` turns A's text (without its number) into B's. `renumbered` says the
    two sides are articles with different 第X条 numbers."""

    kind: PairKind
    a: Clause | None
    b: Clause | None
    similarity: float
    redline: list[RedlineSegment]
    a_more: tuple[Clause, ...] = ()
    b_more: tuple[Clause, ...] = ()
    renumbered: bool = False


@dataclass(frozen=True)
class Comparison:
    """A compared with B: `counts` per pair kind (all of PAIR_KINDS, zeros included), the number of
    renumbered pairs, whether the 第X条 numbers were used as anchors, and the pairs in reading order."""

    a: Document
    b: Document
    counts: dict[str, int]
    renumbered: int
    numbered_alike: bool
    pairs: list[AlignedPair] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The JSON form `policykb compare --json` prints and /api/compare answers."""
        return {"a": _document_dict(self.a), "b": _document_dict(self.b), "counts": dict(self.counts),
                "renumbered": self.renumbered, "numbered_alike": self.numbered_alike,
                "pairs": [_pair_dict(p) for p in self.pairs]}


def _document_dict(doc: Document) -> dict:
    return {"id": doc.id, "title": doc.title, "file": doc.file, "date": doc.meta.value("date")}


def _clause_dict(c: Clause) -> dict:
    return {"id": c.id, "label": c.label, "section_path": list(c.section_path), "text": c.text,
            "line_start": c.line_start, "line_end": c.line_end}


def _pair_dict(p: AlignedPair) -> dict:
    return {"kind": p.kind, "a": [_clause_dict(c) for c in ([p.a, *p.a_more] if p.a else [])],
            "b": [_clause_dict(c) for c in ([p.b, *p.b_more] if p.b else [])],
            "similarity": p.similarity, "renumbered": p.renumbered,
            "redline": [{"op": s.op, "text": s.text} for s in p.redline]}


def comparable_clauses(doc: Document) -> list[Clause]:
    """The clauses compared: the articles when the document has 第X条 articles (their 款 and 项 are in
    the article's text or follow it), else every clause that is not a bare heading."""
    units = [c for c in doc.clauses if c.kind != "heading" and (c.text or "").strip()]
    articles = [c for c in units if is_article(c)]
    if len(articles) >= max(2, len(units) // 3):
        return _articles_with_items(units)
    return units


def is_article(clause: Clause) -> bool:
    return bool(clause.label and _ARTICLE.match(clause.label))


def _articles_with_items(units: list[Clause]) -> list[Clause]:
    """Articles, each with the items and paragraphs that follow it before the next article folded into
    its text (so that 第二十四条's （一）…（四） compare as part of it). What comes before the first
    article (title, adoption history, preamble) is left out: it says when, not what."""
    out: list[Clause] = []
    for c in units:
        if is_article(c):
            out.append(c)
        elif out:
            last = out[-1]
            out[-1] = replace(last, text=last.text + "\n" + c.text, line_end=c.line_end)
    return out


def body_text(clause: Clause) -> str:
    """The clause's text without its own number (「第五条 」) and with line breaks kept."""
    text = clause.text.strip()
    if clause.label and text.startswith(clause.label):
        text = text[len(clause.label):].lstrip(" \u3000")
    return text


def _key(text: str) -> str:
    return _SPACE.sub("", text)


def similarity_matrix(a_text: list[str], b_text: list[str], worth: np.ndarray | None = None) -> list[list[float]]:
    """How alike each A text reads to each B text, 0-1: the larger of their whole-text ratio and, weighted
    by how much of the longer text the shorter one is, the best-substring ratio (a clause that grew by
    new sentences still matches what it was). The whole-text ratios come from rapidfuzz's cdist (in C:
    a code of a thousand articles against its successor is a million pairs); the costlier substring
    ratio only where `worth` (a boolean matrix) is true or the whole ratio is ≥ 0.5."""
    a, b = [_key(t) for t in a_text], [_key(t) for t in b_text]
    if not a or not b:
        return [[0.0] * len(b) for _ in a]
    sims = process.cdist(a, b, scorer=fuzz.ratio, dtype=np.float32).astype(float) / 100
    todo = sims >= 0.5 if worth is None else (sims >= 0.5) | worth
    for i, j in zip(*np.nonzero(todo)):
        x, y = a[i], b[j]
        short, long_ = (x, y) if len(x) <= len(y) else (y, x)
        weight = min(1.0, 2.5 * len(short) / len(long_))
        sims[i, j] = max(sims[i, j], fuzz.partial_ratio(short, long_) / 100 * weight)
    return sims.tolist()


def redline(a: str, b: str) -> list[RedlineSegment]:
    """The character-level diff turning `a` into `b` (difflib, no junk heuristic: Chinese text has no
    words to skip), as equal/delete/insert runs; a replacement is a deletion then an insertion. A kept
    run of one or two characters between two changes is folded into them, so a rewritten phrase reads
    as one deletion and one insertion rather than as shreds around a shared 「的」."""
    runs: list[list[str]] = []  # ["equal", text] or ["change", deleted, inserted]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            runs.append(["equal", a[i1:i2]])
        elif runs and runs[-1][0] == "change":
            runs[-1][1] += a[i1:i2]
            runs[-1][2] += b[j1:j2]
        else:
            runs.append(["change", a[i1:i2], b[j1:j2]])
    k = 1
    while k < len(runs) - 1:
        if runs[k][0] == "equal" and len(runs[k][1]) <= SHRED and runs[k - 1][0] == runs[k + 1][0] == "change":
            kept, after = runs[k][1], runs[k + 1]
            runs[k - 1][1] += kept + after[1]
            runs[k - 1][2] += kept + after[2]
            del runs[k:k + 2]
        else:
            k += 1
    out: list[RedlineSegment] = []
    for run in runs:
        if run[0] == "equal":
            out.append(RedlineSegment("equal", run[1]))
            continue
        if run[1]:
            out.append(RedlineSegment("delete", run[1]))
        if run[2]:
            out.append(RedlineSegment("insert", run[2]))
    return out


def _numbered_alike(a: list[Clause], b: list[Clause], sims: list[list[float]]) -> bool:
    index_b = {c.label: j for j, c in enumerate(b) if is_article(c)}
    same = [(i, index_b[c.label]) for i, c in enumerate(a) if is_article(c) and c.label in index_b]
    if len(same) < 2:
        return False
    alike = sum(1 for i, j in same if sims[i][j] >= MOVED_FLOOR)
    return alike / len(same) >= NUMBERED_ALIKE_SHARE


def _in_order(gain: list[list[float]]) -> list[tuple[int, int]]:
    """The in-order pairs (i increasing with j) with the largest total gain; only positive gains pair."""
    n, m = len(gain), len(gain[0]) if gain else 0
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = best[i], best[i + 1]
        for j in range(m - 1, -1, -1):
            take = gain[i][j] + below[j + 1] if gain[i][j] > 0 else float("-inf")
            row[j] = max(take, below[j], row[j + 1])
    pairs, i, j = [], 0, 0
    while i < n and j < m:
        if gain[i][j] > 0 and best[i][j] == gain[i][j] + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def compare_documents(a_doc: Document, b_doc: Document) -> Comparison:
    """A (the old or national document) compared with B (the new or local one), clause by clause."""
    a, b = comparable_clauses(a_doc), comparable_clauses(b_doc)
    a_text, b_text = [body_text(c) for c in a], [body_text(c) for c in b]
    if not a or not b:  # nothing to align: every clause of the other side is added or removed
        return _assemble(a_doc, b_doc, a, b, a_text, b_text, [], False, {}, {}, {}, {})
    bigrams = _Bigrams(a_text, b_text)
    cos = bigrams.cosines(list(range(len(a))), list(range(len(b))))
    # the substring ratio only matters where a pair can pass the TF-IDF test below or reads alike
    sims = similarity_matrix(a_text, b_text, cos >= PARTIAL_COSINE)
    numbered = _numbered_alike(a, b, sims)
    gain = [[sims[i][j] - MATCH_FLOOR + (SAME_NUMBER_BONUS if numbered and is_article(a[i])
                                          and a[i].label == b[j].label else 0.0)
             for j in range(len(b))] for i in range(len(a))]
    # two signals must agree: characters in order (sims) and the words a clause is about (TF-IDF);
    # boilerplate such as 「县级以上人民政府」 alone makes neither a match nor, with a same number, an anchor
    for i in range(len(a)):
        for j in range(len(b)):
            if sims[i][j] < MATCH_FLOOR / 2 or (sims[i][j] < CLEAR_MATCH and cos[i][j] < COSINE_FLOOR):
                gain[i][j] = min(gain[i][j], 0.0)
    matched = dict(_in_order(gain))  # a index -> b index
    kinds = {i: "in_order" for i in matched}

    # out of order: the best remaining pairs, most alike first
    free_a = [i for i in range(len(a)) if i not in matched]
    taken_b = set(matched.values())
    candidates = sorted(((sims[i][j], i, j) for i in free_a for j in range(len(b)) if j not in taken_b
                         and sims[i][j] >= MOVED_FLOOR and (sims[i][j] >= CLEAR_MATCH or cos[i][j] >= MOVED_COSINE)),
                        reverse=True)
    for _s, i, j in candidates:
        if i in matched or j in taken_b:
            continue
        matched[i], kinds[i] = j, "moved"
        taken_b.add(j)
    # rewritten clauses share few characters in order but many words: pair the left-over ones that
    # are each other's best by TF-IDF over character bigrams (the law's common words weigh little)
    for i, j in _mutual_best(bigrams, [i for i in range(len(a)) if i not in matched],
                             [j for j in range(len(b)) if j not in taken_b]):
        matched[i], kinds[i] = j, ("moved" if _out_of_order(matched, i, j) else "in_order")
        taken_b.add(j)

    a_more: dict[int, list[int]] = {}
    b_more: dict[int, list[int]] = {}
    _join_neighbours(matched, len(a), len(b), bigrams, a_more, b_more)
    return _assemble(a_doc, b_doc, a, b, a_text, b_text, sims, numbered, matched, kinds, a_more, b_more)


class _Bigrams:
    """TF-IDF over the characters and character bigrams of both documents' clauses: words common to the
    whole law (职业教育, 人民政府) weigh little, the ones a clause is about weigh much."""

    def __init__(self, a_text: list[str], b_text: list[str]) -> None:
        self.a = [_key(t) for t in a_text]
        self.b = [_key(t) for t in b_text]
        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit(self.a + self.b)
        self.va, self.vb = self.vectorizer.transform(self.a), self.vectorizer.transform(self.b)

    def cosines(self, rows: list[int], cols: list[int]):
        return (self.va[rows] @ self.vb[cols].T).toarray()

    def cosine(self, i: int, j: int) -> float:
        return float(self.cosines([i], [j])[0, 0])


def _mutual_best(bigrams: _Bigrams, free_a: list[int], free_b: list[int]) -> list[tuple[int, int]]:
    """Pairs of left-over clauses each of which is the other's most alike by TF-IDF (cosine ≥ MUTUAL_FLOOR)."""
    if not free_a or not free_b:
        return []
    cos = bigrams.cosines(free_a, free_b)
    pairs = []
    for r, i in enumerate(free_a):
        c = int(cos[r].argmax())
        if cos[r, c] >= MUTUAL_FLOOR and int(cos[:, c].argmax()) == r:
            pairs.append((i, free_b[c]))
    return pairs


def _out_of_order(matched: dict[int, int], i: int, j: int) -> bool:
    return any((ii < i and jj > j) or (ii > i and jj < j) for ii, jj in matched.items() if ii != i)


def _join_neighbours(matched: dict[int, int], n_a: int, n_b: int, bigrams: _Bigrams,
                     a_more: dict[int, list[int]], b_more: dict[int, list[int]]) -> None:
    """A left-over clause next to a matched one joins that pair when it reads much like the other side
    too (TF-IDF cosine ≥ SPLIT_COSINE): B clause j±1 of A clause i (split), or A clause i±1 of B
    clause j (merged)."""
    taken_b = set(matched.values())
    for i, j in sorted(matched.items()):
        for nb in (j + 1, j - 1):
            if 0 <= nb < n_b and nb not in taken_b and bigrams.cosine(i, nb) >= SPLIT_COSINE:
                b_more.setdefault(i, []).append(nb)
                taken_b.add(nb)
                break
    taken_a = set(matched)
    for i, j in sorted(matched.items()):
        if i in b_more:
            continue
        for na in (i + 1, i - 1):
            if 0 <= na < n_a and na not in taken_a and bigrams.cosine(na, j) >= SPLIT_COSINE:
                a_more.setdefault(i, []).append(na)
                taken_a.add(na)
                break


def _assemble(a_doc, b_doc, a, b, a_text, b_text, sims, numbered, matched, kinds, a_more, b_more) -> Comparison:
    pairs_at: list[tuple[tuple[float, float], AlignedPair]] = []  # (position key, pair) to sort by reading order
    joined_a = {x for more in a_more.values() for x in more}
    joined_b = {x for more in b_more.values() for x in more}
    for i, j in matched.items():
        extra_a = sorted(a_more.get(i, []))
        extra_b = sorted(b_more.get(i, []))
        idx_a = sorted([i, *extra_a])
        idx_b = sorted([j, *extra_b])
        ta = "\n".join(a_text[x] for x in idx_a)
        tb = "\n".join(b_text[x] for x in idx_b)
        kind: PairKind
        if extra_b:
            kind = "split"
        elif extra_a:
            kind = "merged"
        elif kinds[i] == "moved":
            kind = "moved"
        else:
            kind = "unchanged" if _key(ta) == _key(tb) else "changed"
        first_a, first_b = a[idx_a[0]], b[idx_b[0]]
        pair = AlignedPair(kind, first_a, first_b, round(fuzz.ratio(_key(ta), _key(tb)) / 100, 3), redline(ta, tb),
                           tuple(a[x] for x in idx_a[1:]), tuple(b[x] for x in idx_b[1:]),
                           renumbered=is_article(first_a) and is_article(first_b) and first_a.label != first_b.label)
        pairs_at.append(((idx_b[0], idx_a[0]), pair))
    paired_a = set(matched) | joined_a
    paired_b = set(matched.values()) | joined_b
    for j in range(len(b)):
        if j not in paired_b:
            pairs_at.append(((j, -0.5), AlignedPair("added", None, b[j], 0.0, redline("", b_text[j]))))
    order_b = sorted(((i, j) for i, j in matched.items()))
    for i in range(len(a)):
        if i not in paired_a:
            # a removed clause sits after the B clause its nearest earlier matched A clause went to
            before = [j for ii, j in order_b if ii < i]
            pos = (max(before) + 0.5 if before else -0.5, i)
            pairs_at.append((pos, AlignedPair("removed", a[i], None, 0.0, redline(a_text[i], ""))))
    pairs = [p for _, p in sorted(pairs_at, key=lambda t: t[0])]
    counts = {k: 0 for k in PAIR_KINDS}
    for p in pairs:
        counts[p.kind] += 1
    return Comparison(a_doc, b_doc, counts, sum(p.renumbered for p in pairs), numbered, pairs)
