"""The engine an index is served by."""

from __future__ import annotations

from policykb.index.reader import IndexReader
from policykb.search.engines.base import Retriever
from policykb.search.engines.embedded import EmbeddedRetriever

ENGINES = ("embedded", "milvus")


def open_retriever(index: IndexReader, engine: str = "embedded", milvus_uri: str | None = None) -> Retriever:
    """The retriever for `engine` over the generation `index` reads; "milvus" needs `milvus_uri`."""
    if engine == "embedded":
        return EmbeddedRetriever(index)
    if engine == "milvus":
        if not milvus_uri:
            raise ValueError("The milvus engine needs a Milvus URI (--milvus-uri: a milvus-lite file or http://host:port).")
        from policykb.search.engines.milvus import MilvusRetriever

        return MilvusRetriever(index, milvus_uri)
    raise ValueError(f"Unknown search engine {engine!r}; use one of: {', '.join(ENGINES)}.")
