"""Reference-manager bundles of a selection, one item per clause (its pinpoint in `section`):
CSL-JSON (an array of items), RIS and BibTeX."""

from __future__ import annotations

import json

from policykb.service.citations import bibtex, csl, ris
from policykb.service.export.selection import Selection


def csl_json_bytes(selection: Selection) -> bytes:
    items = [csl.csl_item(e.clause.document, selection.accessed, e.clause) for e in selection.clauses]
    return (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def ris_bytes(selection: Selection) -> bytes:
    return ris.ris_text(ris.ris_record(e.clause.document, selection.accessed, e.clause)
                        for e in selection.clauses).encode("utf-8")


def bibtex_bytes(selection: Selection) -> bytes:
    return bibtex.bibtex_text(bibtex.bibtex_entry(e.clause.document, selection.accessed, e.clause)
                              for e in selection.clauses).encode("utf-8")
