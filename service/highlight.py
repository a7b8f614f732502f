"""Highlights of matched query terms, built on escaped text.

The clause is shown as written (maybe traditional, full-width), while query terms are
in the search form. Each character of the text is folded on its own (OpenCC t2s per
character, full-width digits/letters to half-width, whitespace skipped), which keeps
a position map back to the text; terms are found in the folded string and mapped
back. The HTML is built by escaping each piece of the text and wrapping the matched
pieces in <mark>, so no markup from the source can get through.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache

from service.results import Highlight

_FULLWIDTH = {**{0xFF10 + i: 0x30 + i for i in range(10)},
              **{0xFF21 + i: 0x61 + i for i in range(26)},   # fold case too
              **{0xFF41 + i: 0x61 + i for i in range(26)}}


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    folded = _t2s().convert(ch).translate(_FULLWIDTH).lower()
    if len(folded) == 1:
        return folded
    lower = ch.lower()
    return lower if len(lower) == 1 else ch  # one character in, one out: positions stay aligned


class _FoldTable(dict):
    """`str.translate` table: code point -> its folded character, None for whitespace; filled as met."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        folded = None if ch.isspace() else _fold_char(ch)
        self[code] = folded
        return folded


_FOLD = _FoldTable()
_NON_SPACE = re.compile(r"\S")


def _fold_term(term: str) -> str:
    return term.translate(_FOLD)


def _folded(text: str) -> tuple[str, Sequence[int]]:
    """The folded text and, for each folded character, its index in `text`."""
    # translate runs in C; search runs this on every shown clause, under the GIL
    folded = text.translate(_FOLD)
    if len(folded) == len(text):
        return folded, range(len(text))
    return folded, [m.start() for m in _NON_SPACE.finditer(text)]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, terms: list[str], min_chars: int = 2) -> Highlight:
    """Spans of `terms` in `text` and the escaped HTML with <mark> around them.

    Single Chinese characters are skipped (they would light up half the clause);
    short ASCII terms such as "5" or "MPA" are kept.
    """
    folded, where = _folded(text)
    spans: list[tuple[int, int]] = []
    used: list[str] = []
    for term in dict.fromkeys(terms):
        key = _fold_term(term)
        if not key or (len(key) < min_chars and not key.isascii()):
            continue
        start, found = folded.find(key), False
        while start >= 0:
            spans.append((where[start], where[start + len(key) - 1] + 1))
            found = True
            start = folded.find(key, start + len(key))
        if found:
            used.append(term)
    spans = _merge(spans)
    pieces, pos = [], 0
    for start, end in spans:
        pieces.append(html.escape(text[pos:start]))
        pieces.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    pieces.append(html.escape(text[pos:]))
    return Highlight(spans=spans, html="".join(pieces), terms=used)
