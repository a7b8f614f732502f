"""What one zip-based file (.docx, .odt, .ofd, a .docx under a .doc name) may unpack to.

The per-file limit (`--max-file-mb`, 10 MB) is on the bytes on disk, but these formats
are zip packages: 720 KB of .docx can hold 290 MB of XML, which python-docx took 150 s
and 2 GB to read. So a package's members are added up, as the zip's directory states
their unpacked sizes (Python's zipfile never unpacks more than that), before any of it
is unpacked, and a package past the limit is refused with its own message.

Setting (environment, so ingest's worker processes see it too, as for OCR):
`POLICYKB_MAX_UNPACKED_MB`, default 50 (a .docx with 20 MB of XML in 200,000 short paragraphs
takes about a minute and 500 MB; real documents of 2,000 pages stay under 50 MB).
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Mapping

from policykb.ingest.errors import IngestError

UNPACKED_ENV = "POLICYKB_MAX_UNPACKED_MB"
DEFAULT_MAX_UNPACKED_MB = 50
_ZIP_MAGIC = b"PK\x03\x04"


def max_unpacked_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The limit in bytes: POLICYKB_MAX_UNPACKED_MB, else the default (a bad value is an IngestError)."""
    raw = (os.environ if environ is None else environ).get(UNPACKED_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_UNPACKED_MB * 1024 * 1024
    try:
        megabytes = float(raw)
    except ValueError:
        megabytes = -1
    if megabytes <= 0:
        raise IngestError(f"{UNPACKED_ENV}={raw!r} is not a size in MB; set it to a number such as 300, "
                          f"or unset it for the default of {DEFAULT_MAX_UNPACKED_MB}")
    return int(megabytes * 1024 * 1024)


def check_unpacked(name: str, data: bytes, limit: int | None = None) -> None:
    """Raise IngestError when the zip package `data` (the file `name`) unpacks to more than `limit`
    bytes (default: `max_unpacked_bytes()`). Anything that is no readable zip is left to its reader."""
    if data[:4] != _ZIP_MAGIC:
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return  # the reader says what is wrong with it
    limit = max_unpacked_bytes() if limit is None else limit
    total = sum(m.file_size for m in members)
    if total <= limit:
        return
    largest = max(members, key=lambda m: m.file_size)
    raise IngestError(
        f"{name}: unpacked, this {len(data) / 1024 / 1024:.1f} MB file expands to {_mb(total)} MB "
        f"({largest.filename} alone {_mb(largest.file_size)} MB), over the {_mb(limit)} MB limit on what one "
        f"file may unpack to; it is damaged or built to exhaust memory, or a very large document. If it is a "
        f"real document, split it, or raise the limit: {UNPACKED_ENV}={int(total / 1024 / 1024) + 1} "
        f"policykb ingest …")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f}" if n >= 10 * 1024 * 1024 else f"{n / 1024 / 1024:.1f}"
