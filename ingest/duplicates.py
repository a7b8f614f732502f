"""Link identical and near-identical clauses, across documents and files.

Two clauses are near-duplicates when the Jaccard similarity of their character
3-gram sets is at least `threshold` (0.85 by default), computed on a "skeleton" of the
text: its search form with punctuation, brackets and spaces removed, so full-width vs
half-width brackets or a changed comma count for nothing, while a dropped word such as
年度培训计划 → 培训计划 costs a few shingles. 3-grams keep that cost low: one edit
touches at most three shingles.

To scale to 10^5–10^6 clauses, identical skeletons are merged first, then MinHash
signatures (64 hash functions) with LSH (16 bands of 4 rows) propose candidate pairs;
every candidate is confirmed with the exact Jaccard, so LSH only affects speed and a
pair at J ≥ 0.85 is proposed with probability > 0.9999. Groups are the connected
components of confirmed pairs. Within a bucket each member is paired with the next
BUCKET_WINDOW (32) only, so thousands of nearly-the-same lines stay linear.

Clauses whose skeleton is shorter than `min_chars` (12) and headings are left out: a
short heading such as 「附则」 or 「一、指导思想」 recurs everywhere without being a
shared provision. Clauses that share only a sentence or boilerplate stay apart: the
clause as a whole must match.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import defaultdict

import numpy as np

from policykb.ingest.model import Clause
from policykb.text.normalize import search_form

SHINGLE = 3
NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
BUCKET_WINDOW = 32  # candidates per member within one LSH bucket (see _candidate_pairs)
_PRIME = (1 << 61) - 1
_SEED = 20240601  # fixed: the same clauses give the same candidate pairs on every run


def skeleton(search_text: str) -> str:
    """A search form with everything but letters, digits and Han removed."""
    return "".join(ch for ch in search_text if ch.isalnum())


def _shingles(s: str) -> set[str]:
    if len(s) <= SHINGLE:
        return {s}
    return {s[i:i + SHINGLE] for i in range(len(s) - SHINGLE + 1)}


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 1 << 32, size=NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, 1 << 32, size=NUM_PERM, dtype=np.uint64)
    return a, b


def _minhash(shingles: set[str], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MinHash signature: min over shingles of (a*h + b) mod p, h = crc32 (stable across runs)."""
    h = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), dtype=np.uint64, count=len(shingles))
    # a, h < 2^32 so a*h < 2^64 fits in uint64; the modulus keeps the universal-hash form.
    return ((np.outer(a, h) + b[:, None]) % _PRIME).min(axis=1)


def _jaccard(x: set[str], y: set[str]) -> float:
    return len(x & y) / len(x | y)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def group_id(member_ids: list[str]) -> str:
    """Stable id of a group: derived from its smallest member id."""
    return "dup-" + hashlib.sha1(min(member_ids).encode("utf-8")).hexdigest()[:12]


def _candidate_pairs(signatures: list[np.ndarray]) -> set[tuple[int, int]]:
    """Pairs that share a band, each member paired with the next BUCKET_WINDOW of its bucket.

    A bucket of m members would propose m²/2 pairs: thousands of nearly-the-same lines made this
    step quadratic (83 s for 4,000). Pairing each member with the next BUCKET_WINDOW only keeps it
    linear and changes nothing for buckets of up to BUCKET_WINDOW + 1 members (every pair is still
    proposed); in a larger bucket a chain of confirmed neighbours still joins one component.
    """
    pairs: set[tuple[int, int]] = set()
    for band in range(BANDS):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        for i, sig in enumerate(signatures):
            buckets[sig[band * ROWS:(band + 1) * ROWS].tobytes()].append(i)
        for members in buckets.values():
            pairs.update((members[x], members[y]) for x in range(len(members))
                         for y in range(x + 1, min(len(members), x + 1 + BUCKET_WINDOW)))
    return pairs


def group_near_duplicates(clauses: list[Clause], threshold: float = 0.85,
                          min_chars: int = 12) -> dict[str, list[str]]:
    """Set `duplicate_group` on near-identical clauses; return group id -> member clause ids.

    The skeleton is taken from `clause.search_text` (from `search_form(clause.text)` when
    that is empty). Every clause passed in has its `duplicate_group` reset first (None when it has no
    near-duplicate), so running this again on the same clauses gives the same result.
    Member ids are listed in the order the clauses were given.
    """
    for clause in clauses:
        clause.duplicate_group = None
    # Merge identical skeletons first: boilerplate repeated 10^4 times is one LSH entry.
    by_skeleton: dict[str, list[int]] = defaultdict(list)
    for i, clause in enumerate(clauses):
        if clause.kind == "heading":
            continue
        s = skeleton(clause.search_text or search_form(clause.text))
        if len(s) >= min_chars:
            by_skeleton[s].append(i)
    texts = list(by_skeleton)
    shingles = [_shingles(s) for s in texts]
    a, b = _permutations()
    signatures = [_minhash(sh, a, b) for sh in shingles]

    uf = _UnionFind(len(texts))
    for i, j in _candidate_pairs(signatures):
        if uf.find(i) != uf.find(j) and _jaccard(shingles[i], shingles[j]) >= threshold:
            uf.union(i, j)

    components: dict[int, list[int]] = defaultdict(list)
    for t, text in enumerate(texts):
        components[uf.find(t)].extend(by_skeleton[text])
    groups: dict[str, list[str]] = {}
    for members in components.values():
        if len(members) < 2:
            continue
        members.sort()
        ids = [clauses[m].id for m in members]
        gid = group_id(ids)
        for m in members:
            clauses[m].duplicate_group = gid
        groups[gid] = ids
    return groups
