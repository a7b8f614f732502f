"""Markdown reader. Line N is line N of the file, as for .txt.

A YAML front matter block at the top is read as for .txt (ingest/formats/front_matter.py).
ATX headings (`#` .. `######`, outside fenced code) are recorded in `heading_levels`;
the line text keeps its `#`s.
"""

from __future__ import annotations

import re
from pathlib import Path

from policykb.ingest.encoding import decode_text
from policykb.ingest.formats.front_matter import read_front_matter
from policykb.ingest.formats.txt import split_lines
from policykb.ingest.model import SourceText

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def read(path: Path, data: bytes) -> SourceText:
    decoded = decode_text(data, str(path))
    text, encoding = decoded.text, decoded.encoding
    lines = split_lines(text)
    source = SourceText(path=str(path), format="md", lines=lines, encoding=encoding,
                        warnings=list(decoded.warnings))
    read_front_matter(source, path)
    source.heading_levels = _headings(lines, source.body_start)
    return source


def _headings(lines: list[str], body_start: int) -> dict[int, int]:
    levels: dict[int, int] = {}
    fence: str | None = None
    for number in range(body_start, len(lines) + 1):
        line = lines[number - 1]
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
            continue
        if fence is None:
            heading = _HEADING.match(line)
            if heading:
                levels[number] = len(heading.group(1))
    return levels
