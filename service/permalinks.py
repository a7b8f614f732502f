"""Permalinks that survive re-ingest: a clause link names its document's version as well as the clause.

A clause id stays the same when its wording changes (it is made from the document and the
clause's numbering), so an id alone could show new text under an old citation. The link
also carries the document version (index/history.py: the start of its content hash);
`check_version` compares it with what the index serves now and says which of these holds:

- current: the document has not changed since the link was made;
- unchanged: the document changed, this clause's text did not;
- changed: the clause's text changed; `cited` is the text as the link's version had it;
- removed: the clause is no longer in the index; `cited` is its text as it was;
- unknown: the index never held that version (a link from another index, or made before
  versions were kept), so it cannot say whether the clause changed; the current clause is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from policykb.index.history import VERSION_LENGTH, CitedClause, version_of
from policykb.service.catalog import Catalog, ClauseContext


def reader_address(document_id: str, clause_id: str, version: str | None) -> str:
    """The page's reader view at a clause, pinned to its document version: 「/#doc=…&clause=…&v=…」
    (without `v` when the document has no version). The page's readerLink writes the same; prefix
    the server's address (http://host:port) to open it."""
    params = {"doc": document_id, "clause": clause_id}
    if version:
        params["v"] = version
    return "/#" + urlencode(params)


VersionStatus = Literal["current", "unchanged", "changed", "removed", "unknown"]


@dataclass(frozen=True)
class VersionCheck:
    """What became of the clause a permalink cites. `context` is the clause as the index serves it now
    (None when it is gone); `cited` the clause as the link's version had it, when the index holds it."""

    requested: str
    current: str | None
    status: VersionStatus
    message: str
    context: ClauseContext | None
    cited: CitedClause | None


def check_version(catalog: Catalog, clause_id: str, version: str) -> VersionCheck | None:
    """How clause `clause_id` at document version `version` compares with the index now; None when the
    index holds neither the clause nor that version of it (an unknown id)."""
    version = version[:VERSION_LENGTH].lower()
    context = catalog.context(clause_id)
    current = version_of(context.document.content_hash) if context else None
    if context is not None and current == version:
        return VersionCheck(version, current, "current", "The document has not changed since this link was made.",
                            context, None)
    cited = catalog.store.cited_clause(clause_id, version)
    if cited is None:
        if context is None:
            return None
        return VersionCheck(version, current, "unknown",
                            f"The link names version {version} of the document, which this index does not hold "
                            f"(the current version is {current}); the clause may have changed since. Shown: the "
                            "clause as it reads now.", context, None)
    if context is None:
        return VersionCheck(version, None, "removed",
                            f"This clause is no longer in the index: its document changed or was removed after "
                            f"version {version}. `cited` is its text as that version had it.", None, cited)
    if context.clause.text == cited.text:
        return VersionCheck(version, current, "unchanged",
                            f"The document changed since version {version} (now {current}), but this clause's "
                            "text is the same.", context, cited)
    return VersionCheck(version, current, "changed",
                        f"This clause changed since version {version} of its document (now {current}). `cited` "
                        "is its text as the link's version had it; `clause` is the text now.", context, cited)
