"""The search core: `KnowledgeBase.load(index_dir).search(query, k, mode, filters)`.

Flow: the query gets the same search form as ingest (OpenCC, full-width folding) and
the same jieba tokens; BM25 and dense candidates are fused
(service/fusion.py); near-duplicate clauses collapse into one result whose `also_in`
cites the others; each result gets highlights and a confidence; `no_answer` is set
when the best confidence is under the threshold. No web code here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.build import DENSE, LEXICAL, STORE
from index.generation import Generation, open_generation
from index.lexical import LexicalIndex
from index.store import connect_readonly
from service import fusion
from service.confidence import NO_ANSWER_THRESHOLD, Evidence, confidence
from service.filters import SearchFilters, allowed_rows
from service.highlight import highlight
from service.results import Citation, SearchResponse, SearchResult

MODES = ("hybrid", "dense", "lexical")
CANDIDATES = 100  # per retriever; fusion looks at no more than this many from each


class ModelMismatch(Exception):
    """The index was built with another embedding model than the one offered for queries."""


@dataclass
class _Clause:
    id: str
    document_id: str
    kind: str
    label: str | None
    section_path: list[str]
    text: str
    search_text: str
    line_start: int
    line_end: int
    duplicate_group: str | None


def _embedder_for(model_id: str):
    """Load the embedder that built an index, from the id its manifest records."""
    from index.embedders import load_embedder_for_id

    return load_embedder_for_id(model_id)


class KnowledgeBase:
    """A loaded index generation; thread-safe for concurrent searches."""

    def __init__(self, generation: Generation, embedder=None) -> None:
        self.generation = generation
        self.manifest = generation.manifest
        if embedder is not None:
            self._check_model(embedder)
        self._embedder = embedder
        con = connect_readonly(generation.path / STORE)
        try:
            self.documents = {r["id"]: dict(r) for r in con.execute(
                "SELECT id, file, title, issuer, doc_number, date, year, doc_type, status, "
                "source_url, format, encoding, line_start, line_end FROM documents ORDER BY rowid")}
            self.clauses = [
                _Clause(r["id"], r["document_id"], r["kind"], r["label"], json.loads(r["section_path_json"]),
                        r["text"], r["search_text"], r["line_start"], r["line_end"], r["duplicate_group"])
                for r in con.execute("SELECT * FROM clauses ORDER BY row")]
            self.vector_rows = np.array([r[0] for r in con.execute(
                "SELECT clause_row FROM vectors ORDER BY vid")], dtype=np.int64)
        finally:
            con.close()
        self.row_of = {c.id: i for i, c in enumerate(self.clauses)}
        self.groups: dict[str, list[int]] = {}
        for i, c in enumerate(self.clauses):
            if c.duplicate_group:
                self.groups.setdefault(c.duplicate_group, []).append(i)
        self.clause_documents = [c.document_id for c in self.clauses]
        self.clause_kinds = [c.kind for c in self.clauses]
        self.lexical = LexicalIndex.load(generation.path / LEXICAL, len(self.clauses))
        from index.dense import DenseIndex

        self.dense = DenseIndex.load(generation.path / DENSE)

    @classmethod
    def load(cls, index_dir: str | Path, embedder=None, verify: bool = True) -> "KnowledgeBase":
        """Open the serving generation of `index_dir` (checksums verified).

        `embedder` must be the model that built the index (else ModelMismatch); when
        None, that model is loaded on the first dense or hybrid search.
        """
        return cls(open_generation(Path(index_dir), verify=verify), embedder)

    def _check_model(self, embedder) -> None:
        built = self.manifest.model_id
        if embedder.model_id != built or embedder.dim != self.manifest.dim:
            raise ModelMismatch(
                f"This index was built with {built} ({self.manifest.dim}-d) and cannot be "
                f"queried with {embedder.model_id} ({embedder.dim}-d): vectors of different "
                f"models are not comparable. Query it with {built}, or rebuild the index with "
                f"the new model (`policykb ingest PATH... --index DIR --model ...`).")

    @property
    def embedder(self):
        if self._embedder is None:
            embedder = _embedder_for(self.manifest.model_id)
            self._check_model(embedder)
            self._embedder = embedder
        return self._embedder

    # -- retrieval -------------------------------------------------------------------------

    def _lexical(self, tokens: list[str], mask: np.ndarray | None) -> dict[int, float]:
        scores = self.lexical.scores(tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores, kind="stable")[:CANDIDATES]
        return {int(r): float(scores[r]) for r in top if scores[r] > 0}

    def _dense(self, query: str, mask: np.ndarray | None) -> dict[int, float]:
        """Best cosine per clause over its vectors (the clause and its passages)."""
        vector = self.embedder.embed_queries([query])[0]
        allowed = None if mask is None else np.flatnonzero(mask[self.vector_rows])
        ids, sims = self.dense.search(vector, CANDIDATES * 2, allowed)
        best: dict[int, float] = {}
        for vid, sim in zip(ids, sims):
            row = int(self.vector_rows[vid])
            if sim > best.get(row, -1.0):
                best[row] = float(sim)
        return dict(sorted(best.items(), key=lambda kv: -kv[1])[:CANDIDATES])

    def search(self, query: str, k: int = 10, mode: str = "hybrid",
               filters: SearchFilters | None = None) -> SearchResponse:
        """The k best clauses for `query`, near-duplicates collapsed, with citations."""
        from ingest.normalize import search_form
        from ingest.tokens import tokenize

        if mode not in MODES:
            raise ValueError(f"Unknown search mode {mode!r}; use one of: {', '.join(MODES)}.")
        form = search_form(query.strip())
        tokens = tokenize(form) if form else []
        if not form or k <= 0:
            return SearchResponse(query, [], True, 0.0, mode)
        mask = allowed_rows(filters, self.documents, self.clause_documents)
        lexical = self._lexical(tokens, mask) if mode != "dense" else {}
        dense = self._dense(form, mask) if mode != "lexical" else {}
        if mode == "hybrid":
            fused = fusion.fuse(lexical, dense)
        else:
            fused = lexical or dense
        fused = fusion.demote_structural(fused, self.clause_kinds)
        order = fusion.ranked(fused)
        evidence = Evidence(query_tokens=tokens, lexical=lexical, dense=dense,
                            idf=self.lexical.idf(tokens))
        results = self._collapse(order, fused, k, evidence)
        top = max((r.confidence for r in results), default=0.0)
        return SearchResponse(query, results, top < NO_ANSWER_THRESHOLD, top, mode)

    # -- results ---------------------------------------------------------------------------

    def citation(self, row: int) -> Citation:
        c = self.clauses[row]
        d = self.documents[c.document_id]
        return Citation(document_id=c.document_id, title=d["title"], issuer=d["issuer"],
                        doc_number=d["doc_number"], date=d["date"], section_path=c.section_path,
                        label=c.label, file=d["file"], line_start=c.line_start, line_end=c.line_end)

    def _collapse(self, order: list[int], fused: dict[int, float], k: int,
                  evidence: Evidence) -> list[SearchResult]:
        results: list[SearchResult] = []
        seen_groups: set[str] = set()
        for row in order:
            clause = self.clauses[row]
            if clause.duplicate_group:
                if clause.duplicate_group in seen_groups:
                    continue
                seen_groups.add(clause.duplicate_group)
            others = [r for r in self.groups.get(clause.duplicate_group or "", []) if r != row]
            doc = self.documents[clause.document_id]
            results.append(SearchResult(
                id=clause.id, text=clause.text, score=fused[row], file=doc["file"],
                citation=self.citation(row), rank=len(results) + 1,
                confidence=confidence(row, clause.search_text, evidence),
                document_type=doc["doc_type"],
                highlights=highlight(clause.text, evidence.query_tokens),
                also_in=[self.citation(r) for r in others],
                also_in_ids=[self.clauses[r].id for r in others],
                scores={"lexical": evidence.lexical.get(row), "dense": evidence.dense.get(row)}))
            if len(results) == k:
                break
        return results
