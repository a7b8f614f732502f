"""—— bullets and markdown list bullets: items of a list, never parents of other items."""

from __future__ import annotations

import re

from policykb.ingest.numbering.marker import Marker

_DASH = re.compile(r"^(——|－－|--)(?P<rest>\S.*)$")
_MD_BULLET = re.compile(r"^([-*+•●·▪])\s+(?P<rest>\S.*)$")


def match(line: str) -> Marker | None:
    m = _DASH.match(line)
    if m:
        return Marker(style="dash", label="——", rest=m.group("rest").strip(), leaf=True)
    m = _MD_BULLET.match(line)
    if m:
        return Marker(style="bullet", label=m.group(1), rest=m.group("rest").strip(), leaf=True)
    return None
