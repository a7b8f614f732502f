"""Plain text reader. Line N of the SourceText is line N of the file (1-based), as an
editor numbers it: lines end at CRLF, LF or CR; other separators stay in the text."""

from __future__ import annotations

import re
from pathlib import Path

from policykb.ingest.encoding import decode_text
from policykb.ingest.formats.front_matter import read_front_matter
from policykb.ingest.model import SourceText

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Split text into lines as an editor shows them (no final empty line after a last newline)."""
    lines = _LINE_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def read(path: Path, data: bytes) -> SourceText:
    """Decode `data` (see ingest.encoding) and split it into the file's lines."""
    decoded = decode_text(data, str(path))
    text, encoding = decoded.text, decoded.encoding
    source = SourceText(path=str(path), format="txt", lines=split_lines(text), encoding=encoding,
                        warnings=list(decoded.warnings))
    read_front_matter(source, path)  # policy texts saved as .txt often open with YAML front matter too (seed 000 does)
    return source
