"""The record types that pass between ingest stages and on to the index.

Line numbers are 1-based and refer to the lines of the *source text* a reader
produced: for .txt/.md/.html-as-text they are the file's own lines; for .docx they
are paragraphs, for .pdf the text lines of the text layer, for .html the blocks of
the extracted main text (see each reader's docstring).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SourceText:
    """What a format reader hands to the rest of ingest: the text as lines.

    `heading_levels` maps a line number to a heading level (1 = top) when the source
    format marks headings itself (markdown `#`, Word heading styles, HTML <h1>…<h6>).
    `front_matter` is YAML metadata of a markdown file; `body_start` is the first
    line after it.
    """

    path: str
    format: str
    lines: list[str]
    encoding: str | None = None
    front_matter: dict[str, Any] = field(default_factory=dict)
    front_matter_lines: tuple[int, int] | None = None
    body_start: int = 1
    heading_levels: dict[int, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class MetaField:
    """One metadata value and where it was found (line number, or the front matter).

    `inferred_from` names the field a value was read out of rather than stated as itself
    (a year inferred from the 文号 or the title: "doc_number", "title"); None when stated.
    """

    value: str
    line: int | None = None
    source: str = "text"  # "text" | "front_matter" | "filename"
    inferred_from: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {"value": self.value, "line": self.line, "source": self.source}
        if self.inferred_from:
            out["inferred_from"] = self.inferred_from
        return out


@dataclass
class DocumentMeta:
    """Metadata a document states. A field the text does not state stays None."""

    title: MetaField | None = None
    issuer: MetaField | None = None
    doc_number: MetaField | None = None
    date: MetaField | None = None  # ISO yyyy-mm-dd (or yyyy-mm / yyyy when that is all)
    doc_type: MetaField | None = None
    status: MetaField | None = None
    source_url: MetaField | None = None
    # Only when `date` is None: a year the 文号 or title gives (「（2009年23号）」, 「2009—2013年…规划」),
    # marked with `inferred_from`. Not one of FIELDS: it is not stated, it is read out of one.
    year: MetaField | None = None

    FIELDS = ("title", "issuer", "doc_number", "date", "doc_type", "status", "source_url")

    def value(self, name: str) -> str | None:
        f = getattr(self, name)
        return f.value if f else None

    def as_dict(self) -> dict[str, Any]:
        out = {name: (getattr(self, name).as_dict() if getattr(self, name) else None) for name in self.FIELDS}
        if self.year:
            out["year"] = self.year.as_dict()
        return out

    def year_of(self) -> tuple[int | None, dict[str, Any] | None]:
        """The document's year and where it came from: its date's, else the inferred one, else (None, None).

        The source is {"field", "text", "line", "inferred"}: `text` is the value it was read from
        (the date, the 文号 or the title as written).
        """
        date = self.date.value if self.date else None
        if date and date[:4].isdigit():
            return int(date[:4]), {"field": "date", "text": date, "line": self.date.line, "inferred": False}
        if self.year and self.year.inferred_from:
            stated = getattr(self, self.year.inferred_from)
            return int(self.year.value), {"field": self.year.inferred_from, "text": stated.value if stated else None,
                                          "line": self.year.line, "inferred": True}
        return None, None


@dataclass
class Passage:
    """A piece of a long clause, cut at a sentence end; it still cites its clause."""

    clause_id: str
    index: int
    text: str
    search_text: str
    line_start: int
    line_end: int


@dataclass
class Clause:
    """The smallest unit a person would cite.

    `text` is the clause as written (its source lines joined with "\\n");
    `search_text` is the normalized form used for matching. `label` is its own
    number as written (「（二）」, 「第十五条」, 「1.」) or a paragraph label
    (「第2段」); `heading` is the title a numbered heading carries, if any.
    `section_path` holds the headings above it, outermost first.
    """

    id: str
    document_id: str
    ordinal: int
    kind: str  # "preamble" | "heading" | "article" | "item" | "paragraph"
    label: str | None
    heading: str | None
    section_path: list[str]
    text: str
    search_text: str
    line_start: int
    line_end: int
    depth: int = 0
    tokens: list[str] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    duplicate_group: str | None = None


@dataclass
class Document:
    """One document: a file may hold several (seed 001 holds five)."""

    id: str
    file: str  # path relative to the ingest root
    index_in_file: int
    format: str
    encoding: str | None
    meta: DocumentMeta
    line_start: int
    line_end: int
    body_start: int  # first line that belongs to clauses
    clauses: list[Clause] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    content_hash: str = ""

    @property
    def title(self) -> str | None:
        return self.meta.value("title")


@dataclass
class FileFailure:
    """A file that could not be ingested, and why (written for the person reading it)."""

    file: str
    reason: str


@dataclass
class FileResult:
    file: str
    documents: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failure: FileFailure | None = None
