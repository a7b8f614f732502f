"""Relations between documents: versions, replacements, implementing measures, plan series.

`find_relations(documents)` reads the documents of one index generation and returns what
relates them, each `DocumentRelation` with the evidence that found it (a sentence a person
can check) and how sure it is. Only what the texts support is asserted:

- **version**: two documents with the same title (中华人民共和国 aside) and compatible issuers
  whose amendment histories 「…通过 / …修订 / …修正」 start at the same adoption, or that share
  most of their clauses (near-duplicates). Older → newer by the version date (the document's
  date, else the last event of its history); when neither tells, `ordered` is False.
- **replaced_by**: a newer document says 「《X》同时废止」 (or 即行/予以/一并废止, 「自…起废止」) of a
  document the index holds (stated), or, marked inferred, the same
  subject under a new type word by the same issuer (「档案法实施办法」 → 「档案法实施条例」).
- **implements**: a document whose title says 实施 (「实施《X》办法」, 「X实施条例」, 「…实施意见」)
  and names the law or plan (in its title, or 「根据 / 为了实施 / 为贯彻落实《X》」 in its first
  articles). `implemented_version` is the date of the version of X in force at the measure's
  date (the measure's date, else its 「本办法自…起施行」 date), read from the histories of X's
  versions in the index; None when it cannot tell. `target_id` is X's version that the index
  holds: the implemented one when held (`implemented_version_held`), else the newest.
- **series**: plans of one programme (the title without its period: 「2009—2013年」, 「“十一五”」)
  in different periods, earlier → later; same period and different texts: `ordered` False.

`history(document)` reads a document's amendment history block into dated events (several on one
line, 「…第一次修正根据2009年…第二次修正」, and one wrapped over two lines are each read).
Relations are document-level: index/build.py recomputes them only when the documents
(ids, content hashes, metadata) changed (`relations_signature`).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import cast

from policykb.ingest.dates import find_dates
from policykb.ingest.metadata import simplified
from policykb.ingest.model import Document

KINDS = ("version", "replaced_by", "implements", "series")
# Part of every signature: a change to how relations are found makes the next build find them again.
RELATIONS_VERSION = 1

_EVENT = re.compile(r"(通过|修订|修正|批准|发布|公布)")
_STATE = "中华人民共和国"
_PUNCT = re.compile(r"[\s\u3000“”\"'‘’「」《》〈〉<>]")
_DASH = re.compile(r"[—－\-–~～]+")
_PERIOD = re.compile(r"[（(]?((?:19|20)\d{2})\s*年?\s*(?:[—－\-–~～至到]+)\s*((?:19|20)\d{2})\s*年?[)）]?")
# 「“十一五”」 in quotes, or unquoted right before what it numbers (十二五规划, 六五普法); not 「第十五届」
_PLAN = re.compile(r"“(十[一二三四五六七八九]?|[一二三四五六七八九])五”"
                   r"|(?<![第\d])(十[一二三四五六七八九]?|[一二三四五六七八九])五(?=规划|计划|纲要|期间|时期|普法)")
_PLAN_TYPES = ("规划", "计划", "纲要", "要点", "方案")
# Type words a subject can be re-issued under (实施办法 → 实施条例), longest first.
_TYPE_WORDS = ("实施办法", "实施条例", "实施细则", "暂行办法", "暂行条例", "暂行规定", "办法", "条例", "细则", "规定")
_IMPLEMENTS_TITLE = re.compile(r"实施《(?P<law>[^《》]{2,60})》(?:的)?(?:办法|细则|条例|意见|方案|规定)$")
_IMPLEMENTING_SUFFIX = re.compile(r"^(?P<law>.{2,60}?法)实施(?:办法|条例|细则)$")
_IMPLEMENTS_ARTICLE = re.compile(r"(?:根据|为了?实施|为了?贯彻(?:落实|实施|执行)?)《(?P<law>[^《》]{2,60})》")
_EFFECTIVE = re.compile(r"本(?:法|条例|办法|规定|细则|意见|方案|规划)自(?P<date>[^，。；]{6,14}日)起施行")
# 「《X》同时废止」「即行废止」「予以废止」「一并废止」「自…起废止」
_ABOLISHED = re.compile(r"[^。；]*(?:同时|即行|予以|一并|起)废止")
_TITLE_IN = re.compile(r"《(?P<title>[^《》]{2,80})》")


@dataclass(frozen=True)
class HistoryEvent:
    """One line of a document's amendment history: 「1996年5月15日 …会议通过」 → (1996-05-15, 通过)."""

    date: str  # ISO yyyy-mm-dd
    action: str  # 通过 | 修订 | 修正 | 批准 | 发布 | 公布
    text: str  # the line as written
    line: int | None


