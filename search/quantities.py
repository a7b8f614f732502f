"""Quantities a clause states: 「不少于12天或者90学时」 → 12 天 (at least), 90 学时 (at least).

`quantities(text)` finds each number with a unit (学时, 课时, 小时, 天, 日, 周, 月, 年, 次, 期, %, 人, 元 …)
and gives its value normalized — Arabic or full-width digits (１６学时), Chinese numerals (十二天, 一百二十学时,
两年, 半年), 万/亿 (1.5万人), 百分之九十 — the unit in one spelling (个月 → 月, ％ → %, 名 → 人, 星期 → 周),
its span in the text as written, and the bound the text puts on it: 不少于/至少/以上 (`at_least`),
不超过/以内/内 (`at_most`). A bound written once for two figures joined by 或者/和/、 holds for both
(「累计3个月或者550学时以上」), and a range's unit holds for its first number too (「5至10人」 → 5 人, 10 人). Dates are
not amounts: a four-digit year (2009年, 二〇〇九年), the month and day
of a date (5月1日) and ordinals (第一次) are left out. Traditional spellings (學時, 個月, 不少於, 五年內) read the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Bound = Literal["at_least", "at_most"]

# unit as written -> the unit it is counted in (longest spellings first when matching)
UNITS: dict[str, str] = {
    "学时": "学时", "课时": "课时", "小时": "小时", "分钟": "分钟", "学分": "学分",
    "个百分点": "百分点", "百分点": "百分点", "个工作日": "工作日", "工作日": "工作日",
    "个月": "月", "月": "月", "天": "天", "日": "日", "周": "周", "星期": "周", "年": "年",
    "人次": "人次", "次": "次", "期": "期", "%": "%", "％": "%", "人": "人", "名": "人",
    "万元": "元", "亿元": "元", "元": "元", "倍": "倍",
    # traditional spellings (a clause is read as written)
    "學時": "学时", "課時": "课时", "學分": "学分", "個百分點": "百分点", "百分點": "百分点", "個工作日": "工作日",
    "個月": "月", "週": "周", "萬元": "元", "億元": "元",
}
_UNIT_SCALE = {"万元": 10_000, "亿元": 100_000_000, "萬元": 10_000, "億元": 100_000_000}
_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "0": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_LARGE = {"万": 10_000, "亿": 100_000_000, "萬": 10_000, "億": 100_000_000}
_CN = "零〇○一二两兩三四五六七八九十百千万亿萬億"
_CN_RUN = _CN + "0"  # 「二00七年」: a year written in Chinese digits with Arabic zeros
_FULLWIDTH = {**{0xFF10 + i: 0x30 + i for i in range(10)}, 0xFF0E: 0x2E}  # same length: spans stay put

_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
# 百分之九十 | 1.5万 / 90 | 一百二十 / 半 ; then an optional 个 (3个月) and the unit
_QUANTITY = re.compile(
    rf"(?P<pct>百分之(?P<pct_n>[0-9.]+|[{_CN}]+))"
    rf"|(?P<n>[0-9]+(?:\.[0-9]+)?[万亿萬億]?|[{_CN}][{_CN_RUN}]*|半)(?P<ge>[个個])?(?P<unit>{_UNIT})")
# characters that make a following 一 part of a word (统一年度, 同一天, 第一次), not a count
_WORD_BEFORE = set("统唯专单同之第逐初周星礼万进某統唯專單週禮萬進")
_AT_LEAST_BEFORE = ("不少于", "不低于", "不小于", "不得少于", "不应少于", "不得低于", "至少", "最少", "最低",
                    "不少於", "不低於", "不小於", "不得少於", "不應少於", "不得低於")
_AT_MOST_BEFORE = ("不超过", "不多于", "不高于", "不得超过", "不应超过", "不大于", "最多", "至多", "最长",
                   "不超過", "不多於", "不高於", "不得超過", "不應超過", "不大於", "最長")
_AT_LEAST_AFTER = ("及以上", "以上")
_AT_MOST_AFTER = ("以内", "之内", "以下", "内", "以內", "之內", "內")
# the first number of a range whose unit is written once, after the second: 「5至10人」, 「2-3期」, 「每2至3年」
_RANGE_HEAD = re.compile(rf"(?<![0-9.{_CN}])([0-9]+(?:\.[0-9]+)?|[{_CN}][{_CN_RUN}]*)\s*[至到\-－~～]\s*$")
_JOINERS = ("或者", "或", "和", "及", "、", "，", ",")


@dataclass(frozen=True)
class Quantity:
    """One amount a text states: `value` normalized (12 for 「十二」 and 「１２」), `unit` in its one spelling,
    `text` the figure as written (「１２天」), [start, end) its span in the text, `bound` what the text says
    of it (at least, at most, or None: the figure itself)."""

    value: float
    unit: str
    text: str
    start: int
    end: int
    bound: Bound | None = None
    context: str = ""  # the sentence of the text it is in (「科级以下干部每年参加培训累计不少于12天或者90学时」): whom it is for

    def number(self) -> str:
        """The value as a person writes it: 12, 0.5, 1500."""
        return str(int(self.value)) if float(self.value).is_integer() else f"{self.value:g}"

    def figure(self) -> str:
        """「12 天」, 「3 个月」, 「90 %」: the value and unit, without the bound."""
        return f"{self.number()} {'个月' if self.unit == '月' else self.unit}"

    def describe(self) -> str:
        """「≥12 天」, 「≤1 年」, 「40 学时」."""
        mark = {"at_least": "≥", "at_most": "≤"}.get(self.bound or "", "")
        return mark + self.figure()

    def to_dict(self) -> dict:
        value = int(self.value) if float(self.value).is_integer() else self.value
        return {"value": value, "unit": self.unit, "text": self.text, "start": self.start, "end": self.end,
                "bound": self.bound, "figure": self.figure(), "context": self.context}


def chinese_number(text: str) -> float | None:
    """「十二」→12, 「一百零二」→102, 「两」→2, 「二〇〇九」→2009 (digit by digit), 「一万二千」→12000,
    「半」→0.5; None when `text` is not a number."""
    if text == "半":
        return 0.5
    if not text or any(ch not in _CN for ch in text):
        return None
    if all(ch in _CN_DIGITS for ch in text):  # 一, 两; 二〇〇九, 一九九六 digit by digit; 「三四天」 is no one number
        if len(text) > 1 and len(text) < 4 and not any(_CN_DIGITS[ch] == 0 for ch in text):
            return None
        return float(int("".join(str(_CN_DIGITS[ch]) for ch in text)))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None and digit != 0 and _CN_DIGITS[ch] != 0:
                return None  # 「三四」: two digits in a row without a unit between is not one number
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[ch]
            digit = None
        else:  # 万, 亿
            section += digit or 0
            total += (section or 1) * _CN_LARGE[ch]
            section, digit = 0, None
    return float(total + section + (digit or 0))


def _value(number: str) -> float | None:
    if number[0].isdigit():
        scale = 1
        if number[-1] in _CN_LARGE:
            number, scale = number[:-1], _CN_LARGE[number[-1]]
        return float(number) * scale
    return chinese_number(number)


def _is_date_part(text: str, m: re.Match, unit: str, number: str) -> bool:
    """A year of a date (2009年, 二〇〇九年), or the month or day of one (2009年5月, 5月1日)."""
    before = text[:m.start()].rstrip()
    after = text[m.end():]
    if unit == "年":
        digits = number if number.isdigit() else ""
        if len(number) == 4 and (digits or all(ch in _CN_DIGITS for ch in number)):
            return True
    if unit == "月" and not m.group("ge") and (before.endswith("年") or re.match(rf"\s*(?:[0-9]{{1,2}}|[{_CN}]{{1,3}})[日号]", after)):
        return True
    if unit == "日" and re.search(r"月\s*$", before):
        return True
    if unit == "周" and after.startswith("年"):  # 成立100周年: an anniversary, not weeks
        return True
    return False


def _bound_before(text: str, start: int) -> Bound | None:
    before = text[max(0, start - 6):start].rstrip()
    if before.endswith(_AT_LEAST_BEFORE):
        return "at_least"
    if before.endswith(_AT_MOST_BEFORE):
        return "at_most"
    return None


def _bound_after(text: str, end: int) -> Bound | None:
    after = text[end:end + 3]
    if after.startswith(_AT_LEAST_AFTER):
        return "at_least"
    if after.startswith(_AT_MOST_AFTER):
        return "at_most"
    return None


def quantities(text: str) -> list[Quantity]:
    """Every amount `text` states, in reading order (see the module docstring)."""
    folded = text.translate(_FULLWIDTH)
    found: list[tuple[Quantity, Bound | None, Bound | None]] = []  # the quantity, its bound before, after
    for m in _QUANTITY.finditer(folded):
        if m.group("pct"):
            number, unit, written = m.group("pct_n"), "%", "%"
        else:
            number, written = m.group("n"), m.group("unit")
            unit = UNITS[written]
        start = m.start()
        if not number[0].isdigit() and number != "半":
            # 「统一年度」, 「第一次」, 「百年」: a Chinese numeral that is part of a word, or a bare 百/千/万
            if (start > 0 and folded[start - 1] in _WORD_BEFORE) or number in ("百", "千", "万", "亿", "萬", "億"):
                continue
        if start > 0 and folded[start - 1] == "第":
            continue
        if _is_date_part(folded, m, unit, number):
            continue
        value = _value(number)
        if value is None:
            continue
        value *= _UNIT_SCALE.get(written, 1)
        quantity = Quantity(value, unit, text[start:m.end()], start, m.end())
        head = _RANGE_HEAD.search(folded, 0, start) if m.group("n") else None
        if head and (head.start() == 0 or folded[head.start() - 1] != "第"):  # 「5至10人」: 5 人 to 10 人
            low = _value(head.group(1))
            if low is not None and low < value:
                found.append((Quantity(low * _UNIT_SCALE.get(written, 1), unit, text[head.start(1):head.end(1)],
                                       head.start(1), head.end(1)), _bound_before(folded, head.start(1)), None))
        found.append((quantity, _bound_before(folded, start), _bound_after(folded, m.end())))
    # a bound written once for figures joined by 或者/和/、 holds for each of them
    bounds = [before or after for _, before, after in found]
    for i in range(1, len(found)):
        if _joined(folded, found[i - 1][0], found[i][0]):
            if bounds[i] is None and found[i - 1][1] is not None:
                bounds[i] = found[i - 1][1]
            if bounds[i - 1] is None and found[i][2] is not None:
                bounds[i - 1] = found[i][2]
    return [Quantity(q.value, q.unit, q.text, q.start, q.end, bound, _sentence(text, q.start, q.end))
            for (q, _, _), bound in zip(found, bounds)]


_SENTENCE_END = re.compile(r"[。；;！？!?\n]")


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence (up to 。；！？ or a line break) of `text` that holds [start, end), as written."""
    before = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    after = _SENTENCE_END.search(text, end)
    return text[before[-1] if before else 0:after.start() if after else len(text)].strip()


def _joined(text: str, first: Quantity, second: Quantity) -> bool:
    between = text[first.end:second.start].strip()
    return between in _JOINERS


def by_unit(found: list[Quantity]) -> dict[str, list[Quantity]]:
    """unit -> its quantities in reading order (each value once)."""
    out: dict[str, list[Quantity]] = {}
    for q in found:
        same = out.setdefault(q.unit, [])
        if all(other.value != q.value or other.bound != q.bound for other in same):
            same.append(q)
    return out
