"""第X编 / 第X分编 / 第X章 / 第X节 / 第X条: the fixed hierarchy of laws and regulations.

A cross-reference inside a sentence (「依照本法第十条」) never starts a line, so only a
marker at the start of a line counts; a line that merely begins with a reference
(「第十条规定的…」) is told apart by what follows the marker (see `_REFERENCE_TAIL`).
"""

from __future__ import annotations

import re

from policykb.ingest.numbering.marker import Marker, cn_to_int

_NUM = r"[零〇○一二两三四五六七八九十百千\d０-９]+"
_UNIT_RANK = {"编": 0, "分编": 1, "章": 2, "节": 3, "条": 4}
_PATTERN = re.compile(rf"^第({_NUM})(分编|编|章|节|条)(之[一二三四五六七八九十]+)?(?P<rest>.*)$")
# Words that follow a marker when it is a reference, not a heading: 第十条规定…, 第三条的…
_REFERENCE_TAIL = re.compile(r"^(规定|的|之规定|至第|、第|和第|或者第|或第|第.{1,4}款|所称|所列|中|及|以及|款|项)")


def match(line: str) -> Marker | None:
    m = _PATTERN.match(line)
    if not m:
        return None
    number_text, unit, suffix, rest = m.group(1), m.group(2), m.group(3) or "", m.group("rest")
    if _REFERENCE_TAIL.match(rest):
        return None
    # A heading is followed by a space or ends the line; an article may run on directly,
    # but then its text must not read like a continuation of a sentence.
    if rest and not rest[0].isspace() and unit != "条" and len(rest) > 30:
        return None
    label = f"第{number_text}{unit}{suffix}"
    return Marker(style=f"article_{unit}", label=label, rest=rest.strip(), number=cn_to_int(number_text),
                  rank=_UNIT_RANK[unit], leaf=(unit == "条"))
