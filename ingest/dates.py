"""Dates as Chinese policy texts write them: 2011年11月14日, 二00七年二月九日, 二○○六年六月十二日."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from policykb.ingest.numbering.marker import cn_to_int

_YEAR_DIGIT = {"〇": "0", "○": "0", "零": "0", "O": "0", "o": "0", "Ｏ": "0", "0": "0", "一": "1", "二": "2",
               "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_FW = {0xFF10 + i: 0x30 + i for i in range(10)}
_CN_YEAR = "[〇○零Oo０Ｏ0一二三四五六七八九]"
_CN_SMALL = "[一二三四五六七八九十]{1,3}"
DATE_PATTERN = re.compile(
    rf"(?P<ay>\d{{4}})\s*年\s*(?P<am>\d{{1,2}})\s*月\s*(?P<ad>\d{{1,2}})\s*日"
    rf"|(?P<cy>{_CN_YEAR}{{4}})\s*年\s*(?P<cm>{_CN_SMALL})\s*月\s*(?P<cd>{_CN_SMALL})\s*日"
)


@dataclass(frozen=True)
class DateMatch:
    iso: str
    start: int
    end: int


def find_dates(text: str) -> list[DateMatch]:
    """Every valid date written in `text`, as ISO yyyy-mm-dd with its span."""
    text = text.translate(_FW)
    found = []
    for m in DATE_PATTERN.finditer(text):
        if m.group("ay"):
            year, month, day = int(m.group("ay")), int(m.group("am")), int(m.group("ad"))
        else:
            year = int("".join(_YEAR_DIGIT[c] for c in m.group("cy")))
            month, day = cn_to_int(m.group("cm")) or 0, cn_to_int(m.group("cd")) or 0
        if 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31:
            found.append(DateMatch(f"{year:04d}-{month:02d}-{day:02d}", m.start(), m.end()))
    return found


def iso_from_front_matter(value: object) -> str | None:
    """A front-matter date (a `date` object or a 'yyyy-mm-dd' string) as ISO, else None
    (also for a 'yyyy-mm-dd' no calendar has, such as 2024-13-45)."""
    if value is None:
        return None
    text = str(value).strip()
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            return None
    found = find_dates(text)
    return found[0].iso if found else None
