"""BM25 over the jieba tokens that ingest made (bm25s, pre-tokenized input).

Saved as bm25s's folder of plain JSON/.npy files with pickle off. Document number i
in the BM25 index is clause row i in the store.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DOC_FREQ = "doc_freq.json"  # ours, next to bm25s's files: token -> number of clauses holding it


@dataclass
class LexicalIndex:
    """A loaded bm25s retriever; `scores` gives one BM25 score per clause row."""

    retriever: Any  # a bm25s.BM25 (bm25s ships no types)
    n_docs: int
    doc_freq: dict[str, int]

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> LexicalIndex:
        import logging

        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import; keep build output quiet
        retriever = bm25s.BM25()  # Lucene BM25, k1=1.5, b=0.75 (bm25s defaults)
        retriever.index(token_lists, show_progress=False)
        doc_freq: dict[str, int] = {}
        for tokens in token_lists:
            for t in set(tokens):
                doc_freq[t] = doc_freq.get(t, 0) + 1
        return cls(retriever, len(token_lists), doc_freq)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), allow_pickle=False, show_progress=False)
        (folder / DOC_FREQ).write_text(json.dumps(self.doc_freq, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, n_docs: int) -> LexicalIndex:
        import bm25s

        # Memory-mapped: a query reads only its terms' postings, so a 1M-clause index
        # need not sit in the server's private memory.
        retriever = bm25s.BM25.load(str(folder), allow_pickle=False, show_progress=False, mmap=True)
        doc_freq = json.loads((folder / DOC_FREQ).read_text(encoding="utf-8"))
        return cls(retriever, n_docs, doc_freq)

    def known(self, tokens: list[str]) -> list[str]:
        """The query tokens the index has seen (bm25s scores only those)."""
        vocab = self.retriever.vocab_dict
        return [t for t in tokens if t and t in vocab]

    def clauses_with(self, token: str) -> int:
        """How many clauses hold `token` (0 for one the index has not seen)."""
        return self.doc_freq.get(token, 0)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every clause row for these query tokens (zeros if none is known)."""
        known = self.known(tokens)
        if not known or self.n_docs == 0:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(known), dtype=np.float32)

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """BM25 (Lucene) idf of each token; an unseen token gets the idf of a one-clause term."""
        n = max(self.n_docs, 1)
        return {t: math.log(1 + (n - df + 0.5) / (df + 0.5))
                for t in tokens for df in [self.doc_freq.get(t, 1)]}
