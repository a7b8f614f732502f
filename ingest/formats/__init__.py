"""Format readers: one module per source format, each with `read(path, data) -> SourceText`.

`read_source(path)` picks the reader by the file's suffix (case-insensitive), checks the
size limit (and, for zip packages, what they unpack to: ingest.limits) and hands the
reader the file's bytes; `read_bytes(name, data)` does the same
for bytes that are not a file of their own (an archive member). Readers import their
libraries only when such a file is read. Archives (.zip, .7z, .rar, .tar) are not read
here: ingest.archives lists their members, which are then read like files.

A suffix that no reader takes gets a message of its own when policykb knows what such
files are (a spreadsheet, slides, a CAJ paper), else the list of what it reads.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from policykb.ingest.errors import IngestError, UnsupportedFormat
from policykb.ingest.limits import check_unpacked
from policykb.ingest.model import SourceText

# suffix -> module under ingest.formats that reads it
READERS: dict[str, str] = {
    ".txt": "txt",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".doc": "office",
    ".dot": "office",
    ".wps": "office",
    ".wpt": "office",
    ".odt": "office",
    ".rtf": "rtf",
    ".pdf": "pdf",
    ".ofd": "ofd",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".bmp": "image",
}
# Archives whose members are ingested (ingest.archives).
ARCHIVE_SUFFIXES: tuple[str, ...] = (".zip", ".7z", ".rar", ".tar", ".tgz", ".tar.gz")
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(READERS) + ARCHIVE_SUFFIXES
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Readers of zip packages, whose unpacked size is checked too (ingest.limits).
PACKAGE_READERS = frozenset({"docx", "office", "ofd"})

_SPREADSHEET = ("is a spreadsheet: policykb reads documents of running text and cuts them into clauses, not "
                "tables of cells; if it holds a policy text, copy that text into a .docx or .txt file")
_SLIDES = ("is a presentation: policykb does not read slides; save it as PDF (File > Export as PDF) and "
           "ingest the PDF")
REFUSED: dict[str, str] = {
    **{s: _SPREADSHEET for s in (".xls", ".xlsx", ".xlsm", ".et", ".ett", ".ods", ".csv", ".numbers")},
    **{s: _SLIDES for s in (".ppt", ".pptx", ".pps", ".ppsx", ".dps", ".dpt", ".odp", ".key")},
    ".caj": "is a CNKI CAJ file, a format with no free reader; export it as PDF from CAJViewer and ingest that",
    ".kdh": "is a CNKI KDH file, a format with no free reader; export it as PDF from CAJViewer and ingest that",
    ".nh": "is a CNKI thesis file, a format with no free reader; export it as PDF from CAJViewer and ingest that",
    ".ceb": "is a Founder Apabi CEB file, a format with no free reader; print it to PDF and ingest that",
    ".mht": "is a saved web page archive (MHTML); open it in a browser, save it as .html and ingest that",
    ".mhtml": "is a saved web page archive (MHTML); open it in a browser, save it as .html and ingest that",
    ".gif": "is an animated-image format policykb does not OCR; save the page as PNG and ingest that",
    ".webp": "is an image format policykb does not OCR; save the page as PNG and ingest that",
    ".gz": "is a gzip-compressed file; unpack it (gunzip) and ingest what it holds",
    ".bz2": "is a bzip2-compressed file; unpack it and ingest what it holds",
    ".xz": "is an xz-compressed file; unpack it and ingest what it holds",
}


def read_source(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read one file into a SourceText.

    Raises UnsupportedFormat for a suffix no reader handles, IngestError for a missing,
    empty or too large file, and the reader's own DecodeError / NeedsOCR / IngestError.
    """
    path = Path(path)
    reader = _reader(path)
    data = _read_bytes(path, max_bytes)
    return _read(reader, path, data)


def read_bytes(name: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read `data` as the file `name` (e.g. "通知.zip!附件1.doc", an archive member) would be."""
    path = Path(name)
    reader = _reader(path)
    if not data:
        raise IngestError(f"{name}: file is empty; nothing to ingest")
    if len(data) > max_bytes:
        raise IngestError(f"{name}: file is {_mb(len(data))} MB, larger than the {_mb(max_bytes)} MB limit per "
                          f"file; if it really is one document, raise the limit with --max-file-mb "
                          f"{int(len(data) / 1024 / 1024) + 1}")
    return _read(reader, path, data)


def _read(reader, path: Path, data: bytes) -> SourceText:
    if reader.__name__.rsplit(".", 1)[-1] in PACKAGE_READERS:
        check_unpacked(str(path), data)
    return reader.read(path, data)


def suffix_of(path: str | Path) -> str:
    """The suffix that picks a reader: ".tar.gz" for an archive so named, else the last one, lower case."""
    name = Path(path).name.lower()
    return ".tar.gz" if name.endswith(".tar.gz") else Path(name).suffix


def _reader(path: Path):
    suffix = suffix_of(path)
    module_name = READERS.get(suffix)
    if module_name is None:
        if suffix in REFUSED:
            raise UnsupportedFormat(f"{path}: not ingested: this {suffix} file {REFUSED[suffix]}.")
        if suffix in ARCHIVE_SUFFIXES:
            raise UnsupportedFormat(f"{path}: is an archive; ingest it as a file or folder (its members "
                                    f"are read one by one), not through read_source")
        raise UnsupportedFormat(
            f"{path}: unsupported file type {suffix or '(no suffix)'!r}; policykb reads "
            f"{', '.join(SUPPORTED_SUFFIXES)}. Save it as one of these (e.g. as .docx or PDF from the "
            f"program that made it, or as UTF-8 .txt)."
        )
    return importlib.import_module(f"{__name__}.{module_name}")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IngestError(f"{path}: no such file") from None
    except OSError as err:
        raise IngestError(f"{path}: cannot be read ({err.strerror})") from None
    if not path.is_file():
        raise IngestError(f"{path}: not a regular file")
    if size == 0:
        raise IngestError(f"{path}: file is empty; nothing to ingest")
    if size > max_bytes:
        raise IngestError(
            f"{path}: file is {_mb(size)} MB, larger than the {_mb(max_bytes)} MB limit per "
            f"file; if it really is one document, raise the limit with --max-file-mb "
            f"{int(size / 1024 / 1024) + 1}"
        )
    try:
        return path.read_bytes()
    except OSError as err:
        raise IngestError(f"{path}: cannot be read ({err.strerror})") from None


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".removesuffix(".0")
