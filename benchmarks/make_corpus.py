"""Synthesize a large policy corpus from real sentences, and derive its vectors from real embeddings.

A synthetic clause is 1–3 real sentences of the sentence pool (benchmarks.common)
drawn with a seeded RNG; each file is one "document" whose title is a real sentence
and whose body is 100 clauses numbered 第一条, 第二条 … one per line (so the plain
stack's one-line chunks are exactly our clauses).

Vectors: a text made of pool sentences gets the L2-normalized, randomly weighted
(0.5–1.5) sum of those sentences' real embeddings; a one-sentence text is mixed with
a second real sentence at weight 0.1–0.3 so copies of the same sentence do not give
identical vectors. `prefill_cache` writes these vectors into an index directory's
embedding cache under the embedder's model id, so `index.build.build_index` with the
real embedder finds every text cached and embeds nothing: the real build path, at a
size this machine cannot embed.

    .venv/bin/python -m benchmarks.make_corpus --size 100k   # -> .policykb/bench/corpus-100k/
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
from pathlib import Path

import numpy as np

from benchmarks.common import (BENCH_DIR, SentencePool, load_embedder, sentence_key, sentence_pool, size_of,
                               split_sentences)

CLAUSES_PER_FILE = 100
SENTENCE_COUNTS, SENTENCE_WEIGHTS = (1, 2, 3), (0.2, 0.4, 0.4)
_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..9999 in Chinese numerals as used in 第N条 (十, 十一, 二十, 一百零五 …)."""
    if n < 10:
        return _DIGITS[n]
    parts, zero = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero:
                parts.append("零")
                zero = False
            parts.append(("" if (unit == "十" and n < 20) else _DIGITS[digit]) + unit)
        elif parts:
            zero = True
    return "".join(parts)


def draw_clauses(n: int, n_sentences: int, seed: int = 20240611) -> list[list[int]]:
    """n clauses, each a list of 1–3 sentence rows of the pool (seeded)."""
    rng = np.random.default_rng(seed)
    counts = rng.choice(SENTENCE_COUNTS, size=n, p=SENTENCE_WEIGHTS)
    rows = rng.integers(0, n_sentences, size=int(counts.sum()))
    out, at = [], 0
    for c in counts:
        out.append(rows[at:at + c].tolist())
        at += c
    return out


def derive_vectors(pool: SentencePool, members: list[list[int]], seed: int = 5) -> np.ndarray:
    """One normalized vector per list of pool rows: a weighted mixture of real embeddings."""
    rng = np.random.default_rng(seed)
    dim = pool.vectors.shape[1]
    out = np.zeros((len(members), dim), dtype=np.float32)
    for i, rows in enumerate(members):
        if len(rows) == 1:  # mix with a second real sentence so copies differ
            rows = [rows[0], int(rng.integers(0, len(pool.texts)))]
            weights = np.array([1.0, rng.uniform(0.1, 0.3)], dtype=np.float32)
        else:
            weights = rng.uniform(0.5, 1.5, size=len(rows)).astype(np.float32)
        out[i] = weights @ pool.vectors[rows]
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def clause_vectors(pool: SentencePool, n: int, seed: int = 20240611) -> np.ndarray:
    """The derived vectors of the n synthetic clauses (whole clauses; no windows)."""
    return derive_vectors(pool, draw_clauses(n, len(pool.texts), seed))


def clause_texts(pool: SentencePool, n: int, seed: int = 20240611) -> list[str]:
    """The n synthetic clause texts, without labels (one line each)."""
    return ["".join(pool.texts[r] for r in rows) for rows in draw_clauses(n, len(pool.texts), seed)]


def title_of(sentence: str) -> str:
    """A title ingest reads as one (…管理办法): the sentence's first phrase, as real titles name a topic,
    so each clause has the title and context vector a real document gives it (index/units.py)."""
    phrase = re.split(r"[，。；！？,;!?：:、“”\s]", sentence.strip())[0][:24]
    return f"{phrase or '工作'}管理办法"


def write_corpus(pool: SentencePool, n: int, folder: Path, seed: int = 20240611) -> Path:
    """Write n synthetic clauses as .txt files of CLAUSES_PER_FILE clauses under `folder` (replaced)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed + 1)
    texts = clause_texts(pool, n, seed)
    for f, start in enumerate(range(0, n, CLAUSES_PER_FILE)):
        title = title_of(pool.texts[int(rng.integers(0, len(pool.texts)))])
        body = [f"第{chinese_number(i + 1)}条 {t}" for i, t in enumerate(texts[start:start + CLAUSES_PER_FILE])]
        sub = folder / f"{f // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc_{f:06d}.txt").write_text(title + "\n\n" + "\n".join(body) + "\n", encoding="utf-8")
    return folder


def text_vector(pool: SentencePool, lookup: dict[str, int], text: str) -> tuple[np.ndarray, bool]:
    """The derived vector of one embedding text (search form); False when no piece was a pool sentence.

    An unmatched text (rare: a title cut differently) gets a mixture of two pool
    sentences chosen by the text's hash: still a real-embedding mixture, not noise.
    """
    keys = [sentence_key(s) for s in (split_sentences(text) or [text])]
    rows = [lookup[k] for k in keys if k in lookup]
    matched = bool(rows)
    if not rows:
        h = int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)
        rows = [h % len(pool.texts), (h // 7919) % len(pool.texts)]
    seed = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
    return derive_vectors(pool, [rows], seed)[0], matched


def prefill_cache(index_dir: Path, documents, pool: SentencePool, dim: int, unit: str | None = None) -> dict:
    """Put the derived vector of every text the build will embed into index_dir's embedding cache."""
    from policykb.index.build import CACHE
    from policykb.index.embed_cache import EmbeddingCache, text_sha256
    from policykb.index.units import EMBEDDING_UNIT, embedding_texts

    texts, _owners = embedding_texts(documents, unit or EMBEDDING_UNIT)
    lookup = pool.lookup()
    cache = EmbeddingCache(Path(index_dir) / CACHE, pool.model_id, dim)
    unmatched, batch = 0, {}
    try:
        for text in dict.fromkeys(texts):
            vector, matched = text_vector(pool, lookup, text)
            unmatched += not matched
            batch[text_sha256(text)] = vector
            if len(batch) >= 20_000:
                cache.put(batch)
                batch = {}
        cache.put(batch)
    finally:
        cache.close()
    return {"texts": len(texts), "distinct": len(set(texts)), "unmatched": unmatched}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10k", help="clauses: 10k, 100k, 1m or a number")
    parser.add_argument("--model", default=None, help="embedder (default: policykb's default)")
    parser.add_argument("--out", type=Path, help="folder (default .policykb/bench/corpus-SIZE)")
    args = parser.parse_args(argv)
    n = size_of(args.size)
    pool = sentence_pool(load_embedder(args.model))
    folder = write_corpus(pool, n, args.out or BENCH_DIR / f"corpus-{args.size}")
    print(f"wrote {n} clauses from {len(pool.texts)} real sentences to {folder}")


if __name__ == "__main__":
    main()
