"""Title, issuer (发文机关), 文号, date, type, status and source link of one document.

Only what the text (or the file's front matter) states is recorded, each value with the
line it came from; anything not stated stays None. Values are looked for in the
document's *header*: the lines before its body starts (title block, transmitting
notice, signature, date line). The header ends at the title line of the document
itself plus the metadata-only lines right after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from policykb.ingest.dates import find_dates, iso_from_front_matter
from policykb.ingest.model import DocumentMeta, MetaField
from policykb.ingest.numbering import detect
from policykb.text.normalize import to_simplified as simplified  # character-level t2s, for matching patterns

# Document types by the word a title ends with; longest first.
DOC_TYPES: list[tuple[str, str]] = [
    ("实施方案", "方案"), ("工作方案", "方案"), ("指导意见", "意见"), ("若干意见", "意见"),
    ("实施意见", "意见"), ("实施细则", "细则"), ("实施办法", "办法"), ("暂行规定", "规定"),
    ("暂行办法", "办法"), ("暂行条例", "条例"), ("规划纲要", "规划"), ("工作规则", "规则"),
    ("应急预案", "预案"), ("工作规划", "规划"),
    ("规划", "规划"), ("纲要", "规划"), ("意见", "意见"), ("条例", "条例"), ("办法", "办法"),
    ("通知", "通知"), ("方案", "方案"), ("规定", "规定"), ("决定", "决定"), ("决议", "决议"),
    ("批复", "批复"), ("通报", "通报"), ("规则", "规则"), ("预案", "预案"), ("细则", "细则"),
    ("计划", "计划"), ("函", "函"), ("法", "法律"), ("公告", "公告"), ("要点", "要点"),
]
_TYPE_SUFFIX = "|".join(re.escape(w) for w, _ in DOC_TYPES)
# A title may end with a bracketed note: （2011年）, (2024), （试行）, （2018—2035年）
_TITLE_TAIL = r"(?:[（(][^（）()]{1,16}[)）])?"
_TITLE_END = re.compile(rf"({_TYPE_SUFFIX}){_TITLE_TAIL}》?$")
_TRANSMIT = re.compile(r"(?:关于)?(?:印发|转发|颁发|发布)(?P<inner>.+?)的(?:通知|函)$")
_ORG = r"[\u4e00-\u9fff]{1,20}?(?:办公厅|办公室|委员会|常委会|人民政府|政府|组织部|宣传部|总局|国务院|中共中央|中央|部|厅|局|委|院|署|银行)"
_ORG_ONLY = re.compile(rf"^(?P<org>{_ORG})$")
_ORG_THEN_DATE = re.compile(rf"^[（(]?(?P<org>{_ORG})\s*(?=[0-9一二〇○])")
_ORG_ISSUES = re.compile(rf"^(?P<org>{_ORG})印发$")
_ORG_ISSUES_INLINE = re.compile(rf"(?P<org>{_ORG})(?:印发|发布|颁布)了?《")
_ORG_ABOUT = re.compile(rf"^(?P<org>{_ORG})关于")
_ORG_SESSION = re.compile(r"(?P<org>(?:[\u4e00-\u9fff]{2,6}省|[\u4e00-\u9fff]{2,6}市)?(?:第[一二三四五六七八九十]+届)?"
                          r"(?:全国)?人民代表大会常务委员会|国务院)第[一二三四五六七八九十百零〇0-9]+次(?:常务)?会议")
_ORG_ADOPTS = re.compile(r"^(?P<org>[\u4e00-\u9fff、]{2,40}?)(?:发布|公布|印发|批准|释出)$")
_ORG_DECREE = re.compile(r"(?:中华人民共和国)?(?P<org>国务院|主席)令第")
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[【［(（]\s*[0-9]{4}\s*[〕\]】］)）]\s*[0-9]{1,4}\s*号"
    r"|[\u4e00-\u9fff]{2,14}[（(][0-9]{4}年[0-9]{1,4}号[)）]"
    r"|(?:中华人民共和国)?(?:国务院|主席)令(?:第)?[0-9一二三四五六七八九十百零〇]+号"
)
_STATUS = re.compile(r"(现行有效|已废止|已失效|部分失效|已被修改|尚未生效|失效|废止)")
_URL = re.compile(r"https?://[^\s<>\"'）)]+")
_LAW_EVENT = re.compile(r"(通过|修订|修正|公布|发布|批准|施行|释出)")
# The year a 文号 carries (〔2018〕, [2024], 【2024】, （2009年23号）) and the year a title names
# (2009—2013年…规划 → 2009, the first year of its period; （2018—2035年）; 2019年…要点).
_DOC_NUMBER_YEAR = re.compile(r"[〔\[【［(（]\s*((?:19|20)[0-9]{2})\s*(?:年\s*[0-9]{1,4}\s*号)?\s*[〕\]】］)）]")
_TITLE_YEAR = re.compile(r"((?:19|20)[0-9]{2})\s*(?:年|[—－\-–~～至到]\s*(?:19|20)[0-9]{2}\s*年)")
_FW_DIGITS = {0xFF10 + i: 0x30 + i for i in range(10)}
_SPACES = re.compile(r"[\s\u3000]+")


@dataclass
class HeaderLine:
    line: int
    text: str  # display text as written
    md_level: int | None = None


@dataclass
class Header:
    meta: DocumentMeta
    header_end: int  # last line number that belongs to the header (0: no header)
    warnings: list[str] = field(default_factory=list)


FRONT_MATTER_DATE_KEYS = ("publication_date", "date", "issued")  # the first valid one is the date
# Longest value kept per field, in characters: several times the longest real one (a joint
# notice of a dozen departments, a long 关于印发《…》的通知 title). A longer value is cut there.
FIELD_MAX_CHARS = {"title": 300, "issuer": 300, "doc_number": 100, "date": 40, "doc_type": 40, "status": 40,
                   "source_url": 2000, "year": 40}


def doc_type_of(title: str) -> str | None:
    """The document type a title names by its last word (规划, 意见, 条例 …)."""
    core = re.sub(rf"{_TITLE_TAIL}$", "", simplified(title).rstrip("》 "))
    for word, kind in DOC_TYPES:
        if core.endswith(word):
            return kind
    return None


def _squash(text: str) -> str:
    return _SPACES.sub("", text)


def _title_key(text: str) -> str:
    """A title reduced for comparison: no spaces, quotes, book-title marks or tail notes."""
    text = simplified(_squash(text))
    text = re.sub(r"[《》“”\"'「」]", "", text)
    text = re.sub(rf"{_TITLE_TAIL}$", "", text)
    return text.replace("－", "-").replace("—", "-")


def _is_title_like(text: str) -> bool:
    s = simplified(_squash(text))
    if len(s) < 5 or len(s) > 90 or "。" in s or ">" in s or "，" in s:
        return False
    if detect(s) is not None:
        return False
    return bool(_TITLE_END.search(s.strip("《》")))


def _strip_title(text: str) -> str:
    text = text.strip()
    if text.startswith("《") and text.endswith("》"):
        text = text[1:-1]
    return text


def _find_titles(lines: list[HeaderLine]) -> list[tuple[int, int, str]]:
    """Title-like lines (index in `lines`, index of last line, joined text), in order.

    A title that a line break cut in two (「关于印发《…教育\\n培训规划》的通知」) is joined.
    """
    found = []
    i = 0
    while i < len(lines):
        text = lines[i].text
        if _is_title_like(text):
            found.append((i, i, _squash(text) if _squash(text) != text.strip() and len(text) < 40 else text.strip()))
        elif (i + 1 < len(lines) and len(_squash(text)) <= 40 and "。" not in text and "，" not in text
              and not find_dates(simplified(text)) and not _is_meta_only(text)):
            following = lines[i + 1].text
            joined = _squash(text) + _squash(following)
            outside_marks = re.sub(r"《[^》]*》", "", simplified(text))
            cut = "：" not in text and ":" not in text and (
                text.count("《") > text.count("》") or "关于" in outside_marks or not _is_title_like(following))
            if cut and len(_squash(following)) <= 30 and _is_title_like(joined):
                found.append((i, i + 1, joined))
                i += 2
                continue
        i += 1
    return found


def _is_meta_only(text: str) -> bool:
    """A line that only states metadata: a date, a 文号, an issuer, a 「（…颁布）」 note."""
    s = simplified(_squash(text))
    if not s or "。" in s or len(s) > 60:
        return False
    rest = s
    for m in reversed(find_dates(rest)):
        rest = rest[: m.start] + rest[m.end:]
    rest = _DOC_NUMBER.sub("", rest)
    rest = re.sub(r"[（）()\[\]【】〔〕]|颁布|发布|印发|并|生效|施行|公布|通过|修订|修正|起", "", rest)
    if not rest:
        return True
    return bool(_ORG_ONLY.match(rest)) and (rest != s or len(rest) <= 20)


def _front_matter_line(fm_lines: list[tuple[int, str]], key: str) -> int | None:
    for number, raw in fm_lines:
        if re.match(rf"^{re.escape(key)}\s*:", raw):
            return number
    return None


def _fm_field(front_matter: dict[str, Any], fm_lines: list[tuple[int, str]], *keys: str) -> MetaField | None:
    for key in keys:
        value = front_matter.get(key)
        if isinstance(value, list):
            value = "、".join(str(v) for v in value if v)
        if value not in (None, ""):
            return MetaField(str(value).strip(), _front_matter_line(fm_lines, key), "front_matter")
    return None


def _span_value(original: str, simple: str, start: int, end: int) -> str:
    """The matched span as written, when conversion kept lengths; else the simplified span."""
    if len(original) == len(simple):
        return original[start:end]
    return simple[start:end]


def read_header(lines: list[HeaderLine], front_matter: dict[str, Any] | None = None,
                front_matter_lines: list[tuple[int, str]] | None = None,
                search_window: int = 40) -> Header:
    """Read the metadata a document's opening lines state.

    `lines` are the document's content lines in order (display text, markup removed).
    Returns the metadata and the last header line; lines after it are the body.
    """
    front_matter = front_matter or {}
    fm_lines = front_matter_lines or []
    meta = DocumentMeta()
    warnings: list[str] = []
    window = lines[:search_window]
    # The body never starts before the first numbered line; a title after that is a heading.
    first_numbered = next((i for i, hl in enumerate(window) if detect(simplified(hl.text)) is not None
                           and not _is_title_like(hl.text)), len(window))
    # A 「第二篇：…」 marker is not the title; the title follows it.
    titles = [t for t in _find_titles(window[:first_numbered]) if not re.match(r"^第.{1,3}篇", window[t[0]].text)]
    title_idx: tuple[int, int] | None = None
    title_text: str | None = None
    fm_title_value = front_matter.get("title")
    fm_key = _title_key(str(fm_title_value)) if fm_title_value else None
    fm_match = [t for t in titles if fm_key and _title_key(t[2]) == fm_key]
    if fm_match:
        title_idx, title_text = (fm_match[0][0], fm_match[0][1]), _strip_title(fm_match[0][2])
    elif titles:
        start, end, text = titles[0]
        title_idx, title_text = (start, end), _strip_title(text)
        m = _TRANSMIT.search(_squash(simplified(title_text)))
        if m:
            inner = _title_key(m.group("inner"))
            for later in titles[1:]:
                if _title_key(later[2]) == inner or _title_key(later[2]).endswith(inner):
                    title_idx, title_text = (later[0], later[1]), _strip_title(later[2])
                    break
            else:
                # the transmitted text's own title line may not end with a type word
                for j in range(end + 1, first_numbered):
                    if _title_key(window[j].text) == inner:
                        title_idx, title_text = (j, j), _strip_title(window[j].text.strip())
                        break
    elif window and window[0].md_level is not None:
        title_idx, title_text = (0, 0), _strip_title(window[0].text)
    elif window and re.match(r"^第.{1,3}篇[：:]", window[0].text):
        title_idx, title_text = (0, 0), re.sub(r"^第.{1,3}篇[：:]", "", window[0].text).strip()

    # Markdown law files put adoption lines between the title and <!-- INFO END -->.
    header_last = -1
    if title_idx is not None:
        header_last = title_idx[1]
        while header_last + 1 < len(window) and (_is_meta_only(window[header_last + 1].text)
                                                 or _title_key(window[header_last + 1].text) == _title_key(title_text or "")
                                                 or _is_adoption_line(window[header_last + 1].text)):
            header_last += 1
    header = window[: header_last + 1]

    fm_title = _fm_field(front_matter, fm_lines, "title")
    if fm_title:
        meta.title = fm_title
    elif title_text and title_idx is not None:  # title_idx is set with title_text
        meta.title = MetaField(title_text, window[title_idx[0]].line)
    else:
        warnings.append("no title found in the first lines; title is null")
    if meta.title:
        kind = doc_type_of(meta.title.value)
        if kind:
            meta.doc_type = MetaField(kind, meta.title.line, meta.title.source)

    meta.issuer = _fm_field(front_matter, fm_lines, "authors", "issuer", "author") or _find_issuer(header, title_text)
    meta.doc_number = _fm_field(front_matter, fm_lines, "doc_number", "document_number") or _find_doc_number(header)
    fm_date = next((k for k in FRONT_MATTER_DATE_KEYS if iso_from_front_matter(front_matter.get(k))), None)
    if fm_date:
        meta.date = MetaField(iso_from_front_matter(front_matter[fm_date]) or "", _front_matter_line(fm_lines, fm_date),
                              "front_matter")
    else:
        meta.date = _find_date(header)
    meta.status = _fm_field(front_matter, fm_lines, "status") or _find_status(header)
    meta.source_url = _fm_field(front_matter, fm_lines, "link", "url", "source_url") or _find_url(window[:first_numbered])
    if meta.date is None or meta.issuer is None:
        _read_signature(lines[-4:], meta)
    warnings.extend(_bad_front_matter_dates(front_matter, fm_lines, meta.date))
    if meta.date is None:
        meta.year = infer_year(meta)
    warnings.extend(cap_fields(meta))
    header_end = window[header_last].line if header_last >= 0 else 0
    return Header(meta=meta, header_end=header_end, warnings=warnings)


def cap_fields(meta: DocumentMeta) -> list[str]:
    """Cut every value longer than FIELD_MAX_CHARS to that length (ending in …); a warning for each.

    Every search response that shows a document carries its metadata, so one runaway value
    (a whole paragraph taken for the title, a front matter value millions of characters
    long) would make every one of them huge.
    """
    warnings = []
    for name, limit in FIELD_MAX_CHARS.items():
        found = getattr(meta, name)
        if found is None or len(found.value) <= limit:
            continue
        where = f"line {found.line}" if found.line else found.source.replace("_", " ")
        warnings.append(f"the {name} ({where}) is {len(found.value):,} characters long, more than the "
                        f"{limit:,} any real {name} needs; only its first {limit - 1:,} are kept. Check that "
                        f"line (or the front matter) of the file")
        setattr(meta, name, replace(found, value=found.value[:limit - 1] + "…"))
    return warnings


def _bad_front_matter_dates(front_matter: dict[str, Any], fm_lines: list[tuple[int, str]],
                            found: MetaField | None) -> list[str]:
    """A warning for each front-matter date that is no date (`date: 2024-13-45`), saying what
    the document's date is instead."""
    out = []
    for key in FRONT_MATTER_DATE_KEYS:
        value = front_matter.get(key)
        if value is None or str(value).strip() == "" or iso_from_front_matter(value):
            continue
        line = _front_matter_line(fm_lines, key)
        where = f"front matter {key} (line {line})" if line else f"front matter {key}"
        if found is None:
            outcome = "the date is unknown (null)"
        elif found.source == "front_matter":
            outcome = f"the date {found.value} comes from the front matter's other date field"
        else:
            outcome = f"the date {found.value} is taken from the text (line {found.line})"
        out.append(f"{where} is {str(value)[:40]!r}, which is not a valid date: it was ignored and {outcome}. "
                   f"Correct it (yyyy-mm-dd) to use it.")
    return out


