"""The clause store: one SQLite file per generation.

Tables: documents (metadata as columns plus the full `meta_json` with source lines),
clauses (in the order of the lexical index: `row` is the BM25 document number),
passages, and vectors (the int64 FAISS id -> clause, or clause passage). JSON columns
hold lists (section paths, tokens, warnings). `load_documents` rebuilds the ingest
records, so a later build can keep the documents of files it did not re-read.

Pages, paragraph numbers, OCR confidences and where a document's text came from
(text_source, ocr_json, converter) were added in format 2 of the manifest; a store
written before has none of those columns and still loads: the values are then None
(the next ingest reads its PDFs and Word files again, since INGEST_VERSION changed).

`clause_references` holds the cross-references of every clause (ingest/references.py),
resolved when the generation is written; a store written before it has no such table,
and then no clause has references or backlinks (the next build writes them).

`document_relations` holds the relations between documents (ingest/relations.py: versions,
replacements, implementing measures, plan series) with their evidence and confidence, and
`relations_state` the signature of the documents they were found over, so a build over the
same documents copies them instead of finding them again. A store without these tables has
no relations (and every document `superseded_in_corpus` false) until the next build.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from policykb.index.rows import ClauseRecord, DocumentRow
from policykb.ingest.model import Clause, Document, DocumentMeta, MetaField, OcrInfo, Passage
from policykb.ingest.references import Reference
from policykb.ingest.relations import DocumentRelation

SCHEMA = """
CREATE TABLE documents (
  id TEXT PRIMARY KEY, file TEXT NOT NULL, source_path TEXT, index_in_file INTEGER,
  format TEXT, encoding TEXT, title TEXT, issuer TEXT, doc_number TEXT, date TEXT,
  year INTEGER, doc_type TEXT, status TEXT, source_url TEXT, meta_json TEXT,
  line_start INTEGER, line_end INTEGER, body_start INTEGER, warnings_json TEXT,
  content_hash TEXT, text_source TEXT, ocr_json TEXT, converter TEXT, page_count INTEGER);
CREATE TABLE clauses (
  row INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, document_id TEXT NOT NULL,
  ordinal INTEGER, kind TEXT, label TEXT, heading TEXT, section_path_json TEXT,
  text TEXT, search_text TEXT, line_start INTEGER, line_end INTEGER, depth INTEGER,
  tokens_json TEXT, duplicate_group TEXT, page_start INTEGER, page_end INTEGER,
  paragraph_start INTEGER, paragraph_end INTEGER, char_confidence_json TEXT);
CREATE TABLE passages (
  clause_id TEXT NOT NULL, idx INTEGER NOT NULL, text TEXT, search_text TEXT,
  line_start INTEGER, line_end INTEGER, PRIMARY KEY (clause_id, idx));
CREATE TABLE vectors (
  vid INTEGER PRIMARY KEY, clause_row INTEGER NOT NULL, passage_index INTEGER,
  text_sha256 TEXT NOT NULL);
