"""One generation's files, opened once: `IndexReader(path, manifest)`.

The search core (search/knowledge_base.py) and the document catalog (service/catalog.py) of a
served generation share one reader, so its store is opened and its document table read once. It
holds what every query needs per row — each clause's document, kind and duplicate group, each
vector's clause — as small arrays (a few bytes a clause: 1M clauses fit), and the typed document
rows (index/rows.py); clause texts are read from the store for the rows a result shows. The BM25
and FAISS files are opened on first use: a catalog alone never loads them.

While the reader lives it holds a lease on the generation (index/generation.py), so no build's
cleanup deletes the files it reads.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

import numpy as np

from policykb.index.dense import DenseIndex
from policykb.index.generation import DENSE, LEXICAL, STORE, Generation, GenerationLease
from policykb.index.lexical import LexicalIndex
from policykb.index.manifest import MANIFEST, Manifest
from policykb.index.rows import ClauseRecord, DocumentRow
from policykb.index.store import StoreReader
from policykb.ingest.relations import DocumentRelation


class IndexReader:
    """The store, BM25 and FAISS files of one generation folder, and the per-row arrays read from them.

    `manifest` is None for a folder read for its store alone (`Catalog.load`); search needs it."""

    def __init__(self, path: str | Path, manifest: Manifest | None = None) -> None:
        self.path = Path(path)
        self.manifest = manifest
        # A generation is leased while read; a bare store folder (no manifest: a test's copy) has nothing to lease.
        self.lease = GenerationLease(self.path) if manifest is not None else None
        self.store = StoreReader(self.path / STORE)
        rows = self.store.documents()
        self.documents: dict[str, DocumentRow] = {d.id: d for d in rows}
        self.document_ids: list[str] = [d.id for d in rows]  # a document's position -> its id
        self.position = position = {doc_id: i for i, doc_id in enumerate(self.document_ids)}
        doc_ids, kinds, groups = self.store.clause_columns()
        self.size = len(doc_ids)
        # clause row -> its document's position in `document_ids`
        self.clause_doc = np.fromiter((position[d] for d in doc_ids), dtype=np.int32, count=self.size)
        self.kind_names = sorted(set(kinds))
        codes = {k: i for i, k in enumerate(self.kind_names)}
        self.clause_kind = np.fromiter((codes[k] for k in kinds), dtype=np.int8, count=self.size)
        self.group_of, self._group_rows = _duplicate_groups(groups)
        self.relations: list[DocumentRelation] = self.store.relations()
        del doc_ids, kinds, groups

    @classmethod
    def open(cls, generation: Generation) -> IndexReader:
        return cls(generation.path, generation.manifest)

    def files_present(self) -> bool:
        """Whether the generation's files are still on disk (the store is read on every search)."""
        return os.path.isfile(self.path / STORE) and os.path.isfile(self.path / MANIFEST)

    @cached_property
    def lexical(self) -> LexicalIndex:
        """The BM25 index; document number i is clause row i."""
        return LexicalIndex.load(self.path / LEXICAL, self.size)

    @cached_property
    def dense(self) -> DenseIndex:
        """The FAISS index; its ids are vector ids (`vector_rows` gives each one's clause row)."""
        return DenseIndex.load(self.path / DENSE)

    @cached_property
    def vector_rows(self) -> np.ndarray:
        """The clause row of every FAISS vector id, in id order."""
        return np.asarray(self.store.vector_rows(), dtype=np.int64)

    def kind_of(self, row: int) -> str:
        return self.kind_names[self.clause_kind[row]]

    def document_of(self, row: int) -> DocumentRow:
        return self.documents[self.document_ids[self.clause_doc[row]]]

    def clause_counts(self) -> dict[str, int]:
        """document id -> its number of clauses."""
        counts = np.bincount(self.clause_doc, minlength=len(self.document_ids))
        return {doc_id: int(n) for doc_id, n in zip(self.document_ids, counts, strict=True) if n}

    def rows_of(self, documents: Iterable[str]) -> np.ndarray:
        """Boolean mask over clause rows: those of `documents` (ids this generation holds)."""
        allowed = np.zeros(len(self.document_ids), dtype=bool)
        allowed[[self.position[d] for d in documents if d in self.position]] = True
        return allowed[self.clause_doc] if self.size else np.zeros(0, dtype=bool)

    def clause_records(self, rows: Iterable[int]) -> dict[int, ClauseRecord]:
        return self.store.clause_records(rows)

    def duplicates_of(self, row: int) -> list[int]:
        """The other rows of `row`'s near-duplicate group (empty when it has none)."""
        group = int(self.group_of[row])
        if group < 0:
            return []
        return [int(r) for r in self._group_rows[group] if r != row]

    def close(self) -> None:
        self.store.close()
        if self.lease is not None:
            self.lease.release()


def _duplicate_groups(groups: list[str | None]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per row, a group number (-1: none), and each group's rows in row order."""
    numbers: dict[str, int] = {}
    group_of = np.full(len(groups), -1, dtype=np.int32)
    for row, group in enumerate(groups):
        if group is not None:
            group_of[row] = numbers.setdefault(group, len(numbers))
    members = np.flatnonzero(group_of >= 0)
    by_group = members[np.argsort(group_of[members], kind="stable")]
    bounds = np.searchsorted(group_of[by_group], np.arange(len(numbers) + 1))
    return group_of, [by_group[bounds[g]:bounds[g + 1]] for g in range(len(numbers))]