@dataclass(frozen=True)
class DocumentRelation:
    """One relation, from `source_id` to `target_id` (see the module docstring for each kind).

    version: source is the older version; replaced_by: source is the replaced document;
    implements: source is the measure, target the law or plan (None: not in the index, named
    by `target_title`); series: source is the earlier plan. `evidence` says in words what in
    the texts found it; `inferred` is True when no text states the relation itself (the same
    subject under a new title, a version by date). `ordered` False: the texts do not tell
    which of the two came first (source/target are then in index order).
    """

    kind: str
    source_id: str
    target_id: str | None
    target_title: str | None
    evidence: str
    confidence: float
    inferred: bool
    ordered: bool = True
    implemented_version: str | None = None
    implemented_version_held: bool | None = None


@dataclass(frozen=True)
class _Profile:
    """What relations are read from, per document."""

    doc: Document
    title: str  # simplified, punctuation and 中华人民共和国 removed
    issuer: str | None
    version_date: str | None
    history: tuple[HistoryEvent, ...]
    effective: str | None  # 「本办法自…起施行」
    groups: frozenset[str]  # near-duplicate groups of its clauses (ingest/duplicates.py), preamble aside
    clause_count: int  # its clauses, preamble aside


def _header_lines(document: Document) -> list[tuple[str, int]]:
    """(line, line number) of the header (the preamble clause), and of the unnumbered paragraphs right
    after it that still read as history: a header reader may end the header at a line wrapped in two
    (「2019年8月26日 …《关于修改〈…〉」 / 「〈…〉的决定》第三次修正」)."""
    out: list[tuple[str, int]] = []
    for clause in document.clauses:
        if clause.kind == "preamble":
            out.extend((line, clause.line_start + i) for i, line in enumerate(clause.text.split("\n")))
            continue
        if clause.kind != "paragraph" or not out or "。" in clause.text or len(clause.text) > 200:
            break
        out.extend((line, clause.line_start + i) for i, line in enumerate(clause.text.split("\n")))
    return out


def history(document: Document) -> list[HistoryEvent]:
    """The dated adoption / amendment lines of the document's header, in date order."""
    out: list[HistoryEvent] = []
    pending: tuple[str, str, int] | None = None  # a dated line whose event word is on the next line
    for line, number in _header_lines(document):
        s = simplified(line)
        if "。" in s or len(s) > 400:
            pending = None
            continue
        dates = find_dates(s)
        if not dates:
            action = _EVENT.findall(s)
            if pending is not None and action:
                out.append(HistoryEvent(pending[0], action[-1], f"{pending[1]}{line.strip()}", pending[2]))
            pending = None
            continue
        pending = None
        # one line may hold several events: 「2000年…第一次修正根据2009年…第二次修正」
        for k, found in enumerate(dates):
            segment = s[found.end: dates[k + 1].start if k + 1 < len(dates) else len(s)]
            actions = _EVENT.findall(segment)
            if segment.rstrip("）)　 ").endswith("施行"):
                continue
            if not actions:
                if k == len(dates) - 1 and len(segment) > 6:
                    pending = (found.iso, line.strip(), number)
                continue
            out.append(HistoryEvent(found.iso, actions[-1], line.strip(), number))
    return sorted(out, key=lambda e: e.date)


def title_key(title: str | None) -> str:
    """A title as compared: simplified, without spaces, quotes, brackets, dashes' forms or 中华人民共和国."""
    if not title:
        return ""
    s = _DASH.sub("—", _PUNCT.sub("", simplified(title)))
    return s[len(_STATE):] if s.startswith(_STATE) else s


def _issuer_key(issuer: str | None) -> str | None:
    return re.sub(r"\s|第[一二三四五六七八九十]+届", "", simplified(issuer)) if issuer else None


def _effective_date(document: Document) -> str | None:
    for clause in reversed(document.clauses[-6:]):
        m = _EFFECTIVE.search(simplified(clause.text))
        if m:
            found = find_dates(m.group("date"))
            if found:
                return found[0].iso
    return None


def _profile(doc: Document) -> _Profile:
    events = tuple(history(doc))
    date = doc.meta.value("date")
    dates = [d for d in (date if date and len(date) == 10 else None, events[-1].date if events else None) if d]
    version_date = max(dates) if dates else None  # the latest the text states: its date, or its last amendment
    body = [c for c in doc.clauses if c.kind != "preamble"]
    return _Profile(doc, title_key(doc.title), _issuer_key(doc.meta.value("issuer")), version_date, events,
                    _effective_date(doc), frozenset(c.duplicate_group for c in body if c.duplicate_group), len(body))


