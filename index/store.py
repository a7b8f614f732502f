"""The clause store: one SQLite file per generation.

Tables: documents (metadata as columns plus the full `meta_json` with source lines),
clauses (in the order of the lexical index: `row` is the BM25 document number),
passages, and vectors (the int64 FAISS id -> clause, or clause passage). JSON columns
hold lists (section paths, tokens, warnings). `load_documents` rebuilds the ingest
records, so a later build can keep the documents of files it did not re-read.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ingest.model import Clause, Document, DocumentMeta, MetaField, Passage

SCHEMA = """
CREATE TABLE documents (
  id TEXT PRIMARY KEY, file TEXT NOT NULL, source_path TEXT, index_in_file INTEGER,
  format TEXT, encoding TEXT, title TEXT, issuer TEXT, doc_number TEXT, date TEXT,
  year INTEGER, doc_type TEXT, status TEXT, source_url TEXT, meta_json TEXT,
  line_start INTEGER, line_end INTEGER, body_start INTEGER, warnings_json TEXT,
  content_hash TEXT);
CREATE TABLE clauses (
  row INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, document_id TEXT NOT NULL,
  ordinal INTEGER, kind TEXT, label TEXT, heading TEXT, section_path_json TEXT,
  text TEXT, search_text TEXT, line_start INTEGER, line_end INTEGER, depth INTEGER,
  tokens_json TEXT, duplicate_group TEXT);
CREATE TABLE passages (
  clause_id TEXT NOT NULL, idx INTEGER NOT NULL, text TEXT, search_text TEXT,
  line_start INTEGER, line_end INTEGER, PRIMARY KEY (clause_id, idx));
CREATE TABLE vectors (
  vid INTEGER PRIMARY KEY, clause_row INTEGER NOT NULL, passage_index INTEGER,
  text_sha256 TEXT NOT NULL);
CREATE TABLE files (
  file TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
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


def _year(date: str | None) -> int | None:
    return int(date[:4]) if date and date[:4].isdigit() else None


def write_store(path: Path, documents: list[Document], source_paths: dict[str, str],
                vectors: list[VectorRow], fingerprints: dict[str, str] | None = None) -> None:
    """Write a new store at `path` (which must not exist). Clause rows follow document order.

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
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (doc.id, doc.file, source_paths.get(doc.file), doc.index_in_file, doc.format,
                 doc.encoding, m.value("title"), m.value("issuer"), m.value("doc_number"),
                 m.value("date"), _year(m.value("date")), m.value("doc_type"), m.value("status"),
                 m.value("source_url"), json.dumps(m.as_dict(), ensure_ascii=False),
                 doc.line_start, doc.line_end, doc.body_start,
                 json.dumps(doc.warnings, ensure_ascii=False), doc.content_hash))
            for c in doc.clauses:
                con.execute(
                    "INSERT INTO clauses VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (row, c.id, doc.id, c.ordinal, c.kind, c.label, c.heading,
                     json.dumps(c.section_path, ensure_ascii=False), c.text, c.search_text,
                     c.line_start, c.line_end, c.depth, json.dumps(c.tokens, ensure_ascii=False),
                     c.duplicate_group))
                con.executemany(
                    "INSERT INTO passages VALUES (?,?,?,?,?,?)",
                    [(c.id, p.index, p.text, p.search_text, p.line_start, p.line_end)
                     for p in c.passages])
                row += 1
        con.executemany("INSERT INTO files VALUES (?,?)", sorted((fingerprints or {}).items()))
        con.executemany("INSERT INTO vectors VALUES (?,?,?,?)",
                        [(v.vid, v.clause_row, v.passage_index, v.text_sha256) for v in vectors])
        con.commit()
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
            passages.setdefault(p["clause_id"], []).append(Passage(
                clause_id=p["clause_id"], index=p["idx"], text=p["text"],
                search_text=p["search_text"], line_start=p["line_start"], line_end=p["line_end"]))
        by_id: dict[str, Document] = {}
        for d in con.execute("SELECT * FROM documents ORDER BY rowid"):
            if wanted is not None and d["file"] not in wanted:
                continue
            doc = Document(
                id=d["id"], file=d["file"], index_in_file=d["index_in_file"], format=d["format"],
                encoding=d["encoding"], meta=_meta_from_json(d["meta_json"]),
                line_start=d["line_start"], line_end=d["line_end"], body_start=d["body_start"],
                warnings=json.loads(d["warnings_json"] or "[]"), content_hash=d["content_hash"] or "")
            docs.append(doc)
            by_id[doc.id] = doc
            if d["source_path"]:
                sources[doc.file] = d["source_path"]
        for c in con.execute("SELECT * FROM clauses ORDER BY row"):
            doc = by_id.get(c["document_id"])
            if doc is None:
                continue
            doc.clauses.append(Clause(
                id=c["id"], document_id=c["document_id"], ordinal=c["ordinal"], kind=c["kind"],
                label=c["label"], heading=c["heading"],
                section_path=json.loads(c["section_path_json"] or "[]"), text=c["text"],
                search_text=c["search_text"], line_start=c["line_start"], line_end=c["line_end"],
                depth=c["depth"], tokens=json.loads(c["tokens_json"] or "[]"),
                passages=passages.get(c["id"], []), duplicate_group=c["duplicate_group"]))
        return docs, sources
    finally:
        con.close()
