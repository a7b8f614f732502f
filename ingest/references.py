"""Cross-references inside clauses: 「本法第十五条第二款」, 「前款」, 「《档案法》第二十五条」.

`find_references(document)` reads every clause of one document and returns what each
cites, with its text span; `resolve_references(documents)` then points each at a clause
id across the documents of one index generation. The index writes the whole store again
for every generation (index/build.py), so resolving there re-resolves references *into* a
document that was read again too: no link outlives its target.

A reference names a document (本法/本条例/… = this one, 《…》 = another, by title, short
title or the 「（以下简称《…》）」 alias this document gives it), an article-level label
(第X条, or 第X编/章/节, 第X部分: a plan's top-level 「三、」 when it has no 「第X部分」
headings) and perhaps a 款 and a 项. Clauses of a law are whole articles (their 款 are
lines, their 项 lines that open with （一）), so a 款 or 项 resolves to the article's clause
and keeps its number in `paragraph` / `item`. Whatever cannot be pinned to exactly one
clause stays unresolved (`resolved_clause_id` None), never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from policykb.ingest.metadata import simplified
from policykb.ingest.model import Clause, Document
from policykb.ingest.numbering.marker import cn_to_int

_N = r"[零〇一二两三四五六七八九十百千\d０-９]+"
# Designators of the document a reference is in: 「本法」「本条例」「本规划」…
_THIS = r"本(?:法|条例|规划|办法|规定|细则|规则|意见|方案|决定|准则|纲要|计划|章程|解释)"
# One reference: designator?, then 第N条/章/… (第N款)? (第N项)?, or a bare 第N款 / 第N项.
_REF = re.compile(
    rf"(?=[本前该《第])(?P<des>{_THIS}|《(?P<title>[^《》]{{2,60}})》|(?<![基资成根])本条(?!例|件|线)|(?<![资])本款|前款|前(?P<prev>[两二三四])款"
    rf"|前条(?!件|例)|该条(?!件|例))?"
    rf"(?:第(?P<top>{_N})(?P<unit>条|编|分编|章|节|部分)(?P<sub>之[一二三四五六七八九十]+)?)?"
    rf"(?:第(?P<para>{_N})款)?"
    rf"(?:第[（(]?(?P<item>{_N})[）)]?项)?")
# A law named without 《》 right before its article: 「依照商标法第三十条」, 「适用民事诉讼法第一百一十九条」. Its name is
# what follows the last word that cannot be part of it; a name the index knows is matched by its longest suffix.
_BARE_NAME = re.compile(r"(?P<name>[\u4e00-\u9fff]{1,30}?(?:法|条例|规定|办法|细则|解释|决定|规则|通则))$")
_BEFORE_NAME = re.compile(r".*(?:依照|按照|根据|依据|参照|适用|违反|对照|符合|享有|应当|可以|不得|即|的|由|和|与|及|或者|或|以及"
                          r"|以|但|并|在|对|经|将|、|，|。|；|：|\s)")
_NOT_A_NAME = frozenset({"依法", "合法", "非法", "违法", "方法", "办法", "做法", "立法", "执法", "司法", "守法", "用法", "说法",
                         "规定", "决定", "解释", "规则", "细则", "条例", "法"})
# What joins a reference to the one before it (「第十二条、第十六条」「第一项和第二项」).
_JOIN = re.compile(r"^(?:、|，|,|和|或者|或|及|以及|与|至)$")
_ALIAS = re.compile(r"《(?P<full>[^《》]{2,60})》[（(]以下简称[“\"「《]?(?P<short>[^”\"」》）)]{1,30})[”\"」》]?[）)]")
_ITEM_LINE = re.compile(r"^[\s\u3000]*[（(][一二三四五六七八九十]+[）)]")
_STATE_PREFIX = "中华人民共和国"
# A traditional-script text (「本條例第十二條」) is read in its simplified form when that keeps every
# character in place, so spans still index the text as written.
_TRADITIONAL = re.compile(r"[條項編節規劃辦細則準綱計兩簡稱決]")
_UNITS_SIMPLIFIED = str.maketrans("條編節", "条编节")


def _scannable(text: str) -> str:
    if _TRADITIONAL.search(text):
        simple = simplified(text)
        if len(simple) == len(text):
            return simple
    return text


@dataclass(frozen=True)
class Reference:
    """One reference in a clause's text.

    `span_start`/`span_end` index `text` within the citing clause's text. `target_document`
    is the cited document's name as the text writes it, after aliases (「《档案法》」 →
    「中华人民共和国档案法」), or None for the citing document itself. `target_label` is the
    article-level label cited (「第十五条」, 「第三章」), None for 款/项 of the same article.
    `kind`: "article" (第X条/章/…), "range" (one article of 第X条至第Y条), "this_article"
    (本条, 本款, or a bare 第X款), "previous_paragraph" (前款, 前两款), "previous_article" (前条),
    "that_article" (该条 with no article named before it in the clause: left unresolved).
    """

    clause_id: str
    span_start: int
    span_end: int
    text: str
    kind: str
    target_document: str | None
    target_label: str | None
    paragraph: int | None = None
    item: int | None = None
    resolved_clause_id: str | None = None


def aliases(document: Document) -> dict[str, str]:
    """Short names the document defines: 「《中华人民共和国档案法》（以下简称《档案法》）」→ {档案法: …}."""
    found: dict[str, str] = {}
    for clause in document.clauses:
        for m in _ALIAS.finditer(_scannable(clause.text)):
            found[m.group("short")] = clause.text[m.start("full"):m.end("full")]
    return found


def _paragraph_at(text: str, pos: int) -> int:
    """The 款 (1-based) that position `pos` of an article's text is in: its lines, 项 lines aside."""
    number = 0
    offset = 0
    for line in text.split("\n"):
        if line.strip() and not _ITEM_LINE.match(line):
            number += 1
        if pos < offset + len(line) + 1:
            return max(number, 1)
        offset += len(line) + 1
    return max(number, 1)


