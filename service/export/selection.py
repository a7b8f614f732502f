"""What an export holds: the question (or what was chosen) and the clauses, each with its citations.

A Selection is built from a search (`from_search`), from clause ids (`from_clause_ids`) or from
whole documents (`from_documents`), reading clauses and documents from the index's catalog, so
the citations are those of the stored metadata. `accessed` is the 引用日期 every entry carries
(the day of export; a parameter, so an export can be made again as it was).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date as Date
from functools import cached_property

from policykb.service.catalog import Catalog
from policykb.service.citations import bibtex, csl, gbt7714, legal_style, ris
from policykb.service.citations.gbt7714 import OnlineType
from policykb.service.citations.record import CitedClause, CitedDocument, cited_clause, cited_document
from policykb.service.display import cited_clause_in, cited_document_in

MAX_CLAUSES = 500  # clause ids or a document's clauses per export; a larger one is refused with its count


class SelectionError(ValueError):
    """An export that cannot be made as asked; the message says why and what to do."""


class NotInIndex(SelectionError):
    """Clause or document ids the index does not have."""


class TooManyClauses(SelectionError):
    """More than MAX_CLAUSES clauses asked for."""


@dataclass(frozen=True)
class ClauseCitations:
    """Every citation format of one clause, as text."""

    legal: str  # 法学引注手册, in text
    footnote: str  # the same as a footnote's sentence, closed with 「。」
    gbt7714_2015: str
    gbt7714_2025: str
    locator: str  # file and lines (pages, Word paragraphs) for a checker
    csl_json: str
    ris: str
    bibtex: str
    permalink: str  # policykb's reader at the clause, pinned to the quoted version: 「/#doc=…&clause=…&v=…」


@dataclass(frozen=True)
class ExportedClause:
    clause: CitedClause
    citations: ClauseCitations
    rank: int


@dataclass(frozen=True)
class Selection:
    """`title` heads a handout (the question, or what was chosen); `query` is the question, if any.
    `base_url` is the policykb server's address (「http://127.0.0.1:8000」) that makes the clauses'
    permalinks absolute; empty, they are the reader addresses alone (「/#doc=…」)."""

    title: str
    query: str | None
    clauses: list[ExportedClause]
    accessed: Date
    online_type: OnlineType = "A"
    base_url: str = ""

    def permalink(self, item: ExportedClause) -> str:
        """The clause's version-pinned reader address, absolute when `base_url` is known."""
        return self.base_url.rstrip("/") + item.citations.permalink

    @cached_property
    def _numbered(self) -> dict[str, tuple[int, ExportedClause]]:
        numbered: dict[str, tuple[int, ExportedClause]] = {}
        for item in self.clauses:
            numbered.setdefault(item.clause.document.document_id, (len(numbered) + 1, item))
        return numbered

    def references(self) -> list[tuple[int, ExportedClause]]:
        """The documents cited, numbered in order of first citation (GB/T 7714 顺序编码制):
        (number, the first clause quoted from it)."""
        return list(self._numbered.values())

    def reference_number(self, item: ExportedClause) -> int:
        """The reference-list number of the document `item` quotes."""
        return self._numbered[item.clause.document.document_id][0]


def citations_of(clause: CitedClause, accessed: Date, online_type: OnlineType = "A") -> ClauseCitations:
    """Every format of `clause`, its GB/T 7714 entries and bundles dated `accessed`."""
    doc = clause.document
    return ClauseCitations(
        legal=legal_style.clause_citation(clause), footnote=legal_style.footnote(clause),
        gbt7714_2015=gbt7714.gbt7714_2015(doc, accessed, online_type),
        gbt7714_2025=gbt7714.gbt7714_2025(doc, accessed), locator=clause.locator(),
        csl_json=json.dumps(csl.csl_item(doc, accessed, clause), ensure_ascii=False),
        ris=ris.ris_text([ris.ris_record(doc, accessed, clause)]),
        bibtex=bibtex.bibtex_text([bibtex.bibtex_entry(doc, accessed, clause)]), permalink=clause.permalink())


def _selection(title: str, query: str | None, pairs, accessed: Date, online_type: OnlineType,
               script: str = "original") -> Selection:
    documents: dict[str, CitedDocument] = {}
    items = []
    for rank, (doc, clause) in enumerate(pairs, 1):
        if doc.id not in documents:
            documents[doc.id] = cited_document_in(cited_document(doc), script)
        record = documents[doc.id]
        cited = cited_clause_in(cited_clause(doc, clause, record), script, record)
        items.append(ExportedClause(cited, citations_of(cited, accessed, online_type), rank))
    return Selection(title, query, items, accessed, online_type)


def from_clause_ids(catalog: Catalog, clause_ids: list[str], accessed: Date, online_type: OnlineType = "A",
                    title: str | None = None, query: str | None = None, script: str = "original") -> Selection:
    """These clauses, in this order (a repeated id once); SelectionError names the ids not in the index.
    `script` (original, hans, hant) is the display script of the texts and citations, as service/display.py."""
    ids = list(dict.fromkeys(clause_ids))
    if len(ids) > MAX_CLAUSES:
        raise TooManyClauses(f"{len(ids)} clause ids were given; an export holds at most {MAX_CLAUSES}.")
    pairs, missing = [], []
    for clause_id in ids:
        context = catalog.context(clause_id)
        if context is None:
            missing.append(clause_id)
        else:
            pairs.append((context.document, context.clause))
    if missing:
        raise NotInIndex(f"No clause with id {', '.join(map(repr, missing))} in this index. Ids come from "
                             "search results or /api/clauses; an id can disappear when its document is re-ingested.")
    return _selection(title or query or "所选条款", query, pairs, accessed, online_type, script)


def from_documents(catalog: Catalog, document_ids: list[str], accessed: Date, online_type: OnlineType = "A",
                   script: str = "original") -> Selection:
    """Every clause of these documents, in document order; SelectionError names unknown ids."""
    found = [(d, catalog.document(d)) for d in dict.fromkeys(document_ids)]
    missing = [d for d, doc in found if doc is None]
    if missing:
        raise NotInIndex(f"No document with id {', '.join(map(repr, missing))} in this index; "
                             "ids come from /api/documents.")
    docs = [(d, doc) for d, doc in found if doc is not None]  # all of them: none is missing
    pairs = [(doc, c) for _, doc in docs for c in doc.clauses]
    if len(pairs) > MAX_CLAUSES:
        raise TooManyClauses(f"These documents have {len(pairs)} clauses; an export holds at most {MAX_CLAUSES}. "
                             "Export fewer documents at a time.")
    title = "、".join(legal_style.document_citation(cited_document_in(cited_document(doc), script)) for _, doc in docs)
    return _selection(title, None, pairs, accessed, online_type, script)


def from_search(kb, catalog: Catalog, query: str, accessed: Date, k: int = 10, mode: str = "hybrid",
                filters=None, online_type: OnlineType = "A", script: str = "original") -> Selection:
    """The k results of searching `query` (as /api/search ranks them), the question as title."""
    response = kb.search(query, k=k, mode=mode, filters=filters)
    return from_clause_ids(catalog, [r.id for r in response.results], accessed, online_type, query=query,
                           script=script)