CREATE TABLE files (
  file TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
CREATE TABLE clause_references (
  clause_id TEXT NOT NULL, ordinal INTEGER NOT NULL, span_start INTEGER, span_end INTEGER, text TEXT,
  kind TEXT, target_document TEXT, target_label TEXT, paragraph INTEGER, item INTEGER,
  resolved_clause_id TEXT, PRIMARY KEY (clause_id, ordinal));
CREATE TABLE document_relations (
  ordinal INTEGER PRIMARY KEY, kind TEXT NOT NULL, source_id TEXT NOT NULL, target_id TEXT, target_title TEXT,
  evidence TEXT NOT NULL, confidence REAL NOT NULL, inferred INTEGER NOT NULL, ordered INTEGER NOT NULL,
  implemented_version TEXT, implemented_version_held INTEGER);
CREATE INDEX relations_source ON document_relations(source_id);
CREATE INDEX relations_target ON document_relations(target_id);
CREATE TABLE relations_state (signature TEXT NOT NULL);
CREATE INDEX references_target ON clause_references(resolved_clause_id);
CREATE INDEX clauses_document ON clauses(document_id);
CREATE INDEX clauses_group ON clauses(duplicate_group);
"""


@dataclass
class VectorRow:
    """One FAISS vector: `vid` is its int64 id; `passage_index` None means the whole clause."""

    vid: int
    clause_row: int
    passage_index: int | None
    text_sha256: str


def write_store(path: Path, documents: list[Document], source_paths: dict[str, str],
                vectors: list[VectorRow], fingerprints: dict[str, str] | None = None,
                references: list[Reference] | None = None,
                relations: tuple[list[DocumentRelation], str] | None = None) -> None:
    """Write a new store at `path` (which must not exist). Clause rows follow document order.

    `references` are the resolved cross-references of the documents' clauses
    (ingest.references.resolve_references over these same documents); `relations` the relations
    between them (ingest.relations.find_relations) and the signature of the documents they were
    found over (ingest.relations.relations_signature).

    `fingerprints` maps a file to what it was read from (see ingest.pipeline.fingerprint),
    so the next ingest can skip files that have not changed.
    """
    con = sqlite3.connect(path)
    try:
        con.executescript(SCHEMA)
        row = 0
        for doc in documents:
            m = doc.meta
            con.execute(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (doc.id, doc.file, source_paths.get(doc.file), doc.index_in_file, doc.format,
                 doc.encoding, m.value("title"), m.value("issuer"), m.value("doc_number"),
                 m.value("date"), m.year_of()[0], m.value("doc_type"), m.value("status"),
                 m.value("source_url"), json.dumps(m.as_dict(), ensure_ascii=False),
                 doc.line_start, doc.line_end, doc.body_start,
                 json.dumps(doc.warnings, ensure_ascii=False), doc.content_hash, doc.text_source,
                 json.dumps(doc.ocr.as_dict()) if doc.ocr else None, doc.converter, doc.page_count))
            for c in doc.clauses:
                con.execute(
                    "INSERT INTO clauses VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (row, c.id, doc.id, c.ordinal, c.kind, c.label, c.heading,
                     json.dumps(c.section_path, ensure_ascii=False), c.text, c.search_text,
                     c.line_start, c.line_end, c.depth, json.dumps(c.tokens, ensure_ascii=False),
                     c.duplicate_group, c.page_start, c.page_end, c.paragraph_start, c.paragraph_end,
                     json.dumps(c.char_confidence) if c.char_confidence is not None else None))
                con.executemany(
                    "INSERT INTO passages VALUES (?,?,?,?,?,?)",
                    [(c.id, p.index, p.text, p.search_text, p.line_start, p.line_end)
                     for p in c.passages])
                row += 1
        con.executemany("INSERT INTO files VALUES (?,?)", sorted((fingerprints or {}).items()))
        ordinals: dict[str, int] = {}
        rows_out = []
        for r in references or []:
            ordinals[r.clause_id] = ordinals.get(r.clause_id, -1) + 1
            rows_out.append((r.clause_id, ordinals[r.clause_id], r.span_start, r.span_end, r.text, r.kind,
                             r.target_document, r.target_label, r.paragraph, r.item, r.resolved_clause_id))
        con.executemany("INSERT INTO clause_references VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows_out)
        if relations is not None:
            found, signature = relations
            con.executemany("INSERT INTO document_relations VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                            [(i, r.kind, r.source_id, r.target_id, r.target_title, r.evidence, r.confidence,
                              int(r.inferred), int(r.ordered), r.implemented_version,
                              None if r.implemented_version_held is None else int(r.implemented_version_held))
                             for i, r in enumerate(found)])
            con.execute("INSERT INTO relations_state VALUES (?)", (signature,))
        con.executemany("INSERT INTO vectors VALUES (?,?,?,?)",
                        [(v.vid, v.clause_row, v.passage_index, v.text_sha256) for v in vectors])
        con.commit()
    finally:
        con.close()


def _relation_from_row(r: sqlite3.Row) -> DocumentRelation:
    held = r["implemented_version_held"]
    return DocumentRelation(r["kind"], r["source_id"], r["target_id"], r["target_title"], r["evidence"],
                            r["confidence"], bool(r["inferred"]), bool(r["ordered"]), r["implemented_version"],
                            None if held is None else bool(held))


def read_relations(con: sqlite3.Connection, document_id: str | None = None) -> list[DocumentRelation]:
    """The relations stored (those from or to `document_id` when given), in the order found; [] for a
    store written before relations were kept. `con` gives rows as sqlite3.Row."""
    try:
        if document_id is None:
            rows = con.execute("SELECT * FROM document_relations ORDER BY ordinal").fetchall()
        else:
            rows = con.execute("SELECT * FROM document_relations WHERE source_id = ? OR target_id = ? "
                               "ORDER BY ordinal", (document_id, document_id)).fetchall()
    except sqlite3.OperationalError:  # a store written before relations were kept
        return []
    return [_relation_from_row(r) for r in rows]


def stored_relations(path: Path) -> tuple[list[DocumentRelation], str] | None:
    """A store's relations and the signature of the documents they were found over, or None when it
    has none recorded (a store written before relations were kept)."""
    con = connect_readonly(path)
    try:
        try:
            row = con.execute("SELECT signature FROM relations_state").fetchone()
        except sqlite3.OperationalError:
            return None
        return (read_relations(con), row[0]) if row else None
    finally:
        con.close()


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open a store for reading; rows come back as sqlite3.Row."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    con.row_factory = sqlite3.Row
    return con


def _meta_from_json(text: str | None) -> DocumentMeta:
    raw = json.loads(text or "{}")
    fields = {name: MetaField(**value) for name, value in raw.items() if value}
    return DocumentMeta(**fields)


def load_fingerprints(path: Path) -> dict[str, str]:
    """file -> fingerprint recorded by the build that wrote the store at `path` ({} if none)."""
    con = connect_readonly(path)
    try:
        return {r["file"]: r["fingerprint"] for r in con.execute("SELECT file, fingerprint FROM files")}
    except sqlite3.OperationalError:  # a store written before fingerprints were kept
        return {}
    finally:
        con.close()


def _get(row: sqlite3.Row, key: str):
    """A column a store written before it existed does not have: None there."""
    return row[key] if key in row.keys() else None  # noqa: SIM118 (`in` a sqlite3.Row looks among its values)


def _document_from_row(d: sqlite3.Row) -> Document:
    ocr = _get(d, "ocr_json")
    return Document(
        id=d["id"], file=d["file"], index_in_file=d["index_in_file"], format=d["format"],
        encoding=d["encoding"], meta=_meta_from_json(d["meta_json"]),
        line_start=d["line_start"], line_end=d["line_end"], body_start=d["body_start"],
        warnings=json.loads(d["warnings_json"] or "[]"), content_hash=d["content_hash"] or "",
        text_source=_get(d, "text_source") or "text", ocr=OcrInfo(**json.loads(ocr)) if ocr else None,
        converter=_get(d, "converter"), page_count=_get(d, "page_count"))


def _passage_from_row(p: sqlite3.Row) -> Passage:
    return Passage(clause_id=p["clause_id"], index=p["idx"], text=p["text"], search_text=p["search_text"],
                   line_start=p["line_start"], line_end=p["line_end"])


def _clause_from_row(c: sqlite3.Row, passages: list[Passage]) -> Clause:
    return Clause(
        id=c["id"], document_id=c["document_id"], ordinal=c["ordinal"], kind=c["kind"],
        label=c["label"], heading=c["heading"],
        section_path=json.loads(c["section_path_json"] or "[]"), text=c["text"],
        search_text=c["search_text"], line_start=c["line_start"], line_end=c["line_end"],
        depth=c["depth"], tokens=json.loads(c["tokens_json"] or "[]"),
        passages=passages, duplicate_group=c["duplicate_group"],
        page_start=_get(c, "page_start"), page_end=_get(c, "page_end"),
        paragraph_start=_get(c, "paragraph_start"), paragraph_end=_get(c, "paragraph_end"),
        char_confidence=json.loads(_get(c, "char_confidence_json") or "null"))


def load_documents(path: Path, files: Iterable[str] | None = None) -> tuple[list[Document], dict[str, str]]:
    """Rebuild the Documents (clauses and passages included) stored at `path`.

    With `files`, only documents of those files. Returns the documents and a map
    file -> absolute source path recorded at build time.
    """
    con = connect_readonly(path)
    try:
        wanted = set(files) if files is not None else None
        docs: list[Document] = []
        sources: dict[str, str] = {}
        passages: dict[str, list[Passage]] = {}
        for p in con.execute("SELECT * FROM passages ORDER BY clause_id, idx"):
            passages.setdefault(p["clause_id"], []).append(_passage_from_row(p))
        by_id: dict[str, Document] = {}
        for d in con.execute("SELECT * FROM documents ORDER BY rowid"):
            if wanted is not None and d["file"] not in wanted:
                continue
            doc = _document_from_row(d)
            docs.append(doc)
            by_id[doc.id] = doc
            if d["source_path"]:
                sources[doc.file] = d["source_path"]
        for c in con.execute("SELECT * FROM clauses ORDER BY row"):
            owner = by_id.get(c["document_id"])
            if owner is None:
                continue
            owner.clauses.append(_clause_from_row(c, passages.get(c["id"], [])))
        return docs, sources
    finally:
        con.close()


DOCUMENT_COLUMNS = ("id, file, title, issuer, doc_number, date, year, doc_type, status, source_url, "
                    "format, encoding, line_start, line_end, content_hash")
# Columns a store written before format 2 lacks (selected as NULL from such a store).
NEW_DOCUMENT_COLUMNS = ("text_source", "ocr_json", "converter", "page_count")
NEW_CLAUSE_COLUMNS = ("page_start", "page_end", "paragraph_start", "paragraph_end")


class StoreReader:
    """Read-only lookups in one generation's store, for a server holding 1M clauses.

    Nothing but the documents table is held in memory: clause texts, paths and
    neighbours are read by primary key when a result needs them. A generation never
    changes once written, so SQLite is opened `immutable` (no locking) and each thread
    gets its own connection.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            con.row_factory = sqlite3.Row
            self._local.con = con
            with self._lock:
                self._connections.append(con)
        return con

    def close(self) -> None:
        with self._lock:
            for con in self._connections:
                con.close()
            self._connections.clear()

    def _columns(self, table: str, wanted: tuple[str, ...]) -> str:
        """`wanted` as a select list: the column where the table has it, else NULL AS it."""
        have = {r[1] for r in self._con().execute(f"PRAGMA table_info({table})")}
        return ", ".join(c if c in have else f"NULL AS {c}" for c in wanted)

    def documents(self) -> list[DocumentRow]:
        """Every document's metadata, in store order; `year` and `year_source` as DocumentMeta.year_of gives
        them (the date's year, or the one its 文号 / title gives, saying so)."""
        extra = self._columns("documents", NEW_DOCUMENT_COLUMNS)
        rows = []
        for r in self._con().execute(f"SELECT {DOCUMENT_COLUMNS}, {extra}, meta_json FROM documents ORDER BY rowid"):
            row = dict(r)
            year, source = _meta_from_json(row.pop("meta_json")).year_of()
            rows.append(DocumentRow(**(row | {"year": year, "year_source": source,
                                              "text_source": row["text_source"] or "text"})))
        return rows

    def clause_counts(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self._con().execute(
            "SELECT document_id, COUNT(*) FROM clauses GROUP BY document_id")}

    def clause_columns(self) -> tuple[list[str], list[str], list[str | None]]:
        """Per clause row, in row order: its document id, kind and duplicate group (one scan)."""
        docs, kinds, groups = [], [], []
        for document_id, kind, group in self._con().execute(
                "SELECT document_id, kind, duplicate_group FROM clauses ORDER BY row"):
            docs.append(document_id)
            kinds.append(kind)
            groups.append(group)
        return docs, kinds, groups

    def clause_tokens(self) -> Iterable[tuple[int, str, str, list[str]]]:
        """(row, document id, kind, BM25 tokens) of every clause, in row order (a second engine's export)."""
        for row, document_id, kind, tokens in self._con().execute(
                "SELECT row, document_id, kind, tokens_json FROM clauses ORDER BY row"):
            yield row, document_id, kind, json.loads(tokens or "[]")

    def vectors(self) -> list[VectorRow]:
        """Every FAISS vector's row: its id, clause row, window number and the hash of the text embedded."""
        return [VectorRow(r[0], r[1], r[2], r[3]) for r in self._con().execute(
            "SELECT vid, clause_row, passage_index, text_sha256 FROM vectors ORDER BY vid")]

    def vector_rows(self) -> list[int]:
        """The clause row of every FAISS vector id, in id order."""
        return [r[0] for r in self._con().execute("SELECT clause_row FROM vectors ORDER BY vid")]

    def clause_records(self, rows: Iterable[int]) -> dict[int, ClauseRecord]:
        """The records of these clause rows (missing rows are left out)."""
        wanted = sorted({int(r) for r in rows})
        out: dict[int, ClauseRecord] = {}
        extra = self._columns("clauses", NEW_CLAUSE_COLUMNS)
        for start in range(0, len(wanted), 500):  # SQLite caps the number of bound parameters
            chunk = wanted[start:start + 500]
            for r in self._con().execute(
                    "SELECT row, id, document_id, kind, label, section_path_json, text, search_text, "
                    f"line_start, line_end, duplicate_group, {extra} FROM clauses "
                    f"WHERE row IN ({','.join('?' * len(chunk))})", chunk):
                out[r["row"]] = ClauseRecord(r["row"], r["id"], r["document_id"], r["kind"], r["label"],
                                             json.loads(r["section_path_json"] or "[]"), r["text"],
                                             r["search_text"], r["line_start"], r["line_end"],
                                             r["duplicate_group"], r["page_start"], r["page_end"],
                                             r["paragraph_start"], r["paragraph_end"])
        return out

    def document(self, document_id: str) -> Document | None:
        """One document with its clauses and passages, or None."""
        con = self._con()
        d = con.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()
        if d is None:
            return None
        doc = _document_from_row(d)
        passages: dict[str, list[Passage]] = {}
        for p in con.execute("SELECT p.* FROM passages p JOIN clauses c ON c.id = p.clause_id "
                             "WHERE c.document_id = ? ORDER BY p.clause_id, p.idx", (document_id,)):
            passages.setdefault(p["clause_id"], []).append(_passage_from_row(p))
        doc.clauses = [_clause_from_row(c, passages.get(c["id"], [])) for c in con.execute(
            "SELECT * FROM clauses WHERE document_id = ? ORDER BY row", (document_id,))]
        return doc

    def cited_clause(self, clause_id: str, version: str):
        """The clause as an earlier version of its document had it (index/history.py), or None."""
        from policykb.index.history import cited_clause

        return cited_clause(self._con(), clause_id, version)

    def version_held(self, document_id: str, version: str) -> bool:
        from policykb.index.history import version_held

        return version_held(self._con(), document_id, version)

    def clause_document(self, clause_id: str) -> str | None:
        """The id of the document holding clause `clause_id`, or None."""
        r = self._con().execute("SELECT document_id FROM clauses WHERE id = ?", (clause_id,)).fetchone()
        return r[0] if r else None

    def _references(self, where: str, clause_id: str) -> list[Reference]:
        try:
            rows = self._con().execute(
                f"SELECT * FROM clause_references WHERE {where} = ? ORDER BY clause_id, ordinal", (clause_id,)).fetchall()
        except sqlite3.OperationalError:  # a store written before references were kept
            return []
        return [Reference(r["clause_id"], r["span_start"], r["span_end"], r["text"], r["kind"], r["target_document"],
                          r["target_label"], r["paragraph"], r["item"], r["resolved_clause_id"]) for r in rows]

    def relations(self, document_id: str | None = None) -> list[DocumentRelation]:
        """Relations between documents: all of them, or those from or to `document_id` ([] if none kept)."""
        return read_relations(self._con(), document_id)

    def references_from(self, clause_id: str) -> list[Reference]:
        """The cross-references written in clause `clause_id`, in reading order ([] if none or not kept)."""
        return self._references("clause_id", clause_id)

    def references_to(self, clause_id: str) -> list[Reference]:
        """The cross-references elsewhere that resolve to clause `clause_id` (its backlinks)."""
        return self._references("resolved_clause_id", clause_id)

    def clause_labels(self, clause_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """clause id -> (document id, label) for those of `clause_ids` the store holds."""
        wanted = sorted(set(clause_ids))
        out: dict[str, tuple[str, str | None]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for r in self._con().execute(f"SELECT id, document_id, label FROM clauses WHERE id IN "
                                         f"({','.join('?' * len(chunk))})", chunk):
                out[r["id"]] = (r["document_id"], r["label"])
        return out

    def group_members(self, group: str) -> list[tuple[str, str]]:
        """(document id, clause id) of every clause in a duplicate group, in row order."""
        return [(r[0], r[1]) for r in self._con().execute(
            "SELECT document_id, id FROM clauses WHERE duplicate_group = ? ORDER BY row", (group,))]