def _label(number_text: str, unit: str, sub: str | None) -> str:
    return f"第{number_text}{unit}{sub or ''}"


def find_references(document: Document, titles: frozenset[str] = frozenset()) -> list[Reference]:
    """Every reference in the document's clauses, in reading order, not yet resolved.

    A clause's own number at its start (「第二十五条 属于…」) is not a reference. `titles` are the
    title keys of the index's documents (_title_keys): a law named without 《》 before its article
    is read as the longest of them the text ends with, else by the words around it.
    """
    known = aliases(document)
    out: list[Reference] = []
    for clause in document.clauses:
        out.extend(_clause_references(clause, known, titles))
    return out


def _bare_name(before: str, titles: frozenset[str]) -> str | None:
    """The law a text names without 《》 just before an article number (`before` ends where 第 begins), or None."""
    tail = before[-30:]
    for n in range(len(tail), 1, -1):  # the longest known title the text ends with
        if tail[-n:] in titles:
            return tail[-n:]
    m = _BARE_NAME.search(tail)
    if not m:
        return None
    name = m.group("name")
    cut = _BEFORE_NAME.match(name)
    name = name[cut.end():] if cut else name
    return name if len(name) >= 2 and name not in _NOT_A_NAME and not name.startswith("本") else None


def _clause_references(clause: Clause, known: dict[str, str], titles: frozenset[str] = frozenset()) -> list[Reference]:
    written = clause.text
    text = _scannable(written)
    refs: list[Reference] = []
    last: Reference | None = None  # the reference a 「、第N条」 continues
    last_end = -1
    for m in _REF.finditer(text):
        if m.end() == m.start():
            continue
        start, as_written = m.start(), written[m.start():m.end()]
        if start == 0 and m.group("des") is None and m.group("top") and clause.label \
                and _label_key(_label(m.group("top"), m.group("unit"), m.group("sub"))) == _label_key(clause.label):
            continue  # the clause's own number
        des, title = m.group("des"), m.group("title")
        top, para, item = m.group("top"), m.group("para"), m.group("item")
        if des is not None and title is not None and top is None:
            continue  # 《…》 named without an article: the document as a whole is not linked here
        if des is not None and des.startswith("本") and des not in ("本条", "本款") and top is None:
            continue  # 「制定本条例」「本法所称」: the document itself, not a clause
        if des is None and top is None and para is None and item is None:
            continue
        joined = last is not None and _JOIN.match(text[last_end:start] or "x") is not None
        if des is None and not joined and clause.kind != "article":
            continue  # outside a law's articles a bare 「第一项」 counts things (「第一项任务」), it cites nothing
        is_range = joined and text[last_end:start] == "至"
        para_n = cn_to_int(para) if para else None
        item_n = cn_to_int(item) if item else None
        if top is not None:
            label = _label(top, m.group("unit"), m.group("sub"))
            if title is not None:
                document = known.get(title, written[m.start("title"):m.end("title")])
            elif des is not None:
                document = None
            elif joined and last is not None:  # joined implies a last reference
                document = last.target_document
            else:  # a bare 第X条 in a law is one of its own, unless a law is named right before it
                name = _bare_name(text[:start], titles)
                document = known.get(name, name) if name else None
            kind = "range" if is_range else "article"
            ref = Reference(clause.id, start, m.end(), as_written, kind, document, label, para_n, item_n)
            if is_range and last is not None and last.target_label:
                refs.extend(_range_between(last, ref))
        elif des == "前条":  # 「前条第一款」: the article before this one
            ref = Reference(clause.id, start, m.end(), as_written, "previous_article", None, None, para_n, item_n)
        elif des == "该条":  # 「该条第二款」: the article this clause named last; none named, nothing to link
            ref = (replace(last, span_start=start, span_end=m.end(), text=as_written, paragraph=para_n, item=item_n,
                           kind="article") if last is not None and last.target_label and last.target_label.endswith("条")
                   else Reference(clause.id, start, m.end(), as_written, "that_article", None, None, para_n, item_n))
        elif des in ("前款",) or m.group("prev"):
            here = _paragraph_at(text, start)
            ref = Reference(clause.id, start, m.end(), as_written, "previous_paragraph", None, None,
                            (here - 1) if des == "前款" and here > 1 else None, item_n)
        elif des is None and para is not None and joined and last is not None and last.target_label:
            # 「第四十条第一款和第二款」: the 款 of the article just named
            ref = replace(last, span_start=start, span_end=m.end(), text=as_written, paragraph=para_n, item=item_n)
        elif des in ("本条", "本款") or (des is None and para is not None):
            if des == "本款":
                para_n = para_n or _paragraph_at(text, start)
            ref = Reference(clause.id, start, m.end(), as_written, "this_article", None, None, para_n, item_n)
        else:  # a bare 第N项: of the 款 or article the reference before it named
            if joined and last is not None:
                ref = replace(last, span_start=start, span_end=m.end(), text=as_written, item=item_n)
            else:
                ref = Reference(clause.id, start, m.end(), as_written, "this_article", None, None,
                                _paragraph_at(text, start), item_n)
        refs.append(ref)
        last, last_end = ref, m.end()
    return refs