def infer_year(meta: DocumentMeta) -> MetaField | None:
    """The year the 文号 carries, else the first year the title names, marked as inferred; else None.

    Only for a document that states no date: a 文号's year is the year it was issued; a
    title's is the first year of the period it covers (a plan issued in that year or the
    one before), which is why the source is always kept with the value.
    """
    for name, pattern in (("doc_number", _DOC_NUMBER_YEAR), ("title", _TITLE_YEAR)):
        stated = getattr(meta, name)
        m = pattern.search(stated.value.translate(_FW_DIGITS)) if stated else None
        if m and 1900 <= int(m.group(1)) <= 2100:
            return MetaField(m.group(1), stated.line, stated.source, inferred_from=name)
    return None


def _read_signature(tail: list[HeaderLine], meta: DocumentMeta) -> None:
    """Opinions and notices are signed at the end: 「国务院」 then 「2018年11月16日」."""
    for i, hl in enumerate(tail):
        s = simplified(_squash(hl.text))
        dates = find_dates(s)
        if not dates or len(s) > 30 or "。" in s:
            continue
        if meta.date is None:
            meta.date = MetaField(dates[0].iso, hl.line)
        if meta.issuer is None:
            m = _ORG_THEN_DATE.match(s)
            if m:
                meta.issuer = _written(m.group("org"), hl)
            elif i > 0 and (org_match := _ORG_ONLY.match(simplified(_squash(tail[i - 1].text)))):
                org = org_match.group("org")
                meta.issuer = _written(org, tail[i - 1])
        return


