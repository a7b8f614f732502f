"""Paged text (PDF, OFD, OCR'd scans) back into paragraphs.

A page of a fixed-layout file holds *printed* lines: a paragraph is cut wherever the
line ran out of room, and every page repeats a running header, a footer and its page
number. Readers of such formats hand `reflow` the lines of each page with their
position, and get back one line per paragraph, each with the page(s) it is on:

1. Running headers, footers and page numbers are dropped. A page number is a first or
   last line of a page that is only a number (「1」, 「- 2 -」, 「— 3 —」, 「第4页」,
   「第 5 页 共 9 页」, 「6/9」, 「Page 7」). A running header or footer is a first or
   last line whose text (digits aside) recurs in that place on at least half the
   pages, and on two at least. Every dropped line is reported.
2. A line that reaches the right edge of the text column continues on the next line
   unless that one is indented (Chinese paragraphs open with a two-character indent),
   opens with a new number after a finished sentence, or sits after a gap wider than
   the page's line spacing. The same holds across a page break, so a paragraph that
   runs onto the next page is one line with both pages.

Joined lines are concatenated without a space, except between two Latin letters or
digits, where the line break stood for one.
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass, field

# Only a number, perhaps decorated: 「1」 「- 2 -」 「— 3 —」 「·4·」 「第5页」 「第 5 页 共 9 页」 「6/9」 「Page 7 of 9」
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－─~～·•\s]*[0-9０-９]{1,3}[-—–－─~～·•\s]*"
    r"|[-—–－─~～·•\s]+[0-9０-９]{1,4}[-—–－─~～·•\s]+"
    r"|第\s*[0-9０-９]{1,4}\s*页(?:\s*[，,/／]?\s*共\s*[0-9０-９]{1,4}\s*页)?"
    r"|共\s*[0-9０-９]{1,4}\s*页\s*[，,]?\s*第\s*[0-9０-９]{1,4}\s*页"
    r"|[0-9０-９]{1,4}\s*[/／]\s*[0-9０-９]{1,4}"
    r"|(?:page|p\.)\s*[0-9]{1,4}(?:\s*(?:of|/)\s*[0-9]{1,4})?)$", re.I)
_DIGITS = re.compile(r"[0-9０-９]+")
_SPACE = re.compile(r"[\s\u3000]+")
_SENTENCE_END = tuple("。；！？：;!?:")
_CLOSERS = "”’」』）)】〕》\"'"
# How many lines at the top and at the bottom of a page may be running lines.
RUNNING_LINES = 2
# A line ends this close (in characters) to the column's right edge: it was wrapped.
FULL_LINE_SLACK = 1.5
# A line starts this far (in characters) right of the column's left edge: indented.
INDENT_MIN = 0.8


@dataclass
class LayoutLine:
    """One printed line: its text (stripped) and box, in any unit that grows rightwards
    and downwards. `char_width` is the advance of one (CJK) character on it;
    `confidence` the OCR engine's 0-100 confidence per character of `text`, if any."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    char_width: float
    confidence: list[int] | None = None


@dataclass
class LayoutPage:
    number: int  # 1-based
    lines: list[LayoutLine]
    ocr: bool = False


@dataclass
class Reflowed:
    """Paragraph lines, the (first, last) page of each, OCR confidences by line number
    (1-based), and the running lines dropped as (page, text)."""

    lines: list[str] = field(default_factory=list)
    line_pages: list[tuple[int, int]] = field(default_factory=list)
    confidence: dict[int, list[int]] = field(default_factory=dict)
    dropped: list[tuple[int, str]] = field(default_factory=list)


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text.strip()))


def _running_key(text: str) -> str:
    return _DIGITS.sub("#", _SPACE.sub("", text))


