"""Split a file that compiles several documents into one span per document.

Compilations mark each document after the first with a line such as
「第二篇：“十一五”全国人事干部教育培训规划(2024)」; the first document may have no marker.
A transmitting 通知 and the text it transmits stay one document (see ingest.metadata).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART_MARKER = re.compile(r"^[\s\u3000]*(?:#+\s*)?(?:\*\*)?第[一二三四五六七八九十百0-9]+篇[：:]")


@dataclass(frozen=True)
class DocumentSpan:
    index: int
    line_start: int  # 1-based, inclusive
    line_end: int


def split_documents(lines: list[str], body_start: int = 1) -> list[DocumentSpan]:
    """Document spans over `lines` (1-based line numbers), starting at `body_start`."""
    starts = [body_start]
    for number in range(body_start, len(lines) + 1):
        if _PART_MARKER.match(lines[number - 1]) and number != body_start:
            starts.append(number)
    spans: list[DocumentSpan] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else len(lines)
        if any(lines[n - 1].strip() for n in range(start, end + 1)):
            spans.append(DocumentSpan(len(spans), start, end))
    return spans
