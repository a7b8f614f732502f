"""Earlier versions of clauses, kept across builds so that an old citation can still show its text.

A document's version is the start of its content hash (the sha256 of its clause texts, so
any change of wording gives a new one). Each build copies into its new store the
`clause_versions` table of the generation it replaces, and adds the clauses of every
document version that the new generation no longer holds (the file changed, or it was
removed). The table grows only when a document changes; it holds the text, label, section
path and lines of each clause as it was, and the metadata its citation showed.

Looked up by (clause id, version): `cited_clause` answers the clause as that version had
it, or None when no build of this index ever held the version (an index built before
versions were kept, or a link from another index).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

VERSION_LENGTH = 12  # hex digits of the content hash a permalink carries: 48 bits, no clash in practice

SCHEMA = """
CREATE TABLE IF NOT EXISTS clause_versions (
  version TEXT NOT NULL, clause_id TEXT NOT NULL, document_id TEXT NOT NULL, ordinal INTEGER,
  label TEXT, section_path_json TEXT, text TEXT NOT NULL, line_start INTEGER, line_end INTEGER,
  title TEXT, issuer TEXT, doc_number TEXT, date TEXT, file TEXT, replaced_in TEXT,
  PRIMARY KEY (version, clause_id));
"""


def version_of(content_hash: str | None) -> str | None:
    """The version a permalink names for a document with this content hash (None when it has none)."""
    return content_hash[:VERSION_LENGTH] if content_hash else None


@dataclass(frozen=True)
class CitedClause:
    """A clause as an earlier version of its document had it."""

    clause_id: str
    document_id: str
    version: str
    label: str | None
    section_path: list[str]
    text: str
    line_start: int
    line_end: int
    title: str | None
    issuer: str | None
    doc_number: str | None
    date: str | None
    file: str
    replaced_in: str  # the generation that no longer held this version


def carry_history(new_store: Path, previous_store: Path | None, generation: str) -> int:
    """Write into `new_store` the versions it no longer holds: those the previous store kept, and
    the previous store's own documents whose version `new_store` lacks. Returns the clauses added."""
    con = sqlite3.connect(new_store)
    try:
        con.executescript(SCHEMA)
        if previous_store is None or not Path(previous_store).is_file():
            con.commit()
            return 0
        con.execute("ATTACH DATABASE ? AS old", (str(previous_store),))
        has_history = con.execute("SELECT 1 FROM old.sqlite_master WHERE name = 'clause_versions'").fetchone()
        if has_history:
            con.execute("INSERT OR IGNORE INTO clause_versions SELECT * FROM old.clause_versions")
        cursor = con.execute(
            f"""INSERT OR IGNORE INTO clause_versions
                SELECT substr(d.content_hash, 1, {VERSION_LENGTH}), c.id, d.id, c.ordinal, c.label,
                       c.section_path_json, c.text, c.line_start, c.line_end, d.title, d.issuer, d.doc_number,
                       d.date, d.file, ?
                FROM old.documents d JOIN old.clauses c ON c.document_id = d.id
                WHERE d.content_hash IS NOT NULL AND d.content_hash != ''
                  AND NOT EXISTS (SELECT 1 FROM main.documents n
                                  WHERE n.id = d.id AND n.content_hash = d.content_hash)""", (generation,))
        added = cursor.rowcount
        con.commit()
        con.execute("DETACH DATABASE old")
        return max(added, 0)
    finally:
        con.close()


def cited_clause(con: sqlite3.Connection, clause_id: str, version: str) -> CitedClause | None:
    """The clause `clause_id` as document version `version` had it, from a store's history, or None."""
    try:
        cursor = con.execute("SELECT * FROM clause_versions WHERE version = ? AND clause_id = ?",
                             (version[:VERSION_LENGTH], clause_id))
        row = cursor.fetchone()
    except sqlite3.OperationalError:  # a store written before versions were kept
        return None
    if row is None:
        return None
    r = dict(zip([d[0] for d in cursor.description], row))
    return CitedClause(clause_id=r["clause_id"], document_id=r["document_id"], version=r["version"],
                       label=r["label"], section_path=json.loads(r["section_path_json"] or "[]"), text=r["text"],
                       line_start=r["line_start"], line_end=r["line_end"], title=r["title"], issuer=r["issuer"],
                       doc_number=r["doc_number"], date=r["date"], file=r["file"], replaced_in=r["replaced_in"])


def version_held(con: sqlite3.Connection, document_id: str, version: str) -> bool:
    """Whether the history holds any clause of this document version."""
    try:
        return con.execute("SELECT 1 FROM clause_versions WHERE version = ? AND document_id = ? LIMIT 1",
                           (version[:VERSION_LENGTH], document_id)).fetchone() is not None
    except sqlite3.OperationalError:
        return False
