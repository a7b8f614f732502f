"""Numbering schemes of Chinese policy texts, one module per family.

- `articles`: 第X编 / 第X章 / 第X节 / 第X条 (laws, regulations, 办法)
- `outline`: 一、 / （一） / 1. 1、 １． / （1） / ① / 1.1 decimal (plans, opinions, notices)
- `bullets`: —— and markdown list bullets (leaf items, never parents)
- `markup`: markdown `#` headings, whole-line bold, Word/HTML heading levels, and
  sentence-initial lead phrases (「健全落实责任制。…」)

Each family exposes `match(line) -> Marker | None` on a line stripped of markup.
`detect(line)` tries the families in a fixed order.
"""

from __future__ import annotations

from policykb.ingest.numbering import articles, bullets, outline
from policykb.ingest.numbering.marker import Marker

__all__ = ["Marker", "detect"]


def detect(line: str) -> Marker | None:
    """The numbering marker that opens `line`, if any (line already stripped of markup)."""
    for family in (articles, outline, bullets):
        marker = family.match(line)
        if marker is not None:
            return marker
    return None