def _issuers_agree(a: _Profile, b: _Profile) -> bool:
    return a.issuer is None or b.issuer is None or a.issuer == b.issuer or a.issuer in b.issuer or b.issuer in a.issuer


def _shared_clauses(a: _Profile, b: _Profile) -> float:
    """Share of the shorter document's clauses that are near-duplicates of one in the other."""
    n = min(a.clause_count, b.clause_count)
    return len(a.groups & b.groups) / n if n else 0.0


def _cn(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def _plan_period(written: str | None) -> tuple[str, tuple[int, int]] | None:
    """(title without its period, as title_key compares it; (start, end)) for a plan whose title names one
    (start = end = N for the Nth five-year plan)."""
    if not written:
        return None
    title = _DASH.sub("—", re.sub(r"[\s\u3000]", "", simplified(written)))
    m = _PERIOD.search(title)
    if m:
        return title_key(title[:m.start()] + title[m.end():]).strip("—"), (int(m.group(1)), int(m.group(2)))
    m = _PLAN.search(title)
    if m:
        numeral = m.group(1) or m.group(2)
        digits = "一二三四五六七八九"
        n = 10 if numeral == "十" else 10 + digits.index(numeral[1]) + 1 if numeral.startswith("十") \
            else digits.index(numeral) + 1
        return title_key(title[:m.start()] + title[m.end():]), (n, n)
    return None


def _versions(profiles: list[_Profile]) -> list[DocumentRelation]:
    by_title: dict[str, list[_Profile]] = defaultdict(list)
    for p in profiles:
        if p.title:
            by_title[p.title].append(p)
    out = []
    for group in by_title.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                rel = _version_pair(a, b)
                if rel:
                    out.append(rel)
    return out


def _version_pair(a: _Profile, b: _Profile) -> DocumentRelation | None:
    if not _issuers_agree(a, b) or (a.doc.content_hash and a.doc.content_hash == b.doc.content_hash):
        return None  # another issuer's text, or the same text twice (a copy is not a version)
    if a.history and b.history:
        first_a, first_b = a.history[0], b.history[0]
        if first_a.date != first_b.date:
            return None  # two laws of one name adopted on different days are not one law
        if a.version_date == b.version_date:
            return None  # the same version twice
        older, newer = sorted((a, b), key=lambda p: p.version_date or "")
        # a profile with a history has a version date (its last event's date at least)
        older_date, newer_date = cast(str, older.version_date), cast(str, newer.version_date)
        return DocumentRelation(
            "version", older.doc.id, newer.doc.id, newer.doc.title,
            f"同名文件，沿革同起于{_cn(first_a.date)}{first_a.action}；本版截至{_cn(older_date)}"
            f"{older.history[-1].action if older.history else ''}，新版截至{_cn(newer_date)}"
            f"{newer.history[-1].action if newer.history else ''}", 0.95, False)
    shared = _shared_clauses(a, b)
    if _plan_period(a.doc.title) is not None and shared < 0.3:
        return None  # same period, different texts: a series question (_series)
    if shared < 0.3:
        return None
    if a.version_date and b.version_date and a.version_date != b.version_date:
        older, newer = sorted((a, b), key=lambda p: p.version_date or "")  # both set: `or ""` is for the type
        return DocumentRelation("version", older.doc.id, newer.doc.id, newer.doc.title,
                                f"同名文件，{shared:.0%}的条款近乎相同；日期{older.version_date}、{newer.version_date}",
                                0.85, True)
    if a.version_date and b.version_date:
        return None  # same title, same date, shared text: one document twice, not two versions
    return DocumentRelation("version", a.doc.id, b.doc.id, b.doc.title,
                            f"同名文件，{shared:.0%}的条款近乎相同；"
                            f"{'两文都未注明日期' if not (a.version_date or b.version_date) else '一文未注明日期'}，先后无法判定",
                            0.7, True, ordered=False)


def _subject(title: str) -> tuple[str, str] | None:
    for word in _TYPE_WORDS:
        if title.endswith(word) and len(title) > len(word) + 1:
            return title[: -len(word)], word
    return None


def _ordering_date(p: _Profile) -> str | None:
    return p.version_date or p.effective


def _replacements(profiles: list[_Profile]) -> list[DocumentRelation]:
    by_title: dict[str, list[_Profile]] = defaultdict(list)
    for p in profiles:
        by_title[p.title].append(p)
    found: dict[tuple[str, str], DocumentRelation] = {}
    for p in profiles:  # stated: 「《X》同时废止」
        for clause in p.doc.clauses[-8:]:
            if clause.kind == "preamble" or "废止" not in clause.text:
                continue
            text = simplified(clause.text)
            for sentence in _ABOLISHED.finditer(text):
                for m in _TITLE_IN.finditer(sentence.group(0)):
                    for old in by_title.get(title_key(m.group("title")), []):
                        if old.doc.id == p.doc.id:
                            continue
                        old_date, new_date = _ordering_date(old), _ordering_date(p)
                        if old_date and new_date and old_date > new_date:
                            continue
                        label = clause.label or ""
                        found[(old.doc.id, p.doc.id)] = DocumentRelation(
                            "replaced_by", old.doc.id, p.doc.id, p.doc.title,
                            f"新文件{label}：「{sentence.group(0).strip()}」", 0.95, False)
    by_subject: dict[str, list[tuple[_Profile, str]]] = defaultdict(list)
    for p in profiles:  # inferred: the same subject under a new type word
        s = _subject(p.title)
        if s:
            by_subject[s[0]].append((p, s[1]))
    for group in by_subject.values():
        for i, (a, wa) in enumerate(group):
            for b, wb in group[i + 1:]:
                date_a, date_b = _ordering_date(a), _ordering_date(b)
                if wa == wb or not _issuers_agree(a, b) or not (date_a and date_b):
                    continue
                if date_a == date_b:
                    continue
                old, new = (a, b) if date_a < date_b else (b, a)
                if (old.doc.id, new.doc.id) in found:
                    continue
                found[(old.doc.id, new.doc.id)] = DocumentRelation(
                    "replaced_by", old.doc.id, new.doc.id, new.doc.title,
                    f"推断：同一事项（{a.title[: -len(wa)]}）由「{_type_word(old)}」改为「{_type_word(new)}」，"
                    f"新文件{_dated(new)}晚于旧文件{_dated(old)}", 0.6, True)
    return list(found.values())


def _dated(p: _Profile) -> str:
    """「日期1999-06-07」, or 「施行日期2024-03-01」 when only its 「本条例自…起施行」 dates it."""
    return f"日期{p.version_date}" if p.version_date else f"施行日期{p.effective}"


def _type_word(p: _Profile) -> str:
    s = _subject(p.title)
    return s[1] if s else ""


def _implemented_law(p: _Profile) -> tuple[str, str] | None:
    """(the law or plan's title as named, where it was read) for a measure whose title says 实施."""
    title = simplified(p.doc.title or "")
    if "实施" not in title:
        return None
    m = _IMPLEMENTS_TITLE.search(re.sub(r"[\s\u3000“”\"']", "", title))
    if m:
        return m.group("law"), f"标题「{p.doc.title}」"
    m = _IMPLEMENTING_SUFFIX.match(_PUNCT.sub("", title))
    if m:
        return m.group("law"), f"标题「{p.doc.title}」"
    for clause in p.doc.clauses[:6]:
        if clause.kind == "preamble":
            continue
        text = re.sub(r"[\s\u3000]", "", simplified(clause.text))  # 「为了实施 《…》 （以下简称条例）」
        m = _IMPLEMENTS_ARTICLE.search(text)
        if m and "制定本" in text:
            return m.group("law"), f"{clause.label or '首条'}「{m.group(0)}」"
    return None


def _implementations(profiles: list[_Profile]) -> list[DocumentRelation]:
    by_title: dict[str, list[_Profile]] = defaultdict(list)
    for p in profiles:
        by_title[p.title].append(p)
    out = []
    for p in profiles:
        named = _implemented_law(p)
        if named is None:
            continue
        law, where = named
        versions = [v for v in by_title.get(title_key(law), []) if v.doc.id != p.doc.id]
        if not versions:
            out.append(DocumentRelation("implements", p.doc.id, None, law, f"{where}：实施《{law}》；索引中没有该文件",
                                        0.9, False))
            continue
        when, when_from = (p.version_date, "本文件日期") if p.version_date else (p.effective, "本文件施行日期")
        events = sorted({(e.date, e.action) for v in versions for e in v.history if e.action in ("通过", "修订", "修正")}
                        | {(v.version_date, "") for v in versions if v.version_date})
        newest = max(versions, key=lambda v: v.version_date or "")
        if when is None or not events:
            out.append(DocumentRelation("implements", p.doc.id, newest.doc.id, law,
                                        f"{where}：实施《{law}》；本文件未注明日期，所据版本无法判定", 0.9, False))
            continue
        in_force = [d for d, _ in events if d <= when]
        if not in_force:
            out.append(DocumentRelation("implements", p.doc.id, newest.doc.id, law,
                                        f"{where}：实施《{law}》；{when_from}{when}早于该法已知的各版本，所据版本无法判定",
                                        0.9, False))
            continue
        version = in_force[-1]
        held = [v for v in versions if v.version_date == version]
        target = held[0] if held else min((v for v in versions if (v.version_date or "") > version),
                                          key=lambda v: v.version_date or "", default=newest)
        note = "该版本在索引中" if held else f"该版本不在索引中（索引中为{target.version_date or '未注明日期'}版）"
        out.append(DocumentRelation(
            "implements", p.doc.id, target.doc.id, law,
            f"{where}：实施《{law}》；推断所据为{_cn(version)}的版本（{when_from}{when}时该法最近一次通过、修订或修正的文本），{note}",
            0.9, False, implemented_version=version, implemented_version_held=bool(held)))
    return out


def _series(profiles: list[_Profile], versions: list[DocumentRelation]) -> list[DocumentRelation]:
    paired = {frozenset((r.source_id, r.target_id)) for r in versions}
    by_stem: dict[str, list[tuple[_Profile, tuple[int, int]]]] = defaultdict(list)
    for p in profiles:
        if p.doc.meta.value("doc_type") not in _PLAN_TYPES and not p.title.endswith(_PLAN_TYPES):
            continue
        found = _plan_period(p.doc.title)
        if found:
            by_stem[found[0]].append((p, found[1]))
    out = []
    for stem, group in by_stem.items():
        mixed = len({period[0] < 100 for _, period in group}) > 1  # 「“十一五”」 beside 「2011—2015年」

        def when(period: tuple[int, int], mixed: bool = mixed) -> tuple[int, int]:
            return _five_year_years(period) if mixed and period[0] < 100 else period

        group = sorted(group, key=lambda g: when(g[1]))
        for (a, pa), (b, pb) in itertools.pairwise(group):
            if frozenset((a.doc.id, b.doc.id)) in paired or not _issuers_agree(a, b):
                continue
            if when(pa) == when(pb):
                if _shared_clauses(a, b) >= 0.3 or a.doc.content_hash == b.doc.content_hash:
                    continue  # one plan twice (or its versions), not two plans of the same period
                out.append(DocumentRelation(
                    "series", a.doc.id, b.doc.id, b.doc.title,
                    f"同一系列「{stem}」，两文所写期数相同（{pa[0]}—{pa[1]}），先后无法从文本判定", 0.5, True,
                    ordered=False))
            else:
                inferred = mixed and (pa[0] < 100) != (pb[0] < 100)  # ordered by what the N of 「N五」 means
                out.append(DocumentRelation(
                    "series", a.doc.id, b.doc.id, b.doc.title,
                    f"同一系列「{stem}」：{_period_text(pa)} → {_period_text(pb)}"
                    + ("（按第N个五年计划的年份推断先后）" if inferred else ""), 0.75 if inferred else 0.85, inferred))
    return out


def _five_year_years(period: tuple[int, int]) -> tuple[int, int]:
    """The years of the Nth national five-year plan: 一五 1953—1957, 二五 1958—1962, 三五 1966—1970, …,
    十一五 2006—2010 (1963—1965 were years of adjustment between the second and the third)."""
    n = period[0]
    start = 1953 if n == 1 else 1958 if n == 2 else 1966 + 5 * (n - 3)
    return start, start + 4


def _period_text(period: tuple[int, int]) -> str:
    if period[0] < 100:
        n = period[0]
        digits = "一二三四五六七八九"
        return f"“{'十' if n >= 10 else ''}{digits[n % 10 - 1] if n % 10 else ''}五”"
    return f"{period[0]}—{period[1]}年"


def find_relations(documents: list[Document]) -> list[DocumentRelation]:
    """Every relation between `documents` (one generation's), versions first."""
    profiles = [_profile(d) for d in documents]
    versions = _versions(profiles)
    return versions + _replacements(profiles) + _implementations(profiles) + _series(profiles, versions)


def relations_signature(documents: list[Document]) -> str:
    """Changes whenever anything relations are read from may have: a document's id, text or metadata,
    or the way they are found (RELATIONS_VERSION)."""
    h = hashlib.sha256(f"relations {RELATIONS_VERSION}\x1e".encode())
    for d in sorted(documents, key=lambda d: d.id):
        m = d.meta
        h.update("\x1f".join((d.id, d.content_hash, m.value("title") or "", m.value("issuer") or "",
                              m.value("date") or "", m.value("doc_type") or "")).encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()

