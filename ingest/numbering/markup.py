"""Headings that come from markup rather than numbering, and lead phrases.

Markdown `#` headings and whole-line bold (`**一、…**`) are stripped to their text here;
Word and HTML heading levels arrive in SourceText.heading_levels. A lead phrase is a
short first sentence that titles an unnumbered paragraph: 「健全落实责任制。组织部门…」.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_QUOTE = re.compile(r"^(>\s?)+")
_BOLD_LINE = re.compile(r"^(\*\*|__)(?P<text>.+?)(\*\*|__)(?P<tail>[。：:]?)$")
_EMPHASIS = re.compile(r"(\*\*|__)")
_CALLOUT = re.compile(r"^\[![A-Za-z]+\]\s*")
# Lines that carry no text of their own: rules, html comments, empty quote markers.
_MARKUP_ONLY = re.compile(r"^(\s*([-*_]\s*){3,}|\s*<!--.*-->\s*|\s*>\s*|\s*)$")
_LEAD = re.compile(r"^(?P<lead>[^，,。；;：:！？!?（）()《》\s]{3,18})。(?P<rest>.+)$")


@dataclass(frozen=True)
class LineMarkup:
    """A source line with its markup read: the text to show, and what the markup said."""

    text: str
    md_level: int | None = None
    bold: bool = False


def is_markup_only(raw: str) -> bool:
    """True for lines that hold no text: blank lines, `---` rules, `<!-- … -->` comments."""
    return bool(_MARKUP_ONLY.match(raw))


def read_line(raw: str, markdown: bool) -> LineMarkup:
    """Strip a line's markup (in markdown files) and surrounding whitespace (U+3000 too)."""
    text = raw.strip()
    if not markdown:
        return LineMarkup(text=text)
    text = _QUOTE.sub("", text).strip()
    text = _CALLOUT.sub("", text)
    md_level = None
    m = _MD_HEADING.match(text)
    if m:
        md_level, text = len(m.group(1)), m.group(2)
    bold = False
    m = _BOLD_LINE.match(text)
    if m and "**" not in m.group("text"):
        bold, text = True, m.group("text") + m.group("tail")
    text = _EMPHASIS.sub("", text).strip()
    return LineMarkup(text=text, md_level=md_level, bold=bold)


def lead_phrase(text: str) -> str | None:
    """The lead phrase that titles a paragraph (「健全落实责任制」), or None.

    A lead phrase is a first sentence of 3–18 characters with no comma, followed by a
    body at least twice as long.
    """
    m = _LEAD.match(text)
    if not m:
        return None
    lead, rest = m.group("lead"), m.group("rest")
    if len(rest) < 2 * len(lead):
        return None
    return lead
