"""Whether the top answers disagree: different figures for the same unit in different documents.

「基层干部每年培训不少于多少学时」 is answered by the 2011 opinion (100学时) and by a later
national plan (90学时). Both are right for their document; the user needs to see that
they differ and which document is which (its date or year, and type), not only the best
score. `disagreement` compares the figures (a number and its unit: 学时, 天, 小时, 次, % …)
of the top `TOP` results that clear the confidence threshold: when two of them, from
different documents, state different figures for a unit the query asks about (or for any
unit when the query names none), it reports the unit and each result's figures. Years,
months and days are not compared (2018年 is a date, not an amount).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOP = 3
UNITS = ("学时", "课时", "小时", "天", "周", "个月", "次", "%", "万元", "元", "人", "期")
_NUMBER = r"[0-9]+(?:\.[0-9]+)?|[一二三四五六七八九十百千两]+"
_QUANTITY = re.compile(rf"({_NUMBER})\s*(?:个(?=学时|课时|小时|人))?({'|'.join(re.escape(u) for u in UNITS)})")
_FW = {0xFF10 + i: 0x30 + i for i in range(10)} | {0xFF05: 0x25, 0xFF0E: 0x2E}


@dataclass(frozen=True)
class Disagreement:
    unit: str
    figures: dict[int, list[str]]  # result rank -> the figures it states for the unit

    def to_dict(self) -> dict:
        return {"unit": self.unit, "results": [{"rank": rank, "figures": figures}
                                               for rank, figures in sorted(self.figures.items())]}


def figures(text: str) -> dict[str, list[str]]:
    """unit -> the amounts `text` states in it, in order (「100学时或12天」 → 学时: [100], 天: [12])."""
    from policykb.ingest.numbering.marker import cn_to_int

    out: dict[str, list[str]] = {}
    for number, unit in _QUANTITY.findall(text.translate(_FW)):
        value = number if number[0].isdigit() else str(cn_to_int(number.replace("两", "二")) or number)
        if value not in out.setdefault(unit, []):
            out[unit].append(value)
    return out


def disagreement(query: str, results: list, threshold: float) -> Disagreement | None:
    """The first unit on which the confident top results of different documents state different figures."""
    top = [r for r in results[:TOP] if r.confidence >= threshold]
    if len({r.citation.document_id for r in top}) < 2:
        return None
    asked = [u for u in UNITS if u in query] or list(UNITS)
    stated = {r.rank: figures(r.text) for r in top}
    for unit in asked:
        with_unit = [r for r in top if stated[r.rank].get(unit)]
        if len({r.citation.document_id for r in with_unit}) < 2:
            continue
        if len({tuple(sorted(stated[r.rank][unit])) for r in with_unit}) > 1:
            return Disagreement(unit, {r.rank: stated[r.rank][unit] for r in with_unit})
    return None
