"""The outline tree of a document: its headings, with clause counts and clause ids."""

from __future__ import annotations

from dataclasses import dataclass, field

from policykb.ingest.clauses import section_title
from policykb.ingest.model import Clause, Document


@dataclass
class OutlineNode:
    title: str
    clause_id: str
    line: int
    clause_count: int = 1  # clauses in this section, the heading's own clause included
    children: list[OutlineNode] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"title": self.title, "clause_id": self.clause_id, "line": self.line,
                "clause_count": self.clause_count, "children": [c.as_dict() for c in self.children]}


def own_title(clause: Clause) -> str:
    """The section-path entry a heading clause opens (「一、指导思想」)."""
    if clause.label and clause.kind in ("heading", "item"):
        return section_title(clause.label, clause.heading or "")
    return clause.heading or clause.text


def outline(document: Document) -> list[OutlineNode]:
    """Top-level outline nodes: headings, clauses that other clauses list in their section
    path, and numbered items beside such sections."""
    paths = {tuple(c.section_path) for c in document.clauses}
    opened = {p[:i] for p in paths for i in range(1, len(p) + 1)}
    # numbered items that sit beside a section are listed too, so siblings read in order
    parents_of_sections = {p[:-1] for p in opened}
    roots: list[OutlineNode] = []
    nodes: dict[tuple[str, ...], OutlineNode] = {}
    for clause in document.clauses:
        path = tuple(clause.section_path)
        for depth in range(1, len(path) + 1):
            if path[:depth] in nodes:
                nodes[path[:depth]].clause_count += 1
        if clause.kind not in ("heading", "item"):
            continue
        own = (*path, own_title(clause))
        beside_a_section = clause.kind == "item" and path in parents_of_sections and clause.label \
            and not clause.label.startswith("第")
        if (own in opened or clause.kind == "heading" or beside_a_section) and own not in nodes:
            node = OutlineNode(own[-1], clause.id, clause.line_start)
            (nodes[path].children if path in nodes else roots).append(node)
            nodes[own] = node
    return roots
