"""GB/T 7714 reference entries for a policy or law document (a clause cites its document's entry).

GB/T 7714—2015 (主要责任者. 题名: 其他题名信息[类型/OL]. (更新或修改日期)[引用日期]. URL.): the 文号
is the 其他题名信息; the type is 「A/OL」 with a URL (`online_type="EB"` gives 「EB/OL」, which many
journals ask for) and 「A」 without, then the year. GB/T 7714—2025 (in force since 2026-07-01): 「EB/OL」
with a URL and 「Z」 without, full-width colon, comma and parentheses in Chinese entries (as the
zotero-chinese 2025 styles write them). The 引用日期 is a parameter (the day of export).

A stated date is the (更新或修改日期) of an online entry and gives the year of one without a URL. A year
only inferred from the 文号 or title is never written as a date: an entry without a URL shows it in
square brackets, GB/T 7714's mark of an estimated year (「[2009]」); an online entry leaves it out.
A document that states no title is named by its file, as everywhere else it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date
from typing import Literal

from policykb.service.citations.record import CitedDocument

OnlineType = Literal["A", "EB"]


@dataclass(frozen=True)
class Punctuation:
    """What separates the parts of an entry in one edition."""

    authors: str
    subtitle: str
    open_date: str
    close_date: str


EDITION_2015 = Punctuation(authors=", ", subtitle=": ", open_date="(", close_date=")")
EDITION_2025 = Punctuation(authors="，", subtitle="：", open_date="（", close_date="）")


def _entry(doc: CitedDocument, accessed: Date, marks: Punctuation, online: str, offline: str) -> str:
    title = doc.title or doc.file
    head = f"{title}{marks.subtitle}{doc.doc_number}" if doc.doc_number else title
    parts = [marks.authors.join(doc.issuers)] if doc.issuers else []
    if doc.url:
        stated = f"{marks.open_date}{doc.date}{marks.close_date}" if doc.date else ""
        parts += [f"{head}[{online}]", f"{stated}[{accessed.isoformat()}]", doc.url]
    else:
        parts.append(f"{head}[{offline}]")
        if doc.date:
            parts.append(doc.date[:4])
        elif doc.year is not None:
            parts.append(f"[{doc.year}]")  # estimated year (GB/T 7714—2015 8.3.2), never as the date
    return ". ".join(parts) + "."


def gbt7714_2015(doc: CitedDocument, accessed: Date, online_type: OnlineType = "A") -> str:
    """「北京市人民政府办公厅. 关于…的通知: 京政办发［2005］37号[A/OL]. (2005-07-12)[2011-07-12]. http://….」"""
    return _entry(doc, accessed, EDITION_2015, f"{online_type}/OL", "A")


def gbt7714_2025(doc: CitedDocument, accessed: Date) -> str:
    """「国务院. 国家职业教育改革实施方案：国发〔2019〕4号[EB/OL]. （2019-01-24）[2026-12-02]. http://….」"""
    return _entry(doc, accessed, EDITION_2025, "EB/OL", "Z")
