"""The engine an index is served by."""

from __future__ import annotations

from policykb.index.reader import IndexReader
from policykb.search.engines.base import Retriever
from policykb.search.engines.embedded import EmbeddedRetriever

ENGINES = ("embedded",)


def open_retriever(index: IndexReader, engine: str = "embedded") -> Retriever:
    """The retriever for `engine` over the generation `index` reads."""
    if engine == "embedded":
        return EmbeddedRetriever(index)
    raise ValueError(f"Unknown search engine {engine!r}; use one of: {', '.join(ENGINES)}.")
