"""Embed concurrent queries together: one forward pass for every query waiting.

On 2 cores the query embedding is most of a hybrid search's cost, and a forward pass
over 4 short queries costs far less than 4 passes over one (the matrix kernels are
starved at one row). So searches running at the same time hand their query to a
`QueryBatcher`: a caller that finds no pass running embeds everything queued in one
pass; callers that arrive meanwhile wait, and the next pass takes all of them. A lone
query is embedded at once, with no added wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

MAX_BATCH = 16  # queries per forward pass; more would only pad longer


class QueryBatcher:
    """Thread-safe `embed(text)` that batches the queries of concurrent callers.

    A caller leads at most until its own query is embedded, then hands over to a
    waiting caller, so no request keeps working for others.
    """

    def __init__(self, embed_queries: Callable[[list[str]], np.ndarray], max_batch: int = MAX_BATCH) -> None:
        self._embed_queries = embed_queries
        self._max_batch = max_batch
        self._cond = threading.Condition()
        self._queue: list[_Pending] = []
        self._leading = False
        self.passes = 0  # forward passes run, for tests and benchmarks
        self.embedded = 0  # queries embedded

    def embed(self, text: str) -> np.ndarray:
        """The query vector of `text` (the embedder's `embed_queries([text])[0]`)."""
        mine = _Pending(text)
        with self._cond:
            self._queue.append(mine)
            while not mine.done:
                if self._leading:
                    self._cond.wait()
                    continue
                self._leading = True
                batch, self._queue = self._queue[:self._max_batch], self._queue[self._max_batch:]
                self._cond.release()
                try:
                    self._run(batch)
                finally:
                    self._cond.acquire()
                    self._leading = False
                    self.passes += 1
                    self.embedded += len(batch)
                    self._cond.notify_all()
        if mine.error is not None:
            raise mine.error
        return mine.vector

    def _run(self, batch: list["_Pending"]) -> None:
        try:
            vectors = self._embed_queries([p.text for p in batch])
        except BaseException as error:  # every caller in the batch gets the error, none hangs
            for p in batch:
                p.error, p.done = error, True
            return
        for p, vector in zip(batch, vectors):
            p.vector, p.done = vector, True


class _Pending:
    __slots__ = ("text", "vector", "error", "done")

    def __init__(self, text: str) -> None:
        self.text = text
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None
        self.done = False
