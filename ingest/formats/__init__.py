"""Format readers: one module per source format, each with `read(path, data) -> SourceText`.

`read_source(path)` picks the reader by the file's suffix (case-insensitive), checks the
size limit and hands the reader the file's bytes. Readers for .docx and .pdf import
their libraries only when such a file is read.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ingest.errors import IngestError, UnsupportedFormat
from ingest.model import SourceText

# suffix -> module under ingest.formats that reads it
READERS: dict[str, str] = {
    ".txt": "txt",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(READERS)
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def read_source(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Read one file into a SourceText.

    Raises UnsupportedFormat for a suffix no reader handles, IngestError for a missing,
    empty or too large file, and the reader's own DecodeError / NeedsOCR / IngestError.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    module_name = READERS.get(suffix)
    if module_name is None:
        raise UnsupportedFormat(
            f"{path}: unsupported file type {suffix or '(no suffix)'!r}; policykb reads "
            f"{', '.join(SUPPORTED_SUFFIXES)}. Convert it to one of these (e.g. .doc -> .docx, "
            f"or save it as UTF-8 .txt)."
        )
    data = _read_bytes(path, max_bytes)
    reader = importlib.import_module(f"{__name__}.{module_name}")
    return reader.read(path, data)


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