def _is_adoption_line(text: str) -> bool:
    s = simplified(_squash(text))
    return bool(find_dates(s)) and bool(_LAW_EVENT.search(s)) and "。" not in s and len(s) < 120


def _written(value: str, hl: HeaderLine) -> MetaField:
    """A value found on the simplified copy of a line, given back as the line writes it."""
    original = _squash(hl.text)
    simple = simplified(original)
    at = simple.find(value)
    if at >= 0 and len(original) == len(simple):
        value = original[at: at + len(value)]
    return MetaField(value, hl.line)


def _find_issuer(header: list[HeaderLine], title: str | None) -> MetaField | None:
    for hl in header:  # 「中共中央印发」
        m = _ORG_ISSUES.match(simplified(_squash(hl.text)))
        if m:
            return _written(m.group("org"), hl)
    # 「2009年8月12日 国务院第76次常务会议通过」, 「2022年2月25日 中共中央、国务院发布」: the latest such line
    for hl in reversed([hl for hl in header if _is_adoption_line(hl.text)]):
        s = _without_dates(simplified(_squash(hl.text)))
        m = _ORG_SESSION.search(s)
        if m:
            return _written(re.sub(r"第[一二三四五六七八九十]+届", "", m.group("org")), hl)
        m = _ORG_ADOPTS.match(s)
        if m:
            return _written(m.group("org"), hl)
    for hl in header:  # a signature line: 「人 事 部」, 「国务院办公厅」, 「…办公厅二○○六年六月十二日」
        s = simplified(_squash(hl.text))
        m = _ORG_ONLY.match(s)
        if m and not _is_title_like(hl.text) and len(s) <= 25:
            return _written(m.group("org"), hl)
        m = _ORG_THEN_DATE.match(s)
        if m and find_dates(s) and len(s) <= 40:
            return _written(m.group("org"), hl)
    for hl in header:  # 「中共中央办公厅（2009年23号）」
        s = simplified(_squash(hl.text))
        m = re.match(rf"^(?P<org>{_ORG})[（(][0-9]{{4}}年", s)
        if m:
            return _written(m.group("org"), hl)
    for hl in header:
        m = _ORG_DECREE.search(simplified(_squash(hl.text)))
        if m:
            return _written("国务院" if m.group("org") == "国务院" else "国家主席", hl)
    if title:
        for hl in header:
            m = _ORG_ABOUT.match(simplified(_squash(hl.text)))
            if m:
                return _written(m.group("org"), hl)
    for hl in header:  # 「日前，中央组织部印发《…》」
        m = _ORG_ISSUES_INLINE.search(simplified(_squash(hl.text)))
        if m:
            org = re.sub(r"^(日前|近日|最近)", "", m.group("org").split("，")[-1])
            return _written(org, hl)
    return None


