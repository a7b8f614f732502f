"""The search core: `KnowledgeBase.load(index_dir).search(query, k, mode, filters)`.

Flow: the query gets the same search form as ingest (OpenCC, full-width folding) and
the same jieba tokens, plus close synonyms of its words for BM25 (search/synonyms.py);
BM25 and dense candidates are fused
(search/fusion.py); near-duplicate clauses collapse into one result whose `also_in`
cites the others; each result gets highlights and a confidence; `no_answer` is set
when the best confidence is under the threshold. No web code here.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from policykb.index.generation import Generation, open_generation
from policykb.index.reader import IndexReader
from policykb.index.rows import ClauseRecord, DocumentRow
from policykb.index.store import StoreReader
from policykb.search import agreement, fusion, query_understanding
from policykb.search.confidence import NO_ANSWER_THRESHOLD, Evidence, confidence, query_words
from policykb.search.engines.base import ClauseFilter, LexicalQuery
from policykb.search.engines.factory import open_retriever
from policykb.search.facets import facet_counts
from policykb.search.filters import SearchFilters, allowed_documents, filter_report
from policykb.search.highlight import QueryMarks
from policykb.search.relations import superseded_by
from policykb.search.results import Citation, NewerDocument, SearchResponse, SearchResult
from policykb.search.synonyms import thesaurus

log = logging.getLogger("policykb.search")
MODES = ("hybrid", "dense", "lexical")
SORTS = ("relevance", "date")
CANDIDATES = 100  # per retriever; fusion looks at no more than this many from each
# A lay expression that this many clauses use as a token is the corpus's own term, searched as itself
# (text/lexicon.py); fewer is a stray use (STARD's 88 laws: 辞退 in 2 clauses, 公务员法 alone: 10).
LEXICON_IN_USE = 5
# BM25 weight of the lexicon's legal terms against the question's own words and Cilin's synonyms
# (1.0): half, so a clause that matches the question's words still outranks one that only
# matches the legal word a lay expression was widened to.
LEXICON_WEIGHT = 0.5
CONFIDENCE_DEPTH = 10  # results whose best confidence is the query's (the eval's depth, k = 10)


class ModelMismatch(Exception):
    """The index was built with another embedding model than the one offered for queries."""


def _segmentation_warning(generation: Generation) -> str | None:
    """Why lexical search may miss, when the index's tokens were made by another segmenter."""
    from policykb.text.tokens import dictionary_hash

    built, now = generation.manifest.dictionary_hash, dictionary_hash()
    if built == now:
        return None
    # Not refused like another model: the tokens mostly agree, so search still works, but a
    # word cut differently at ingest and in the query is not found by BM25.
    return (f"The index {generation.path} was segmented with dictionary {built}; this policykb segments "
            f"queries with {now}, so lexical matches may be missed. Run `policykb ingest PATH... --index DIR` "
            "again: files are re-parsed when the segmenter changes.")


def _embedder_for(manifest, threads: int | None = None):
    """Load the embedder that built an index, from the model id and query adapter its manifest records."""
    from policykb.index.embedders import load_embedder_for_id

    return load_embedder_for_id(manifest.model_id, threads, manifest.query_adapter)


def _query_reading_warnings(generation: Generation) -> list[str]:
    """What this index's questions are read without, because it was built before they existed."""
    manifest, out = generation.manifest, []
    if manifest.lexicon is None:
        out.append(f"The index {generation.path} was built without the lay-to-legal lexicon, so BM25 does not "
                   "widen everyday words (老公 → 配偶). Run `policykb ingest PATH... --index DIR` again to use it.")
    return out


def _lexicon_for(generation: Generation):
    """The lexicon to widen BM25 queries with: the bundled one if the index recorded one, else None."""
    from policykb.text.lexicon import lexicon

    if generation.manifest.lexicon is None:
        return None
    current = lexicon()
    if generation.manifest.lexicon != current.record:
        # Query-side only, so a changed lexicon reads the same index; say so once.
        log.warning("The index %s was built with lexicon %s; serving with %s@%s.", generation.path,
                    generation.manifest.lexicon, current.name, current.sha256[:12])
    return current


