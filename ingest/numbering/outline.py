"""Outline numbering of plans, opinions and notices.

一、 / （一） / 1. 1、 １． / （1） / ① / 第X部分 / 1.1 decimal. Full-width and half-width
forms of one scheme are the same style (「（二)」 and 「(二)」 are siblings of 「（一）」);
how the styles nest is inferred per document from the order they appear.
"""

from __future__ import annotations

import re

from policykb.ingest.numbering.marker import Marker, cn_to_int

_CN = r"[一二三四五六七八九十]+"
_AR = r"[0-9０-９]{1,3}"
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("cn_part", re.compile(rf"^(第{_CN}部分)(?P<rest>\s.*|$)")),
    ("cn_dun", re.compile(rf"^({_CN})(、|．|\.(?![0-9]))(?P<rest>.*)$")),
    ("cn_paren", re.compile(rf"^([（(]{_CN}[)）])(?P<rest>.*)$")),
    ("ar_paren", re.compile(rf"^([（(]{_AR}[)）])(?P<rest>.*)$")),
    ("circled", re.compile(r"^([①-⑳])(?P<rest>.*)$")),
    # 1.1 / 1.1.1 (emergency plans); the depth is part of the style
    ("decimal", re.compile(r"^([0-9]{1,2}(?:\.[0-9]{1,2})+)\.?(?![0-9])[\s\u3000]*(?P<rest>[^\s万亿千百%‰元个年月日倍米吨人次项家所].*)$")),
    ("ar_dot", re.compile(rf"^({_AR})(、|．|\.(?![0-9])|，)(?P<rest>.*)$")),
    # 「1　总则」: a bare number, a space, then a heading (the top level of 1.1 schemes)
    ("decimal", re.compile(r"^([0-9]{1,2})[ \u3000]+(?P<rest>[\u4e00-\u9fff].{0,30})$")),
]
_DIGITS = re.compile(r"[0-9０-９一二三四五六七八九十]+")


def match(line: str) -> Marker | None:
    for style, pattern in _RULES:
        m = pattern.match(line)
        if not m:
            continue
        rest = m.group("rest")
        label = line[: m.start("rest")].strip() if m.start("rest") > 0 else m.group(1)
        if style == "decimal":
            depth = m.group(1).count(".") + 1
            style = f"decimal{depth}"
            number: int | None = int(m.group(1).split(".")[-1])
        elif style == "circled":
            number = ord(m.group(1)) - ord("①") + 1
        else:
            digits = _DIGITS.search(m.group(1))
            number = cn_to_int(digits.group(0)) if digits else None
        return Marker(style=style, label=label, rest=rest.strip(), number=number)
    return None
