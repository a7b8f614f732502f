"""The record types that pass between ingest stages and on to the index.

Line numbers are 1-based and refer to the lines of the *source text* a reader
produced: for .txt/.md/.html-as-text they are the file's own lines; for .docx (and
.doc/.wps, read through a .docx conversion) and .rtf they are paragraphs, for .pdf and
.ofd the paragraphs of the page text once hard line-wraps are joined and running
headers, footers and page numbers dropped, for .html the blocks of the extracted main
text (see each reader's docstring).

Where a person would look rather than count lines, a source also says so: the page
(or pages) of each line for .pdf/.ofd, the paragraph number of each line for Word files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

# Where a document's text came from: the file's own text ("text": a text layer, Word
# paragraphs, a plain text file), optical character recognition of page images ("ocr"),
# or both (a PDF with some scanned pages: "mixed").
TextSource = Literal["text", "ocr", "mixed"]


@dataclass
class OcrInfo:
    """How the OCR'd pages of a document were read: engine, its version and languages,
    the resolution pages were rendered at, which pages, and the mean character confidence
    (0-100, as the engine reports it; None if it gave none)."""

    engine: str  # "tesseract"
    engine_version: str
    languages: str  # "chi_sim+chi_tra"
    dpi: int
    pages: list[int]  # 1-based page numbers that were OCR'd
    mean_confidence: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """「Tesseract 5.3.0 (chi_sim+chi_tra, 300 dpi)」"""
        return f"{self.engine.capitalize()} {self.engine_version} ({self.languages}, {self.dpi} dpi)"


@dataclass
class SourceText:
    """What a format reader hands to the rest of ingest: the text as lines.

    `heading_levels` maps a line number to a heading level (1 = top) when the source
    format marks headings itself (markdown `#`, Word heading styles, HTML <h1>…<h6>).
    `front_matter` is YAML metadata of a markdown file; `body_start` is the first
    line after it.

    `line_pages[n-1]` is the (first, last) page of line n for paged formats (.pdf,
    .ofd; a paragraph that runs over a page break spans two); `line_paragraphs[n-1]` is
    the paragraph number of line n for Word files (a soft line break keeps the number).
    `text_source` says whether the text was read or recognised (OCR), `ocr` how, and
    `char_confidence` maps a line number to the engine's confidence (0-100) for each
    character of the stripped line, for OCR'd lines. `converter` names the program that
    turned the file into a format policykb reads (LibreOffice for .doc/.wps).
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
    line_pages: list[tuple[int, int]] | None = None
    line_paragraphs: list[int] | None = None
    text_source: TextSource = "text"
    ocr: OcrInfo | None = None
    char_confidence: dict[int, list[int]] = field(default_factory=dict)
    converter: str | None = None
    page_count: int | None = None


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
        if self.date and date and date[:4].isdigit():
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


# What a clause is: a document's header block before its first heading (preamble), a heading line
# (heading), a table of contents kept as one clause (toc: searchable, demoted like headings), a numbered
# article 第X条 with its 款 and 项 (article), a numbered or bulleted item of a plan (item), an unnumbered
# paragraph (paragraph). Search, citations and references read these values; add one here first.
ClauseKind = Literal["preamble", "heading", "toc", "article", "item", "paragraph"]
CLAUSE_KINDS: tuple[str, ...] = get_args(ClauseKind)


@dataclass
class Clause:
    """The smallest unit a person would cite.

    `text` is the clause as written (its source lines joined with "\\n");
    `search_text` is the normalized form used for matching. `label` is its own
    number as written (「（二）」, 「第十五条」, 「1.」) or a paragraph label
    (「第2段」); `heading` is the title a numbered heading carries, if any.
    `section_path` holds the headings above it, outermost first.

    `page_start`/`page_end` are the pages it is on (.pdf/.ofd, else None);
    `paragraph_start`/`paragraph_end` its paragraph numbers in a Word file (else None).
    `char_confidence` is the OCR engine's confidence (0-100) for each character of
    `text` (a line break counts as one, at 100) when the clause was recognised from
    a page image, else None.
    """

    id: str
    document_id: str
    ordinal: int
    kind: ClauseKind  # one of CLAUSE_KINDS; checked when a Clause is made
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
    page_start: int | None = None
    page_end: int | None = None
    paragraph_start: int | None = None
    paragraph_end: int | None = None
    char_confidence: list[int] | None = None

    def __post_init__(self) -> None:
        if self.kind not in CLAUSE_KINDS:
            raise ValueError(f"clause {self.id}: kind {self.kind!r} is not one of {', '.join(CLAUSE_KINDS)} "
                             "(ingest/model.py ClauseKind)")

    @property
    def ocr_confidence(self) -> float | None:
        """Mean character confidence (0-100) of an OCR'd clause, else None."""
        if not self.char_confidence:
            return None
        return round(sum(self.char_confidence) / len(self.char_confidence), 1)


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
    text_source: TextSource = "text"
    ocr: OcrInfo | None = None
    converter: str | None = None
    page_count: int | None = None

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
    """What one file gave. `archive` is the archive (its relative path) a member came
    from (its `file` is then 「archive.zip!member.docx」), or None for a file of its own."""

    file: str
    documents: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failure: FileFailure | None = None
    archive: str | None = None