def drop_running_lines(pages: list[LayoutPage]) -> list[tuple[int, str]]:
    """Remove page numbers, running headers and footers from `pages` (in place).

    A run of up to RUNNING_LINES lines at the top (bottom) of a page goes when each is
    a page number or recurs there on enough pages, and the run is set apart from the
    body by more than the usual line pitch (a running header sits in the margin; a body
    line that merely recurs, 「第一条」 on page after page, does not). A page number
    alone needs no gap.
    """
    dropped: list[tuple[int, str]] = []
    with_text = [p for p in pages if p.lines]
    heads: dict[str, int] = {}
    feet: dict[str, int] = {}
    for page in with_text:
        for key in {_running_key(line.text) for line in page.lines[:RUNNING_LINES]}:
            heads[key] = heads.get(key, 0) + 1
        for key in {_running_key(line.text) for line in page.lines[-RUNNING_LINES:]}:
            feet[key] = feet.get(key, 0) + 1
    need = max(2, (len(with_text) + 1) // 2)
    running_heads = {k for k, n in heads.items() if n >= need}
    running_feet = {k for k, n in feet.items() if n >= need}
    steps = [b.top - a.top for p in with_text for a, b in zip(p.lines, p.lines[1:]) if b.top > a.top]
    pitch = statistics.median(steps) if steps else 0.0
    for page in with_text:
        lines = page.lines
        start = _running_run(lines, running_heads, pitch)
        end = len(lines) - _running_run(lines[start:][::-1], running_feet, pitch, upwards=True)
        dropped.extend((page.number, line.text) for line in lines[:start] + lines[end:])
        page.lines = lines[start:end]
    return dropped


def _running_run(lines: list[LayoutLine], running: set[str], pitch: float, upwards: bool = False) -> int:
    """How many of `lines` (a page's lines from the top, or reversed from the bottom) are
    running lines (see drop_running_lines)."""
    for k in range(min(RUNNING_LINES, len(lines)), 0, -1):
        run = lines[:k]
        if not all(is_page_number(line.text) or _running_key(line.text) in running for line in run):
            continue
        if all(is_page_number(line.text) for line in run) or k == len(lines):
            return k
        gap = abs(lines[k].top - run[-1].top)
        if pitch and gap > 1.3 * pitch:
            return k
    return 0


def _page_geometry(lines: list[LayoutLine]) -> tuple[float, float, float, float]:
    """(left edge, right edge, char width, usual line pitch) of a page's text column."""
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    width = statistics.median(line.char_width for line in lines)
    pitches = [b.top - a.top for a, b in itertools.pairwise(lines) if b.top > a.top]
    pitch = statistics.median(pitches) if pitches else 0.0
    return left, right, width, pitch


def _starts_numbered(text: str) -> bool:
    from policykb.ingest.metadata import simplified
    from policykb.ingest.numbering import detect

    return detect(simplified(text)) is not None


def _continues(prev: LayoutLine, prev_geo: tuple, line: LayoutLine, geo: tuple, same_page: bool) -> bool:
    """Is `line` the continuation of the paragraph `prev` ended with?"""
    _, right, cw, _ = prev_geo
    left, _, cw_here, pitch = geo
    if right - prev.x1 > FULL_LINE_SLACK * cw:
        return False  # the previous line stopped short: its paragraph ended there
    if line.x0 - left >= INDENT_MIN * cw_here:
        return False  # an indented line opens a paragraph
    if same_page and pitch and line.top - prev.top > 1.6 * pitch:
        return False  # a blank line's worth of space between them
    return not (prev.text.rstrip(_CLOSERS).endswith(_SENTENCE_END) and _starts_numbered(line.text))


def _join(a: str, b: str) -> tuple[str, bool]:
    """Join a wrapped line to the next; True if a space was put between them."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b, True
    return a + b, False


def reflow(pages: list[LayoutPage], drop_running: bool = True) -> Reflowed:
    """Paragraph lines of `pages` (see the module docstring)."""
    out = Reflowed()
    if drop_running:
        out.dropped = drop_running_lines(pages)
    prev: LayoutLine | None = None
    prev_geo: tuple | None = None
    prev_page = 0
    for page in pages:
        if not page.lines:
            continue
        geo = _page_geometry(page.lines)
        for line in page.lines:
            if prev is not None and prev_geo is not None and _continues(prev, prev_geo, line, geo, prev_page == page.number):
                text, spaced = _join(out.lines[-1], line.text)
                number = len(out.lines)
                if number in out.confidence or line.confidence:
                    before = out.confidence.get(number, [100] * len(out.lines[-1]))
                    out.confidence[number] = before + ([100] if spaced else []) + (
                        line.confidence or [100] * len(line.text))
                out.lines[-1] = text
                out.line_pages[-1] = (out.line_pages[-1][0], page.number)
            else:
                out.lines.append(line.text)
                out.line_pages.append((page.number, page.number))
                if line.confidence is not None:
                    out.confidence[len(out.lines)] = list(line.confidence)
            prev, prev_geo, prev_page = line, geo, page.number
    return out


def lines_from_boxes(items: list[tuple[str, float, float, float, float]], char_width: float | None = None,
                     confidence: list[list[int] | None] | None = None) -> list[LayoutLine]:
    """Group text pieces (text, x0, x1, top, bottom) into printed lines, top to bottom.

    Pieces whose vertical middles lie within half a line height of each other are one
    line, read left to right; between two Latin letters or digits a gap of a third of a
    character becomes a space. For formats that place text in pieces (OFD text objects).
    """
    order = sorted(range(len(items)), key=lambda i: ((items[i][3] + items[i][4]) / 2, items[i][1]))
    groups: list[list[int]] = []
    for i in order:
        _, _, _, top, bottom = items[i]
        middle, height = (top + bottom) / 2, max(bottom - top, 1e-6)
        if groups:
            last = [items[j] for j in groups[-1]]
            last_middle = statistics.fmean((t + b) / 2 for _, _, _, t, b in last)
            if abs(middle - last_middle) <= height / 2:
                groups[-1].append(i)
                continue
        groups.append([i])
    lines: list[LayoutLine] = []
    for group in groups:
        group.sort(key=lambda i: items[i][1])
        text = ""
        conf: list[int] = []
        widths = [(items[i][2] - items[i][1]) / max(1, len(items[i][0])) for i in group]
        cw = char_width or max(statistics.median(widths), 1e-6)
        prev_x1 = None
        for i in group:
            piece, x0, x1, _, _ = items[i]
            given = confidence[i] if confidence else None
            piece_conf = given if given else [100] * len(piece)
            if text and prev_x1 is not None and x0 - prev_x1 > cw / 3 and text[-1].isascii() \
                    and text[-1].isalnum() and piece[:1].isascii() and piece[:1].isalnum():
                text += " "
                conf.append(100)
            text += piece
            conf.extend(piece_conf)
            prev_x1 = x1
        stripped = text.strip()
        if not stripped:
            continue
        lead = len(text) - len(text.lstrip())
        lines.append(LayoutLine(
            text=stripped, x0=min(items[i][1] for i in group) + lead * cw,
            x1=max(items[i][2] for i in group), top=min(items[i][3] for i in group),
            bottom=max(items[i][4] for i in group), char_width=cw,
            confidence=conf[lead:lead + len(stripped)] if confidence else None))
    return lines