def _without_dates(text: str) -> str:
    for m in reversed(find_dates(text)):
        text = text[: m.start] + text[m.end:]
    return text


def _find_doc_number(header: list[HeaderLine]) -> MetaField | None:
    for hl in header:
        original = _squash(hl.text)
        simple = simplified(original)
        m = _DOC_NUMBER.search(simple)
        if m:
            value = _span_value(original, simple, m.start(), m.end())
            # 「关于印发…的通知人事部」 glued lines are not a 文号; a 文号 line is short
            return MetaField(value, hl.line)
    return None


def _find_date(header: list[HeaderLine]) -> MetaField | None:
    adoption = [(hl, find_dates(simplified(_squash(hl.text)))) for hl in header if _is_adoption_line(hl.text)]
    adoption = [(hl, d) for hl, d in adoption if d and not re.search(r"施行$", simplified(_squash(hl.text)))]
    if adoption:  # a law's latest adoption or amendment is the date of this version
        hl, dates = max(adoption, key=lambda pair: pair[1][0].iso)
        return MetaField(dates[0].iso, hl.line)
    for hl in header:
        s = simplified(_squash(hl.text))
        if "。" in s or len(s) > 60:
            continue
        dates = find_dates(s)
        if dates:
            return MetaField(dates[0].iso, hl.line)
    return None


def _find_status(header: list[HeaderLine]) -> MetaField | None:
    for hl in header:
        s = simplified(_squash(hl.text))
        m = _STATUS.search(s)
        if m and len(s) <= 30:
            return MetaField(m.group(1), hl.line)
    return None


def _find_url(lines: list[HeaderLine]) -> MetaField | None:
    for hl in lines:
        m = _URL.search(hl.text)
        if m:
            return MetaField(m.group(0), hl.line)
    return None
