"""Facet counts: how many documents (or matches) each issuer, type, year and status has.

Unknown values are counted as None, never guessed; one issuer written in two scripts is one row.
The document list (service/browse.py) and a search's response (search/knowledge_base.py) count alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from policykb.index.rows import DocumentRow
from policykb.search.filters import facet_key


def _facet(values: Counter) -> list[dict]:
    known = sorted((v for v in values if v is not None), key=lambda v: (-values[v], str(v)))
    rows = [{"value": v, "count": values[v]} for v in known]
    if None in values:
        rows.append({"value": None, "count": values[None]})
    return rows


def _text_facet(values: Counter) -> list[dict]:
    """Counts per value, one row for all the ways of writing it (国务院 and 國務院 are one issuer).

    The row's value is the form most documents write (the filters match every form).
    """
    written: dict[str | None, Counter] = {}
    for value, count in values.items():
        written.setdefault(facet_key(value) if value else None, Counter())[value] += count
    rows = [{"value": forms.most_common(1)[0][0] if key is not None else None, "count": sum(forms.values())}
            for key, forms in written.items()]
    return sorted(rows, key=lambda r: (r["value"] is None, -r["count"], str(r["value"])))


def facet_counts(rows: Sequence[DocumentRow], weights: list[int] | None = None) -> dict[str, list[dict]]:
    """Counts of document `rows` per issuer, type, year and status, each row counting
    its weight (default 1; a search passes the number of its matches in that document): most first (years
    newest first), one row per value whatever its script, and a last row with value None counting those
    that do not state it."""
    weights = weights if weights is not None else [1] * len(rows)

    def counted(name: str) -> Counter:
        out: Counter = Counter()
        for row, weight in zip(rows, weights):
            out[getattr(row, name)] += weight
        return out

    return {"issuers": _text_facet(counted("issuer")), "doc_types": _text_facet(counted("doc_type")),
            "years": sorted(_facet(counted("year")), key=lambda f: (f["value"] is None, -(f["value"] or 0))),
            "statuses": _text_facet(counted("status"))}