def _range_between(first: Reference, last: Reference) -> list[Reference]:
    """The articles strictly between the two ends of 「第X条至第Y条」, each its own reference."""
    a = cn_to_int(first.target_label[1:-1]) if first.target_label and first.target_label.endswith("条") else None
    b = cn_to_int(last.target_label[1:-1]) if last.target_label and last.target_label.endswith("条") else None
    if a is None or b is None or not 0 < b - a <= 200:
        return []
    span = (first.span_start, last.span_end)
    return [Reference(first.clause_id, span[0], span[1], f"{first.text}至{last.text}", "range",
                      last.target_document, f"第{_chinese(n)}条") for n in range(a + 1, b)]


def _chinese(n: int) -> str:
    """1..9999 as written in article numbers: 17 → 「十七」, 105 → 「一百零五」, 1010 → 「一千零一十」
    (民法典 runs to 第一千二百六十条)."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 10000:
        return str(n)
    out, started, gap = "", False, False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        d, n = divmod(n, value)
        if d:
            out += "零" if gap else ""
            out += "十" if (unit == "十" and d == 1 and not started) else digits[d] + unit
            started, gap = True, False
        elif started:
            gap = True
    if n:
        out += ("零" if gap else "") + digits[n]
    return out


def _label_key(label: str | None) -> tuple[str, int | None, str] | None:
    """(unit, number, 之N) of an article-level label, so 「第15条」 and 「第十五条」 are one."""
    if not label:
        return None
    m = re.match(rf"^第({_N})(条|编|分编|章|节|部分)(之[一二三四五六七八九十]+)?$",
                 label.strip().translate(_UNITS_SIMPLIFIED))
    if not m:
        return None
    return m.group(2), cn_to_int(m.group(1)), m.group(3) or ""


@lru_cache(maxsize=4096)
def _title_keys(title: str) -> frozenset[str]:
    """A title and its short form: 「中华人民共和国档案法」 is also 「档案法」."""
    t = re.sub(r"[\s\u3000]", "", simplified(title))
    t = re.sub(r"[（(]\d{4}年[^）)]*[）)]$", "", t)  # 「（2018年修正）」
    keys = {t}
    if t.startswith(_STATE_PREFIX) and len(t) > len(_STATE_PREFIX):
        keys.add(t[len(_STATE_PREFIX):])
    return frozenset(keys)


_PART = re.compile(r"^([一二三四五六七八九十]+)、$")


def _doc_labels(document: Document) -> dict[tuple, list[Clause]]:
    """Article-level label key -> the clauses carrying it. A plan without 「第X部分」 headings has
    its top-level 「三、」 headings stand for its 部分 (「本规划第三部分」 is its 「三、」)."""
    labels: dict[tuple, list[Clause]] = {}
    for c in document.clauses:
        key = _label_key(c.label)
        if key is not None and c.kind in ("article", "heading"):
            labels.setdefault(key, []).append(c)
    if not any(unit == "部分" for unit, _, _ in labels):
        for c in document.clauses:
            m = _PART.match(c.label or "")
            if m and c.kind == "heading" and c.depth == 0:
                labels.setdefault(("部分", cn_to_int(m.group(1)), ""), []).append(c)
    return labels


def _date(document: Document) -> str | None:
    value = document.meta.value("date")
    return value if value and re.match(r"^\d{4}", value) else None


def _later(target: Document, citing: Document) -> bool:
    """True when the index's text of `target` is dated after `citing`: the citing text wrote its numbers
    against an earlier version, whose articles may since have been renumbered (民事诉讼法 2017 → 2021)."""
    a, b = _date(target), _date(citing)
    if a is None or b is None:
        return False
    n = min(len(a), len(b))
    return a[:n] > b[:n]


def resolve_references(documents: list[Document], warn: Callable[[str], None] | None = None) -> list[Reference]:
    """Every reference in `documents`, each resolved to one clause id where exactly one fits
    (resolve_with_reasons says why the others were not)."""
    return [ref for ref, _ in resolve_with_reasons(documents, warn)]


def resolve_with_reasons(documents: list[Document], warn: Callable[[str], None] | None = None
                         ) -> list[tuple[Reference, str | None]]:
    """Every reference in `documents` with, when it stays unresolved, why: 「<what>: <particulars>」, <what> one of
    "cited document not in the index", "cited title fits several documents", "cited text dated after the
    citing one", "no clause with that label", "several clauses with that label", "citing clause not an article",
    "no article before this one", "该条 names no article before it".

    A document the text names resolves by title (or short title, or the alias it defines) when one
    document of the index carries it, or several that are parts of one (the 民法典's 编: one title, no
    article number in two of them); 本法 looks in those parts too. A reference into another document whose text here is
    dated after the citing one stays unresolved: its numbers may be an earlier version's.
    A document whose references cannot be read is skipped, told to `warn` by its file."""
    by_title: dict[str, list[Document]] = {}
    for doc in documents:
        if doc.title:
            for key in _title_keys(doc.title):
                by_title.setdefault(key, []).append(doc)
    titles = frozenset(by_title)
    labels: dict[str, dict[tuple, list[Clause]]] = {}

    def label_in(docs: list[Document], label: str) -> list[Clause]:
        found: list[Clause] = []
        key = _label_key(label)
        for d in docs:
            if d.id not in labels:
                labels[d.id] = _doc_labels(d)
            if key is not None:
                found.extend(labels[d.id].get(key, []))
        return found

    def parts(candidates: list[Document]) -> bool:
        """True when `candidates` are parts of one document split over files (the 民法典's 编): no article
        number in two of them. Versions of one law share their numbers, so they are never parts."""
        seen: set[tuple] = set()
        for d in candidates:
            if d.id not in labels:
                labels[d.id] = _doc_labels(d)
            mine = {key for key in labels[d.id] if key[0] == "条"}
            if not mine or mine & seen:
                return False
            seen |= mine
        return True

    out: list[tuple[Reference, str | None]] = []
    for doc in documents:
        clause_of = {c.id: c for c in doc.clauses}
        articles = [c for c in doc.clauses if c.kind == "article"]
        position = {c.id: i for i, c in enumerate(articles)}
        same_title = list({d.id: d for k in (_title_keys(doc.title) if doc.title else ()) for d in by_title.get(k, [])
                           }.values())
        siblings = [d for d in same_title if d.id != doc.id] if len(same_title) > 1 and parts(same_title) else []
        try:
            found_in_doc = find_references(doc, titles)
        except Exception as exc:  # one document's odd text must not cost the build (issue 17 item 3)
            if warn is not None:
                warn(f"{doc.file}: its cross-references could not be read ({type(exc).__name__}: {exc}); "
                     "the document is indexed without them")
            continue
        for ref in found_in_doc:
            resolved, why = None, None
            citing = clause_of[ref.clause_id]
            if ref.kind == "previous_article":
                i = position.get(citing.id)
                resolved = articles[i - 1].id if i else None
                why = None if resolved else f"no article before this one: {citing.label or citing.kind}"
            elif ref.kind == "that_article":
                why = f"该条 names no article before it: 「{ref.text}」"
            elif ref.target_document is None and ref.target_label is None:
                resolved = citing.id if citing.kind == "article" else None
                why = None if resolved else f"citing clause not an article: a {citing.kind}"
            else:
                if ref.target_document is None:  # this document's, or one of its parts' (本法 in the 民法典's 合同编)
                    targets: list[Document] | None = [doc, *siblings]
                else:
                    matches = list({d.id: d for k in _title_keys(ref.target_document)
                                    for d in by_title.get(k, [])}.values())
                    targets = matches if len(matches) == 1 or (matches and parts(matches)) else None
                    if not matches:
                        why = f"cited document not in the index: 「{ref.target_document}」"
                    elif targets is None:
                        why = (f"cited title fits several documents: 「{ref.target_document}」 is "
                               + ", ".join(sorted(d.file for d in matches)))
                    elif not any(t.id == doc.id for t in targets) and all(_later(t, doc) for t in targets):
                        why = (f"cited text dated after the citing one: {targets[0].file} is of {_date(targets[0])}, "
                               f"the citing document of {_date(doc)}; its numbers may be an earlier version's")
                        targets = None
                if targets and ref.target_label is None:
                    resolved = citing.id if citing.kind == "article" and doc in targets else None
                    why = None if resolved else f"citing clause not an article: a {citing.kind}"
                elif targets and ref.target_label is not None:  # (None was the branch above)
                    found = label_in([doc], ref.target_label) if ref.target_document is None else []
                    found = found or label_in(targets, ref.target_label)
                    resolved = found[0].id if len(found) == 1 else None
                    where = ", ".join(t.file for t in targets[:3]) + ("…" if len(targets) > 3 else "")
                    why = None if resolved else (f"no clause with that label: {ref.target_label} in {where}" if not found
                                                 else f"several clauses with that label: {len(found)} "
                                                      f"{ref.target_label} in {where}")
            out.append((replace(ref, resolved_clause_id=resolved), why))
    return out
