"""A generation's clauses written to Milvus, the second engine (search/engines/milvus.py reads them).

One collection per generation, named after it (`policykb_<generation>`), one entity per vector of
the embedded index: its id, its clause row, the clause's document and kind, the document's issuer,
type, year and status (filter fields), the vector itself, and a sparse vector `bm25`. The clause's
own vector (its first) carries the clause's BM25 term weights, tf / (tf + k1·(1 − b + b·dl/avgdl))
over the tokens ingest made, with bm25s's k1, b and vocabulary; the query side sends each term's
idf, so the inner product is the Lucene BM25 score bm25s gives, and the engine's own analyzers
never re-cut Chinese text. Milvus refuses an empty sparse vector, so a clause's other vectors carry
one weight on a dimension no term has (`NO_TERMS`), which no query names.

The collection is written from a complete generation (store, BM25 vocabulary, embedding cache), then
flushed, indexed and loaded; only then does the alias (`policykb_serving`) move to it. A build killed
midway leaves a collection with fewer entities than its manifest counts: the alias never moved to it,
and the next export drops and rewrites it. An export of a generation whose collection is complete
writes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from policykb.index.embed_cache import EmbeddingCache
from policykb.index.generation import Generation
from policykb.index.reader import IndexReader

ALIAS = "policykb_serving"
NO_TERMS = 2**32 - 2  # the dimension a clause's non-first vectors carry (Milvus allows indices below 2^32 - 1)
K1, B = 1.5, 0.75  # bm25s's defaults, which index/lexical.py builds with
BATCH = 500  # entities an insert sends (~0.8 MB of 384-d vectors)
MAX_TEXT = 256  # VARCHAR lengths of the filter fields (issuers and types are short; longer ones are cut)
INSTALL = ("The Milvus backend needs pymilvus with milvus-lite: pip install 'pymilvus[milvus_lite]' "
           "(or pip install 'policykb[milvus]').")


class MilvusUnavailable(Exception):
    """pymilvus is not installed, or the Milvus at the URI does not answer."""


def connect(uri: str):
    """A MilvusClient for `uri`: a local file (`path.db`: milvus-lite in this process) or a server
    (`http://127.0.0.1:19530`)."""
    try:
        from pymilvus import MilvusClient
    except ImportError as e:
        raise MilvusUnavailable(INSTALL) from e
    try:
        return MilvusClient(uri)
    except Exception as e:  # pymilvus raises its own exceptions and grpc's; all mean "not reachable"
        raise MilvusUnavailable(f"Cannot reach Milvus at {uri}: {e}. Start it, or check --milvus-uri.") from e


def collection_name(generation_name: str) -> str:
    """The collection of a generation: Milvus names allow letters, digits and underscores only."""
    return "policykb_" + re.sub(r"[^0-9A-Za-z_]", "_", generation_name)


@dataclass(frozen=True)
class ExportReport:
    collection: str
    entities: int
    written: bool  # False when the collection was complete already
    alias_moved: bool


def _schema(client, dim: int):
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, description="policykb generation")
    schema.add_field("vid", DataType.INT64, is_primary=True)
    schema.add_field("row", DataType.INT64)
    schema.add_field("document_id", DataType.VARCHAR, max_length=128)
    schema.add_field("kind", DataType.VARCHAR, max_length=32)
    schema.add_field("issuer", DataType.VARCHAR, max_length=MAX_TEXT)
    schema.add_field("doc_type", DataType.VARCHAR, max_length=MAX_TEXT)
    schema.add_field("status", DataType.VARCHAR, max_length=MAX_TEXT)
    schema.add_field("year", DataType.INT64)  # -1: no year stated or inferred
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
    return schema


def _index_params(client):
    params = client.prepare_index_params()
    # FLAT: exact inner products, as the embedded index gives up to FLAT_MAX vectors; a cluster
    # chooses its own (docs/scale.md).
    params.add_index("vector", index_type="FLAT", metric_type="IP")
    params.add_index("bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
    return params


def entity_count(client, name: str) -> int:
    return int(client.query(name, filter="vid >= 0", output_fields=["count(*)"])[0]["count(*)"])


def is_complete(client, name: str, vectors: int) -> bool:
    """Whether collection `name` exists and holds all `vectors` entities of its generation."""
    if not client.has_collection(name):
        return False
    client.load_collection(name)
    return entity_count(client, name) == vectors


def _clause_weights(index: IndexReader, vocab: dict[str, int]) -> dict[int, dict[int, float]]:
    """clause row -> {term id: BM25 document weight} (bm25s's Lucene variant, k1 = 1.5, b = 0.75)."""
    tokens = {row: toks for row, _, _, toks in index.store.clause_tokens()}
    avgdl = sum(map(len, tokens.values())) / max(len(tokens), 1)
    out: dict[int, dict[int, float]] = {}
    for row, toks in tokens.items():
        norm = K1 * (1 - B + B * len(toks) / avgdl) if avgdl else K1
        out[row] = {vocab[t]: tf / (tf + norm) for t, tf in Counter(toks).items() if t in vocab}
    return out


def export_generation(client, generation: Generation, index_dir: Path, alias: str = ALIAS,
                      progress: Callable[[str], None] | None = None,
                      after_batch: Callable[[int], None] | None = None) -> ExportReport:
    """Write `generation` (of the index at `index_dir`) as a collection and move `alias` to it.

    Nothing is written when its collection is complete already (an unchanged re-ingest). `after_batch`
    is called with the entities written so far (tests kill an export there)."""
    name = collection_name(generation.name)
    manifest = generation.manifest
    total = int(manifest.counts.get("vectors", 0))
    written = False
    if not is_complete(client, name, total):
        if client.has_collection(name):
            client.drop_collection(name)  # a killed export's partial collection; the alias never pointed here
        index = IndexReader.open(generation)
        try:
            _write(client, name, index, index_dir, progress, after_batch)
        finally:
            index.close()
        written = True
    moved = move_alias(client, alias, name)
    return ExportReport(name, total, written, moved)


def _write(client, name: str, index: IndexReader, index_dir: Path, progress, after_batch) -> None:
    from policykb.index.build import CACHE

    manifest = index.manifest
    assert manifest is not None
    weights = _clause_weights(index, dict(index.lexical.retriever.vocab_dict))
    kinds = {row: kind for row, _, kind, _ in index.store.clause_tokens()}
    vectors = index.store.vectors()
    cache = EmbeddingCache(index_dir / CACHE, manifest.model_id, manifest.dim)
    client.create_collection(name, schema=_schema(client, manifest.dim), index_params=_index_params(client))
    first_of_clause: set[int] = set()
    seen_rows: set[int] = set()
    for v in vectors:  # a clause's own vector comes first (index/units.py)
        if v.clause_row not in seen_rows:
            seen_rows.add(v.clause_row)
            first_of_clause.add(v.vid)
    try:
        done = 0
        for start in range(0, len(vectors), BATCH):
            chunk = vectors[start:start + BATCH]
            found = cache.get([v.text_sha256 for v in chunk])
            missing = [v.vid for v in chunk if v.text_sha256 not in found]
            if missing:
                raise RuntimeError(f"The embedding cache of {index_dir} lacks {len(missing)} vectors of generation "
                                   f"{index.path.name} (first id {missing[0]}): run `policykb ingest` again.")
            client.insert(name, [_entity(v, index, kinds, weights, found[v.text_sha256], v.vid in first_of_clause)
                                 for v in chunk])
            done += len(chunk)
            if progress:
                progress(f"milvus: {done:,} of {len(vectors):,} vectors written to {name}")
            if after_batch:
                after_batch(done)
        client.flush(name)
        client.load_collection(name)
    finally:
        cache.close()


def _entity(v, index: IndexReader, kinds: dict[int, str], weights: dict[int, dict[int, float]],
            vector: np.ndarray, first: bool) -> dict[str, Any]:
    doc = index.document_of(v.clause_row)
    terms = weights.get(v.clause_row) if first else None
    return {"vid": v.vid, "row": v.clause_row, "document_id": doc.id, "kind": kinds[v.clause_row],
            "issuer": (doc.issuer or "")[:MAX_TEXT], "doc_type": (doc.doc_type or "")[:MAX_TEXT],
            "status": (doc.status or "")[:MAX_TEXT], "year": doc.year if doc.year is not None else -1,
            "vector": vector.astype(np.float32).tolist(), "bm25": terms or {NO_TERMS: 1.0}}


def move_alias(client, alias: str, name: str) -> bool:
    """Point `alias` at collection `name` (one call: searches through the alias see the old or the new
    collection, never neither). False when it pointed there already."""
    current = serving_collection(client, alias)
    if current == name:
        return False
    if current is None:
        client.create_alias(name, alias)
    else:
        client.alter_alias(name, alias)
    return True


def serving_collection(client, alias: str = ALIAS) -> str | None:
    """The collection `alias` points at, or None when there is no such alias."""
    if alias not in client.list_aliases().get("aliases", []):  # describe_alias logs an error for an unknown one
        return None
    return client.describe_alias(alias)["collection_name"]


def drop_unserved(client, keep: set[str]) -> list[str]:
    """Drop policykb's collections that are neither serving nor in `keep` (the generations still on disk)."""
    serving = serving_collection(client)
    dropped = []
    for name in client.list_collections():
        if name.startswith("policykb_") and name != serving and name not in keep:
            client.drop_collection(name)
            dropped.append(name)
    return dropped
