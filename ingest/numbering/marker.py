"""The marker a numbered line starts with."""

from __future__ import annotations

from dataclasses import dataclass

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "O": 0, "0": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_to_int(text: str) -> int | None:
    """Chinese or Arabic numeral to int (「十五」→15, 「一百零二」→102, 「１２」→12)."""
    text = text.translate({0xFF10 + i: 0x30 + i for i in range(10)})
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True)
class Marker:
    """A numbering marker at the start of a line.

    `style` names the scheme (e.g. "cn_dun" for 一、, "cn_paren" for （一）); lines of the
    same style are siblings. `label` is the marker as written; `number` its value when
    it has one; `rest` the text after it. `rank` orders the fixed legal hierarchy
    (编 < 章 < 节 < 条) and is None for schemes whose nesting is inferred per document.
    """

    style: str
    label: str
    rest: str
    number: int | None = None
    rank: int | None = None
    leaf: bool = False
