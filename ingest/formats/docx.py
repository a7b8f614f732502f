"""Word .docx reader (python-docx): one line per paragraph.

Line N is the N-th paragraph of the body in document order, table cells included (row
by row, each cell's paragraphs in turn; a merged cell once); a soft line break inside a
paragraph starts a new line. Empty paragraphs are kept as empty lines so the numbering
is stable. Heading styles ("Heading 1".., "标题 1"..) or an outline level set on the
paragraph or its style give `heading_levels`. Automatic list numbering (numPr) is
rendered into the line text ("一、", "（一）", "1.", "①" ...) when its format is known;
otherwise the line keeps its text and a warning says the number is missing.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from policykb.ingest.errors import IngestError
from policykb.ingest.model import SourceText

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)


def read(path: Path, data: bytes) -> SourceText:
    """Read the paragraphs of a .docx file; raise IngestError for a damaged or non-docx file."""
    document = _open(path, data)
    numbering = ListNumbering.from_document(document)
    line_paragraphs: list[int] = []
    source = SourceText(path=str(path), format="docx", lines=[], encoding=None, line_paragraphs=line_paragraphs)
    styles = StyleChains()
    for number, paragraph in enumerate(_paragraphs(document), start=1):
        _add_paragraph(source, paragraph, numbering, styles.of(paragraph))
        line_paragraphs.extend([number] * (len(source.lines) - len(line_paragraphs)))
    source.warnings.extend(f"{path}: {w}" for w in styles.warnings + numbering.warnings)
    if not any(line.strip() for line in source.lines):
        source.warnings.append(f"{path}: the document has no text")
    return source


def _open(path: Path, data: bytes):
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if not zipfile.is_zipfile(io.BytesIO(data)):
        hint = (" (it is an old Word .doc file inside; rename it to .doc and ingest it again)"
                if data.startswith(b"\xd0\xcf\x11\xe0") else "")
        raise IngestError(f"{path}: not a valid .docx file (not a ZIP package){hint}")
    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as err:
        raise IngestError(f"{path}: not a valid .docx file ({err}); re-save it from Word "
                          f"or LibreOffice") from None
    except Exception as err:  # lxml XMLSyntaxError and friends: a damaged package
        raise IngestError(f"{path}: the .docx file is damaged ({type(err).__name__}: {err}); "
                          f"re-save it from Word or LibreOffice") from None


def _paragraphs(container):
    """Paragraphs of a document or cell in order, descending into tables."""
    from docx.table import Table

    for item in container.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell is returned once per grid column
                        continue
                    seen.add(id(cell._tc))
                    yield from _paragraphs(cell)
        else:
            yield item


@dataclass
class StyleChains:
    """Each paragraph's style, the style that one is based on, and so on (w:basedOn).

    Word never writes a loop, but a generated or hand-edited file can base a style on
    itself, or A on B on A: the chain is then cut where it comes back, with a warning,
    and the styles before the cut still give the heading level and list numbering. A
    chain is worked out once per style: python-docx finds a paragraph's style by reading
    every style of the file (2.5 ms a paragraph with Word's built-in styles, 26 s for
    10,000 paragraphs).
    """

    chains: dict[str | None, list] = field(default_factory=dict)  # w:pStyle (None: the default) -> chain
    warnings: list[str] = field(default_factory=list)

    def of(self, paragraph) -> list:
        style_id = paragraph._p.style
        if style_id not in self.chains:
            self.chains[style_id] = self._walk(paragraph.style)
        return self.chains[style_id]

    def _walk(self, style) -> list:
        chain: list = []
        while style is not None:
            start = next((i for i, seen in enumerate(chain) if seen.element is style.element), None)
            if start is not None:
                loop = " → ".join(f"「{s.name or s.style_id}」" for s in [*chain[start:], style])
                message = (f"paragraph style {loop} is based on itself (a loop of w:basedOn in styles.xml); "
                           f"the loop was cut there, so its paragraphs keep the heading level and numbering "
                           f"of the styles before the cut; re-save the file from Word or LibreOffice to "
                           f"repair its styles")
                if message not in self.warnings:
                    self.warnings.append(message)
                break
            chain.append(style)
            style = style.base_style
        return chain


def _add_paragraph(source: SourceText, paragraph, numbering: ListNumbering, styles: list) -> None:
    label = numbering.label_for(paragraph, styles)
    pieces = paragraph.text.split("\n")
    if label:
        pieces[0] = label + pieces[0]
    level = _heading_level(paragraph, styles)
    for piece in pieces:
        source.lines.append(piece)
        if level and piece.strip():
            source.heading_levels[len(source.lines)] = level


def _heading_level(paragraph, styles: list) -> int | None:
    """From a heading style in the chain `styles` (see `StyleChains`), else an outline level."""
    for style in styles:
        match = _HEADING_STYLE.match((style.name or "").strip())
        if match and int(match.group(1)) > 0:
            return int(match.group(1))
    outline = _outline_level(paragraph._p.pPr)
    for style in styles:
        if outline is not None:
            break
        outline = _outline_level(style.element.pPr)
    return outline


def _outline_level(ppr) -> int | None:
    """Word's outline level (w:outlineLvl 0..8 = level 1..9; 9 means body text)."""
    if ppr is None:
        return None
    from docx.oxml.ns import qn

    element = ppr.find(qn("w:outlineLvl"))
    if element is None:
        return None
    value = _int(element.get(qn("w:val"), "9"))
    return value + 1 if value is not None and 0 <= value < 9 else None  # not a number: body text


