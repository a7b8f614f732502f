"""Highlights of the words and numbers that answer the query, built on escaped text.

The clause is shown as written (maybe traditional, full-width), while query terms are
in the search form. Each character of the text is folded on its own (OpenCC t2s per
character, full-width digits/letters to half-width, whitespace skipped), which keeps
a position map back to the text; terms are found in the folded string and mapped
back. The HTML is built by escaping each piece of the text and wrapping the matched
pieces in <mark>, so no markup from the source can get through.

What is marked (`QueryMarks`, built once per query):

- the query terms the clause contains, weighted by rarity (their BM25 idf): a term is
  marked when its idf is at least half that of the rarest query term the clause has.
  So 「基层干部每年培训不少于多少学时」 marks 每年, 不少于, 学时 and not 干部 or 培训, which
  half the clauses of a training corpus contain; a query of common words alone
  still marks its best one.
- the figure the question asks for: when it asks 多少/几 + unit (多少学时, 几次), every
  number with that unit (１００学时, 一次, 半年); for 多久/多长时间, numbers with a unit of
  time; for a bare 多少, numbers with any common unit (or %).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache

from policykb.search.results import Highlight

_FULLWIDTH = {**{0xFF10 + i: 0x30 + i for i in range(10)},
              **{0xFF21 + i: 0x61 + i for i in range(26)},   # fold case too
              **{0xFF41 + i: 0x61 + i for i in range(26)}}


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    folded = _t2s().convert(ch).translate(_FULLWIDTH).lower()
    if len(folded) == 1:
        return folded
    lower = ch.lower()
    return lower if len(lower) == 1 else ch  # one character in, one out: positions stay aligned


class _FoldTable(dict):
    """`str.translate` table: code point -> its folded character, None for whitespace; filled as met."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        folded = None if ch.isspace() else _fold_char(ch)
        self[code] = folded
        return folded


_FOLD = _FoldTable()
_NON_SPACE = re.compile(r"\S")


def _fold_term(term: str) -> str:
    return term.translate(_FOLD)


def _folded(text: str) -> tuple[str, Sequence[int]]:
    """The folded text and, for each folded character, its index in `text`."""
    # translate runs in C; search runs this on every shown clause, under the GIL
    folded = text.translate(_FOLD)
    if len(folded) == len(text):
        return folded, range(len(text))
    return folded, [m.start() for m in _NON_SPACE.finditer(text)]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


RARE_SHARE = 0.5  # a term is marked when its idf is at least this share of the clause's rarest query term's
_NUMBER = r"(?:[0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万半]+)(?:多|余)?"
TIME_UNITS = ("学时", "课时", "小时", "分钟", "天", "日", "周", "星期", "个月", "月", "年")
COMMON_UNITS = (*TIME_UNITS, "%", "％", "个百分点", "倍", "万元", "亿元", "元", "人", "名", "次", "期", "个", "所", "家",
                "门", "项", "篇", "学分", "岁", "届", "批", "班")
_YEAR = re.compile(r"(?:1[89]|20)[0-9]{2}年|[〇零一二三四五六七八九]{4}年")  # a date's year, not a number of years
_ASKS_UNIT = re.compile(r"(?:多少|几)个?([\u4e00-\u9fff%]{0,2})")
_ASKS_TIME = re.compile(r"多久|多长时间|多长")


def asked_units(question: str) -> tuple[str, ...]:
    """The units of the figure `question` asks for (多少学时 → 学时), () when it asks for none."""
    question = _fold_term(question)
    units: list[str] = []
    for m in _ASKS_UNIT.finditer(question):
        after = m.group(1)
        known = [u for u in COMMON_UNITS if after.startswith(u)]
        if after.startswith("钱"):
            units.extend(("元", "万元", "亿元"))
        elif known:
            units.append(max(known, key=len))
        elif after:
            units.extend([after, after[0]])  # an unlisted unit: 多少台 → 台 (and its first character)
        else:
            units.extend(COMMON_UNITS)  # 比例是多少: any figure
    if _ASKS_TIME.search(question):
        units.extend(TIME_UNITS)
    return tuple(dict.fromkeys(units))


@lru_cache(maxsize=256)
def _figure_pattern(units: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    return re.compile(rf"{_NUMBER}个?(?:{alternatives})")


class QueryMarks:
    """What to mark in the clauses of one query's results: weighted terms and the asked-for figure.

    `weights` maps terms to their idf; without it every term is marked (as before
    weighting existed). `question` is the query, for the figure it asks about.
    """

    def __init__(self, terms: list[str], weights: dict[str, float] | None = None, question: str = "",
                 min_chars: int = 2) -> None:
        self.terms: list[tuple[str, str, float]] = []  # (term, folded key, weight)
        for term in dict.fromkeys(terms):
            key = _fold_term(term)
            if not key or (len(key) < min_chars and not key.isascii()):
                continue  # single Chinese characters would light up half the clause
            self.terms.append((term, key, (weights or {}).get(term, 1.0)))
        units = asked_units(question) if question else ()
        self.figures = _figure_pattern(units) if units else None

    def highlight(self, text: str) -> Highlight:
        folded, where = _folded(text)
        found: list[tuple[str, float, list[tuple[int, int]]]] = []
        for term, key, weight in self.terms:
            spans, start = [], folded.find(key)
            while start >= 0:
                spans.append((where[start], where[start + len(key) - 1] + 1))
                start = folded.find(key, start + len(key))
            if spans:
                found.append((term, weight, spans))
        bar = RARE_SHARE * max((weight for _, weight, _ in found), default=0.0)
        spans = [span for _, weight, term_spans in found if weight >= bar for span in term_spans]
        used = [term for term, weight, _ in found if weight >= bar]
        if self.figures is not None:
            for m in self.figures.finditer(folded):
                if _YEAR.fullmatch(m.group()):
                    continue
                spans.append((where[m.start()], where[m.end() - 1] + 1))
                used.append(text[where[m.start()]:where[m.end() - 1] + 1])
        return _marked(text, _merge(spans), list(dict.fromkeys(used)))


def highlight(text: str, terms: list[str], min_chars: int = 2, weights: dict[str, float] | None = None,
              question: str = "") -> Highlight:
    """Spans of `terms` in `text` (the rare ones, when `weights` are given; and the figure `question`
    asks for) and the escaped HTML with <mark> around them. Short ASCII terms such as "5" or "MPA" are kept."""
    return QueryMarks(terms, weights, question, min_chars).highlight(text)


def _marked(text: str, spans: list[tuple[int, int]], used: list[str]) -> Highlight:
    pieces, pos = [], 0
    for start, end in spans:
        pieces.append(html.escape(text[pos:start]))
        pieces.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    pieces.append(html.escape(text[pos:]))
    return Highlight(spans=spans, html="".join(pieces), terms=used)