class KnowledgeBase:
    """A loaded index generation; thread-safe for concurrent searches.

    `index` is the generation's reader (index/reader.py) when the caller shares one with a catalog;
    else one is opened. Clauses are retrieved through the engine the factory gives for it
    (search/engines/), so the embedded index and a second engine answer through the same code."""

    def __init__(self, generation: Generation, embedder=None, embed_threads: int | None = None,
                 index: IndexReader | None = None, engine: str = "embedded", milvus_uri: str | None = None) -> None:
        self.generation = generation
        # While the reader lives, no build's cleanup deletes the generation (index.generation).
        self.index = index if index is not None else IndexReader.open(generation)
        self._embed_threads = embed_threads
        self.manifest = generation.manifest
        self.segmentation_warning = _segmentation_warning(generation)
        if self.segmentation_warning:
            log.warning(self.segmentation_warning)
        self.query_warnings = _query_reading_warnings(generation)
        for warning in self.query_warnings:
            log.warning(warning)
        self.lexicon = _lexicon_for(generation)
        if embedder is not None:
            self._check_model(embedder)
        self._embedder = embedder
        # Each search embeds its own query: with ONNX Runtime int8 a pass over 4 queries costs
        # ~3x one (7.5 vs 23 ms), so batching concurrent queries made the server slower; one
        # engine thread per search, run side by side, serves the most (docs/performance.md).
        self.documents: dict[str, DocumentRow] = self.index.documents
        self.size = self.index.size
        # document id -> its newer versions and replacements in the index (search/relations.py)
        self.newer = superseded_by(self.index.relations)
        self.retriever = open_retriever(self.index, engine, milvus_uri)
        self.terms = self.retriever.terms
        self.thesaurus = thesaurus()
        self.reader = query_understanding.QueryReader(self.documents, self.index.clause_doc, self.index.clause_records)

    @property
    def store(self) -> StoreReader:
        return self.index.store

    def files_present(self) -> bool:
        """Whether the generation's files are still on disk (the store is read on every search)."""
        return self.index.files_present()

    @classmethod
    def load(cls, index_dir: str | Path, embedder=None, verify: bool = True,
             embed_threads: int | None = None, engine: str = "embedded", milvus_uri: str | None = None) -> KnowledgeBase:
        """Open the serving generation of `index_dir` (checksums verified).

        `embedder` must be the model that built the index (else ModelMismatch); when
        None, that model is loaded on the first dense or hybrid search, with
        `embed_threads` engine threads (None: the engine's default). `engine` "milvus" retrieves
        from the generation's collection at `milvus_uri` (written by `policykb ingest --backend milvus`).
        """
        return cls(open_generation(Path(index_dir), verify=verify), embedder, embed_threads,
                   engine=engine, milvus_uri=milvus_uri)

    def _check_model(self, embedder) -> None:
        built = self.manifest.model_id
        if embedder.model_id != built or embedder.dim != self.manifest.dim:
            raise ModelMismatch(
                f"This index was built with {built} ({self.manifest.dim}-d) and cannot be "
                f"queried with {embedder.model_id} ({embedder.dim}-d): vectors of different "
                f"models are not comparable. Query it with {built}, or rebuild the index with "
                f"the new model (`policykb ingest PATH... --index DIR --model ...`).")
        adapter = getattr(embedder, "query_adapter", None)
        offered = adapter.record if adapter is not None else None
        if offered != self.manifest.query_adapter:
            raise ModelMismatch(
                f"This index was built with the query adapter {self.manifest.query_adapter} and cannot be "
                f"queried through {offered}: its questions would be read by another encoder. Load the "
                "embedder with the index's adapter, or rebuild the index (`policykb ingest PATH... --index DIR`).")

    @property
    def embedder(self):
        if self._embedder is None:
            embedder = _embedder_for(self.manifest, self._embed_threads)
            self._check_model(embedder)
            self._embedder = embedder
        return self._embedder

    def _cosine_band(self, mode: str) -> tuple[float, float]:
        """The band of relevant cosines for this index's query encoder (confidence's semantic term)."""
        from policykb.search.confidence import COSINE_FLOOR, COSINE_SPAN

        adapter = getattr(self.embedder, "query_adapter", None) if mode != "lexical" else None
        return adapter.cosine_band if adapter is not None and adapter.cosine_band else (COSINE_FLOOR, COSINE_SPAN)

    # -- retrieval -------------------------------------------------------------------------

    def _lexical(self, tokens: list[str], where: ClauseFilter, legal: Sequence[str] = ()) -> dict[int, float]:
        # the lexicon's legal terms count at LEXICON_WEIGHT: they stand for words the question has
        return self.retriever.lexical(LexicalQuery(tokens, tuple(legal), LEXICON_WEIGHT), where, CANDIDATES)

    def _dense(self, query: str, where: ClauseFilter) -> dict[int, float]:
        """Best cosine per clause over its vectors (the clause, its windows and its context vector)."""
        return self.retriever.dense(self.embedder.embed_queries([query])[0], where, CANDIDATES)

    def _in_use(self, expression: str) -> bool:
        """Whether the corpus uses ``expression`` as a term: a token of at least LEXICON_IN_USE clauses."""
        return self.terms.clauses_with(expression) >= LEXICON_IN_USE

    def widening(self, cut: list[tuple[str, tuple[str, ...]]], form: str = "") -> tuple[list[str], list[str]]:
        """Tokens that widen the BM25 query, those the index knows and the query lacks: Cilin
        synonyms of the query's (word, tokens), and the legal terms the lexicon gives for lay
        expressions in its search form ``form`` (the corpus's own terms excepted, see _in_use)."""
        from policykb.text.tokens import tokenize

        tokens = [t for _, word_tokens in cut for t in word_tokens]
        cilin = self.terms.known(self.thesaurus.expand([word for word, _ in cut], exclude=tokens))
        legal: list[str] = []
        if self.lexicon is not None and form:
            seen = set(tokens) | set(cilin)
            for term in self.lexicon.legal_terms(form, in_use=self._in_use):
                for token in tokenize(term):
                    if token not in seen:
                        seen.add(token)
                        legal.append(token)
        return cilin, self.terms.known(legal)

    def synonyms_for(self, cut: list[tuple[str, tuple[str, ...]]], form: str = "") -> list[str]:
        """Every token that widens the BM25 query (Cilin's, then the lexicon's): see widening."""
        cilin, legal = self.widening(cut, form)
        return cilin + legal

    def search(self, query: str, k: int = 10, mode: str = "hybrid",
               filters: SearchFilters | None = None, offset: int = 0, sort: str = "relevance") -> SearchResponse:
        """The k best clauses for `query`, near-duplicates collapsed, with citations.

        The matches (every clause a retriever found, near-duplicates collapsed) are ordered by
        relevance, or with `sort="date"` by their document's date, newest first (ties by relevance);
        `offset` skips that many of them. The response counts them (`matches`) and their documents'
        issuers, types, years and statuses (`facets`).
        """
        from policykb.text.normalize import search_form
        from policykb.text.tokens import words

        if mode not in MODES:
            raise ValueError(f"Unknown search mode {mode!r}; use one of: {', '.join(MODES)}.")
        if sort not in SORTS:
            raise ValueError(f"Unknown sort {sort!r}; use one of: {', '.join(SORTS)}.")
        if offset < 0:
            raise ValueError(f"offset must be 0 or more, not {offset}.")
        form = search_form(query.strip())
        cut = words(form) if form else []
        tokens = [t for _, word_tokens in cut for t in word_tokens]
        report = filter_report(filters, self.documents)
        if not form or k <= 0:
            return SearchResponse(query, [], True, 0.0, mode, filters=report, offset=offset, sort=sort)
        allowed = allowed_documents(filters, self.documents)
        where = ClauseFilter(allowed)
        mask = None if allowed is None else self.index.rows_of(allowed)
        synonyms: list[str] = []
        lexical: dict[int, float] = {}
        if mode != "dense":  # synonyms widen only the BM25 query
            cilin, legal = self.widening(cut, form)
            synonyms = cilin + legal
            lexical = self._lexical(tokens + cilin, where, legal)
        dense = self._dense(form, where) if mode != "lexical" else {}
        fused = fusion.fuse(lexical, dense) if mode == "hybrid" else lexical or dense
        fused = fusion.demote_structural(fused, {r: self.index.kind_of(r) for r in fused})
        # a named document, an article number, a 施行 question (search/query_understanding.py)
        fused, pinned, understood = query_understanding.apply(self.reader, form, fused, mask)
        order = fusion.ranked(fused)
        idf = self.terms.idf(tokens + [word for word, _ in cut])
        evidence = Evidence(query_tokens=tokens, lexical=lexical, dense=dense, words=query_words(cut, idf),
                            synonyms=synonyms, pinned=pinned, cosine_band=self._cosine_band(mode))
        # The query's confidence is the best of the top CONFIDENCE_DEPTH results whatever k is,
        # so asking for 3 results or 50 does not change whether the corpus answers.
        marked = tokens + synonyms
        marks = QueryMarks(marked, weights=self.terms.idf(marked), question=form)
        matches = by_relevance = self._distinct(order)
        top_results = self._results(by_relevance[:CONFIDENCE_DEPTH], fused, evidence, marks)
        top = max((r.confidence for r in top_results), default=0.0)
        if sort == "date":  # stable: one date's matches stay in relevance order
            matches = sorted(matches, key=lambda m: self.index.document_of(m[0]).date_key, reverse=True)
        shown = matches[offset:offset + k]
        built = {row: r for (row, _), r in zip(by_relevance, top_results)}  # build only those not built yet
        missing = [m for m in shown if m[0] not in built]
        rest = iter(self._results(missing, fused, evidence, marks) if missing else [])
        results = [built[row] if row in built else next(rest) for row, _ in shown]
        for rank, result in enumerate(results, offset + 1):
            result.rank = rank
        disagreement = agreement.disagreement(form, results, NO_ANSWER_THRESHOLD)
        per_document = Counter(self._document_of(row) for row, _ in matches)
        facets = facet_counts([self.documents[d] for d in per_document], list(per_document.values()))
        return SearchResponse(query, results, top < NO_ANSWER_THRESHOLD, top, mode, synonyms, report,
                              understood, disagreement, offset=offset, sort=sort, matches=len(matches),
                              facets=facets)

    # -- results ---------------------------------------------------------------------------

    def citation(self, clause: ClauseRecord) -> Citation:
        return Citation.of(self.documents[clause.document_id], clause)

    def duplicates_of(self, row: int) -> list[int]:
        """The other rows of `row`'s near-duplicate group (empty when it has none)."""
        return self.index.duplicates_of(row)

    def _document_of(self, row: int) -> str:
        return self.index.document_ids[self.index.clause_doc[row]]

    def _distinct(self, order: list[int]) -> list[tuple[int, list[int]]]:
        """(row, its near-duplicates) for each row of `order` whose duplicate group is not shown yet.

        Versions collapse newest first: when a near-duplicate of the best row is in a newer version of
        (or a replacement for) its document and was found by the query too (`order` holds it), that one
        is shown, in the best row's place, and the best row goes to its `also_in`."""
        shown: list[tuple[int, list[int]]] = []
        seen_groups: set[int] = set()
        found = set(order)
        for row in order:
            group = int(self.index.group_of[row])
            if group >= 0:
                if group in seen_groups:
                    continue
                seen_groups.add(group)
            others = self.duplicates_of(row)
            newest = self._newest_of(row, [r for r in others if r in found])
            if newest != row:
                others = [row, *(r for r in others if r != newest)]
            shown.append((newest, others))
        return shown

    def _newest_of(self, row: int, candidates: list[int]) -> int:
        """Of `row` and `candidates`, the one whose document no other one's document supersedes (`row`
        when none is newer)."""
        if not self.newer or not candidates:
            return row
        best = row
        for other in candidates:
            if self._document_of(other) in self.newer.get(self._document_of(best), ()):
                best = other
        return best

    def newer_documents(self, document_id: str) -> list[NewerDocument]:
        """The newer versions and replacements of a document that the index holds."""
        return [NewerDocument(i, self.documents[i].title, self.documents[i].date)
                for i in self.newer.get(document_id, []) if i in self.documents]

    def _results(self, shown: list[tuple[int, list[int]]], fused: dict[int, float],
                 evidence: Evidence, marks: QueryMarks) -> list[SearchResult]:
        records = self.store.clause_records({r for row, others in shown for r in (row, *others)})
        results: list[SearchResult] = []
        for row, others in shown:
            clause = records[row]
            doc = self.documents[clause.document_id]
            results.append(SearchResult(
                id=clause.id, text=clause.text, score=fused[row], file=doc.file,
                citation=self.citation(clause), rank=len(results) + 1,
                confidence=confidence(row, clause.search_text, evidence),
                document_type=doc.doc_type, document_year=doc.year, document_year_source=doc.year_source,
                highlights=marks.highlight(clause.text),
                also_in=[self.citation(records[r]) for r in others],
                also_in_ids=[records[r].id for r in others],
                scores={"lexical": evidence.lexical.get(row), "dense": evidence.dense.get(row)},
                superseded_by=self.newer_documents(clause.document_id)))
        return results