# ---- automatic list numbering -------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"


def _chinese(n: int, digits: str = _CN_DIGITS, units: str = "十百千") -> str:
    """1 -> 一, 10 -> 十, 15 -> 十五, 20 -> 二十, 105 -> 一百零五 (Word's chineseCounting)."""
    if n <= 0 or n >= 10000:
        return str(n)
    text, zero = "", False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += digits[0]
            zero = False
        text += digits[digit] + ("" if power == 0 else units[power - 1])
    return text[1:] if 10 <= n < 20 and digits is _CN_DIGITS else text


def _letters(n: int, upper: bool) -> str:
    letter = chr(ord("A" if upper else "a") + (n - 1) % 26)
    return letter * ((n - 1) // 26 + 1)  # Word's a..z, aa..zz


def _roman(n: int) -> str:
    values = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
              (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    text = ""
    for value, numeral in values:
        count, n = divmod(n, value)
        text += numeral * count
    return text


def _enclosed(first: int, n: int) -> str:
    return chr(first + n - 1) if 1 <= n <= 20 else str(n)


NUMBER_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "decimalEnclosedCircle": lambda n: _enclosed(0x2460, n),
    "decimalEnclosedCircleChinese": lambda n: _enclosed(0x2460, n),
    "decimalEnclosedFullstop": lambda n: _enclosed(0x2488, n),
    "decimalEnclosedParen": lambda n: _enclosed(0x2474, n),
    "chineseCounting": _chinese,
    "chineseCountingThousand": _chinese,
    "japaneseCounting": _chinese,
    "taiwaneseCounting": _chinese,
    "taiwaneseCountingThousand": _chinese,  # what LibreOffice writes for a .doc's 一、二、
    "ideographDigital": lambda n: "".join("〇一二三四五六七八九"[int(d)] for d in str(n)),
    "chineseLegalSimplified": lambda n: _chinese(n, _CN_LEGAL, "拾佰仟"),
    "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
    "ideographZodiac": lambda n: "子丑寅卯辰巳午未申酉戌亥"[(n - 1) % 12],
    "lowerLetter": lambda n: _letters(n, upper=False),
    "upperLetter": lambda n: _letters(n, upper=True),
    "lowerRoman": lambda n: _roman(n).lower(),
    "upperRoman": _roman,
}
_PLACEHOLDER = re.compile(r"%([1-9])")


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str
    start: int
    suffix: str  # "tab" | "space" | "nothing"
    legal: bool  # isLgl: every placeholder shown as decimal


@dataclass
class ListNumbering:
    """Renders the number labels of Word's automatic lists, counting as Word does.

    Counters run per abstract list (lists sharing a definition continue each other)
    unless a list instance overrides its start, which restarts it. A deeper level
    restarts whenever a higher level advances.
    """

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # abstractNumId -> ilvl -> level
    instances: dict[str, tuple[str, dict[int, int]]] = field(default_factory=dict)  # numId -> (abstract, start overrides)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_document(cls, document) -> ListNumbering:
        from docx.oxml.ns import qn

        numbering = cls()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return numbering
        # numbering.xml is read as found: a value that is not a whole number is skipped with a
        # warning (its labels are then missing), never raised.
        for abstract in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in abstract.findall(qn("w:lvl")):
                raw_ilvl = lvl.get(qn("w:ilvl"), "0")
                ilvl = _int(raw_ilvl)
                if ilvl is None:
                    numbering._warn(f"numbering.xml defines a list level w:ilvl=\"{raw_ilvl}\", which is not a "
                                    f"whole number; that level is ignored and its number labels are missing")
                    continue
                raw_start = _val(lvl, "w:start", "1")
                start = _int(raw_start)
                if start is None:
                    numbering._warn(f"numbering.xml starts a list level at w:start=\"{raw_start}\", which is "
                                    f"not a whole number; counting starts at 1")
                    start = 1
                levels[ilvl] = _Level(
                    fmt=_val(lvl, "w:numFmt", "decimal"), text=_val(lvl, "w:lvlText", ""),
                    start=start, suffix=_val(lvl, "w:suff", "tab"),
                    legal=lvl.find(qn("w:isLgl")) is not None)
            numbering.levels[abstract.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            overrides = {}
            for override in num.findall(qn("w:lvlOverride")):
                start = override.find(qn("w:startOverride"))
                if start is not None:
                    raw = (override.get(qn("w:ilvl"), "0"), start.get(qn("w:val"), "1"))
                    ilvl, value = _int(raw[0]), _int(raw[1])
                    if ilvl is None or value is None:
                        numbering._warn(f"numbering.xml restarts a list with w:ilvl=\"{raw[0]}\" "
                                        f"w:startOverride=\"{raw[1]}\", which is not a whole number; ignored")
                        continue
                    overrides[ilvl] = value
            numbering.instances[num.get(qn("w:numId"))] = (_val(num, "w:abstractNumId", ""), overrides)
        return numbering

    def label_for(self, paragraph, styles: list) -> str | None:
        """The rendered number label (with its separator) of a numbered paragraph, else None.

        `styles` is the paragraph's style chain (`StyleChains`): numbering may be set by a style."""
        found = _num_pr(paragraph, styles)
        if found is None:
            return None
        num_id, raw_ilvl = found
        if num_id == "0":  # numbering explicitly switched off
            return None
        ilvl = _int(raw_ilvl)
        if ilvl is None:
            self._warn(f"a paragraph's list level (numId {num_id}, w:ilvl=\"{raw_ilvl}\") is not a whole "
                       f"number; its number label is missing from the text")
            return None
        abstract_id, overrides = self.instances.get(num_id, ("", {}))
        levels = self.levels.get(abstract_id)
        if not levels or ilvl not in levels:
            self._warn(f"a paragraph uses list numbering (numId {num_id}, level {ilvl}) that the "
                       f"file does not define; its number label is missing from the text")
            return None
        counter_key = f"num{num_id}" if overrides else abstract_id
        counts = self.counters.setdefault(counter_key, {})
        start = overrides.get(ilvl, levels[ilvl].start)
        counts[ilvl] = counts.get(ilvl, start - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        return self._render(levels, counts, ilvl, overrides)

    def _render(self, levels: dict[int, _Level], counts: dict[int, int], ilvl: int,
                overrides: dict[int, int]) -> str | None:
        level = levels[ilvl]
        if level.fmt in ("bullet", "none"):
            return None if level.fmt == "bullet" else (level.text or None)

        def number(match: re.Match) -> str:
            at = int(match.group(1)) - 1
            at_level = levels.get(at, level)
            value = counts.get(at, overrides.get(at, at_level.start))
            fmt = "decimal" if level.legal else at_level.fmt
            return NUMBER_FORMATS[fmt](value)

        used = {levels.get(int(m) - 1, level).fmt for m in _PLACEHOLDER.findall(level.text)}
        unknown = sorted(f for f in used if f not in NUMBER_FORMATS and not level.legal)
        if unknown:
            self._warn(f"list number format {', '.join(unknown)} is not supported; those "
                       f"paragraphs' number labels are missing from the text")
            return None
        label = _PLACEHOLDER.sub(number, level.text)
        if not label:
            return None
        # Chinese labels end in 、 or ） and need no gap; "1." and "(a)" get a space for the tab.
        if level.suffix == "nothing" or ord(label[-1]) >= 0x2E80:
            return label
        return label + " "

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


@overload
def _val(element, tag: str, default: str) -> str: ...
@overload
def _val(element, tag: str, default: None) -> str | None: ...
def _val(element, tag: str, default: str | None) -> str | None:
    from docx.oxml.ns import qn

    child = element.find(qn(tag))
    return child.get(qn("w:val"), default) if child is not None else default


def _int(value: str | None) -> int | None:
    """An OOXML integer attribute ('3', ' 3', '+3', '-1'), or None when it is not one ('x', '')."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _num_pr(paragraph, styles: list) -> tuple[str, str] | None:
    """(numId, ilvl as written) of a paragraph's numbering, set on it directly or by a style of its chain."""
    from docx.oxml.ns import qn

    candidates = [paragraph._p.pPr] + [style.element.pPr for style in styles]
    num_id, ilvl = None, None
    for ppr in candidates:
        num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
        if num_pr is None:
            continue
        if num_id is None:
            num_id = _val(num_pr, "w:numId", None)
        if ilvl is None:
            ilvl = _val(num_pr, "w:ilvl", None)
    if num_id is None:
        return None
    return num_id, ilvl or "0"
