"""Embeddings cached by model id + sha256 of the exact text embedded.

The cache is one SQLite file under the index directory, shared by all generations,
so re-ingesting unchanged files embeds nothing and a changed file re-embeds only the
clauses whose embedded text changed.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class CacheStats:
    reused: int = 0
    embedded: int = 0


class EmbeddingCache:
    """Vectors of one model, stored as float32 blobs keyed by text hash."""

    def __init__(self, path: Path, model_id: str, dim: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.model_id, self.dim = model_id, dim
        self.con = sqlite3.connect(path)
        self.con.execute("CREATE TABLE IF NOT EXISTS embeddings (model_id TEXT, sha256 TEXT, "
                         "dim INTEGER, vector BLOB, PRIMARY KEY (model_id, sha256))")

    def close(self) -> None:
        self.con.close()

    def get(self, hashes: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):  # SQLite caps bound parameters
            chunk = hashes[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for sha, dim, blob in self.con.execute(
                    f"SELECT sha256, dim, vector FROM embeddings WHERE model_id=? AND sha256 IN ({marks})",
                    [self.model_id, *chunk]):
                if dim == self.dim:
                    found[sha] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, items: dict[str, np.ndarray]) -> None:
        self.con.executemany(
            "INSERT OR REPLACE INTO embeddings VALUES (?,?,?,?)",
            [(self.model_id, sha, self.dim, np.asarray(v, dtype=np.float32).tobytes())
             for sha, v in items.items()])
        self.con.commit()


def embed_cached(texts: list[str], embed: Callable[[list[str]], np.ndarray], cache: EmbeddingCache,
                 batch_size: int = 64, progress: Callable[[str], None] | None = None
                 ) -> tuple[np.ndarray, list[str], CacheStats]:
    """Vectors for `texts` (rows in order), embedding only those not cached.

    Returns the matrix, the sha256 of each text, and how many were reused/embedded.
    New vectors are written to the cache batch by batch, so a killed build keeps them.
    """
    hashes = [text_sha256(t) for t in texts]
    have = cache.get(sorted(set(hashes)))
    todo: dict[str, str] = {}
    for sha, text in zip(hashes, texts):
        if sha not in have:
            todo.setdefault(sha, text)
    stats = CacheStats(reused=len(texts) - sum(1 for h in hashes if h in todo))
    pending = list(todo.items())
    for start in range(0, len(pending), batch_size):
        batch = pending[start:start + batch_size]
        vectors = embed([t for _, t in batch])
        fresh = {sha: vec for (sha, _), vec in zip(batch, vectors)}
        cache.put(fresh)
        have.update(fresh)
        stats.embedded += len(batch)
        if progress:
            progress(f"  embedded {stats.embedded}/{len(pending)} new texts")
    matrix = np.zeros((len(texts), cache.dim), dtype=np.float32)
    for i, sha in enumerate(hashes):
        matrix[i] = have[sha]
    return matrix, hashes, stats
