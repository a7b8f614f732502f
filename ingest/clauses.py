"""Turn a document's body lines into clauses with labels and section paths.

The ladder of numbering styles is inferred from the order they appear: a style not yet
on the stack nests under the current heading; a style already on it closes everything
below it. Laws (two or more lines that open with 第X条) switch to article mode: each
article is one clause that keeps its 款, 项 and 目 together, under its 编/章/节.

Unnumbered paragraphs are clauses of their own, labelled 「第N段」 under the nearest
heading; a sentence-initial lead phrase (「健全落实责任制。…」) becomes their heading.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace

from policykb.ingest.metadata import simplified
from policykb.ingest.model import Clause, ClauseKind
from policykb.ingest.numbering import Marker, detect
from policykb.ingest.numbering.markup import LineMarkup, lead_phrase

_TOC = re.compile(r"^目\s*录$")
_HEADING_CHARS = 30
# A heading style on a whole page of text must not put that page into the section path of
# every clause under it (and into every search result that shows one): it is cut there.
_PATH_TITLE_MAX = 200


@dataclass
class BodyLine:
    line: int
    markup: LineMarkup
    heading_level: int | None = None  # from Word/HTML heading styles


@dataclass
class _Node:
    """An open heading on the ladder."""

    style: str
    family: str
    rank: int | None
    title: str  # as shown in section paths: label + heading text
    label_key: str
    paragraphs: int = 0


@dataclass
class _Draft:
    kind: ClauseKind
    label: str | None
    heading: str | None
    path: list[str]
    label_keys: list[str]
    depth: int
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Drafts:
    """The clauses drafted so far, with the counts that number paragraphs outside any
    heading kept as drafts are added (counting them again at each line was quadratic:
    20,000 one-line paragraphs took ~45 s)."""

    items: list[_Draft] = field(default_factory=list)
    top_level: int = 0  # drafts outside any heading, tables of contents aside
    top_level_paragraphs: int = 0  # paragraphs and items outside any heading, at depth 0

    def add(self, draft: _Draft) -> None:
        self.items.append(draft)
        if not draft.path and draft.kind != "toc":
            self.top_level += 1
        if not draft.path and draft.kind in ("paragraph", "item") and draft.depth == 0:
            self.top_level_paragraphs += 1


def heading_text(rest: str) -> str:
    """What a numbered line names: the whole rest if short, else its first phrase."""
    rest = rest.strip()
    if len(rest) <= _HEADING_CHARS and "。" not in rest:
        return rest
    first = re.split(r"[。；;：:]", rest, maxsplit=1)[0]
    if len(first) <= _HEADING_CHARS:
        return first
    return first[:20] + "…"


def _is_heading_only(rest: str) -> bool:
    return bool(rest) and len(rest) <= _HEADING_CHARS and not re.search(r"[。；;！？]", rest)


def section_title(label: str, heading: str) -> str:
    """How a heading reads in a section path: 「一、指导思想」, 「第一章 总则」, 「1.1 编制目的」."""
    if not heading:
        return label
    sep = "" if label[-1] in "、．.）)，" else " "
    return f"{label}{sep}{heading}"


def _family(marker_style: str) -> tuple[str, int | None]:
    if marker_style.startswith("article_"):
        return "article", None
    if marker_style.startswith("decimal"):
        return "decimal", int(marker_style[len("decimal"):])
    if marker_style.startswith("md"):
        return "md", int(marker_style[2:])
    if marker_style.startswith("hx"):
        return "hx", int(marker_style[2:])
    return marker_style, None


def parse_clauses(document_id: str, body: list[BodyLine]) -> list[Clause]:
    """Clauses of one document body, in reading order (see module docstring)."""
    markers = [_marker_as_written(bl.markup.text) for bl in body]
    article_mode = sum(1 for m in markers if m and m.style == "article_条") >= 2
    stack: list[_Node] = []
    drafts = _Drafts()
    current_article: _Draft | None = None
    in_toc: _Draft | None = None
    toc_first: str | None = None

    def path() -> list[str]:
        return [n.title for n in stack]

    def keys() -> list[str]:
        return [n.label_key for n in stack]

    def open_heading(style: str, rank: int | None, title: str, label_key: str) -> None:
        family, level = _family(style)
        order = rank if rank is not None else level
        cut = None
        for i, node in enumerate(stack):
            same_family = node.family == family
            if same_family and order is not None and node.rank is not None and node.rank >= order:
                cut = i
                break
            if node.style == style:
                cut = i
                break
        if cut is not None:
            del stack[cut:]
        stack.append(_Node(style, family, order, title, label_key))

    for bl, marker in zip(body, markers):
        text = bl.markup.text
        simple = simplified(text)
        # A table of contents repeats the headings; keep it as one clause.
        if in_toc is not None:
            if toc_first is None:
                toc_first = simple
                in_toc.lines.append((bl.line, text))
                continue
            if simple != toc_first and len(simple) <= 40:
                in_toc.lines.append((bl.line, text))
                continue
            in_toc = None
        if _TOC.match(re.sub(r"[\s\u3000]", "", simple)):
            in_toc = _Draft("toc", "目录", "目录", path(), [*keys(), "目录"], len(stack))
            in_toc.lines.append((bl.line, text))
            drafts.add(in_toc)
            toc_first = None
            current_article = None
            continue

        if article_mode and marker is not None and not marker.style.startswith("article_"):
            marker = None  # inside a law, 一、（一）1. are items of the article
        if article_mode and current_article is not None and marker is None and bl.heading_level is None \
                and bl.markup.md_level is None:
            current_article.lines.append((bl.line, text))
            continue

        if marker is not None and marker.leaf:
            label = marker.label
            if marker.style == "article_条":
                draft = _Draft("article", label, None, path(), [*keys(), label], len(stack))
                current_article = draft
            else:  # —— bullets and list items: paragraphs of the current heading
                node = stack[-1] if stack else None
                number = (node.paragraphs + 1) if node else drafts.top_level + 1
                if node:
                    node.paragraphs = number
                label = f"第{number}段"
                draft = _Draft("item", label, lead_phrase(marker.rest), path(), [*keys(), label], len(stack))
            draft.lines.append((bl.line, text))
            drafts.add(draft)
            continue

        current_article = None
        if marker is not None:
            title = section_title(marker.label, heading_text(marker.rest))
            open_heading(marker.style, marker.rank, title, marker.label)
            rest = marker.rest
            kind: ClauseKind = "heading" if (not rest or _is_heading_only(rest)) else "item"
            stack[-1].paragraphs = 0 if kind == "heading" else 1
            draft = _Draft(kind, marker.label, heading_text(rest) or None, path()[:-1], keys(), len(stack) - 1)
            draft.lines.append((bl.line, text))
            drafts.add(draft)
            continue

        level = bl.heading_level or bl.markup.md_level
        if level is not None or (bl.markup.bold and len(text) <= 40):
            style = f"hx{level}" if bl.heading_level else (f"md{level}" if level else "bold")
            title = text if len(text) <= _PATH_TITLE_MAX else text[:_PATH_TITLE_MAX - 1] + "…"
            open_heading(style, None, title, text[:12])
            draft = _Draft("heading", None, title, path()[:-1], keys(), len(stack) - 1)
            draft.lines.append((bl.line, text))
            drafts.add(draft)
            continue

        node = stack[-1] if stack else None
        if node is not None:
            node.paragraphs += 1
            number = node.paragraphs
        else:
            number = drafts.top_level_paragraphs + 1
        label = f"第{number}段"
        draft = _Draft("paragraph", label, lead_phrase(text), path(), [*keys(), label], len(stack))
        draft.lines.append((bl.line, text))
        drafts.add(draft)

    clauses = []
    occurrences: dict[tuple[str, ...], int] = {}  # label chain -> clauses seen with it
    for ordinal, draft in enumerate(drafts.items):
        key = tuple(draft.label_keys)
        occurrences[key] = occurrences.get(key, -1) + 1
        clauses.append(_to_clause(document_id, ordinal, draft, occurrences[key]))
    return clauses


def clause_id(document_id: str, label_keys: list[str], occurrence: int) -> str:
    """A stable id: the document id and the chain of labels down to the clause."""
    digest = hashlib.sha1(("/".join(label_keys) + f"#{occurrence}").encode("utf-8")).hexdigest()[:10]
    return f"{document_id}-{digest}"


def _to_clause(document_id: str, ordinal: int, draft: _Draft, occurrence: int) -> Clause:
    """`occurrence`: how many clauses before this one have the same chain of labels."""
    text = "\n".join(t for _, t in draft.lines)
    return Clause(
        id=clause_id(document_id, draft.label_keys, occurrence),
        document_id=document_id,
        ordinal=ordinal,
        kind=draft.kind,
        label=draft.label,
        heading=draft.heading,
        section_path=list(draft.path),
        text=text,
        search_text="",
        line_start=draft.lines[0][0],
        line_end=draft.lines[-1][0],
        depth=draft.depth,
    )


def _marker_as_written(text: str) -> Marker | None:
    """The line's marker, detected on its simplified form, with label and rest as written."""
    simple = simplified(text)
    marker = detect(simple)
    if marker is None or len(simple) != len(text):
        return marker
    label_at = simple.find(marker.label)
    rest_at = simple.rfind(marker.rest) if marker.rest else len(simple)
    return replace(marker, label=text[label_at: label_at + len(marker.label)],
                   rest=text[rest_at: rest_at + len(marker.rest)])
