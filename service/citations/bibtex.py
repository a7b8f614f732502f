"""BibTeX entries for LaTeX (gbt7714 and biblatex-gb7714-2015 read them), written with bibtexparser.

`@misc` with `author` the issuers (each in braces, so no one splits 「中共中央」 into a first
and last name), `title`, `number` (文号), `date` and `year` only when the document states a date,
`url` and `urldate`, `mark` the GB/T 7714 type code (A), `note` the checker's note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date as Date

import bibtexparser
from bibtexparser.model import Entry, Field

from policykb.service.citations.legal_style import pinpoint
from policykb.service.citations.record import CitedClause, CitedDocument, checker_note


def _key(text: str) -> str:
    """A citation key LaTeX accepts: the id with anything but letters, digits, - and _ replaced."""
    return "pkb-" + re.sub(r"[^A-Za-z0-9_-]", "-", text)


def _braced(text: str) -> str:
    return "{" + text.replace("{", "").replace("}", "") + "}"


def bibtex_entry(doc: CitedDocument, accessed: Date, clause: CitedClause | None = None) -> Entry:
    """One entry; absent fields are left out."""
    fields = [Field("title", _braced(doc.title or doc.file))]
    if doc.issuers:
        fields.append(Field("author", " and ".join(_braced(n) for n in doc.issuers)))
    if doc.doc_number:
        fields.append(Field("number", doc.doc_number))
    if doc.date:
        fields += [Field("date", doc.date), Field("year", doc.date[:4])]
    if doc.url:
        fields += [Field("url", doc.url), Field("urldate", accessed.isoformat())]
    if clause is not None and pinpoint(clause):
        fields.append(Field("section", pinpoint(clause)))
    fields += [Field("mark", "A"), Field("language", "chinese"), Field("note", checker_note(doc, clause))]
    return Entry("misc", _key(clause.clause_id if clause else doc.document_id), fields)


def bibtex_text(entries: Iterable[Entry]) -> str:
    """The .bib file of these entries."""
    library = bibtexparser.Library(list(entries))
    return bibtexparser.write_string(library)
