"""The typed rows an index hands to search: one document's metadata, one clause as a result shows it.

Both are read from a generation's store (index/store.py) by the index reader (index/reader.py), and a
second engine returns the same records, so nothing past `index/` handles a store's columns by name.
Unknown metadata is None, never guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from policykb.index.history import version_of


@dataclass(frozen=True)
class DocumentRow:
    """One document's metadata as stored. `year` is the date's, or the one its 文号 or title gives when it
    states no date, with `year_source` saying which (DocumentMeta.year_of; None when `year` is None)."""

    id: str
    file: str
    title: str | None = None
    issuer: str | None = None
    doc_number: str | None = None
    date: str | None = None
    year: int | None = None
    year_source: dict[str, Any] | None = None
    doc_type: str | None = None
    status: str | None = None
    source_url: str | None = None
    format: str | None = None
    encoding: str | None = None
    line_start: int | None = None
    line_end: int | None = None
    content_hash: str | None = None
    text_source: str = "text"  # "text", "ocr" or "mixed"; a store written before format 2 says nothing: text
    ocr_json: str | None = None
    converter: str | None = None
    page_count: int | None = None

    @property
    def ocr(self) -> dict[str, Any] | None:
        """The OCR summary of a recognised document (engine, pages, mean confidence), else None."""
        return json.loads(self.ocr_json) if self.ocr_json else None

    @property
    def version(self) -> str | None:
        """The short id of this text's version (index/history.py), None for a store that kept no hash."""
        return version_of(self.content_hash)

    @property
    def date_key(self) -> str:
        """What `sort=date` orders by, newest first: the date (2009-05-01 > 2009-05 > 2009), else the inferred
        year, else "" (last)."""
        if self.date:
            return self.date
        return str(self.year) if self.year is not None else ""

    # The issuer, type and status in the form filters compare them in (search/filters.py facet_key), folded
    # once per row: a filtered search tests every document.
    @cached_property
    def issuer_key(self) -> str:
        return _folded(self.issuer)

    @cached_property
    def doc_type_key(self) -> str:
        return _folded(self.doc_type)

    @cached_property
    def status_key(self) -> str:
        return _folded(self.status)


def _folded(text: str | None) -> str:
    from policykb.text.normalize import search_form

    return search_form(text) if text else ""


@dataclass(frozen=True)
class ClauseRecord:
    """What a search result shows of one clause row (read from the store on demand)."""

    row: int
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
    page_start: int | None = None
    page_end: int | None = None
    paragraph_start: int | None = None
    paragraph_end: int | None = None
