"""Relations between documents as one document's reader sees them: 「新版本」, 「被…取代」, 「实施…」.

The index stores each relation once, from its source to its target (ingest/relations.py:
the older version to the newer, the replaced document to its replacement, the measure to
the law it implements, the earlier plan to the next). `related_documents` turns those that
touch one document into what that document has: a newer or older version, what replaced
it or what it replaces, the law it implements or the measures implementing it, the plans
before and after it. `superseded_by` names, per document, the newer versions and
replacements the index holds (`superseded_in_corpus`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from policykb.ingest.relations import DocumentRelation

# (kind, this document is the source) -> the relation as this document has it
_ROLE = {
    ("version", True): "newer_version", ("version", False): "older_version",
    ("replaced_by", True): "replaced_by", ("replaced_by", False): "replaces",
    ("implements", True): "implements", ("implements", False): "implemented_by",
    ("series", True): "next_in_series", ("series", False): "previous_in_series",
}
# an unordered pair: the texts do not say which came first
_UNORDERED = {"version": "other_version", "series": "same_series"}
ROLES = tuple(_ROLE.values()) + tuple(_UNORDERED.values())
ROLE_LABELS = {"newer_version": "新版本", "older_version": "旧版本", "replaced_by": "被取代", "replaces": "取代",
               "implements": "实施", "implemented_by": "实施办法", "next_in_series": "下一期",
               "previous_in_series": "上一期", "other_version": "另一版本（先后未定）",
               "same_series": "同一系列（先后未定）"}


@dataclass(frozen=True)
class RelatedDocument:
    """A document related to the one being read. `document_id` None: not in the index (named by `title`)."""

    role: str  # one of ROLES
    document_id: str | None
    title: str | None
    date: str | None
    evidence: str
    confidence: float
    inferred: bool
    implemented_version: str | None = None
    implemented_version_held: bool | None = None


def related_documents(document_id: str, relations: list[DocumentRelation],
                      titles: dict[str, tuple[str | None, str | None]]) -> list[RelatedDocument]:
    """What `document_id` has among `relations`; `titles` maps a document id to its (title, date)."""
    out = []
    for r in relations:
        if document_id not in (r.source_id, r.target_id):
            continue
        mine = r.source_id == document_id
        other = r.target_id if mine else r.source_id
        role = _ROLE[(r.kind, mine)] if r.ordered or r.kind not in _UNORDERED else _UNORDERED[r.kind]
        title, date = titles.get(other, (None, None)) if other else (None, None)
        out.append(RelatedDocument(role, other, title if other else r.target_title, date, r.evidence, r.confidence,
                                   r.inferred, r.implemented_version if r.kind == "implements" else None,
                                   r.implemented_version_held if r.kind == "implements" else None))
    return out


def superseded_by(relations: list[DocumentRelation]) -> dict[str, list[str]]:
    """document id -> ids of its newer versions and replacements in the index, as stored."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in relations:
        if r.kind in ("version", "replaced_by") and r.ordered and r.target_id and r.target_id not in out[r.source_id]:
            out[r.source_id].append(r.target_id)
    return dict(out)
