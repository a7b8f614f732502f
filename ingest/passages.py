"""Cut a long clause into passages at sentence ends; every passage still cites its clause.

A clause of at most `max_chars` characters needs no passages: `cut_passages` returns []
and the clause itself is the unit that is embedded and matched. A longer clause is cut
after sentence ends (。；！？ and ;!?, with any closing quote or bracket that follows)
and at line ends, and consecutive sentences are packed greedily into passages of at most
`max_chars`. A single sentence longer than that is cut after its commas (，、：,) as a last
resort, and only a comma-less run longer than `max_chars` is cut mid-text.

Passages cover the clause's text without gaps or overlaps (whitespace at their edges
is trimmed), and their line spans are source lines, inside the clause's span.
"""

from __future__ import annotations

import re

from policykb.ingest.model import Clause, Passage
from policykb.text.normalize import search_form

_CLOSERS = "”’」』）)】〕》\"'"
_SENTENCE_END = re.compile(rf"[。；！？;!?][{re.escape(_CLOSERS)}]*|\n")
_COMMA = re.compile(r"[，、：,]")


def _split_after(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Spans of text[start:end] cut just after each match of pattern."""
    spans, pos = [], start
    for m in pattern.finditer(text, start, end):
        if m.end() > pos:
            spans.append((pos, m.end()))
            pos = m.end()
    if pos < end:
        spans.append((pos, end))
    return spans


def _pieces(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Sentence spans, with over-long sentences cut at commas, then at max_chars."""
    out: list[tuple[int, int]] = []
    for s, e in _split_after(text, 0, len(text), _SENTENCE_END):
        if e - s <= max_chars:
            out.append((s, e))
            continue
        for cs, ce in _split_after(text, s, e, _COMMA):
            out.extend((i, min(i + max_chars, ce)) for i in range(cs, ce, max_chars))
    return out


def _pack(pieces: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Join consecutive pieces while the result stays within max_chars."""
    spans: list[tuple[int, int]] = []
    for s, e in pieces:
        if spans and e - spans[-1][0] <= max_chars:
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
    return spans


def cut_passages(clause: Clause, max_chars: int = 350) -> list[Passage]:
    """Passages of a long clause (text as written + search form + line span), or []."""
    text = clause.text
    if len(text) <= max_chars:
        return []
    passages: list[Passage] = []
    counted, newlines = 0, 0  # "\n" in text[:counted]: counted on as passages go, not from 0 for each
    for s, e in _pack(_pieces(text, max_chars), max_chars):
        chunk = text[s:e]
        lead = len(chunk) - len(chunk.lstrip())
        body = chunk.strip()
        if not body:
            continue
        start = s + lead
        end = start + len(body)
        newlines += text.count("\n", counted, start)
        line_start = clause.line_start + newlines
        newlines += text.count("\n", start, end - 1)
        counted = end - 1
        passages.append(Passage(
            clause_id=clause.id,
            index=len(passages),
            text=body,
            search_text=search_form(body),
            line_start=line_start,
            line_end=clause.line_start + newlines,
        ))
    return passages
